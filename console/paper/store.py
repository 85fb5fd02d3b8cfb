"""Durable state of the paper exchange: a journal in DuckDB, fronted by a log file.

Each state change (the changed orders, the new fills and the account snapshot) is written
as one line to ``paper.journal`` before the exchange answers, which costs tens of microseconds
where a DuckDB statement costs half a millisecond. An order is written whole at each change, so
one resting partly filled comes back with its status, executed quantity, quote and locked
rest. A background thread moves the lines into ``paper.duckdb`` every quarter second, in one
transaction (DuckDB syncs it to disk). On open, the DuckDB journal plus any lines still in the
log are replayed; a long journal is compacted to one snapshot per market.

How durable an answered change is:

- ``sync_writes=False`` (default): the line is in the operating system's file cache before the
  answer, so it survives the exchange or the console being killed at any moment; a power cut
  loses at most the last quarter second.
- ``sync_writes=True``: the line is synced to the disk (``fdatasync``, shared by concurrent
  requests) before the answer, so it survives a power cut too, for ~0.1-0.3 ms per change here.

The log is preallocated and overwritten in place, so a sync flushes data, not file metadata.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import duckdb

from console.errors import StorageError

COMPACT_AFTER = 5000
FLUSH_EVERY = 0.25  # seconds
CHUNK = 1 << 20  # log preallocation step, bytes
REWIND_AFTER = 4 << 20  # bytes of log after which a flush starts it over


class Store:
    """The journal under ``data_dir``; with data_dir None nothing is written."""

    def __init__(self, data_dir: Path | None, sync_writes: bool = False) -> None:
        self.sync_writes = sync_writes
        self.path = Path(data_dir) / "paper.duckdb" if data_dir is not None else None
        self.log_path = Path(data_dir) / "paper.journal" if data_dir is not None else None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._fd = -1
        self._pos = 0
        self._size = 0
        self._seq = 0
        self._synced = 0
        self._pending: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._db_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._flusher: threading.Thread | None = None

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def open(self) -> list[dict[str, Any]]:
        """Open (or create) the files and return every journal entry, oldest first."""
        if self.path is None or self.log_path is None:
            return []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = duckdb.connect(str(self.path))
        except (OSError, duckdb.Error) as e:
            raise StorageError(f"cannot open the paper exchange's state {self.path}: {e}; stop the other "
                               "process using it, or give the paper exchange another data folder") from e
        self._con.execute("CREATE TABLE IF NOT EXISTS journal (seq BIGINT PRIMARY KEY, entry VARCHAR NOT NULL)")
        rows = self._con.execute("SELECT seq, entry FROM journal ORDER BY seq").fetchall()
        self._seq = rows[-1][0] if rows else 0
        entries = [json.loads(text) for _, text in rows]
        tail: list[tuple[int, str]] = []
        if self.log_path.exists():
            for line in self.log_path.read_bytes().split(b"\n"):
                try:
                    record = json.loads(line)
                except ValueError:
                    break  # the unused (zeroed) rest of the log, or a torn line never acknowledged
                if record["seq"] > self._seq:
                    tail.append((record["seq"], json.dumps(record["entry"], separators=(",", ":"))))
                    entries.append(record["entry"])
                    self._seq = record["seq"]
        self._write_db(tail)
        self._fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._pos = self._size = 0
        self._synced = self._seq
        self._grow()
        self._closing.clear()
        self._flusher = threading.Thread(target=self._flush_loop, name="paper-journal", daemon=True)
        self._flusher.start()
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry to the log and queue it for DuckDB; ``sync`` makes it durable."""
        if self._fd < 0:
            return
        text = json.dumps(entry, separators=(",", ":"))
        with self._lock:
            self._seq += 1
            self._write_line(self._seq, text)
            self._pending.append((self._seq, text))
        if len(self._pending) >= 500:
            self._wake.set()

    def sync(self) -> None:
        """With sync_writes, return once every entry appended so far is on disk (one sync serves
        concurrent callers); without, entries are already safe from a crash of this process."""
        if self._fd < 0 or not self.sync_writes:
            return
        target = self._seq
        with self._sync_lock:
            if self._synced >= target:
                return
            written = self._seq
            os.fdatasync(self._fd)
            self._synced = written

    def flush(self) -> None:
        """Move every logged entry into DuckDB; once the log is long, start it over."""
        with self._db_lock, self._lock:
            batch, self._pending = self._pending, []
            self._write_db(batch)
            if self._pos > REWIND_AFTER:
                # every line is in DuckDB now: older lines may be overwritten (replay skips old seqs)
                self._pos = 0
                os.pwrite(self._fd, b"\0", 0)

    def _write_line(self, seq: int, text: str) -> None:
        data = f'{{"seq":{seq},"entry":{text}}}\n'.encode()
        while self._pos + len(data) >= self._size:
            self._grow()
        os.pwrite(self._fd, data, self._pos)
        self._pos += len(data)

    def _grow(self) -> None:
        os.pwrite(self._fd, bytes(CHUNK), self._size)
        self._size += CHUNK
        os.fsync(self._fd)

    def _write_db(self, batch: list[tuple[int, str]]) -> None:  # under _lock or before the log opens
        if not batch or self._con is None:
            return
        self._con.execute("BEGIN")
        self._con.executemany("INSERT INTO journal VALUES (?, ?)", batch)
        self._con.execute("COMMIT")

    def _flush_loop(self) -> None:
        while not self._closing.is_set():
            self._wake.wait(FLUSH_EVERY)
            self._wake.clear()
            self.flush()

    def needs_compaction(self) -> bool:
        return self._con is not None and self._seq > COMPACT_AFTER

    def replace_all(self, entries: list[dict[str, Any]]) -> None:
        """Replace the whole journal with these entries in one transaction (seqs keep growing)."""
        if self._con is None:
            return
        self.flush()
        with self._db_lock, self._lock:
            rows = [(self._seq + i, json.dumps(e, separators=(",", ":"))) for i, e in enumerate(entries, start=1)]
            self._con.execute("BEGIN")
            self._con.execute("DELETE FROM journal")
            if rows:
                self._con.executemany("INSERT INTO journal VALUES (?, ?)", rows)
            self._con.execute("COMMIT")
            self._seq += len(rows)
            self._synced = self._seq
            self._pos = 0
            os.pwrite(self._fd, b"\0", 0)

    def close(self) -> None:
        """Flush, stop the background thread and close both files."""
        if self._con is None:
            return
        self._closing.set()
        self._wake.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
        self.flush()
        with self._db_lock, self._lock:
            os.fdatasync(self._fd)
            os.close(self._fd)
            self._fd = -1
            self._con.close()
            self._con = None
