"""The kill switch: stop every bot, cancel every open order, close every futures position.

Optionally it also sells what the bots hold on spot (what they bought, not a person's other
coins). Everything goes through the order gateway, so each cancel and close is journaled and
recorded like any order, and a bot's position is closed as that bot's own order.

It goes on past a failure: every step is tried, a temporary error (timeout, 5xx, 429) is retried
a few times with the client's backoff, and the report says what was done and, checked against
the exchange at the end, what still stands with the fix. One press runs at a time: a second
press waits for the first, then checks everything again (finding nothing left, it does nothing).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from console.domain import Market, Order, OrderStatus, Venue
from console.engine import positions
from console.engine.clients import Clients
from console.engine.gateway import Closed
from console.engine.recorder import account_of, open_entries
from console.errors import ConsoleError, TemporaryError
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.fmt import plain
from console.storage import bots
from console.storage.db import Database

if TYPE_CHECKING:
    from console.engine.engine import BotEngine

T = TypeVar("T")
ATTEMPTS = 3  # tries of a step that failed for a temporary reason, the first included
Account = tuple[Venue, str]
Key = tuple[Venue, Market, str]


@dataclass(frozen=True)
class Standing:
    """Something the kill switch could not undo, and what to do about it."""

    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


@dataclass(frozen=True)
class KillReport:
    """What one press did, and what still stands afterwards (checked on the exchange)."""

    done: tuple[str, ...]
    standing: tuple[Standing, ...]
    waited: bool = False  # another press was running: this one waited for it, then checked again

    @property
    def complete(self) -> bool:
        """True when nothing is left open: no order, no futures position, no bot holding."""
        return not self.standing


@dataclass
class _Notes:
    done: list[str] = field(default_factory=list)
    errors: dict[object, str] = field(default_factory=dict)  # the last failure per item
    standing: list[Standing] = field(default_factory=list)


class KillSwitch:
    """Press to stop everything; ``accounts`` names the accounts to clear besides those bots use."""

    def __init__(self, engine: BotEngine, db: Database, clients: Clients,
                 accounts: Callable[[], list[Account]]) -> None:
        self._engine = engine
        self._gateway = engine.gateway
        self._db = db
        self._clients = clients
        self._accounts = accounts
        self._lock = threading.Lock()

    def press(self, *, sell_spot: bool = False) -> KillReport:
        """Stop every bot, cancel every open order, close every futures position (and sell the bots' spot)."""
        waited = not self._lock.acquire(blocking=False)
        if waited:
            self._lock.acquire()
        try:
            return self._run(sell_spot, waited)
        finally:
            self._lock.release()

    def _run(self, sell_spot: bool, waited: bool) -> KillReport:
        notes = _Notes()
        stopped = self._engine.stop_all("stopped by the kill switch")
        self._engine.wait_idle()  # a tick in flight finishes (and is recorded) before anything is cancelled
        notes.done.append(f"stopped {len(stopped)} bot(s)")
        clients = self._reach(notes)
        for key, client in clients.items():
            self._cancel_all(notes, key, client)
        self._settle(notes)
        for (venue, _, account), client in clients.items():
            if isinstance(client, FuturesClient):
                self._close_all(notes, venue, account, client)
        if sell_spot:
            self._sell_spot(notes, clients)
        self._settle(notes)
        self._check(notes, clients, sell_spot)
        return KillReport(done=tuple(notes.done), standing=tuple(notes.standing), waited=waited)

    # -- steps --------------------------------------------------------------------------------
    def _scope(self) -> list[Account]:
        """The accounts to clear: the given ones, every bot's, and every one with an open journal entry."""
        found: dict[Account, None] = {}
        for venue, account in self._accounts():
            found[(Venue(venue), account)] = None
        for record in bots.list(self._db.cursor()):
            found[(record.config.venue, record.config.account)] = None
        for entry in open_entries(self._db):
            found[(entry.venue, account_of(entry))] = None
        return list(found)

    def _reach(self, notes: _Notes) -> dict[Key, BinanceClient]:
        clients = {}
        for venue, account in self._scope():
            for market in Market:
                try:
                    clients[(venue, market, account)] = self._clients.get(venue, market, account)
                except ConsoleError as e:
                    notes.standing.append(Standing(
                        f"the {venue.value} {market.value} account {account!r} could not be reached", str(e)))
        return clients

    def _cancel_all(self, notes: _Notes, key: Key, client: BinanceClient) -> None:
        venue, market, account = key
        ok, orders = _attempt(notes, key, f"listing the open {market.value} orders", client.open_orders, client)
        orders = orders if ok else []
        lists: dict[tuple[str, str], list[Order]] = {}
        for o in orders:
            if o.list_id is not None and market is Market.SPOT:
                lists.setdefault((o.symbol, o.list_id), []).append(o)
        for (symbol, list_id), legs in lists.items():
            ok, result = _attempt(
                notes, ("list", list_id), f"cancelling OCO {list_id} on {symbol}",
                lambda s=symbol, i=list_id, l=legs: self._gateway.cancel_list(
                    venue, account, s, list_id=i, legs=[leg.client_order_id for leg in l]), client)
            if ok:
                notes.done.append(_ended(f"OCO {list_id} on {symbol} (spot)", result))
        for o in orders:
            if o.list_id is not None and market is Market.SPOT:
                continue
            ok, result = _attempt(
                notes, ("order", o.client_order_id), f"cancelling order {o.client_order_id}",
                lambda o=o: self._gateway.cancel(venue, market, account, o.symbol, o.client_order_id), client)
            if ok:
                notes.done.append(_ended(f"{_label(o)} ({market.value})", result))
        if isinstance(client, FuturesClient):
            ok, algos = _attempt(notes, key, "listing the open futures stop-loss / take-profit orders",
                                 client.open_algos, client)
            for a in algos if ok else ():
                ok, result = _attempt(
                    notes, ("order", a.client_order_id), f"cancelling conditional order {a.client_order_id}",
                    lambda a=a: self._gateway.cancel_algo(venue, account, a.symbol, a.client_order_id), client)
                if ok:
                    notes.done.append(_ended(f"{_label(a)} (futures)", [result]))

    def _settle(self, notes: _Notes) -> None:
        recorded = self._gateway.settle()
        if recorded:
            notes.done.append(f"recorded {recorded} fill(s) the exchange reported meanwhile")

    def _close_all(self, notes: _Notes, venue: Venue, account: str, client: FuturesClient) -> None:
        def held() -> list[str]:  # what the account holds, and what its bots' trades say they hold
            on_account = {p.symbol for p in client.positions() if p.quantity != 0}
            return sorted(on_account | self._gateway.futures_claims(venue, account, client))

        ok, symbols = _attempt(notes, ("positions", venue, account), "reading the futures positions", held, client)
        for symbol in symbols if ok else ():
            ok, closed = _attempt(notes, ("position", venue, account, symbol), f"closing the {symbol} position",
                                  lambda s=symbol: self._gateway.close_futures(venue, account, s), client)
            for c in closed if ok else ():
                notes.done.append(self._closed(symbol, c))

    def _sell_spot(self, notes: _Notes, clients: dict[Key, BinanceClient]) -> None:
        for record in bots.list(self._db.cursor()):
            c = record.config
            client = clients.get((c.venue, Market.SPOT, c.account))
            if c.market is not Market.SPOT or client is None:
                continue
            ok, order = _attempt(notes, ("bot", record.id), f"selling what bot {c.name} holds",
                                 lambda i=record.id: self._gateway.sell_bot_holding(i), client)
            if ok and order is not None:
                notes.done.append(f"sold the {plain(order.filled)} {c.symbol.split('/')[0]} bot {c.name!r} held "
                                  f"({c.symbol}, spot)")

    def _check(self, notes: _Notes, clients: dict[Key, BinanceClient], sell_spot: bool) -> None:
        """List what still stands on the exchange and in the books, with the last error met on it."""
        again = "press the kill switch again"
        listed: set[str] = set()
        for (venue, market, account), client in clients.items():
            ok, orders = _attempt(notes, "check", "", client.open_orders, client)
            if isinstance(client, FuturesClient) and ok:
                ok, algos = _attempt(notes, "check", "", client.open_algos, client)
                orders = [*orders, *algos] if ok else orders
            if not ok:
                notes.standing.append(Standing(f"the open {market.value} orders of {account!r} could not be checked",
                                               f"{notes.errors.get('check', '')}; {again}"))
            for o in orders if ok else ():
                listed.add(o.client_order_id)
                key = ("list", o.list_id) if o.list_id is not None else ("order", o.client_order_id)
                notes.standing.append(Standing(f"{_label(o)} ({market.value}) is still open",
                                               _fix(notes.errors.get(key), f"cancel it on the Order ticket, or {again}")))
            if isinstance(client, FuturesClient):
                ok, held = _attempt(notes, "check", "", client.positions, client)
                if not ok:
                    notes.standing.append(Standing(f"the futures positions of {account!r} could not be checked",
                                                   f"{notes.errors.get('check', '')}; {again}"))
                for p in held if ok else ():
                    error = notes.errors.get(("position", venue, account, p.symbol))
                    notes.standing.append(Standing(f"the {p.symbol} futures position {plain(p.quantity)} is still open",
                                                   _fix(error, f"close it on the Order ticket, or {again}")))
        cur = self._db.cursor()
        for record in bots.list(cur):
            c = record.config
            client = clients.get((c.venue, c.market, c.account))
            if client is None or (c.market is Market.SPOT and not sell_spot):
                continue
            held = positions.of_bot(cur, record.id, c)
            try:
                dust = positions.is_dust(held.quantity, client.reference_price(c.symbol), client.rules(c.symbol))
            except ConsoleError:
                dust = held.quantity == 0
            if not dust:
                error = notes.errors.get(("bot", record.id))
                notes.standing.append(Standing(f"bot {c.name!r} still holds {plain(held.quantity)} {c.symbol} "
                                               f"({c.market.value})",
                                               _fix(error, f"close it on the Order ticket, or {again}")))
        for entry in open_entries(self._db):
            if entry.client_order_id in listed:
                continue  # its order is named above
            notes.standing.append(Standing(
                f"order {entry.client_order_id} ({entry.symbol}, {entry.market.value}) is not settled yet",
                "it is looked up on the exchange every engine cycle; check Trades & PnL in a minute"))

    def _closed(self, symbol: str, closed: Closed) -> str:
        o = closed.order
        size = f"{o.side.value} {plain(o.filled)} {symbol}"
        if closed.bot_id is None:
            return f"closed the rest of the {symbol} futures position: {size} (manual)"
        name = bots.get(self._db.cursor(), closed.bot_id).config.name
        return f"closed {symbol} futures position of bot {name}: {size}"


def _attempt(notes: _Notes, key: object, what: str, step: Callable[[], T],
             client: BinanceClient) -> tuple[bool, T | None]:
    """Run ``step``; retry a temporary failure with the client's backoff; note the last error under ``key``."""
    transport = client.transport
    for attempt in range(ATTEMPTS):
        try:
            return True, step()
        except TemporaryError as e:
            error: ConsoleError = e
            if attempt + 1 < ATTEMPTS:
                transport.sleep(transport.policy.delay(attempt + 1, transport.rng))
        except ConsoleError as e:
            error = e
            break
    notes.errors[key] = f"{what}: {error}" if what else str(error)
    return False, None


def _label(o: Order) -> str:
    price = f" @ {plain(o.price)}" if o.price is not None else ""
    stop = f" stop {plain(o.stop_price)}" if o.stop_price is not None else ""
    return f"{o.side.value} {o.type.value.replace('_', ' ')} {plain(o.quantity)} {o.symbol}{price}{stop}"


def _ended(what: str, orders: list[Order]) -> str:
    """Say how a cancelled order (or list) ended: cancelled, or filled first and recorded."""
    if not orders:
        return f"{what} had already left the book"
    filled = [o for o in orders if o.filled > 0]
    if not filled:
        return f"cancelled {what}"
    parts = ", ".join(f"{plain(o.filled)} {o.type.value.replace('_', ' ')}" for o in filled)
    left = "" if all(o.status is OrderStatus.FILLED for o in filled) else "; the rest cancelled"
    return f"{what} had filled ({parts}) before the cancel; recorded{left}"


def _fix(error: str | None, fix: str) -> str:
    return f"{error}; {fix}" if error else fix
