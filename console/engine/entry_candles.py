"""The candle each DCA entry was decided on, kept in the bot's event log (kind ``entry``).

DCA's interval runs on candle time: a replay at 1800x buys on the same candles as live trading.
A trade's time is the exchange's clock, so the candle is logged beside it when the entry fills,
and read back (across restarts) as the position's last entry time.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from console.storage import events
from console.storage.db import Database

KIND = "entry"
_FORMAT = "%Y-%m-%d %H:%M:%S"
_PREFIX = "entry decided on the candle opening "


def record(db: Database, bot_id: int, candle: pd.Timestamp) -> None:
    """Log that bot ``bot_id`` entered on the candle opening at ``candle``."""
    at = pd.Timestamp(candle).tz_convert("UTC") if pd.Timestamp(candle).tzinfo else pd.Timestamp(candle)
    with db.transaction() as cur:
        events.log(cur, bot_id, KIND, f"{_PREFIX}{at:{_FORMAT}} UTC")


def last(db: Database, bot_id: int) -> datetime | None:
    """The open time (UTC) of the candle of the bot's last logged entry; None when none is logged."""
    row = db.cursor().execute(
        "SELECT message FROM events WHERE bot_id = ? AND kind = ? ORDER BY ts DESC, id DESC LIMIT 1",
        [bot_id, KIND]).fetchone()
    if row is None or not row[0].startswith(_PREFIX):
        return None
    return datetime.strptime(row[0][len(_PREFIX):].removesuffix(" UTC"), _FORMAT).replace(tzinfo=UTC)
