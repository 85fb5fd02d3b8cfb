"""USD-M conditional (algo) orders: STOP / TAKE_PROFIT, market or limit, placed when triggered.

They trigger from the feed in the exchange's matching loop, whether or not a client is connected:
on the contract (last) price by default, on the mark price with ``workingType=MARK_PRICE`` (the
paper mark follows the feed unless a test pins it apart, see ``FuturesBook.set_mark``). A
reduce-only order that triggers closes at most the position, never opening the other side.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from console.paper.book import ZERO, new_client_id
from console.paper.protocol import ApiError, bad_request, fmt, mandatory, parse_decimal, parse_int

if TYPE_CHECKING:
    from console.paper.futures import FuturesBook

TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")
WORKING_TYPES = ("CONTRACT_PRICE", "MARK_PRICE")  # Binance's default first


@dataclass
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal
    time_in_force: str
    reduce_only: bool
    close_position: bool
    create_time: int
    update_time: int
    status: str = "NEW"
    trigger_time: int = 0
    actual_order_id: int | None = None
    working_type: str = "CONTRACT_PRICE"

    def doc(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "AlgoOrder":
        values = dict(doc)
        for key in ("quantity", "trigger_price", "price"):
            values[key] = Decimal(values[key])
        return cls(**values)

    def json(self) -> dict[str, Any]:
        """The order as /fapi/v1/algoOrder reports it."""
        return {"algoId": self.algo_id, "clientAlgoId": self.client_algo_id, "algoType": "CONDITIONAL",
                "orderType": self.order_type, "symbol": self.symbol, "side": self.side, "positionSide": "BOTH",
                "timeInForce": self.time_in_force, "quantity": fmt(self.quantity), "algoStatus": self.status,
                "triggerPrice": fmt(self.trigger_price), "price": fmt(self.price), "icebergQuantity": None,
                "selfTradePreventionMode": "EXPIRE_MAKER", "workingType": self.working_type, "priceMatch": "NONE",
                "closePosition": self.close_position, "priceProtect": False, "reduceOnly": self.reduce_only,
                "actualOrderId": "" if self.actual_order_id is None else str(self.actual_order_id),
                "createTime": self.create_time, "updateTime": self.update_time, "triggerTime": self.trigger_time,
                "goodTillDate": 0}


def _fires(order: AlgoOrder, low: Decimal, high: Decimal) -> bool:
    rising = (order.order_type.startswith("STOP")) == (order.side == "BUY")
    return high >= order.trigger_price if rising else low <= order.trigger_price


class AlgoOrders:
    """The conditional orders of a FuturesBook; every method runs under the exchange's lock."""

    def __init__(self, book: "FuturesBook") -> None:
        self.book = book
        self.orders: dict[int, AlgoOrder] = {}
        self.next_id = 1_000

    def new(self, params: dict[str, str]) -> AlgoOrder:
        """Validate and store a conditional order; -2021 if it would trigger at once."""
        book = self.book
        rules = book.rules.get(params.get("symbol"))
        if params.get("algoType", "CONDITIONAL") != "CONDITIONAL":
            raise bad_request(-1116, "Invalid algoType.")
        side, kind = params.get("side", ""), params.get("type", "")
        if side not in ("BUY", "SELL"):
            raise mandatory("side") if not side else bad_request(-1117, "Invalid side.")
        if kind not in TYPES:
            raise mandatory("type") if not kind else bad_request(-1116, "Invalid orderType.")
        close = params.get("closePosition", "false").lower() == "true"
        working = params.get("workingType") or WORKING_TYPES[0]
        if working not in WORKING_TYPES:
            raise bad_request(-1130, "Data sent for parameter 'workingType' is not valid.")
        trigger = parse_decimal(params, "triggerPrice", required=True)
        assert trigger is not None
        rules.check_price(trigger)
        price = parse_decimal(params, "price", required=kind in ("STOP", "TAKE_PROFIT")) or ZERO
        if price:
            rules.check_price(price)
        qty = parse_decimal(params, "quantity", required=not close) or ZERO
        if qty:
            rules.check_quantity(qty, market_order=kind.endswith("_MARKET"))
        cid = params.get("clientAlgoId") or new_client_id()
        if any(o.client_algo_id == cid and o.status == "NEW" for o in self.orders.values()):
            raise ApiError(400, -4116, "ClientOrderId is duplicated.")
        algos = len(self.open(rules.symbol))
        rules.check_open_orders(algos + len(book.open_orders(rules.symbol)), algos, algo=True, futures=True)
        last = book.mark(rules.symbol) if working == "MARK_PRICE" else book.last(rules)
        self.next_id += 1
        now = book.now_ms()
        order = AlgoOrder(algo_id=self.next_id, client_algo_id=cid, symbol=rules.symbol, side=side, order_type=kind,
                          quantity=qty, trigger_price=trigger, price=price, time_in_force=params.get("timeInForce", "GTC"),
                          reduce_only=params.get("reduceOnly", "false").lower() == "true" or close,
                          close_position=close, create_time=now, update_time=now, working_type=working)
        if _fires(order, last, last):
            raise ApiError(400, -2021, "Order would immediately trigger.")
        book.watch(rules.symbol)
        self.orders[order.algo_id] = order
        book.mark_dirty()
        return order

    def find(self, params: dict[str, str]) -> AlgoOrder:
        algo_id = parse_int(params, "algoId")
        cid = params.get("clientAlgoId")
        if algo_id is None and not cid:
            raise ApiError(400, -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!")
        for order in sorted(self.orders.values(), key=lambda o: -o.algo_id):
            if (algo_id is not None and order.algo_id == algo_id) or (cid and order.client_algo_id == cid):
                return order
        raise ApiError(400, -2013, "Order does not exist.")

    def cancel(self, params: dict[str, str]) -> AlgoOrder:
        order = self.find(params)
        if order.status != "NEW":
            raise ApiError(400, -2011, "Unknown order sent.")
        order.status = "CANCELED"
        order.update_time = self.book.now_ms()
        self.book.mark_dirty()
        return order

    def open(self, symbol: str | None) -> list[AlgoOrder]:
        return [o for o in self.orders.values() if o.status == "NEW" and (not symbol or o.symbol == symbol)]

    def symbols(self) -> set[str]:
        return {o.symbol for o in self.orders.values() if o.status == "NEW"}

    def match(self, symbol: str, low: Decimal, high: Decimal, continuous: bool) -> None:
        """Place the order of every conditional order on symbol whose trigger the path reached.

        ``low`` / ``high`` span the contract price since the last match; a mark pinned apart
        from it is a jump of its own.
        """
        book = self.book
        mark = book.marks.get(symbol)
        for order in self.open(symbol):
            on_mark = order.working_type == "MARK_PRICE" and mark is not None
            if not (_fires(order, mark, mark) if on_mark else _fires(order, low, high)):
                continue
            now = book.now_ms()
            order.status, order.trigger_time, order.update_time = "TRIGGERED", now, now
            book.mark_dirty()
            position = book.positions.get(symbol)
            qty = order.quantity
            if order.close_position:
                qty = abs(position.amount) if position is not None else ZERO
            params = {"symbol": symbol, "side": order.side, "quantity": f"{qty:f}",
                      "reduceOnly": "true" if order.reduce_only else "false"}
            if order.order_type.endswith("_MARKET"):
                params["type"] = "MARKET"
            else:
                params.update(type="LIMIT", price=f"{order.price:f}", timeInForce=order.time_in_force)
            try:
                if qty <= 0:
                    raise ApiError(400, -2022, "ReduceOnly Order is rejected.")
                placed = book.new_order(params, at=order.trigger_price if continuous and not on_mark else None)
                order.actual_order_id = placed.order_id
                order.status = "FINISHED" if not placed.is_open else "TRIGGERED"
            except ApiError:
                order.status = "EXPIRED"
