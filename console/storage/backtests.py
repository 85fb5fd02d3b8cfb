"""Saved backtest runs: the bot's config, the candles' range, the metrics, and the trades."""
from __future__ import annotations

import builtins
import json
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from console.backtest.metrics import Metrics
from console.backtest.results import Run, Trade, utc
from console.domain import BotConfig
from console.errors import InvalidInput
from console.storage.bots import config_from_json, config_to_json
from console.storage.db import Cursor, atomic, from_db_time, stamp, to_db_time


@dataclass(frozen=True, kw_only=True)
class SavedRun:
    """One stored run; ``metrics`` as ``Metrics.as_dict`` gave them (a ratio without a value: None)."""

    id: int
    created_at: datetime
    config: BotConfig
    data_start: datetime
    data_end: datetime
    candles: int
    starting_balance: Decimal
    final_equity: Decimal
    metrics: dict


_COLUMNS = "id, created_at, config, data_start, data_end, candles, starting_balance, final_equity, metrics"


def save(cur: Cursor, run: Run, figures: Metrics) -> int:
    """Store ``run`` with its ``figures`` and trades; return the run's id."""
    if len(run.ts) == 0:
        raise InvalidInput("a backtest over no candles has nothing to save; pick a date range with candles")
    config = run.config
    with atomic(cur):
        row = cur.execute(
            "INSERT INTO backtest_runs (created_at, name, symbol, market, timeframe, strategy, config, data_start,"
            " data_end, candles, starting_balance, final_equity, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            [stamp(cur), config.name, config.symbol, config.market.value, config.timeframe, config.strategy,
             config_to_json(config), _time(int(run.ts[0])), _time(int(run.ts[-1])), len(run.ts),
             run.starting_balance, run.final_equity, json.dumps(_finite(figures.as_dict()))],
        ).fetchone()
        run_id = int(row[0])
        if run.trades:
            cur.executemany(
                "INSERT INTO backtest_trades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[run_id, seq, t.direction, _time(t.entry_ts), _time(t.exit_ts), t.quantity, t.entry_price,
                  t.exit_price, t.fees, t.funding, t.pnl, t.exit_reason] for seq, t in enumerate(run.trades)],
            )
    return run_id


def get(cur: Cursor, run_id: int) -> SavedRun:
    """Return the stored run; raise InvalidInput if there is none with this id."""
    row = cur.execute(f"SELECT {_COLUMNS} FROM backtest_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        raise InvalidInput(f"there is no saved backtest {run_id}; list the saved runs to pick one")
    return _record(row)


def list(cur: Cursor, *, symbol: str | None = None) -> builtins.list[SavedRun]:  # noqa: A001 - as bots.list
    """Every stored run (or those on ``symbol``), newest first."""
    where, params = ("WHERE symbol = ?", [symbol]) if symbol else ("", [])
    rows = cur.execute(f"SELECT {_COLUMNS} FROM backtest_runs {where} ORDER BY id DESC", params).fetchall()
    return [_record(r) for r in rows]


def trades(cur: Cursor, run_id: int) -> builtins.list[Trade]:
    """The run's trades, in the order they closed. Candle indices are not stored: they read -1."""
    rows = cur.execute(
        "SELECT direction, entry_ts, exit_ts, quantity, entry_price, exit_price, fees, funding, pnl, exit_reason"
        " FROM backtest_trades WHERE run_id = ? ORDER BY seq", [run_id]).fetchall()
    return [Trade(direction=r[0], entry_index=-1, exit_index=-1, entry_ts=_ms(r[1]), exit_ts=_ms(r[2]),
                  quantity=r[3], entry_price=r[4], exit_price=r[5], fees=r[6], funding=r[7], pnl=r[8],
                  exit_reason=r[9]) for r in rows]


def delete(cur: Cursor, run_id: int) -> None:
    """Remove a stored run and its trades."""
    with atomic(cur):
        cur.execute("DELETE FROM backtest_trades WHERE run_id = ?", [run_id])
        cur.execute("DELETE FROM backtest_runs WHERE id = ?", [run_id])


def _record(row) -> SavedRun:
    return SavedRun(id=int(row[0]), created_at=from_db_time(row[1]), config=config_from_json(row[2]),
                    data_start=from_db_time(row[3]), data_end=from_db_time(row[4]), candles=int(row[5]),
                    starting_balance=row[6], final_equity=row[7], metrics=json.loads(row[8]))


def _time(ms: int) -> datetime:
    return to_db_time(utc(ms))


def _ms(ts: datetime) -> int:
    return int(from_db_time(ts).timestamp() * 1000)


def _finite(values: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}
