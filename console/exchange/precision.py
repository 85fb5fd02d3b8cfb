"""A symbol's trading rules and the normalisation of quantities and prices to them.

Rounding goes through ccxt's ``decimal_to_precision`` in tick-size mode on strings, so no value
passes through float. Quantities are floored to the step (never buy or sell more than asked);
prices go to the nearest tick unless the caller names a safe side.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from ccxt.base.decimal_to_precision import NO_PADDING, ROUND, TICK_SIZE, TRUNCATE, decimal_to_precision

from console.domain import Market
from console.errors import InvalidOrder

ZERO = Decimal(0)


class Rounding(str, Enum):
    NEAREST = "nearest"
    DOWN = "down"
    UP = "up"


@dataclass(frozen=True, kw_only=True)
class SymbolRules:
    """The exchange's filters for one symbol, exact to the digit (Decimal from the raw strings).

    A zero ``market_step_size`` or ``market_max_qty`` means the market filter adds no limit.
    """

    symbol: str  # unified spot form, BTC/USDT
    market: Market
    base: str
    quote: str
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_step_size: Decimal
    market_min_qty: Decimal
    market_max_qty: Decimal
    tick_size: Decimal
    min_price: Decimal
    max_price: Decimal
    min_notional: Decimal
    min_notional_applies_to_market: bool = True
    taker_fee: Decimal = Decimal("0.001")
    maker_fee: Decimal = Decimal("0.001")

    def quantity_step(self, market_order: bool) -> Decimal:
        if market_order and self.market_step_size > self.step_size:
            return self.market_step_size
        return self.step_size

    def quantity_bounds(self, market_order: bool) -> tuple[Decimal, Decimal]:
        """Return (min, max) quantity; a max of 0 means unbounded."""
        if not market_order:
            return self.min_qty, self.max_qty
        low = max(self.min_qty, self.market_min_qty)
        highs = [q for q in (self.max_qty, self.market_max_qty) if q > 0]
        return low, min(highs) if highs else ZERO


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _filters(info: dict) -> dict[str, dict]:
    return {f.get("filterType"): f for f in info.get("filters", []) if isinstance(f, dict)}


def rules_from_ccxt_market(market: dict, console_market: Market) -> SymbolRules:
    """Build the rules from a ccxt market dict, preferring the raw filter strings in ``info``."""
    filters = _filters(market.get("info") or {})
    limits = market.get("limits") or {}
    precision = market.get("precision") or {}

    def pick(filter_type: str, key: str, fallback: Any) -> Decimal:
        raw = filters.get(filter_type, {}).get(key)
        value = _dec(raw) if raw is not None else _dec(fallback)
        return value if value is not None else ZERO

    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    min_notional = _dec(notional.get("minNotional", notional.get("notional")))
    if min_notional is None:
        min_notional = _dec((limits.get("cost") or {}).get("min")) or ZERO
    applies = notional.get("applyMinToMarket", notional.get("applyToMarket", True))
    amount, price, market_limits = limits.get("amount") or {}, limits.get("price") or {}, limits.get("market") or {}
    return SymbolRules(
        symbol=f"{market['base']}/{market['quote']}",
        market=console_market,
        base=market["base"],
        quote=market["quote"],
        step_size=pick("LOT_SIZE", "stepSize", precision.get("amount")),
        min_qty=pick("LOT_SIZE", "minQty", amount.get("min")),
        max_qty=pick("LOT_SIZE", "maxQty", amount.get("max")),
        market_step_size=pick("MARKET_LOT_SIZE", "stepSize", None),
        market_min_qty=pick("MARKET_LOT_SIZE", "minQty", market_limits.get("min")),
        market_max_qty=pick("MARKET_LOT_SIZE", "maxQty", market_limits.get("max")),
        tick_size=pick("PRICE_FILTER", "tickSize", precision.get("price")),
        min_price=pick("PRICE_FILTER", "minPrice", price.get("min")),
        max_price=pick("PRICE_FILTER", "maxPrice", price.get("max")),
        min_notional=min_notional,
        min_notional_applies_to_market=applies is True or str(applies).lower() == "true",
        taker_fee=_dec(market.get("taker")) or Decimal("0.001"),
        maker_fee=_dec(market.get("maker")) or Decimal("0.001"),
    )


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Truncate ``value`` to a multiple of ``step`` (a step of 0 leaves it unchanged)."""
    if step <= 0:
        return value
    return Decimal(decimal_to_precision(str(value), TRUNCATE, str(step), TICK_SIZE, NO_PADDING))


def round_to_tick(value: Decimal, tick: Decimal, rounding: Rounding = Rounding.NEAREST) -> Decimal:
    """Put ``value`` on the tick grid: nearest (half up, as ccxt's price_to_precision), down or up."""
    if tick <= 0:
        return value
    if rounding is Rounding.NEAREST:
        return Decimal(decimal_to_precision(str(value), ROUND, str(tick), TICK_SIZE, NO_PADDING))
    floored = floor_to_step(value, tick)
    if rounding is Rounding.UP and floored < value:
        return floored + tick
    return floored


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    return round_to_tick(value, step, Rounding.UP)


