"""Executed trades, one row per fill of an order, recorded exactly once.

``record`` computes the trade's PnL at record time (rules in ``console.storage.pnl``)
so the analytics are plain SQL sums over the stored ``pnl`` column:

- spot buy: opens a FIFO lot (table ``lots``, keyed by venue, account, bot and
  symbol); its ``pnl`` is 0, the commission is in the lot's cost;
- spot sell: consumes the oldest lots; ``pnl`` = net proceeds - cost of the lots;
- futures: ``pnl`` = exchange realised PnL - commission in quote.

Lots are consumed in recording order. A trade is ``closing`` when it realises
something (a spot sell matched to lots, a futures fill with realised PnL); win
rate, averages and profit factor count closing trades only. A ``pnl`` given on the
way in is kept as is (the lots are still updated).

The same transaction adds the trade to ``trade_days`` (sums per UTC day, venue,
market, bot and symbol), which the analytics read instead of every trade. Trades
inserted with plain SQL need ``rebuild_days`` afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum

import pandas as pd

from console.domain import Market, OrderType, Side, Venue
from console.storage import pnl as rules
from console.storage.db import Cursor, atomic, from_db_time, to_db_time
from console.storage.filters import Filters
from console.storage.schema import REBUILD_TRADE_DAYS


@dataclass(frozen=True, kw_only=True)
class TradeRecord:
    bot_id: int | None
    account: str
    venue: Venue
    market: Market
    exchange_order_id: str
    client_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    ts: datetime
    commission_quote: Decimal | None = None
    pnl: Decimal | None = None
    realized_pnl: Decimal | None = None
    # A bookkeeping entry, not a fill: it moves a position between the books (see
    # ``console.engine.holdings``), realises nothing and moves no quote asset.
    adjustment: bool = False


COLUMNS = (
    "bot_id", "account", "venue", "market", "exchange_order_id", "client_order_id", "symbol", "side",
    "order_type", "price", "quantity", "quote_quantity", "commission", "commission_asset",
    "commission_quote", "pnl", "realized_pnl", "ts", "adjustment",
)
_SELECT = ", ".join(COLUMNS)


_MONEY = ("price", "quantity", "quote_quantity", "commission", "commission_quote", "pnl", "realized_pnl")


def _from_row(row: tuple) -> TradeRecord:
    values = dict(zip(COLUMNS, row))
    values.update({c: rules.from_store(values[c]) for c in _MONEY})
    return TradeRecord(
        **{**values, "venue": Venue(values["venue"]), "market": Market(values["market"]),
           "side": Side(values["side"]), "order_type": OrderType(values["order_type"]),
           "ts": from_db_time(values["ts"]), "adjustment": bool(values["adjustment"])}
    )


def record(cur: Cursor, trade: TradeRecord) -> bool:
    """Store the trade with its PnL; return False (and change nothing) if it is already stored."""
    return record_with_pnl(cur, trade)[0]


def record_with_pnl(cur: Cursor, trade: TradeRecord) -> tuple[bool, TradeRecord]:
    """Store the trade with its PnL; return (inserted, the trade as stored)."""
    trade = replace(trade, venue=Venue(trade.venue), market=Market(trade.market), side=Side(trade.side),
                    order_type=OrderType(trade.order_type))
    with atomic(cur):
        existing = cur.execute(
            f"SELECT {_SELECT} FROM trades WHERE venue = ? AND market = ? AND exchange_order_id = ?",
            [trade.venue.value, trade.market.value, trade.exchange_order_id],
        ).fetchone()
        if existing is not None:
            return False, _from_row(existing)
        fee = rules.commission_in_quote(
            trade.symbol, trade.price, trade.commission, trade.commission_asset, trade.commission_quote
        )
        if trade.market is Market.FUTURES:
            pnl = rules.futures_pnl(trade.realized_pnl, fee)
            closing = bool(trade.realized_pnl)
        else:
            pnl, closing = _apply_lots(cur, trade, fee)
        if trade.adjustment:
            pnl, closing = rules.ZERO, False
        stored = replace(trade, commission_quote=fee, pnl=pnl if trade.pnl is None else rules.to_store(trade.pnl))
        values = [getattr(stored, c) for c in COLUMNS]
        values = [v.value if isinstance(v, Enum) else v for v in values]
        values[COLUMNS.index("ts")] = to_db_time(stored.ts)
        cur.execute(
            f"INSERT INTO trades ({_SELECT}, closing) VALUES ({', '.join('?' for _ in COLUMNS)}, ?)",
            [*values, closing],
        )
        _add_to_day(cur, stored, closing)
        return True, stored


def _add_to_day(cur: Cursor, trade: TradeRecord, closing: bool) -> None:
    pnl = trade.pnl or rules.ZERO
    win, loss = closing and pnl > 0, closing and pnl < 0
    key = [to_db_time(trade.ts).date(), trade.venue.value, trade.market.value, trade.bot_id or 0, trade.symbol]
    sums = [pnl, trade.commission_quote, int(closing), int(win), int(loss),
            pnl if win else rules.ZERO, pnl if loss else rules.ZERO]
    (updated,) = cur.execute(
        "UPDATE trade_days SET trades = trades + 1, net_pnl = net_pnl + ?, fees = fees + ?, "
        "closes = closes + ?, wins = wins + ?, losses = losses + ?, gross_win = gross_win + ?, "
        "gross_loss = gross_loss + ? "
        "WHERE day = ? AND venue = ? AND market = ? AND bot_id = ? AND symbol = ?",
        [*sums, *key],
    ).fetchone()
    if not updated:
        cur.execute("INSERT INTO trade_days VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)", [*key, *sums])


def rebuild_days(cur: Cursor) -> None:
    """Recompute the per-day summary the analytics read; run it after inserting trades with SQL."""
    with atomic(cur):
        cur.execute(REBUILD_TRADE_DAYS)


def symbols(cur: Cursor) -> list[str]:
    """Every symbol traded, sorted."""
    return [r[0] for r in cur.execute("SELECT DISTINCT symbol FROM trades ORDER BY 1").fetchall()]


def _apply_lots(cur: Cursor, trade: TradeRecord, fee: Decimal) -> tuple[Decimal, bool]:
    key = [Venue(trade.venue).value, trade.account, trade.bot_id or 0, trade.symbol]
    if trade.side is Side.BUY:
        lot = rules.open_lot(trade.symbol, trade.quantity, trade.quote_quantity, trade.commission,
                             trade.commission_asset, fee)
        if lot.quantity > 0:
            cur.execute(
                "INSERT INTO lots (venue, account, bot_key, symbol, quantity, cost, opened_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*key, lot.quantity, lot.cost, to_db_time(trade.ts)],
            )
        return rules.ZERO, False
    rows = cur.execute(
        "SELECT id, quantity, cost FROM lots WHERE venue = ? AND account = ? AND bot_key = ? AND symbol = ? "
        "ORDER BY id",
        key,
    ).fetchall()
    lots = [rules.Lot(rules.from_store(q), rules.from_store(c)) for _, q, c in rows]
    pnl, left, matched = rules.close_lots(lots, trade.symbol, trade.quantity, trade.quote_quantity,
                                          trade.commission, trade.commission_asset, fee)
    gone = len(lots) - len(left)
    if gone:
        ids = [r[0] for r in rows[:gone]]
        cur.execute(f"DELETE FROM lots WHERE id IN ({', '.join('?' for _ in ids)})", ids)
    if left and left[0] != lots[gone]:
        cur.execute("UPDATE lots SET quantity = ?, cost = ? WHERE id = ?",
                    [left[0].quantity, left[0].cost, rows[gone][0]])
    return pnl, matched > 0


def open_lots(cur: Cursor, venue: Venue, account: str, bot_id: int | None, symbol: str) -> list[rules.Lot]:
    """The spot lots still held, oldest first."""
    rows = cur.execute(
        "SELECT quantity, cost FROM lots WHERE venue = ? AND account = ? AND bot_key = ? AND symbol = ? "
        "ORDER BY id",
        [Venue(venue).value, account, bot_id or 0, symbol],
    ).fetchall()
    return [rules.Lot(rules.from_store(q), rules.from_store(c)) for q, c in rows]


def for_bot(cur: Cursor, bot_id: int) -> list[TradeRecord]:
    """The bot's trades, oldest first."""
    rows = cur.execute(f"SELECT {_SELECT} FROM trades WHERE bot_id = ? ORDER BY ts, id", [bot_id]).fetchall()
    return [_from_row(r) for r in rows]


def query(cur: Cursor, filters: Filters, limit: int | None = 1000) -> pd.DataFrame:
    """The selected trades for display, newest first, money as floats.

    Columns: id, ts (naive UTC), bot_id, account, venue, market, symbol, side, order_type, price,
    quantity, quote_quantity, commission, commission_asset, commission_quote, pnl, realized_pnl,
    exchange_order_id, client_order_id, adjustment (a bookkeeping entry, not a fill).
    """
    where, params = filters.where()
    sql = (
        "SELECT id, ts, bot_id, account, venue, market, symbol, side, order_type, price::DOUBLE AS price, "
        "quantity::DOUBLE AS quantity, quote_quantity::DOUBLE AS quote_quantity, "
        "commission::DOUBLE AS commission, commission_asset, commission_quote::DOUBLE AS commission_quote, "
        "pnl::DOUBLE AS pnl, realized_pnl::DOUBLE AS realized_pnl, exchange_order_id, client_order_id, "
        "coalesce(adjustment, false) AS adjustment "
        f"FROM trades WHERE {where} ORDER BY ts DESC, id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return cur.execute(sql, params).df()
