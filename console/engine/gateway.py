"""The one order gateway: the only way the console places, cancels or closes an order.

Bots, the order ticket, OCOs, position closes and the kill switch all come through here, so every
order is handled alike: its intent is logged before it is sent (an OCO's list and both legs
together; see ``intents``: a line in the data folder's intent log, moved into the journal behind
the order) and resolved the way ``BinanceClient.place_order`` resolves it: looked up by client
id after an unclear answer, never sent twice blindly. Cancelling one leg of an OCO cancels its
list and journals both legs done. A close made for bots is each bot's own order (owner = the
bot), so its position stays in step with the account; only what the account holds beyond the
bots is closed as a manual order.

Open journal entries are settled here too (``settle``), every engine cycle: a resting entry is
looked up only when one open-orders listing per client (every ``OpenOrders`` interval) no longer
shows it. Orders this process is placing or cancelling right now are left out of a settle.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from console.domain import Market, OcoOrder, Order, OrderRequest, OrderType, Side, Venue, WorkingType
from console.engine import liquidation, positions
from console.engine.clients import Clients
from console.engine.intents import IntentLog, LoggedJournal
from console.engine.marketdata import OpenOrders
from console.engine.positions import Held
from console.engine.reconcile import owner_of, settle
from console.engine.recorder import LEGS, LIST, DbJournal, Owner, account_of, fee_valuer, open_entries
from console.engine.writer import Writer
from console.errors import InvalidInput, InvalidOrder, OrderNotFound
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.exchange.orders import new_client_order_id
from console.exchange.spot import LEG_SUFFIXES, SpotClient
from console.storage import bots, journal
from console.storage.db import Database
from console.storage.journal import JournalEntry

ZERO = Decimal(0)


@dataclass(frozen=True)
class Closed:
    """One order of a close: a bot's own part (``bot_id``), or the rest, closed manually (None)."""

    bot_id: int | None
    order: Order


class _Algos:
    """A futures client's conditional orders, shown to an OpenOrders cache as its open orders."""

    def __init__(self, client: FuturesClient) -> None:
        self._client = client

    def open_orders(self) -> list[Order]:
        return self._client.open_algos()


