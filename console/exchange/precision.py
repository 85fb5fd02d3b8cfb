"""The normalisation of quantities and prices to a symbol's trading rules (console.exchange.rules).

Rounding is plain Decimal arithmetic in a 60-digit context of its own (the same results as ccxt's
``decimal_to_precision`` in tick-size mode, a fifth of the time), so no value passes through float.
Quantities are floored to the step (never buy or sell more than asked); prices go to the nearest
tick (half away from zero) unless the caller names a safe side.

Every value a person typed is bounded (finite, positive, at most 20 digits before the point, as
Binance reads them) before it is rounded, so no input reaches a Decimal operation that overflows
its precision: what can't be sent raises InvalidOrder saying the fix.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from enum import Enum

from console.domain import Market
from console.errors import InvalidOrder
from console.exchange.rules import SymbolRules
from console.fmt import CENT, amount, plain

ZERO = Decimal(0)
# Binance reads at most 20 digits before the point ('^([0-9]{1,20})(\\.[0-9]{1,20})?$').
WIRE_LIMIT = Decimal("1E20")
_ONE = Decimal(1)
_EIGHT_DECIMALS = Decimal("1e-8")
# Room for 20 + 20 digits; its methods are called directly, so the caller's context is never touched.
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)


class Rounding(str, Enum):
    NEAREST = "nearest"
    DOWN = "down"
    UP = "up"


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Truncate ``value`` to a multiple of ``step`` (a step of 0 leaves it unchanged)."""
    if step <= 0:
        return value
    return _tidy(_EXACT.subtract(value, _EXACT.remainder(value, step)))


def round_to_tick(value: Decimal, tick: Decimal, rounding: Rounding = Rounding.NEAREST) -> Decimal:
    """Put ``value`` on the tick grid: nearest (half up, as ccxt's price_to_precision), down or up."""
    if tick <= 0:
        return value
    if rounding is Rounding.NEAREST:
        rest = _EXACT.remainder(value, tick)  # carries the sign of value
        grid = _EXACT.subtract(value, rest)
        if _EXACT.multiply(abs(rest), 2) >= tick:
            grid = _EXACT.add(grid, tick) if value > 0 else _EXACT.subtract(grid, tick)
        return _tidy(grid)
    floored = floor_to_step(value, tick)
    if rounding is Rounding.UP and floored < value:
        return floored + tick
    return floored


def _tidy(value: Decimal) -> Decimal:
    """Write a value on the grid without trailing zeros after the point (0.01065000 -> 0.01065, 100 stays 100)."""
    if not value:
        return ZERO
    value = value.normalize(_EXACT)
    return value.quantize(_ONE, context=_EXACT) if value.as_tuple().exponent > 0 else value


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    return round_to_tick(value, step, Rounding.UP)


def shown(value: Decimal) -> str:
    """Format a number for a message: plain, or 1E+30 / 4.115226E+18 past 20 digits; NaN, Infinity."""
    if not value.is_finite():
        return str(value)
    if value == 0 or (-20 <= value.adjusted() < 20 and len(value.normalize().as_tuple().digits) <= 20):
        return plain(value)
    mantissa, exponent = f"{value:.6E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def amount_of(rules: SymbolRules, value: Decimal, asset: str, *, up: bool | None = None) -> str:
    """Write an amount of ``asset`` held or needed, as a trader reads it: the base to the step, the
    quote to the cent (finer when the tick is): ``9,790.99 USDT``, ``0.01065 BTC``; ``up`` as in
    ``console.fmt.amount``."""
    if asset == rules.base:
        unit = rules.step_size
    else:
        unit = min(rules.tick_size, CENT) if rules.tick_size > 0 else CENT
    return amount(value, asset, unit, up=up)


def _short(value: Decimal) -> Decimal:
    """At most 8 decimals for messages (a quote amount converted to base has many more)."""
    if value.as_tuple().exponent >= -8:
        return value
    return value.quantize(_EIGHT_DECIMALS, rounding=ROUND_HALF_EVEN, context=_EXACT)


