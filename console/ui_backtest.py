"""The Backtest page's sections: the config form, the stored-data check, progress, results, saved runs.

Long work (a backtest, a download) runs on the facade's threads; ``progress_panel`` is an
auto-refreshing fragment that shows it and redraws the page when it ends.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from console import charts, ui
from console.domain import BotConfig, Market, Sizing
from console.errors import ConsoleError
from console.service import Console
from console.service.bots import FIELD_LABELS as LABELS

RUNNING = "_backtest_was_running"
DOWNLOADING = "_backtest_download_was_running"
TIMEFRAMES = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"]


def config_form(con: Console) -> tuple[BotConfig | None, tuple[int, int] | None, str]:
    """Draw the config and range pickers; return (the validated config, the range in ms, the balance)."""
    records = ui.attempt(con.bots.all, default=[]) or []
    names = {r.id: f"{r.config.name} · {r.config.symbol} {r.config.market.value} {r.config.timeframe}"
             for r in records}
    bot_id = st.selectbox("Start from", [None, *names], key="bt_bot",
                          format_func=lambda i: "a new config" if i is None else f"bot {names[i]}",
                          help="a saved bot's settings, which you may change below; the bot itself is not touched")
    base = ui.attempt(con.backtests.base_config, bot_id)
    if base is None:
        return None, None, ""
    key = f"bt_{bot_id or 'new'}"
    strategies = con.bots.strategies()
    cols = st.columns(3)
    strategy = cols[0].selectbox(LABELS["strategy"], list(strategies), index=list(strategies).index(base.strategy),
                                 format_func=lambda n: strategies[n].title, key=f"{key}_strategy")
    market = cols[1].radio(LABELS["market"], [m.value for m in Market], index=list(Market).index(base.market),
                           horizontal=True, key=f"{key}_market")
    symbol = cols[2].text_input(LABELS["symbol"], value=base.symbol, key=f"{key}_symbol", help="like BTC/USDT")
    st.caption(strategies[strategy].description)
    form: dict[str, Any] = {"name": base.name, "venue": base.venue.value, "account": base.account,
                            "strategy": strategy, "market": market, "symbol": symbol,
                            "working_type": base.working_type.value}
    form["params"] = _params(con, strategy, base, key)
    cols = st.columns(4)
    timeframe = base.timeframe if base.timeframe in TIMEFRAMES else "1h"
    form["timeframe"] = cols[0].selectbox(LABELS["timeframe"], TIMEFRAMES, index=TIMEFRAMES.index(timeframe),
                                          key=f"{key}_timeframe")
    sizings = [s.value for s in Sizing]
    form["sizing"] = cols[1].selectbox(LABELS["sizing"], sizings, index=sizings.index(base.sizing.value),
                                       key=f"{key}_sizing")
    form["size"] = cols[2].text_input(LABELS["size"], value=str(base.size), key=f"{key}_size")
    form["leverage"] = cols[3].text_input(LABELS["leverage"], value=str(base.leverage), key=f"{key}_lev",
                                          disabled=market != "futures",
                                          help="1 on spot; on futures up to what the symbol's leverage bracket allows")
    cols = st.columns(4)
    form["take_profit_pct"] = cols[0].text_input(LABELS["take_profit_pct"], value=_text(base.take_profit_pct),
                                                 key=f"{key}_tp", help="empty: none")
    form["stop_loss_pct"] = cols[1].text_input(LABELS["stop_loss_pct"], value=_text(base.stop_loss_pct),
                                               key=f"{key}_sl", help="empty: none")
    form["max_position_quote"] = cols[2].text_input(LABELS["max_position_quote"], value=str(base.max_position_quote),
                                                    key=f"{key}_maxp")
    form["allow_short"] = cols[3].checkbox(LABELS["allow_short"], value=base.allow_short, key=f"{key}_short",
                                           disabled=market != "futures")
    if market != "futures":
        form["leverage"], form["allow_short"] = 1, False
    cols = st.columns(4)
    form["max_trades_per_day"] = cols[0].number_input(LABELS["max_trades_per_day"], 1, 100_000,
                                                      value=base.max_trades_per_day, key=f"{key}_maxt")
    form["max_daily_loss"] = cols[1].text_input(LABELS["max_daily_loss"], value=str(base.max_daily_loss),
                                                key=f"{key}_maxl")
    today = date.today()
    st.session_state.setdefault("bt_from", today - timedelta(days=90))
    st.session_state.setdefault("bt_to", today)
    first = cols[2].date_input("From", key="bt_from", format="YYYY-MM-DD", min_value=date(2017, 7, 1),
                               max_value=today, help="the first day (UTC)")
    last = cols[3].date_input("To", key="bt_to", format="YYYY-MM-DD", min_value=date(2017, 7, 1),
                              max_value=today, help="the last day (UTC), included")
    balance = st.text_input("Starting balance (quote)", value="10000", key="bt_balance")
    config = ui.attempt(con.backtests.config, form)
    span = ui.attempt(con.backtests.days, first, last) if first and last else None
    return config, span, balance


def data_panel(con: Console, config: BotConfig, span: tuple[int, int]) -> bool:
    """Say whether the range's history is stored; offer the download. Return True when a run can start."""
    status = ui.attempt(con.backtests.data_status, config, *span)
    if status is None:
        return False
    last = con.history.job()
    if last is not None and last.state in ("failed", "cancelled"):
        (st.error if last.state == "failed" else st.warning)(f"The last download, {last.title}: {last.result}")
    stored = ui.attempt(con.backtests.stored_days, config)
    if stored is not None and stored != (st.session_state.get("bt_from"), st.session_state.get("bt_to")):
        st.button(f"Use the stored range: {stored[0]:%Y-%m-%d} → {stored[1]:%Y-%m-%d}", key="bt_stored_range",
                  on_click=_use_days(stored))
    if status.stored:
        st.success(status.text, icon=":material/database:")
        return True
    (st.warning if status.runnable else st.info)(status.text, icon=":material/database:")
    hist = con.history
    allowed = True
    if hist.leaves_machine():
        allowed = st.checkbox(f"I choose to download from Binance ({hist.sources()})", key="bt_consent")
    st.button("Download the missing history", key="bt_download", disabled=hist.running() or not allowed,
              on_click=_start_download(con, config, span),
              help="only what is missing is fetched; it lands in the store the Data page shows")
    return status.runnable


