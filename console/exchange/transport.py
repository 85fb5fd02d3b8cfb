"""Every ccxt call of a client goes through here: ban gate, weight limiter, error translation, retries."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import ccxt

from console.domain import Market
from console.errors import Banned
from console.exchange.limiter import WeightLimiter, weight_of
from console.exchange.retry import BanGate, RetryPolicy, call_with_retry, send_resolved, utc
from console.exchange.translate import translate

T = TypeVar("T")


class Transport:
    """Send ccxt calls for one (venue, market) and turn their failures into console errors."""

    def __init__(self, exchange: ccxt.Exchange, *, market: Market, venue_name: str, limiter: WeightLimiter,
                 gate: BanGate, policy: RetryPolicy = RetryPolicy(), clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random) -> None:
        self.exchange = exchange
        self.market = market
        self.venue_name = venue_name
        self.limiter = limiter
        self.gate = gate
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.resyncs = 0

    def once(self, action: str, call: Callable[..., T], *args: Any, weight: int | None = None,
             orders: int = 0, **kwargs: Any) -> T:
        """Send one request; raise the translated error (ccxt's attached as the cause)."""
        self.gate.check(utc(self.clock), self.venue_name)
        self.limiter.acquire(weight_of(self.market, action) if weight is None else weight, orders)
        self.exchange.last_response_headers = None
        try:
            result = call(*args, **kwargs)
        except ccxt.BaseError as e:
            headers = self.exchange.last_response_headers
            self.limiter.update(headers)
            error = translate(e, action=action.replace("_", " "), venue=self.venue_name, headers=headers,
                              now=utc(self.clock))
            if isinstance(error, Banned) and error.until is not None:
                self.gate.ban(error.until)
            raise error from e
        self.limiter.update(self.exchange.last_response_headers)
        return result

    def read(self, action: str, call: Callable[..., T], *args: Any, weight: int | None = None, **kwargs: Any) -> T:
        """Send a request that changes nothing, retrying temporary errors per the policy."""
        return call_with_retry(lambda: self.once(action, call, *args, weight=weight, **kwargs),
                               policy=self.policy, sleep=self.sleep, rng=self.rng, resync=self.resync)

    def resync(self) -> None:
        """Measure the offset between this clock and the exchange's; ccxt signs with it from now on."""
        self.once("fetch_time", self.exchange.load_time_difference)
        self.resyncs += 1

    def send_order(self, send: Callable[[], T], find: Callable[[], T], what: str) -> T:
        """Send an order so that it is never duplicated (see retry.send_resolved)."""
        return send_resolved(send, find, what=what, policy=self.policy, sleep=self.sleep, rng=self.rng,
                             resync=self.resync)
