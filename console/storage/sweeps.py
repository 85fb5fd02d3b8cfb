"""Parameter sweeps in the console's DuckDB: each sweep's definition and state, and its finished trials.

Trial rows are written as the trials finish, those that finished together in one transaction (the
runner hands them over at most a quarter of a second apart), so a sweep stopped at any moment keeps
what it had stored; ``(sweep_id, key)`` is unique, so no trial is stored twice.
"""
from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from console.backtest.results import utc
from console.backtest.sweep import SweepSpec, TrialResult
from console.errors import ConfigError, InvalidInput
from console.storage.db import Cursor, Database, atomic, from_db_time, stamp, to_db_time

STATES = ("running", "done", "cancelled", "failed")


@dataclass(frozen=True, kw_only=True)
class SavedSweep:
    """One stored sweep; ``done`` counts its stored trials."""

    id: str
    created_at: datetime
    updated_at: datetime
    name: str
    symbols: str
    strategy: str
    spec: SweepSpec
    state: str
    total: int
    done: int


def begin(cur: Cursor, spec: SweepSpec, total: int, name: str = "") -> bool:
    """Record ``spec`` as running; return True when it was stored already (a resume).

    Raise ConfigError when the id is taken by a sweep of another definition.
    """
    definition = json.dumps(spec.definition(), sort_keys=True)
    with atomic(cur):
        row = cur.execute("SELECT definition FROM sweeps WHERE id = ?", [spec.sweep_id]).fetchone()
        if row is not None:
            if json.loads(row[0]) != json.loads(definition):
                raise ConfigError(f"sweep {spec.sweep_id!r} exists with another definition; give this one "
                                  "another id, or delete the stored sweep first")
            cur.execute("UPDATE sweeps SET state = 'running', total = ?, updated_at = ? WHERE id = ?",
                        [total, stamp(cur), spec.sweep_id])
            return True
        now = stamp(cur)
        cur.execute("INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [spec.sweep_id, now, now, name or spec.config.name, ", ".join(spec.symbols),
                     spec.config.strategy, definition, "running", total])
    return False


def finish(cur: Cursor, sweep_id: str, state: str) -> None:
    """Mark the sweep done, cancelled or failed."""
    if state not in STATES:
        raise InvalidInput(f"sweep state {state!r} is not one of {', '.join(STATES)}")
    with atomic(cur):
        cur.execute("UPDATE sweeps SET state = ?, updated_at = ? WHERE id = ?", [state, stamp(cur), sweep_id])


def add(cur: Cursor, sweep_id: str, result: TrialResult) -> None:
    """Store one finished trial (a trial already stored under its key is kept as it is)."""
    add_many(cur, sweep_id, [result])


def add_many(cur: Cursor, sweep_id: str, results: builtins.list[TrialResult]) -> None:
    """Store trials that finished together, in one statement and one transaction.

    One INSERT of many rows, read from an Arrow table: DuckDB spends some milliseconds on each
    statement (per trial it would cost the caller as much CPU as a worker's trial), and binding
    a row's thirteen parameters costs it three times what reading the same row from Arrow does.
    DuckDB reads the table from the local variable the INSERT names: registering it as a view and
    dropping that again are two changes of the catalog, which cost a batch of 25 rows 2.2 of its
    8 ms of CPU.
    """
    results = builtins.list({r.key: r for r in reversed(results)}.values())[::-1]  # the first of a key
    if not results:
        return
    now = stamp(cur)
    rows = [(sweep_id, r.key, r.stage, r.symbol, _time(r.window[0]), _time(r.window[1]),
             json.dumps(r.params, sort_keys=True), json.dumps(r.metrics), r.score, r.feasible, r.error, r.seconds, now)
            for r in results]
    # read by name in the INSERT (DuckDB scans the Python variable; no view is registered)
    new_sweep_trials = pa.Table.from_arrays(  # noqa: F841
        [pa.array(column, type=field.type) for column, field in zip(zip(*rows), _ROWS)], schema=_ROWS)
    try:
        with atomic(cur):
            cur.execute("INSERT INTO sweep_trials BY NAME SELECT * FROM new_sweep_trials")
    except duckdb.ConstraintException:  # stored already, by another run of the same sweep
        with atomic(cur):  # ON CONFLICT costs each statement 2-3 ms: only when it is needed
            cur.execute("INSERT INTO sweep_trials BY NAME SELECT * FROM new_sweep_trials ON CONFLICT DO NOTHING")


