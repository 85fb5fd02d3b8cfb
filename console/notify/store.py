"""The ``notifications`` table: derived from the event log and the trades, listed, delivered.

Each notification names its source (``event:<id>`` or ``trade:<id>``) once, so deriving again
adds nothing twice; ``notify_settings`` keeps how far each source was read and the channels' settings.
"""
from __future__ import annotations

from datetime import datetime

from console.fmt import plain
from console.notify.kinds import EVENT_KINDS, TITLES, Kind, Notification
from console.storage.db import Cursor, atomic, from_db_time

_COLUMNS = "id, ts, kind, bot_id, title, message, delivered"


def setting(cur: Cursor, key: str, default: str = "") -> str:
    """One stored setting of the notifications ('' or ``default`` when unset)."""
    row = cur.execute("SELECT value FROM notify_settings WHERE key = ?", [key]).fetchone()
    return default if row is None else row[0]


def set_setting(cur: Cursor, key: str, value: str) -> None:
    """Store (or, with '', remove) one setting."""
    with atomic(cur):
        cur.execute("DELETE FROM notify_settings WHERE key = ?", [key])
        if value:
            cur.execute("INSERT INTO notify_settings VALUES (?, ?)", [key, value])


# Rows are read again this far behind the last one seen: an id is taken at insert and a transaction
# that took a lower one may commit after a higher one was read. Rows recorded before notifications
# existed (at or below the floors the migration stored) are never notified.
OVERLAP = 200


def derive(cur: Cursor) -> int:
    """Add a notification for every new event that needs a person and every new fill; return how many.
    Reads without the write lock; writes only when something new was recorded."""
    events_seen = int(setting(cur, "cursor.events", "0"))
    events_from = max(int(setting(cur, "floor.events", "0")), events_seen - OVERLAP)
    new_events = cur.execute(
        "SELECT e.id, e.ts, e.bot_id, e.kind, e.message, b.name FROM events e "
        "LEFT JOIN bots b ON b.id = e.bot_id WHERE e.id > ? ORDER BY e.id", [events_from]).fetchall()
    trades_seen = int(setting(cur, "cursor.trades", "0"))
    trades_from = max(int(setting(cur, "floor.trades", "0")), trades_seen - OVERLAP)
    new_trades = cur.execute(
        "SELECT t.id, t.ts, t.bot_id, t.side, t.quantity, t.symbol, t.market, t.price, t.adjustment, b.name "
        "FROM trades t LEFT JOIN bots b ON b.id = t.bot_id WHERE t.id > ? ORDER BY t.id",
        [trades_from]).fetchall()
    found = []
    for event_id, ts, bot_id, kind, message, name in new_events:
        if kind in EVENT_KINDS:
            found.append((f"event:{event_id}", ts, EVENT_KINDS[kind], bot_id, _who(bot_id, name), message))
    for trade_id, ts, bot_id, side, quantity, symbol, market, price, adjustment, name in new_trades:
        if not adjustment:  # a bookkeeping move between the books is no fill
            text = f"{side} {plain(quantity)} {symbol} ({market}) at {plain(price)}"
            found.append((f"trade:{trade_id}", ts, Kind.FILL, bot_id, _who(bot_id, name), text))
    stored = {row[0] for row in cur.execute(
        "SELECT source FROM notifications WHERE list_contains(?, source)", [[f[0] for f in found]]).fetchall()}
    todo = [f for f in found if f[0] not in stored]
    events_last = max([events_seen, *(e[0] for e in new_events)])
    trades_last = max([trades_seen, *(t[0] for t in new_trades)])
    if not todo and (events_last, trades_last) == (events_seen, trades_seen):
        return 0
    with atomic(cur):
        added = sum(_add(cur, *f) for f in todo)
        set_setting(cur, "cursor.events", str(events_last))
        set_setting(cur, "cursor.trades", str(trades_last))
    return added


def _who(bot_id: int | None, name: str | None) -> str:
    if bot_id is None:
        return "by hand"
    return f"bot {name}" if name else f"bot #{bot_id} (deleted)"


def _add(cur: Cursor, source: str, ts: datetime, kind: Kind, bot_id: int | None, who: str, message: str) -> int:
    found = cur.execute("SELECT 1 FROM notifications WHERE source = ?", [source]).fetchone()
    if found:
        return 0
    cur.execute("INSERT INTO notifications (source, ts, kind, bot_id, title, message) VALUES (?, ?, ?, ?, ?, ?)",
                [source, ts, kind.value, bot_id, f"{TITLES[kind]} · {who}", message])
    return 1


def last_id(cur: Cursor) -> int:
    """The newest notification's id (0 when there is none)."""
    return int(cur.execute("SELECT coalesce(max(id), 0) FROM notifications").fetchone()[0])


def recent(cur: Cursor, limit: int = 200, after: int = 0) -> list[Notification]:
    """The latest notifications (with an id above ``after``), newest first."""
    rows = cur.execute(f"SELECT {_COLUMNS} FROM notifications WHERE id > ? ORDER BY id DESC LIMIT ?",
                       [after, limit]).fetchall()
    return [_notification(r) for r in rows]


def pending(cur: Cursor, channel: str, max_attempts: int, after: int = 0, limit: int = 50) -> list[Notification]:
    """Notifications above id ``after`` not yet delivered to ``channel`` with attempts left, oldest first."""
    rows = cur.execute(
        f"SELECT {_COLUMNS} FROM notifications WHERE id > ? AND NOT list_contains(string_split(delivered, ','), ?) "
        "AND attempts < ? ORDER BY id LIMIT ?", [after, channel, max_attempts, limit]).fetchall()
    return [_notification(r) for r in rows]


def delivered(cur: Cursor, notification_id: int, channel: str) -> None:
    """Note that ``channel`` received the notification."""
    with atomic(cur):
        cur.execute("UPDATE notifications SET delivered = CASE WHEN delivered = '' THEN ? "
                    "ELSE delivered || ',' || ? END WHERE id = ?", [channel, channel, notification_id])


def failed(cur: Cursor, notification_id: int) -> None:
    """Count a delivery that failed after its retries."""
    with atomic(cur):
        cur.execute("UPDATE notifications SET attempts = attempts + 1 WHERE id = ?", [notification_id])


def _notification(row: tuple) -> Notification:
    nid, ts, kind, bot_id, title, message, delivered_to = row
    return Notification(nid, from_db_time(ts), Kind(kind), bot_id, title, message, delivered_to)
