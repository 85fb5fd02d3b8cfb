"""USD-M endpoints (/fapi/...): account, orders, positions, leverage, rendered as Binance does."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from console.paper.book import Order, Trade
from console.paper.futures import Position
from console.paper.protocol import fmt, fmt8, parse_int
from console.paper.rules import leverage_brackets, maint_margin_ratio, max_notional

if TYPE_CHECKING:
    from console.paper.server import PaperExchange


def order_json(o: Order) -> dict[str, Any]:
    return {"orderId": o.order_id, "symbol": o.symbol, "status": o.status, "clientOrderId": o.client_order_id,
            "price": fmt(o.price), "avgPrice": fmt(o.avg_price), "origQty": fmt(o.orig_qty),
            "executedQty": fmt(o.executed_qty), "cumQty": fmt(o.executed_qty), "cumQuote": fmt(o.cum_quote),
            "timeInForce": o.time_in_force, "type": o.type, "reduceOnly": o.reduce_only, "closePosition": False,
            "side": o.side, "positionSide": "BOTH", "stopPrice": "0", "workingType": "CONTRACT_PRICE",
            "priceProtect": False, "origType": o.type, "priceMatch": "NONE", "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0, "time": o.time, "updateTime": o.update_time}


def trade_json(t: Trade) -> dict[str, Any]:
    return {"buyer": t.side == "BUY", "commission": fmt8(t.commission), "commissionAsset": t.commission_asset,
            "id": t.trade_id, "maker": t.maker, "orderId": t.order_id, "price": fmt(t.price), "qty": fmt(t.qty),
            "quoteQty": fmt(t.quote_qty), "realizedPnl": fmt8(t.realized_pnl), "side": t.side,
            "positionSide": "BOTH", "symbol": t.symbol, "time": t.time}


def _position_json(ex: "PaperExchange", p: Position) -> dict[str, Any]:
    book = ex.futures
    mark = book.mark(p.symbol)
    notional = p.amount * mark
    unpnl = book.unrealized(p)
    initial = book.position_margin(p) if p.amount else Decimal(0)
    maint = abs(notional) * maint_margin_ratio(p.symbol, abs(notional))
    liq = Decimal(0)
    if p.amount:
        mmr = maint_margin_ratio(p.symbol, abs(notional))
        direction = 1 if p.amount > 0 else -1
        liq = max(Decimal(0), p.entry * (1 - direction * (1 / Decimal(p.leverage) - mmr)))
    return {"symbol": p.symbol, "positionSide": "BOTH", "positionAmt": fmt(p.amount), "entryPrice": fmt(p.entry),
            "breakEvenPrice": fmt(p.entry), "markPrice": fmt(mark), "unRealizedProfit": fmt8(unpnl),
            "unrealizedProfit": fmt8(unpnl), "liquidationPrice": fmt8(liq),
            "isolatedMargin": fmt8(p.isolated_wallet + (unpnl if p.isolated else 0)),
            "notional": fmt8(notional), "marginAsset": "USDT", "isolatedWallet": fmt8(p.isolated_wallet),
            "initialMargin": fmt8(initial), "maintMargin": fmt8(maint), "positionInitialMargin": fmt8(initial),
            "openOrderInitialMargin": "0", "adl": 0, "bidNotional": "0", "askNotional": "0",
            "leverage": str(p.leverage), "marginType": "isolated" if p.isolated else "cross", "isolated": p.isolated,
            "isAutoAddMargin": "false", "maxNotionalValue": str(max_notional(p.symbol, p.leverage)),
            "updateTime": p.update_time}


def position_risk(ex: "PaperExchange", params: dict[str, str], futures: bool, v3: bool = False) -> Any:
    book = ex.futures
    symbol = params.get("symbol")
    names = [book.rules.get(symbol).symbol] if symbol else list(book.rules.symbols)
    rows = []
    for name in names:
        pos = book.positions.get(name)
        if pos is None:
            pos = Position(symbol=name)
        if v3 and not pos.amount and not symbol:
            continue
        rows.append(_position_json(ex, pos))
    return rows


def position_risk_v3(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return position_risk(ex, params, futures, v3=True)


def account(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    t = ex.futures.totals()
    now = ex.now_ms()
    asset = {"asset": "USDT", "walletBalance": fmt8(t["wallet"]), "unrealizedProfit": fmt8(t["unrealized"]),
             "marginBalance": fmt8(t["margin_balance"]), "maintMargin": fmt8(t["maint"]),
             "initialMargin": fmt8(t["initial"]), "positionInitialMargin": fmt8(t["position_im"]),
             "openOrderInitialMargin": fmt8(t["order_im"]), "crossWalletBalance": fmt8(t["cross_wallet"]),
             "crossUnPnl": fmt8(t["cross_unpnl"]), "availableBalance": fmt8(t["available"]),
             "maxWithdrawAmount": fmt8(t["max_withdraw"]), "marginAvailable": True, "updateTime": now}
    positions = [_position_json(ex, p) for p in ex.futures.positions.values() if p.amount]
    return {"feeTier": 0, "feeBurn": False, "canTrade": True, "canDeposit": True, "canWithdraw": True,
            "multiAssetsMargin": False, "tradeGroupId": -1, "updateTime": 0,
            "totalInitialMargin": fmt8(t["initial"]), "totalMaintMargin": fmt8(t["maint"]),
            "totalWalletBalance": fmt8(t["wallet"]), "totalUnrealizedProfit": fmt8(t["unrealized"]),
            "totalMarginBalance": fmt8(t["margin_balance"]), "totalPositionInitialMargin": fmt8(t["position_im"]),
            "totalOpenOrderInitialMargin": fmt8(t["order_im"]), "totalCrossWalletBalance": fmt8(t["cross_wallet"]),
            "totalCrossUnPnl": fmt8(t["cross_unpnl"]), "availableBalance": fmt8(t["available"]),
            "maxWithdrawAmount": fmt8(t["max_withdraw"]), "assets": [asset], "positions": positions}


def balance(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    t = ex.futures.totals()
    return [{"accountAlias": "paper", "asset": "USDT", "balance": fmt8(t["wallet"]),
             "crossWalletBalance": fmt8(t["cross_wallet"]), "crossUnPnl": fmt8(t["cross_unpnl"]),
             "availableBalance": fmt8(t["available"]), "maxWithdrawAmount": fmt8(t["max_withdraw"]),
             "marginAvailable": True, "updateTime": ex.now_ms()}]


def new_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return order_json(ex.futures.new_order(params))


def query_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return order_json(ex.futures.find(params))


def cancel_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return order_json(ex.futures.cancel(params))


def open_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [order_json(o) for o in ex.futures.open_orders(params.get("symbol"))]


def cancel_all(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    ex.futures.rules.get(params.get("symbol"))
    ex.futures.cancel_all(params.get("symbol", ""))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def all_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = ex.futures.rules.get(params.get("symbol")).symbol
    rows = [order_json(o) for o in ex.futures.orders.values() if o.symbol == symbol]
    return rows[-(parse_int(params, "limit", 500) or 500):]


def user_trades(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [trade_json(t) for t in ex.futures.trade_history(params)]


def set_leverage(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return ex.futures.set_leverage(params)


def set_margin_type(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return ex.futures.set_margin_type(params)


def leverage_bracket(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = params.get("symbol")
    if symbol:
        ex.futures.rules.get(symbol)
        return [{"symbol": symbol, "brackets": leverage_brackets(symbol)}]
    return [{"symbol": s, "brackets": leverage_brackets(s)} for s in ex.futures.rules.symbols]


def symbol_config(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = params.get("symbol")
    names = [ex.futures.rules.get(symbol).symbol] if symbol else list(ex.futures.rules.symbols)
    rows = []
    for name in names:
        pos = ex.futures.positions.get(name) or Position(symbol=name)
        rows.append({"symbol": name, "marginType": "ISOLATED" if pos.isolated else "CROSSED", "isAutoAddMargin": False,
                     "leverage": pos.leverage, "maxNotionalValue": str(max_notional(name, pos.leverage))})
    return rows


def position_mode(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return {"dualSidePosition": False}


def new_algo(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return ex.futures.algos.new(params).json()


def query_algo(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return ex.futures.algos.find(params).json()


def cancel_algo(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    order = ex.futures.algos.cancel(params)
    return {"algoId": order.algo_id, "clientAlgoId": order.client_algo_id, "code": "200", "msg": "success"}


def open_algos(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = params.get("symbol")
    if symbol:
        ex.futures.rules.get(symbol)
    return [o.json() for o in ex.futures.algos.open(symbol)]


def all_algos(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = ex.futures.rules.get(params.get("symbol")).symbol
    return [o.json() for o in ex.futures.algos.orders.values() if o.symbol == symbol]
