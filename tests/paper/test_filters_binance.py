"""The filters the real 2025-08-07 exchangeInfo files set beyond price, lot size and the minimum notional.

NOTIONAL's maximum, the price bands (spot PERCENT_PRICE_BY_SIDE around the average price, USD-M
PERCENT_PRICE around the mark price), a quote amount at exactly the minimum, and the open-order
counts (MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS), each sent raw over HTTP as Binance would receive it.
The paper exchange's average and mark price are its feed's last price, pinned here.
"""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from console.paper.rules import load_rules

OK = None
NOTIONAL = (-1013, "Filter failure: NOTIONAL")
BAND = (-1013, "Filter failure: PERCENT_PRICE_BY_SIDE")
BROKE = (-2010, "Account has insufficient balance for requested action.")
GTC = {"timeInForce": "GTC"}

# name, BTCUSDT price, order params (side BUY unless given), expected (code, msg) or OK
SPOT_CASES = [
    ("limit above NOTIONAL.maxNotional 9M", "95000", {"type": "LIMIT", "quantity": "100", "price": "95000", **GTC}, NOTIONAL),
    ("limit at exactly maxNotional passes the filter", "95000",
     {"type": "LIMIT", "quantity": "90", "price": "100000", **GTC}, BROKE),
    ("market above maxNotional: applyMaxToMarket is false", "95000", {"type": "MARKET", "quantity": "97"}, BROKE),
    ("limit under minNotional", "30000", {"type": "LIMIT", "quantity": "0.0001", "price": "29000", **GTC}, NOTIONAL),
    ("buy above 5x the average price", "30000", {"type": "LIMIT", "quantity": "0.001", "price": "150000.01", **GTC}, BAND),
    ("buy at 5x the average price", "30000", {"type": "LIMIT", "quantity": "0.001", "price": "150000", **GTC}, OK),
    ("buy below 0.2x the average price", "30000", {"type": "LIMIT", "quantity": "0.001", "price": "5999.99", **GTC}, BAND),
    ("buy at 0.2x the average price", "30000", {"type": "LIMIT", "quantity": "0.001", "price": "6000", **GTC}, OK),
    ("sell above 5x", "30000", {"side": "SELL", "type": "LIMIT", "quantity": "0.001", "price": "150000.01", **GTC}, BAND),
    ("sell below 0.2x", "30000", {"side": "SELL", "type": "LIMIT", "quantity": "0.001", "price": "5999.99", **GTC}, BAND),
    ("limit maker below the band", "30000", {"type": "LIMIT_MAKER", "quantity": "0.001", "price": "5999.99"}, BAND),
    ("stop-loss-limit price below the band", "30000",
     {"side": "SELL", "type": "STOP_LOSS_LIMIT", "quantity": "0.001", "price": "5999.99", "stopPrice": "29000", **GTC}, BAND),
    ("the band follows the price", "95000", {"type": "LIMIT", "quantity": "0.001", "price": "18999.99", **GTC}, BAND),
    ("quoteOrderQty at exactly the minimum", "30000", {"type": "MARKET", "quoteOrderQty": "5"}, OK),
    ("quoteOrderQty under the minimum", "30000", {"type": "MARKET", "quoteOrderQty": "4.99"}, NOTIONAL),
    ("market quantity at exactly the minimum", "50000", {"type": "MARKET", "quantity": "0.0001"}, OK),
    ("market quantity a step under the minimum", "50000", {"type": "MARKET", "quantity": "0.00009"}, NOTIONAL),
]

# name, order params (side BUY unless given), expected; BTCUSDT mark price 30000, multipliers 1.05 / 0.95
FUTURES_CASES = [
    ("buy at 1.05x the mark price", {"type": "LIMIT", "quantity": "0.004", "price": "31500", **GTC}, OK),
    ("buy above 1.05x the mark price", {"type": "LIMIT", "quantity": "0.004", "price": "31500.1", **GTC},
     (-4016, "Limit price can't be higher than 31500.")),
    ("sell at 0.95x the mark price", {"side": "SELL", "type": "LIMIT", "quantity": "0.004", "price": "28500", **GTC}, OK),
    ("sell below 0.95x the mark price", {"side": "SELL", "type": "LIMIT", "quantity": "0.004", "price": "28499.9", **GTC},
     (-4024, "Limit price can't be lower than 28500.")),
    ("a buy far below the mark price has no floor", {"type": "LIMIT", "quantity": "0.004", "price": "25000", **GTC}, OK),
    ("a sell far above the mark price has no ceiling",
     {"side": "SELL", "type": "LIMIT", "quantity": "0.004", "price": "40000", **GTC}, OK),
    ("a limit is valued at its own price", {"type": "LIMIT", "quantity": "0.004", "price": "24999.9", **GTC},
     (-4164, "Order's notional must be no smaller than 100 (unless you choose reduce only).")),
    ("a market order is valued at the mark price", {"type": "MARKET", "quantity": "0.003"},
     (-4164, "Order's notional must be no smaller than 100 (unless you choose reduce only).")),
]


def _expect(answer: tuple, expected: tuple[int, str] | None) -> None:
    status, _, body = answer
    if expected is OK:
        assert status == 200, body
    else:
        assert (status, body["code"], body["msg"]) == (400, *expected)


