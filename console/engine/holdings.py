"""Holdings: the account's positions held against the bots' and the manual book.

For every holding of one account and market (spot: an asset such as ``BTC``; futures: a symbol)::

    account = the bots' + by hand + outside + difference

- the bots' and by hand: what their recorded trades moved (``console.storage.books``), bookkeeping
  adjustments included;
- outside: what the person holds outside the books: what the account held when the console began
  tracking the holding, and differences the person accepted as theirs since.

A futures difference the exchange's liquidation engine made is recorded as its bots' exit and
halts them (``console.engine.liquidation``). Any other difference the console did not make (a fill
outside it, a paper reset) suspends the bots on that holding until the person resolves it on the
Overview: assign it to a bot (an adjustment trade for that bot), close it (accept it, then a market
order by hand), or accept it as theirs. When the difference is gone the suspended bots run again.

The account is read between two reads of the store, without locks: a holding is judged only when
no order on it was in flight and no trade was recorded meanwhile, and when every order of the
console resting on it is still on the book unfilled. A difference suspends bots only when two
checks in a row saw the same one, so a fill answered between the reads never suspends anything.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from console.domain import BotConfig, BotState, Market, OrderStatus, OrderType, Side, Venue, split_symbol
from console.engine import liquidation
from console.engine.clients import Clients
from console.engine.recorder import account_of
from console.engine.writer import Writer
from console.errors import ConsoleError
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.fmt import plain
from console.storage import books, bots, events, journal, trades
from console.storage.db import Database, snapshot

log = logging.getLogger(__name__)

ZERO = Decimal(0)
TOLERANCE = Decimal("1e-9")  # below Binance's smallest step: rounding in the store, not a holding
FEE_ASSET = "BNB"  # spot commissions may be paid in it whatever the pair
IN_FLIGHT = (OrderStatus.PENDING, OrderStatus.UNKNOWN)
FIRST_SIGHT = "held when the console began tracking it"


def holding_of(market: Market, symbol: str) -> str:
    """The holding a symbol trades: its base asset on spot, the symbol itself on futures."""
    return split_symbol(symbol)[0] if Market(market) is Market.SPOT else symbol


@dataclass(frozen=True)
class Share:
    """A bot's part of a holding."""

    bot_id: int
    name: str  # "#7 (deleted)" for a bot deleted while its trades still count
    quantity: Decimal


@dataclass(frozen=True)
class Holding:
    venue: Venue
    market: Market
    account: str
    name: str  # spot: the asset; futures: the symbol
    symbols: tuple[str, ...]  # the symbols the console trades it through
    on_account: Decimal
    bots: tuple[Share, ...]
    manual: Decimal
    outside: Decimal
    settling: str = ""  # why it is not judged now; empty when it is

    @property
    def key(self) -> tuple[Venue, Market, str, str]:
        return self.venue, self.market, self.account, self.name

    @property
    def booked(self) -> Decimal:
        return sum((s.quantity for s in self.bots), ZERO) + self.manual + self.outside

    @property
    def difference(self) -> Decimal:
        return self.on_account - self.booked

    @property
    def differs(self) -> bool:
        return not self.settling and abs(self.difference) > TOLERANCE

    def describe(self) -> str:
        """The difference in words, for a suspended bot's reason."""
        size = f"{plain(abs(self.difference))} {split_symbol(self.name)[0]}"
        if self.market is Market.SPOT:
            what = f"the spot account holds {size} {'more' if self.difference > 0 else 'less'}"
        else:
            what = f"the futures position on {self.name} is {size} {'longer' if self.difference > 0 else 'shorter'}"
        return (f"{what} than the bots and the manual book (a fill outside the console, a liquidation or a "
                "reset?); resolve it on the Overview: assign it to a bot, close it or accept it as yours")


def _account(client: BinanceClient, fresh: bool) -> dict[str, Decimal]:
    if isinstance(client, FuturesClient):
        return {p.symbol: p.quantity for p in client.positions()}
    return {asset: b.total for asset, b in client.balances(fresh=fresh).items()}


def _symbols(cur, venue: Venue, market: Market, account: str, configs: dict[int, BotConfig]) -> dict[str, set[str]]:
    """Holding -> the symbols the console trades it through (recorded trades, configured bots)."""
    mine = {c.symbol for c in configs.values()
            if c.venue is venue and c.market is market and c.account == account}
    out: dict[str, set[str]] = {}
    for symbol in books.traded_symbols(cur, venue, market, account) | mine:
        out.setdefault(holding_of(market, symbol), set()).add(symbol)
    return out


def _marker(cur, venue: Venue, market: Market, account: str) -> tuple[int, list]:
    entries = [e for e in journal.open_entries(cur, venue=venue)
               if e.market is market and account_of(e) == account]
    return books.last_trade_id(cur, venue, market, account), entries


