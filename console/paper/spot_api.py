"""Spot endpoints (/api/v3/...): the signed account and order routes, rendered as Binance does."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from console.paper.book import Order, OrderList, Trade
from console.paper.protocol import ApiError, fmt8, parse_int
from console.paper.spot import STOPS as STOP_TYPES

if TYPE_CHECKING:
    from console.paper.server import PaperExchange


def order_json(o: Order) -> dict[str, Any]:
    return {"symbol": o.symbol, "orderId": o.order_id, "orderListId": o.order_list_id,
            "clientOrderId": o.client_order_id, "price": fmt8(o.price), "origQty": fmt8(o.orig_qty),
            "executedQty": fmt8(o.executed_qty), "cummulativeQuoteQty": fmt8(o.cum_quote), "status": o.status,
            "timeInForce": o.time_in_force, "type": o.type, "side": o.side, "stopPrice": fmt8(o.stop_price),
            "icebergQty": fmt8(o.stop_price * 0), "time": o.time, "updateTime": o.update_time,
            "isWorking": o.working_time != -1, "workingTime": o.working_time,
            "origQuoteOrderQty": fmt8(o.orig_quote_qty), "selfTradePreventionMode": "EXPIRE_MAKER"}


def fill_json(t: Trade) -> dict[str, Any]:
    return {"price": fmt8(t.price), "qty": fmt8(t.qty), "commission": fmt8(t.commission),
            "commissionAsset": t.commission_asset, "tradeId": t.trade_id}


def report_json(o: Order) -> dict[str, Any]:
    """An order as Binance reports it when placed (FULL / RESULT) or in an order list's reports:
    no time, updateTime or isWorking, and stopPrice only on the stop types."""
    report = order_json(o)
    for key in ("time", "updateTime", "isWorking", "icebergQty"):
        report.pop(key)
    if o.type not in STOP_TYPES:
        report.pop("stopPrice")
    return report


def new_order_json(ex: "PaperExchange", o: Order, resp_type: str) -> dict[str, Any]:
    ack = {"symbol": o.symbol, "orderId": o.order_id, "orderListId": o.order_list_id,
           "clientOrderId": o.client_order_id, "transactTime": o.time}
    if resp_type == "ACK":
        return ack
    result = {**ack, **report_json(o)}
    if resp_type == "FULL":
        result["fills"] = [fill_json(t) for t in ex.spot.trades[-10:] if t.order_id == o.order_id]
    return result


def trade_json(t: Trade) -> dict[str, Any]:
    return {"symbol": t.symbol, "id": t.trade_id, "orderId": t.order_id, "orderListId": t.order_list_id,
            "price": fmt8(t.price), "qty": fmt8(t.qty), "quoteQty": fmt8(t.quote_qty),
            "commission": fmt8(t.commission), "commissionAsset": t.commission_asset, "time": t.time,
            "isBuyer": t.side == "BUY", "isMaker": t.maker, "isBestMatch": True}


def list_json(ex: "PaperExchange", lst: OrderList, with_reports: bool) -> dict[str, Any]:
    orders = [ex.spot.orders[i] for i in lst.order_ids]
    done = all(not o.is_open for o in orders)
    result: dict[str, Any] = {
        "orderListId": lst.list_id, "contingencyType": "OCO", "listStatusType": "ALL_DONE" if done else "EXEC_STARTED",
        "listOrderStatus": "ALL_DONE" if done else "EXECUTING", "listClientOrderId": lst.client_id,
        "transactionTime": ex.now_ms(), "symbol": lst.symbol,
        "orders": [{"symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id} for o in orders]}
    if with_reports:
        reports = []
        for o in orders:
            reports.append({**report_json(o), "transactTime": ex.now_ms()})
        result["orderReports"] = reports
    return result


def account(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    omit_zero = params.get("omitZeroBalances", "false").lower() == "true"
    held = ex.spot.balances
    listed = {a for r in ex.spot.rules.symbols.values() for a in (r.base, r.quote)}
    balances = []
    for asset in sorted(listed | set(held)):
        free, locked = held.get(asset, (Decimal(0), Decimal(0)))
        if not (omit_zero and free == 0 and locked == 0):
            balances.append({"asset": asset, "free": fmt8(free), "locked": fmt8(locked)})
    return {"makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000", "seller": "0.00000000"},
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False, "updateTime": ex.now_ms(),
            "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 1}


def new_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    order = ex.spot.new_order(params)
    default = "FULL" if order.type in ("MARKET", "LIMIT") else "ACK"
    return new_order_json(ex, order, params.get("newOrderRespType", default))


def test_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    ex.spot.rules.get(params.get("symbol"))
    return {}


def query_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return order_json(ex.spot.find(params))


def cancel_json(ex: "PaperExchange", o: Order) -> dict[str, Any]:
    """A cancelled order as DELETE /api/v3/order (and a cancelled list's reports) answer it."""
    report = report_json(o)
    report.pop("workingTime")
    return {"symbol": o.symbol, "origClientOrderId": o.client_order_id, **report, "transactTime": ex.now_ms()}


def cancel_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return cancel_json(ex, ex.spot.cancel(params))


def open_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [order_json(o) for o in ex.spot.open_orders(params.get("symbol"))]


def cancel_open_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    ex.spot.rules.get(params.get("symbol"))
    orders = ex.spot.cancel_all(params.get("symbol", ""))
    if not orders:
        raise ApiError(400, -2011, "Unknown order sent.")
    return [cancel_json(ex, o) for o in orders]


def all_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = ex.spot.rules.get(params.get("symbol")).symbol
    rows = [order_json(o) for o in ex.spot.orders.values() if o.symbol == symbol]
    return rows[-(parse_int(params, "limit", 500) or 500):]


def new_oco(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return list_json(ex, ex.spot.new_oco(params), with_reports=True)


def cancel_list(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    ex.spot.rules.get(params.get("symbol"))
    found = ex.spot.find_list(params)
    result = list_json(ex, ex.spot.cancel_list(found.list_id), with_reports=False)
    result["orderReports"] = [cancel_json(ex, ex.spot.orders[i]) for i in found.order_ids]
    return result


def query_list(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return list_json(ex, ex.spot.find_list(params), with_reports=False)


def my_trades(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [trade_json(t) for t in ex.spot.trade_history(params)]
