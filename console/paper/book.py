"""Orders, fills and the order book state shared by the spot and futures accounts.

Resting orders fill whole when the price path reaches them, unless ``partial_fills`` is set
(a fraction of the original quantity, 0 < f <= 1): then each matching pass in which the path
reached the order (a pinned price counts once per ``set_price``) fills one part of
``f x original quantity``, rounded to the step (at least one step); the last part is what is
left, and a part that would leave less than half a part takes that rest too (1/3 fills in three
parts whatever the rounding). Every part is its own trade with its own commission; the order is
PARTIALLY_FILLED until the last one. Market orders, and limit orders that cross when placed,
fill at once. An order's executed quantity, quote and locked remainder are part of its
journaled document, so a partially filled order survives a restart as it was.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from console.paper.feed import Feed
from console.paper.protocol import ApiError, ceil_to, floor_to, order_missing, parse_int
from console.paper.rules import Rules, SymbolRules

ZERO = Decimal(0)
HALF_SPREAD = Decimal("0.00005")
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")


class Stored:
    """A dataclass kept as a JSON-ready document in the exchange's journal."""

    def to_doc(self) -> dict[str, Any]:
        return {name: _out(value) for name, value in self.__dict__.items()}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Any:
        return cls(**{f.name: _in(f.type, doc[f.name]) for f in fields(cls) if f.name in doc})


@dataclass
class Order(Stored):
    """One order as the exchange holds it."""

    market: str
    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    orig_qty: Decimal
    time: int
    price: Decimal = ZERO
    stop_price: Decimal = ZERO
    time_in_force: str = "GTC"
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0
    order_list_id: int = -1
    reduce_only: bool = False
    triggered: bool = False
    orig_quote_qty: Decimal = ZERO
    locked: Decimal = ZERO
    working_time: int = -1

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO



@dataclass
class Trade(Stored):
    """One fill, as myTrades / userTrades report it."""

    market: str
    symbol: str
    trade_id: int
    order_id: int
    side: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    maker: bool
    order_list_id: int = -1
    realized_pnl: Decimal = ZERO



@dataclass
class OrderList:
    list_id: int
    client_id: str
    symbol: str
    order_ids: list[int] = field(default_factory=list)
    time: int = 0
    status: str = "EXECUTING"


