"""The USD-M account: wallet, one-way positions with leverage, cross or isolated margin.

Open positions pay funding and isolated ones are liquidated as the feed moves (console.paper.settlement).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from console.paper.algo import AlgoOrder, AlgoOrders
from console.paper.book import ZERO, Book, Order
from console.paper.protocol import (
    ApiError, bad_request, margin_insufficient, mandatory, parse_decimal, parse_int, round8, unknown_order,
)
from console.paper.rules import SymbolRules, maint_margin_ratio, max_leverage, max_notional
from console.paper.settlement import Settlement

TAKER = Decimal("0.0005")
MAKER = Decimal("0.0002")
DEFAULT_LEVERAGE = 20
ALGO_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")


@dataclass
class Position:
    symbol: str
    amount: Decimal = ZERO  # signed: negative is short
    entry: Decimal = ZERO
    isolated_wallet: Decimal = ZERO
    leverage: int = DEFAULT_LEVERAGE
    isolated: bool = False
    update_time: int = 0

    def doc(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "amount": str(self.amount), "entry": str(self.entry),
                "isolated_wallet": str(self.isolated_wallet), "leverage": self.leverage,
                "isolated": self.isolated, "update_time": self.update_time}


class FuturesBook(Book):
    """USD-M wallet, positions and orders; every method runs under the exchange's lock."""

    market = "futures"
    id_base = 8_000_000_000

    def __init__(self, *args: Any, starting: dict[str, Decimal]) -> None:
        super().__init__(*args)
        self.starting = dict(starting)
        self.wallet = Decimal(starting.get("USDT", ZERO))
        self.positions: dict[str, Position] = {}
        self.algos = AlgoOrders(self)
        self.marks: dict[str, Decimal] = {}  # mark prices pinned apart from the feed (tests)
        self.settlement = Settlement(self)

    def account_doc(self) -> dict[str, Any]:
        return {"wallet": str(self.wallet), "positions": [p.doc() for p in self.positions.values()],
                "algos": [o.doc() for o in self.algos.orders.values()], "next_algo_id": self.algos.next_id,
                "settlement": self.settlement.doc()}

    def load_account(self, doc: dict[str, Any]) -> None:
        self.wallet = Decimal(doc["wallet"])
        self.algos.orders = {a["algo_id"]: AlgoOrder.from_doc(a) for a in doc.get("algos", [])}
        self.algos.next_id = doc.get("next_algo_id", self.algos.next_id)
        self.settlement.load(doc.get("settlement"))
        self.positions = {}
        for p in doc["positions"]:
            self.positions[p["symbol"]] = Position(
                symbol=p["symbol"], amount=Decimal(p["amount"]), entry=Decimal(p["entry"]),
                isolated_wallet=Decimal(p["isolated_wallet"]), leverage=p["leverage"], isolated=p["isolated"],
                update_time=p.get("update_time", 0))

    def position(self, symbol: str) -> Position:
        pos = self.positions.get(symbol)
        if pos is None:
            pos = self.positions[symbol] = Position(symbol=symbol)
        return pos

    # margin -----------------------------------------------------------------------------------
    def mark(self, symbol: str) -> Decimal:
        """The mark price: the feed price on the tick, unless ``set_mark`` pinned it apart."""
        pinned = self.marks.get(symbol)
        return pinned if pinned is not None else self.last(self.rules.get(symbol))

    def set_mark(self, symbol: str, price: Decimal | None) -> None:
        """Pin the mark price of ``symbol`` apart from its last price; None makes it follow the feed again."""
        name = self.rules.get(symbol).symbol
        if price is None:
            self.marks.pop(name, None)
        else:
            self.marks[name] = Decimal(price)

    def unrealized(self, pos: Position) -> Decimal:
        return (self.mark(pos.symbol) - pos.entry) * pos.amount if pos.amount else ZERO

    def position_margin(self, pos: Position) -> Decimal:
        if pos.isolated:
            return pos.isolated_wallet
        return abs(pos.amount) * self.mark(pos.symbol) / pos.leverage

    def maint_margin(self, pos: Position) -> Decimal:
        """The position's maintenance margin at the mark price."""
        if not pos.amount:
            return ZERO
        notional = abs(pos.amount) * self.mark(pos.symbol)
        return notional * maint_margin_ratio(pos.symbol, notional)

    def order_margin(self) -> Decimal:
        total = ZERO
        for order in self.open_orders(None):
            if not order.reduce_only:
                lev = self.position(order.symbol).leverage
                total += (order.orig_qty - order.executed_qty) * order.price / lev
        return total

    def totals(self) -> dict[str, Decimal]:
        """Wallet, unrealised PnL, margins and available balance as Binance reports them."""
        isolated_wallets = sum((p.isolated_wallet for p in self.positions.values() if p.isolated), ZERO)
        cross_unpnl = sum((self.unrealized(p) for p in self.positions.values() if not p.isolated), ZERO)
        unpnl = sum((self.unrealized(p) for p in self.positions.values()), ZERO)
        position_im = sum((self.position_margin(p) for p in self.positions.values()), ZERO)
        cross_im = sum((self.position_margin(p) for p in self.positions.values() if not p.isolated), ZERO)
        order_im = self.order_margin()
        maint = sum((self.maint_margin(p) for p in self.positions.values() if p.amount), ZERO)
        cross_wallet = self.wallet - isolated_wallets
        available = cross_wallet + cross_unpnl - cross_im - order_im
        return {"wallet": self.wallet, "unrealized": unpnl, "margin_balance": self.wallet + unpnl,
                "position_im": position_im, "order_im": order_im, "initial": position_im + order_im,
                "maint": maint, "cross_wallet": cross_wallet, "cross_unpnl": cross_unpnl,
                "available": available, "max_withdraw": max(ZERO, min(available, cross_wallet))}

    # placing ----------------------------------------------------------------------------------
    def watched_symbols(self) -> set[str]:
        """Symbols with resting or conditional orders, or an open position (funding, liquidation)."""
        held = {symbol for symbol, pos in self.positions.items() if pos.amount}
        return super().watched_symbols() | self.algos.symbols() | held

    def new_order(self, params: dict[str, str], at: Decimal | None = None) -> Order:
        """Validate and place one order; raise ApiError as Binance would.

        ``at`` prices a triggered conditional order at its trigger instead of the current price.
        """
        rules = self.rules.get(params.get("symbol"))
        side, kind = params.get("side", ""), params.get("type", "")
        if side not in ("BUY", "SELL"):
            raise mandatory("side") if not side else bad_request(-1117, "Invalid side.")
        if kind in ALGO_TYPES:
            raise ApiError(400, -4120, "Order type not supported for this endpoint. "
                                       "Please use the Algo Order API endpoints instead.")
        if kind not in ("MARKET", "LIMIT"):
            raise mandatory("type") if not kind else bad_request(-1116, "Invalid orderType.")
        if params.get("positionSide", "BOTH") != "BOTH":
            raise ApiError(400, -4061, "Order's position side does not match user's setting.")
        reduce_only = params.get("reduceOnly", "false").lower() == "true"
        cid = self.client_id_for(params, ApiError(400, -4116, "ClientOrderId is duplicated."))
        qty = parse_decimal(params, "quantity", required=True)
        assert qty is not None
        price = parse_decimal(params, "price", required=kind == "LIMIT")
        tif = params.get("timeInForce", "")
        if kind == "LIMIT":
            if not tif:
                raise mandatory("timeInForce")
            if tif not in ("GTC", "IOC", "FOK", "GTX"):
                raise bad_request(-1115, "Invalid timeInForce.")
            assert price is not None
            rules.check_price(price)
        rules.check_quantity(qty, market_order=kind == "MARKET")
        mark = self.mark(rules.symbol) if at is None else at
        if price is not None:
            rules.check_band(price, side, mark)
        pos = self.position(rules.symbol)
        ask, bid = self.ask(rules, at), self.bid(rules, at)
        fill_price = ask if side == "BUY" else bid
        crosses = kind == "MARKET" or (price is not None and (ask <= price if side == "BUY" else bid >= price))
        reference = fill_price if crosses else price
        assert reference is not None
        signed = qty if side == "BUY" else -qty
        if reduce_only:
            if pos.amount == 0 or (pos.amount > 0) == (signed > 0):
                raise ApiError(400, -2022, "ReduceOnly Order is rejected.")
            qty = min(qty, abs(pos.amount))
        # MIN_NOTIONAL: a limit order at its price, a market order at the mark price
        rules.check_notional(qty * (price if price is not None else mark), market_order=kind == "MARKET",
                             reduce_only=reduce_only)
        rules.check_open_orders(len(self.open_orders(rules.symbol)) + len(self.algos.open(rules.symbol)), 0,
                                algo=False, futures=True)
        if kind == "LIMIT" and tif == "GTX" and crosses:
            raise ApiError(400, -5022, "Due to the order could not be executed as maker, the Post Only order will be "
                                       "rejected. The order will not be recorded in the order history")
        if not reduce_only:
            self._check_margin(rules, pos, signed, reference, crosses)
        order = self.add_order(Order(market="futures", symbol=rules.symbol, order_id=self.new_order_id(),
                                     client_order_id=cid,
                                     side=side, type=kind, orig_qty=qty, time=self.now_ms(), price=price or ZERO,
                                     time_in_force=tif or "GTC", reduce_only=reduce_only))
        if crosses:
            self._fill(rules, order, fill_price, maker=False)
        elif tif in ("IOC", "FOK"):
            order.status = "EXPIRED"
            self.touch(order)
        else:
            self.rest(order)
        return order

    def _check_margin(self, rules: SymbolRules, pos: Position, signed: Decimal, price: Decimal, taker: bool) -> None:
        closing = min(abs(signed), abs(pos.amount)) if pos.amount and (pos.amount > 0) != (signed > 0) else ZERO
        opening = abs(signed) - closing
        new_amount = abs(pos.amount + signed)
        if new_amount * price > max_notional(rules.symbol, pos.leverage):
            raise ApiError(400, -2027, "Exceeded the maximum allowable position at current leverage.")
        fee = abs(signed) * price * (TAKER if taker else MAKER)
        if opening * price / pos.leverage + fee > self.totals()["available"]:
            raise margin_insufficient()

    def _fill(self, rules: SymbolRules, order: Order, price: Decimal, maker: bool, qty: Decimal | None = None) -> None:
        """Fill ``qty`` of order (default: the rest) at price: move the position, realise PnL, charge the fee."""
        pos = self.position(rules.symbol)
        qty = order.orig_qty - order.executed_qty if qty is None else qty
        if order.reduce_only:
            reducible = abs(pos.amount) if pos.amount and (pos.amount > 0) != (order.side == "BUY") else ZERO
            if reducible == 0:
                order.status = "EXPIRED"
                self.touch(order)
                return
            if reducible < order.orig_qty - order.executed_qty:  # the position shrank: so does the order
                order.orig_qty = order.executed_qty + reducible
            qty = min(qty, reducible)
        signed = qty if order.side == "BUY" else -qty
        realized = ZERO
        if pos.amount and (pos.amount > 0) != (signed > 0):
            closing = min(qty, abs(pos.amount))
            realized = round8((price - pos.entry) * closing * (1 if pos.amount > 0 else -1))
            if pos.isolated:
                pos.isolated_wallet -= pos.isolated_wallet * closing / abs(pos.amount)
            pos.amount += closing if pos.amount < 0 else -closing
            opening = qty - closing
            if pos.amount == 0:
                pos.entry = ZERO
                pos.isolated_wallet = ZERO
        else:
            opening = qty
        if opening and not pos.amount:
            self.watch(rules.symbol)  # follow its path (liquidation) and its funding from now
            self.settlement.opened(rules.symbol)
        if opening:
            total = abs(pos.amount) + opening
            pos.entry = (abs(pos.amount) * pos.entry + opening * price) / total
            pos.amount += opening if signed > 0 else -opening
            if pos.isolated:
                pos.isolated_wallet += opening * price / pos.leverage
        commission = round8(qty * price * (MAKER if maker else TAKER))
        self.wallet += realized - commission
        pos.update_time = self.now_ms()
        self._account_dirty = True
        self.record_trade(order, price, qty, commission, "USDT", maker, realized)

    def cancel(self, params: dict[str, str]) -> Order:
        order = self.find(params, missing=unknown_order())
        if not order.is_open:
            raise unknown_order()
        order.status = "CANCELED"
        self.touch(order)
        return order

    def cancel_all(self, symbol: str) -> None:
        for order in self.open_orders(symbol):
            order.status = "CANCELED"
            self.touch(order)

    # settings ---------------------------------------------------------------------------------
    def set_leverage(self, params: dict[str, str]) -> dict[str, Any]:
        rules = self.rules.get(params.get("symbol"))
        leverage = parse_int(params, "leverage")
        if leverage is None:
            raise mandatory("leverage")
        if not 1 <= leverage <= max_leverage(rules.symbol):
            raise ApiError(400, -4028, f"Leverage {leverage} is not valid")
        pos = self.position(rules.symbol)
        cap = max_notional(rules.symbol, leverage)
        if abs(pos.amount) * self.mark(rules.symbol) > cap:
            raise ApiError(400, -2027, "Exceeded the maximum allowable position at current leverage.")
        pos.leverage = leverage
        self._account_dirty = True
        return {"leverage": leverage, "maxNotionalValue": str(cap), "symbol": rules.symbol}

    def set_margin_type(self, params: dict[str, str]) -> dict[str, Any]:
        rules = self.rules.get(params.get("symbol"))
        kind = params.get("marginType", "").upper()
        if kind not in ("ISOLATED", "CROSSED"):
            raise mandatory("marginType") if not kind else bad_request(-4044, "The margin type is not valid.") 
        pos = self.position(rules.symbol)
        isolated = kind == "ISOLATED"
        if pos.isolated == isolated:
            raise ApiError(400, -4046, "No need to change margin type.")
        if pos.amount:
            raise ApiError(400, -4048, "Margin type cannot be changed if there exists position.")
        if self.open_orders(rules.symbol):
            raise ApiError(400, -4047, "Margin type cannot be changed if there exists open orders.")
        pos.isolated = isolated
        self._account_dirty = True
        return {"code": 200, "msg": "success"}

    # matching ---------------------------------------------------------------------------------
    def match(self, symbol: str) -> None:
        """Fill resting limit orders on symbol that the prices since the last match crossed."""
        if symbol not in self.watched_symbols():
            return
        rules = self.rules.get(symbol)
        low, high, continuous, moved = self.path(symbol)
        settlement = self.settlement
        settlement.pay_funding(symbol)  # the position as it stood at the funding times passed
        held = self.positions[symbol].amount if symbol in self.positions else ZERO
        if settlement.due(symbol, low, high, before_stops=True):
            settlement.liquidate(symbol)
        for order_id in list(self.resting.get(symbol, [])):
            order = self.orders[order_id]
            if order.is_open and (moved or self.partial_fills is None) and self.crossed(rules, order, low, high):
                self._fill(rules, order, order.price, maker=True, qty=self.part(rules, order))
        self.algos.match(symbol, low, high, continuous)
        after = self.positions[symbol].amount if symbol in self.positions else ZERO
        if held and after and (held > 0) == (after > 0) and settlement.due(symbol, low, high, before_stops=False):
            settlement.liquidate(symbol)  # a position opened on this range is not judged on its earlier prices

    def reset(self) -> None:
        self.__init__(self.rules, self.feed, self.clock, starting=self.starting)  # type: ignore[misc]
        self._account_dirty = True
