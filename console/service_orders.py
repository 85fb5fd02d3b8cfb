"""The manual order ticket for the facade: preview, place, OCO, leverage, close, cancel."""
from __future__ import annotations

from decimal import Decimal

from console.config import parse_decimal
from console.domain import Market, OcoOrder, Order, OrderRequest, OrderType, Side
from console.errors import InvalidOrder


class Orders:
    """Mixed into ``Console``: needs ``self.client`` and ``self._manual``."""

    def ticket_request(self, *, market: str | Market, symbol: str, side: str | Side, amount: object,
                       amount_in: str = "base", reduce_only: bool = False) -> OrderRequest:
        """Build a market order request from ticket values; raise InvalidInput with the fix."""
        market, side = Market(market), Side(side)
        value = parse_decimal(amount, "amount")
        if value <= 0:
            raise InvalidOrder(f"amount {value} must be above zero; enter how much to {side.value}")
        symbol = str(symbol).strip().upper()
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
        """Place a market order from the ticket, journaled and recorded like a bot's."""
        request = self.ticket_request(**ticket)
        return self._manual(request.market, request)

    def place_oco(self, *, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> OcoOrder:
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
        oco = self.client(Market.SPOT).place_oco_sell(symbol, qty, tp, sl)
        from console.engine.recorder import DbJournal, Owner

        book = DbJournal(self.db, Owner(self.venue, Market.SPOT, self.default_account(), None))
        for leg in (oco.take_profit, oco.stop_loss):
            book.resolved(leg)
        return oco

    def set_leverage(self, symbol: str, leverage: object) -> None:
        try:
            value = int(str(leverage).strip())
        except ValueError:
            raise InvalidOrder(f"leverage {leverage!r} is not a whole number; write e.g. 5") from None
        self.client(Market.FUTURES).prepare_futures(symbol, value)

    def close_position(self, symbol: str) -> Order:
        for p in self.client(Market.FUTURES).positions():
            if p.symbol == symbol and p.quantity != 0:
                return self._manual(Market.FUTURES, OrderRequest(
                    symbol=symbol, market=Market.FUTURES, side=Side.SELL if p.quantity > 0 else Side.BUY,
                    type=OrderType.MARKET, quantity=abs(p.quantity), reduce_only=True))
        raise InvalidOrder(f"there is no open {symbol} futures position to close")

    def cancel_order(self, market: str | Market, symbol: str, client_order_id: str) -> Order:
        return self.client(Market(market)).cancel_order(symbol, client_order_id=client_order_id)

    def symbols(self, market: str | Market) -> list[str]:
        return self.client(Market(market)).symbols()

    def last_price(self, market: str | Market, symbol: str) -> Decimal:
        return self.client(Market(market)).ticker(symbol).last