def _out(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _in(kind: Any, value: Any) -> Any:
    return Decimal(value) if kind in (Decimal, "Decimal") else value


def new_client_id() -> str:
    return "paper" + secrets.token_hex(8)


class Book:
    """Orders, trades and id counters of one market; subclasses own balances and fills."""

    market = ""
    id_base = 1_000_000

    def __init__(self, rules: Rules, feed: Feed, clock: Callable[[], float]) -> None:
        self.rules = rules
        self.feed = feed
        self.clock = clock
        self.orders: dict[int, Order] = {}
        self.by_client: dict[str, int] = {}
        self.trades: list[Trade] = []
        self.lists: dict[int, OrderList] = {}
        self.resting: dict[str, list[int]] = {}
        self.matched_at: dict[str, int] = {}
        self.next_order_id = self.id_base
        self.next_trade_id = self.id_base
        self.next_list_id = 1
        self.partial_fills: Decimal | None = None
        self.moves: dict[str, int] = {}  # set_price calls per symbol
        self._moves_seen: dict[str, int] = {}
        self._dirty: dict[int, Order] = {}
        self._new_trades: list[Trade] = []
        self._account_dirty = False

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # prices -----------------------------------------------------------------------------------
    def last(self, rules: SymbolRules) -> Decimal:
        """The feed price, on the symbol's tick."""
        price = self.feed.price(rules.symbol)
        return floor_to(price, rules.tick) if rules.tick else price

    def ask(self, rules: SymbolRules, at: Decimal | None = None) -> Decimal:
        """The price a buyer pays: half a spread above the feed price (or ``at``), on the tick."""
        price = (self.feed.price(rules.symbol) if at is None else at) * (1 + HALF_SPREAD)
        return ceil_to(price, rules.tick) if rules.tick else price

    def bid(self, rules: SymbolRules, at: Decimal | None = None) -> Decimal:
        price = (self.feed.price(rules.symbol) if at is None else at) * (1 - HALF_SPREAD)
        return floor_to(price, rules.tick) if rules.tick else price

    def price_range(self, symbol: str) -> tuple[Decimal, Decimal, bool]:
        """Low and high of the feed since the last match on symbol (see Feed.range)."""
        low, high, continuous, _ = self.path(symbol)
        return low, high, continuous

    def path(self, symbol: str) -> tuple[Decimal, Decimal, bool, bool]:
        """``price_range`` and whether the price moved since the last match: time passed on a
        walking price, or a pinned price was set again."""
        now = self.feed.virtual_ms()
        since = self.matched_at.get(symbol, now)
        self.matched_at[symbol] = now
        low, high, continuous = self.feed.range(symbol, since, now)
        moves = self.moves.get(symbol, 0)
        moved = now > since if continuous else moves != self._moves_seen.get(symbol, 0)
        self._moves_seen[symbol] = moves
        return low, high, continuous, moved

    def price_moved(self, symbol: str) -> None:
        """Count a ``set_price`` of symbol: with partial fills, each one is a new touch."""
        self.moves[symbol] = self.moves.get(symbol, 0) + 1

    def part(self, rules: SymbolRules, order: Order) -> Decimal:
        """How much of a resting order one matching pass fills (all that is left without partial fills)."""
        left = order.orig_qty - order.executed_qty
        if self.partial_fills is None:
            return left
        size = order.orig_qty * self.partial_fills
        step = rules.step or rules.market_step
        if step:
            size = max(step, (size / step).to_integral_value(rounding=ROUND_HALF_UP) * step)
        return left if left - size < size / 2 else size  # no crumb of a last part

    def crossed(self, rules: SymbolRules, order: Order, low: Decimal, high: Decimal) -> bool:
        """Whether a resting limit order's price was reached by the bid / ask on the path."""
        if order.side == "BUY":
            return self.ask(rules, low) <= order.price
        return self.bid(rules, high) >= order.price

    # orders -----------------------------------------------------------------------------------
    def client_id_for(self, params: dict[str, str], duplicate: ApiError) -> str:
        cid = params.get("newClientOrderId") or new_client_id()
        existing = self.by_client.get(cid)
        if existing is not None and self.orders[existing].is_open:
            raise duplicate
        return cid

    def add_order(self, order: Order) -> Order:
        self.orders[order.order_id] = order
        self.by_client[order.client_order_id] = order.order_id
        self.touch(order)
        return order

    def new_order_id(self) -> int:
        self.next_order_id += 1
        return self.next_order_id

    def watched_symbols(self) -> set[str]:
        """Symbols with something resting that the feed's moves can trigger or fill."""
        return {symbol for symbol, ids in self.resting.items() if ids}

    def watch(self, symbol: str) -> None:
        """Start following symbol's path from now (earlier moves must not fill new orders)."""
        if symbol not in self.watched_symbols():
            self.matched_at[symbol] = self.feed.virtual_ms()

    def rest(self, order: Order) -> None:
        self.watch(order.symbol)
        self.resting.setdefault(order.symbol, []).append(order.order_id)

    def touch(self, order: Order) -> None:
        order.update_time = self.now_ms()
        self._dirty[order.order_id] = order
        if not order.is_open:
            ids = self.resting.get(order.symbol)
            if ids and order.order_id in ids:
                ids.remove(order.order_id)

    def record_trade(self, order: Order, price: Decimal, qty: Decimal, commission: Decimal, asset: str,
                     maker: bool, realized_pnl: Decimal = ZERO) -> Trade:
        self.next_trade_id += 1
        trade = Trade(market=self.market, symbol=order.symbol, trade_id=self.next_trade_id, order_id=order.order_id,
                      side=order.side, price=price, qty=qty, quote_qty=price * qty, commission=commission,
                      commission_asset=asset, time=self.now_ms(), maker=maker, order_list_id=order.order_list_id,
                      realized_pnl=realized_pnl)
        self.trades.append(trade)
        self._new_trades.append(trade)
        order.executed_qty += qty
        order.cum_quote += price * qty
        order.status = "FILLED" if order.executed_qty >= order.orig_qty else "PARTIALLY_FILLED"
        self.touch(order)
        return trade

    def find(self, params: dict[str, str], missing: ApiError | None = None) -> Order:
        """The order named by orderId or origClientOrderId on symbol, else -2013 (or ``missing``)."""
        rules = self.rules.get(params.get("symbol"))
        order_id = parse_int(params, "orderId")
        cid = params.get("origClientOrderId")
        if order_id is None and not cid:
            raise ApiError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        if order_id is None:
            order_id = self.by_client.get(cid or "")
        order = self.orders.get(order_id) if order_id is not None else None
        if order is None or order.symbol != rules.symbol or (cid and order.client_order_id != cid):
            raise missing or order_missing()
        return order

    def open_orders(self, symbol: str | None) -> list[Order]:
        if symbol:
            self.rules.get(symbol)
        symbols = [symbol] if symbol else list(self.resting)
        ids = sorted(i for s in symbols for i in self.resting.get(s, ()))
        return [self.orders[i] for i in ids if self.orders[i].is_open]

    def trade_history(self, params: dict[str, str]) -> list[Trade]:
        rules = self.rules.get(params.get("symbol"))
        start = parse_int(params, "startTime")
        end = parse_int(params, "endTime")
        from_id = parse_int(params, "fromId")
        order_id = parse_int(params, "orderId")
        limit = min(parse_int(params, "limit", 500) or 500, 1000)
        rows = [t for t in self.trades if t.symbol == rules.symbol
                and (start is None or t.time >= start) and (end is None or t.time <= end)
                and (from_id is None or t.trade_id >= from_id) and (order_id is None or t.order_id == order_id)]
        return rows[:limit] if from_id is not None or start is not None else rows[-limit:]

    # persistence ------------------------------------------------------------------------------
    def account_doc(self) -> dict[str, Any]:
        raise NotImplementedError

    def load_account(self, doc: dict[str, Any]) -> None:
        raise NotImplementedError

    def drain(self) -> dict[str, Any] | None:
        """The journal entry for everything changed since the last drain, or None."""
        if not self._dirty and not self._new_trades and not self._account_dirty:
            return None
        entry = {"market": self.market, "orders": [o.to_doc() for o in self._dirty.values()],
                 "trades": [t.to_doc() for t in self._new_trades], "account": self.account_doc(),
                 "lists": [vars(self.lists[i]) for i in {o.order_list_id for o in self._dirty.values()}
                           if i in self.lists]}
        self._dirty = {}
        self._new_trades = []
        self._account_dirty = False
        return entry

    def mark_dirty(self) -> None:
        """Force the account into the next journal entry (e.g. after a settings change)."""
        self._account_dirty = True

    def apply(self, entry: dict[str, Any]) -> None:
        """Replay one journal entry on load."""
        for doc in entry.get("orders", []):
            order = Order.from_doc(doc)
            self.orders[order.order_id] = order
            self.by_client[order.client_order_id] = order.order_id
            self.next_order_id = max(self.next_order_id, order.order_id)
        for doc in entry.get("trades", []):
            trade = Trade.from_doc(doc)
            self.trades.append(trade)
            self.next_trade_id = max(self.next_trade_id, trade.trade_id)
        for doc in entry.get("lists", []):
            self.lists[doc["list_id"]] = OrderList(**doc)
            self.next_list_id = max(self.next_list_id, doc["list_id"] + 1)
        if entry.get("account") is not None:
            self.load_account(entry["account"])

    def finish_load(self) -> None:
        self.resting = {}
        for order in sorted(self.orders.values(), key=lambda o: o.order_id):
            if order.is_open:
                self.rest(order)
        self._dirty = {}
        self._new_trades = []

    def snapshot(self) -> dict[str, Any]:
        """Everything, as one journal entry (used to compact the journal)."""
        return {"market": self.market, "orders": [o.to_doc() for o in self.orders.values()],
                "trades": [t.to_doc() for t in self.trades], "account": self.account_doc(),
                "lists": [vars(x) for x in self.lists.values()]}
