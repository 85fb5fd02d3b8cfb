"""Symbol filters from the real 2025-08-07 exchangeInfo files, checked over HTTP as Binance checks them."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from console.paper.rules import load_rules

OK = None

# symbol, order params, expected (code, msg) or OK; prices pinned: BTCUSDT 30000, ETHUSDT 2000
SPOT_CASES = [
    ("market at the minimum step", "BTCUSDT", {"type": "MARKET", "quantity": "0.00017"}, OK),
    ("below LOT_SIZE minQty", "BTCUSDT", {"type": "MARKET", "quantity": "0.000009"}, (-1013, "Filter failure: LOT_SIZE")),
    ("not a multiple of stepSize", "BTCUSDT", {"type": "MARKET", "quantity": "0.000175"}, (-1013, "Filter failure: LOT_SIZE")),
    ("above LOT_SIZE maxQty", "BTCUSDT", {"type": "LIMIT", "quantity": "9000.1", "price": "1", "timeInForce": "GTC"}, (-1013, "Filter failure: LOT_SIZE")),
    ("above MARKET_LOT_SIZE maxQty", "BTCUSDT", {"type": "MARKET", "quantity": "97.1"}, (-1013, "Filter failure: MARKET_LOT_SIZE")),
    ("market notional under 5", "BTCUSDT", {"type": "MARKET", "quantity": "0.00016"}, (-1013, "Filter failure: NOTIONAL")),
    ("limit notional under 5", "BTCUSDT", {"type": "LIMIT", "quantity": "0.0001", "price": "29000", "timeInForce": "GTC"}, (-1013, "Filter failure: NOTIONAL")),
    ("limit notional exactly 5", "ETHUSDT", {"type": "LIMIT", "quantity": "0.0025", "price": "2000", "timeInForce": "GTC"}, OK),
    ("price off the tick", "BTCUSDT", {"type": "LIMIT", "quantity": "0.001", "price": "29000.005", "timeInForce": "GTC"}, (-1013, "Filter failure: PRICE_FILTER")),
    ("price above maxPrice", "BTCUSDT", {"type": "LIMIT", "quantity": "0.001", "price": "1000000.01", "timeInForce": "GTC"}, (-1013, "Filter failure: PRICE_FILTER")),
    ("price below minPrice", "ETHBTC", {"type": "LIMIT", "quantity": "1", "price": "0.000001", "timeInForce": "GTC"}, (-1013, "Filter failure: PRICE_FILTER")),
    ("stop price off the tick", "BTCUSDT", {"type": "STOP_LOSS_LIMIT", "quantity": "0.001", "price": "29000", "stopPrice": "29000.001", "timeInForce": "GTC"}, (-1013, "Filter failure: PRICE_FILTER")),
    ("unknown symbol", "BTCEUR", {"type": "MARKET", "quantity": "0.001"}, (-1121, "Invalid symbol.")),
    ("symbol on break", "BCCBTC", {"type": "MARKET", "quantity": "1"}, (-1013, "Market is closed.")),
    ("limit without timeInForce", "BTCUSDT", {"type": "LIMIT", "quantity": "0.001", "price": "29000"}, (-1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.")),
]

FUTURES_CASES = [
    ("at MIN_NOTIONAL 100", "BTCUSDT", {"type": "LIMIT", "quantity": "0.004", "price": "25000", "timeInForce": "GTC"}, OK),
    ("under MIN_NOTIONAL 100", "BTCUSDT", {"type": "LIMIT", "quantity": "0.003", "price": "25000", "timeInForce": "GTC"},
     (-4164, "Order's notional must be no smaller than 100 (unless you choose reduce only).")),
    ("ETH MIN_NOTIONAL is 20", "ETHUSDT", {"type": "MARKET", "quantity": "0.009"},
     (-4164, "Order's notional must be no smaller than 20 (unless you choose reduce only).")),
    ("below minQty 0.001", "BTCUSDT", {"type": "MARKET", "quantity": "0.0009"}, (-1013, "Filter failure: LOT_SIZE")),
    ("above MARKET_LOT_SIZE 120", "BTCUSDT", {"type": "MARKET", "quantity": "120.001"}, (-1013, "Filter failure: MARKET_LOT_SIZE")),
    ("price off the 0.10 tick", "BTCUSDT", {"type": "LIMIT", "quantity": "0.01", "price": "29000.05", "timeInForce": "GTC"}, (-1013, "Filter failure: PRICE_FILTER")),
    ("price below minPrice 556.80", "BTCUSDT", {"type": "LIMIT", "quantity": "1", "price": "556.7", "timeInForce": "GTC"}, (-1013, "Filter failure: PRICE_FILTER")),
]


@pytest.mark.parametrize(("symbol", "params", "expected"), [c[1:] for c in SPOT_CASES], ids=[c[0] for c in SPOT_CASES])
def test_spot_filters(call, symbol: str, params: dict[str, str], expected: tuple[int, str] | None) -> None:
    status, _, body = call("POST", "/api/v3/order", {"symbol": symbol, "side": "BUY", **params})
    if expected is OK:
        assert status == 200, body
    else:
        assert (status, body["code"], body["msg"]) == (400, *expected)


@pytest.mark.parametrize(("symbol", "params", "expected"), [c[1:] for c in FUTURES_CASES], ids=[c[0] for c in FUTURES_CASES])
def test_futures_filters(call, symbol: str, params: dict[str, str], expected: tuple[int, str] | None) -> None:
    status, _, body = call("POST", "/fapi/v1/order", {"symbol": symbol, "side": "BUY", **params})
    if expected is OK:
        assert status == 200, body
    else:
        assert (status, body["code"], body["msg"]) == (400, *expected)


def test_reduce_only_is_exempt_from_min_notional(call) -> None:
    call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.004"})
    status, _, body = call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET",
                                                     "quantity": "0.001", "reduceOnly": "true"})
    assert status == 200 and body["executedQty"] == "0.001"


def test_built_in_rules_match_the_real_files(spot_rules: Path, futures_rules: Path) -> None:
    for builtin, real in ((load_rules(None, futures=False), load_rules(spot_rules, futures=False)),
                          (load_rules(None, futures=True), load_rules(futures_rules, futures=True))):
        assert {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT"} <= set(builtin.symbols)
        for symbol in set(builtin.symbols) & set(real.symbols):
            ours, theirs = builtin.symbols[symbol], real.symbols[symbol]
            assert (ours.tick, ours.step, ours.min_qty, ours.min_notional) == (theirs.tick, theirs.step, theirs.min_qty, theirs.min_notional)


def test_older_exchange_info_file_loads(shared_data: Path) -> None:
    rules = load_rules(shared_data / "exchange_info" / "binance_spot_exchangeInfo_2021-04-02_20symbols.json", futures=False)
    bnb = rules.get("BNBBUSD")
    assert (bnb.tick, bnb.step, bnb.min_notional) == (Decimal("0.0001"), Decimal("0.01"), Decimal("10"))