_ROWS = pa.schema([("sweep_id", pa.string()), ("key", pa.string()), ("stage", pa.string()), ("symbol", pa.string()),
                   ("window_start", pa.timestamp("us")), ("window_end", pa.timestamp("us")), ("params", pa.string()),
                   ("metrics", pa.string()), ("score", pa.float64()), ("feasible", pa.bool_()), ("error", pa.string()),
                   ("seconds", pa.float64()), ("finished_at", pa.timestamp("us"))])  # sweep_trials' columns


def trials(cur: Cursor, sweep_id: str) -> builtins.list[TrialResult]:
    """Every stored trial of the sweep, in the order they finished."""
    rows = cur.execute(
        "SELECT key, stage, symbol, window_start, window_end, params, metrics, score, feasible, error, seconds"
        " FROM sweep_trials WHERE sweep_id = ? ORDER BY finished_at, key", [sweep_id]).fetchall()
    return [TrialResult(key=r[0], stage=r[1], symbol=r[2], window=(_ms(r[3]), _ms(r[4])), params=json.loads(r[5]),
                        metrics=json.loads(r[6]), score=r[7], feasible=bool(r[8]), error=r[9], seconds=float(r[10]))
            for r in rows]


def get(cur: Cursor, sweep_id: str) -> SavedSweep:
    """The stored sweep; raise InvalidInput when there is none with this id."""
    rows = _select(cur, "WHERE s.id = ?", [sweep_id])
    if not rows:
        raise InvalidInput(f"there is no stored sweep {sweep_id!r}; list the sweeps to pick one")
    return rows[0]


def list(cur: Cursor) -> builtins.list[SavedSweep]:  # noqa: A001 - as bots.list
    """Every stored sweep, newest first."""
    return _select(cur, "", [])


def delete(cur: Cursor, sweep_id: str) -> None:
    """Remove a sweep and its trials."""
    with atomic(cur):
        cur.execute("DELETE FROM sweep_trials WHERE sweep_id = ?", [sweep_id])
        cur.execute("DELETE FROM sweeps WHERE id = ?", [sweep_id])


def _select(cur: Cursor, where: str, params: builtins.list) -> builtins.list[SavedSweep]:
    rows = cur.execute(
        "SELECT s.id, s.created_at, s.updated_at, s.name, s.symbols, s.strategy, s.definition, s.state, s.total,"
        " (SELECT count(*) FROM sweep_trials t WHERE t.sweep_id = s.id)"
        f" FROM sweeps s {where} ORDER BY s.created_at DESC, s.id", params).fetchall()
    return [SavedSweep(id=r[0], created_at=from_db_time(r[1]), updated_at=from_db_time(r[2]), name=r[3],
                       symbols=r[4], strategy=r[5], spec=SweepSpec.from_definition(json.loads(r[6]), id=r[0]),
                       state=r[7], total=int(r[8]), done=int(r[9])) for r in rows]


class SweepStore:
    """One sweep's trials in ``db``, as ``sweep.Runner`` reads and writes them (on the caller's thread)."""

    def __init__(self, db: Database, spec: SweepSpec) -> None:
        self._db = db
        self.sweep_id = spec.sweep_id

    def stored(self) -> dict[str, TrialResult]:
        return {r.key: r for r in trials(self._db.cursor(), self.sweep_id)}

    def add(self, result: TrialResult) -> None:
        add(self._db.cursor(), self.sweep_id, result)

    def add_many(self, results: builtins.list[TrialResult]) -> None:
        """Store trials that finished together in one transaction."""
        add_many(self._db.cursor(), self.sweep_id, results)


def _time(ms: int) -> datetime:
    return to_db_time(utc(ms))


def _ms(ts: datetime) -> int:
    return int(from_db_time(ts).timestamp() * 1000)
