"""The notification kinds and how the engine's records become notifications."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Kind(str, Enum):
    """What needs a person."""

    HALTED = "halted"  # a bot stopped on an error: start it again once fixed
    FILL = "fill"  # a bot's or the ticket's order executed
    DAILY_LIMIT = "daily_limit"  # a bot paused until 00:00 UTC
    MISMATCH = "mismatch"  # the account differs from the books: the bots on it are suspended
    VENUE_BAN = "venue_ban"  # Binance banned this address for a while


TITLES = {Kind.HALTED: "Bot halted", Kind.FILL: "Fill", Kind.DAILY_LIMIT: "Daily limit reached",
          Kind.MISMATCH: "Position mismatch", Kind.VENUE_BAN: "Venue ban"}

# The event log's kinds (console.storage.events) that need a person.
EVENT_KINDS = {"halted": Kind.HALTED, "paused": Kind.DAILY_LIMIT, "suspended": Kind.MISMATCH,
               "banned": Kind.VENUE_BAN}


@dataclass(frozen=True)
class Notification:
    id: int
    ts: datetime
    kind: Kind
    bot_id: int | None
    title: str
    message: str
    delivered: str  # the channels it reached, comma separated

    @property
    def text(self) -> str:
        """One line for a toast or a chat: title and message."""
        return f"{self.title}: {self.message}"
