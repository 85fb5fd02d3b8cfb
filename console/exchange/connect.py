"""Build ccxt clients for Binance spot and USD-M, pointed at Binance or at any base URL."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ccxt

from console.domain import Market


def _table_by_path(exchange: ccxt.Exchange, url: str | None, exact_or_broad: str) -> dict[str, Any]:
    if not url:
        return {}
    path = urlsplit(url).path
    if path.startswith(("/api", "/sapi")):
        market_type = "spot"
    elif path.startswith("/fapi"):
        market_type = "linear"
    elif path.startswith("/dapi"):
        market_type = "inverse"
    elif path.startswith("/papi"):
        market_type = "portfolioMargin"
    elif path.startswith("/eapi"):
        market_type = "option"
    else:
        return {}
    table = exchange.safe_dict(exchange.exceptions, market_type, {})
    return exchange.safe_dict(table, exact_or_broad, {})


# ccxt maps -1013 ("Filter failure: NOTIONAL" and friends) to BadRequest; it is an invalid order.
_FILTER_FAILURE = {"-1013": ccxt.InvalidOrder}


class BinanceSpot(ccxt.binance):
    """ccxt.binance that picks its error table by URL path, so any host works."""

    def get_exceptions_by_url(self, url: str | None, exactOrBroad: str) -> dict:
        table = _table_by_path(self, url, exactOrBroad)
        return {**table, **_FILTER_FAILURE} if exactOrBroad == "exact" else table


class BinanceUsdm(ccxt.binanceusdm):
    """ccxt.binanceusdm that picks its error table by URL path, so any host works."""

    def get_exceptions_by_url(self, url: str | None, exactOrBroad: str) -> dict:
        table = _table_by_path(self, url, exactOrBroad)
        return {**table, **_FILTER_FAILURE} if exactOrBroad == "exact" else table


def rebase_urls(urls: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Replace scheme and host of every API URL with base_url, keeping each path."""
    base = base_url.rstrip("/")
    return {name: base + urlsplit(url).path if isinstance(url, str) else url for name, url in urls.items()}


def make_ccxt(market: Market, *, base_url: str | None, api_key: str, api_secret: str, demo: bool = False,
              timeout_ms: int = 10_000) -> ccxt.Exchange:
    """Return a ccxt Binance client for market: spot -> ccxt.binance, futures -> ccxt.binanceusdm.

    ``base_url`` (e.g. the paper exchange's) replaces the host of every API URL; ``demo``
    switches to Binance demo trading. ccxt's own throttle is off: the console shares one limiter.
    """
    options: dict[str, Any] = {"fetchCurrencies": False, "fetchMargins": False,
                               "createOrder": {"timeInForce": "GTC", "quoteOrderQty": True}}
    if market is Market.SPOT:
        options.update({"defaultType": "spot", "fetchMarkets": {"types": ["spot"]}})
        cls: type[ccxt.Exchange] = BinanceSpot
    else:
        options.update({"defaultType": "future"})
        cls = BinanceUsdm
    exchange = cls({"apiKey": api_key, "secret": api_secret, "enableRateLimit": False, "timeout": timeout_ms,
                    "options": options})
    if demo:
        exchange.enable_demo_trading(True)
    if base_url:
        exchange.urls["api"] = rebase_urls(exchange.urls["api"], base_url)
    return exchange
