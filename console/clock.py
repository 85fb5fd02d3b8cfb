"""The one clock: what time it is (epoch seconds) and how to wait.

Every part that decides by the time or waits is given a clock: the engine and its daily reset,
reconciliation, the database's timestamps, the clients' retries and limiter, the paper
exchange's injected delays. A test passes one object whose ``sleep`` moves its time instead
of waiting, so nothing in a test waits for the wall clock.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Call it for epoch seconds; ``sleep`` waits that many seconds of this clock."""

    def __call__(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The wall clock: ``time.time`` and ``time.sleep``."""

    def __call__(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()


def utc_now(clock: Callable[[], float] | None = None) -> datetime:
    """The clock's time as an aware UTC datetime (the wall clock without one)."""
    return datetime.fromtimestamp((clock or SYSTEM_CLOCK)(), tz=UTC)


class ManualClock:
    """Epoch seconds that move only when ``advance`` moves them; ``sleep`` moves them instead of
    waiting. For tests, benchmarks and replays driven candle by candle."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
