"""The Sweep section of the Backtest page: define parameter ranges, start, follow, read and use the results."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from console import fmt, ui
from console.backtest.sweep import SEARCHES, Objective, ranking
from console.domain import TIMEFRAMES
from console.engine.strategies.base import ParamSpec
from console.service.sweeps import METRICS

RUNNING = "_sweep_was_running"
CHOSEN = "sweep_chosen_id"
MONEY = ("net_profit", "fees_paid")
PERCENT = ("return_pct", "max_drawdown_pct", "win_rate_pct", "exposure_pct", "cagr_pct")
THOUSANDTH = Decimal("0.001")


def sweep_section(con) -> None:
    """Draw the Sweep section (parameter ranges, progress, results) for the console ``con``."""
    ui.show("sweep")
    _define(con)
    st.fragment(_progress, run_every=ui.REFRESH_SECONDS)(con)
    _results(con)


# -- defining and starting ------------------------------------------------------------------------

def _define(con) -> None:
    strategies = con.bots.strategies()
    top = st.columns(4)
    symbols = top[0].text_input("Symbols", value="BTC/USDT", key="sweep_symbols", help="comma-separated, e.g. BTC/USDT, ETH/USDT")
    market = top[1].selectbox("Market", ["spot", "futures"], key="sweep_market")
    timeframe = top[2].selectbox("Timeframe", TIMEFRAMES, index=TIMEFRAMES.index("1h"), key="sweep_timeframe")
    name = top[3].selectbox("Strategy", list(strategies), key="sweep_strategy",
                            format_func=lambda n: strategies[n].title or n)
    strategy = strategies[name]
    st.caption("Ranges: values `5,10,20`, or `low:high:step` (a grid) / `low:high` (a search draws any value "
               "between). Leave a parameter empty to hold it at its default.")
    ranges: dict[str, str] = {}
    cols = st.columns(max(1, len(strategy.params)))
    for index, spec in enumerate(strategy.params):
        ranges[spec.name] = cols[index].text_input(spec.title, value=_example(spec, index),
                                                   key=f"sweep_range_{name}_{spec.name}", help=spec.help)
    bot = st.columns(4)
    size = bot[0].text_input("Size (quote per entry)", value="100", key="sweep_size")
    tp = bot[1].text_input("Take profit %", value="", key="sweep_tp")
    sl = bot[2].text_input("Stop loss %", value="", key="sweep_sl")
    balance = bot[3].text_input("Starting balance", value="10000", key="sweep_balance")
    when = st.columns(4)
    start = when[0].date_input("From", value=date.today() - timedelta(days=365), key="sweep_start")
    end = when[1].date_input("To (last day)", value=date.today(), key="sweep_end")
    objective = when[2].selectbox("Objective", [o.value for o in Objective], key="sweep_objective",
                                  format_func=lambda o: o.replace("_", " "))
    search = when[3].selectbox("Search", SEARCHES, key="sweep_search",
                               help="grid: every combination; tpe / random: an optuna search of N trials")
    limits = st.columns(4)
    trials = limits[0].number_input("Trials (search)", min_value=1, value=50, step=10, key="sweep_trials")
    min_trades = limits[1].number_input("Min trades", min_value=0, value=0, key="sweep_min_trades")
    max_dd = limits[2].number_input("Max drawdown % (0: none)", min_value=0.0, max_value=100.0, value=0.0,
                                    key="sweep_max_dd")
    walk = limits[3].checkbox("Walk-forward", key="sweep_walk")
    wf = None
    if walk:
        days = st.columns(3)
        wf = (days[0].number_input("Train days", min_value=1, value=90, key="sweep_train"),
              days[1].number_input("Test days", min_value=1, value=30, key="sweep_test"),
              days[2].number_input("Step days", min_value=1, value=30, key="sweep_step"))
    view = con.sweeps.job()
    busy = view is not None and view.running
    if st.button("Start sweep", type="primary", key="sweep_start_button", disabled=busy):
        form: dict[str, Any] = {
            "name": "sweep", "symbol": symbols, "market": market, "timeframe": timeframe, "strategy": name,
            "size": size, "take_profit_pct": tp, "stop_loss_pct": sl, "balance": balance,
            "ranges": ranges, "start": start, "end": end + timedelta(days=1) if end else None,
            "objective": objective, "search": search, "trials": trials, "min_trades": min_trades,
            "max_drawdown_pct": max_dd or None, "walk_forward": wf}
        spec = ui.attempt(con.sweeps.spec, form)
        if spec is not None and ui.attempt(con.sweeps.start, spec) is not None:
            st.session_state[CHOSEN] = spec.sweep_id
            st.session_state[RUNNING] = True


def _example(spec: ParamSpec, index: int) -> str:
    """A starting range for the first two numeric parameters (the rest held at their defaults)."""
    if spec.kind is str or index > 1:
        return ""
    default = float(spec.default)
    low = max(spec.minimum or 0, default / 2)
    high = min(spec.maximum or default * 2, default * 2)
    if spec.kind is int:
        low, high = int(low), int(high)
        return f"{low}:{high}:{max(1, (high - low) // 4)}"
    return f"{low:g}:{high:g}:{(high - low) / 4:g}"


# -- progress -------------------------------------------------------------------------------------

def _progress(con) -> None:
    view = con.sweeps.job()
    if view is None:
        return
    if view.running:
        st.session_state[RUNNING] = True
        best = "" if view.best_params is None else f" · best {_number(view.best_score)} with {view.best_params}"
        eta = "" if view.eta_seconds is None else f" · about {view.eta_seconds:.0f} s left"
        st.progress(view.fraction, text=f"{view.title}: {view.done} / {view.total} trials{best}{eta}"
                                        + (f" · {view.message}" if view.message else ""))
        st.button("Cancel sweep", key="sweep_cancel", on_click=con.sweeps.cancel,
                  help="stops after the trials in hand; what finished stays, and starting it again resumes")
        return
    if st.session_state.pop(RUNNING, False):
        st.rerun(scope="app")  # the sweep ended: redraw the results
    show = {"done": st.success, "cancelled": st.warning}.get(view.state, st.error)
    show(f"Sweep {view.sweep_id} {view.state}: {view.message}")


# -- results --------------------------------------------------------------------------------------

def _results(con) -> None:
    stored = ui.attempt(con.sweeps.list)
    if stored is None or stored.empty:
        st.caption("No sweeps yet: define the ranges above and start one.")
        return
    ids = list(stored["id"])
    labels = {r.id: f"{r.name} · {r.strategy} on {r.symbols} · {r.search} · {r.state} {r.done}/{r.total} · {r.id}"
              for r in stored.itertuples()}
    chosen = st.session_state.get(CHOSEN)
    sweep_id = st.selectbox("Sweep", ids, index=ids.index(chosen) if chosen in ids else 0,
                            format_func=labels.get, key="sweep_pick")
    saved = ui.attempt(con.sweeps.saved, sweep_id)
    frame = ui.attempt(con.sweeps.results, sweep_id)
    if saved is None or frame is None:
        return
    if frame.empty:
        st.caption("No trial has finished yet.")
        return
    names = [r.name for r in saved.spec.ranges]
    searched = frame[frame["stage"] != "test"]
    quote = saved.spec.config.symbol.split("/")[-1]
    sort_cols = st.columns(3)
    by = sort_cols[0].selectbox("Sort by", ["score", *METRICS, *names], key="sweep_sort",
                                format_func=lambda c: c.replace("_", " "))
    ascending = sort_cols[1].toggle("Lowest first", key="sweep_ascending")
    only = sort_cols[2].toggle("Only trials meeting the constraints", key="sweep_feasible")
    table = searched[searched["feasible"]] if only else searched
    table = table.sort_values(by, ascending=ascending, na_position="last")
    display, config = results_table(table, names, quote)
    st.dataframe(display, hide_index=True, column_config=config, key="sweep_results")
    if len(names) >= 2:
        _heatmap(searched, names)
    if saved.spec.walk_forward is not None:
        _walk_forward(con, sweep_id, quote)
    _create_bot(con, sweep_id, saved, searched)


def results_table(frame: pd.DataFrame, names: list[str], quote: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The trials as people read them (through ``console.fmt``), with the column_config."""
    out = pd.DataFrame({"symbol": frame["symbol"]})
    config: dict[str, Any] = {"symbol": st.column_config.TextColumn("symbol")}
    if (frame["stage"] == "train").any():
        out["window"] = [f"{t:%Y-%m-%d}" for t in frame["window_start"]]
        config["window"] = st.column_config.TextColumn("train from (UTC)")
    for name in names:
        out[name] = [fmt.plain(v) if isinstance(v, (int, float)) else str(v) for v in frame[name]]
        config[name] = st.column_config.TextColumn(name.replace("_", " "), alignment="right")
    for column in ("score", *METRICS):
        out[column] = [_cell(column, v, quote) for v in frame[column]]
        config[column] = st.column_config.TextColumn(column.replace("_", " ").replace(" pct", " %"),
                                                     alignment="right")
    out["meets constraints"] = frame["feasible"].map({True: "yes", False: "no"})
    out["error"] = frame["error"]
    return out, config


