"""Backoff, ban gate, weight limiter and error translation, with an injected clock and sleep."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import ccxt
import pytest

from console.domain import Market
from console.errors import (
    AuthenticationFailed,
    Banned,
    ClockSkew,
    ExchangeTimeout,
    ExchangeUnavailable,
    InsufficientBalance,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    UnknownSymbol,
    VenueUnreachable,
)
from console.exchange.limiter import LIMITS, WeightLimiter
from console.exchange.retry import BanGate, RetryPolicy, call_with_retry
from console.exchange.translate import translate


class FakeTime:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def failing(errors):
    calls = []

    def call():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    return call, calls


def test_full_jitter_stays_under_the_doubling_cap():
    policy = RetryPolicy(base_delay=0.25, max_delay=8.0)
    assert [policy.delay(n, lambda: 1.0) for n in range(7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.delay(3, lambda: 0.5) == 1.0 and policy.delay(3, lambda: 0.0) == 0.0


def test_temporary_errors_are_retried_then_raised():
    t = FakeTime()
    call, calls = failing([ExchangeTimeout("t"), ExchangeUnavailable("u")])
    assert call_with_retry(call, policy=RetryPolicy(), sleep=t.sleep, rng=lambda: 1.0) == "ok"
    assert len(calls) == 3 and t.slept == [0.25, 0.5]
    call, calls = failing([ExchangeTimeout("t")] * 9)
    with pytest.raises(ExchangeTimeout):
        call_with_retry(call, policy=RetryPolicy(attempts=4), sleep=t.sleep, rng=lambda: 1.0)
    assert len(calls) == 4


def test_retry_after_is_honoured_and_a_long_one_is_handed_back():
    t = FakeTime()
    call, _ = failing([RateLimited("429", retry_after=7.0)])
    call_with_retry(call, policy=RetryPolicy(), sleep=t.sleep, rng=lambda: 1.0)
    assert t.slept == [7.0]
    call, _ = failing([RateLimited("429", retry_after=600.0)])
    with pytest.raises(RateLimited):
        call_with_retry(call, policy=RetryPolicy(), sleep=t.sleep, rng=lambda: 1.0)


def test_clock_skew_resyncs_and_retries_once():
    resyncs = []
    call, calls = failing([ClockSkew("-1021")])
    assert call_with_retry(call, policy=RetryPolicy(), sleep=lambda s: None, rng=lambda: 0, resync=lambda: resyncs.append(1)) == "ok"
    assert resyncs == [1]
    call, calls = failing([ClockSkew("-1021"), ClockSkew("-1021")])
    with pytest.raises(ClockSkew):
        call_with_retry(call, policy=RetryPolicy(), sleep=lambda s: None, rng=lambda: 0, resync=lambda: None)
    assert len(calls) == 2


def test_errors_that_need_a_person_are_not_retried():
    call, calls = failing([AuthenticationFailed("key")])
    with pytest.raises(AuthenticationFailed):
        call_with_retry(call, policy=RetryPolicy(), sleep=lambda s: None, rng=lambda: 0)
    assert len(calls) == 1


def test_ban_gate_blocks_until_the_ban_ends():
    gate, now = BanGate(), datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    gate.ban(now + timedelta(seconds=90))
    with pytest.raises(Banned, match="until 12:01:30 UTC, 90 s from now") as caught:
        gate.check(now, "Binance paper spot")
    assert caught.value.until == now + timedelta(seconds=90)
    gate.check(now + timedelta(seconds=90), "Binance paper spot")
    assert gate.until(now) is None


def test_limiter_waits_for_the_next_minute_when_the_weight_is_spent():
    t = FakeTime(start=120.0)
    limiter = WeightLimiter(LIMITS[Market.FUTURES], clock=t.clock, sleep=t.sleep)
    limiter.update({"X-MBX-USED-WEIGHT-1M": "2150"})  # other clients on this IP used most of it
    assert limiter.used_weight == 2150
    assert limiter.acquire(5) == 0.0  # 2155 <= 2160 (90 % of 2400)
    t.now += 30
    assert limiter.acquire(20) == 30.0  # waits for the minute to roll over
    assert limiter.used_weight == 20 and t.now == 180.0


def test_limiter_counts_orders_per_ten_seconds():
    t = FakeTime(start=1000.0)
    limiter = WeightLimiter(LIMITS[Market.SPOT], clock=t.clock, sleep=t.sleep)
    for _ in range(90):
        limiter.acquire(1, orders=1)
    assert t.slept == []
    limiter.acquire(1, orders=1)
    assert t.slept == [10.0]


def error(cls, message):
    return cls(message)


@pytest.mark.parametrize("ccxt_error, headers, expected", [
    (ccxt.RequestTimeout("binance POST http://x/api/v3/order"), None, ExchangeTimeout),
    (ccxt.DDoSProtection("binance 429 Too Many Requests {}"), {"Retry-After": "3"}, RateLimited),
    (ccxt.RateLimitExceeded('binance {"code":-1003}'), None, RateLimited),
    (ccxt.InvalidNonce('binance {"code":-1021}'), None, ClockSkew),
    (ccxt.ExchangeNotAvailable("binance GET http://x 503 Service Unavailable"), None, ExchangeUnavailable),
    (ccxt.NetworkError("binance POST http://x"), None, ExchangeUnavailable),
    (ccxt.AuthenticationError('binance {"code":-2015}'), None, AuthenticationFailed),
    (ccxt.InsufficientFunds('binance {"code":-2019}'), None, InsufficientBalance),
    (ccxt.OrderNotFound('binance {"code":-2013}'), None, OrderNotFound),
    (ccxt.BadSymbol('binance {"code":-1121}'), None, UnknownSymbol),
    (ccxt.BadRequest('binance {"code":-1013,"msg":"Filter failure: LOT_SIZE"}'), None, OrderRejected),
    (ccxt.InvalidOrder('binance {"code":-2010}'), None, OrderRejected),
])
def test_translation_table(ccxt_error, headers, expected):
    translated = translate(ccxt_error, action="create order", venue="Binance paper spot", headers=headers)
    assert type(translated) is expected
    if expected is RateLimited and headers:
        assert translated.retry_after == 3.0


def test_418_becomes_a_ban_ending_after_retry_after():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    banned = translate(ccxt.DDoSProtection("binance 418 I'm a teapot {}"), action="x", venue="v",
                       headers={"retry-after": "120"}, now=now)
    assert isinstance(banned, Banned) and banned.until == now + timedelta(seconds=120)


def test_refused_connection_is_unreachable():
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as inner:
            raise ccxt.NetworkError("binance GET http://127.0.0.1:1/api/v3/time") from inner
    except ccxt.NetworkError as e:
        assert isinstance(translate(e, action="x", venue="v"), VenueUnreachable)
