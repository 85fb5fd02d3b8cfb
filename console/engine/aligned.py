"""When each pair's candle closes on the engine's clock, and whether the venue has published it yet.

Every (venue, market, symbol, timeframe) pair a running bot trades gets a due time: its next
candle close. Once due, the pair's just-closed candle is fetched once (through the shared
``MarketData`` cache, so a cycle that fetched it already costs no request) and, when the venue
has it, every bot on the pair ticks at once. A candle not yet published is asked for again every
``retry_seconds`` for at most ``patience_seconds`` after the close; after that the pair waits for
its next close and the regular cycle picks the candle up when the venue has it.

Due times follow the engine's own clock (the loop sleeps until the first one, 0.2 s at most),
rather than ``schedule``'s ``.at()``: that reads the local wall clock at whole seconds, so an injected clock
could not drive it, and each timeframe's UTC boundaries (4h, 1d) would need jobs of their own.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from console.engine.marketdata import TIMEFRAME_SECONDS, Fetch, Key, MarketData


@dataclass
class _Pair:
    due: float  # epoch seconds of the next check: a candle close, or a retry
    busy: bool = False  # a fetch of this pair is in flight


def last_close(now: float, timeframe: str) -> float:
    """Epoch seconds of the latest candle close at or before ``now`` (candles align to the epoch, UTC)."""
    step = TIMEFRAME_SECONDS[timeframe]
    return math.floor(now / step) * step


class AlignedTicks:
    """The due time of every pair's candle close, and the fetch of a due pair's closed candle."""

    def __init__(self, clock: Callable[[], float], *, retry_seconds: float = 0.2, patience_seconds: float = 3.0) -> None:
        self._clock = clock
        self._retry = retry_seconds
        self._patience = patience_seconds
        self._pairs: dict[Key, _Pair] = {}
        self._lock = threading.Lock()
        self.retries = 0

    def due(self, keys: Iterable[Key]) -> list[Key]:
        """Track ``keys`` (the running bots' pairs) and return those whose close (or retry) is due.

        A pair first seen waits for its next close; a returned pair is marked busy until ``fetch``."""
        now = self._clock()
        wanted = set(keys)
        out = []
        with self._lock:
            for key in list(self._pairs):
                if key not in wanted:
                    del self._pairs[key]
            for key in wanted:
                pair = self._pairs.get(key)
                if pair is None:
                    step = TIMEFRAME_SECONDS[key[3]]
                    self._pairs[key] = _Pair(due=last_close(now, key[3]) + step)
                elif not pair.busy and now >= pair.due:
                    pair.busy = True
                    out.append(key)
        return out

    def next_due(self) -> float:
        """Epoch seconds when the first tracked pair is due (infinity when none is waiting)."""
        with self._lock:
            return min((p.due for p in self._pairs.values() if not p.busy), default=math.inf)

    def fetch(self, key: Key, market_data: MarketData, fetch: Fetch, cycle: int = -1) -> pd.DataFrame | None:
        """The candles of a due pair ending with its just-closed candle, or None while the venue
        has not published it (the pair is then due again after ``retry_seconds``, or at its next
        close once ``patience_seconds`` have passed). Errors propagate; the pair is due again at once."""
        timeframe = key[3]
        step = TIMEFRAME_SECONDS[timeframe]
        close = last_close(self._clock(), timeframe)
        opened = pd.Timestamp(close - step, unit="s", tz="UTC")
        try:
            frame = market_data.latest(key, fetch, opened, cycle)
        except Exception:
            self._release(key, self._clock() + self._retry)
            raise
        now = self._clock()
        if not frame.empty and frame["ts"].iloc[-1] >= opened:
            self._release(key, close + step)
            return frame
        if now < close + self._patience:
            self.retries += 1
            self._release(key, now + self._retry)
        else:
            self._release(key, close + step)
        return None

    def _release(self, key: Key, due: float) -> None:
        with self._lock:
            pair = self._pairs.get(key)
            if pair is not None:
                pair.due, pair.busy = due, False
