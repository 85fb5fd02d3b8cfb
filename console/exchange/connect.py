"""Build ccxt clients for Binance spot and USD-M, pointed at Binance or at any base URL."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ccxt

from console.domain import Market


def _market_type(url: str | None) -> str | None:
    path = urlsplit(url or "").path
    for prefixes, market_type in ((("/api", "/sapi"), "spot"), (("/fapi",), "linear"), (("/dapi",), "inverse"),
                                  (("/papi",), "portfolioMargin"), (("/eapi",), "option")):
        if path.startswith(prefixes):
            return market_type
    return None


# ccxt maps -1013 ("Filter failure: NOTIONAL" and friends) to BadRequest; it is an invalid order.
_FILTER_FAILURE = {"-1013": ccxt.InvalidOrder}


def _exceptions_by_path(exchange: ccxt.Exchange, url: str | None, exact_or_broad: str) -> dict:
    market_type = _market_type(url)
    if market_type is None:
        return {}
    table = exchange.safe_dict(exchange.safe_dict(exchange.exceptions, market_type, {}), exact_or_broad, {})
    return {**table, **_FILTER_FAILURE} if exact_or_broad == "exact" else table


class BinanceSpot(ccxt.binance):
    """ccxt.binance that picks its error table by URL path, so any host works."""

    def get_exceptions_by_url(self, url: str | None, exactOrBroad: str) -> dict:
        return _exceptions_by_path(self, url, exactOrBroad)


class BinanceUsdm(ccxt.binanceusdm):
    """ccxt.binanceusdm that picks its error table by URL path, so any host works."""

    def get_exceptions_by_url(self, url: str | None, exactOrBroad: str) -> dict:
        return _exceptions_by_path(self, url, exactOrBroad)


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
