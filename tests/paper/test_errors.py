"""Binance error responses from the paper exchange land on the right ccxt exception classes."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ccxt
import pytest

from console.domain import Market
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange

from tests.paper.conftest import KEY, SECRET

Case = Callable[[PaperExchange, Any, Any], Callable[[], Any]]


def client(exchange: PaperExchange, market: Market, key: str = KEY, secret: str = SECRET, timeout_ms: int = 3000) -> Any:
    c = make_ccxt(market, base_url=exchange.base_url, api_key=key, api_secret=secret, timeout_ms=timeout_ms)
    c.load_markets()
    return c


def bad_key(ex: PaperExchange, spot: Any, futures: Any) -> Callable[[], Any]:
    return client(ex, Market.SPOT, key="wrong-key").fetch_balance


def bad_secret(ex: PaperExchange, spot: Any, futures: Any) -> Callable[[], Any]:
    return client(ex, Market.FUTURES, secret="wrong-secret").fetch_balance


def with_fault(kind: str, path: str, call: Callable[[Any, Any], Any], **kw: Any) -> Case:
    def case(ex: PaperExchange, spot: Any, futures: Any) -> Callable[[], Any]:
        ex.faults.add(path=path, kind=kind, count=1, **kw)
        return lambda: call(spot, futures)
    return case


def plain(call: Callable[[Any, Any], Any]) -> Case:
    return lambda ex, spot, futures: (lambda: call(spot, futures))


def fast_timeout(ex: PaperExchange, spot: Any, futures: Any) -> Callable[[], Any]:
    quick = client(ex, Market.SPOT, timeout_ms=300)
    ex.faults.add(path="/api/v3/order", kind="timeout_after_accept", seconds=0.6, count=1)
    return lambda: quick.create_order("BTC/USDT", "market", "buy", 0.001)


def raw_spot_order(**params: str) -> Callable[[Any, Any], Any]:
    return lambda spot, futures: spot.private_post_order({"symbol": "BTCUSDT", "side": "BUY", **params})


CASES: list[tuple[str, Case, type[Exception]]] = [
    ("-2015 wrong api key", bad_key, ccxt.AuthenticationError),
    ("-1022 wrong signature", bad_secret, ccxt.AuthenticationError),
    ("-2010 spot insufficient balance", plain(lambda s, f: s.create_order("BTC/USDT", "market", "buy", 1)), ccxt.InsufficientFunds),
    ("-2019 futures margin insufficient", plain(lambda s, f: f.create_order("BTC/USDT:USDT", "market", "buy", 10)), ccxt.InsufficientFunds),
    ("-1013 LOT_SIZE", plain(raw_spot_order(type="MARKET", quantity="0.000001")), ccxt.InvalidOrder),
    ("-1013 NOTIONAL", plain(raw_spot_order(type="MARKET", quantity="0.0001")), ccxt.InvalidOrder),
    ("-1013 PRICE_FILTER", plain(raw_spot_order(type="LIMIT", quantity="0.001", price="29000.001", timeInForce="GTC")), ccxt.InvalidOrder),
    ("-4164 futures notional", plain(lambda s, f: f.create_order("BTC/USDT:USDT", "market", "buy", 0.001)), ccxt.InvalidOrder),
    ("-1121 invalid symbol", plain(lambda s, f: s.private_get_order({"symbol": "NOPEUSDT", "orderId": "1"})), ccxt.BadSymbol),
    ("-2013 order does not exist", plain(lambda s, f: s.fetch_order("999", "BTC/USDT")), ccxt.OrderNotFound),
    ("-2011 cancel unknown spot", plain(lambda s, f: s.cancel_order("999", "BTC/USDT")), ccxt.OrderNotFound),
    ("-2011 cancel unknown futures", plain(lambda s, f: f.cancel_order("999", "BTC/USDT:USDT")), ccxt.OrderNotFound),
    ("-1021 clock skew", with_fault("clock_skew", "/api/v3/account", lambda s, f: s.fetch_balance()), ccxt.InvalidNonce),
    ("429 rate limit", with_fault("rate_limit", "/api/v3/ticker/24hr", lambda s, f: s.fetch_ticker("BTC/USDT"), seconds=1), ccxt.DDoSProtection),
    ("418 ban", with_fault("ban", "/fapi/v1/ticker/24hr", lambda s, f: f.fetch_ticker("BTC/USDT:USDT"), seconds=30), ccxt.DDoSProtection),
    ("503 before executing", with_fault("error_5xx", "/api/v3/order", lambda s, f: s.create_order("BTC/USDT", "market", "buy", 0.001)), ccxt.ExchangeNotAvailable),
    ("connection reset", with_fault("reset", "/api/v3/order", lambda s, f: s.create_order("BTC/USDT", "market", "buy", 0.001)), ccxt.NetworkError),
    ("reset after accept", with_fault("reset_after_accept", "/fapi/v1/order", lambda s, f: f.create_order("BTC/USDT:USDT", "market", "buy", 0.01)), ccxt.NetworkError),
    ("timeout after accept", fast_timeout, ccxt.RequestTimeout),
]


@pytest.mark.parametrize(("case", "expected"), [(c, e) for _, c, e in CASES], ids=[name for name, _, _ in CASES])
def test_error_maps_to_ccxt_exception(exchange: PaperExchange, spot: Any, futures: Any, case: Case,
                                      expected: type[Exception]) -> None:
    call = case(exchange, spot, futures)
    with pytest.raises(expected):
        call()


def test_error_bodies_are_binance_bodies(call) -> None:
    status, _, body = call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"})
    assert (status, body) == (400, {"code": -2010, "msg": "Account has insufficient balance for requested action."})
    status, _, body = call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "nope"})
    assert (status, body) == (400, {"code": -2013, "msg": "Order does not exist."})
    status, _, body = call("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "5"})
    assert (status, body) == (400, {"code": -2011, "msg": "Unknown order sent."})
    status, _, body = call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "10"})
    assert (status, body) == (400, {"code": -2019, "msg": "Margin is insufficient."})
    status, _, body = call("GET", "/api/v3/ticker/price", {"symbol": "NOPEUSDT"}, sign=False)
    assert (status, body) == (400, {"code": -1121, "msg": "Invalid symbol."})
    status, _, body = call("POST", "/fapi/v1/marginType", {"symbol": "BTCUSDT", "marginType": "CROSSED"})
    assert (status, body) == (400, {"code": -4046, "msg": "No need to change margin type."})
