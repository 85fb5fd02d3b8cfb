"""Holdings: the account held against the bots and the manual book, and resolving a
difference: assign it to a bot, close it at market, or accept it as the person's.

See ``console.engine.holdings`` for the rule and how the engine checks it every cycle.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from console.domain import BotState, Market, OrderRequest, OrderStatus, OrderType, Side, Venue, split_symbol
from console.engine import holdings
from console.engine.clients import Clients
from console.engine.holdings import Holding, HoldingsCheck
from console.errors import ConsoleError, InvalidInput, InvalidOrder
from console.fmt import plain
from console.service.access import VenueAccess
from console.service.orders import Orders
from console.storage import books, bots, journal
from console.storage.db import Database

COLUMNS = ["market", "account", "holding", "on the account", "bots", "by hand", "outside (yours)",
           "difference", "state"]


@dataclass(frozen=True)
class Difference:
    """A holding whose account position differs from the books, with what can resolve it."""

    market: Market
    account: str
    holding: str
    quantity: Decimal  # account minus books
    bots: tuple[tuple[int, str], ...]  # (bot id, name) of the bots trading the holding
    suspended: bool  # the engine suspended bots over it

    @property
    def label(self) -> str:
        return f"{self.market.value} {self.holding}: {plain(self.quantity)} ({self.account})"


class Holdings:
    """The account against the books, and resolving a difference; composed as ``con.holdings``.

    ``check`` is the engine's holdings check (told at once when a difference is resolved);
    ``orders`` places the market order that closes a difference.
    """

    def __init__(self, db: Database, clients: Clients, access: VenueAccess, check: HoldingsCheck,
                 orders: Orders) -> None:
        self._db = db
        self._clients = clients
        self._access = access
        self._check = check
        self._orders = orders

    def table(self) -> pd.DataFrame:
        """Per market and holding: the account's position, each bot's, by hand, outside, the difference."""
        rows = []
        for h in self._read_all():
            suspended = bool(holdings.bots_on(self._db, h, (BotState.SUSPENDED,)))
            state = (f"settling: {h.settling}" if h.settling else
                     "differs: bots suspended" if h.differs and suspended else
                     "differs" if h.differs else "agrees")
            rows.append({
                "market": h.market.value, "account": h.account, "holding": h.name,
                "on the account": plain(h.on_account),
                "bots": " · ".join(f"{s.name}: {plain(s.quantity)}" for s in h.bots) or "—",
                "by hand": plain(h.manual), "outside (yours)": plain(h.outside),
                "difference": plain(h.difference), "state": state,
            })
        return pd.DataFrame(rows, columns=COLUMNS)

    def differences(self) -> list[Difference]:
        """The holdings that differ from the books now, with the bots a difference may be assigned to."""
        out = []
        for h in self._read_all():
            if h.differs:
                trading = holdings.bots_on(self._db, h, tuple(BotState))
                suspended = bool(holdings.bots_on(self._db, h, (BotState.SUSPENDED,)))
                out.append(Difference(h.market, h.account, h.name, h.difference,
                                      tuple((i, c.name) for i, c in trading), suspended))
        return out

    def assign_difference(self, market: str | Market, holding: str, bot_id: int, account: str | None = None) -> str:
        """Book the difference to ``bot_id`` with an adjustment trade (marked as such); return what was done."""
        h = self._differing(market, holding, account)
        config = bots.get(self._db.cursor(), bot_id).config
        if (config.venue, config.market, config.account) != (h.venue, h.market, h.account) or \
                holdings.holding_of(h.market, config.symbol) != h.name:
            raise InvalidInput(f"bot {config.name} does not trade {h.name} on this {h.market.value} account; "
                               "pick a bot trading it")
        price = self._price(h.market, config.symbol)
        holdings.adjust(self._db, venue=h.venue, market=h.market, account=h.account, bot_id=bot_id,
                        symbol=config.symbol, quantity=h.difference, price=price,
                        note="a difference found on the account, assigned by a person")
        return self._resolved(h, f"assigned {plain(h.difference)} {h.name} to {config.name}")

    def accept_difference(self, market: str | Market, holding: str, account: str | None = None) -> str:
        """Take the difference as the person's own, outside the books; return what was done."""
        h = self._differing(market, holding, account)
        with self._db.transaction() as cur:
            books.add_outside(cur, h.venue, h.market, h.account, h.name, h.difference, "accepted as theirs")
        return self._resolved(h, f"accepted {plain(h.difference)} {h.name} as yours")

    def close_difference(self, market: str | Market, holding: str, account: str | None = None) -> str:
        """Close the difference with a market order by hand (journaled like any manual order).

        The difference is first taken as the person's, then traded away, so the books and the
        account move together.
        """
        h = self._differing(market, holding, account)
        symbol = _symbol_for(h)
        quantity = abs(h.difference)
        side = Side.SELL if h.difference > 0 else Side.BUY
        covered = h.market is Market.FUTURES and h.on_account != 0 and (h.on_account > 0) == (h.difference > 0) \
            and abs(h.on_account) >= quantity
        request = OrderRequest(symbol=symbol, market=h.market, side=side, type=OrderType.MARKET, quantity=quantity,
                               reduce_only=covered, keep_remainder=h.market is Market.SPOT)
        order = self._orders.place_request(request)
        with self._db.transaction() as cur:
            books.add_outside(cur, h.venue, h.market, h.account, h.name, h.difference, "closed at market by a person")
        verb = "sold" if side is Side.SELL else "bought"
        return self._resolved(h, f"{verb} {plain(order.filled)} {symbol} at market")

    # -- the paper reset ----------------------------------------------------------------------
    def clear_books(self, venue: Venue, note: str) -> int:
        """After the paper exchange was reset: close its journal, flatten every book, take the wallet
        as the person's. Return how many adjustment trades were written."""
        cur = self._db.cursor()
        with self._db.transaction() as tx:
            for entry in journal.open_entries(cur, venue=venue):
                journal.update(tx, entry.client_order_id, status=OrderStatus.CANCELLED, response={"message": note})
        written = 0
        for market, account in self._in_use(venue):
            tracked = {h.name for h in self._read(venue, market, account, first_sight=False, fresh=True)}
            moved = books.moved(cur, venue, market, account)
            symbols = books.traded_symbols(cur, venue, market, account)
            for (owner, name), quantity in sorted(moved.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
                if quantity == 0 or name not in tracked:
                    continue
                symbol = name if market is Market.FUTURES else _spot_symbol(name, symbols)
                holdings.adjust(self._db, venue=venue, market=market, account=account, bot_id=owner, symbol=symbol,
                                quantity=-quantity, price=Decimal(0), note=note)
                written += 1
            for h in self._read(venue, market, account, fresh=True):
                if not h.settling and h.difference:
                    with self._db.transaction() as tx:
                        books.add_outside(tx, venue, market, account, h.name, h.difference, note)
        return written

    # -- helpers ------------------------------------------------------------------------------
    def _in_use(self, venue: Venue) -> list[tuple[Market, str]]:
        """(market, account) pairs the console uses on ``venue``: its default account, and the bots'."""
        pairs = set()
        try:
            pairs |= {(m, self._access.default_account(venue)) for m in Market}
        except ConsoleError:
            pass
        pairs |= {(r.config.market, r.config.account) for r in bots.list(self._db.cursor()) if r.config.venue is venue}
        return sorted(pairs, key=lambda p: (p[0].value, p[1]))

    def _read(self, venue: Venue, market: Market, account: str, *, first_sight: bool = True,
              fresh: bool = False) -> list[Holding]:
        return holdings.read(self._db, self._clients.get(venue, market, account), venue=venue, market=market,
                             account=account, first_sight=first_sight, fresh=fresh)

    def _read_all(self) -> list[Holding]:
        out = []
        for market, account in self._in_use(self._access.venue):
            out += self._read(self._access.venue, market, account)
        return out

    def _differing(self, market: str | Market, holding: str, account: str | None) -> Holding:
        market = Market(market)
        account = account or self._access.default_account()
        held = self._read(self._access.venue, market, account, fresh=True)
        found = next((h for h in held if h.name == holding), None)
        if found is None:
            raise InvalidInput(f"the console does not track {holding} on the {market.value} account; reload the page")
        if found.settling:
            raise InvalidInput(f"{holding} cannot be resolved right now ({found.settling}); try again in a moment")
        if not found.differs:
            raise InvalidInput(f"{market.value} {holding} agrees with the books already; nothing to resolve")
        return found

    def _price(self, market: Market, symbol: str) -> Decimal:
        try:
            return self._access.client(market).reference_price(symbol)
        except ConsoleError:
            return Decimal(0)  # an adjustment realises nothing: its price only sets the lot's cost

    def _resolved(self, h: Holding, done: str) -> str:
        """After a resolution: check the holding again at once and run its suspended bots if it agrees."""
        self._check.forget(h)
        for again in self._read(h.venue, h.market, h.account, fresh=True):
            if again.name == h.name:
                self._check.judge(again)
        return done


def _spot_symbol(asset: str, symbols: set[str]) -> str:
    """A symbol whose base is ``asset``: one traded, else against USDT."""
    traded = sorted(s for s in symbols if split_symbol(s)[0] == asset)
    return traded[0] if traded else f"{asset}/USDT"


def _symbol_for(h: Holding) -> str:
    if h.market is Market.FUTURES:
        return h.name
    if not h.symbols:
        raise InvalidOrder(f"no symbol trades {h.name} here; accept the difference instead")
    usdt = [s for s in h.symbols if s.endswith("/USDT")]
    return (usdt or list(h.symbols))[0]