def read(db: Database, client: BinanceClient, *, venue: Venue, market: Market, account: str, first_sight: bool = True,
         fresh: bool = False, now: datetime | None = None) -> list[Holding]:
    """Every holding of one account and market, judged where the store and the account agree to read.

    The spot balances come from the client's few-seconds cache unless ``fresh``. With
    ``first_sight``, a holding judged for the first time takes what the account holds beyond the
    books (read fresh) as the person's (outside), so holdings from before the console never count
    as a difference.
    """
    venue, market = Venue(venue), Market(market)
    cur = db.cursor()
    with snapshot(cur):
        before = _marker(cur, venue, market, account)
        # a holding seen for the first time is taken from a fresh read, never from a cached one
        tracked = set(books.outside(cur, venue, market, account))
        unseen = set(_symbols(cur, venue, market, account, {r.id: r.config for r in bots.list(cur)})) - tracked
    on_account = _account(client, fresh=fresh or (first_sight and bool(unseen)))
    if market is Market.FUTURES:  # positions are always read afresh
        unseen |= {s for s, q in on_account.items() if q} - tracked
    with snapshot(cur):
        after = _marker(cur, venue, market, account)
        entries = after[1]
        moved = books.moved(cur, venue, market, account)
        outside = books.outside(cur, venue, market, account)
        configs = {r.id: r.config for r in bots.list(cur)}
        symbols = _symbols(cur, venue, market, account, configs)
    mine = {i: c for i, c in configs.items()
            if c.venue is venue and c.market is market and c.account == account}
    names = set(symbols) | set(outside)
    if market is Market.FUTURES:
        names |= {s for s, q in on_account.items() if q}
    in_flight = _names(market, [e for e in before[1] + entries if e.status in IN_FLIGHT], names)
    resting = [e for e in entries if e.status not in IN_FLIGHT]
    result = []
    for name in sorted(names):
        owners = {bot_id for (bot_id, held), _ in moved.items() if held == name} | {
            i for i, c in mine.items() if holding_of(market, c.symbol) == name}
        shares = tuple(Share(i, configs[i].name if i in configs else f"#{i} (deleted)", moved.get((i, name), ZERO))
                       for i in sorted(o for o in owners if o is not None))
        settling = ("a trade was being recorded while the account was read" if before[0] != after[0]
                    else "an order on it is being placed" if name in in_flight else "")
        holding = Holding(venue, market, account, name, tuple(sorted(symbols.get(name, ()))),
                          on_account.get(name, ZERO), shares, moved.get((None, name), ZERO),
                          outside.get(name, ZERO), settling)
        if holding.differs:
            holding = _check_resting(client, holding, resting)
        if first_sight and name not in outside and name in unseen and not holding.settling:
            with db.transaction() as tx:
                books.add_outside(tx, venue, market, account, name, holding.difference, FIRST_SIGHT, now)
            holding = replace(holding, outside=holding.difference)
        result.append(holding)
    return result


def _names(market: Market, entries: list, names: set[str]) -> set[str]:
    """The holdings orders in flight may move: on spot the base, the quote and the fee asset."""
    out = set()
    for e in entries:
        if market is Market.FUTURES:
            out.add(e.symbol)
        else:
            out |= {*split_symbol(e.symbol), FEE_ASSET}
    return out & names


def _check_resting(client: BinanceClient, holding: Holding, resting: list) -> Holding:
    """A difference on a holding with resting orders of the console may be their fill not yet recorded."""
    mine = [e for e in resting if holding.name in _names(holding.market, [e], {holding.name})]
    if not mine:
        return holding
    for symbol in sorted({e.symbol for e in mine}):
        book = {o.client_order_id: o for o in client.open_orders(symbol)}
        # USD-M stop-loss / take-profit orders are listed apart
        if isinstance(client, FuturesClient) and any(e.type.is_conditional for e in mine):
            book |= {o.client_order_id: o for o in client.open_algos(symbol)}
        for e in (e for e in mine if e.symbol == symbol):
            seen = book.get(e.client_order_id)
            if seen is None or seen.filled > 0:
                return replace(holding, settling=f"an order of the console on {symbol} filled and is being recorded")
    return holding


# -- bookkeeping ---------------------------------------------------------------------------------

def adjust(db: Database, *, venue: Venue, market: Market, account: str, bot_id: int | None, symbol: str,
           quantity: Decimal, price: Decimal, note: str) -> trades.TradeRecord:
    """Record a bookkeeping trade moving ``quantity`` (signed) of ``symbol`` into an owner's book.

    Marked as an adjustment: it realises nothing, moves no quote asset and pays no commission.
    """
    _, quote = split_symbol(symbol)
    ident = f"adj-{uuid.uuid4().hex[:24]}"
    trade = trades.TradeRecord(
        bot_id=bot_id, account=account, venue=Venue(venue), market=Market(market), exchange_order_id=ident,
        client_order_id=ident, symbol=symbol, side=Side.BUY if quantity > 0 else Side.SELL,
        order_type=OrderType.MARKET, price=price, quantity=abs(quantity), quote_quantity=abs(quantity) * price,
        commission=ZERO, commission_asset=quote, commission_quote=ZERO, pnl=ZERO, ts=db.now(),
        adjustment=True)
    with db.transaction() as cur:
        trades.record(cur, trade)
        if bot_id is not None:
            events.log(cur, bot_id, "adjustment", f"{plain(quantity)} {symbol}: {note}")
    return trade


