"""Requests signed by hand (urllib + hmac) as Binance documents, without ccxt."""
from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
import json
from pathlib import Path

import pytest

from console.paper import PaperExchange

from tests.paper.conftest import KEY, SECRET


def test_signed_get_in_query_string(call) -> None:
    status, headers, body = call("GET", "/api/v3/account", {"recvWindow": 5000})
    assert status == 200 and body["accountType"] == "SPOT"
    assert {"asset": "USDT", "free": "10000.00000000", "locked": "0.00000000"} in body["balances"]
    assert int(headers["X-MBX-USED-WEIGHT-1M"]) >= 20


def test_signed_post_in_body(call) -> None:
    status, headers, body = call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                          "quantity": "0.001", "newClientOrderId": "hand-1"})
    assert status == 200 and body["status"] == "FILLED" and body["clientOrderId"] == "hand-1"
    assert body["fills"][0]["commissionAsset"] == "BTC"
    assert headers["X-MBX-ORDER-COUNT-10S"] == "1"
    status, _, found = call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "hand-1"})
    assert status == 200 and found["orderId"] == body["orderId"] and found["executedQty"] == "0.00100000"


def test_signature_over_query_string_plus_body(exchange: PaperExchange) -> None:
    """Binance signs totalParams = query string concatenated with the request body."""
    query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
    body = f"quantity=0.001&price=29000&timestamp={int(time.time() * 1000)}"
    signature = hmac.new(SECRET.encode(), (query + body).encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{exchange.base_url}/api/v3/order?{query}",
                                     data=f"{body}&signature={signature}".encode(), method="POST",
                                     headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=5) as response:
        order = json.loads(response.read())
    assert order["status"] == "NEW" and order["price"] == "29000.00000000"


def test_futures_signed_calls(call) -> None:
    status, _, order = call("POST", "/fapi/v1/order", {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.05"})
    assert status == 200 and order["status"] == "FILLED" and order["avgPrice"] == "1999.9"
    status, headers, risk = call("GET", "/fapi/v3/positionRisk", {"symbol": "ETHUSDT"})
    assert status == 200 and risk[0]["positionAmt"] == "-0.05"
    assert "X-MBX-USED-WEIGHT-1M" in headers
    status, _, trades = call("GET", "/fapi/v1/userTrades", {"symbol": "ETHUSDT"})
    assert trades[0]["realizedPnl"] == "0.00000000" and trades[0]["commission"] == "0.04999750"


def test_wrong_signature(call) -> None:
    status, _, body = call("GET", "/api/v3/account", secret="not-the-secret")
    assert (status, body["code"], body["msg"]) == (400, -1022, "Signature for this request is not valid.")


def test_missing_and_wrong_api_key(exchange: PaperExchange, call) -> None:
    status, _, body = call("GET", "/fapi/v2/balance", key="someone-else")
    assert (status, body["code"]) == (401, -2015)
    request = urllib.request.Request(f"{exchange.base_url}/api/v3/account?timestamp=1&signature=00")
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as e:
        assert e.code == 401 and json.loads(e.read())["code"] == -2014


def test_timestamp_outside_recv_window(call) -> None:
    old = int(time.time() * 1000) - 10_000
    status, _, body = call("GET", "/api/v3/account", {"recvWindow": 5000}, timestamp=old)
    assert (status, body["code"]) == (400, -1021)
    status, _, body = call("GET", "/api/v3/account", {"recvWindow": 20000}, timestamp=old)
    assert status == 200
    ahead = int(time.time() * 1000) + 5_000
    status, _, body = call("GET", "/api/v3/account", timestamp=ahead)
    assert (status, body["code"]) == (400, -1021)
    status, _, body = call("GET", "/api/v3/account", {"recvWindow": 70000})
    assert (status, body["code"]) == (400, -1131)


def test_missing_signature_and_timestamp(call) -> None:
    status, _, body = call("GET", "/api/v3/account", sign=False)
    assert (status, body["code"]) == (400, -1102)


def test_public_endpoints_need_no_key(exchange: PaperExchange) -> None:
    for path in ("/api/v3/ping", "/api/v3/time", "/fapi/v1/ping", "/fapi/v1/time",
                 "/api/v3/ticker/24hr?symbol=BTCUSDT", "/fapi/v1/premiumIndex?symbol=BTCUSDT",
                 "/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=3"):
        with urllib.request.urlopen(exchange.base_url + path, timeout=5) as response:
            assert response.status == 200
            json.loads(response.read())


def test_weight_limit_from_the_rules_answers_429(futures_rules: Path, tmp_path: Path) -> None:
    document = json.loads(futures_rules.read_text())
    for limit in document["rateLimits"]:
        if limit["rateLimitType"] == "REQUEST_WEIGHT":
            limit["limit"] = 10
    rules = tmp_path / "usdm_exchangeInfo.json"
    rules.write_text(json.dumps(document))
    frozen = 1_700_000_010.0  # 30 s into a minute, frozen: the window cannot roll over
    exchange = PaperExchange(futures_rules=rules, clock=lambda: frozen)
    url = exchange.start()
    try:
        for _ in range(10):
            urllib.request.urlopen(url + "/fapi/v1/ping", timeout=5).read()
        assert exchange.stats.used_weight("futures") == 10
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + "/fapi/v1/ping", timeout=5)
        assert e.value.code == 429 and e.value.headers["Retry-After"] == "30"
        assert json.loads(e.value.read())["code"] == -1003
        urllib.request.urlopen(url + "/api/v3/ping", timeout=5).read()  # spot keeps its own budget
    finally:
        exchange.stop()
