"""Trades & PnL: filtered analytics, the trade table, exports."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd

from console.domain import Market, Venue
from console.errors import InvalidInput
from console.storage import analytics, export, trades
from console.storage.analytics import Bundle, Filters
from console.storage.db import Database


class Analytics:
    """Answer the Trades & PnL page from the store; composed as ``con.analytics``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def filters(self, *, start: date | None = None, end: date | None = None, bots: tuple[int, ...] = (),
                symbols: tuple[str, ...] = (), market: str | None = None, venue: str | None = None) -> Filters:
        """Build the filters from the page's values (empty: everything); a ``end`` before ``start`` is
        refused with the fix."""
        if start and end and end < start:
            raise InvalidInput(f"To is before From: {end:%Y-%m-%d} is before {start:%Y-%m-%d}; "
                               "pick a To on or after From, or swap them")
        return analytics.Filters(start=start, end=end, bots=tuple(bots), symbols=tuple(symbols),
                                 market=Market(market) if market else None,
                                 venue=Venue(venue) if venue else None)

    def bundle(self, filters: Filters) -> Bundle:
        """KPIs, cumulative and daily PnL, PnL per bot and per symbol, drawdown."""
        return analytics.bundle(self._db.cursor(), filters)

    def equity(self, filters: Filters) -> pd.DataFrame:
        """Equity over time: ts, equity. The wallet's value from the engine's balance snapshots; with
        bots or symbols chosen, theirs: the running net PnL of their trades."""
        return analytics.equity_curve(self._db.cursor(), filters)

    def trades(self, filters: Filters, limit: int = 500) -> pd.DataFrame:
        """The latest ``limit`` trades matching ``filters``, newest first."""
        table = trades.query(self._db.cursor(), filters, limit=limit)
        table.insert(3, "bot", export.bot_names(self._db.cursor(), table["bot_id"]))
        return table

    def trades_csv(self, filters: Filters) -> bytes:
        """Every trade matching ``filters`` as CSV, oldest first: the bot's name beside its id, times in UTC
        (``2026-12-02T10:00:00.123456Z``), numbers as plain decimals at full precision (no exponent, no
        trailing zeros)."""
        buffer = io.StringIO()
        export.to_csv(self._db.cursor(), filters, buffer)
        return buffer.getvalue().encode()

    def symbols(self) -> list[str]:
        """The symbols traded so far."""
        return trades.symbols(self._db.cursor())
