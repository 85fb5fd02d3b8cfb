"""A futures position the exchange liquidated, recorded as its owners' exit.

When Binance's liquidation engine closes an isolated USD-M position, the account's position is
gone while the bots' recorded trades still hold it. Before such a difference suspends the bots as
a mismatch, the holdings check asks the exchange for its forced orders on the symbol since the
last recorded trade (``FuturesClient.forced_orders``) and, for one that closes what the books hold:

- settles the owners' open journal entries on the symbol (the exchange cancelled them first);
- records the fill once per owner at the liquidation price, split as the holdings are (each bot
  closes its own share, the manual book its own, and what the person held outside the books is
  taken off it), the exchange's order id on the largest share's row: a restart finds it and
  records nothing again;
- logs a ``liquidation`` event on each bot (quantity, price, the margin lost) and halts the bots
  that were trading, so a person decides what comes next.

A bot's tick may decide before the check has run: the gateway calls ``guard`` before each bot's
futures order, which records the liquidation the same way and refuses the order (a close of a
position the exchange already closed would open the other side).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING

from console import fmt
from console.domain import BotState, Market, Order, OrderStatus, Side, split_symbol
from console.engine import holdings, positions
from console.engine.recorder import DbJournal, Owner, open_entries, trade_record
from console.errors import ConsoleError, Liquidated, OrderNotFound
from console.exchange.futures import FuturesClient
from console.storage import books, bots, events, journal, trades
from console.storage.db import Database

if TYPE_CHECKING:
    from console.engine.holdings import Holding

log = logging.getLogger(__name__)

ZERO = Decimal(0)
TOLERANCE = Decimal("1e-9")  # as the holdings check's
PREFIX = positions.LIQUIDATION_PREFIX
NOTE = "liquidated by the exchange"


def is_liquidation(trade: trades.TradeRecord) -> bool:
    """Whether a recorded trade is the exchange's liquidation of a position."""
    return trade.client_order_id.startswith(PREFIX)


def settle(db: Database, client: FuturesClient, holding: "Holding") -> list[int]:
    """Record the liquidation behind a futures holding's difference; return the bots it closed.

    No request unless the account holds less than the books on this holding. Idempotent: an
    order already recorded is skipped.
    """
    if holding.market is not Market.FUTURES or not isinstance(client, FuturesClient):
        return []
    held = holding.booked
    if abs(holding.difference) <= TOLERANCE or abs(holding.on_account) >= abs(held) - TOLERANCE:
        return []
    symbol = holding.name
    since = _last_trade_ms(db, holding)
    closed: list[int] = []
    for forced in client.forced_orders(symbol, since):
        if forced.filled <= 0 or _recorded(db, holding, forced.exchange_order_id):
            continue
        signed = forced.filled if forced.side is Side.BUY else -forced.filled
        if abs(held + signed) > TOLERANCE:  # not the whole of what the books hold: a person resolves it
            log.warning("forced order %s on %s closed %s of %s held; left to the holdings check",
                        forced.exchange_order_id, symbol, signed, held)
            continue
        order = client.fetch_order(symbol, forced.client_order_id)
        closed += _record(db, client, holding, order)
        held = ZERO
    return closed


def guard(db: Database, client: FuturesClient, owner: Owner, symbol: str, *, held: positions.Held | None = None,
          account: Decimal | None = None) -> None:
    """Before a bot's futures order: raise Liquidated when the exchange liquidated its position.

    A tick decides on the position its trades record; when the exchange closed it meanwhile (the
    account check may not have run yet), a close would open the other side. The liquidation is
    recorded here then, once, as in the account check.

    ``held``: the bot's position as its tick has just computed it, after reading the bot running;
    ``account``: the account's signed position on ``symbol`` as just read. With them the usual
    order costs nothing here: books flat (nothing to liquidate), or the account still holding at
    least the bot's own position on its side (a full liquidation leaves nothing).
    """
    if owner.bot_id is None or owner.market is not Market.FUTURES or not isinstance(client, FuturesClient):
        return
    if held is not None and held.quantity == 0 and not held.liquidated:
        return
    if held is not None and held.quantity != 0:
        if account is None:
            account = next((p.quantity for p in client.positions() if p.symbol == symbol), ZERO)
        if (account > 0) == (held.quantity > 0) and account != 0 and abs(account) >= abs(held.quantity):
            return
    record = bots.get(db.cursor(), owner.bot_id)
    if record.config.symbol != symbol or positions.of_bot(db.cursor(), owner.bot_id, record.config).quantity != 0:
        for holding in holdings.read(db, client, venue=owner.venue, market=owner.market, account=owner.account,
                                     first_sight=False):
            if holding.name == symbol:
                settle(db, client, holding)
        record = bots.get(db.cursor(), owner.bot_id)
    # else the books hold nothing there: nothing can have been liquidated since, and no request is spent
    history = trades.for_bot(db.cursor(), owner.bot_id)
    if record.state is not BotState.RUNNING and history and is_liquidation(history[-1]):
        raise Liquidated(f"{record.reason or 'the exchange liquidated the position on ' + symbol}; "
                         "the order was not sent")


def _last_trade_ms(db: Database, holding: "Holding") -> int | None:
    row = db.cursor().execute(
        "SELECT max(ts) FROM trades WHERE venue = ? AND market = ? AND account = ? AND symbol = ?",
        [holding.venue.value, holding.market.value, holding.account, holding.name]).fetchone()
    if row is None or row[0] is None:
        return None
    ts = row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)
    return int(ts.timestamp() * 1000)


