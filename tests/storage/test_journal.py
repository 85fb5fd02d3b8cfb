from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from console.domain import Market, OrderStatus, OrderType, Side, Venue
from console.errors import InvalidInput
from console.storage import events, journal
from console.storage.db import Database


def add(cur: object, cid: str, venue: Venue = Venue.PAPER) -> None:
    journal.add_pending(
        cur, client_order_id=cid, bot_id=3, venue=venue, market=Market.SPOT, symbol="BTC/USDT",
        side=Side.BUY, type=OrderType.LIMIT, request={"quantity": Decimal("0.001"), "price": Decimal("65000.5")},
    )


def test_an_order_goes_from_pending_to_filled(db: Database) -> None:
    cur = db.cursor()
    add(cur, "c1")
    entry = journal.get(cur, "c1")
    assert entry.status is OrderStatus.PENDING and entry.exchange_order_id is None
    assert entry.request == {"quantity": "0.001", "price": "65000.5"}
    journal.update(cur, "c1", status=OrderStatus.OPEN, exchange_order_id="987", response={"status": "NEW"})
    journal.update(cur, "c1", status=OrderStatus.FILLED)
    entry = journal.get(cur, "c1")
    assert (entry.status, entry.exchange_order_id, entry.response) == (OrderStatus.FILLED, "987", {"status": "NEW"})
    assert entry.updated_at >= entry.created_at and entry.created_at.tzinfo is UTC


def test_open_entries_are_those_to_reconcile(db: Database) -> None:
    cur = db.cursor()
    for cid, status in [("a", OrderStatus.PENDING), ("b", OrderStatus.OPEN), ("c", OrderStatus.PARTIALLY_FILLED),
                        ("d", OrderStatus.UNKNOWN), ("e", OrderStatus.FILLED), ("f", OrderStatus.CANCELLED),
                        ("g", OrderStatus.REJECTED)]:
        add(cur, cid)
        journal.update(cur, cid, status=status)
    add(cur, "h", venue=Venue.DEMO)
    assert [e.client_order_id for e in journal.open_entries(cur)] == ["a", "b", "c", "d", "h"]
    assert [e.client_order_id for e in journal.open_entries(cur, Venue.DEMO)] == ["h"]
    assert len(journal.recent(cur, bot_id=3, limit=3)) == 3


def test_a_client_order_id_is_used_once(db: Database) -> None:
    cur = db.cursor()
    add(cur, "dup")
    with pytest.raises(InvalidInput, match="already journaled"):
        add(cur, "dup")
    with pytest.raises(InvalidInput, match="not in the journal"):
        journal.update(cur, "nope", status=OrderStatus.FILLED)


def test_events_newest_first(db: Database) -> None:
    cur = db.cursor()
    for minute, (bot_id, kind) in enumerate([(1, "signal"), (2, "order"), (1, "error"), (None, "info")]):
        events.log(cur, bot_id, kind, f"m{minute}", ts=datetime(2025, 1, 1, 0, minute, tzinfo=UTC))
    assert list(events.recent(cur)["kind"]) == ["info", "error", "order", "signal"]
    assert list(events.recent(cur, bot_id=1)["message"]) == ["m2", "m0"]
    assert list(events.recent(cur, limit=1).columns) == ["id", "ts", "bot_id", "kind", "message"]
