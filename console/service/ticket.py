"""The order ticket's checks as pure functions: the kinds offered, a conditional order's preview,
the trigger side of a stop, the rows a person reads, a partial close's quantity, an estimated
liquidation price, and Binance's refusals in words. ``console.service.orders`` composes them."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from console import fmt
from console.config import parse_decimal
from console.domain import Market, OrderRequest, OrderType, Side
from console.errors import InvalidOrder
from console.exchange.orders import OrderPreview
from console.exchange.precision import Rounding, check_notional, floor_to_step, normalize_price, normalize_quantity
from console.exchange.rules import SymbolRules

ZERO = Decimal(0)
# what the ticket offers on each market: (kind, label)
KINDS = {
    Market.SPOT: {"market": "market", "limit": "limit", "stop_limit": "stop-limit",
                  "take_profit_limit": "take-profit limit"},
    Market.FUTURES: {"market": "market", "limit": "limit", "stop_market": "stop (market)",
                     "take_profit_market": "take-profit (market)", "stop_limit": "stop-limit",
                     "take_profit_limit": "take-profit limit"},
}
TYPES = {
    Market.SPOT: {"market": OrderType.MARKET, "limit": OrderType.LIMIT, "stop_limit": OrderType.STOP_LOSS_LIMIT,
                  "take_profit_limit": OrderType.TAKE_PROFIT_LIMIT},
    Market.FUTURES: {"market": OrderType.MARKET, "limit": OrderType.LIMIT, "stop_market": OrderType.STOP_MARKET,
                     "take_profit_market": OrderType.TAKE_PROFIT_MARKET, "stop_limit": OrderType.STOP,
                     "take_profit_limit": OrderType.TAKE_PROFIT},
}
LIMITED = ("limit", "stop_limit", "take_profit_limit")  # kinds with a limit price
NAMES = {OrderType.MARKET: "market", OrderType.LIMIT: "limit", OrderType.LIMIT_MAKER: "limit-maker",
         OrderType.STOP_LOSS_LIMIT: "stop-limit", OrderType.TAKE_PROFIT_LIMIT: "take-profit limit",
         OrderType.STOP_MARKET: "stop", OrderType.TAKE_PROFIT_MARKET: "take-profit",
         OrderType.STOP: "stop-limit", OrderType.TAKE_PROFIT: "take-profit limit"}
# Binance's refusals said in words with the fix; the rest keep the exchange's message, without its JSON
_CODES = {
    -2022: "Binance refuses a reduce-only order that has no position to reduce (or is on the position's own "
           "side); untick Reduce only to open a position, or pick the other side to reduce it",
    -2019: "the margin is not enough for this order; lower the quantity or the leverage, or add USDT",
    -2010: "Binance refused the order",
    -2021: "the order would trigger at once; move its trigger price past the current price",
    -1013: "the order breaks one of the symbol's filters",
    -4164: "the order's notional is below the symbol's minimum; raise the quantity",
    -1111: "a price or quantity has more decimals than the symbol allows",
    -2027: "the position would exceed the most Binance allows at this leverage; trade less or lower the leverage",
    -4131: "the price is outside the band Binance allows around the mark price; move it closer",
}
_RAW = re.compile(r"(?:binance\w*\s*)?\{\s*\"code\"\s*:\s*(-?\d+)\s*,\s*\"msg\"\s*:\s*\"((?:[^\"\\]|\\.)*)\"\s*\}")


def liquidation(side: Side, quantity: Decimal, entry: Decimal, wallet: Decimal, ratio: Decimal,
                amount: Decimal) -> Decimal:
    """The isolated, one-way liquidation price where the margin left equals the maintenance margin
    (``quantity`` × mark × ``ratio`` − ``amount``); ``wallet`` is the position's isolated margin."""
    if side is Side.BUY:
        return max(ZERO, (quantity * entry - wallet - amount) / (quantity * (1 - ratio)))
    return (quantity * entry + wallet + amount) / (quantity * (1 + ratio))


def in_words(text: str) -> str:
    """``text`` with any raw exchange answer ``{"code": -2022, "msg": ...}`` replaced by words and the fix."""
    def words(match: re.Match) -> str:
        code = int(match.group(1))
        try:
            msg = json.loads(f'"{match.group(2)}"')
        except ValueError:
            msg = match.group(2)
        said = _CODES.get(code)
        if code == -2010 and "trigger immediately" in msg:
            said = "the stop would trigger at once; put a sell stop below the price, a buy stop above it"
        elif code == -2010 and "insufficient balance" in msg.lower():
            said = "the free balance does not cover the order; deposit or trade less"
        base = f"{said} (Binance: {msg.rstrip('.')})" if said else f"Binance said: {msg.rstrip('.')}"
        return base
    return _RAW.sub(words, text)


