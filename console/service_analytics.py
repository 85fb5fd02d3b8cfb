"""Trades & PnL for the facade: filtered analytics, the trade table, exports."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd

from console.domain import Market, Venue
from console.storage import analytics, export, trades


class Analytics:
    """Mixed into ``Console``: needs ``self.db``."""

    def filters(self, *, start: date | None = None, end: date | None = None, bots: tuple[int, ...] = (),
                symbols: tuple[str, ...] = (), market: str | None = None, venue: str | None = None):
        return analytics.Filters(start=start, end=end, bots=tuple(bots), symbols=tuple(symbols),
                                 market=Market(market) if market else None,
                                 venue=Venue(venue) if venue else None)

    def analytics(self, filters) -> object:
        return analytics.bundle(self.db.cursor(), filters)

    def equity(self, filters) -> pd.DataFrame:
        """Wallet value over time from the engine's balance snapshots: ts, equity."""
        return analytics.equity_curve(self.db.cursor(), filters)

    def trades_table(self, filters, limit: int = 500) -> pd.DataFrame:
        return trades.query(self.db.cursor(), filters, limit=limit)

    def trades_csv(self, filters) -> bytes:
        buffer = io.StringIO()
        export.to_csv(self.db.cursor(), filters, buffer)
        return buffer.getvalue().encode()

    def traded_symbols(self) -> list[str]:
        return trades.symbols(self.db.cursor())
