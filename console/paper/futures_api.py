"""USD-M endpoints (/fapi/...): account, orders, positions, leverage, rendered as Binance does."""
from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from console.paper.algo import AlgoOrder
from console.paper.book import Order, Trade
from console.paper.futures import Position
from console.paper.protocol import bad_request, fmt, fmt8, parse_int
from console.paper.rules import leverage_brackets, maint_margin_ratio, max_notional
from console.paper.settlement import income_rows

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


def placed_json(o: Order) -> dict[str, Any]:
    """An order as POST and DELETE /fapi/v1/order answer it: with cumQty, without time."""
    result = order_json(o)
    result.pop("time")
    return result


def queried_json(o: Order) -> dict[str, Any]:
    """An order as GET /fapi/v1/order, openOrders and allOrders answer it: with time, without cumQty."""
    result = order_json(o)
    result.pop("cumQty")
    return result


def trade_json(t: Trade) -> dict[str, Any]:
    return {"buyer": t.side == "BUY", "commission": fmt8(t.commission), "commissionAsset": t.commission_asset,
            "id": t.trade_id, "maker": t.maker, "orderId": t.order_id, "price": fmt(t.price), "qty": fmt(t.qty),
            "quoteQty": fmt(t.quote_qty), "realizedPnl": fmt8(t.realized_pnl), "marginAsset": "USDT", "side": t.side,
            "positionSide": "BOTH", "symbol": t.symbol, "time": t.time}


class _Risk:
    """The figures of one position that positionRisk and account answers are drawn from.

    A flat position's figures are zeros; its mark price is read only when an answer shows it
    (reading it makes the feed draw that symbol's prices).
    """

    def __init__(self, ex: "PaperExchange", p: Position) -> None:
        self.book = ex.futures
        self.p = p
        zero = Decimal(0)
        self.notional = self.unpnl = self.initial = self.maint = self.liq = zero
        if p.amount:
            self.notional = p.amount * self.mark
            self.unpnl = self.book.unrealized(p)
            self.initial = self.book.position_margin(p)
            self.maint = abs(self.notional) * maint_margin_ratio(p.symbol, abs(self.notional))
            self.liq = self.book.settlement.liquidation_price(p)
        self.isolated_margin = p.isolated_wallet + (self.unpnl if p.isolated else 0)

    @cached_property
    def mark(self) -> Decimal:
        return self.book.mark(self.p.symbol)


def _risk_v2(r: _Risk) -> dict[str, Any]:
    p = r.p
    return {"entryPrice": fmt(p.entry), "breakEvenPrice": fmt(p.entry),
            "marginType": "isolated" if p.isolated else "cross", "isAutoAddMargin": "false",
            "isolatedMargin": fmt8(r.isolated_margin), "leverage": str(p.leverage),
            "liquidationPrice": fmt8(r.liq), "markPrice": fmt8(r.mark),
            "maxNotionalValue": str(max_notional(p.symbol, p.leverage)), "positionAmt": fmt(p.amount),
            "notional": fmt8(r.notional), "isolatedWallet": fmt8(p.isolated_wallet), "symbol": p.symbol,
            "unRealizedProfit": fmt8(r.unpnl), "positionSide": "BOTH", "updateTime": p.update_time}


def _risk_v3(r: _Risk) -> dict[str, Any]:
    p = r.p
    return {"symbol": p.symbol, "positionSide": "BOTH", "positionAmt": fmt(p.amount), "entryPrice": fmt(p.entry),
            "breakEvenPrice": fmt(p.entry), "markPrice": fmt8(r.mark), "unRealizedProfit": fmt8(r.unpnl),
            "liquidationPrice": fmt8(r.liq), "isolatedMargin": fmt8(r.isolated_margin),
            "notional": fmt8(r.notional), "marginAsset": "USDT", "isolatedWallet": fmt8(p.isolated_wallet),
            "initialMargin": fmt8(r.initial), "maintMargin": fmt8(r.maint), "positionInitialMargin": fmt8(r.initial),
            "openOrderInitialMargin": "0", "adl": 0, "bidNotional": "0", "askNotional": "0",
            "updateTime": p.update_time}


def _account_position_v2(r: _Risk) -> dict[str, Any]:
    p = r.p
    return {"symbol": p.symbol, "initialMargin": fmt8(r.initial), "maintMargin": fmt8(r.maint),
            "unrealizedProfit": fmt8(r.unpnl), "positionInitialMargin": fmt8(r.initial),
            "openOrderInitialMargin": "0", "leverage": str(p.leverage), "isolated": p.isolated,
            "entryPrice": fmt(p.entry), "maxNotional": str(max_notional(p.symbol, p.leverage)),
            "bidNotional": "0", "askNotional": "0",
            "positionSide": "BOTH", "positionAmt": fmt(p.amount), "updateTime": p.update_time}


