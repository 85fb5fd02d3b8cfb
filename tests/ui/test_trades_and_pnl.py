"""Trades & PnL: KPIs and charts from the store, filters, the trade table and the CSV download."""
from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np

from tests.ui.conftest import dca_form, frame, run_page, texts


def buy_and_sell(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    con.orders.place(market="spot", symbol="BTC/USDT", side="sell", amount="0.001", amount_in="base")


def test_an_empty_store_draws_empty_charts_that_say_so(con) -> None:
    at = run_page("4_Trades_and_PnL.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Trades"] == "0" and metrics["Win rate"] == "—"
    charts = at.get("plotly_chart")
    assert len(charts) == 6
    assert "No trades yet for these filters" in charts[0].proto.spec


def test_trades_show_in_kpis_charts_and_table(con) -> None:
    buy_and_sell(con)
    at = run_page("4_Trades_and_PnL.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Trades"] == "2"
    assert metrics["Fees"] != "0.00"
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Cumulative PnL" in spec and "No trades yet" not in spec
    table = frame(at, "client_order_id")
    assert list(table["side"]) == ["sell", "buy"]  # newest first
    assert at.get("download_button")[0].proto.label == "Download trades as CSV"
    assert con.analytics.trades_csv(con.analytics.filters()).decode().count("\n") == 3  # header and two trades


def test_filters_narrow_the_selection(con) -> None:
    buy_and_sell(con)
    con.bots.create(dca_form())
    at = run_page("4_Trades_and_PnL.py")
    at.selectbox(key="pnl_market").select("futures").run()
    assert {m.label: m.value for m in at.metric}["Trades"] == "0"
    at.selectbox(key="pnl_market").select("spot")
    at.multiselect(key="pnl_symbols").select("BTC/USDT").run()
    assert {m.label: m.value for m in at.metric}["Trades"] == "2"


def test_a_start_after_the_end_is_refused_with_the_fix(con) -> None:
    at = run_page("4_Trades_and_PnL.py")
    at.date_input(key="pnl_start").set_value(date(2026, 3, 2))
    at.date_input(key="pnl_end").set_value(date(2026, 3, 1)).run()
    assert not at.exception
    assert "To is before From: 2026-03-01 is before 2026-03-02; pick a To on or after From" in texts(at.error)
    assert not at.get("plotly_chart") and "No trades" not in texts(at.caption)


def test_to_before_from_says_so_even_with_trades_stored(con) -> None:
    buy_and_sell(con)
    at = run_page("4_Trades_and_PnL.py")
    at.date_input(key="pnl_start").set_value(date(2026, 3, 2))
    at.date_input(key="pnl_end").set_value(date(2026, 2, 1)).run()
    assert texts(at.error).startswith("To is before From")
    assert not at.metric and not at.dataframe


def test_the_date_inputs_have_a_quarter_of_the_page_each(con) -> None:
    at = run_page("4_Trades_and_PnL.py")
    for key in ("pnl_start", "pnl_end"):
        [column] = [c for c in at.columns if any(getattr(w, "key", None) == key for w in c.children.values())]
        assert column.weight >= 0.25, (key, column.weight)  # the weights of a row sum to 1


def test_the_equity_chart_follows_the_bot_filter(con) -> None:
    bot_id = con.bots.create(dca_form("stacker"))
    con.bots.start(bot_id)
    con.engine.run_cycle()  # the bot buys
    buy_and_sell(con)  # and trades by hand, which are no bot's
    con.engine.snapshot_balances()
    at = run_page("4_Trades_and_PnL.py")
    everything = equity_points(at)
    assert everything and everything == [float(v) for v in con.analytics.equity(con.analytics.filters())["equity"]]
    at.multiselect(key="pnl_bots").select(bot_id).run()
    assert not at.exception
    mine = equity_points(at)
    cumulative = ys(json.loads(at.get("plotly_chart")[0].proto.spec))
    assert mine == cumulative and mine != everything
    assert "Equity of the chosen bots and symbols" in texts(at.caption)


def equity_points(at) -> list[float]:
    """The y values of the page's equity chart."""
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Equity" in c.proto.spec)
    return ys(spec)


def ys(spec: dict) -> list[float]:
    """The first trace's y values (plotly writes long arrays as base64 numbers)."""
    if not spec["data"]:
        return []
    y = spec["data"][0]["y"]
    if isinstance(y, dict):
        return [float(v) for v in np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])]
    return [float(v) for v in y]
