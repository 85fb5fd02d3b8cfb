"""USD-M funding and isolated liquidation: the one model the backtest and the paper exchange share.

Binance's formulas (its support pages "How to Calculate Liquidation Price of USDⓈ-M Futures
Contracts" and "Introduction to Binance Futures Funding Rates"):

- Liquidation price of an isolated one-way position (cross terms TMM1 = UPNL1 = 0, WB the
  position's isolated wallet)::

      LP = (WB + cumB - side * position * entry) / (position * MMR - side * position)

  with ``side`` 1 long / -1 short, ``position`` the absolute size, MMR and cumB (maintenance
  amount) from the symbol's leverage bracket. The bracket is the one the position's notional
  *at the liquidation price* falls in: when it differs from the bracket at the entry price, the
  price is computed again with that bracket's rate and amount.
- Funding at each funding time: ``payment = position (signed) * mark price * funding rate``; a long
  pays a positive rate, a short receives it (and the reverse for a negative rate). On an isolated
  position it moves the isolated wallet too, so the liquidation price moves with it.

The mark price on the paper exchange and in the backtest is the traded price on the candle path
(open -> low / high -> high / low -> close, in thirds of a candle; ``price_on_candle``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

ZERO = Decimal(0)
EIGHT = Decimal("0.00000001")
DEFAULT_FUNDING_RATE = Decimal("0.0001")  # Binance's interest rate per 8 h with a zero premium
FUNDING_INTERVAL_MS = 28_800_000  # 00:00, 08:00, 16:00 UTC
# Every figure is worked in this context, whatever the caller's thread has set: the backtest and the
# paper exchange's server threads must round alike.
CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


def bracket_for(brackets: Iterable[Mapping[str, Any]], notional: Decimal) -> tuple[Decimal, Decimal]:
    """The maintenance margin rate and maintenance amount of the bracket ``notional`` falls in."""
    rows = list(brackets)
    for b in rows:
        if notional <= Decimal(str(b["notionalCap"])):
            return Decimal(str(b["maintMarginRatio"])), Decimal(str(b["cum"]))
    last = rows[-1]
    return Decimal(str(last["maintMarginRatio"])), Decimal(str(last["cum"]))


def liquidation_price(amount: Decimal, entry: Decimal, isolated_wallet: Decimal,
                      brackets: Iterable[Mapping[str, Any]]) -> Decimal:
    """Binance's liquidation price of an isolated one-way position (``amount`` signed, negative short).

    Zero when the position cannot be liquidated (a long whose margin covers a fall to zero, or no
    position), to 8 decimals as positionRisk reports it.
    """
    if not amount:
        return ZERO
    rows = list(brackets)
    with localcontext(CONTEXT):
        q, side = abs(amount), Decimal(1 if amount > 0 else -1)
        mmr, cum = bracket_for(rows, q * entry)
        price = ZERO
        for _ in range(len(rows)):
            price = (isolated_wallet + cum - side * q * entry) / (q * mmr - side * q)
            if price <= 0:
                return ZERO
            again = bracket_for(rows, q * price)
            if again == (mmr, cum):
                break
            mmr, cum = again
        return price.quantize(EIGHT)


def liquidation_fill_price(liquidation: Decimal, tick: Decimal | None, long: bool) -> Decimal:
    """The price the liquidation order of a position fills at: its liquidation price on the tick,
    rounded against the position (down for a long, up for a short)."""
    if not tick:
        return liquidation
    rounding = ROUND_FLOOR if long else ROUND_CEILING
    with localcontext(CONTEXT):
        return (liquidation / tick).to_integral_value(rounding=rounding) * tick


def crossed(amount: Decimal, liquidation: Decimal, low: Decimal, high: Decimal) -> bool:
    """Whether a mark price moving within [low, high] reached the liquidation price of the position."""
    if not amount or liquidation <= 0:
        return False
    return low <= liquidation if amount > 0 else high >= liquidation


def funding_payment(amount: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What a position pays at a funding time (negative: what it receives), to 8 decimals."""
    with localcontext(CONTEXT):
        return (amount * mark * rate).quantize(EIGHT)


def funding_times(start_ms: int, end_ms: int, interval_ms: int = FUNDING_INTERVAL_MS) -> range:
    """The funding times in (start_ms, end_ms] on Binance's 8-hour grid."""
    return range((start_ms // interval_ms + 1) * interval_ms, end_ms + 1, interval_ms)


def price_on_candle(o: float, h: float, low: float, c: float, frac: float) -> float:
    """The price ``frac`` (0..1) of the way through a candle on the path the paper feed walks:
    open -> low -> high -> close for a rising candle, open -> high -> low -> close for a falling one,
    one third of the candle each."""
    vertices = (o, low, h, c) if c >= o else (o, h, low, c)
    frac = min(max(frac, 0.0), 1.0)
    k = min(int(frac * 3), 2)
    a, b = vertices[k], vertices[k + 1]
    return a + (b - a) * (frac * 3 - k)


def feed_decimal(value: float) -> Decimal:
    """A feed price as the paper exchange reads it (10 significant digits)."""
    return Decimal(f"{value:.10g}")
