"""Binance's REST market data for what the archive does not hold yet: klines pages and funding rates.

``GET /api/v3/klines`` (spot, up to 1000 a page) and ``/fapi/v1/klines`` (USD-M, up to 1500),
``GET /fapi/v1/fundingRate`` (up to 1000). Public endpoints: no keys are sent.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

import pandas as pd

from console.domain import Market
from console.errors import ConfigError, ExchangeUnavailable, UnknownSymbol
from console.history.archive import FUNDING_COLUMNS, KLINE_COLUMNS, empty, tidy, to_milliseconds
from console.history.http import Http
from console.history.series import Kind, Series

PAGE = {Market.SPOT: 1000, Market.FUTURES: 1500}
FUNDING_PAGE = 1000
_PATHS = {Market.SPOT: "/api/v3/klines", Market.FUTURES: "/fapi/v1/klines"}


# Request weight per minute a download may spend: half of Binance's per-IP limits, so bots trading
# from the same address keep the other half.
BUDGET = {Market.SPOT: 3000, Market.FUTURES: 1200}


def klines_weight(market: Market, limit: int) -> int:
    """Binance's weight of one klines request of ``limit`` candles."""
    if market is Market.SPOT:
        return 2
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


FUNDING_WEIGHT = 12  # /fapi/v1/fundingRate has its own limit of 500 requests per 5 minutes


class Budget:
    """A per-minute request-weight bucket: takes what a request costs, waiting when it runs dry."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self.per_minute = per_minute
        self._tokens = float(per_minute)
        self._at = clock()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def take(self, weight: int) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.per_minute, self._tokens + (now - self._at) * self.per_minute / 60)
                self._at = now
                if self._tokens >= weight:
                    self._tokens -= weight
                    return
                wait = (weight - self._tokens) * 60 / self.per_minute
            self._sleep(wait)


class Rest:
    """Pages of klines and funding rates from ``base_url(market)``, within each market's weight budget."""

    def __init__(self, base_url: Callable[[Market], str], http: Http,
                 budgets: dict[Market, Budget] | None = None) -> None:
        self.base_url = base_url
        self.http = http
        self.budgets = budgets or {market: Budget(per_minute, sleep=http.sleep)
                                   for market, per_minute in BUDGET.items()}

    def klines(self, series: Series, start: int, end: int, limit: int | None = None) -> pd.DataFrame:
        """Up to one page of candles opening in ``[start, end)``, oldest first."""
        limit = limit or PAGE[series.market]
        interval = "1M" if series.timeframe == "1mo" else series.timeframe
        query = {"symbol": series.symbol, "interval": interval, "startTime": start, "endTime": end - 1,
                 "limit": limit}
        self.budgets[series.market].take(klines_weight(series.market, limit))
        rows = self._get(series, _PATHS[series.market], query)
        if not rows:
            return empty(Kind.KLINES)
        frame = pd.DataFrame([row[:9] for row in rows],
                             columns=["ts", "open", "high", "low", "close", "volume", "close_ts", "quote_volume",
                                      "trades"])
        frame["ts"] = to_milliseconds(frame["ts"].astype("int64").to_numpy())
        frame = frame[(frame["ts"] >= start) & (frame["ts"] < end)]
        return tidy(frame[list(KLINE_COLUMNS)], Kind.KLINES)

    def funding(self, series: Series, start: int, end: int, limit: int = FUNDING_PAGE) -> pd.DataFrame:
        """Up to one page of funding rates with funding times in ``[start, end)``, oldest first."""
        query = {"symbol": series.symbol, "startTime": start, "endTime": end - 1, "limit": limit}
        self.budgets[Market.FUTURES].take(FUNDING_WEIGHT)
        rows = self._get(series, "/fapi/v1/fundingRate", query)
        if not rows:
            return empty(Kind.FUNDING)
        frame = pd.DataFrame({
            "ts": [int(r["fundingTime"]) for r in rows],
            "funding_rate": [float(r["fundingRate"]) for r in rows],
            "interval_hours": pd.array([None] * len(rows), dtype="Int64"),
            "mark_price": [float(r["markPrice"]) if r.get("markPrice") not in (None, "") else float("nan")
                           for r in rows],
        })
        frame = frame[(frame["ts"] >= start) & (frame["ts"] < end)]
        return tidy(frame[list(FUNDING_COLUMNS)], Kind.FUNDING)

    def _get(self, series: Series, path: str, query: dict[str, object]) -> list:
        url = f"{self.base_url(series.market)}{path}?{urlencode(query)}"
        response = self.http.get(url, gzip_ok=True)
        try:
            body = json.loads(response.body or b"null")
        except ValueError:
            raise ExchangeUnavailable(f"{url} answered {response.status} with no JSON; run the download "
                                      "again later") from None
        if response.ok and isinstance(body, list):
            return body
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("msg", "") if isinstance(body, dict) else ""
        if code == -1121 or response.status == 404 and path.endswith("fundingRate"):
            raise UnknownSymbol(f"Binance lists no {series.market.value} symbol {series.symbol} ({message or 404}); "
                                "check the symbol and the market")
        if code in (-1120, -1100, -1130):
            raise ConfigError(f"Binance refused the request for {series.label}: {message}; check the timeframe "
                              "and the dates")
        raise ExchangeUnavailable(f"{url} answered {response.status} {message}; run the download again later")
