"""Streamlit helpers shared by the pages: the one Console, the venue banner, inline errors, widgets.

Pages stay thin: they ask ``console()`` for the facade, draw widgets, call the facade through
``attempt`` (direct calls) or ``callback`` (buttons inside auto-refreshing fragments), and hand
DataFrames to ``console.charts``. Every ``ConsoleError`` is shown inline where it happened; its
message already says the fix.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from decimal import Decimal
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from console import fmt
from console.config import load_settings
from console.domain import BotConfig, Market, Sizing, Venue, WorkingType
from console.errors import ConsoleError
from console.service import Console
from console.service.bots import FIELD_LABELS as _LABELS  # the names errors use too

T = TypeVar("T")
REFRESH_SECONDS = 2
_MESSAGES = "_ui_messages"


def _release(console: Console) -> None:
    console.close()


@st.cache_resource(show_spinner="Starting the console…", on_release=_release)
def _console() -> Console:
    return Console(load_settings())


def console() -> Console:
    """Return the process's Console; when it cannot start, show why (with the fix) and stop the page."""
    try:
        return _console()
    except ConsoleError as e:
        st.error(f"The console cannot start: {e}")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers content


def page(title: str) -> Console:
    """Start a page: the venue banner, the title, and the Console."""
    con = console()
    banner(con)
    from console import ui_notify  # the notifications' UI builds on this module
    ui_notify.toasts(con)  # once per notification per session
    st.title(title)
    return con


def banner(con: Console) -> None:
    """Show the venue on top of the page: PAPER (and where its prices come from), DEMO or LIVE; and,
    when the venue has no keys yet, where to add them."""
    info = con.banner()
    if info.venue is Venue.LIVE:
        st.error(f"**{info.text}** · orders here spend real money", icon=":material/warning:")
    elif info.venue is Venue.DEMO:
        st.warning(f"**{info.text}** · no real money", icon=":material/science:")
    else:
        st.info(f"**{info.text}**", icon=":material/science:")
    missing = account_missing(con)
    if missing:
        st.warning(missing[:1].upper() + missing[1:] + ".", icon=":material/key:")


def account_missing(con: Console) -> str:
    """Why the console's venue has no account to trade with, with the fix; '' when it has one."""
    try:
        con.default_account()
    except ConsoleError as e:
        return str(e)
    return ""


# -- errors and notices ------------------------------------------------------------------------

def attempt(fn: Callable[..., T], *args: Any, default: T | None = None, **kwargs: Any) -> T | None:
    """Call the facade; on a ConsoleError show it inline and return ``default``."""
    try:
        return fn(*args, **kwargs)
    except ConsoleError as e:
        st.error(str(e), icon=":material/error:")
        return default


