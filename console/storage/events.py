"""A per-bot log of signals, orders, errors and state changes, for the UI."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from console.storage.db import Cursor, atomic, stamp, to_db_time


def log(cur: Cursor, bot_id: int | None, kind: str, message: str, ts: datetime | None = None) -> None:
    """Append an event (``bot_id`` None for the console itself); ``ts`` defaults to now on the database's clock."""
    with atomic(cur):
        cur.execute(
            "INSERT INTO events (bot_id, kind, message, ts) VALUES (?, ?, ?, ?)",
            [bot_id, kind, message, to_db_time(ts) if ts else stamp(cur)],
        )


def recent(cur: Cursor, bot_id: int | None = None, limit: int = 100) -> pd.DataFrame:
    """The latest events, newest first: id, ts (naive UTC), bot_id, kind, message."""
    where, params = ("WHERE bot_id = ?", [bot_id]) if bot_id is not None else ("", [])
    return cur.execute(
        f"SELECT id, ts, bot_id, kind, message FROM events {where} ORDER BY ts DESC, id DESC LIMIT ?",
        [*params, limit],
    ).df()