def _cell(column: str, value: object, quote: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if column in MONEY:
        return fmt.money(value, quote)
    if column == "trades":
        return fmt.plain(int(value))  # type: ignore[call-overload]
    if column in PERCENT:
        return fmt.plain(fmt.to_unit(value, Decimal("0.01"))) + "%"
    return fmt.plain(fmt.to_unit(value, THOUSANDTH))


def _number(value: float | None) -> str:
    return "—" if value is None else fmt.plain(fmt.to_unit(value, THOUSANDTH))


def heatmap_figure(frame: pd.DataFrame, x: str, y: str, metric: str) -> go.Figure:
    """The mean of ``metric`` over every trial at each (x, y) pair of parameter values, as a heatmap."""
    numbers = frame.assign(**{metric: frame[metric].astype("float64")})  # a chart's floats, money included
    grid = numbers.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    figure = go.Figure(go.Heatmap(z=grid.to_numpy(), x=[str(v) for v in grid.columns],
                                  y=[str(v) for v in grid.index], colorscale="RdYlGn",
                                  colorbar={"title": metric.replace("_", " ")},
                                  hovertemplate=f"{x} %{{x}}<br>{y} %{{y}}<br>{metric} %{{z:.3f}}<extra></extra>"))
    figure.update_layout(xaxis_title=x, yaxis_title=y, height=420, margin={"l": 40, "r": 20, "t": 30, "b": 40})
    figure.update_xaxes(type="category")
    figure.update_yaxes(type="category")
    return figure


def _heatmap(frame: pd.DataFrame, names: list[str]) -> None:
    cols = st.columns(3)
    x = cols[0].selectbox("Heatmap across", names, index=0, key="sweep_heat_x")
    y = cols[1].selectbox("and", [n for n in names if n != x], index=0, key="sweep_heat_y")
    metric = cols[2].selectbox("of", ["score", *METRICS], key="sweep_heat_metric",
                               format_func=lambda c: c.replace("_", " "))
    numeric = frame.dropna(subset=[metric])
    if numeric.empty:
        st.caption(f"No trial has a {metric.replace('_', ' ')} to draw.")
        return
    st.plotly_chart(heatmap_figure(numeric, x, y, metric), key="sweep_heatmap")


def _walk_forward(con, sweep_id: str, quote: str) -> None:
    st.markdown("**Walk-forward** · tuned in-sample (train), then run out-of-sample (test) on the window after")
    frame = ui.attempt(con.sweeps.walk_forward, sweep_id)
    if frame is None or frame.empty:
        st.caption("No walk-forward window has finished yet.")
        return
    out = pd.DataFrame({"window": frame["window"],
                        "train": [f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in zip(frame["train_start"], frame["train_end"])],
                        "test": [f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in zip(frame["test_start"], frame["test_end"])],
                        "params": frame["params"]})
    for metric in ("net_profit", "return_pct", "sharpe", "max_drawdown_pct", "trades"):
        for side, label in (("is", "in-sample"), ("oos", "out-of-sample")):
            out[f"{label} {metric.replace('_', ' ').replace(' pct', ' %')}"] = [
                _cell(metric, v, quote) for v in frame[f"{side}_{metric}"]]
    config = {c: st.column_config.TextColumn(c, alignment="right" if "sample" in c else None) for c in out.columns}
    st.dataframe(out, hide_index=True, column_config=config, key="sweep_walk_forward")


def _create_bot(con, sweep_id: str, saved, frame: pd.DataFrame) -> None:
    from console.backtest.sweep import TrialResult

    results = [TrialResult(key=str(i), stage="search", symbol=r["symbol"], window=(0, 0),
                           params=_plain({n.name: r[n.name] for n in saved.spec.ranges}), score=r["score"],
                           feasible=bool(r["feasible"])) for i, r in frame.iterrows()]
    ranked = [(p, s) for p, s in ranking(results) if s is not None][:20]
    st.markdown("**Create a bot from these parameters**")
    if not ranked:
        st.caption("No parameter set met the constraints.")
        return
    cols = st.columns([3, 2, 2, 1])
    options = [json.dumps(_plain(p), sort_keys=True) for p, _ in ranked]
    scores = {json.dumps(_plain(p), sort_keys=True): s for p, s in ranked}
    picked = cols[0].selectbox("Parameters (best first)", options, key="sweep_bot_params",
                               format_func=lambda o: f"{o} · score {_number(scores[o])}")
    symbol = cols[1].selectbox("Symbol", list(saved.spec.symbols), key="sweep_bot_symbol")
    name = cols[2].text_input("Bot name", value=f"{saved.spec.config.strategy} sweep", key="sweep_bot_name")
    if cols[3].button("Create bot", key="sweep_create_bot"):
        bot_id = ui.attempt(con.sweeps.create_bot, sweep_id, json.loads(picked), symbol, name)
        if bot_id is not None:
            ui.done("sweep", f"Bot {name!r} created (stopped) with {picked}; start it on the Bots page.")


def _plain(params: dict) -> dict:
    """Parameters with numpy numbers as Python ones (for JSON)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
