"""The DuckDB connection: open, migrate, per-thread cursors, transactions.

One ``Database`` per data file and process. DuckDB runs in-process: each thread
works through its own cursor (``db.cursor()``), readers see the last committed
state while a writer works, and every write runs in a transaction.

Writes are serialised by one process-wide re-entrant lock, taken by
``Database.transaction()`` and by ``atomic()`` (which every repository write
uses). DuckDB would otherwise abort one of two concurrent transactions that touch
the same row (the engine bumping a bot's counters while a person stops it); with
the lock they simply queue. Reads never take the lock; ``snapshot()`` runs several
reads on one consistent view.

Timestamps written (``created_at``, ``updated_at``, a bot's day) come from the database's clock,
given to ``Database.open``: every cursor of a database knows it (``stamp(cur)``).
"""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from console.clock import utc_now
from console.config import ensure_private_dir
from console.errors import ConfigError, StorageError
from console.storage.schema import MIGRATIONS

Cursor = duckdb.DuckDBPyConnection

WRITE_LOCK = threading.RLock()

# The clock of the database each cursor belongs to (see ``stamp``).
_clocks: weakref.WeakKeyDictionary[Cursor, Callable[[], float]] = weakref.WeakKeyDictionary()


class Database:
    """An open console database. Build it with ``Database.open``."""

    def __init__(self, connection: Cursor, path: Path | None, clock: Callable[[], float] | None = None) -> None:
        self._connection = connection
        self.path = path
        self.clock: Callable[[], float] = clock or time.time  # epoch seconds: what every write stamps
        self._local = threading.local()
        self._cursors: list[Cursor] = []
        self._cursors_lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, path: Path | str, *, clock: Callable[[], float] | None = None) -> Database:
        """Open (or create, owner-only) the database at ``path`` or ``":memory:"``, and migrate it.

        ``clock`` (epoch seconds, the wall clock by default) dates what is written. Raise
        StorageError, saying what to do, when the file is corrupt, locked by another process or
        not writable.
        """
        if str(path) == ":memory:":
            db = cls(duckdb.connect(":memory:"), None, clock)
        else:
            file = Path(path).expanduser()
            try:
                ensure_private_dir(file.parent)
            except ConfigError as e:
                raise StorageError(str(e)) from e
            try:
                connection = duckdb.connect(str(file))
            except duckdb.Error as e:
                raise StorageError(_open_failure(file, e)) from e
            db = cls(connection, file, clock)
            file.chmod(0o600)
        try:
            db._migrate()
        except duckdb.Error as e:
            db.close()
            raise StorageError(
                f"cannot prepare the data file {db.path or ':memory:'}: {e}; "
                "move the file aside so a new one is created, or restore a backup"
            ) from e
        except StorageError:
            db.close()
            raise
        return db

    def cursor(self) -> Cursor:
        """Return the calling thread's cursor (created on first use)."""
        if self._closed:
            raise StorageError("the database is closed; open it again with Database.open")
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._connection.cursor()
            _clocks[cur] = self.clock
            self._local.cursor = cur
            with self._cursors_lock:
                self._cursors.append(cur)
        return cur

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """Run the block in one transaction on this thread's cursor: commit, or roll back on error."""
        with atomic(self.cursor()) as cur:
            yield cur

    def now(self) -> datetime:
        """Now on the database's clock, as an aware UTC datetime."""
        return utc_now(self.clock)

    @property
    def schema_version(self) -> int:
        row = self.cursor().execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0

    def close(self) -> None:
        """Close every cursor and the connection; the data file is checkpointed."""
        if self._closed:
            return
        self._closed = True
        with self._cursors_lock:
            cursors, self._cursors = self._cursors, []
        for cur in cursors:
            try:
                cur.close()
            except duckdb.Error:
                pass
        self._connection.close()

    def _migrate(self) -> None:
        cur = self.cursor()
        with atomic(cur):
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
        current = self.schema_version
        latest = MIGRATIONS[-1][0]
        if current > latest:
            raise StorageError(
                f"the data file {self.path} has schema version {current}, newer than this console "
                f"understands ({latest}); update the console"
            )
        for version, name, script in MIGRATIONS:
            if version <= current:
                continue
            with atomic(cur):
                cur.execute(script)
                cur.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, stamp(cur)]
                )


_open_transactions = threading.local()


@contextmanager
def atomic(cur: Cursor) -> Iterator[Cursor]:
    """Run the block as one transaction on ``cur``, or inside the transaction already open on it.

    Holds the process-wide write lock for the duration. Open transactions only
    through this (or ``Database.transaction``), never with a bare ``BEGIN``.
    """
    with WRITE_LOCK:
        open_here: set[int] = _open_transactions.__dict__.setdefault("ids", set())
        if id(cur) in open_here:
            yield cur  # the outer block commits or rolls back
            return
        cur.begin()
        open_here.add(id(cur))
        try:
            yield cur
        except BaseException:
            cur.rollback()
            raise
        else:
            cur.commit()
        finally:
            open_here.discard(id(cur))


@contextmanager
def snapshot(cur: Cursor) -> Iterator[Cursor]:
    """Run several reads on one consistent view of the data (no lock: writers go on)."""
    open_here: set[int] = _open_transactions.__dict__.setdefault("ids", set())
    if id(cur) in open_here:
        yield cur
        return
    cur.begin()
    open_here.add(id(cur))
    try:
        yield cur
    finally:
        open_here.discard(id(cur))
        cur.rollback()


def _open_failure(file: Path, error: duckdb.Error) -> str:
    text = str(error)
    if "lock" in text.lower():
        return (
            f"the data file {file} is in use by another process ({text}); "
            "close the other console (or program) using it, or set CONSOLE_DATA_DIR to another folder"
        )
    if "not a valid DuckDB database" in text or "corrupt" in text.lower():
        return (
            f"the data file {file} is not a readable DuckDB database (corrupt, or not a database); "
            "move it aside so a new one is created, or restore a backup"
        )
    if "permission" in text.lower() or "read-only" in text.lower():
        return (
            f"cannot write the data file {file} ({text}); "
            "make it writable by your user, or set CONSOLE_DATA_DIR to a writable folder"
        )
    return f"cannot open the data file {file}: {text}; move it aside or set CONSOLE_DATA_DIR to another folder"


def stamp(cur: Cursor) -> datetime:
    """Now on the clock of the database ``cur`` belongs to, as the naive UTC timestamp it stores.

    A cursor opened outside ``Database`` has no clock of its own: it reads the wall clock.
    """
    return utc_now(_clocks.get(cur)).replace(tzinfo=None)


def to_db_time(ts: datetime) -> datetime:
    """Convert an aware datetime to naive UTC; a naive one is taken as UTC already."""
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo is not None else ts


def from_db_time(ts: datetime) -> datetime:
    """Attach UTC to a naive timestamp read from the database."""
    return ts.replace(tzinfo=UTC)