@pytest.mark.parametrize(("price", "params", "expected"), [c[1:] for c in SPOT_CASES], ids=[c[0] for c in SPOT_CASES])
def test_spot_notional_range_and_price_band(call, exchange, price, params, expected) -> None:
    exchange.feed.set_price("BTCUSDT", D(price))
    _expect(call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", **params}), expected)


@pytest.mark.parametrize(("params", "expected"), [c[1:] for c in FUTURES_CASES], ids=[c[0] for c in FUTURES_CASES])
def test_futures_price_band_around_the_mark_price(call, params, expected) -> None:
    _expect(call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", **params}), expected)


@pytest.mark.parametrize("leg, expected_orders", [("above", 0), ("below", 0)])
def test_each_oco_leg_is_held_to_the_price_band(call, exchange, leg, expected_orders) -> None:
    _expect(call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                           "quoteOrderQty": "1000"}), OK)
    prices = {"abovePrice": "150000.01" if leg == "above" else "31000",
              "belowPrice": "5999.99" if leg == "below" else "28000"}
    answer = call("POST", "/api/v3/orderList/oco", {
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "aboveType": "LIMIT_MAKER",
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowTimeInForce": "GTC", **prices})
    _expect(answer, BAND)
    assert len(exchange.spot.open_orders("BTCUSDT")) == expected_orders


@pytest.mark.parametrize("price", ["3.21", "7", "3089.66", "12345.67", "29014.7", "30000", "33555.52", "39567.95",
                                   "95000", "95000.01", "99999.99", "118540.13", "146931.69"])
def test_a_quote_amount_of_exactly_the_minimum_is_accepted_at_every_price(call, exchange, price) -> None:
    exchange.feed.set_price("BTCUSDT", D(price))
    status, _, body = call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                     "quoteOrderQty": "5"})
    assert status == 200, body
    assert D(body["cummulativeQuoteQty"]) <= 5


def _limit_buy(call, price: str = "6000", **extra: str) -> tuple:
    return call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.001",
                                          "price": price, "timeInForce": "GTC", **extra})


def test_spot_open_order_counts_stop_at_max_num_orders_and_max_num_algo_orders(call) -> None:
    stop_buy = {"type": "STOP_LOSS_LIMIT", "stopPrice": "31000"}
    for _ in range(5):  # MAX_NUM_ALGO_ORDERS 5
        _expect(_limit_buy(call, "31100", **stop_buy), OK)
    _expect(_limit_buy(call, "31100", **stop_buy), (-1013, "Filter failure: MAX_NUM_ALGO_ORDERS"))
    for _ in range(195):  # MAX_NUM_ORDERS 200 counts the algo orders too
        _expect(_limit_buy(call), OK)
    _expect(_limit_buy(call), (-1013, "Filter failure: MAX_NUM_ORDERS"))
    _expect(call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}),
            (-1013, "Filter failure: MAX_NUM_ORDERS"))
    _expect(_limit_buy(call, symbol="ETHUSDT", quantity="0.01", price="1900"), OK)  # the count is per symbol
    resting = call("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"})[2]
    _expect(call("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": resting[-1]["orderId"]}), OK)
    _expect(_limit_buy(call), OK)


def test_futures_open_order_counts_include_conditional_orders(call) -> None:
    def stop() -> tuple:
        return call("POST", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT", "side": "SELL", "algoType": "CONDITIONAL",
                                                   "type": "STOP_MARKET", "quantity": "0.01", "triggerPrice": "29000"})

    for _ in range(10):  # MAX_NUM_ALGO_ORDERS 10
        _expect(stop(), OK)
    _expect(stop(), (-4045, "Reach max stop order limit."))
    limit = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.004", "price": "25000", **GTC}
    for _ in range(190):  # MAX_NUM_ORDERS 200, conditional orders included
        _expect(call("POST", "/fapi/v1/order", limit), OK)
    _expect(call("POST", "/fapi/v1/order", limit), (-2025, "Reach max open order limit."))


def test_filters_are_read_from_the_real_files(spot_rules: Path, futures_rules: Path, shared_data: Path) -> None:
    btc = load_rules(spot_rules, futures=False).get("BTCUSDT")
    assert (btc.max_notional, btc.apply_max_to_market, btc.max_num_orders, btc.max_num_algo_orders) == (
        D("9000000"), False, 200, 5)
    assert (btc.band_filter, btc.bid_up, btc.bid_down, btc.ask_up, btc.ask_down) == (
        "PERCENT_PRICE_BY_SIDE", D("5"), D("0.2"), D("5"), D("0.2"))
    fut = load_rules(futures_rules, futures=True).get("BTCUSDT")
    assert (fut.band_filter, fut.bid_up, fut.bid_down, fut.ask_up, fut.ask_down) == (
        "PERCENT_PRICE_FUTURES", D("1.05"), 0, 0, D("0.95"))
    assert (fut.max_num_orders, fut.max_num_algo_orders) == (200, 10)
    legacy = load_rules(shared_data / "exchange_info" / "binance_spot_exchangeInfo_2021-04-02_20symbols.json",
                        futures=False).get("BNBBUSD")
    assert (legacy.band_filter, legacy.bid_up, legacy.ask_down, legacy.max_notional) == (
        "PERCENT_PRICE", D("5"), D("0.2"), D("10000"))
