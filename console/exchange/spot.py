"""SpotClient: Binance spot through ccxt: OCO sells, selling everything, dust, balances moved by fills.

An OCO sell puts a take-profit LIMIT_MAKER above the market and a STOP_LOSS_LIMIT below it. Prices
go to the tick on the safe side: the take-profit and the stop trigger round up (never sell below
the target, trigger no later than asked), the stop's limit rounds down (fills at least as easily
as asked). Without a stop-limit price the limit sits 0.5 % below the stop.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from console.domain import Market, OcoOrder, Order, OrderRequest, OrderType, Side
from console.errors import ConsoleError, InsufficientBalance, InvalidOrder, TooManyOrders
from console.exchange.client import BinanceClient, OrderJournal
from console.exchange.orders import OrderPreview, Plan, balances_after, check_spot_balance
from console.exchange.parse import parse_order
from console.exchange.precision import (
    Rounding,
    amount_of,
    check_notional,
    check_price_band,
    check_remainder,
    floor_to_step,
    normalize_price,
    normalize_quantity,
    plain,
    sellable,
)
from console.exchange.retry import Unresolved

STOP_LIMIT_GAP = Decimal("0.005")
LEG_SUFFIXES = ("-tp", "-sl")  # an OCO's legs are named after its list client id: take-profit, stop-loss


class SpotClient(BinanceClient):
    """Binance spot (``ccxt.binance``, ``/api/v3``).

    Overrides: ``preview`` (warns of dust a sell leaves), ``_check_balance`` (the quote amount of a
    buy, the base quantity of a sell, no unsellable remainder), ``_apply_to_balances`` (a market
    fill moves the cached balances instead of forgetting them), ``_trades_here`` and
    ``_fetch_account``. Adds OCO sells (``place_oco_sell``, ``cancel_oco``) and ``sell_all``.
    """

    market = Market.SPOT

    def _trades_here(self, market: dict) -> bool:
        return bool(market.get("spot"))

    def _fetch_account(self) -> dict:
        return self.transport.read("fetch_account", self.exchange.privateGetAccount)

    def _check_balance(self, plan: Plan) -> None:
        rules = self.rules(plan.request.symbol)
        keep = plan.request.keep_remainder
        self._covered(lambda held: check_spot_balance(plan.preview, rules, held, keep_remainder=keep))

    def _apply_to_balances(self, order: Order) -> None:
        """Move the cached balances by a market fill; anything else makes the next check refetch."""
        if self._balances is None or order.type is not OrderType.MARKET:
            self._balances = None
        else:
            self._balances = balances_after(self._balances, order, self.rules(order.symbol))

    def preview(self, request: OrderRequest) -> OrderPreview:
        """Normalise ``request`` and estimate its fee without sending it; raise InvalidOrder with the fix.

        A sell that would leave unsellable dust carries a warning saying so.
        """
        preview = super().preview(request)
        return replace(preview, warnings=self._dust_warnings(preview))

    def _dust_warnings(self, preview: OrderPreview) -> tuple[str, ...]:
        """Say what a sell would leave behind that could never be sold on its own."""
        if preview.side is not Side.SELL:
            return ()
        rules = self.rules(preview.symbol)
        held = self.balances().get(rules.base)
        try:
            left = check_remainder(rules, held.free if held else Decimal(0), preview.quantity, preview.price)
        except InvalidOrder as e:
            return (str(e),)
        if 0 < left and not sellable(rules, left, preview.price):
            return (f"{plain(left)} {rules.base} stays behind as dust, below one step of {plain(rules.step_size)}",)
        return ()

    def sell_all(self, symbol: str, *, journal: OrderJournal) -> Order:
        """Sell the whole free base balance (floored to the step); dust that can't be sold is refused."""
        rules = self.rules(symbol)
        held = self.balances(fresh=True).get(rules.base)
        free = held.free if held else Decimal(0)
        if not sellable(rules, free, self.reference_price(symbol)):
            raise InvalidOrder(
                f"{plain(free)} {rules.base} is dust on {symbol}: below the minimum order (min "
                f"{plain(rules.min_qty)} {rules.base} and {plain(rules.min_notional)} {rules.quote}); "
                f"buy more to sell it together, or convert it with Binance's 'Convert small balance to BNB'")
        quantity = floor_to_step(free, rules.quantity_step(True))
        request = OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.SELL, quantity=quantity)
        return self.place_order(request, journal=journal)

    # --- OCO sells -------------------------------------------------------------------------

    def place_oco_sell(self, symbol: str, quantity: Decimal, take_profit_price: Decimal, stop_price: Decimal,
                       stop_limit_price: Decimal | None = None, client_order_id: str | None = None,
                       *, journal: OrderJournal) -> OcoOrder:
        """Protect a holding: take-profit LIMIT_MAKER above, STOP_LOSS_LIMIT below.

        Normalise and check it, journal the list and both legs pending, then send and resolve it.
        """
        rules = self.rules(symbol)
        qty = normalize_quantity(rules, quantity, market_order=False, verb="sell")
        take_profit = normalize_price(rules, take_profit_price, Rounding.UP, "take-profit price")
        stop = normalize_price(rules, stop_price, Rounding.UP, "stop price")
        limit = normalize_price(rules, stop_limit_price if stop_limit_price is not None
                                else stop_price * (1 - STOP_LIMIT_GAP), Rounding.DOWN, "stop-limit price")
        price = self.reference_price(symbol)
        if not take_profit > price > stop >= limit:
            raise InvalidOrder(
                f"an OCO sell on {symbol} needs take-profit > current price > stop >= stop-limit; got "
                f"{plain(take_profit)} > {plain(price)} > {plain(stop)} >= {plain(limit)}; move the prices")
        for leg_price, what in ((take_profit, "take-profit price"), (limit, "stop-limit price")):
            check_price_band(rules, leg_price, price, buy=False, what=what)
            check_notional(rules, qty, leg_price, market_order=False, verb="sell")
        held = self.balances().get(rules.base)
        if held is None or qty > held.free:
            held = self.balances(fresh=True).get(rules.base)
        free = held.free if held else Decimal(0)
        if qty > free:
            raise InsufficientBalance(
                f"an OCO sell of {plain(qty)} {rules.base} needs that much free; "
                f"{amount_of(rules, free, rules.base, up=False)} is free: short by "
                f"{amount_of(rules, qty - free, rules.base, up=True)}; sell less",
                shortfall=qty - free, asset=rules.base)
        list_id = self._client_id(client_order_id)
        tp_id, sl_id = (self._client_id(list_id + suffix) for suffix in LEG_SUFFIXES)
        self._check_gate()
        journal.pending_list(list_id, [
            (tp_id, OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.SELL, type=OrderType.LIMIT_MAKER,
                                 quantity=qty, price=take_profit)),
            (sl_id, OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.SELL, type=OrderType.STOP_LOSS_LIMIT,
                                 quantity=qty, price=limit, stop_price=stop)),
        ])
        params = {
            "symbol": self.market_id(symbol), "side": "SELL", "quantity": plain(qty),
            "listClientOrderId": list_id,
            "aboveType": "LIMIT_MAKER", "abovePrice": plain(take_profit), "aboveClientOrderId": tp_id,
            "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": plain(stop), "belowPrice": plain(limit),
            "belowTimeInForce": "GTC", "belowClientOrderId": sl_id, "recvWindow": self.order_window_ms,
        }
        try:
            result = self._send_oco(symbol, params, tp_id, sl_id)
        except Unresolved as e:
            raise e.error from e.__cause__
        except TooManyOrders as e:
            error = e.on(symbol)
            for leg in (tp_id, sl_id):
                journal.failed(leg, error)
            raise error from e
        except ConsoleError as e:
            for leg in (tp_id, sl_id):
                journal.failed(leg, e)
            raise
        self.forget_balances()
        journal.resolved(result.take_profit)
        journal.resolved(result.stop_loss)
        return result

    def _send_oco(self, symbol: str, params: dict, tp_id: str, sl_id: str) -> OcoOrder:
        def send() -> OcoOrder:
            return _parse_oco(self.transport.once("create_oco", self.exchange.private_post_orderlist_oco, params,
                                                  orders=2), symbol)

        def find() -> OcoOrder:
            raw = self.transport.once("fetch_order", self.exchange.fetch_order, None, symbol,
                                      {"origClientOrderId": tp_id})
            info = raw.get("info") or raw
            return OcoOrder(list_id=str(info.get("orderListId")), list_client_order_id=params["listClientOrderId"],
                            symbol=symbol, take_profit=parse_order(raw, symbol, Market.SPOT),
                            stop_loss=self.fetch_order(symbol, sl_id))

        return self.transport.send_order(send, find, f"OCO {params['listClientOrderId']} on {symbol}")

    def cancel_oco(self, symbol: str, list_id: str | None = None, *,
                   list_client_order_id: str | None = None) -> list[Order]:
        """Cancel an OCO as a list (by its exchange or client list id); return both legs as the exchange reports them.

        A retried cancel whose first try went through is answered -2011 (OrderNotFound), as is a
        list that is no longer working (a leg filled, or it was cancelled); the caller looks its
        legs up then.
        """
        if not list_id and not list_client_order_id:
            raise InvalidOrder("name the OCO to cancel by its list id or its list client order id")
        self.rules(symbol)
        params = {"symbol": self.market_id(symbol)}
        params.update({"orderListId": list_id} if list_id else {"listClientOrderId": list_client_order_id})
        self.forget_balances()
        raw = self.transport.read("cancel_oco", self.exchange.private_delete_orderlist, params)
        return [parse_order(r, symbol, Market.SPOT) for r in raw.get("orderReports") or ()]


def _parse_oco(raw: dict, symbol: str) -> OcoOrder:
    legs = {str(r.get("type")).upper(): parse_order(r, symbol, Market.SPOT) for r in raw.get("orderReports") or ()}
    if "LIMIT_MAKER" not in legs or "STOP_LOSS_LIMIT" not in legs:
        raise InvalidOrder(f"the exchange's OCO answer lacks a leg: {raw}")
    return OcoOrder(list_id=str(raw.get("orderListId")), list_client_order_id=str(raw.get("listClientOrderId")),
                    symbol=symbol, take_profit=legs["LIMIT_MAKER"], stop_loss=legs["STOP_LOSS_LIMIT"])
