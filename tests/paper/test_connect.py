"""make_ccxt: the ccxt clients the console uses, configured as DESIGN.md says (no network here)."""
from __future__ import annotations

import ccxt
import pytest

from console.domain import Market
from console.exchange.connect import make_ccxt


def test_base_url_replaces_every_host_and_keeps_paths() -> None:
    spot = make_ccxt(Market.SPOT, base_url="http://127.0.0.1:9999/", api_key="k", api_secret="s")
    futures = make_ccxt(Market.FUTURES, base_url="http://127.0.0.1:9999", api_key="k", api_secret="s")
    assert isinstance(spot, ccxt.binance) and isinstance(futures, ccxt.binanceusdm)
    assert spot.urls["api"]["public"] == "http://127.0.0.1:9999/api/v3"
    assert spot.urls["api"]["sapi"] == "http://127.0.0.1:9999/sapi/v1"
    assert futures.urls["api"]["fapiPrivateV3"] == "http://127.0.0.1:9999/fapi/v3"
    assert all(url.startswith("http://127.0.0.1:9999/") for url in futures.urls["api"].values())


def test_options_keep_load_markets_to_one_request_and_the_throttle_off() -> None:
    spot = make_ccxt(Market.SPOT, base_url=None, api_key="k", api_secret="s", timeout_ms=1234)
    futures = make_ccxt(Market.FUTURES, base_url=None, api_key="k", api_secret="s")
    assert spot.options["fetchCurrencies"] is False and spot.options["fetchMargins"] is False
    assert spot.options["fetchMarkets"]["types"] == ["spot"]
    assert spot.options["createOrder"]["quoteOrderQty"] is True
    assert spot.enableRateLimit is False and futures.enableRateLimit is False
    assert spot.timeout == 1234
    assert spot.urls["api"]["public"] == "https://api.binance.com/api/v3"


def test_demo_trading_switches_to_the_demo_hosts() -> None:
    spot = make_ccxt(Market.SPOT, base_url=None, api_key="k", api_secret="s", demo=True)
    futures = make_ccxt(Market.FUTURES, base_url=None, api_key="k", api_secret="s", demo=True)
    assert spot.urls["api"]["public"].startswith("https://demo-api.binance.com/")
    assert futures.urls["api"]["fapiPrivate"].startswith("https://demo-fapi.binance.com/")


@pytest.mark.parametrize(("url", "code", "expected"), [
    ("http://127.0.0.1:1/fapi/v1/order", "-2019", ccxt.InsufficientFunds),
    ("http://127.0.0.1:1/fapi/v1/order", "-4164", ccxt.InvalidOrder),
    ("http://127.0.0.1:1/api/v3/order", "-1013", ccxt.InvalidOrder),
    ("http://127.0.0.1:1/fapi/v1/order", "-1013", ccxt.InvalidOrder),
    ("https://demo-fapi.binance.com/fapi/v1/order", "-2019", ccxt.InsufficientFunds),
])
def test_error_tables_are_chosen_by_url_path(url: str, code: str, expected: type[Exception]) -> None:
    client = make_ccxt(Market.FUTURES if "/fapi" in url else Market.SPOT, base_url=None, api_key="k", api_secret="s")
    assert client.get_exceptions_by_url(url, "exact")[code] is expected
    assert client.get_exceptions_by_url("http://127.0.0.1:1/unknown", "exact") == {}