def _use_days(days: tuple[date, date]):
    def use() -> None:
        st.session_state["bt_from"], st.session_state["bt_to"] = days
    return use


def _start_download(con: Console, config: BotConfig, span: tuple[int, int]):
    def start() -> None:
        ui.callback("backtest", con.backtests.download, config, *span)()
        st.session_state[DOWNLOADING] = True
    return start


def run_button(con: Console, config: BotConfig, span: tuple[int, int], balance: str, ready: bool) -> None:
    def start() -> None:
        ui.callback("backtest", con.backtests.start, config, *span, balance=balance)()
        st.session_state[RUNNING] = True
    st.button("Run backtest", key="bt_run", type="primary", disabled=not ready or con.backtests.running(),
              on_click=start)


@st.fragment(run_every=1)
def progress_panel(con: Console) -> None:
    """The running backtest and download with their progress and Cancel; the page is redrawn when one ends."""
    download = con.history.job()
    if download is not None and download.running:
        st.session_state[DOWNLOADING] = True
        st.progress(download.fraction, text=f"Downloading {download.title}: {download.message}")
        st.button("Cancel download", key="bt_download_cancel", on_click=con.history.cancel)
    elif st.session_state.pop(DOWNLOADING, False):
        st.rerun(scope="app")  # the download ended: check the stored range again
    view = con.backtests.job()
    if view is None:
        return
    if view.running:
        st.session_state[RUNNING] = True
        st.progress(view.fraction, text=f"{view.title}: {view.message}")
        st.button("Cancel backtest", key="bt_cancel", on_click=con.backtests.cancel)
        return
    if st.session_state.pop(RUNNING, False):
        st.rerun(scope="app")  # the backtest ended: draw its results
    if view.state != "done":
        (st.warning if view.state == "cancelled" else st.error)(view.result)


