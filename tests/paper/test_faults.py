"""Each fault kind, through ccxt and by hand; an accepted order stays accepted when its answer is lost."""
from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import ccxt
import pytest

from console.domain import Market
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange

from tests.paper.conftest import KEY, SECRET


def quick_client(exchange: PaperExchange, market: Market = Market.SPOT) -> Any:
    client = make_ccxt(market, base_url=exchange.base_url, api_key=KEY, api_secret=SECRET, timeout_ms=300)
    client.load_markets()
    return client


def orders_with(exchange: PaperExchange, client_id: str, market: str = "spot") -> list[dict]:
    return [o for o in exchange.exchange_orders(market) if o["clientOrderId"] == client_id]


def test_timeout_after_accept_executes_the_order(exchange: PaperExchange) -> None:
    spot = quick_client(exchange)
    exchange.faults.add(path="/api/v3/order", kind="timeout_after_accept", method="POST", count=1, seconds=0.6)
    with pytest.raises(ccxt.RequestTimeout):
        spot.create_order("BTC/USDT", "market", "buy", 0.001, None, {"clientOrderId": "lost-answer"})
    [order] = orders_with(exchange, "lost-answer")
    assert order["status"] == "FILLED"
    found = spot.fetch_order(None, "BTC/USDT", {"origClientOrderId": "lost-answer"})
    assert found["status"] == "closed" and found["filled"] == 0.001


def test_reset_after_accept_executes_the_order(exchange: PaperExchange, futures: Any) -> None:
    exchange.faults.add(path="/fapi/v1/order", kind="reset_after_accept", count=1)
    with pytest.raises(ccxt.NetworkError):
        futures.create_order("BTC/USDT:USDT", "market", "buy", 0.01, None, {"clientOrderId": "reset-after"})
    assert orders_with(exchange, "reset-after", "futures")[0]["status"] == "FILLED"
    assert futures.fetch_positions(["BTC/USDT:USDT"])[0]["contracts"] == 0.01


@pytest.mark.parametrize("kind", ["reset", "error_5xx", "rate_limit", "clock_skew"])
def test_faults_before_execution_leave_no_order(exchange: PaperExchange, spot: Any, kind: str) -> None:
    exchange.faults.add(path="/api/v3/order", kind=kind, count=1)
    with pytest.raises(ccxt.BaseError):
        spot.create_order("BTC/USDT", "market", "buy", 0.001, None, {"clientOrderId": f"never-{kind}"})
    assert orders_with(exchange, f"never-{kind}") == []
    spot.create_order("BTC/USDT", "market", "buy", 0.001)  # count=1: the next request goes through


def test_latency_delays_then_answers(exchange: PaperExchange, spot: Any) -> None:
    exchange.faults.add(path="/api/v3/ticker/24hr", kind="latency", seconds=0.05, count=1)
    assert spot.fetch_ticker("BTC/USDT")["last"] == 30000.0
    quick = quick_client(exchange)
    exchange.faults.add(path="/api/v3/ticker/24hr", kind="latency", seconds=0.6, count=1)
    with pytest.raises(ccxt.RequestTimeout):
        quick.fetch_ticker("BTC/USDT")


def test_rate_limit_carries_retry_after(exchange: PaperExchange) -> None:
    exchange.faults.add(path="*", kind="rate_limit", seconds=7, count=1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(exchange.base_url + "/api/v3/ping", timeout=5)
    assert e.value.code == 429 and e.value.headers["Retry-After"] == "7"


def test_ban_answers_418_for_that_market_until_it_expires(spot_rules) -> None:
    now = [1_700_000_000.0]
    exchange = PaperExchange(spot_rules=spot_rules, clock=lambda: now[0])
    url = exchange.start()
    try:
        exchange.faults.add(path="/api/v3/ping", kind="ban", seconds=120, count=1)
        for path in ("/api/v3/ping", "/api/v3/time"):  # the ban covers every spot endpoint
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(url + path, timeout=5)
            assert e.value.code == 418 and e.value.headers["Retry-After"] == "120"
        urllib.request.urlopen(url + "/fapi/v1/ping", timeout=5).read()  # futures unaffected
        now[0] += 121
        urllib.request.urlopen(url + "/api/v3/ping", timeout=5).read()
    finally:
        exchange.stop()


def test_count_and_wildcard(exchange: PaperExchange, spot: Any) -> None:
    exchange.faults.add(path="*", kind="error_5xx", count=2)
    for _ in range(2):
        with pytest.raises(ccxt.ExchangeNotAvailable):
            spot.fetch_ticker("BTC/USDT")
    assert spot.fetch_ticker("BTC/USDT")["last"] == 30000.0


def test_rate_is_seeded_and_method_filters(exchange: PaperExchange) -> None:
    def pattern() -> list[int]:
        exchange.faults.clear()
        exchange.faults.add(path="/api/v3/ping", kind="error_5xx", method="GET", rate=0.5, seed=42)
        codes = []
        for _ in range(12):
            try:
                urllib.request.urlopen(exchange.base_url + "/api/v3/ping", timeout=5).read()
                codes.append(200)
            except urllib.error.HTTPError as e:
                codes.append(e.code)
        return codes

    first = pattern()
    assert first == pattern() and {200, 503} == set(first)
    exchange.faults.clear()
    exchange.faults.add(path="/api/v3/ping", kind="error_5xx", method="POST")
    urllib.request.urlopen(exchange.base_url + "/api/v3/ping", timeout=5).read()  # GET is not matched


def test_unknown_fault_kind_is_refused(exchange: PaperExchange) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        exchange.faults.add(path="*", kind="gremlins")


def test_stats_count_requests(exchange: PaperExchange, spot: Any) -> None:
    exchange.stats.reset()
    spot.fetch_balance()
    spot.fetch_balance()
    assert exchange.stats.requests("/api/v3/account") == 2
    assert exchange.stats.requests() == 2
    assert exchange.stats.used_weight("spot") == 40
