"""The spot account: free/locked balances, order placement, resting orders and OCO lists."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from console.paper.book import ZERO, Book, Order, OrderList, new_client_id
from console.paper.protocol import (
    ApiError, bad_request, floor_to, insufficient_balance, mandatory, parse_decimal, round8, unknown_order,
)
from console.paper.rules import SymbolRules

FEE = Decimal("0.001")
BNB_FEE = Decimal("0.00075")  # "BNB burn": the 0.1 % taker fee at 25 % off, paid in BNB
TYPES = ("MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
STOPS = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
LIMITS = ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")


def duplicate() -> ApiError:
    return ApiError(400, -2010, "Duplicate order sent.")


class SpotBook(Book):
    """Spot balances and orders; every method runs under the exchange's lock."""

    market = "spot"
    bnb_fees = False  # charge commissions in BNB while the account holds enough (a setting, kept by reset)

    def __init__(self, *args: Any, starting: dict[str, Decimal]) -> None:
        super().__init__(*args)
        self.starting = dict(starting)
        self.balances: dict[str, list[Decimal]] = {a: [Decimal(v), ZERO] for a, v in starting.items()}

    def account_doc(self) -> dict[str, Any]:
        return {"balances": {a: [str(f), str(lk)] for a, (f, lk) in self.balances.items()}}

    def load_account(self, doc: dict[str, Any]) -> None:
        self.balances = {a: [Decimal(f), Decimal(lk)] for a, (f, lk) in doc["balances"].items()}

    def free(self, asset: str) -> Decimal:
        return self.balances.get(asset, [ZERO, ZERO])[0]

    def _move(self, asset: str, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        entry = self.balances.setdefault(asset, [ZERO, ZERO])
        entry[0] += free
        entry[1] += locked
        self._account_dirty = True

    # placing ----------------------------------------------------------------------------------
    def new_order(self, params: dict[str, str], list_id: int = -1, client_id: str | None = None,
                  shares_lock: bool = False) -> Order:
        """Validate and place one order; raise ApiError as Binance would.

        An OCO's second leg ``shares_lock`` with the first: the list locks its quantity once.
        """
        rules = self.rules.get(params.get("symbol"))
        side = params.get("side", "")
        kind = params.get("type", "")
        if side not in ("BUY", "SELL"):
            raise mandatory("side") if not side else bad_request(-1117, "Invalid side.")
        if kind not in TYPES:
            raise mandatory("type") if not kind else bad_request(-1116, "Invalid orderType.")
        if rules.order_types and kind not in rules.order_types:
            raise bad_request(-1013, "Order type not supported for this symbol.")
        if not rules.trading:
            raise bad_request(-1013, "Market is closed.")
        cid = client_id or self.client_id_for(params, duplicate())
        if kind == "MARKET":
            return self._market(rules, params, side, cid)
        qty = parse_decimal(params, "quantity", required=True)
        price = parse_decimal(params, "price", required=kind in LIMITS)
        stop = parse_decimal(params, "stopPrice", required=kind in STOPS)
        tif = params.get("timeInForce", "")
        if kind in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"):
            if not tif:
                raise mandatory("timeInForce")
            if tif not in ("GTC", "IOC", "FOK"):
                raise bad_request(-1115, "Invalid timeInForce.")
        elif tif:
            raise bad_request(-1106, "Parameter 'timeInForce' sent when not required.")
        assert qty is not None
        for value in (price, stop):
            if value is not None:
                rules.check_price(value)
        rules.check_quantity(qty, market_order=price is None)
        if price is not None:
            rules.check_band(price, side, self.last(rules))
        reference = price if price is not None else (stop or self.last(rules))
        rules.check_notional(reference * qty, market_order=price is None)
        self._check_open_orders(rules, algo=kind in STOPS)
        last = self.last(rules)
        ask, bid = self.ask(rules), self.bid(rules)
        crosses = price is not None and (ask <= price if side == "BUY" else bid >= price)
        if kind == "LIMIT_MAKER" and crosses:
            raise ApiError(400, -2010, "Order would immediately match and take.")
        if kind in STOPS and _triggered(kind, side, stop or ZERO, last):
            raise ApiError(400, -2010, "Stop price would trigger immediately.")
        lock_asset, lock = (rules.quote, reference * qty) if side == "BUY" else (rules.base, qty)
        if shares_lock:
            lock = ZERO
        elif self.free(lock_asset) < lock:
            raise insufficient_balance()
        order = self.add_order(Order(market="spot", symbol=rules.symbol, order_id=self.new_order_id(), client_order_id=cid,
                                     side=side, type=kind, orig_qty=qty, time=self.now_ms(), price=price or ZERO,
                                     stop_price=stop or ZERO, time_in_force=tif or "GTC", order_list_id=list_id, locked=lock))
        self._move(lock_asset, free=-lock, locked=lock)
        if kind in STOPS:
            self.rest(order)
        elif crosses:
            self._fill(rules, order, ask if side == "BUY" else bid, maker=False)
        elif tif in ("IOC", "FOK"):
            self._close(order, "EXPIRED")
        else:
            order.working_time = order.time
            self.rest(order)
        return order

    def _market(self, rules: SymbolRules, params: dict[str, str], side: str, cid: str) -> Order:
        qty = parse_decimal(params, "quantity")
        quote_qty = parse_decimal(params, "quoteOrderQty")
        if qty is None and quote_qty is None:
            raise ApiError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
        if qty is not None and quote_qty is not None:
            raise ApiError(400, -1106, "Parameter 'quoteOrderQty' sent when not required.")
        price = self.ask(rules) if side == "BUY" else self.bid(rules)
        if quote_qty is not None:
            if quote_qty <= 0:
                raise bad_request(-1013, "Invalid quantity.")
            qty = floor_to(quote_qty / price, rules.step or rules.market_step)
            if qty <= 0:
                raise ApiError(400, -1013, "Filter failure: LOT_SIZE")
        assert qty is not None
        rules.check_quantity(qty, market_order=True)
        # a quoteOrderQty order is valued at its quote amount: exactly the minimum passes at any price
        rules.check_notional(quote_qty if quote_qty is not None else qty * self.last(rules), market_order=True)
        self._check_open_orders(rules, algo=False)
        if side == "BUY" and self.free(rules.quote) < qty * price or side == "SELL" and self.free(rules.base) < qty:
            raise insufficient_balance()
        order = self.add_order(Order(market="spot", symbol=rules.symbol, order_id=self.new_order_id(), client_order_id=cid,
                                     side=side, type="MARKET", orig_qty=qty, time=self.now_ms(),
                                     orig_quote_qty=quote_qty or ZERO))
        order.working_time = order.time
        self._fill(rules, order, price, maker=False)
        return order

    def _check_open_orders(self, rules: SymbolRules, algo: bool) -> None:
        """MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS: the open orders on the symbol, with this one, within the filters."""
        orders = self.open_orders(rules.symbol)
        rules.check_open_orders(len(orders), sum(o.type in STOPS for o in orders), algo=algo, futures=False)

    def _fill(self, rules: SymbolRules, order: Order, price: Decimal, maker: bool, qty: Decimal | None = None) -> None:
        """Fill ``qty`` of the order (default: the rest) at price, settling balances to the last unit."""
        qty = order.orig_qty - order.executed_qty if qty is None else qty
        quote = price * qty
        if order.side == "BUY":
            commission, asset = round8(qty * FEE), rules.base
            from_locked = min(order.locked, quote)
            self._move(rules.quote, free=-(quote - from_locked), locked=-from_locked)
            self._move(rules.base, free=qty)
        else:
            commission, asset = round8(quote * FEE), rules.quote
            from_locked = min(order.locked, qty)
            self._move(rules.base, free=-(qty - from_locked), locked=-from_locked)
            self._move(rules.quote, free=quote)
        commission, asset = self._in_bnb(rules, quote) or (commission, asset)
        self._move(asset, free=-commission)
        order.locked -= from_locked
        self.record_trade(order, price, qty, commission, asset, maker)
        if not order.is_open:
            self._release(rules, order)
            self._list_finished(order)

    def _in_bnb(self, rules: SymbolRules, quote: Decimal) -> tuple[Decimal, str] | None:
        """The commission in BNB at the BNB/quote price, when ``bnb_fees`` is on and enough BNB is free."""
        if not self.bnb_fees:
            return None
        pair = self.rules.symbols.get(f"BNB{rules.quote}")
        if rules.quote != "BNB" and pair is None:
            return None  # no BNB price in this quote: paid as usual
        price = Decimal(1) if rules.quote == "BNB" else self.last(pair)
        fee = round8(quote * BNB_FEE / price)
        return (fee, "BNB") if 0 < fee <= self.free("BNB") else None

    def _release(self, rules: SymbolRules, order: Order) -> None:
        if order.locked:
            asset = rules.quote if order.side == "BUY" else rules.base
            self._move(asset, free=order.locked, locked=-order.locked)
            order.locked = ZERO

    def _close(self, order: Order, status: str) -> None:
        order.status = status
        self._release(self.rules.get(order.symbol), order)
        self.touch(order)
        self._list_finished(order)

    def _list_finished(self, order: Order) -> None:
        """Mark order's list ALL_DONE once none of its legs is open any more."""
        order_list = self.lists.get(order.order_list_id)
        if order_list is not None and not any(self.orders[i].is_open for i in order_list.order_ids):
            order_list.status = "ALL_DONE"

    def cancel(self, params: dict[str, str]) -> Order:
        """Cancel an open order (-2011 when unknown or already final)."""
        order = self.find(params, missing=unknown_order())
        if not order.is_open:
            raise unknown_order()
        order_list = self.lists.get(order.order_list_id)
        if order_list is not None and order_list.status == "EXECUTING":
            self.cancel_list(order.order_list_id)
        else:  # a lone order, or the leg left working after its list's other leg triggered
            self._close(order, "CANCELED")
        return order

    def cancel_all(self, symbol: str) -> list[Order]:
        orders = self.open_orders(symbol)
        for order in orders:
            self._close(order, "CANCELED")
        return orders

    # OCO --------------------------------------------------------------------------------------
    def new_oco(self, params: dict[str, str]) -> OrderList:
        """Place an OCO from the orderList/oco (above/below) or legacy order/oco parameters."""
        rules = self.rules.get(params.get("symbol"))
        if "aboveType" in params or "belowType" in params:
            legs = [("above", params.get("aboveType", "")), ("below", params.get("belowType", ""))]
        else:
            limit_type, stop_type = "LIMIT_MAKER", "STOP_LOSS_LIMIT" if params.get("stopLimitPrice") else "STOP_LOSS"
            legacy = {"abovePrice": params.get("price"), "aboveClientOrderId": params.get("limitClientOrderId"),
                      "belowStopPrice": params.get("stopPrice"), "belowPrice": params.get("stopLimitPrice"),
                      "belowTimeInForce": params.get("stopLimitTimeInForce"),
                      "belowClientOrderId": params.get("stopClientOrderId")}
            if params.get("side") == "BUY":
                legacy = {"belowPrice": params.get("price"), "belowClientOrderId": params.get("limitClientOrderId"),
                          "aboveStopPrice": params.get("stopPrice"), "abovePrice": params.get("stopLimitPrice"),
                          "aboveTimeInForce": params.get("stopLimitTimeInForce"),
                          "aboveClientOrderId": params.get("stopClientOrderId")}
                legs = [("below", limit_type), ("above", stop_type)]
            else:
                legs = [("above", limit_type), ("below", stop_type)]
            params = {**params, **{k: v for k, v in legacy.items() if v}}
        list_cid = params.get("listClientOrderId") or new_client_id()
        for key in ("aboveClientOrderId", "belowClientOrderId"):
            existing = self.by_client.get(params.get(key) or "")
            if existing is not None and self.orders[existing].is_open:
                raise duplicate()
        legs.sort(key=lambda leg: leg[1] not in ("LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"))
        leg_params = [self._leg(params, where, kind) for where, kind in legs]
        for leg in leg_params:
            self._validate_leg(rules, leg)
        order_list = OrderList(list_id=self.next_list_id, client_id=list_cid, symbol=rules.symbol, time=self.now_ms())
        self.next_list_id += 1
        self.lists[order_list.list_id] = order_list
        try:
            for i, leg in enumerate(leg_params):
                cid = leg.get("newClientOrderId") or new_client_id()
                order = self.new_order(leg, list_id=order_list.list_id, client_id=cid, shares_lock=i > 0)
                order_list.order_ids.append(order.order_id)
        except ApiError:
            for order_id in order_list.order_ids:
                placed = self.orders.pop(order_id)
                self._release(rules, placed)
                self.by_client.pop(placed.client_order_id, None)
                self._dirty.pop(order_id, None)
                self.resting.get(placed.symbol, []).remove(order_id)
            del self.lists[order_list.list_id]
            raise
        return order_list

    def _leg(self, params: dict[str, str], where: str, kind: str) -> dict[str, str]:
        leg = {"symbol": params.get("symbol", ""), "side": params.get("side", ""), "type": kind,
               "quantity": params.get("quantity", "")}
        for name, key in (("price", "Price"), ("stopPrice", "StopPrice"), ("timeInForce", "TimeInForce"),
                          ("newClientOrderId", "ClientOrderId")):
            value = params.get(where + key)
            if value:
                leg[name] = value
        return leg

    def _validate_leg(self, rules: SymbolRules, leg: dict[str, str]) -> None:
        if leg["type"] not in TYPES or leg["type"] == "MARKET":
            raise bad_request(-1116, "Invalid orderType.")
        for name in ("price", "stopPrice"):
            value = parse_decimal(leg, name)
            if value is not None:
                rules.check_price(value)

    def cancel_list(self, list_id: int) -> OrderList:
        order_list = self.lists.get(list_id)
        if order_list is None or order_list.status != "EXECUTING":
            raise ApiError(400, -2011, "Unknown order sent.")
        for order_id in order_list.order_ids:
            order = self.orders[order_id]
            if order.is_open:
                self._close(order, "CANCELED")
        order_list.status = "ALL_DONE"
        return order_list

    def find_list(self, params: dict[str, str]) -> OrderList:
        list_id = params.get("orderListId")
        cid = params.get("listClientOrderId")
        for order_list in self.lists.values():
            if (list_id and str(order_list.list_id) == list_id) or (cid and order_list.client_id == cid):
                return order_list
        raise ApiError(400, -2011, "Order list does not exist.")

    def _done_with_list(self, order: Order, status: str) -> None:
        """Close the other legs of order's list: it triggered or (partly) filled. The list stays
        EXECUTING while order itself still rests partly filled."""
        order_list = self.lists.get(order.order_list_id)
        if order_list is None:
            return
        for other_id in order_list.order_ids:
            other = self.orders[other_id]
            if other is not order and other.is_open:
                if other.locked and not order.locked:
                    order.locked, other.locked = other.locked, ZERO
                self._close(other, status)

    # matching ---------------------------------------------------------------------------------
    def match(self, symbol: str) -> None:
        """Trigger and fill resting orders on symbol against the prices since the last match."""
        ids = self.resting.get(symbol)
        if not ids:
            return
        rules = self.rules.get(symbol)
        low, high, continuous, moved = self.path(symbol)
        last, ask, bid = self.last(rules), self.ask(rules), self.bid(rules)
        for order_id in list(ids):
            order = self.orders[order_id]
            if not order.is_open:
                continue
            if order.type in STOPS and not order.triggered:
                if not _reached(order.type, order.side, order.stop_price, low, high):
                    continue
                order.triggered = True
                order.working_time = self.now_ms()
                self._done_with_list(order, "EXPIRED")
                self.touch(order)
                # on a continuous path the stop fires at its own price; a pinned price jumps there
                at = order.stop_price if continuous else last
                price = self.ask(rules, at) if order.side == "BUY" else self.bid(rules, at)
                if not order.type.endswith("_LIMIT"):
                    self._fill(rules, order, price, maker=False)  # a stop-market order fills at once
                elif _within_limit(order, price):
                    self._fill(rules, order, price, maker=False, qty=self.part(rules, order))
                elif _within_limit(order, ask if order.side == "BUY" else bid):
                    self._fill(rules, order, ask if order.side == "BUY" else bid, maker=False,
                               qty=self.part(rules, order))
                continue
            if (moved or self.partial_fills is None) and self.crossed(rules, order, low, high):
                self._done_with_list(order, "EXPIRED")
                self._fill(rules, order, order.price, maker=True, qty=self.part(rules, order))

    def reset(self) -> None:
        self.__init__(self.rules, self.feed, self.clock, starting=self.starting)  # type: ignore[misc]
        self._account_dirty = True


def _triggered(kind: str, side: str, stop: Decimal, last: Decimal) -> bool:
    return _reached(kind, side, stop, last, last)


def _reached(kind: str, side: str, stop: Decimal, low: Decimal, high: Decimal) -> bool:
    falling = kind.startswith("STOP_LOSS") == (side == "SELL")
    return low <= stop if falling else high >= stop


def _within_limit(order: Order, price: Decimal) -> bool:
    return price <= order.price if order.side == "BUY" else price >= order.price
