"""Durable state of the paper exchange: an append-only journal in DuckDB.

Each state change appends one row (the changed orders, the new fills and the account
snapshot) in a single statement, so an order costs one small write; on open, the journal is
replayed and, when long, compacted to one snapshot row per market.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

COMPACT_AFTER = 5000


class Store:
    """A journal in ``data_dir/paper.duckdb``, or nothing at all when data_dir is None."""

    def __init__(self, data_dir: Path | None) -> None:
        self.path = Path(data_dir) / "paper.duckdb" if data_dir is not None else None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._seq = 0

    def open(self) -> list[dict[str, Any]]:
        """Open the file (creating it) and return its journal entries, oldest first."""
        if self.path is None:
            return []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(self.path))
        self._con.execute("CREATE TABLE IF NOT EXISTS journal (seq BIGINT PRIMARY KEY, entry VARCHAR NOT NULL)")
        rows = self._con.execute("SELECT seq, entry FROM journal ORDER BY seq").fetchall()
        self._seq = rows[-1][0] if rows else 0
        return [json.loads(entry) for _, entry in rows]

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry durably."""
        if self._con is None:
            return
        self._seq += 1
        self._con.execute("INSERT INTO journal VALUES (?, ?)", [self._seq, json.dumps(entry, separators=(",", ":"))])

    def needs_compaction(self) -> bool:
        return self._con is not None and self._seq > COMPACT_AFTER

    def replace_all(self, entries: list[dict[str, Any]]) -> None:
        """Replace the journal with these entries in one transaction."""
        if self._con is None:
            return
        self._con.execute("BEGIN")
        self._con.execute("DELETE FROM journal")
        for i, entry in enumerate(entries, start=1):
            self._con.execute("INSERT INTO journal VALUES (?, ?)", [i, json.dumps(entry, separators=(",", ":"))])
        self._con.execute("COMMIT")
        self._seq = len(entries)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