def succeeded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Call the facade for its effect; on a ConsoleError show it inline and return False."""
    try:
        fn(*args, **kwargs)
    except ConsoleError as e:
        st.error(str(e), icon=":material/error:")
        return False
    return True


def done(area: str, text: str) -> None:
    """Report success in ``area`` and rerun the whole page so every panel shows the change."""
    note(area, "ok", text)
    st.rerun()


def note(area: str, kind: str, text: str) -> None:
    """Queue a message for ``area``; ``show(area)`` draws it on the next run."""
    st.session_state.setdefault(_MESSAGES, {}).setdefault(area, []).append((kind, text))


def show(area: str) -> None:
    """Draw (once) the messages queued for ``area`` by callbacks."""
    for kind, text in st.session_state.get(_MESSAGES, {}).pop(area, []):
        if kind == "error":
            st.error(text, icon=":material/error:")
        else:
            st.success(text, icon=":material/check_circle:")


def callback(area: str, fn: Callable[..., Any], *args: Any, done: str = "", **kwargs: Any) -> Callable[[], None]:
    """Return an on_click/on_change callback running ``fn``; its error or ``done`` goes to ``area``."""
    def run() -> None:
        try:
            result = fn(*args, **kwargs)
        except ConsoleError as e:
            note(area, "error", str(e))
            return
        if done:
            note(area, "ok", done.format(result=result))
    return run


# -- widgets -----------------------------------------------------------------------------------

def symbol_picker(con: Console, market: str, key: str, label: str = "Symbol") -> str:
    """A symbol select box for ``market``; a text box when the venue cannot list its symbols."""
    names = attempt(con.orders.symbols, market, default=[]) or []
    if names:
        index = names.index("BTC/USDT") if "BTC/USDT" in names else 0
        return st.selectbox(label, names, index=index, key=f"{key}_{market}")
    return st.text_input(label, value="BTC/USDT", key=f"{key}_{market}_text").strip().upper()


def money(value: object, asset: str = "") -> str:
    """Write money for a metric or a message: thousands separators, 2 decimals, its asset; '—' for none."""
    return fmt.money(value, asset) or "—"


def plain(value: object) -> str:
    """Write a number without trailing zeros or exponent; '—' for None."""
    return fmt.plain(value) or "—"


def pct(fraction: object) -> str:
    """Write a fraction as a percentage with one decimal (0.123 -> 12.3%); '—' for none."""
    return fmt.pct(fraction) or "—"


# Columns of money: shown with 2 decimals. Every other number is shown as the facade rounded it.
MONEY_COLUMNS = frozenset({"pnl", "realized_pnl", "unrealized_pnl", "pnl_today", "net_pnl", "fees",
                           "commission_quote", "quote_quantity", "notional", "value_quote", "max_daily_loss",
                           "max_position_quote"})
_HIDDEN = ("id", "bot_id", "series")
_COLUMN_LABELS = {
    "bot": "bot", "ts": "time (UTC)", "next_run": "next run (UTC)", "client_order_id": "client order id",
    "exchange_order_id": "exchange order id", "unrealized_pnl": "unrealized PnL", "pnl": "PnL",
    "realized_pnl": "realized PnL", "pnl_today": "PnL today", "order_type": "type", "quote_quantity": "quote quantity",
    "commission_quote": "commission (quote)", "stop_price": "stop price", "entry_price": "entry price",
    "last_price": "last price", "mark_price": "mark price",
}
_ASSET_COLUMNS = frozenset({"free", "locked", "total", "amount", "balance"})  # amounts of the row's asset
_WIDTHS = {"message": "large", "last_error": "large", "reason": "medium", "client_order_id": "medium"}


def shown(frame: pd.DataFrame) -> tuple[Styler, dict[str, Any]]:
    """Ready ``frame`` for a person; return the Styler to draw and the column_config.

    Number columns stay numbers, so a click on the header sorts them by value, and the Styler
    writes each cell the way ``console.fmt`` does: money to 2 decimals, an amount beside an
    ``asset`` column with that asset, the rest as the facade rounded it to the tick or step
    (each row to its own symbol's), never an exponent. None and NaN are blanks, times are UTC,
    the ids are hidden when a name stands beside them; the column_config gives labels,
    alignment and widths.
    """
    out = frame.drop(columns=[c for c in _HIDDEN if c in frame and (c != "bot_id" or "bot" in frame)])
    out = out.reset_index(drop=True)
    config: dict[str, Any] = {}
    written: dict[str, list[str]] = {}
    for name in out.columns:
        label = _COLUMN_LABELS.get(name, name.replace("_", " "))
        width = _WIDTHS.get(name)
        column = out[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            if getattr(column.dt, "tz", None) is not None:
                out[name] = column = column.dt.tz_convert("UTC").dt.tz_localize(None)
            if column.isna().any():  # a missing time as a blank, not a grey "None"
                out[name] = [_cell(v, fmt.plain) for v in column]
                config[name] = st.column_config.TextColumn(label, width=width)
                continue
            config[name] = st.column_config.DatetimeColumn(
                label if "UTC" in label else f"{label} (UTC)", format="YYYY-MM-DD HH:mm:ss", width=width)
        elif pd.api.types.is_float_dtype(column) or column.dtype == object:
            write = _writer(name, out)
            if _numeric(column):
                written[name] = [write(v, row=i) if _present(v) else "" for i, v in enumerate(column)]
                out[name] = [float(v) if _present(v) else float("nan") for v in column]
                config[name] = st.column_config.NumberColumn(label, width=width)
            else:
                out[name] = [_cell(v, partial(write, row=i)) for i, v in enumerate(column)]
                config[name] = st.column_config.TextColumn(label, width=width)
        else:
            config[name] = st.column_config.Column(label, width=width)
    return _styled(out, written), config


def _writer(name: str, frame: pd.DataFrame) -> Callable[..., str]:
    """How the cells of column ``name`` are written: ``write(value, row=i)``."""
    if name in _ASSET_COLUMNS and "asset" in frame:
        assets = list(frame["asset"])
        return lambda value, row: fmt.balance(value, str(assets[row]))
    if name in MONEY_COLUMNS:
        return lambda value, row: fmt.money(value)
    return lambda value, row: fmt.plain(value)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA


def _numeric(column: pd.Series) -> bool:
    """Whether every cell is a number (Decimal, float or int, not bool) or a blank, and one is a number."""
    found = False
    for value in column:
        if not _present(value):
            continue
        if isinstance(value, bool) or not isinstance(value, (Decimal, float, int)):
            return False
        if isinstance(value, Decimal) and not value.is_finite():
            return False
        found = True
    return found


def _styled(data: pd.DataFrame, written: dict[str, list[str]]) -> Styler:
    """A Styler over ``data`` that shows ``written[column][row]`` for the number cells.

    A Styler formats by value, so the rows of a column are split into groups in which one value is
    always written alike (one group unless, say, 0 USDT and 0 BTC share a column).
    """
    styler = data.style.format(na_rep="")
    for name, texts in written.items():
        groups: list[tuple[dict[float, str], list[int]]] = []
        for row, (value, text) in enumerate(zip(data[name], texts)):
            if value != value:
                continue
            for mapping, rows in groups:
                if mapping.setdefault(value, text) == text:
                    rows.append(row)
                    break
            else:
                groups.append(({value: text}, [row]))
        for mapping, rows in groups:
            styler = styler.format(mapping.get, subset=pd.IndexSlice[rows, [name]], na_rep="")
    return styler


def _cell(value: object, write: Callable[[object], str]) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (Decimal, float)):
        return write(value)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return value


def table(frame: pd.DataFrame | None, empty: str = "", key: str | None = None) -> None:
    """Show ``frame`` through ``shown``, or the ``empty`` caption when it has no rows (nothing when it
    failed to load)."""
    if frame is None:
        return
    if frame.empty:
        if empty:
            st.caption(empty)
        return
    display, config = shown(frame)
    st.dataframe(display, hide_index=True, key=key, column_config=config)


def preview_table(preview: Any) -> pd.DataFrame:
    """One row describing a normalised order preview: quantity, price, notional and fee."""
    return pd.DataFrame([{
        "symbol": preview.symbol, "market": preview.market.value, "side": preview.side.value,
        "quantity": plain(preview.quantity), "price": plain(preview.price),
        "notional": fmt.money(preview.notional),
        "fee": f"{plain(preview.fee)} {preview.fee_asset}",
    }])


def show_preview(preview: Any, key: str) -> None:
    """Show an order preview and its warnings."""
    display, config = shown(preview_table(preview))
    st.dataframe(display, hide_index=True, key=key, width="stretch", column_config=config)
    for warning in preview.warnings:
        st.warning(warning)


def difference_resolver(con: Console) -> None:
    """Resolve a difference between the account and the books: assign it to a bot, close it, accept it."""
    found = attempt(con.holdings.differences, default=[]) or []
    if not found:
        return
    with st.container(border=True):
        st.markdown("**Resolve a difference** · the bots on it stay suspended until it is resolved")
        labels = [d.label for d in found]
        chosen = found[labels.index(st.selectbox("Difference", labels, key="diff_pick"))]
        way = st.radio("How", list(_WAYS), format_func=_WAYS.get, key="diff_way", horizontal=True)
        args: tuple[Any, ...] = (chosen.market, chosen.holding)
        if way == "assign":
            if not chosen.bots:
                st.caption("No bot trades it: close it or accept it as yours.")
                return
            names = dict(chosen.bots)
            args = (*args, st.selectbox("Bot", list(names), format_func=names.get, key="diff_bot"))
        held = con.holdings
        action = {"assign": held.assign_difference, "close": held.close_difference,
                  "accept": held.accept_difference}[way]
        sure = st.checkbox("I confirm", key="diff_confirm")

        def resolve() -> None:
            callback("holdings", action, *args, account=chosen.account, done="{result}")()
            st.session_state["diff_confirm"] = False

        st.button("Resolve", key="diff_resolve", type="primary", disabled=not sure, on_click=resolve)


_WAYS = {"assign": "Assign it to a bot (a bookkeeping adjustment)", "close": "Close it at market (an order by hand)",
         "accept": "Accept it as mine"}


def live_confirmed(con: Console, key: str) -> bool:
    """On the live venue, ask for an explicit confirmation; elsewhere return True."""
    if con.venue is not Venue.LIVE:
        return True
    return st.checkbox("I confirm this acts on my real Binance account", key=f"{key}_live")


def bot_form(con: Console, key: str, config: BotConfig | None = None, *,
             running: bool = False) -> tuple[dict[str, Any], str]:
    """Draw the bot settings form; return (form values, the button pressed: '', 'preview' or 'save').

    Strategy and market sit outside the form because the fields below depend on them. A ``running``
    bot's market and symbol are locked (the service refuses a change too). Numbers are plain text
    boxes: the service checks them and its message says the range.
    """
    config = config or _default_config(con)
    names = list(con.bots.strategies())
    cols = st.columns(2)
    strategy = cols[0].selectbox(_LABELS["strategy"], names, index=names.index(config.strategy), key=f"{key}_strategy",
                                 format_func=lambda n: con.bots.strategies()[n].title)
    market = cols[1].radio(_LABELS["market"], [m.value for m in Market], index=list(Market).index(config.market),
                           horizontal=True, key=f"{key}_market", disabled=running,
                           help="locked while the bot runs: stop it to change" if running else None)
    st.caption(con.bots.strategies()[strategy].description)
    with st.form(f"{key}_form", border=True):
        left, right = st.columns(2)
        form: dict[str, Any] = {"strategy": strategy, "market": market, "venue": config.venue.value,
                                "account": config.account}
        form["name"] = left.text_input(_LABELS["name"], value=config.name, key=f"{key}_name")
        form["symbol"] = right.text_input(_LABELS["symbol"], value=config.symbol, key=f"{key}_symbol", disabled=running,
                                          help="locked while the bot runs: stop it to change" if running else
                                          "like BTC/USDT; the same pair for spot and USD-M futures")
        if running:
            form["symbol"] = config.symbol
        form["timeframe"] = left.selectbox(_LABELS["timeframe"], _TIMEFRAMES, index=_TIMEFRAMES.index(config.timeframe),
                                           key=f"{key}_timeframe")
        sizings = [s.value for s in Sizing]
        form["sizing"] = right.selectbox(_LABELS["sizing"], sizings, index=sizings.index(config.sizing.value),
                                         key=f"{key}_sizing", format_func=_sizing_label,
                                         help="Fixed quote amount: spend the size in quote on each entry; "
                                         "Fraction of free balance: spend that fraction (0-1] of the free quote; "
                                         "Risk per trade: lose at most that fraction (0-1] of the free quote "
                                         "at the stop-loss")
        form["size"] = left.text_input(_LABELS["size"], value=str(config.size), key=f"{key}_size")
        form["leverage"] = right.text_input(_LABELS["leverage"], value=str(config.leverage), key=f"{key}_lev",
                                            help="1 on spot; on futures up to what the symbol's leverage bracket allows")
        form["take_profit_pct"] = left.text_input(_LABELS["take_profit_pct"], value=_text(config.take_profit_pct),
                                                  key=f"{key}_tp", help="empty: none")
        form["stop_loss_pct"] = right.text_input(_LABELS["stop_loss_pct"], value=_text(config.stop_loss_pct),
                                                 key=f"{key}_sl", help="empty: none")
        form["max_trades_per_day"] = left.text_input(_LABELS["max_trades_per_day"], value=str(config.max_trades_per_day),
                                                     key=f"{key}_maxt", help="a risk default: edit it for this bot")
        form["max_daily_loss"] = right.text_input(_LABELS["max_daily_loss"], value=str(config.max_daily_loss),
                                                  key=f"{key}_maxl", help="a risk default: edit it for this bot")
        form["max_position_quote"] = left.text_input(_LABELS["max_position_quote"], value=str(config.max_position_quote),
                                                     key=f"{key}_maxp", help="a risk default: edit it for this bot; "
                                                     "a fixed size above it is refused")
        form["allow_short"] = right.checkbox(_LABELS["allow_short"], value=config.allow_short, key=f"{key}_short")
        triggers = [w.value for w in WorkingType]
        form["working_type"] = left.selectbox(
            _LABELS["working_type"], triggers, index=triggers.index(config.working_type.value), key=f"{key}_wt",
            format_func=lambda v: _TRIGGER_LABELS[v],
            help="the price the take-profit and stop-loss orders resting on the exchange trigger on")
        form["params"] = _strategy_params(con, strategy, config, key)
        buttons = st.columns(3)
        preview = buttons[0].form_submit_button("Preview order")
        save = buttons[1].form_submit_button("Save bot", type="primary")
        defaults = buttons[2].form_submit_button("Save risk limits as defaults",
                                                 help="max trades per day, max daily loss and max position become "
                                                 "what every new bot starts with (Settings shows them)")
    if defaults:
        risk = attempt(con.setup.save_risk_defaults, form)
        if risk is not None:
            st.success(f"New bots start with at most {risk.max_trades_per_day} trades a day, a daily loss of "
                       f"{money(risk.max_daily_loss)} and a position of {money(risk.max_position_quote)} (quote).")
    return form, "save" if save else "preview" if preview else ""


SIZING_LABELS = {Sizing.FIXED_QUOTE.value: "Fixed quote amount",
                 Sizing.BALANCE_FRACTION.value: "Fraction of free balance",
                 Sizing.RISK_PER_TRADE.value: "Risk per trade"}
def bot_form_ready(con: Console, form: dict, action: str, key: str) -> bool:
    """Validate the bot form and preview the first order; True when ``action`` is 'save' and all is fine."""
    config = attempt(con.bots.config, form)
    if config is None:
        return False
    with st.spinner("Checking the order against the exchange's rules…"):
        preview = attempt(con.bots.preview, config)
    if preview is None:
        return False
    st.caption("First order, normalised to the exchange's rules:")
    show_preview(preview, key=f"{key}_preview")
    return action == "save"


_TIMEFRAMES = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"]
_TRIGGER_LABELS = {WorkingType.MARK_PRICE.value: "mark price", WorkingType.CONTRACT_PRICE.value: "last price"}


def _sizing_label(value: str) -> str:
    return SIZING_LABELS.get(value, value.replace("_", " ").capitalize())


def _strategy_params(con: Console, strategy: str, config: BotConfig, key: str) -> dict[str, Any]:
    specs = con.bots.strategies()[strategy].params
    if not specs:
        return {}
    st.markdown(f"**{con.bots.strategies()[strategy].title} parameters**")
    values: dict[str, Any] = {}
    columns = st.columns(min(3, len(specs)))
    current = config.params if config.strategy == strategy else {}
    for i, spec in enumerate(specs):
        where = columns[i % len(columns)]
        value = current.get(spec.name, spec.default)
        widget_key = f"{key}_{strategy}_{spec.name}"
        if spec.kind is str:
            choices = list(spec.choices)
            values[spec.name] = where.selectbox(spec.title, choices, index=choices.index(str(value)),
                                                key=widget_key, help=spec.help)
        elif spec.kind is int:
            values[spec.name] = where.number_input(spec.title, value=int(value), step=1, key=widget_key,
                                                   help=spec.help)
        else:
            values[spec.name] = where.number_input(spec.title, value=float(value), key=widget_key,
                                                   help=spec.help, format="%g")
    return values


def _default_config(con: Console) -> BotConfig:
    risk = con.setup.risk()
    return BotConfig(name="new bot", symbol="BTC/USDT", venue=con.venue,
                     account=_default_account(con), max_trades_per_day=risk.max_trades_per_day,
                     max_daily_loss=risk.max_daily_loss, max_position_quote=risk.max_position_quote)


def _default_account(con: Console) -> str:
    try:
        return con.default_account()
    except ConsoleError:
        return "paper" if con.venue is Venue.PAPER else ""


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)
