"""The Decimal rounding of console.exchange.precision against ccxt's decimal_to_precision, its reference.

Seeded random values and steps (Binance's own steps and ticks, and odd ones like 0.25 or 50), plus
the awkward cases: exact multiples, half-way points, negatives, zeros, positive exponents and the
20 + 20 digits Binance reads. The results must agree in value and in how they are written.
"""
from __future__ import annotations

import random
from decimal import Context, Decimal, localcontext

import pytest
from ccxt.base.decimal_to_precision import NO_PADDING, ROUND, TICK_SIZE, TRUNCATE, decimal_to_precision

from console.exchange.precision import Rounding, ceil_to_step, floor_to_step, round_to_tick

STEPS = [Decimal(s) for s in (
    "0.00000001", "0.0000001", "0.000001", "0.00001", "0.0001", "0.001", "0.01", "0.1", "1", "10", "100", "1000",
    "0.00000000000000000001", "0.5", "0.25", "0.05", "0.0025", "5", "2.5", "50", "0.010", "1.0", "0.00002", "7",
)]


def ccxt_floor(value: Decimal, step: Decimal) -> Decimal:
    """The rounding precision.py used before: ccxt's truncation in tick-size mode, on strings."""
    with localcontext(Context(prec=60)):
        return Decimal(decimal_to_precision(str(value), TRUNCATE, str(step), TICK_SIZE, NO_PADDING))


def ccxt_nearest(value: Decimal, tick: Decimal) -> Decimal:
    with localcontext(Context(prec=60)):
        return Decimal(decimal_to_precision(str(value), ROUND, str(tick), TICK_SIZE, NO_PADDING))


def ccxt_up(value: Decimal, tick: Decimal) -> Decimal:
    floored = ccxt_floor(value, tick)
    return floored + tick if floored < value else floored


def random_value(rng: random.Random, step: Decimal) -> Decimal:
    """A value near the step's scale or far from it, sometimes on the grid or half-way between two points."""
    kind = rng.randrange(6)
    if kind == 0:  # on the grid
        return step * rng.randrange(0, 10**rng.randrange(1, 12))
    if kind == 1:  # exactly half-way
        return step * rng.randrange(0, 10**6) + step / 2
    if kind == 2:  # a hair either side of a grid point
        return step * rng.randrange(1, 10**6) + rng.choice((1, -1)) * step / 10**rng.randrange(1, 10)
    if kind == 3:  # up to 20 digits before and 20 after the point
        return Decimal(f"{rng.randrange(10**rng.randrange(1, 21))}.{rng.randrange(10**20):020d}")
    if kind == 4:  # written with a positive exponent or trailing zeros
        return Decimal(f"{rng.randrange(1, 1000)}E+{rng.randrange(0, 6)}") if rng.random() < 0.5 \
            else Decimal(f"{rng.randrange(10**6)}.{rng.randrange(10**4):04d}0000")
    digits, places = rng.randrange(1, 16), rng.randrange(0, 24)
    return Decimal(rng.randrange(10**digits)).scaleb(-places)


def cases(seed: int, count: int) -> list[tuple[Decimal, Decimal]]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        step = rng.choice(STEPS)
        value = random_value(rng, step)
        found.append((-value if rng.random() < 0.15 else value, step))
    return found


EDGES = [(Decimal(v), Decimal(s)) for v, s in (
    ("0", "0.01"), ("-0", "0.01"), ("-0.000001", "0.01"), ("0.005", "0.01"), ("-0.005", "0.01"), ("0.0049999", "0.01"),
    ("1E+2", "1"), ("1E+2", "0.01"), ("120", "10"), ("125", "10"),
    ("99999999999999999999.99999999999999999999", "0.01"),
    ("0.01065000", "0.00001"), ("30000.005", "0.01"), ("30000.00", "0.01"), ("0.1", "0.3"), ("7", "0.25"),
    ("0.00000000000000000001", "0.00000000000000000001"), ("5E-21", "0.00000000000000000001"),
)]


@pytest.mark.parametrize("value, step", EDGES + cases(seed=20250807, count=4000))
def test_the_rounding_matches_ccxt_in_value_and_writing(value: Decimal, step: Decimal) -> None:
    assert str(floor_to_step(value, step)) == str(ccxt_floor(value, step))
    assert str(round_to_tick(value, step, Rounding.DOWN)) == str(ccxt_floor(value, step))
    assert str(round_to_tick(value, step)) == str(ccxt_nearest(value, step))
    assert str(round_to_tick(value, step, Rounding.UP)) == str(ccxt_up(value, step))
    assert str(ceil_to_step(value, step)) == str(ccxt_up(value, step))


@pytest.mark.parametrize("seed", range(5))
def test_the_rounding_lands_on_the_grid_on_the_promised_side(seed: int) -> None:
    for value, step in cases(seed, 400):
        down, up, near = floor_to_step(value, step), ceil_to_step(value, step), round_to_tick(value, step)
        with localcontext(Context(prec=80)):
            for rounded in (down, up, near):
                assert rounded % step == 0
            assert abs(down) <= abs(value) and abs(value - down) < step
            assert up >= value and up - value < step
            assert abs(near - value) <= step / 2


def test_the_rounding_leaves_the_callers_context_alone() -> None:
    with localcontext() as context:
        context.prec = 5
        traps, rounding = dict(context.traps), context.rounding
        assert floor_to_step(Decimal("123456789.123456789"), Decimal("0.00000001")) == Decimal("123456789.12345678")
        assert round_to_tick(Decimal("123456789.123456785"), Decimal("0.00000001")) == Decimal("123456789.12345679")
        assert (context.prec, dict(context.traps), context.rounding) == (5, traps, rounding)
