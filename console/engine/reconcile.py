"""Settle journaled orders with the exchange: at start-up, and every engine cycle.

An entry that is pending, open, partially filled or unknown is looked up on the exchange by its
client order id. What executed meanwhile is recorded once (the trade store is unique on the
exchange order id). An entry the exchange has never seen never reached it: it is marked
rejected and not sent again, because the signal behind it is stale by now. Binance still
accepts a request up to its recvWindow after it was signed, so a pending entry younger than
IN_FLIGHT that the exchange does not know yet may still arrive: it stays pending until then.
Its age is read on the database's clock, the one that dated the entry (in a test, the test's).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from console.domain import OrderStatus, Venue
from console.engine.clients import Clients
from console.engine.recorder import DbJournal, Owner, account_of, fee_valuer, open_entries
from console.errors import Banned, ConsoleError, ExchangeTimeout, OrderNotFound, TemporaryError
from console.storage import journal
from console.storage.db import Database
from console.storage.journal import JournalEntry

log = logging.getLogger(__name__)

# ccxt signs Binance requests with a 10 s recvWindow; the rest allows for clock differences.
IN_FLIGHT = timedelta(seconds=15)
# Entries the exchange confirmed resting: an open-orders listing that holds them saves a lookup.
RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def owner_of(entry: JournalEntry) -> Owner:
    """Whose order a journal entry is: its bot, or a person (no bot)."""
    return Owner(entry.venue, entry.market, account_of(entry), entry.bot_id)


def settle(db: Database, clients: Clients, *, bot_id: int | None = None, venue: Venue | None = None,
           raise_temporary: bool = False, still_open: Callable[[JournalEntry], bool] | None = None,
           skip: Callable[[JournalEntry], bool] | None = None) -> int:
    """Look up open journal entries (all, or one bot's); return how many trades were newly recorded.

    A pass over everything skips entries that cannot be looked up yet (they stay open for the
    next pass); a bot tick (``raise_temporary``) raises the error so the bot retries at its next
    tick. A resting entry that ``still_open`` finds in its client's open orders is not looked up;
    an entry ``skip`` names is left alone (another path is placing or settling it).
    """
    recorded = 0
    for entry in open_entries(db, bot_id=bot_id, venue=venue):
        if skip is not None and skip(entry):
            continue
        owner = owner_of(entry)
        try:
            if still_open is not None and entry.status in RESTING and still_open(entry):
                continue
            client = clients.get(owner.venue, owner.market, owner.account)
            lookup = client.fetch_algo if entry.type.is_conditional else client.fetch_order  # by client algo id
            order = lookup(entry.symbol, entry.client_order_id)
        except OrderNotFound:
            age = db.now() - entry.created_at
            if entry.status is OrderStatus.PENDING and age < IN_FLIGHT:
                if raise_temporary:
                    raise ExchangeTimeout(
                        f"order {entry.client_order_id} on {entry.symbol} was sent {age.total_seconds():.0f} s ago "
                        "and may still reach the exchange; it is looked up again before the bot trades") from None
                continue
            with db.transaction() as cur:
                journal.update(cur, entry.client_order_id, status=OrderStatus.REJECTED,
                               response={"message": "the exchange has no such order: it was never placed"})
            continue
        except (TemporaryError, Banned) as e:  # a ban ends by itself too: the entry waits for it
            if raise_temporary:
                raise
            log.warning("cannot settle order %s yet: %s", entry.client_order_id, e)
            continue
        except ConsoleError as e:  # e.g. the account's keys were removed: the others are settled
            if raise_temporary:
                raise
            log.warning("cannot settle order %s: %s", entry.client_order_id, e)
            continue
        client = clients.get(owner.venue, owner.market, owner.account)
        if DbJournal(db, owner, value=fee_valuer(client)).resolved(order):
            recorded += 1
    return recorded
