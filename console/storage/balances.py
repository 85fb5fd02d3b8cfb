"""Balance snapshots, the source of the equity curve (``analytics.equity_curve``).

Each row holds one asset at one instant with its value in the quote currency.
Take a snapshot of every asset of a wallet with the same ``ts``: the equity at
that instant is the sum of their values.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd

from console.domain import Market, Venue
from console.storage.db import Cursor, atomic, to_db_time


def snapshot(
    cur: Cursor,
    venue: Venue,
    market: Market,
    asset: str,
    free: Decimal,
    locked: Decimal,
    ts: datetime,
    value_quote: Decimal | None = None,
) -> None:
    """Store one asset's balance; ``value_quote`` defaults to free + locked (right for the quote asset)."""
    value = free + locked if value_quote is None else value_quote
    with atomic(cur):
        cur.execute(
            "INSERT INTO balance_snapshots (venue, market, asset, free, locked, value_quote, ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [Venue(venue).value, Market(market).value, asset, free, locked, value, to_db_time(ts)],
        )


def latest(cur: Cursor, venue: Venue, market: Market) -> pd.DataFrame:
    """The most recent snapshot of the wallet: asset, free, locked, value_quote, ts."""
    return cur.execute(
        "SELECT asset, free::DOUBLE AS free, locked::DOUBLE AS locked, value_quote::DOUBLE AS value_quote, ts "
        "FROM balance_snapshots WHERE venue = ? AND market = ? AND ts = "
        "(SELECT max(ts) FROM balance_snapshots WHERE venue = ? AND market = ?) ORDER BY asset",
        [Venue(venue).value, Market(market).value, Venue(venue).value, Market(market).value],
    ).df()