def bots_on(db: Database, holding: Holding, states: tuple[BotState, ...]) -> list[tuple[int, BotConfig]]:
    """The bots trading ``holding`` (in one of ``states``)."""
    return [(r.id, r.config) for r in bots.list(db.cursor())
            if r.state in states and r.config.venue is holding.venue and r.config.market is holding.market
            and r.config.account == holding.account and holding_of(holding.market, r.config.symbol) == holding.name]


def suspend(db: Database, holding: Holding) -> list[int]:
    """Suspend the running (and daily-paused) bots on ``holding``; return their ids."""
    reason = holding.describe()
    ids = [i for i, _ in bots_on(db, holding, (BotState.RUNNING, BotState.PAUSED))]
    if not ids:
        return ids
    with db.transaction() as cur:
        for bot_id in ids:
            bots.set_state(cur, bot_id, BotState.SUSPENDED, reason)
            events.log(cur, bot_id, "suspended", reason)
    return ids


def wake(db: Database, holding: Holding) -> list[int]:
    """Run again the bots suspended on ``holding`` once it agrees with the books; return their ids."""
    ids = [i for i, _ in bots_on(db, holding, (BotState.SUSPENDED,))]
    if not ids:
        return ids
    with db.transaction() as cur:
        for bot_id in ids:
            bots.set_state(cur, bot_id, BotState.RUNNING, "")
            events.log(cur, bot_id, "state", f"the account's {holding.name} agrees with the books again; running")
    return ids


class HoldingsCheck:
    """The engine's check: each client at most once per ``every`` seconds, one pass at a time."""

    def __init__(self, db: Database, clients: Clients, writer: Writer, clock: Callable[[], float],
                 every: float = 10.0) -> None:
        self._db, self._clients, self._writer, self._clock = db, clients, writer, clock
        self._every = every
        self._checked: dict[tuple, float] = {}
        self._seen: dict[tuple, Decimal] = {}  # the difference the previous check saw, per holding
        self._busy = threading.Lock()

    def run(self, force: bool = False) -> list[Holding]:
        """Check every client in use whose turn it is (``force``: every client, after the pass under
        way); suspend or wake bots; return what was read."""
        if not self._busy.acquire(blocking=force):
            return []
        try:
            return self._run(force)
        except Exception:  # a check that fails is logged; the next cycle checks again
            log.exception("checking the holdings failed")
            return []
        finally:
            self._busy.release()

    def _run(self, force: bool) -> list[Holding]:
        self._writer.flush()
        out: list[Holding] = []
        now = self._clock()
        for (venue, market, account), client in self._clients.all():
            key = (venue, market, account)
            if not force and now - self._checked.get(key, float("-inf")) < self._every:
                continue
            self._checked[key] = now
            try:
                read_now = read(self._db, client, venue=venue, market=market, account=account,
                                now=datetime.fromtimestamp(now, tz=UTC))
            except ConsoleError as e:  # a ban, a timeout, removed keys: the next turn tries again
                log.warning("holdings of %s %s %s not checked: %s", venue.value, market.value, account, e)
                continue
            for holding in read_now:
                if self._liquidated(client, holding):
                    continue  # recorded as its bots' exit; the next check finds the books in step
                self.judge(holding)
            out += read_now
        return out

    def _liquidated(self, client: BinanceClient, holding: Holding) -> bool:
        """Record a liquidation behind a futures difference (see ``liquidation``); True when one was."""
        if holding.market is not Market.FUTURES or abs(holding.difference) <= TOLERANCE:
            return False
        try:
            closed = liquidation.settle(self._db, client, holding)
        except ConsoleError as e:  # the next check asks again
            log.warning("liquidations of %s not read: %s", holding.name, e)
            return False
        if closed:
            self._seen.pop(holding.key, None)
        return bool(closed)

    def judge(self, holding: Holding) -> None:
        """Suspend the bots on a difference seen twice in a row; wake them when it is gone."""
        if holding.settling:
            return
        if not holding.differs:
            self._seen.pop(holding.key, None)
            wake(self._db, holding)
            return
        previous = self._seen.get(holding.key)
        self._seen[holding.key] = holding.difference
        if previous is not None and abs(previous - holding.difference) <= TOLERANCE:
            suspend(self._db, holding)

    def forget(self, holding: Holding) -> None:
        """Drop what was seen of a holding the person just resolved."""
        self._seen.pop(holding.key, None)
