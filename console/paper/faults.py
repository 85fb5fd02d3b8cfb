"""Fault injection per endpoint, and request statistics with Binance's per-minute weights."""
from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

KINDS = ("latency", "timeout_after_accept", "reset_after_accept", "reset", "error_5xx", "rate_limit", "ban", "clock_skew")


@dataclass
class Fault:
    """One injected fault; see Faults.add."""

    path: str
    kind: str
    method: str | None = None
    count: int | None = None
    rate: float | None = None
    seconds: float = 0.5
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, method: str, path: str) -> bool:
        return (self.path == "*" or self.path == path) and (self.method is None or self.method == method)


class Faults:
    """The faults the exchange applies to matching requests, first match wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, path: str = "*", kind: str = "error_5xx", method: str | None = None, count: int | None = None,
            rate: float | None = None, seconds: float = 0.5, seed: int | None = None) -> Fault:
        """Apply ``kind`` to requests on ``path`` ("*" for all), optionally only for ``method``.

        ``count`` limits it to the next N matching requests; ``rate`` applies it with that
        probability per matching request (seeded by ``seed``); ``seconds`` is the latency (waited
        with the exchange's ``sleep``), the longest a timeout holds the connection silent (it ends
        sooner when the client hangs up), or the Retry-After / ban duration, all on the exchange's clock.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(KINDS)}")
        if rate is not None and not 0 <= rate <= 1:
            raise ValueError(f"rate {rate} must be a probability between 0 and 1")
        fault = Fault(path=path, kind=kind, method=method.upper() if method else None, count=count, rate=rate,
                      seconds=seconds, rng=random.Random(seed))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault to apply to this request (consuming one of its count), if any."""
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.rate is not None and fault.rng.random() >= fault.rate:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                return fault
        return None


class Stats:
    """Requests served per path and used weight per market per minute."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._paths: Counter[str] = Counter()
        self._weight: dict[str, tuple[int, int]] = {}
        self._total: Counter[str] = Counter()
        self._orders: dict[str, tuple[int, int]] = {}

    def record(self, path: str, market: str, weight: int, order: bool = False) -> tuple[int, int]:
        """Count one request; return (used weight this minute, orders this window) for the headers."""
        minute = int(self._clock() // 60)
        with self._lock:
            self._paths[path] += 1
            start, used = self._weight.get(market, (minute, 0))
            used = used + weight if start == minute else weight
            self._weight[market] = (minute, used)
            self._total[market] += weight
            orders = 0
            if order:
                window = int(self._clock() // 10) if market == "spot" else minute
                ostart, orders = self._orders.get(market, (window, 0))
                orders = orders + 1 if ostart == window else 1
                self._orders[market] = (window, orders)
            return used, orders

    def requests(self, path: str | None = None) -> int:
        """Requests served, in total or for one path (e.g. "/api/v3/order")."""
        with self._lock:
            return self._paths[path] if path is not None else sum(self._paths.values())

    def used_weight(self, market: str) -> int:
        """Weight used by ``market`` ("spot" or "futures") in the current minute."""
        minute = int(self._clock() // 60)
        with self._lock:
            start, used = self._weight.get(market, (minute, 0))
            return used if start == minute else 0

    def total_weight(self, market: str) -> int:
        """Weight used by ``market`` since the counts were last reset."""
        with self._lock:
            return self._total[market]

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._total.clear()
            self._paths.clear()
            self._weight.clear()
            self._orders.clear()
