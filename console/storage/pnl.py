"""Realised PnL rules, as pure functions on Decimals.

Spot: FIFO lots per bot (or account, for manual trades) and symbol. A buy opens a
lot whose cost is the quote spent plus the commission; a commission in the base
asset shrinks the lot instead. A sell consumes lots oldest first; its PnL is the
net proceeds (quote received minus the commission valued in quote) minus the cost
of the quantity consumed. A commission in the base asset on a sell consumes that
much more from the lots. A sold quantity beyond the recorded lots (holdings from
before the console) has no known cost: its share of the proceeds is left out.

Futures: the exchange's realised PnL minus the commission in quote.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from console.domain import split_symbol
from console.errors import InvalidInput

STEP = Decimal("1e-18")  # the store's DECIMAL(38,18) scale
ZERO = Decimal(0)


def to_store(value: Decimal) -> Decimal:
    """Round to the store's 18 decimal places."""
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(STEP)


def from_store(value: Decimal | None) -> Decimal | None:
    """Drop the trailing zeros of a stored amount (``1.500000000000000000`` -> ``1.5``)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@dataclass(frozen=True)
class Lot:
    """An open spot position: base ``quantity`` bought for ``cost`` quote (commission included)."""

    quantity: Decimal
    cost: Decimal


def commission_in_quote(
    symbol: str, price: Decimal, commission: Decimal, commission_asset: str, given: Decimal | None
) -> Decimal:
    """Value the commission in the quote asset; another asset (BNB) needs ``given``."""
    if given is not None:
        return given
    base, quote = split_symbol(symbol)
    if commission == 0 or commission_asset == quote:
        return commission
    if commission_asset == base:
        return to_store(commission * price)
    raise InvalidInput(
        f"a {symbol} commission paid in {commission_asset} needs its value in {quote}; "
        "pass commission_quote (the commission times its price at the fill)"
    )


def open_lot(symbol: str, quantity: Decimal, quote_quantity: Decimal, commission: Decimal,
             commission_asset: str, commission_quote: Decimal) -> Lot:
    """The lot a spot buy opens."""
    base, _ = split_symbol(symbol)
    if commission_asset == base:
        return Lot(quantity - commission, quote_quantity)
    return Lot(quantity, quote_quantity + commission_quote)


def close_lots(lots: list[Lot], symbol: str, quantity: Decimal, quote_quantity: Decimal,
               commission: Decimal, commission_asset: str, commission_quote: Decimal
               ) -> tuple[Decimal, list[Lot], Decimal]:
    """Apply a spot sell to ``lots`` (oldest first).

    Return (pnl, the lots left, the base quantity matched against lots).
    """
    base, _ = split_symbol(symbol)
    if commission_asset == base:
        consume, proceeds = quantity + commission, quote_quantity
    else:
        consume, proceeds = quantity, quote_quantity - commission_quote
    left = list(lots)
    matched, cost = ZERO, ZERO
    with localcontext() as ctx:
        ctx.prec = 60
        while left and matched < consume:
            lot = left[0]
            take = min(lot.quantity, consume - matched)
            if take == lot.quantity:
                part = lot.cost
                left.pop(0)
            else:
                part = to_store(lot.cost * take / lot.quantity)
                left[0] = Lot(lot.quantity - take, lot.cost - part)
            matched += take
            cost += part
        if matched == 0:
            return ZERO, left, ZERO
        counted = proceeds if matched == consume else proceeds * matched / consume
        return to_store(counted - cost), left, matched


def futures_pnl(realized_pnl: Decimal | None, commission_quote: Decimal) -> Decimal:
    """Net PnL of a futures fill."""
    return to_store((realized_pnl or ZERO) - commission_quote)
