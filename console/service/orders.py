"""The manual order ticket: preview, place, OCO, leverage, close, cancel.

Everything goes through the engine's order gateway, like the bots' orders: journaled pending
before it is sent, resolved by client id when an answer is lost, settled every engine cycle.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from console import fmt
from console.config import parse_decimal
from console.domain import Market, OcoOrder, Order, OrderRequest, OrderType, Side
from console.engine.gateway import Closed, Gateway
from console.errors import InvalidOrder
from console.exchange.orders import OrderPreview
from console.exchange.rules import SymbolRules
from console.service.access import VenueAccess


class Orders:
    """Orders by hand, on the console's venue and default account; composed as ``con.orders``."""

    def __init__(self, access: VenueAccess, gateway: Gateway) -> None:
        self._access = access
        self._gateway = gateway

    def request(self, *, market: str | Market, symbol: str, side: str | Side, amount: object,
                amount_in: str = "base", reduce_only: bool = False, price: object = None) -> OrderRequest:
        """Build an order request from ticket values (market, or limit GTC at ``price``); raise
        InvalidOrder with the fix."""
        market, side = Market(market), Side(side)
        value = parse_decimal(amount, "amount")
        if value <= 0:
            raise InvalidOrder(f"amount {value} must be above zero; enter how much to {side.value}")
        symbol = str(symbol).strip().upper()
        if price is not None and price != "":
            limit = parse_decimal(price, "limit price")
            if limit <= 0:
                raise InvalidOrder(f"limit price {limit} must be above zero; enter the price to {side.value} at")
            quantity = value / limit if amount_in == "quote" else value
            return OrderRequest(symbol=symbol, market=market, side=side, type=OrderType.LIMIT, quantity=quantity,
                                price=limit, reduce_only=reduce_only)
        if amount_in == "quote":
            if market is Market.FUTURES:
                price = self._access.client(market).ticker(symbol).last
                return OrderRequest(symbol=symbol, market=market, side=side, quantity=value / price,
                                    reduce_only=reduce_only)
            return OrderRequest(symbol=symbol, market=market, side=side, quote_quantity=value)
        return OrderRequest(symbol=symbol, market=market, side=side, quantity=value, reduce_only=reduce_only)

    def preview(self, **ticket: Any) -> OrderPreview:
        """The normalised order and its fee, before any confirmation (``ticket`` as for ``request``).
        Sends nothing."""
        request = self.request(**ticket)
        client = self._access.client(request.market)
        return shown_preview(client.preview(request), client.rules(request.symbol))

    def place(self, **ticket: Any) -> Order:
        """Place an order from the ticket (as for ``request``), journaled and recorded like a bot's."""
        return self.place_request(self.request(**ticket))

    def place_request(self, request: OrderRequest) -> Order:
        """Place ``request`` by hand through the gateway, on the console's venue and default account."""
        return self._gateway.place(self._access.person(request.market), request)

    def place_oco(self, *, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> OcoOrder:
        """Place a spot OCO sell; its list and both legs are journaled before it is sent."""
        qty = parse_decimal(quantity, "quantity")
        tp = parse_decimal(take_profit, "take-profit price")
        sl = parse_decimal(stop_loss, "stop-loss price")
        if not (qty > 0 and tp > 0 and sl > 0):
            raise InvalidOrder("quantity, take-profit and stop-loss must all be above zero")
        price = self._access.client(Market.SPOT).ticker(symbol).last
        if not sl < price < tp:
            raise InvalidOrder(
                f"an OCO sell needs stop-loss < price < take-profit; the price is "
                f"{fmt.price(price, self._access.client(Market.SPOT).rules(symbol))}: "
                f"set the take-profit above it and the stop-loss below it"
            )
        return self._gateway.place_oco(self._access.person(Market.SPOT), symbol, qty, tp, sl)

    def set_leverage(self, symbol: str, leverage: object) -> None:
        """Set a futures symbol's leverage on the account."""
        try:
            value = int(str(leverage).strip())
        except ValueError:
            raise InvalidOrder(f"leverage {leverage!r} is not a whole number; write e.g. 5") from None
        self._access.futures().prepare_futures(symbol, value)

    def close_position(self, symbol: str) -> list[Closed]:
        """Close a futures position: each bot's part as that bot's order (so the bots stay in step
        with the account), what is left beyond the bots as a manual order."""
        return self._gateway.close_futures(self._access.venue, self._access.default_account(), symbol)

    def cancel(self, market: str | Market, symbol: str, client_order_id: str) -> list[Order]:
        """Cancel an open order; a leg of an OCO cancels its list. What it executed first (a partial
        fill) is recorded at once, with every part's commission, for whoever placed it: a bot or a
        person. Return every order the cancel ended (both legs of an OCO)."""
        market = Market(market)
        return self._gateway.cancel(self._access.venue, market, self._access.default_account(), symbol, client_order_id)

    def symbols(self, market: str | Market) -> list[str]:
        """The symbols the venue lists on ``market``."""
        return self._access.client(Market(market)).symbols()

    def summary(self, order: Order) -> str:
        """One line saying what an order did, its quantity to the step and its price to the tick:
        ``filled: buy 0.00106 BTC/USDT spot at 94034.35 (id …)``."""
        rules = self._access.client(order.market).rules(order.symbol)
        price = f" at {fmt.price(order.average_price, rules)}" if order.average_price else ""
        return (f"{order.status.value}: {order.side.value} {fmt.qty(order.filled, rules)} {order.symbol} "
                f"{order.market.value}{price} (id {order.client_order_id})")

    def last_price(self, market: str | Market, symbol: str) -> Decimal:
        """The last traded price of ``symbol`` on ``market``."""
        return self._access.client(Market(market)).ticker(symbol).last


def shown_preview(preview: OrderPreview, rules: SymbolRules) -> OrderPreview:
    """The preview as a person reads it: its price (the current one for a market order) to the tick,
    its quantity to the step, notional and fee to what the exchange would charge. Only for showing:
    placing builds the order again."""
    return dataclasses.replace(
        preview, price=fmt.to_unit(preview.price, rules.tick_size) or preview.price,
        quantity=fmt.to_unit(preview.quantity, rules.step_size) or preview.quantity,
        stop_price=fmt.to_unit(preview.stop_price, rules.tick_size))
