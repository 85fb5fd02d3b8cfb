"""Fixtures for the paper exchange: a running exchange on real rules, ccxt clients, hand-signed calls."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from console.domain import Market
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange

KEY = "test-key"
SECRET = "test-secret"
PRICES = {"BTCUSDT": Decimal("30000"), "ETHUSDT": Decimal("2000"), "BNBUSDT": Decimal("300"), "XRPUSDT": Decimal("0.5")}


@pytest.fixture(scope="session")
def spot_rules(shared_data: Path) -> Path:
    return shared_data / "exchange_info" / "binance_spot_exchangeInfo_2025-08-07.json"


@pytest.fixture(scope="session")
def futures_rules(shared_data: Path) -> Path:
    return shared_data / "exchange_info" / "binance_usdm_exchangeInfo_2025-08-07.json"


@pytest.fixture
def exchange(spot_rules: Path, futures_rules: Path) -> Iterator[PaperExchange]:
    """A started in-memory exchange on the real 2025-08-07 rules, prices pinned."""
    ex = PaperExchange(spot_rules=spot_rules, futures_rules=futures_rules, api_key=KEY, api_secret=SECRET)
    for symbol, price in PRICES.items():
        ex.feed.set_price(symbol, price)
    ex.start()
    yield ex
    ex.stop()


@pytest.fixture
def spot(exchange: PaperExchange) -> Any:
    client = make_ccxt(Market.SPOT, base_url=exchange.base_url, api_key=KEY, api_secret=SECRET, timeout_ms=3000)
    client.load_markets()
    return client


@pytest.fixture
def futures(exchange: PaperExchange) -> Any:
    client = make_ccxt(Market.FUTURES, base_url=exchange.base_url, api_key=KEY, api_secret=SECRET, timeout_ms=3000)
    client.load_markets()
    return client


Call = Callable[..., tuple[int, dict[str, str], Any]]


def signed_call(base_url: str, method: str, path: str, params: dict[str, Any] | None = None, *,
                key: str = KEY, secret: str = SECRET, in_body: bool | None = None, sign: bool = True,
                timestamp: int | None = None) -> tuple[int, dict[str, str], Any]:
    """Send one request signed as Binance documents: HMAC-SHA256 of the query string + body."""
    params = dict(params or {})
    if sign:
        params.setdefault("timestamp", timestamp if timestamp is not None else int(time.time() * 1000))
    query = urllib.parse.urlencode(params)
    if sign:
        query += "&signature=" + hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    body_mode = in_body if in_body is not None else method == "POST"
    url = base_url + path + ("" if body_mode else "?" + query)
    request = urllib.request.Request(url, data=query.encode() if body_mode else None, method=method)
    request.add_header("X-MBX-APIKEY", key)
    if body_mode:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


@pytest.fixture
def call(exchange: PaperExchange) -> Call:
    """signed_call bound to the running exchange."""
    return lambda method, path, params=None, **kw: signed_call(exchange.base_url, method, path, params, **kw)
