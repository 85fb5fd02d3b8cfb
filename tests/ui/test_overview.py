"""Overview: account state, engine status, today's PnL and the kill switch behind a confirmation."""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from console.domain import BotState
from tests.ui.conftest import dca_form, frame, run_page, texts, values


def test_overview_shows_balances_engine_and_an_empty_account(con) -> None:
    at = run_page("1_Overview.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Engine"] == "running"
    assert metrics["Bots running"] == "0 / 0"
    balances = frame(at, "asset")
    assert set(balances["asset"]) == {"USDT"} and set(balances["market"]) == {"spot", "futures"}
    assert "No open positions." in texts(at.caption) and "No open orders." in texts(at.caption)


def test_the_kill_switch_needs_a_confirmation_then_stops_every_bot(con) -> None:
    bot_id = con.bots.create(dca_form())
    con.bots.start(bot_id)
    at = run_page("1_Overview.py")
    assert {m.label: m.value for m in at.metric}["Bots running"] == "1 / 1"
    button = at.button(key="kill_button")
    assert button.disabled
    at.checkbox(key="kill_confirm").check().run()
    assert not at.button(key="kill_button").disabled
    at.button(key="kill_button").click().run()
    assert not at.exception
    assert "Kill switch done: stopped 1 bot(s)" in texts(at.success)
    assert con.bots.get(bot_id).state is BotState.STOPPED
    assert at.checkbox(key="kill_confirm").value is False  # armed again for the next time


def test_today_s_pnl_counts_manual_trades_too(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    at = run_page("1_Overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Trades today"] == "1"
    assert metrics["PnL today, UTC (quote)"] == "0.00"  # a buy realises nothing


def test_the_kill_switch_cancels_orders_and_closes_futures_positions(con) -> None:
    con.orders.place(market="futures", symbol="BTC/USDT", side="sell", amount="0.01", amount_in="base")
    price = con.orders.last_price("spot", "BTC/USDT")
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.001", price=str(int(price * 9 / 10)))
    at = run_page("1_Overview.py")
    assert "BTC/USDT" in set(frame(at, "unrealized_pnl")["symbol"])
    at.checkbox(key="kill_confirm").check().run()
    at.button(key="kill_button").click().run()
    report = texts(at.success)
    assert "Kill switch done" in report and not texts(at.error)
    assert "closed the rest of the BTC/USDT futures position: buy 0.01 BTC/USDT (manual)" in report
    assert "cancelled buy limit 0.001 BTC/USDT" in report
    assert con.overview.positions().empty and con.overview.open_orders().empty


def test_balances_read_as_money_with_their_asset_and_sort_as_numbers(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="100", amount_in="quote")
    at = run_page("1_Overview.py")
    assert not at.exception
    shown, behind = frame(at, "asset"), values(at, "asset")
    spot = shown[shown["market"] == "spot"].set_index("asset")
    assert re.fullmatch(r"9,9\d\d\.\d\d USDT", spot.loc["USDT", "total"]) and spot.loc["USDT", "locked"] == "0.00 USDT"
    btc = spot.loc["BTC", "total"]
    assert btc.endswith(" BTC") and 0 < Decimal(btc.split(" ")[0]) < 1 and not btc.split(" ")[0].endswith("0")
    futures = shown[shown["market"] == "futures"].set_index("asset")
    assert futures.loc["USDT", "total"] == "10,000.00 USDT"
    assert pd.api.types.is_float_dtype(behind["total"]) and 10000.0 in set(behind["total"])