def conditional_preview(request: OrderRequest, rules: SymbolRules, price: Decimal) -> OrderPreview:
    """A USD-M stop / take-profit market order as it will rest: quantity to the step, trigger to the
    tick on the side that never exits worse than asked, and the side it must trigger from."""
    verb = request.side.value
    assert request.quantity is not None and request.stop_price is not None
    sell, stop_kind = request.side is Side.SELL, request.type in (OrderType.STOP_MARKET, OrderType.STOP)
    quantity = normalize_quantity(rules, request.quantity, market_order=request.price is None, verb=verb)
    label = "stop price" if stop_kind else "take-profit price"
    trigger = normalize_price(rules, request.stop_price, Rounding.UP if sell else Rounding.DOWN, label)
    limit = None if request.price is None else normalize_price(
        rules, request.price, Rounding.DOWN if sell == stop_kind else Rounding.UP, "limit price")
    rising = stop_kind == (request.side is Side.BUY)
    if (price >= trigger) if rising else (price <= trigger):
        where = "above" if rising else "below"
        raise InvalidOrder(f"a {NAMES[request.type]} {verb} triggers when the price {'rises' if rising else 'falls'} "
                           f"to {price_text(trigger, rules)}, and the price is {price_text(price, rules)}: it would trigger at "
                           f"once, so Binance would refuse it; set the trigger {where} the price")
    notional = check_notional(rules, quantity, limit or trigger, market_order=limit is None,
                              reduce_only=request.reduce_only, verb=verb)
    return OrderPreview(symbol=rules.symbol, market=rules.market, side=request.side, type=request.type,
                        quantity=quantity, quote_quantity=None, price=limit or trigger, stop_price=trigger,
                        notional=notional, fee=notional * rules.taker_fee, fee_asset=rules.quote)


def check_stop_side(kind: OrderType, side: Side, stop: Decimal | None, price: Decimal, rules: SymbolRules) -> None:
    """A spot stop-limit sell triggers as the price falls to its stop, a buy as it rises; a take-profit
    limit the other way round: refuse one that would trigger at once, as Binance does (-2010)."""
    if stop is None:
        return
    falling = (kind is OrderType.STOP_LOSS_LIMIT) == (side is Side.SELL)
    if (price <= stop) if falling else (price >= stop):
        where = "below" if falling else "above"
        other = "take-profit limit" if kind is OrderType.STOP_LOSS_LIMIT else "stop-limit"
        raise InvalidOrder(f"a {NAMES[kind]} {side.value} triggers when the price {'falls' if falling else 'rises'} "
                           f"to its stop; the stop {price_text(stop, rules)} is not {where} the price {price_text(price, rules)}"
                           f", so Binance would refuse it (stop would trigger at once); set the stop {where} the price,"
                           f" or use a {other} {side.value}")


