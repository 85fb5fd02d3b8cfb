"""Candles fetched once per (venue, market, symbol, timeframe) per new candle, shared by every bot."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from console.domain import Order

TIMEFRAME_SECONDS = {
    "1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "2h": 7200,
    "4h": 14400, "6h": 21600, "12h": 43200, "1d": 86400,
}

Key = tuple[str, str, str, str]  # venue, market, symbol, timeframe
Fetch = Callable[[str, str, int], pd.DataFrame]  # symbol, timeframe, limit -> closed candles


@dataclass
class _Entry:
    candles: pd.DataFrame
    next_close: float  # epoch seconds when the next candle closes; 0 when unknown
    cycle: int


class MarketData:
    """A cache of closed candles keyed by pair, shared by every bot.

    A pair is fetched at most once per engine cycle, and not again before its next candle
    closes when the venue's candle times follow this clock (a fast replay does not: there
    the pair is fetched once per cycle). Concurrent callers for a pair wait on one fetch.
    """

    def __init__(self, clock: Callable[[], float], limit: int = 200) -> None:
        self._clock = clock
        self._limit = limit
        self._entries: dict[Key, _Entry] = {}
        self._locks: dict[Key, threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetches = 0

    def candles(self, key: Key, fetch: Fetch, cycle: int = -1) -> pd.DataFrame:
        """Return the closed candles of ``key``, fetching through ``fetch`` only when a new one is due."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._entries.get(key)
            now = self._clock()
            if entry is not None and (entry.cycle == cycle or now < entry.next_close):
                return entry.candles
            frame = fetch(key[2], key[3], self._limit)
            self.fetches += 1
            self._entries[key] = _Entry(frame, self._next_close(frame, key[3], now), cycle)
            return frame

    def latest(self, key: Key, fetch: Fetch, opened: pd.Timestamp, cycle: int = -1) -> pd.DataFrame:
        """The closed candles of ``key`` through the one that opened at ``opened``: the cached ones
        when they reach it already (no request), else one fetch, which may still end earlier."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._entries.get(key)
            if entry is not None and not entry.candles.empty and entry.candles["ts"].iloc[-1] >= opened:
                return entry.candles
            frame = fetch(key[2], key[3], self._limit)
            self.fetches += 1
            self._entries[key] = _Entry(frame, self._next_close(frame, key[3], self._clock()), cycle)
            return frame

    @staticmethod
    def _next_close(frame: pd.DataFrame, timeframe: str, now: float) -> float:
        if frame.empty:
            return 0.0
        step = TIMEFRAME_SECONDS[timeframe]
        # The candle after the last closed one closes two steps after the last one opened.
        due = frame["ts"].iloc[-1].timestamp() + 2 * step
        return due if now < due <= now + step else 0.0

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()


class OpenOrders:
    """The client order ids open on a client's market, fetched at most every ``every`` seconds.

    Bots with resting exits (OCO legs) check them here instead of looking each leg up every
    tick: one open-orders request for all symbols (spot weight 80, futures 40) per client per
    interval, whatever the number of bots. A fill is then noticed within ``every`` seconds, and
    ``listed`` tells how much of a resting order has filled so far (a partial fill).
    """

    def __init__(self, clock: Callable[[], float], every: float = 10.0) -> None:
        self._clock = clock
        self._every = every
        self._seen: dict[int, tuple[float, frozenset[str]]] = {}
        self._listed: dict[int, dict[str, Order]] = {}
        self._guard = threading.Lock()
        self._locks: dict[int, threading.Lock] = {}
        self.fetches = 0

    def ids(self, client) -> frozenset[str]:
        key = id(client)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            seen = self._seen.get(key)
            now = self._clock()
            if seen is not None and now - seen[0] < self._every:
                return seen[1]
            orders = client.open_orders()
            ids = frozenset(o.client_order_id for o in orders)
            self.fetches += 1
            self._seen[key] = (now, ids)
            self._listed[key] = {o.client_order_id: o for o in orders}
            return ids

    def listed(self, client, client_order_id: str) -> Order | None:
        """The open order as the last listing showed it (status, executed quantity), or None."""
        self.ids(client)
        return self._listed.get(id(client), {}).get(client_order_id)

    def remember(self, client, ids: Iterable[str]) -> None:
        """Count orders this process just placed, and saw resting, as open until the next fetch."""
        key = id(client)
        with self._guard:
            seen = self._seen.get(key)
            if seen is not None:
                self._seen[key] = (seen[0], seen[1] | frozenset(ids))