def require_positive(rules: SymbolRules, value: Decimal, what: str, unit: str) -> None:
    """Refuse NaN, infinities, zero and negatives: ``what`` must be a positive number of ``unit``."""
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        text = shown(value) if isinstance(value, Decimal) else repr(value)
        raise InvalidOrder(f"{what} {text} for {rules.symbol} must be a positive number of {unit}")


def require_readable(rules: SymbolRules, value: Decimal, what: str, unit: str) -> None:
    """Refuse a value with more than 20 digits before the point: Binance can't read it."""
    if value >= WIRE_LIMIT:
        raise InvalidOrder(f"{what} {shown(value)} {unit} is far above anything {rules.symbol} trades (Binance reads "
                           f"at most 20 digits before the point); lower it")


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
    require_positive(rules, quantity, "quantity", rules.base)
    step = rules.quantity_step(market_order)
    low, high = rules.quantity_bounds(market_order)
    # bounds first, on the value as given: flooring 1E+30 to a step would overflow the precision
    too_large = high > 0 and quantity > high + step
    if not too_large:
        require_readable(rules, quantity, "quantity", rules.base)
    normalised = ZERO if too_large or quantity < low or quantity < step else floor_to_step(quantity, step)
    if not too_large and (normalised < low or normalised <= 0):
        least = smallest_quantity(rules, price, market_order=market_order)
        raise InvalidOrder(
            f"{shown(quantity)} {rules.base} is below the minimum {plain(max(low, step))} {rules.base} "
            f"for {rules.symbol}; {verb} at least {plain(least)} {rules.base}{_about(rules, least, price)}"
        )
    if too_large or (high > 0 and normalised > high):
        kind = "market orders" if market_order else "orders"
        raise InvalidOrder(
            f"quantity {shown(quantity)} {rules.base} is above the maximum {plain(high)} {rules.base} for {kind} "
            f"on {rules.symbol}; lower it, or split it into orders of at most {plain(high)} {rules.base}"
        )
    return normalised


def normalize_price(rules: SymbolRules, price: Decimal, rounding: Rounding = Rounding.NEAREST,
                    what: str = "price") -> Decimal:
    """Put ``price`` on the tick grid and check the price filter; raise InvalidOrder with the fix."""
    require_positive(rules, price, what, rules.quote)
    too_large = rules.max_price > 0 and price > rules.max_price + rules.tick_size
    if not too_large:
        require_readable(rules, price, what, rules.quote)
    normalised = ZERO if too_large else round_to_tick(price, rules.tick_size, rounding)
    if not too_large and (normalised <= 0 or (rules.min_price > 0 and normalised < rules.min_price)):
        least = max(rules.min_price, rules.tick_size)
        raise InvalidOrder(
            f"{what} {shown(price)} {rules.quote} is below the minimum {plain(least)} "
            f"{rules.quote} for {rules.symbol}; use a {what} of at least {plain(least)}"
        )
    if too_large or (rules.max_price > 0 and normalised > rules.max_price):
        raise InvalidOrder(
            f"{what} {shown(price)} {rules.quote} is above the maximum {plain(rules.max_price)} "
            f"{rules.quote} for {rules.symbol}; use a {what} of at most {plain(rules.max_price)}"
        )
    return normalised


