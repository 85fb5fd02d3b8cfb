"""Chart-ready analytics over the stored trades, as SQL aggregations.

PnL is computed once, when a trade is recorded (see ``console.storage.trades``),
so every figure here is a sum over the ``pnl`` and ``commission_quote`` columns.
Daily, per-bot, per-symbol figures and the KPIs read ``trade_days`` (the same sums
kept per UTC day, venue, market, bot and symbol); the series read the trades.
DataFrames carry floats (they feed charts); timestamps are naive UTC.

Series (cumulative PnL, drawdown, equity) never exceed ``MAX_POINTS`` points: up
to that many trades give one point per trade; more are grouped into ``MAX_POINTS``
equal time buckets, each point being the state at the bucket's last trade. The
drawdown of a bucketed series is measured at bucket ends, so a dip that recovers
within one bucket (1/2000 of the period) does not show.

Win rate, average win/loss and profit factor count closing trades only (spot
sells, futures fills with realised PnL); they are NaN when undefined (no closing
trade, no loss for the profit factor). ``avg_loss`` is negative.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from console.storage.db import Cursor, snapshot
from console.storage.filters import Filters

__all__ = ["Bundle", "Filters", "MAX_POINTS", "bundle", "equity_curve"]

MAX_POINTS = 2000

_SUMMARY = (
    "SUM(trades)::BIGINT AS trades, SUM(net_pnl)::DOUBLE AS net_pnl, SUM(wins)::BIGINT AS wins, "
    "SUM(closes)::BIGINT AS closes, SUM(gross_win)::DOUBLE AS gross_win, "
    "SUM(gross_loss)::DOUBLE AS gross_loss, SUM(losses)::BIGINT AS losses, SUM(fees)::DOUBLE AS fees"
)
_SUMS = ["trades", "net_pnl", "wins", "closes", "gross_win", "gross_loss", "losses", "fees"]
STAT_COLUMNS = ["trades", "net_pnl", "win_rate", "profit_factor", "avg_win", "avg_loss", "fees"]


@dataclass(frozen=True)
class Bundle:
    """Everything the analytics page draws for one selection.

    daily: day, pnl, fees, trades. cumulative: ts, cum_pnl. drawdown: ts, equity,
    peak, drawdown (<= 0). per_bot: bot_id, bot, and the stat columns; per_symbol:
    symbol, market, and the stat columns (trades, net_pnl, win_rate, profit_factor,
    avg_win, avg_loss, fees). kpis: net_pnl, trades (int), win_rate, profit_factor,
    fees, max_drawdown and current_drawdown (<= 0), all floats but trades.
    """

    daily: pd.DataFrame
    cumulative: pd.DataFrame
    drawdown: pd.DataFrame
    per_bot: pd.DataFrame
    per_symbol: pd.DataFrame
    kpis: dict[str, Any]


def bundle(cur: Cursor, filters: Filters) -> Bundle:
    """Compute every analytics table for ``filters``, all from one consistent view."""
    with snapshot(cur):
        return _bundle(cur, filters)


def _bundle(cur: Cursor, filters: Filters) -> Bundle:
    where, params = filters.where()
    by_day, day_params = filters.where("day", by_day=True)
    lo, hi, count = cur.execute(
        f"SELECT epoch_us(min(ts)), epoch_us(max(ts)), COUNT(*) FROM trades WHERE {where}", params
    ).fetchone()
    daily = cur.execute(
        "SELECT day, SUM(net_pnl)::DOUBLE AS pnl, SUM(fees)::DOUBLE AS fees, SUM(trades)::BIGINT AS trades "
        f"FROM trade_days WHERE {by_day} GROUP BY day ORDER BY day",
        day_params,
    ).df()
    groups = cur.execute(
        f"SELECT NULLIF(bot_id, 0) AS bot_id, symbol, market, {_SUMMARY} FROM trade_days WHERE {by_day} GROUP BY ALL",
        day_params,
    ).df()
    curve = _series(cur, "SELECT ts, pnl, id FROM trades", where, params, lo, hi, count)
    names = dict(cur.execute("SELECT id, name FROM bots").fetchall())
    per_bot = _stats(groups.groupby("bot_id", dropna=False, as_index=False)[_SUMS].sum())
    per_bot.insert(1, "bot", [_bot_name(b, names) for b in per_bot["bot_id"]])
    per_symbol = _stats(groups.groupby(["symbol", "market"], as_index=False)[_SUMS].sum())
    total = _stats(pd.DataFrame([groups[_SUMS].sum()])) if len(groups) else None
    kpis: dict[str, Any] = {
        "net_pnl": float(total["net_pnl"].iloc[0]) if total is not None else 0.0,
        "trades": int(count),
        "win_rate": float(total["win_rate"].iloc[0]) if total is not None else float("nan"),
        "profit_factor": float(total["profit_factor"].iloc[0]) if total is not None else float("nan"),
        "fees": float(total["fees"].iloc[0]) if total is not None else 0.0,
        "max_drawdown": float(curve["drawdown"].min()) if len(curve) else 0.0,
        "current_drawdown": float(curve["drawdown"].iloc[-1]) if len(curve) else 0.0,
    }
    return Bundle(
        daily=daily,
        cumulative=curve[["ts", "equity"]].rename(columns={"equity": "cum_pnl"}),
        drawdown=curve,
        per_bot=per_bot[["bot_id", "bot", *STAT_COLUMNS]],
        per_symbol=per_symbol[["symbol", "market", *STAT_COLUMNS]],
        kpis=kpis,
    )


def _bucket(exact: str, lo: int | None, hi: int | None, count: int) -> tuple[str, list[object]]:
    """The GROUP BY key: ``exact`` (one point per row) up to MAX_POINTS rows, else MAX_POINTS time buckets."""
    if count <= MAX_POINTS:
        return exact, []
    return "(epoch_us(ts) - ?) * ? // ?", [lo, MAX_POINTS, hi - lo + 1]


def _series(cur: Cursor, source: str, where: str, params: list[object],
            lo: int | None, hi: int | None, count: int) -> pd.DataFrame:
    """Running sum of ``pnl`` with its peak and drawdown, at most MAX_POINTS rows."""
    key, key_params = _bucket("id", lo, hi, count)
    return cur.execute(
        f"WITH src AS ({source} WHERE {where}), "
        f"b AS (SELECT {key} AS k, max(ts) AS ts, SUM(pnl) AS pnl FROM src GROUP BY k), "
        "c AS (SELECT ts, k, SUM(pnl) OVER (ORDER BY ts, k ROWS UNBOUNDED PRECEDING) AS equity FROM b) "
        "SELECT ts, equity::DOUBLE AS equity, "
        "greatest(max(equity) OVER (ORDER BY ts, k ROWS UNBOUNDED PRECEDING), 0)::DOUBLE AS peak "
        "FROM c ORDER BY ts, k",
        [*params, *key_params],
    ).df().assign(drawdown=lambda d: d["equity"] - d["peak"])


def _stats(sums: pd.DataFrame) -> pd.DataFrame:
    """Add win_rate, profit_factor, avg_win, avg_loss to summed counts and amounts."""
    closes = sums["closes"].where(sums["closes"] > 0)
    wins = sums["wins"].where(sums["wins"] > 0)
    losses = sums["losses"].where(sums["losses"] > 0)
    loss = -sums["gross_loss"].where(sums["gross_loss"] < 0)
    return sums.assign(
        trades=sums["trades"].astype("int64"),
        win_rate=(sums["wins"] / closes).astype(float),
        profit_factor=(sums["gross_win"] / loss).astype(float),
        avg_win=(sums["gross_win"] / wins).astype(float),
        avg_loss=(sums["gross_loss"] / losses).astype(float),
    )


def _bot_name(bot_id: object, names: dict[int, str]) -> str:
    if bot_id is None or pd.isna(bot_id):
        return "manual"
    return names.get(int(bot_id), f"bot {int(bot_id)} (deleted)")


def equity_curve(cur: Cursor, filters: Filters) -> pd.DataFrame:
    """Equity over time: ts, equity; at most MAX_POINTS rows.

    The wallet's value from balance snapshots for the dates, market and venue of ``filters``. A
    wallet belongs to no bot, so with bots or symbols chosen the equity is theirs: the running net
    PnL (after fees) of their trades, like every other figure on the page.
    """
    if filters.bots or filters.symbols:
        with snapshot(cur):
            where, params = filters.where()
            lo, hi, count = cur.execute(
                f"SELECT epoch_us(min(ts)), epoch_us(max(ts)), COUNT(*) FROM trades WHERE {where}", params
            ).fetchone()
            return _series(cur, "SELECT ts, pnl, id FROM trades", where, params, lo, hi, count)[["ts", "equity"]]
    where, params = Filters(filters.start, filters.end, market=filters.market, venue=filters.venue).where()
    lo, hi, count = cur.execute(
        f"SELECT epoch_us(min(ts)), epoch_us(max(ts)), COUNT(DISTINCT ts) FROM balance_snapshots WHERE {where}",
        params,
    ).fetchone()
    key, key_params = _bucket("epoch_us(ts)", lo, hi, count)
    return cur.execute(
        f"WITH s AS (SELECT ts, SUM(value_quote) AS equity FROM balance_snapshots WHERE {where} GROUP BY ts) "
        f"SELECT max(ts) AS ts, arg_max(equity, ts)::DOUBLE AS equity FROM s GROUP BY {key} ORDER BY 1",
        [*params, *key_params],
    ).df()