def order_rows(preview: OrderPreview, rules: SymbolRules, price: Decimal) -> list[tuple[str, str]]:
    market_order = preview.type in (OrderType.MARKET, OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
    rows = [("order", f"{NAMES[preview.type]} {preview.side.value} {rules.symbol} {rules.market.value}")]
    if preview.quote_quantity is not None:
        rows.append(("quantity", f"≈ {fmt.qty(preview.quantity, rules)} {rules.base} (spends exactly "
                                 f"{money_text(preview.quote_quantity, rules.quote)}; the exchange rounds the quantity)"))
    else:
        rows.append(("quantity", f"{fmt.qty(preview.quantity, rules)} {rules.base} (to the step "
                                 f"{fmt.plain(rules.quantity_step(market_order))})"))
    if preview.type.is_conditional:
        then = "at market" if preview.price == preview.stop_price and preview.type not in (
            OrderType.STOP, OrderType.TAKE_PROFIT) else "a limit order"
        rows.append(("trigger", f"{price_text(preview.stop_price, rules)} {rules.quote} (mark price), then {then}; "
                                f"the price now is {price_text(price, rules)}"))
        if then == "a limit order":
            rows.append(("limit price", f"{price_text(preview.price, rules)} {rules.quote} (to the tick "
                                        f"{fmt.plain(rules.tick_size)})"))
    elif market_order:
        rows.append(("price", f"≈ {price_text(price, rules)} {rules.quote} now; a market order fills at the best price"))
    else:
        if preview.stop_price is not None:
            rows.append(("stop", f"{price_text(preview.stop_price, rules)} {rules.quote}: the limit order is placed when "
                                 "the price reaches it"))
        rows.append(("limit price", f"{price_text(preview.price, rules)} {rules.quote} (to the tick "
                                    f"{fmt.plain(rules.tick_size)}); the price now is {price_text(price, rules)}"))
    rows.append(("notional", ("≈ " if market_order and preview.quote_quantity is None else "")
                 + money_text(preview.notional, rules.quote)))
    rate = rules.maker_fee if preview.type is OrderType.LIMIT_MAKER else rules.taker_fee
    rows.append(("fee", f"≈ {fmt.plain(fee_text(preview.fee))} {preview.fee_asset} ({rate_text(rate)}"
                        f"{', at most' if not market_order else ''})"))
    return rows


def close_quantity(amount: object, size: Decimal, rules: SymbolRules) -> Decimal | None:
    """The part of a position of ``size`` to close: None for all of it; ``amount`` a quantity or ``N%``."""
    text = str(amount or "").strip()
    if not text:
        return None
    if text.endswith("%"):
        share = parse_decimal(text[:-1], "percentage")
        if not 0 < share <= 100:
            raise InvalidOrder(f"close {text} of the position: write a percentage above 0 and at most 100")
        if share == 100:
            return None
        part = floor_to_step(size * share / 100, rules.quantity_step(True))
    else:
        part = parse_decimal(text, "quantity to close")
        if part <= 0:
            raise InvalidOrder(f"quantity to close {text} must be above zero; leave it empty to close all")
        if part > size:
            raise InvalidOrder(f"the position holds {fmt.qty(size, rules)} {rules.base}, less than {text}; close at "
                               "most that, or leave it empty to close all")
        part = floor_to_step(part, rules.quantity_step(True))
    if part >= size:
        return None
    if part < rules.quantity_bounds(True)[0] or part <= 0:
        raise InvalidOrder(f"closing {text} is below the minimum order of {fmt.plain(rules.min_qty)} {rules.base}; "
                           "close more")
    return part


def oco_values(quantity: object, take_profit: object, stop_loss: object) -> tuple[Decimal, Decimal, Decimal]:
    qty = parse_decimal(quantity, "quantity")
    tp = parse_decimal(take_profit, "take-profit price")
    sl = parse_decimal(stop_loss, "stop-loss price")
    if not (qty > 0 and tp > 0 and sl > 0):
        raise InvalidOrder("quantity, take-profit and stop-loss must all be above zero")
    return qty, tp, sl


def oco_sides(price: Decimal, tp: Decimal, sl: Decimal, rules: SymbolRules) -> None:
    if not sl < price < tp:
        raise InvalidOrder(f"an OCO sell needs stop-loss < price < take-profit; the price is {fmt.price(price, rules)}: "
                           "set the take-profit above it and the stop-loss below it")


def owned(owners: list[tuple[str, Decimal]], rules: SymbolRules) -> str:
    return ", ".join(f"{name} {fmt.qty(abs(q), rules)}" for name, q in owners) if len(owners) > 1 else owners[0][0]


def positive(value: object, what: str, side: Side) -> Decimal:
    found = parse_decimal(value, what)
    if found <= 0:
        raise InvalidOrder(f"{what} {found} must be above zero; enter the price to {side.value} at")
    return found


def price_text(value: object, rules: SymbolRules) -> str:
    """A price to the tick with thousands separators: 60,000.00."""
    found = fmt.to_unit(value, rules.tick_size)
    return "" if found is None else f"{found:,f}"


def money_text(value: object, asset: str) -> str:
    return fmt.money(value, asset)


def rate_text(fraction: Decimal) -> str:
    """A fee or margin rate as a percentage, exactly: 0.0005 -> 0.05%."""
    return f"{fmt.plain(fraction * 100)}%"


def fee_text(value: Decimal) -> Decimal:
    """A fee to 8 decimals, as exchanges charge it."""
    return value.quantize(Decimal("0.00000001")) if value else ZERO