class Gateway:
    """Place, cancel and close orders for bots and people; settle the journal with the exchange."""

    def __init__(self, db: Database, clients: Clients, *, writer: Writer, open_orders: OpenOrders,
                 clock: Callable[[], float]) -> None:
        self._db = db
        self._clients = clients
        self._writer = writer
        self.open_orders = open_orders
        self._open_algos = OpenOrders(clock)  # conditional orders are listed apart from the others
        self._algo_views: dict[int, _Algos] = {}
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self.intents = IntentLog.of(db)  # None for a database in memory: journaled in the table at once

    # -- journals and clients -----------------------------------------------------------------
    def journal(self, owner: Owner, *, behind: bool = False) -> DbJournal | LoggedJournal:
        """The journal of ``owner``; ``behind`` writes the records on the writer thread (bot ticks)."""
        value = fee_valuer(self.client(owner))  # commissions in BNB valued in quote
        if self.intents is not None:
            return LoggedJournal(self._db, owner, self.intents, self._writer, behind=behind, value=value)
        return DbJournal(self._db, owner, writer=self._writer if behind else None, value=value)

    def replay_intents(self) -> int:
        """Journal the intents a killed process logged but did not move (before reconciling); return how many."""
        return self.intents.replay(self._db) if self.intents is not None else 0

    def sync_intents(self, on: bool) -> None:
        """Sync each order's intent to disk before it is sent (``Settings.sync_intents``): a power cut loses none."""
        if self.intents is not None:
            self.intents.sync = on

    def move_intents(self) -> None:
        """Journal now every intent logged and not moved yet (one whose move failed, too)."""
        if self.intents is not None:
            self.intents.move(self._db)

    def client(self, owner: Owner) -> BinanceClient:
        """The client of ``owner``'s venue, market and account."""
        return self._clients.get(owner.venue, owner.market, owner.account)

    def _spot(self, owner: Owner) -> SpotClient:
        if owner.market is not Market.SPOT:
            raise InvalidOrder("OCO orders are spot only; on futures close the position with close_position")
        return self._clients.spot(owner.venue, owner.account)

    def _futures(self, owner: Owner) -> FuturesClient:
        if owner.market is not Market.FUTURES:
            raise InvalidOrder("conditional (stop-loss / take-profit) orders apply to USD-M futures; "
                               "on spot protect a holding with an OCO sell")
        return self._clients.futures(owner.venue, owner.account)

    @contextmanager
    def _handling(self, *client_order_ids: str) -> Iterator[None]:
        """Keep a settle away from orders this process is placing or cancelling right now."""
        with self._lock:
            self._busy.update(client_order_ids)
        try:
            yield
        finally:
            with self._lock:
                self._busy.difference_update(client_order_ids)

    def _busy_with(self, entry: JournalEntry) -> bool:
        with self._lock:
            return entry.client_order_id in self._busy

    # -- placing ------------------------------------------------------------------------------
    def place(self, owner: Owner, request: OrderRequest, *, behind: bool = False, held: Held | None = None,
              account: Decimal | None = None) -> Order:
        """Journal, send and resolve one order of ``owner``; return the exchange's answer.

        A bot's tick passes its position (``held``) and, on futures, the account's position on the
        symbol when it has just read it (``account``): the liquidation guard then reads nothing.
        """
        client = self.client(owner)
        # never close a position the exchange closed
        liquidation.guard(self._db, client, owner, request.symbol, held=held, account=account)
        request = replace(request, client_order_id=request.client_order_id or new_client_order_id())
        with self._handling(request.client_order_id):
            order = client.place_order(request, journal=self.journal(owner, behind=behind))
        if not order.status.is_final:
            self.open_orders.remember(client, [order.client_order_id])
        return order

    def place_oco(self, owner: Owner, symbol: str, quantity: Decimal, take_profit: Decimal, stop_loss: Decimal,
                  stop_limit: Decimal | None = None, *, behind: bool = False) -> OcoOrder:
        """Journal the list and both legs pending, then send a spot OCO sell of ``owner``."""
        client = self._spot(owner)
        list_id = new_client_order_id()
        with self._handling(*(list_id + suffix for suffix in LEG_SUFFIXES)):
            oco = client.place_oco_sell(symbol, quantity, take_profit, stop_loss, stop_limit, list_id,
                                        journal=self.journal(owner, behind=behind))
        self.open_orders.remember(client, [oco.take_profit.client_order_id, oco.stop_loss.client_order_id])
        return oco

    def place_algo(self, owner: Owner, request: OrderRequest, working_type: WorkingType = WorkingType.MARK_PRICE,
                   *, behind: bool = False) -> Order:
        """Journal, send and resolve a USD-M conditional (algo) order of ``owner``."""
        client = self._futures(owner)
        request = replace(request, client_order_id=request.client_order_id or new_client_order_id())
        with self._handling(request.client_order_id):
            order = client.place_algo(request, working_type, journal=self.journal(owner, behind=behind))
        if not order.status.is_final:
            self._open_algos.remember(self._algo_view(client), [order.client_order_id])
        return order

    # -- cancelling ---------------------------------------------------------------------------
    def cancel(self, venue: Venue, market: Market, account: str, symbol: str, client_order_id: str) -> list[Order]:
        """Cancel one order and journal what the exchange then reports; return every order it touched.

        A leg of an OCO cancels its whole list, and both legs are journaled done. An order that
        left the book meanwhile (filled) is looked up and recorded instead.
        """
        entry = self._entry(client_order_id)
        manual = Owner(Venue(venue), Market(market), account, None)
        if entry is not None and entry.type.is_conditional:
            return [self.cancel_algo(venue, account, symbol, client_order_id)]
        if entry is not None and legs_of(entry):
            return self.cancel_list(venue, account, symbol, list_client_order_id=list_of(entry), legs=legs_of(entry))
        client = self.client(manual)
        self._writer.flush()  # a record still queued must not overwrite what the cancel writes
        with self._handling(client_order_id):
            try:
                order = client.cancel_order(symbol, client_order_id=client_order_id)
            except OrderNotFound:  # it left the book (filled, expired) or was cancelled already
                order = client.fetch_order(symbol, client_order_id)
            order = self._complete(client, order)
            self._resolve(order)
        return [order]

    def cancel_list(self, venue: Venue, account: str, symbol: str, *, list_id: str | None = None,
                    list_client_order_id: str | None = None, legs: Sequence[str] = ()) -> list[Order]:
        """Cancel a spot OCO as a list (DELETE orderList) and journal both legs done; return the legs.

        A list no longer working (a leg filled, or a retried cancel whose first try went through)
        is answered -2011: its ``legs`` are then looked up and recorded as they ended.
        """
        owner = Owner(Venue(venue), Market.SPOT, account, None)
        client = self._spot(owner)
        self._writer.flush()
        with self._handling(*legs):
            try:
                orders = client.cancel_oco(symbol, list_id, list_client_order_id=list_client_order_id)
            except OrderNotFound:
                orders = []
                for cid in legs:
                    try:
                        orders.append(client.fetch_order(symbol, cid))
                    except OrderNotFound:
                        continue  # never placed: a settle marks its entry rejected
            orders = [self._complete(client, o) for o in orders]
            for order in orders:
                self._resolve(order)
        return orders

    def cancel_algo(self, venue: Venue, account: str, symbol: str, client_algo_id: str) -> Order:
        """Cancel a USD-M conditional order by its client algo id; journal what the exchange then reports."""
        entry = self._entry(client_algo_id)
        owner = owner_of(entry) if entry is not None else Owner(Venue(venue), Market.FUTURES, account, None)
        self._writer.flush()
        with self._handling(client_algo_id):
            return self._futures(owner).cancel_algo(symbol, client_algo_id, journal=self.journal(owner))

    def cancel_bot_orders(self, bot_id: int) -> list[Order]:
        """Cancel every open order the journal holds for ``bot_id`` (OCOs as lists); return what was touched."""
        touched: list[Order] = []
        seen: set[str] = set()
        for entry in open_entries(self._db, bot_id=bot_id):
            if entry.client_order_id in seen:
                continue
            owner = owner_of(entry)
            seen.update(legs_of(entry) or (entry.client_order_id,))
            try:
                touched += self.cancel(owner.venue, owner.market, owner.account, entry.symbol, entry.client_order_id)
            except OrderNotFound:
                continue  # never reached the exchange: a settle marks it rejected
        return touched

    # -- closing ------------------------------------------------------------------------------
    def close_futures(self, venue: Venue, account: str, symbol: str) -> list[Closed]:
        """Close the USD-M position on ``symbol``: each bot's own part as that bot's order, the rest manually.

        Bots whose close the account's position covers go first, reduce-only; a bot on the other
        side of a shared one-way position is closed without it. Raise InvalidOrder when neither the
        account nor any bot holds a position there.
        """
        venue = Venue(venue)
        manual = Owner(venue, Market.FUTURES, account, None)
        client = self._futures(manual)
        self._settle_here(venue, Market.FUTURES, account, symbol)
        net = _net(client, symbol)
        claims = self._claims(venue, Market.FUTURES, account, symbol, client)
        if net == 0 and not claims:
            raise InvalidOrder(f"there is no open {symbol} futures position to close; check the positions table")
        claims.sort(key=lambda c: ((c[1] > 0) != (net > 0), -abs(c[1])))
        closed = []
        for bot_id, held in claims:
            covered = net != 0 and (net > 0) == (held > 0) and abs(net) >= abs(held)
            order = self.place(replace(manual, bot_id=bot_id), OrderRequest(
                symbol=symbol, market=Market.FUTURES, side=Side.SELL if held > 0 else Side.BUY,
                quantity=abs(held), reduce_only=covered))
            net -= order.filled if held > 0 else -order.filled
            closed.append(Closed(bot_id, order))
        if closed:
            net = _net(client, symbol)
        if net != 0:
            closed.append(Closed(None, self.place(manual, OrderRequest(
                symbol=symbol, market=Market.FUTURES, side=Side.SELL if net > 0 else Side.BUY,
                quantity=abs(net), reduce_only=True))))
        return closed

    def futures_claims(self, venue: Venue, account: str, client: BinanceClient) -> set[str]:
        """The symbols on which a futures bot of this account holds more than dust."""
        cur = self._db.cursor()
        held = set()
        for record in bots.list(cur):
            c = record.config
            if c.market is Market.FUTURES and c.venue is Venue(venue) and c.account == account and c.symbol not in held:
                quantity = positions.of_bot(cur, record.id, c).quantity
                if quantity and not positions.is_dust(quantity, client.reference_price(c.symbol), client.rules(c.symbol)):
                    held.add(c.symbol)
        return held

    def sell_bot_holding(self, bot_id: int) -> Order | None:
        """Sell what a spot bot holds, as its own order, after cancelling its OCO; None when it holds nothing."""
        record = bots.get(self._db.cursor(), bot_id)
        config = record.config
        if config.market is not Market.SPOT:
            raise InvalidOrder(f"bot {config.name} trades futures; close its position with close_futures")
        owner = Owner(config.venue, Market.SPOT, config.account, bot_id)
        client = self.client(owner)
        self.cancel_bot_orders(bot_id)
        self.settle(where=lambda e: e.bot_id == bot_id, raise_temporary=True)
        held = positions.of_bot(self._db.cursor(), bot_id, config)
        if positions.is_dust(held.quantity, client.reference_price(config.symbol), client.rules(config.symbol)):
            return None
        return self.place(owner, OrderRequest(symbol=config.symbol, market=Market.SPOT, side=Side.SELL,
                                              quantity=held.quantity, keep_remainder=True))

    def _claims(self, venue: Venue, market: Market, account: str, symbol: str,
                client: BinanceClient) -> list[tuple[int, Decimal]]:
        """(bot id, signed quantity) of every bot, running or not, holding more than dust on ``symbol``."""
        cur = self._db.cursor()
        price, rules = client.reference_price(symbol), client.rules(symbol)
        claims = []
        for record in bots.list(cur):
            c = record.config
            if c.market is market and c.venue is venue and c.account == account and c.symbol == symbol:
                held = positions.of_bot(cur, record.id, c)
                if not positions.is_dust(held.quantity, price, rules):
                    claims.append((record.id, held.quantity))
        return claims

    # -- settling -----------------------------------------------------------------------------
    def settle(self, *, bot_id: int | None = None, venue: Venue | None = None, raise_temporary: bool = False,
               where: Callable[[JournalEntry], bool] | None = None, flush: bool = True) -> int:
        """Settle open journal entries (all, one bot's, or those ``where`` picks); return trades recorded.

        Records still queued are written first; orders being placed or cancelled right now are left alone.
        A bot's tick that has waited for its own records already (the only ones queued for that bot)
        passes ``flush=False`` with its ``bot_id``: it then waits for no other bot's, and only that
        bot's intents are moved into the journal.
        """
        if flush or bot_id is None:
            self._writer.flush()
            self.move_intents()
        elif self.intents is not None:
            self.intents.move(self._db, [e.client_order_id for e in self.intents.logged() if e.bot_id == bot_id])
        return settle(self._db, self._clients, bot_id=bot_id, venue=venue, raise_temporary=raise_temporary,
                      still_open=self._still_open,
                      skip=lambda e: self._busy_with(e) or (where is not None and not where(e)))

    def _settle_here(self, venue: Venue, market: Market, account: str, symbol: str) -> None:
        """Bring one symbol's records up to date before closing; raise while an order's fate is unclear."""
        self.settle(venue=venue, raise_temporary=True,
                    where=lambda e: e.market is market and account_of(e) == account and e.symbol == symbol)

    def _still_open(self, entry: JournalEntry) -> bool:
        owner = owner_of(entry)
        if entry.type.is_conditional:
            return entry.client_order_id in self._open_algos.ids(self._algo_view(self._futures(owner)))
        return entry.client_order_id in self.open_orders.ids(self.client(owner))

    def _algo_view(self, client: FuturesClient) -> _Algos:
        with self._lock:
            return self._algo_views.setdefault(id(client), _Algos(client))

    # -- helpers ------------------------------------------------------------------------------
    def _entry(self, client_order_id: str) -> JournalEntry | None:
        self.move_intents()
        try:
            return journal.get(self._db.cursor(), client_order_id)
        except InvalidInput:
            return None

    def _resolve(self, order: Order) -> None:
        """Record ``order`` now for whoever journaled it (a bot or a person); one placed elsewhere is not."""
        entry = self._entry(order.client_order_id)
        if entry is not None:
            self.journal(owner_of(entry)).resolved(order)

    @staticmethod
    def _complete(client: BinanceClient, order: Order) -> Order:
        """A cancel answer lacks the fills of a partial execution: look the order up for them."""
        if order.filled > 0 and not order.fills and order.client_order_id:
            return client.fetch_order(order.symbol, order.client_order_id)
        return order


def list_of(entry: JournalEntry) -> str | None:
    """The client id of the OCO list ``entry`` is a leg of, or None."""
    if entry.request.get(LIST):
        return str(entry.request[LIST])
    cid = entry.client_order_id
    if entry.type in (OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT) and cid.endswith(LEG_SUFFIXES):
        return cid[:-len(LEG_SUFFIXES[0])]  # journaled before lists were: the legs are named after it
    return None


def legs_of(entry: JournalEntry) -> tuple[str, ...]:
    """The client ids of every leg of the list ``entry`` belongs to; () for a lone order."""
    if entry.request.get(LEGS):
        return tuple(str(cid) for cid in entry.request[LEGS])
    list_id = list_of(entry)
    return tuple(list_id + suffix for suffix in LEG_SUFFIXES) if list_id else ()


def _net(client: FuturesClient, symbol: str) -> Decimal:
    """The account's signed one-way position on ``symbol``."""
    return next((p.quantity for p in client.positions() if p.symbol == symbol), ZERO)