def results(con: Console) -> None:
    """The last backtest: metrics, equity and drawdown, the price chart with its trades, the lists, actions."""
    bt = con.backtests
    view = bt.job()
    if view is None or view.state != "done":
        return
    try:
        result = bt.result()
    except ConsoleError:  # replaced by a run started elsewhere
        return
    st.subheader("Result")
    config = result.config
    st.caption(f"{view.title} · sizing {config.sizing.value} {ui.plain(config.size)} · starting balance "
               f"{ui.money(result.run.starting_balance, result.quote)}")
    figures = bt.summary(result)
    for row in range(0, len(figures), 4):
        cols = st.columns(4)
        for col, (label, value) in zip(cols, figures[row:row + 4]):
            col.metric(label, value)
    left, right = st.columns(2)
    left.plotly_chart(charts.equity_chart(bt.equity(result), result.quote), key="bt_equity")
    right.plotly_chart(charts.drawdown_chart(bt.drawdown(result)), key="bt_drawdown")
    chart = bt.chart(result)
    st.plotly_chart(charts.price_chart(chart["frame"], chart["trades"], indicators=chart["indicators"],
                                       oscillators=chart["oscillators"], title=chart["title"]), key="bt_price")
    st.markdown("**Trades**")
    ui.table(bt.trades(result), "No trade: the strategy gave no signal the bot acted on in this range.",
             key="bt_trades")
    st.markdown("**Rejected signals**")
    ui.table(bt.rejections(result), "No signal was rejected.", key="bt_rejections")
    cols = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    cols[0].download_button("Download trades as CSV", bt.trades_csv(), file_name="backtest_trades.csv",
                            mime="text/csv", key="bt_csv")
    cols[1].button("Save run", key="bt_save", disabled=result.saved_id is not None,
                   on_click=ui.callback("backtest", bt.save, done="Saved as backtest #{result}"),
                   help="saved runs can be compared side by side under Saved runs")
    name = cols[2].text_input("New bot's name", value=f"{config.name} from backtest", key="bt_bot_name")
    cols[3].button("Create bot from this config", key="bt_create",
                   on_click=ui.callback("backtest", bt.create_bot, name,
                                        done=f"Created bot {name} (stopped) from this config; start it on the Bots page"))


def saved_runs(con: Console) -> None:
    """Every saved run; compare two or more side by side; one run's trades, CSV, delete, new bot."""
    bt = con.backtests
    ui.show("saved_runs")
    frame = ui.attempt(bt.saved)
    if frame is None:
        return
    if frame.empty:
        st.caption("No saved runs yet: run a backtest and press Save run.")
        return
    ui.table(frame, key="bt_saved")
    labels = dict(zip(frame["id"], frame["run"]))
    chosen = st.multiselect("Compare", list(labels), format_func=labels.get, key="bt_compare",
                            placeholder="pick two or more runs")
    if len(chosen) >= 2:
        ui.table(ui.attempt(bt.compare, chosen), key="bt_comparison")
    elif chosen:
        st.caption("Pick one more run to compare.")
    st.divider()
    run_id = st.selectbox("Run", list(labels), format_func=labels.get, key="bt_saved_pick")
    ui.table(ui.attempt(bt.saved_trades, run_id), "This run made no trade.", key="bt_saved_trades")
    cols = st.columns([1, 2, 1, 2, 1], vertical_alignment="bottom")
    cols[0].download_button("Download trades as CSV", ui.attempt(bt.trades_csv, run_id) or b"",
                            file_name=f"backtest_{run_id}_trades.csv", mime="text/csv", key="bt_saved_csv")
    name = cols[1].text_input("New bot's name", value=f"bot from backtest {run_id}", key=f"bt_saved_name_{run_id}")
    cols[2].button("Create bot", key="bt_saved_create",
                   on_click=ui.callback("saved_runs", bt.create_bot, name, run_id,
                                        done=f"Created bot {name} (stopped); start it on the Bots page"))
    sure = cols[3].checkbox(f"I want to delete {labels[run_id]}", key=f"bt_delete_sure_{run_id}")
    cols[4].button("Delete", key="bt_delete", disabled=not sure,
                   on_click=ui.callback("saved_runs", bt.delete, run_id, done="{result}"))


def _params(con: Console, strategy: str, base: BotConfig, key: str) -> dict[str, Any]:
    specs = con.bots.strategies()[strategy].params
    if not specs:
        return {}
    values: dict[str, Any] = {}
    current = base.params if base.strategy == strategy else {}
    columns = st.columns(min(4, len(specs)))
    for i, spec in enumerate(specs):
        where = columns[i % len(columns)]
        value = current.get(spec.name, spec.default)
        widget = f"{key}_{strategy}_{spec.name}"
        if spec.kind is str:
            choices = list(spec.choices)
            values[spec.name] = where.selectbox(spec.title, choices, index=choices.index(str(value)), key=widget,
                                                help=spec.help)
        elif spec.kind is int:
            values[spec.name] = where.number_input(spec.title, value=int(value), step=1, key=widget, help=spec.help)
        else:
            values[spec.name] = where.number_input(spec.title, value=float(value), key=widget, help=spec.help,
                                                   format="%g")
    return values


def _text(value: object) -> str:
    return "" if value is None else str(value)

