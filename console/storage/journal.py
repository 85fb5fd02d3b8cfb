"""The orders journal: every order intent, journaled as PENDING before it is sent.

An entry is keyed by its client order id. ``open_entries`` lists what the engine
must reconcile with the exchange at start (pending, open, partially filled,
unknown). Requests and responses are stored as JSON; Decimals become strings.

The engine logs an intent in a file ahead of this table (``engine.intents``) and moves it in
behind the order; ``log_ahead`` names, per data file, the intents logged and maybe not moved
yet, so ``open_entries`` shows them as pending to every reader all the same.
"""
from __future__ import annotations

import json
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import duckdb
import pandas as pd

from console.domain import Market, OrderStatus, OrderType, Side, Venue
from console.errors import InvalidInput
from console.storage.db import Cursor, atomic, from_db_time, snapshot, stamp, to_db_time

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


Ahead = Callable[[], list[JournalEntry]]

# Intents logged ahead of the table, by the real path of the data file (see ``log_ahead``).
_ahead: dict[str, Ahead] = {}
_ahead_lock = threading.Lock()
_paths: weakref.WeakKeyDictionary[Cursor, str] = weakref.WeakKeyDictionary()


def log_ahead(path: os.PathLike | str, logged: Ahead | None) -> None:
    """Let ``open_entries`` on the data file ``path`` show the entries ``logged()`` returns (the
    intents logged ahead of the table) when the table lacks them; None stops it."""
    key = os.path.realpath(path)
    with _ahead_lock:
        if logged is None:
            _ahead.pop(key, None)
        else:
            _ahead[key] = logged


def _logged_ahead(cur: Cursor) -> list[JournalEntry]:
    with _ahead_lock:
        if not _ahead:
            return []
    path = _paths.get(cur)
    if path is None:
        row = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
        path = os.path.realpath(row[0]) if row and row[0] else ""
        _paths[cur] = path
    with _ahead_lock:
        logged = _ahead.get(path)
    return logged() if logged is not None else []


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
    try:
        _insert(cur, "INSERT", client_order_id=client_order_id, bot_id=bot_id, venue=venue, market=market,
                symbol=symbol, side=side, type=type, request=request, at=stamp(cur))
    except duckdb.ConstraintException:
        raise InvalidInput(
            f"client order id {client_order_id} is already journaled; give each order a new id"
        ) from None


def add_logged(cur: Cursor, entry: JournalEntry) -> bool:
    """Journal an intent logged ahead of the table as PENDING, dated when it was logged; an id
    journaled already is left as it is. Return whether it was added."""
    return _insert(cur, "INSERT OR IGNORE", client_order_id=entry.client_order_id, bot_id=entry.bot_id,
                   venue=entry.venue, market=entry.market, symbol=entry.symbol, side=entry.side, type=entry.type,
                   request=entry.request, at=to_db_time(entry.created_at))


def _insert(cur: Cursor, verb: str, *, client_order_id: str, bot_id: int | None, venue: Venue, market: Market,
            symbol: str, side: Side, type: OrderType, request: dict[str, Any], at: datetime) -> bool:
    with atomic(cur):
        row = cur.execute(
            f"{verb} INTO orders ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?) RETURNING 1",
            [
                client_order_id, bot_id, Venue(venue).value, Market(market).value, symbol,
                Side(side).value, OrderType(type).value, OrderStatus.PENDING.value,
                _json(request), at, at,
            ],
        ).fetchone()
    return row is not None


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


def open_entries(cur: Cursor, venue: Venue | None = None, bot_id: int | None = None) -> list[JournalEntry]:
    """Entries whose fate is not final (pending, open, partially filled, unknown), oldest first; of one
    bot when ``bot_id`` is given.

    Intents logged ahead of the table (``log_ahead``) that it does not hold yet count as pending.
    """
    ahead = [e for e in _logged_ahead(cur)  # before the table
             if (venue is None or e.venue is Venue(venue)) and (bot_id is None or e.bot_id == bot_id)]
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    sql = f"SELECT {_COLUMNS} FROM orders WHERE status IN ({marks})"
    params: list[object] = [s.value for s in OPEN_STATUSES]
    if venue is not None:
        sql += " AND venue = ?"
        params.append(Venue(venue).value)
    if bot_id is not None:
        sql += " AND bot_id = ?"
        params.append(bot_id)
    sql += " ORDER BY created_at, client_order_id"
    if not ahead:
        return [_entry(r) for r in cur.execute(sql, params).fetchall()]
    ids = [e.client_order_id for e in ahead]
    with snapshot(cur):  # one view: an intent moved meanwhile is in the table, or counted from the log
        entries = [_entry(r) for r in cur.execute(sql, params).fetchall()]
        known = {r[0] for r in cur.execute(
            f"SELECT client_order_id FROM orders WHERE client_order_id IN ({', '.join('?' for _ in ids)})",
            ids).fetchall()}
    entries += [e for e in ahead if e.client_order_id not in known]
    return sorted(entries, key=lambda e: (e.created_at, e.client_order_id))


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
