"""One request-weight limiter per (venue address, market), shared by every client in the process.

Binance counts request weight per IP in fixed one-minute windows (spot 6,000, USD-M 2,400) and
orders per account (spot 100 per 10 s, USD-M 300 per 10 s and 1,200 per minute). The limiter adds
each request's weight before it is sent and corrects its count from the ``X-MBX-USED-WEIGHT-1M``
header of every answer, so requests made by other clients on the same IP are counted too. When
the next request would cross the limit it waits (with the injected sleep) for the window to end.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from console.domain import Market


@dataclass(frozen=True, kw_only=True)
class Limits:
    weight_per_minute: int
    orders: tuple[tuple[float, int], ...]  # (window seconds, max orders)
    headroom: float = 0.9  # keep this fraction of each limit for ourselves


LIMITS = {
    Market.SPOT: Limits(weight_per_minute=6000, orders=((10.0, 100), (86400.0, 200_000))),
    Market.FUTURES: Limits(weight_per_minute=2400, orders=((10.0, 300), (60.0, 1200))),
}

# Request weights of the endpoints the console uses (Binance API docs); others count DEFAULT_WEIGHT.
WEIGHTS = {
    Market.SPOT: {
        "load_markets": 20, "fetch_ticker": 2, "fetch_ohlcv": 2, "fetch_balance": 20, "create_order": 1,
        "fetch_order": 4, "fetch_open_orders": 6, "fetch_open_orders_all": 80, "cancel_order": 1,
        "create_oco": 1, "cancel_oco": 1, "fetch_my_trades": 20, "fetch_time": 1,
    },
    Market.FUTURES: {
        "load_markets": 1, "fetch_ticker": 1, "fetch_ohlcv": 2, "fetch_balance": 5, "create_order": 0,
        "fetch_order": 1, "fetch_open_orders": 1, "fetch_open_orders_all": 40, "cancel_order": 1,
        "fetch_my_trades": 5, "fetch_positions": 5, "set_leverage": 1, "set_margin_mode": 1,
        "fetch_leverage_tiers": 1, "fetch_time": 1,
    },
}
DEFAULT_WEIGHT = 1


def weight_of(market: Market, action: str) -> int:
    return WEIGHTS[market].get(action, DEFAULT_WEIGHT)


class WeightLimiter:
    """Count request weight and orders in Binance's windows; block before a limit is crossed."""

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._minute = -1
        self._used = 0
        self._orders: dict[float, tuple[int, int]] = {}  # window -> (window index, count)

    @property
    def used_weight(self) -> int:
        with self._lock:
            self._roll(self.clock())
            return self._used

    def _roll(self, now: float) -> None:
        minute = int(now // 60)
        if minute != self._minute:
            self._minute, self._used = minute, 0

    def _order_wait(self, now: float, orders: int) -> float:
        wait = 0.0
        for window, limit in self.limits.orders:
            index = int(now // window)
            seen_index, count = self._orders.get(window, (index, 0))
            count = count if seen_index == index else 0
            if count + orders > limit * self.limits.headroom:
                wait = max(wait, (index + 1) * window - now)
        return wait

    def acquire(self, weight: int, orders: int = 0) -> float:
        """Reserve ``weight`` (and ``orders``) now, sleeping until a window allows it; return seconds slept."""
        slept = 0.0
        while True:
            with self._lock:
                now = self.clock()
                self._roll(now)
                wait = 0.0
                if self._used + weight > self.limits.weight_per_minute * self.limits.headroom and self._used > 0:
                    wait = (self._minute + 1) * 60 - now
                if orders:
                    wait = max(wait, self._order_wait(now, orders))
                if wait <= 0:
                    self._used += weight
                    for window, _ in self.limits.orders if orders else ():
                        index = int(now // window)
                        seen_index, count = self._orders.get(window, (index, 0))
                        self._orders[window] = (index, (count if seen_index == index else 0) + orders)
                    return slept
            self.sleep(wait)
            slept += wait

    def update(self, headers: Mapping[str, str] | None) -> None:
        """Take the exchange's own count from ``X-MBX-USED-WEIGHT-1M`` and order-count headers."""
        if not headers:
            return
        with self._lock:
            now = self.clock()
            self._roll(now)
            for key, value in headers.items():
                name = key.lower()
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    continue
                if name == "x-mbx-used-weight-1m":
                    self._used = max(self._used, number)
                elif name.startswith("x-mbx-order-count-"):
                    window = _window_seconds(name.rsplit("-", 1)[-1])
                    if window is not None:
                        index = int(now // window)
                        seen_index, count = self._orders.get(window, (index, 0))
                        self._orders[window] = (index, max(number, count if seen_index == index else 0))


def _window_seconds(suffix: str) -> float | None:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return float(int(suffix[:-1]) * units[suffix[-1]])
    except (KeyError, ValueError):
        return None


_shared: dict[tuple[str, Market, Callable[[], float], Callable[[float], None]], WeightLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(address: str, market: Market, *, clock: Callable[[], float] = time.time,
                   sleep: Callable[[float], None] = time.sleep) -> WeightLimiter:
    """The process-wide limiter for the venue at ``address`` and ``market`` on ``clock`` (created on first use)."""
    with _shared_lock:
        key = (address, market, clock, sleep)
        if key not in _shared:
            _shared[key] = WeightLimiter(LIMITS[market], clock=clock, sleep=sleep)
        return _shared[key]
