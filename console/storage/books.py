"""What the console's books say is held: quantities summed from the trades, and holdings outside them.

A holding is named per market: on spot the asset (``BTC``), on futures the symbol (``BTC/USDT``).
Sums are per owner: a bot id, or None for what was traded by hand.

- spot: a trade moves its base asset by the quantity bought or sold, its quote asset by the quote
  spent or received (not for adjustments, which move the base only), and its commission asset by
  the commission;
- futures: a trade moves its symbol by the signed quantity.

``outside_holdings`` keeps what the person holds outside the books: what the account held when the
console began tracking a holding, and differences the person accepted as theirs since.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from console.domain import Market, Venue, split_symbol
from console.storage.db import Cursor, atomic, stamp, to_db_time
from console.storage.pnl import from_store

ZERO = Decimal(0)
Owner = int | None
Sums = dict[tuple[Owner, str], Decimal]


def moved(cur: Cursor, venue: Venue, market: Market, account: str) -> Sums:
    """(owner, holding) -> the quantity the recorded trades moved it by."""
    rows = cur.execute(
        "SELECT bot_id, symbol, side, commission_asset, coalesce(adjustment, false), "
        "sum(quantity), sum(quote_quantity), sum(commission) "
        "FROM trades WHERE venue = ? AND market = ? AND account = ? GROUP BY ALL",
        [Venue(venue).value, Market(market).value, account],
    ).fetchall()
    out: Sums = defaultdict(lambda: ZERO)
    for bot_id, symbol, side, fee_asset, adjustment, quantity, quote, fee in rows:
        sign = 1 if side == "buy" else -1
        if Market(market) is Market.FUTURES:
            out[(bot_id, symbol)] += sign * quantity
            continue
        base, quote_asset = split_symbol(symbol)
        out[(bot_id, base)] += sign * quantity
        if not adjustment:
            out[(bot_id, quote_asset)] -= sign * quote
        if fee and fee_asset:
            out[(bot_id, fee_asset)] -= fee
    return {k: from_store(v) for k, v in out.items()}


def traded_symbols(cur: Cursor, venue: Venue, market: Market, account: str) -> set[str]:
    """Every symbol with a recorded trade on this account and market."""
    rows = cur.execute(
        "SELECT DISTINCT symbol FROM trades WHERE venue = ? AND market = ? AND account = ?",
        [Venue(venue).value, Market(market).value, account],
    ).fetchall()
    return {r[0] for r in rows}


def last_trade_id(cur: Cursor, venue: Venue, market: Market, account: str) -> int:
    """The id of the newest trade on this account and market (0 when none): a change marker."""
    row = cur.execute(
        "SELECT coalesce(max(id), 0) FROM trades WHERE venue = ? AND market = ? AND account = ?",
        [Venue(venue).value, Market(market).value, account],
    ).fetchone()
    return int(row[0])


def outside(cur: Cursor, venue: Venue, market: Market, account: str) -> dict[str, Decimal]:
    """Holding -> what the person holds outside the books; a holding never tracked is absent."""
    rows = cur.execute(
        "SELECT holding, sum(quantity) FROM outside_holdings WHERE venue = ? AND market = ? AND account = ? "
        "GROUP BY holding",
        [Venue(venue).value, Market(market).value, account],
    ).fetchall()
    return {name: from_store(quantity) for name, quantity in rows}


def add_outside(cur: Cursor, venue: Venue, market: Market, account: str, holding: str, quantity: Decimal,
                note: str, ts: datetime | None = None) -> None:
    """Record ``quantity`` (signed) of ``holding`` as the person's, outside the books, and why."""
    with atomic(cur):
        cur.execute(
            "INSERT INTO outside_holdings (venue, market, account, holding, quantity, note, ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [Venue(venue).value, Market(market).value, account, holding, quantity, note,
             to_db_time(ts) if ts else stamp(cur)],
        )
