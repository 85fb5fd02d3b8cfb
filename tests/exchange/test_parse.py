"""Real Binance responses (ccxt's static test recordings) -> domain objects, Decimal from the strings."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from console.domain import Market, OrderStatus, OrderType, Side
from console.exchange.parse import (
    candles_frame,
    parse_balances,
    parse_order,
    parse_position,
    parse_trade,
)


@pytest.fixture(scope="module")
def samples(shared_data):
    return json.loads((shared_data / "responses" / "binance_real_api_samples_ccxt_static.json").read_text())


def test_filled_spot_market_order(samples):
    raw = samples["fetchOrder_spot_market_FILLED"]["httpResponse"]
    order = parse_order({"info": raw, "filled": 0.1}, "LTC/USDT", Market.SPOT)
    assert (order.status, order.type, order.side) == (OrderStatus.FILLED, OrderType.MARKET, Side.SELL)
    assert (order.filled, order.quote_filled, order.average_price) == (D("0.1"), D("9.08"), D("90.8"))
    assert order.price is None and order.exchange_order_id == "3397148653"
    assert order.timestamp == datetime(2023, 3, 23, 11, 32, 54, 472000, tzinfo=timezone.utc)


def test_open_futures_limit_order(samples):
    raw = samples["fetchOpenOrder_usdm_postonly_GTX"]["httpResponse"]
    order = parse_order({"info": raw}, "LTC/USDT", Market.FUTURES)
    assert (order.status, order.price, order.quantity, order.filled) == (OrderStatus.OPEN, D("50"), D("0.2"), 0)
    assert order.average_price is None and not order.reduce_only


def test_fills_give_commissions_per_asset():
    raw = {"symbol": "BTCUSDT", "orderId": 7, "clientOrderId": "cc-1", "side": "BUY", "type": "MARKET",
           "status": "FILLED", "origQty": "0.003", "executedQty": "0.003", "cummulativeQuoteQty": "90.03",
           "fills": [{"price": "30000", "qty": "0.002", "commission": "0.000002", "commissionAsset": "BTC", "tradeId": 1},
                     {"price": "30030", "qty": "0.001", "commission": "0.0001", "commissionAsset": "BNB", "tradeId": 2},
                     {"price": "30000", "qty": "0", "commission": "0.000001", "commissionAsset": "BTC", "tradeId": 3}]}
    order = parse_order({"info": raw}, "BTC/USDT", Market.SPOT)
    assert order.commissions == (("BTC", D("0.000003")), ("BNB", D("0.0001")))
    assert order.average_price == D("30010") and len(order.fills) == 3


def test_spot_and_futures_trades(samples):
    spot = parse_trade({"info": samples["fetchMyTrades_spot"]["httpResponse"][0]}, "LTC/USDT", Market.SPOT)
    assert (spot.side, spot.price, spot.quantity, spot.quote_quantity) == (Side.SELL, D("69.63"), D("0.2"), D("13.926"))
    assert (spot.commission, spot.commission_asset, spot.realized_pnl) == (D("0.013926"), "USDT", None)
    fut = parse_trade({"info": samples["fetchMyTrades_usdm"]["httpResponse"][0]}, "BTC/USDT", Market.FUTURES)
    assert (fut.side, fut.price, fut.commission, fut.realized_pnl) == (Side.BUY, D("36567.1"), D("0.1462684"), D(0))


def test_balances(samples):
    spot = parse_balances({"info": samples["fetchBalance_spot"]["httpResponse"]}, Market.SPOT)
    assert set(spot) == {"LTC", "ETH"} and spot["LTC"].free == D("0.919741")
    fut = parse_balances({"info": samples["fetchBalance_usdm"]["httpResponse"]}, Market.FUTURES)
    assert fut["USDT"].free == D("31.022612") and fut["USDT"].locked == 0


def test_position_falls_back_to_the_leverage_the_client_set(samples):
    raw = samples["fetchPositions_usdm"]["httpResponse"][0]
    position = parse_position({"info": raw}, "BTC/USDT", leverage=5, isolated=True)
    assert (position.quantity, position.entry_price, position.side) == (D("0.009"), D("67445.9"), Side.BUY)
    assert (position.leverage, position.isolated, position.unrealized_pnl) == (5, True, D("1.2267"))
    assert position.liquidation_price == D("64846.78939917")


def test_candles_keep_only_closed_ones(samples):
    rows = [[r[0], float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])]
            for r in samples["fetchOHLCV_usdm_1m"]["httpResponse"]]
    now = 1712738580000 + 30_000  # the third candle is still forming
    frame = candles_frame(rows, "1m", now)
    assert list(frame.columns) == ["ts", "open", "high", "low", "close", "volume"]
    assert len(frame) == 2 and frame["close"].iloc[-1] == 70459.4
    assert frame["ts"].iloc[0] == datetime(2024, 4, 10, 8, 41, tzinfo=timezone.utc)
    assert len(candles_frame(rows, "1m", 1712738640000)) == 3


def test_candles_from_a_venue_running_ahead_of_our_clock_drop_only_the_forming_one(samples):
    rows = [[r[0], float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])]
            for r in samples["fetchOHLCV_usdm_1m"]["httpResponse"]]
    an_hour_behind = rows[-1][0] - 3_600_000  # a replay at 60x is ahead of the wall clock
    frame = candles_frame(rows, "1m", an_hour_behind)
    assert len(frame) == len(rows) - 1