def check_notional(rules: SymbolRules, quantity: Decimal, price: Decimal, *, market_order: bool,
                   reduce_only: bool = False, verb: str = "buy") -> Decimal:
    """Return quantity × price; raise InvalidOrder when it is outside the min / max notional.

    Exact in Decimal: quantity × price >= the minimum passes at exactly the minimum. A market
    order is valued at ``price``, the current price: Binance values it at the average price over
    ``avg_price_mins`` minutes (spot) or the mark price (USD-M), so right at a bound the exchange
    may still decide otherwise. The minimum spares reduce-only orders (USD-M) and, where
    ``applyMinToMarket`` is false, market orders; the maximum binds market orders only where
    ``applyMaxToMarket`` is true.
    """
    notional = quantity * price
    check_min = not reduce_only and (not market_order or rules.min_notional_applies_to_market)
    check_max = rules.max_notional > 0 and (not market_order or rules.max_notional_applies_to_market)
    if check_min and notional < rules.min_notional:
        least = smallest_quantity(rules, price, market_order=market_order)
        raise InvalidOrder(
            f"{plain(_short(quantity))} {rules.base} at {plain(price)} is worth {plain(_short(notional))} {rules.quote}, "
            f"below the minimum order value {plain(rules.min_notional)} {rules.quote} for {rules.symbol}; "
            f"{verb} at least {plain(least)} {rules.base}{_about(rules, least, price)}"
        )
    if check_max and notional > rules.max_notional:
        most = floor_to_step(rules.max_notional / price, rules.quantity_step(market_order))
        raise InvalidOrder(
            f"{plain(_short(quantity))} {rules.base} at {plain(price)} is worth {plain(_short(notional))} {rules.quote}, "
            f"above the maximum order value {plain(rules.max_notional)} {rules.quote} for {rules.symbol}; "
            f"{verb} at most {plain(most)} {rules.base}{_about(rules, most, price)} per order"
        )
    return notional


def check_quote_amount(rules: SymbolRules, amount: Decimal, *, verb: str = "buy") -> Decimal:
    """Floor a spot market order's quote ``amount`` to the tick, check it as the notional; return it.

    The exchange spends exactly that amount (``quoteOrderQty``), so the amount itself is the
    notional: 5 USDT passes a 5 USDT minimum at every price, where converting it to a quantity
    and back would come out a hair below 5 at some prices and not at others.
    """
    require_positive(rules, amount, "amount", rules.quote)
    require_readable(rules, amount, "amount", rules.quote)
    floored = floor_to_step(amount, rules.tick_size)
    least = max(rules.min_notional if rules.min_notional_applies_to_market else ZERO, rules.tick_size)
    if floored < least or floored <= 0:
        raise InvalidOrder(
            f"{shown(amount)} {rules.quote} is below the minimum order value {plain(least)} {rules.quote} "
            f"for {rules.symbol}; {verb} at least {plain(least)} {rules.quote} worth")
    if rules.max_notional > 0 and rules.max_notional_applies_to_market and floored > rules.max_notional:
        raise InvalidOrder(
            f"{shown(amount)} {rules.quote} is above the maximum order value {plain(rules.max_notional)} "
            f"{rules.quote} for {rules.symbol}; {verb} at most {plain(rules.max_notional)} {rules.quote} worth per order")
    return floored


def check_price_band(rules: SymbolRules, price: Decimal, reference: Decimal, *, buy: bool,
                     what: str = "price") -> None:
    """Refuse a limit ``price`` outside the band the exchange allows around ``reference``.

    ``reference`` is the current price: Binance uses the average price over ``avg_price_mins``
    minutes (spot PERCENT_PRICE_BY_SIDE) or the mark price (USD-M PERCENT_PRICE), so an order
    right at the band's edge may still be refused there. No reference (0) checks nothing.
    """
    if reference <= 0:
        return
    up, down = (rules.buy_price_up, rules.buy_price_down) if buy else (rules.sell_price_up, rules.sell_price_down)
    side = "buy" if buy else "sell"
    basis = "mark price" if rules.market is Market.FUTURES else "average price"
    if up > 0 and price > reference * up:
        highest = round_to_tick(reference * up, rules.tick_size, Rounding.DOWN)
        raise InvalidOrder(
            f"{what} {shown(price)} {rules.quote} is above {plain(highest)} {rules.quote}, the highest a {side} order "
            f"on {rules.symbol} may have now ({plain(up)} × the {basis} {plain(reference)}); lower the {what}")
    if down > 0 and price < reference * down:
        lowest = round_to_tick(reference * down, rules.tick_size, Rounding.UP)
        raise InvalidOrder(
            f"{what} {shown(price)} {rules.quote} is below {plain(lowest)} {rules.quote}, the lowest a {side} order "
            f"on {rules.symbol} may have now ({plain(down)} × the {basis} {plain(reference)}); raise the {what}")


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