def _recorded(db: Database, holding: "Holding", exchange_order_id: str) -> bool:
    row = db.cursor().execute(
        "SELECT count(*) FROM trades WHERE venue = ? AND market = ? AND exchange_order_id = ?",
        [holding.venue.value, holding.market.value, exchange_order_id]).fetchone()
    return bool(row[0])


def _record(db: Database, client: FuturesClient, holding: "Holding", order: Order) -> list[int]:
    """Write the forced order as each owner's exit; return the bots it closed."""
    owners = [(s.bot_id, s.quantity) for s in holding.bots if abs(s.quantity) > TOLERANCE]
    if abs(holding.manual) > TOLERANCE:
        owners.append((None, holding.manual))
    owners.sort(key=lambda o: -abs(o[1]))
    for bot_id, _ in owners:
        _settle_entries(db, client, holding, bot_id)
    price = order.average_price or order.price or ZERO
    rules = client.rules(holding.name)
    base, quote = split_symbol(holding.name)
    at = order.timestamp or db.now()
    ms = int(at.timestamp() * 1000)
    try:
        cleared = client.insurance_clear(holding.name, ms - 1000, ms + 1000)
    except ConsoleError as e:  # the margin lost is then only the realised loss
        log.warning("insurance clearance of %s not read: %s", order.exchange_order_id, e)
        cleared = ZERO
    realized = order.realized_pnl if order.realized_pnl is not None else (
        sum(((price - _entry(db, b)) * q for b, q in owners if b is not None), ZERO))
    shares = _realized_shares(db, owners, order.filled, price, realized)
    base_row = trade_record(order, Owner(holding.venue, holding.market, holding.account), now=db.now())
    rows = []
    for n, (bot_id, quantity) in enumerate(owners):
        part = abs(quantity) / order.filled
        ident = order.exchange_order_id if n == 0 else f"{order.exchange_order_id}-{'m' if bot_id is None else bot_id}"
        rows.append(replace(
            base_row, bot_id=bot_id, exchange_order_id=ident, side=Side.SELL if quantity > 0 else Side.BUY,
            price=price, quantity=abs(quantity), quote_quantity=abs(quantity) * price,
            commission=base_row.commission * part, commission_quote=None if base_row.commission_quote is None
            else base_row.commission_quote * part, realized_pnl=shares[n]))
    if len(owners) == 1:
        rows[0] = replace(rows[0], realized_pnl=realized, commission=base_row.commission,
                          commission_quote=base_row.commission_quote)
    closed = []
    with db.transaction() as cur:
        for row in rows:
            inserted, stored = trades.record_with_pnl(cur, row)
            if not inserted or row.bot_id is None:
                continue
            bots.bump_daily(cur, row.bot_id, 1, stored.pnl or ZERO, day=stored.ts.date())
            lost = -(row.realized_pnl or ZERO) + cleared * row.quantity / order.filled
            message = (f"liquidated {fmt.qty(row.quantity, rules)} {base} at {fmt.money(price, quote)}; "
                       f"margin lost {fmt.money(lost, quote)}")
            events.log(cur, row.bot_id, "liquidation", message)
            record = bots.get(cur, row.bot_id)
            if record.state in (BotState.RUNNING, BotState.PAUSED, BotState.SUSPENDED):
                bots.set_state(cur, row.bot_id, BotState.HALTED,
                               f"{message}; check its settings, then start it again")
            closed.append(row.bot_id)
        if abs(holding.outside) > TOLERANCE:
            books.add_outside(cur, holding.venue, holding.market, holding.account, holding.name,
                              -holding.outside, NOTE, at)
    return closed


def _realized_shares(db: Database, owners: list[tuple[int | None, Decimal]], filled: Decimal, price: Decimal,
                     realized: Decimal) -> list[Decimal]:
    """Each owner's part of the realised PnL: by quantity when all held one side, else from each
    bot's own entry (the manual book takes what is left)."""
    if len({q > 0 for _, q in owners}) == 1:
        return [realized * abs(q) / filled for _, q in owners]
    own = [(price - _entry(db, b)) * q if b is not None else None for b, q in owners]
    rest = realized - sum((p for p in own if p is not None), ZERO)
    return [rest if p is None else p for p in own]


def _entry(db: Database, bot_id: int) -> Decimal:
    """The bot's own entry price, from its recorded trades."""
    record = bots.get(db.cursor(), bot_id)
    return positions.of_bot(db.cursor(), bot_id, record.config).entry_price or ZERO


def _settle_entries(db: Database, client: FuturesClient, holding: "Holding", bot_id: int | None) -> None:
    """Follow the owner's open orders on the symbol: the exchange cancelled them before liquidating.

    An exit still resting (placed again by a tick that ran before this) is cancelled: it protects nothing.
    """
    owner = Owner(holding.venue, holding.market, holding.account, bot_id)
    for entry in open_entries(db, bot_id=bot_id, venue=holding.venue):
        if entry.symbol != holding.name or entry.market is not Market.FUTURES or entry.bot_id != bot_id:
            continue
        book = DbJournal(db, owner)
        try:
            lookup = client.fetch_algo if entry.type.is_conditional else client.fetch_order
            order = lookup(entry.symbol, entry.client_order_id)
            book.record(order)
            if entry.type.is_conditional and order.status is OrderStatus.OPEN:  # placed after the liquidation
                client.cancel_algo(entry.symbol, entry.client_order_id, journal=book)
        except OrderNotFound:
            with db.transaction() as cur:
                journal.update(cur, entry.client_order_id, status=OrderStatus.REJECTED,
                               response={"message": "the exchange has no such order: it was never placed"})
