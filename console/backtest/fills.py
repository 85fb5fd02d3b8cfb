"""The paper exchange's fill and fee model, in numbers the backtest settles with.

The same numbers as ``console/paper`` (book.py's half spread, spot.py's and futures.py's taker
fees); the backtest keeps its own copy so the client side shares no code with the paper exchange,
and ``tests/backtest/test_fills.py`` holds the two in step.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

HALF_SPREAD = Decimal("0.00005")  # a market buy pays the price x (1 + this), a sell gets x (1 - this)
SPOT_FEE = Decimal("0.001")  # taker and maker, in the asset received
FUTURES_TAKER = Decimal("0.0005")  # in USDT, of the notional
EIGHT = Decimal("0.00000001")


def round8(value: Decimal) -> Decimal:
    """Round a commission to 8 decimals, half up, as the exchange does."""
    return value.quantize(EIGHT, rounding=ROUND_HALF_UP)


def _to_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    if tick == 0:
        return value
    return (value / tick).to_integral_value(rounding=rounding) * tick


def ask(price: Decimal, tick: Decimal) -> Decimal:
    """Return what a buyer pays at the feed price ``price``: half a spread above, up to the tick."""
    return _to_tick(price * (1 + HALF_SPREAD), tick, ROUND_UP)


def bid(price: Decimal, tick: Decimal) -> Decimal:
    """Return what a seller gets at the feed price ``price``: half a spread below, down to the tick."""
    return _to_tick(price * (1 - HALF_SPREAD), tick, ROUND_DOWN)


def floor_step(value: Decimal, step: Decimal) -> Decimal:
    """Round a quantity down to the step (the exchange's rounding of a quote-amount buy)."""
    return _to_tick(value, step, ROUND_DOWN)
