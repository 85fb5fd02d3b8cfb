"""The manual order ticket for the facade: preview, place, OCO, leverage, close, cancel.

Everything goes through the engine's order gateway, like the bots' orders: journaled pending
before it is sent, resolved by client id when an answer is lost, settled every engine cycle.
"""
from __future__ import annotations

from decimal import Decimal

from console.config import parse_decimal
from console.domain import Market, OcoOrder, Order, OrderRequest, OrderType, Side
from console.engine.gateway import Closed
from console.engine.recorder import Owner
from console.errors import InvalidOrder


class Orders:
    """Mixed into ``Console``: needs ``self.client``, ``self.engine`` (its gateway), ``self.venue`` and
    ``self.default_account``."""

    def _owner(self, market: Market) -> Owner:
        """A person at the ticket, on the console's venue and default account."""
        return Owner(self.venue, market, self.default_account(), None)

    def ticket_request(self, *, market: str | Market, symbol: str, side: str | Side, amount: object,
                       amount_in: str = "base", reduce_only: bool = False, price: object = None) -> OrderRequest:
        """Build an order request from ticket values (market, or limit GTC at ``price``); raise
        InvalidInput with the fix."""
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
                price = self.client(market).ticker(symbol).last
                return OrderRequest(symbol=symbol, market=market, side=side, quantity=value / price,
                                    reduce_only=reduce_only)
            return OrderRequest(symbol=symbol, market=market, side=side, quote_quantity=value)
        return OrderRequest(symbol=symbol, market=market, side=side, quantity=value, reduce_only=reduce_only)

    def preview_order(self, **ticket) -> object:
        """The normalised order and its fee, before any confirmation. Sends nothing."""
        request = self.ticket_request(**ticket)
        return self.client(request.market).preview(request)

    def place_order(self, **ticket) -> Order:
        """Place an order from the ticket, journaled and recorded like a bot's."""
        request = self.ticket_request(**ticket)
        return self.engine.gateway.place(self._owner(request.market), request)

    def place_oco(self, *, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> OcoOrder:
        """Place a spot OCO sell; its list and both legs are journaled before it is sent."""
        qty = parse_decimal(quantity, "quantity")
        tp = parse_decimal(take_profit, "take-profit price")
        sl = parse_decimal(stop_loss, "stop-loss price")
        if not (qty > 0 and tp > 0 and sl > 0):
            raise InvalidOrder("quantity, take-profit and stop-loss must all be above zero")
        price = self.client(Market.SPOT).ticker(symbol).last
        if not sl < price < tp:
            raise InvalidOrder(
                f"an OCO sell needs stop-loss < price < take-profit; the price is {price}: "
                f"set the take-profit above it and the stop-loss below it"
            )
        return self.engine.gateway.place_oco(self._owner(Market.SPOT), symbol, qty, tp, sl)

    def set_leverage(self, symbol: str, leverage: object) -> None:
        try:
            value = int(str(leverage).strip())
        except ValueError:
            raise InvalidOrder(f"leverage {leverage!r} is not a whole number; write e.g. 5") from None
        self.client(Market.FUTURES).prepare_futures(symbol, value)

    def close_position(self, symbol: str) -> list[Closed]:
        """Close a futures position: each bot's part as that bot's order (so the bots stay in step
        with the account), what is left beyond the bots as a manual order."""
        return self.engine.gateway.close_futures(self.venue, self.default_account(), symbol)

    def cancel_order(self, market: str | Market, symbol: str, client_order_id: str) -> list[Order]:
        """Cancel an open order; a leg of an OCO cancels its list. What it executed first (a partial
        fill) is recorded at once, with every part's commission, for whoever placed it: a bot or a
        person. Return every order the cancel ended (both legs of an OCO)."""
        market = Market(market)
        return self.engine.gateway.cancel(self.venue, market, self.default_account(), symbol, client_order_id)

    def symbols(self, market: str | Market) -> list[str]:
        return self.client(Market(market)).symbols()

    def last_price(self, market: str | Market, symbol: str) -> Decimal:
        return self.client(Market(market)).ticker(symbol).last
