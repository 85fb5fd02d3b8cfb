"""Trades & PnL: KPIs and charts from the store, filters, the trade table and the CSV download."""
from __future__ import annotations

from datetime import date

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
    assert "the start date 2026-03-02 is after the end date 2026-03-01; swap them" in texts(at.error)
    assert not at.get("plotly_chart")