def plain(value: Decimal) -> str:
    """Format without exponent or trailing zeros: 0.00001, 95000, 0.95."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _short(value: Decimal) -> Decimal:
    """At most 8 decimals for messages (a quote amount converted to base has many more)."""
    return value if value.as_tuple().exponent >= -8 else value.quantize(Decimal("1e-8"))


def smallest_quantity(rules: SymbolRules, price: Decimal | None, *, market_order: bool) -> Decimal:
    """The smallest quantity the exchange accepts at ``price`` (min quantity and min notional)."""
    low, _ = rules.quantity_bounds(market_order)
    step = rules.quantity_step(market_order)
    low = ceil_to_step(low, step) if low > 0 else step
    if price and price > 0 and rules.min_notional > 0 and (rules.min_notional_applies_to_market or not market_order):
        low = max(low, ceil_to_step(rules.min_notional / price, step))
    return low


def _about(rules: SymbolRules, quantity: Decimal, price: Decimal | None) -> str:
    if not price:
        return ""
    quote_value = round_to_tick(quantity * price, Decimal("0.01") if quantity * price >= 1 else Decimal("0.0001"))
    return f" (≈ {plain(quote_value)} {rules.quote})"


def normalize_quantity(rules: SymbolRules, quantity: Decimal, *, market_order: bool,
                       price: Decimal | None = None, verb: str = "buy") -> Decimal:
    """Floor ``quantity`` to the step and check the min and max; raise InvalidOrder with the fix."""
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidOrder(f"quantity {quantity} for {rules.symbol} must be a positive number of {rules.base}")
    step = rules.quantity_step(market_order)
    normalised = floor_to_step(quantity, step)
    low, high = rules.quantity_bounds(market_order)
    if normalised < low or normalised <= 0:
        least = smallest_quantity(rules, price, market_order=market_order)
        raise InvalidOrder(
            f"{plain(quantity)} {rules.base} is below the minimum {plain(max(low, step))} {rules.base} "
            f"for {rules.symbol}; {verb} at least {plain(least)} {rules.base}{_about(rules, least, price)}"
        )
    if high > 0 and normalised > high:
        kind = "market orders" if market_order else "orders"
        raise InvalidOrder(
            f"{plain(quantity)} {rules.base} is above the maximum {plain(high)} {rules.base} for {kind} "
            f"on {rules.symbol}; split it into orders of at most {plain(high)} {rules.base}"
        )
    return normalised


def normalize_price(rules: SymbolRules, price: Decimal, rounding: Rounding = Rounding.NEAREST,
                    what: str = "price") -> Decimal:
    """Put ``price`` on the tick grid and check the price filter; raise InvalidOrder with the fix."""
    if not price.is_finite() or price <= 0:
        raise InvalidOrder(f"{what} {price} for {rules.symbol} must be a positive number of {rules.quote}")
    normalised = round_to_tick(price, rules.tick_size, rounding)
    if rules.min_price > 0 and normalised < rules.min_price:
        raise InvalidOrder(
            f"{what} {plain(price)} {rules.quote} is below the minimum {plain(rules.min_price)} "
            f"{rules.quote} for {rules.symbol}; use a {what} of at least {plain(rules.min_price)}"
        )
    if rules.max_price > 0 and normalised > rules.max_price:
        raise InvalidOrder(
            f"{what} {plain(price)} {rules.quote} is above the maximum {plain(rules.max_price)} "
            f"{rules.quote} for {rules.symbol}; use a {what} of at most {plain(rules.max_price)}"
        )
    return normalised


def check_notional(rules: SymbolRules, quantity: Decimal, price: Decimal, *, market_order: bool,
                   reduce_only: bool = False, verb: str = "buy") -> Decimal:
    """Return quantity × price; raise InvalidOrder when it is below the min notional."""
    notional = quantity * price
    exempt = reduce_only or (market_order and not rules.min_notional_applies_to_market)
    if not exempt and notional < rules.min_notional:
        least = smallest_quantity(rules, price, market_order=market_order)
        raise InvalidOrder(
            f"{plain(_short(quantity))} {rules.base} at {plain(price)} is worth {plain(_short(notional))} {rules.quote}, "
            f"below the minimum order value {plain(rules.min_notional)} {rules.quote} for {rules.symbol}; "
            f"{verb} at least {plain(least)} {rules.base}{_about(rules, least, price)}"
        )
    return notional


def sellable(rules: SymbolRules, amount: Decimal, price: Decimal, *, market_order: bool = True) -> bool:
    """Tell whether ``amount`` of the base asset can be sold in one order at ``price``."""
    quantity = floor_to_step(amount, rules.quantity_step(market_order))
    low, _ = rules.quantity_bounds(market_order)
    if quantity <= 0 or quantity < low:
        return False
    exempt = market_order and not rules.min_notional_applies_to_market
    return exempt or quantity * price >= rules.min_notional


def check_remainder(rules: SymbolRules, held: Decimal, quantity: Decimal, price: Decimal,
                    *, market_order: bool = True) -> Decimal:
    """Refuse a sell of ``quantity`` out of ``held`` that leaves an unsellable remainder.

    A remainder smaller than one step is unavoidable and allowed; a remainder of at least a step
    that is still below the min quantity or min notional could never be sold on its own.
    Return the remainder.
    """
    remainder = held - quantity
    step = rules.quantity_step(market_order)
    if remainder <= 0 or floor_to_step(remainder, step) <= 0:
        return max(remainder, ZERO)
    if not sellable(rules, remainder, price, market_order=market_order):
        everything = floor_to_step(held, step)
        raise InvalidOrder(
            f"selling {plain(quantity)} {rules.base} would leave {plain(remainder)} {rules.base}"
            f"{_about(rules, remainder, price)}, too little to sell on {rules.symbol} later; "
            f"sell all {plain(everything)} {rules.base} instead"
        )
    return remainder
