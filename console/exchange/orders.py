"""Order planning (normalise and check before anything is sent) and client order ids."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from console.domain import Balance, Market, Order, OrderRequest, OrderType, Side
from console.errors import InsufficientBalance, InvalidOrder
from console.exchange.precision import (
    Rounding,
    SymbolRules,
    amount_of,
    check_notional,
    check_price_band,
    check_quote_amount,
    check_remainder,
    normalize_price,
    normalize_quantity,
    plain,
    require_positive,
)

CLIENT_ID_PREFIX = "cc-"
CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
ZERO = Decimal(0)


def new_client_order_id() -> str:
    """A fresh id in Binance's charset: ``cc-`` and 24 hex digits (27 characters)."""
    return CLIENT_ID_PREFIX + uuid.uuid4().hex[:24]


def check_client_order_id(client_order_id: str) -> str:
    if not CLIENT_ID.match(client_order_id):
        raise InvalidOrder(f"client order id {client_order_id!r} must be 1-36 characters of letters, digits "
                           "and . : / _ -; leave it empty to have one assigned")
    return client_order_id


@dataclass(frozen=True, kw_only=True)
class OrderPreview:
    """What an order would be once normalised, without sending it."""

    symbol: str
    market: Market
    side: Side
    type: OrderType
    quantity: Decimal  # base quantity sent (estimated at ``price`` when buying by quote amount)
    quote_quantity: Decimal | None  # quote amount sent for a spot market buy by amount
    price: Decimal  # the limit price, or the current price for a market order
    stop_price: Decimal | None
    notional: Decimal
    fee: Decimal
    fee_asset: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A normalised order and the ccxt arguments that send it."""

    preview: OrderPreview
    request: OrderRequest
    ccxt_type: str
    amount: str | None
    price: str | None
    params: dict[str, Any] = field(default_factory=dict)


def plan_order(request: OrderRequest, rules: SymbolRules, reference_price: Decimal, ccxt_types: dict) -> Plan:
    """Normalise ``request`` to ``rules``; raise InvalidOrder with the fix when it can't be made valid.

    ``reference_price`` is the current price: it values a market order and bounds a limit price
    (PERCENT_PRICE_BY_SIDE / PERCENT_PRICE; 0 skips that check). A spot market buy given as a
    quote amount is sent as ``quoteOrderQty``: the exchange spends exactly that amount and rounds
    the quantity itself, and the notional filter is checked on that amount. Any other order given
    as a quote amount is converted to a base quantity at ``reference_price`` and floored to the step.
    """
    if (request.quantity is None) == (request.quote_quantity is None):
        raise InvalidOrder(f"give either a quantity in {rules.base} or an amount in {rules.quote}, not both or neither")
    if request.quote_quantity is not None:
        require_positive(rules, request.quote_quantity, "amount", rules.quote)
    market_order = request.type is OrderType.MARKET
    verb = request.side.value
    sell = request.side is Side.SELL
    price, stop = reference_price, None
    params: dict[str, Any] = {}
    if request.type in (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT,
                        OrderType.TAKE_PROFIT_LIMIT):
        if request.price is None:
            raise InvalidOrder(f"a {request.type.value} order needs a price in {rules.quote}")
        if request.type in (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT):
            if request.stop_price is None:
                raise InvalidOrder(f"a {request.type.value.replace('_', ' ')} order needs a stop price in {rules.quote}")
            # a sell stop triggers no later than asked and its limit fills no worse than asked; mirrored for
            # buys, and for a take-profit, which triggers on the way up for a sell
            up = sell == (request.type is OrderType.STOP_LOSS_LIMIT)
            stop = normalize_price(rules, request.stop_price, Rounding.UP if up else Rounding.DOWN, "stop price")
            price = normalize_price(rules, request.price, Rounding.DOWN if up else Rounding.UP)
            params["stopPrice"] = plain(stop)
            params["timeInForce"] = "GTC"
        else:
            price = normalize_price(rules, request.price)
        check_price_band(rules, price, reference_price, buy=not sell)
    if price <= 0:
        raise InvalidOrder(f"no current price for {rules.symbol}; try again when the market has traded")
    quote_amount: Decimal | None = None
    if request.quote_quantity is not None and market_order and not sell and rules.market is Market.SPOT:
        quote_amount = check_quote_amount(rules, request.quote_quantity, verb=verb)
        quantity = normalize_quantity(rules, request.quote_quantity / price, market_order=True, price=price, verb=verb)
        params["quoteOrderQty"] = plain(quote_amount)
        notional = quote_amount
    else:
        raw = request.quantity if request.quantity is not None else request.quote_quantity / price
        quantity = normalize_quantity(rules, raw, market_order=market_order, price=price, verb=verb)
        notional = check_notional(rules, quantity, price, market_order=market_order,
                                  reduce_only=request.reduce_only, verb=verb)
    if request.reduce_only:
        if rules.market is not Market.FUTURES:
            raise InvalidOrder("reduce-only applies to futures; on spot sell the held amount instead")
        params["reduceOnly"] = True
    fee_rate = rules.maker_fee if request.type is OrderType.LIMIT_MAKER else rules.taker_fee
    if rules.market is Market.SPOT and not sell:
        fee, fee_asset = quantity * fee_rate, rules.base
    else:
        fee, fee_asset = notional * fee_rate, rules.quote
    preview = OrderPreview(symbol=rules.symbol, market=rules.market, side=request.side, type=request.type,
                           quantity=quantity, quote_quantity=quote_amount, price=price, stop_price=stop,
                           notional=notional, fee=fee, fee_asset=fee_asset)
    return Plan(preview=preview, request=request, ccxt_type=ccxt_types[request.type],
                amount=None if quote_amount is not None else plain(quantity),
                price=None if market_order else plain(price), params=params)


def check_spot_balance(preview: OrderPreview, rules: SymbolRules, held: dict[str, Balance], *,
                       keep_remainder: bool = False) -> None:
    """Raise InsufficientBalance naming the shortfall when ``held`` can't cover a spot order.

    A buy needs its quote amount, a sell its base quantity (and must not leave unsellable dust,
    unless ``keep_remainder``).
    """
    if preview.side is Side.BUY:
        free = _require(preview, rules, held, rules.quote, preview.notional, "balance")
    else:
        free = _require(preview, rules, held, rules.base, preview.quantity, "balance")
        if not keep_remainder:
            check_remainder(rules, free, preview.quantity, preview.price)


def check_margin(preview: OrderPreview, rules: SymbolRules, held: dict[str, Balance], leverage: int) -> None:
    """Raise InsufficientBalance naming the shortfall when ``held`` can't cover a futures order's margin.

    The margin is the notional at ``leverage`` plus the fee.
    """
    _require(preview, rules, held, rules.quote, preview.notional / leverage + preview.fee, "margin")


def _require(preview: OrderPreview, rules: SymbolRules, held: dict[str, Balance], asset: str, need: Decimal,
             what: str) -> Decimal:
    """Return the free ``asset``; raise InsufficientBalance when it is less than ``need``."""
    free = held[asset].free if asset in held else ZERO
    if need > free:
        short = need - free
        raise InsufficientBalance(
            f"{preview.side.value} {plain(preview.quantity)} {rules.base} on {preview.symbol} needs "
            f"{amount_of(rules, need, asset, up=True)} of free {what}, "
            f"{amount_of(rules, free, asset, up=False)} is free: short by {amount_of(rules, short, asset, up=True)}; "
            "deposit or trade less",
            shortfall=short, asset=asset)
    return free


def balances_after(balances: dict[str, Balance], order: Order, rules: SymbolRules) -> dict[str, Balance]:
    """The spot balances once ``order``'s fill and commissions are settled."""
    sign = 1 if order.side is Side.BUY else -1
    deltas = {rules.base: sign * order.filled, rules.quote: -sign * order.quote_filled}
    for asset, amount in order.commissions:
        deltas[asset] = deltas.get(asset, ZERO) - amount
    result = dict(balances)
    for asset, delta in deltas.items():
        old = result.get(asset) or Balance(asset=asset, free=ZERO)
        result[asset] = Balance(asset=asset, free=old.free + delta, locked=old.locked)
    return result
