"""The orders journal: every order intent, written as PENDING before it is sent.

An entry is keyed by its client order id. ``open_entries`` lists what the engine
must reconcile with the exchange at start (pending, open, partially filled,
unknown). Requests and responses are stored as JSON; Decimals become strings.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import duckdb
import pandas as pd

from console.domain import Market, OrderStatus, OrderType, Side, Venue
from console.errors import InvalidInput
from console.storage.db import Cursor, atomic, from_db_time, stamp

OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.UNKNOWN)


@dataclass(frozen=True, kw_only=True)
class JournalEntry:
    client_order_id: str
    bot_id: int | None
    venue: Venue
    market: Market
    symbol: str
    side: Side
    type: OrderType
    status: OrderStatus
    exchange_order_id: str | None
    request: dict[str, Any]
    response: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    "client_order_id, bot_id, venue, market, symbol, side, type, status, exchange_order_id, "
    "request, response, created_at, updated_at"
)


def _json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None

    def plain(o: object) -> object:
        if isinstance(o, Enum):
            return o.value
        if isinstance(o, (Decimal, datetime)):
            return str(o)
        raise TypeError(f"cannot store {type(o).__name__} in the journal")

    return json.dumps(value, default=plain, sort_keys=True)


def _entry(row: tuple) -> JournalEntry:
    return JournalEntry(
        client_order_id=row[0],
        bot_id=row[1],
        venue=Venue(row[2]),
        market=Market(row[3]),
        symbol=row[4],
        side=Side(row[5]),
        type=OrderType(row[6]),
        status=OrderStatus(row[7]),
        exchange_order_id=row[8],
        request=json.loads(row[9]),
        response=json.loads(row[10]) if row[10] is not None else None,
        created_at=from_db_time(row[11]),
        updated_at=from_db_time(row[12]),
    )


def add_pending(
    cur: Cursor,
    *,
    client_order_id: str,
    bot_id: int | None,
    venue: Venue,
    market: Market,
    symbol: str,
    side: Side,
    type: OrderType,
    request: dict[str, Any],
) -> None:
    """Journal an order intent as PENDING; a client order id is used once only."""
    now = stamp(cur)
    try:
        with atomic(cur):
            cur.execute(
                f"INSERT INTO orders ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?)",
                [
                    client_order_id, bot_id, Venue(venue).value, Market(market).value, symbol,
                    Side(side).value, OrderType(type).value, OrderStatus.PENDING.value,
                    _json(request), now, now,
                ],
            )
    except duckdb.ConstraintException:
        raise InvalidInput(
            f"client order id {client_order_id} is already journaled; give each order a new id"
        ) from None


def update(
    cur: Cursor,
    client_order_id: str,
    *,
    status: OrderStatus,
    exchange_order_id: str | None = None,
    response: dict[str, Any] | None = None,
) -> None:
    """Record what the exchange said; a None exchange id or response keeps the stored one."""
    if not try_update(cur, client_order_id, status=status, exchange_order_id=exchange_order_id, response=response):
        raise InvalidInput(f"client order id {client_order_id} is not in the journal; check the id")


def try_update(
    cur: Cursor,
    client_order_id: str,
    *,
    status: OrderStatus,
    exchange_order_id: str | None = None,
    response: dict[str, Any] | None = None,
) -> bool:
    """Like ``update``; return False instead of raising when the id was never journaled."""
    with atomic(cur):
        row = cur.execute(
            "UPDATE orders SET status = ?, exchange_order_id = coalesce(?, exchange_order_id), "
            "response = coalesce(?, response), updated_at = ? WHERE client_order_id = ? RETURNING 1",
            [OrderStatus(status).value, exchange_order_id, _json(response), stamp(cur), client_order_id],
        ).fetchone()
    return row is not None


def get(cur: Cursor, client_order_id: str) -> JournalEntry:
    """Return the entry; raise InvalidInput if the id was never journaled."""
    row = cur.execute(f"SELECT {_COLUMNS} FROM orders WHERE client_order_id = ?", [client_order_id]).fetchone()
    if row is None:
        raise InvalidInput(f"client order id {client_order_id} is not in the journal; check the id")
    return _entry(row)


def open_entries(cur: Cursor, venue: Venue | None = None) -> list[JournalEntry]:
    """Entries whose fate is not final (pending, open, partially filled, unknown), oldest first."""
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    sql = f"SELECT {_COLUMNS} FROM orders WHERE status IN ({marks})"
    params: list[object] = [s.value for s in OPEN_STATUSES]
    if venue is not None:
        sql += " AND venue = ?"
        params.append(Venue(venue).value)
    return [_entry(r) for r in cur.execute(sql + " ORDER BY created_at, client_order_id", params).fetchall()]


def resting(cur: Cursor, bot_id: int) -> list[JournalEntry]:
    """The bot's entries the exchange confirmed resting (open or partly filled), oldest first."""
    rows = cur.execute(f"SELECT {_COLUMNS} FROM orders WHERE bot_id = ? AND status IN (?, ?) ORDER BY created_at",
                       [bot_id, OrderStatus.OPEN.value, OrderStatus.PARTIALLY_FILLED.value]).fetchall()
    return [_entry(r) for r in rows]


def unrecorded_fills(cur: Cursor, bot_id: int) -> list[JournalEntry]:
    """The bot's open entries that executed something already (``response["filled"]`` > 0): an
    order resting partly filled, or a final one whose record waits for its fills to be read.
    Their trade is recorded once, when the order is final."""
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    rows = cur.execute(f"SELECT {_COLUMNS} FROM orders WHERE bot_id = ? AND status IN ({marks}) "
                       "AND response IS NOT NULL ORDER BY created_at",
                       [bot_id, *(s.value for s in OPEN_STATUSES)]).fetchall()
    entries = [_entry(r) for r in rows]
    return [e for e in entries if Decimal(str((e.response or {}).get("filled") or 0)) > 0]


def recent(cur: Cursor, bot_id: int | None = None, limit: int = 100) -> pd.DataFrame:
    """The latest entries, newest first: client_order_id, bot_id, symbol, side, type, status,
    exchange_order_id, created_at, updated_at (naive UTC)."""
    where, params = ("WHERE bot_id = ?", [bot_id]) if bot_id is not None else ("", [])
    return cur.execute(
        "SELECT client_order_id, bot_id, symbol, side, type, status, exchange_order_id, created_at, "
        f"updated_at FROM orders {where} ORDER BY updated_at DESC LIMIT ?",
        [*params, limit],
    ).df()
