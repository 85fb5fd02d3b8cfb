"""Numbers as a trader reads them: one module for pages, messages and CSV.

Every function takes a Decimal (or anything ``Decimal(str(x))`` reads: int, float, str) and returns
a string without an exponent; ``None`` (and NaN) becomes ``""``, a blank cell. Prices go to the
symbol's tick, quantities to its step, money to 2 decimals with its asset, percentages to one
decimal; ``plain`` writes the exact value for CSV.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Protocol

CENT = Decimal("0.01")
SATOSHI = Decimal("0.00000001")  # the finest amount Binance keeps a balance in
# Assets counted in cents: fiat and the stablecoins Binance quotes in.
CASH = frozenset({"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI", "USDP", "USD", "EUR", "GBP", "TRY", "BRL"})


class _Rules(Protocol):
    tick_size: Decimal
    step_size: Decimal


def number(value: object) -> Decimal | None:
    """Read ``value`` as a finite Decimal; None for None, NaN, infinity or text that is no number."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        found = value
    else:
        try:
            found = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            return None
    return found if found.is_finite() else None


def to_unit(value: object, unit: Decimal | None, rounding: str = ROUND_HALF_EVEN) -> Decimal | None:
    """Round ``value`` to a multiple of ``unit`` (half-even unless told); None for no number. A unit <= 0
    keeps it."""
    found = number(value)
    if found is None:
        return None
    if unit is None or unit <= 0:
        return found
    with localcontext() as context:
        context.prec = 200  # exact for any price or quantity a venue sends
        steps = (found / unit).quantize(Decimal(1), rounding=rounding)
        rounded = (steps * unit).quantize(_exponent(unit), rounding=ROUND_HALF_EVEN)
        return rounded + 0  # -0.00 becomes 0.00


def price(value: object, rules_or_tick: _Rules | Decimal | str | None) -> str:
    """Write a price to the symbol's tick (``SymbolRules`` or the tick itself): 9403.43 for tick 0.01."""
    tick = getattr(rules_or_tick, "tick_size", rules_or_tick)
    return _written(to_unit(value, number(tick)))


def qty(value: object, step: _Rules | Decimal | str | None) -> str:
    """Write a quantity to the symbol's step (``SymbolRules`` or the step itself): 0.063 for step 0.001."""
    unit = getattr(step, "step_size", step)
    return _written(to_unit(value, number(unit)))


def money(value: object, asset: str = "") -> str:
    """Write an amount of money: thousands separators, 2 decimals and its asset, like ``-1,234.50 USDT``."""
    found = to_unit(value, CENT)
    if found is None:
        return ""
    return f"{found:,.2f} {asset}".rstrip()


def amount(value: object, asset: str, unit: Decimal | str | None = CENT, *, up: bool | None = None) -> str:
    """Write an amount of ``asset`` to ``unit`` with thousands separators: ``297,058.59 USDT``.

    ``up=True`` rounds up (what is needed, a shortfall), ``up=False`` down (what is free), ``None``
    to the nearest; so a message never says less is needed or more is free than is true.
    """
    rounding = ROUND_HALF_EVEN if up is None else ROUND_CEILING if up else ROUND_FLOOR
    found = to_unit(value, number(unit), rounding)
    if found is None:
        return ""
    places = max(0, -int(found.as_tuple().exponent))
    return f"{found:,.{places}f} {asset}".rstrip()


def balance(value: object, asset: str) -> str:
    """Write a balance with its asset: cash to the cent (``10,000.00 USDT``), coins as Binance keeps them,
    up to 8 decimals without trailing zeros (``0.01065 BTC``)."""
    if asset.upper() in CASH:
        return money(value, asset)
    found = to_unit(value, SATOSHI)
    if found is None:
        return ""
    return f"{plain(found)} {asset}".rstrip()


def pct(fraction: object) -> str:
    """Write a fraction as a percentage with one decimal: 0.1234 -> ``12.3%``."""
    found = number(fraction)
    if found is None:
        return ""
    with localcontext() as context:
        context.prec = 200
        return f"{to_unit(found * 100, Decimal('0.1')):f}%"


def plain(value: object) -> str:
    """Write the exact value for CSV: no exponent, no trailing zeros, ``0`` for zero, ``""`` for None."""
    found = number(value)
    if found is None:
        return ""
    if found == 0:
        return "0"
    text = f"{found:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _exponent(unit: Decimal) -> Decimal:
    """The quantum of ``unit``'s last significant digit: 0.010 -> 0.01, 10 -> 1."""
    exponent = unit.normalize().as_tuple().exponent
    return Decimal(1).scaleb(min(int(exponent), 0))


def _written(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"
