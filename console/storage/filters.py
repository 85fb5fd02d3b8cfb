"""The selection every analytics query, trade list and export shares."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from console.domain import Market, Venue
from console.errors import InvalidInput


@dataclass(frozen=True)
class Filters:
    """Trades from ``start`` to ``end`` (UTC days, both included) of the given bots, symbols,
    market and venue; an empty or None field does not filter."""

    start: date | None = None
    end: date | None = None
    bots: tuple[int, ...] = ()
    symbols: tuple[str, ...] = ()
    market: Market | None = None
    venue: Venue | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InvalidInput(f"the start date {self.start} is after the end date {self.end}; swap them")

    def where(self, time_column: str = "ts", *, by_day: bool = False) -> tuple[str, list[object]]:
        """Return a SQL condition (``TRUE`` when nothing filters) and its ``?`` parameters.

        ``time_column`` is a TIMESTAMP, or a DATE when ``by_day``.
        """
        parts: list[str] = []
        params: list[object] = []
        if self.start is not None:
            parts.append(f"{time_column} >= ?")
            params.append(self.start if by_day else datetime.combine(self.start, time()))
        if self.end is not None:
            parts.append(f"{time_column} {'<=' if by_day else '<'} ?")
            params.append(self.end if by_day else datetime.combine(self.end + timedelta(days=1), time()))
        if self.bots:
            parts.append(f"bot_id IN ({', '.join('?' for _ in self.bots)})")
            params.extend(self.bots)
        if self.symbols:
            parts.append(f"symbol IN ({', '.join('?' for _ in self.symbols)})")
            params.extend(self.symbols)
        if self.market is not None:
            parts.append("market = ?")
            params.append(Market(self.market).value)
        if self.venue is not None:
            parts.append("venue = ?")
            params.append(Venue(self.venue).value)
        return (" AND ".join(parts) or "TRUE"), params
