"""Retries of temporary errors, the ban gate and the clock resync.

Reads are retried on timeouts, 5xx, dropped connections and 429s with exponential backoff and
full jitter (a random delay between 0 and ``base_delay * 2**attempt``, capped), waiting at least
the exchange's Retry-After. A -1021 clock error resyncs the clock offset and retries once.
An order is never sent twice blindly: after an unclear outcome (timeout, 5xx, dropped connection,
429) ``send_resolved`` looks it up by its client order id and sends it again, with the same id,
only when the exchange confirms it has no such order.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

from console.errors import (
    Banned,
    ClockSkew,
    ConsoleError,
    ExchangeTimeout,
    ExchangeUnavailable,
    OrderNotFound,
    RateLimited,
    TemporaryError,
)

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    base_delay: float = 0.25  # seconds; the jitter ceiling doubles per retry
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After is handed to the caller instead of waited out

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("attempts must be at least 1 and delays must not be negative")

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**attempt)]."""
        return rng() * min(self.max_delay, self.base_delay * (2 ** attempt))


class BanGate:
    """Remembers a 418 ban for one venue address; nothing is sent there until it ends."""

    def __init__(self) -> None:
        self._until: datetime | None = None
        self._lock = threading.Lock()

    def until(self, now: datetime) -> datetime | None:
        with self._lock:
            if self._until is not None and now >= self._until:
                self._until = None
            return self._until

    def ban(self, until: datetime) -> None:
        with self._lock:
            if self._until is None or until > self._until:
                self._until = until

    def check(self, now: datetime, venue: str) -> None:
        """Raise Banned while the ban lasts."""
        until = self.until(now)
        if until is not None:
            seconds = (until - now).total_seconds()
            raise Banned(f"{venue} banned this IP (HTTP 418) until {until:%H:%M:%S} UTC, {seconds:.0f} s from now; "
                         "nothing is sent before then; lower the number of bots or their frequency", until=until)


_gates: dict[tuple[str, str], BanGate] = {}
_gates_lock = threading.Lock()


def shared_gate(address: str, market: str) -> BanGate:
    """The process-wide ban gate of ``market`` at the venue ``address`` (Binance bans per API cluster)."""
    with _gates_lock:
        return _gates.setdefault((address, market), BanGate())


def utc(clock: Callable[[], float]) -> datetime:
    return datetime.fromtimestamp(clock(), tz=timezone.utc)


def call_with_retry(call: Callable[[], T], *, policy: RetryPolicy, sleep: Callable[[float], None],
                    rng: Callable[[], float], resync: Callable[[], None] | None = None) -> T:
    """Run ``call``, retrying temporary errors per ``policy``; re-raise the last one."""
    attempt = 0
    resynced = False
    while True:
        try:
            return call()
        except ClockSkew:
            if resync is None or resynced:
                raise
            resync()
            resynced = True
            continue
        except RateLimited as e:
            wait = e.retry_after or 0.0
            if attempt + 1 >= policy.attempts or wait > policy.max_retry_after:
                raise
            sleep(max(wait, policy.delay(attempt, rng)))
        except (ExchangeTimeout, ExchangeUnavailable):
            if attempt + 1 >= policy.attempts:
                raise
            sleep(policy.delay(attempt, rng))
        attempt += 1


class Unresolved(Exception):
    """An order whose fate could not be learned; ``error`` says so and its journal entry stays pending."""

    def __init__(self, error: ConsoleError) -> None:
        super().__init__(str(error))
        self.error = error


def send_resolved(send: Callable[[], T], find: Callable[[], T], *, what: str, policy: RetryPolicy,
                  sleep: Callable[[float], None], rng: Callable[[], float], resync: Callable[[], None]) -> T:
    """Send an order; after an unclear outcome ``find`` it, sending again only if it is confirmed absent.

    ``find`` raises OrderNotFound when the exchange has no such order. A -1021 answer means the
    order was refused, so it is sent again once after a clock resync. Raise Unresolved when the
    order may exist but could not be looked up; re-raise the send error when every try was refused.
    """
    resynced, attempt = False, 0
    while True:
        try:
            return send()
        except ClockSkew:
            if resynced:
                raise
            resync()
            resynced = True
            continue
        except TemporaryError as e:
            found = _find_after(find, e, attempt, what=what, policy=policy, sleep=sleep, rng=rng, resync=resync)
            attempt += 1
            if found is not None:
                return found
            if attempt >= policy.attempts:
                raise


def _find_after(find: Callable[[], T], cause: TemporaryError, attempt: int, *, what: str, policy: RetryPolicy,
                sleep: Callable[[float], None], rng: Callable[[], float], resync: Callable[[], None]) -> T | None:
    wait = getattr(cause, "retry_after", None)
    for tries in range(policy.attempts):
        sleep(max(wait or 0.0, policy.delay(attempt + tries, rng)))
        wait = None
        try:
            return find()
        except OrderNotFound:
            return None
        except ClockSkew:
            resync()
        except RateLimited as e:
            wait = e.retry_after
        except TemporaryError:
            pass
        except ConsoleError as e:
            raise Unresolved(type(cause)(f"{what} may or may not be placed ({e}); it stays pending and is "
                                         "reconciled before bots trade")) from e
    raise Unresolved(type(cause)(f"{what} got no clear answer and could not be looked up; it stays pending "
                                 "and is reconciled before bots trade")) from cause