def _account_position_v3(r: _Risk) -> dict[str, Any]:
    p = r.p
    return {"symbol": p.symbol, "positionSide": "BOTH", "positionAmt": fmt(p.amount),
            "unrealizedProfit": fmt8(r.unpnl), "isolatedMargin": fmt8(r.isolated_margin),
            "notional": fmt8(r.notional), "isolatedWallet": fmt8(p.isolated_wallet),
            "initialMargin": fmt8(r.initial), "maintMargin": fmt8(r.maint), "updateTime": p.update_time}


def _positions(ex: "PaperExchange", symbol: str | None, every: bool) -> list[Position]:
    """The positions an answer lists: ``every`` symbol (v2), else those with a position or open orders (v3)."""
    book = ex.futures
    names = [book.rules.get(symbol).symbol] if symbol else list(book.rules.symbols)
    working = {o.symbol for o in book.open_orders(None)}
    rows = []
    for name in names:
        pos = book.positions.get(name) or Position(symbol=name)
        if every or pos.amount or name in working:
            rows.append(pos)
    return rows


def position_risk(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [_risk_v2(_Risk(ex, p)) for p in _positions(ex, params.get("symbol"), every=True)]


def position_risk_v3(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [_risk_v3(_Risk(ex, p)) for p in _positions(ex, params.get("symbol"), every=False)]


def margin_assets(ex: "PaperExchange") -> list[tuple[str, bool]]:
    """Every margin asset of the exchangeInfo (USDT first), as Binance lists them in the account."""
    listed = [(a["asset"], bool(a.get("marginAvailable", True))) for a in ex.futures.rules.document.get("assets") or ()]
    if not any(asset == "USDT" for asset, _ in listed):
        listed.insert(0, ("USDT", True))
    return sorted(listed, key=lambda row: row[0] != "USDT")


def _totals_json(t: dict[str, Decimal]) -> dict[str, str]:
    return {"totalInitialMargin": fmt8(t["initial"]), "totalMaintMargin": fmt8(t["maint"]),
            "totalWalletBalance": fmt8(t["wallet"]), "totalUnrealizedProfit": fmt8(t["unrealized"]),
            "totalMarginBalance": fmt8(t["margin_balance"]), "totalPositionInitialMargin": fmt8(t["position_im"]),
            "totalOpenOrderInitialMargin": fmt8(t["order_im"]), "totalCrossWalletBalance": fmt8(t["cross_wallet"]),
            "totalCrossUnPnl": fmt8(t["cross_unpnl"]), "availableBalance": fmt8(t["available"]),
            "maxWithdrawAmount": fmt8(t["max_withdraw"])}


def _asset_json(asset: str, t: dict[str, Decimal], now: int,
                margin_available: bool | None = None) -> dict[str, Any]:
    """One margin asset of the account: the USDT wallet, or zeros for every other margin asset;
    v2 answers also say whether it may serve as margin."""
    def v(key: str) -> str:
        return fmt8(t[key] if asset == "USDT" else Decimal(0))

    row: dict[str, Any] = {
        "asset": asset, "walletBalance": v("wallet"), "unrealizedProfit": v("unrealized"),
        "marginBalance": v("margin_balance"), "maintMargin": v("maint"), "initialMargin": v("initial"),
        "positionInitialMargin": v("position_im"), "openOrderInitialMargin": v("order_im"),
        "crossWalletBalance": v("cross_wallet"), "crossUnPnl": v("cross_unpnl"), "availableBalance": v("available"),
        "maxWithdrawAmount": v("max_withdraw")}
    if margin_available is not None:
        row["marginAvailable"] = margin_available
    row["updateTime"] = now if asset == "USDT" else 0
    return row


def account(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v2/account: flags, totals, every margin asset and every symbol's position."""
    t = ex.futures.totals()
    now = ex.now_ms()
    assets = [_asset_json(asset, t, now, available) for asset, available in margin_assets(ex)]
    positions = [_account_position_v2(_Risk(ex, p)) for p in _positions(ex, None, every=True)]
    return {"feeTier": 0, "feeBurn": False, "canTrade": True, "canDeposit": True, "canWithdraw": True,
            "updateTime": 0, "multiAssetsMargin": False, "tradeGroupId": -1, **_totals_json(t),
            "assets": assets, "positions": positions}


def account_v3(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v3/account: totals, every margin asset, and only the symbols with a position or open orders."""
    t = ex.futures.totals()
    now = ex.now_ms()
    positions = [_account_position_v3(_Risk(ex, p)) for p in _positions(ex, None, every=False)]
    return {**_totals_json(t), "assets": [_asset_json(a, t, now) for a, _ in margin_assets(ex)],
            "positions": positions}


def balance(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v2|v3/balance: one row per margin asset, the USDT wallet and zeros for the others."""
    t = ex.futures.totals()
    now = ex.now_ms()
    rows = []
    for asset, available in margin_assets(ex):
        row = _asset_json(asset, t, now)
        rows.append({"accountAlias": "paper", "asset": asset, "balance": row["walletBalance"],
                     "crossWalletBalance": row["crossWalletBalance"], "crossUnPnl": row["crossUnPnl"],
                     "availableBalance": row["availableBalance"], "maxWithdrawAmount": row["maxWithdrawAmount"],
                     "marginAvailable": available, "updateTime": row["updateTime"]})
    return rows


def new_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return placed_json(ex.futures.new_order(params))


def query_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return queried_json(ex.futures.find(params))


def cancel_order(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return placed_json(ex.futures.cancel(params))


def open_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [queried_json(o) for o in ex.futures.open_orders(params.get("symbol"))]


def cancel_all(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    ex.futures.rules.get(params.get("symbol"))
    ex.futures.cancel_all(params.get("symbol", ""))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def all_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = ex.futures.rules.get(params.get("symbol")).symbol
    rows = [queried_json(o) for o in ex.futures.orders.values() if o.symbol == symbol]
    return rows[-(parse_int(params, "limit", 500) or 500):]


def user_trades(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return [trade_json(t) for t in ex.futures.trade_history(params)]


WEEK_MS = 7 * 86_400_000


def income(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v1/income: funding fees, realised PnL, commissions and liquidation clearances,
    oldest first; without a time window the last 7 days."""
    symbol = params.get("symbol")
    if symbol:
        symbol = ex.futures.rules.get(symbol).symbol
    kind = params.get("incomeType")
    limit = parse_int(params, "limit", 100) or 100
    if not 1 <= limit <= 1000:
        raise bad_request(-1130, "Invalid data sent for a parameter.")
    start, end = parse_int(params, "startTime"), parse_int(params, "endTime")
    if start is None and end is None:
        start = ex.now_ms() - WEEK_MS
    rows = [r for r in income_rows(ex.futures) if (not symbol or r["symbol"] == symbol)
            and (not kind or r["incomeType"] == kind) and (start is None or r["time"] >= start)
            and (end is None or r["time"] <= end)]
    return rows[:limit] if params.get("startTime") is not None else rows[-limit:]


FORCE_ORDER_FIELDS = ("orderId", "symbol", "status", "clientOrderId", "price", "avgPrice", "origQty", "executedQty",
                      "cumQuote", "timeInForce", "type", "reduceOnly", "closePosition", "side", "positionSide",
                      "stopPrice", "workingType", "origType", "time", "updateTime")


def force_orders(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v1/forceOrders: the liquidation-engine orders (client id ``autoclose-``), newest
    last; ADL never happens here. Without startTime, the 7 days before endTime (or now)."""
    symbol = params.get("symbol")
    if symbol:
        symbol = ex.futures.rules.get(symbol).symbol
    limit = parse_int(params, "limit", 50) or 50
    if not 1 <= limit <= 100:
        raise bad_request(-1130, "Invalid data sent for a parameter.")
    end = parse_int(params, "endTime") or ex.now_ms()
    start = parse_int(params, "startTime")
    start = end - WEEK_MS if start is None else start
    if params.get("autoCloseType", "LIQUIDATION") != "LIQUIDATION":
        return []
    rows = [o for o in ex.futures.orders.values() if o.client_order_id.startswith("autoclose-")
            and (not symbol or o.symbol == symbol) and start <= o.time <= end]
    return [{k: v for k, v in queried_json(o).items() if k in FORCE_ORDER_FIELDS} for o in rows][-limit:]


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


def algo_json(ex: "PaperExchange", o: AlgoOrder) -> dict[str, Any]:
    """A conditional order as GET algoOrder, openAlgoOrders and allAlgoOrders answer it."""
    placed = ex.futures.orders.get(o.actual_order_id) if o.actual_order_id is not None else None
    actual_price = fmt(placed.avg_price) if placed is not None and placed.executed_qty else ""
    result = o.json()
    result["actualPrice"] = actual_price
    return result


def new_algo(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    result = ex.futures.algos.new(params).json()
    result.pop("actualOrderId")
    return result


def query_algo(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return algo_json(ex, ex.futures.algos.find(params))


def cancel_algo(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    order = ex.futures.algos.cancel(params)
    return {"algoId": order.algo_id, "clientAlgoId": order.client_algo_id, "code": "200", "msg": "success"}


def open_algos(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = params.get("symbol")
    if symbol:
        ex.futures.rules.get(symbol)
    return [algo_json(ex, o) for o in ex.futures.algos.open(symbol)]


def all_algos(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    symbol = ex.futures.rules.get(params.get("symbol")).symbol
    return [algo_json(ex, o) for o in ex.futures.algos.orders.values() if o.symbol == symbol]
