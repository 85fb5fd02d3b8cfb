"""Order intents logged in a file ahead of the DuckDB journal, and moved into it behind the order.

Before an order is sent its intent (client order id, owner, venue, market, symbol, side, type and
the request, an OCO's list and legs included) is appended to ``intents.log`` in the data folder as
one JSON line, with one write (an OCO's legs share the line, so they are logged together or not at
all); with ``sync`` (the ``CONSOLE_SYNC_INTENTS`` setting) the line is also synced to disk, so it
survives a power cut, not only the process being killed. The send waits for that line only; the
pending entry is written into the journal table with the order's answer, in one transaction with its record:
on the engine's writer thread for a bot's order (so the writer's commits never compete with the
send), on the caller's thread for a person's order or a failure. An order whose answer never came
(its fate unclear) is moved by the next settle, which first moves every intent left.

Readers see an intent whether it is moved or not: the log names its intents to the journal
(``journal.log_ahead``), whose ``open_entries`` lists any the table lacks as pending. So
reconciliation, the kill switch, the holdings check and the pages see an order from the moment its
intent is logged, without waiting for the writer. The log keeps its intents in memory until it is
compacted, so a reader on a view taken before a move still sees them.

Compaction: once ``COMPACT_AFTER`` intents are in the table, the file is emptied, or, when some
are still on their way (orders in flight), rewritten with those alone and renamed over it. At
start-up ``replay`` journals every intent the file holds that the table lacks (an intent journaled
already is left alone), then empties it: a kill at any moment loses no intent and duplicates none,
and reconciliation then finds each order at the exchange by its client id or marks it never sent,
as for any pending entry. A line torn by a power cut in the middle of its write is skipped and the
next line starts afresh; with ``sync`` its order was not sent (the send waits for the sync),
without it a power cut may lose the last lines of orders sent, as it may lose the paper exchange's
last changes without ``--sync-writes``.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from console.domain import Market, Order, OrderRequest, OrderStatus, OrderType, Side, Venue
from console.engine.recorder import LEGS, LIST, DbJournal, Owner, request_dict
from console.engine.writer import Writer
from console.errors import ConsoleError, StorageError
from console.storage import journal
from console.storage.db import Cursor, Database
from console.storage.journal import JournalEntry

log = logging.getLogger(__name__)

FILE = "intents.log"
COMPACT_AFTER = 64  # intents moved before the file is emptied (a reader's view may predate a move)

_shared: dict[str, IntentLog] = {}
_shared_lock = threading.Lock()


class IntentLog:
    """The append-only file of order intents of one data folder."""

    def __init__(self, path: Path, *, sync: bool = False) -> None:
        self.path = Path(path)
        self.sync = sync
        self._lock = threading.Lock()  # appends, the memory and compaction
        self._moving = threading.Lock()  # one move at a time: a caller waits for one under way
        self._logged: dict[str, JournalEntry] = {}  # since the last compaction, in the order logged
        self._unmoved: set[str] = set()
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            size = os.fstat(self._fd).st_size
            if size and _last_byte(self.path, size) != b"\n":
                os.write(self._fd, b"\n")  # close a torn line: the next one starts afresh
        except OSError as e:
            raise StorageError(f"cannot open the order intent log {self.path}: {e.strerror}; "
                               "make the data folder writable (CONSOLE_DATA_DIR)") from e

    @classmethod
    def of(cls, db: Database) -> IntentLog | None:
        """The log next to ``db``'s data file (one per file and process), shown to the journal's
        readers; None for a database in memory, whose orders are journaled in the table at once."""
        if db.path is None:
            return None
        path = db.path.parent / FILE
        key = os.path.realpath(path)
        with _shared_lock:
            found = _shared.get(key)
            if found is None:
                found = _shared[key] = cls(path)
                journal.log_ahead(db.path, found.logged)
        return found

    # -- writing ------------------------------------------------------------------------------
    def append(self, entries: Sequence[JournalEntry]) -> None:
        """Log ``entries`` (an order, or every leg of a list) as one line, synced to disk with ``sync``."""
        line = _line(entries)
        with self._lock:
            try:
                _write(self._fd, line)
                if self.sync:
                    _sync(self._fd)
            except OSError as e:
                raise StorageError(f"cannot log the order intent in {self.path}: {e.strerror}; free disk space "
                                   "or make the data folder writable; the order was not sent") from e
            for entry in entries:
                self._logged[entry.client_order_id] = entry
                self._unmoved.add(entry.client_order_id)

    def move(self, db: Database, ids: Iterable[str] | None = None, *,
             then: Callable[[Cursor], object] | None = None) -> int:
        """Journal the intents ``ids`` (every one when None) the table does not hold yet; compact
        the file when everything is moved. Return how many were added.

        ``then(cur)`` runs in the same transaction after them (an order's record behind its intent):
        both are committed, or neither.
        """
        with self._moving:
            with self._lock:
                todo = [self._logged[cid] for cid in (self._unmoved if ids is None else ids) if cid in self._unmoved]
            added = 0
            if todo or then is not None:
                with db.transaction() as cur:
                    added = sum(journal.add_logged(cur, entry) for entry in todo)
                    if then is not None:
                        then(cur)
                # only once committed: an intent leaves the file only when the table holds it
                with self._lock:
                    self._unmoved.difference_update(e.client_order_id for e in todo)
            self._compact()
            return added

    def replay(self, db: Database) -> int:
        """Journal every intent in the file the table lacks (after a crash); return how many were added."""
        with self._moving:
            with self._lock:
                entries = list(read(self.path))
            with db.transaction() as cur:
                added = sum(journal.add_logged(cur, entry) for entry in entries)
            with self._lock:
                self._unmoved.difference_update(e.client_order_id for e in entries)
            self._compact(force=True)
        return added

    def logged(self) -> list[JournalEntry]:
        """The intents logged since the last compaction, moved or not, oldest first."""
        with self._lock:
            return list(self._logged.values())

    def waiting(self) -> int:
        """How many intents are logged but not yet in the table."""
        with self._lock:
            return len(self._unmoved)

    def _compact(self, force: bool = False) -> None:
        with self._lock:
            if not force and len(self._logged) - len(self._unmoved) < COMPACT_AFTER:
                return
            kept = [entry for cid, entry in self._logged.items() if cid in self._unmoved]
            try:
                if kept:
                    self._rewrite(kept)
                else:
                    os.ftruncate(self._fd, 0)
            except OSError as e:  # the file only stays longer: every line in it replays idempotently
                log.warning("the order intent log %s was not compacted: %s", self.path, e.strerror)
                return
            self._logged = {entry.client_order_id: entry for entry in kept}

    def _rewrite(self, kept: list[JournalEntry]) -> None:
        """Replace the file by one holding ``kept`` alone (a rename: the old file stands until then)."""
        new = self.path.with_name(self.path.name + ".new")
        fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write(fd, _line(kept))
            if self.sync:
                _sync(fd)
        finally:
            os.close(fd)
        os.replace(new, self.path)
        if self.sync:
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)


def read(path: Path) -> Iterable[JournalEntry]:
    """Every intent the file at ``path`` holds; a line that does not parse (torn by a power cut) is skipped."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return
    for number, line in enumerate(text.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            entries = [_entry(item) for item in json.loads(line)["intents"]]
        except (ValueError, KeyError, TypeError) as e:
            log.warning("line %d of %s is torn or unreadable (%s); skipped", number, path, e)
            continue
        yield from entries


class LoggedJournal:
    """The engine's OrderJournal: the intent is logged in the file before the send, and moved into
    the table with the order's record, on the writer (``behind``) or now."""

    def __init__(self, db: Database, owner: Owner, intents: IntentLog, writer: Writer, *,
                 behind: bool, value=None) -> None:
        self._db = db
        self._owner = owner
        self._intents = intents
        self._writer = writer
        self._behind = behind
        self._book = DbJournal(db, owner, value=value)
        self._lines: dict[str, list[str]] = {}  # an OCO leg's id -> every leg logged in its line

    def pending(self, client_order_id: str, request: OrderRequest) -> None:
        self._log([(client_order_id, request, {})])

    def pending_list(self, list_client_order_id: str, legs: Sequence[tuple[str, OrderRequest]]) -> None:
        """Log every leg of an order list in one line, each naming the list and its legs."""
        ids = [cid for cid, _ in legs]
        self._log([(cid, request, {LIST: list_client_order_id, LEGS: ids}) for cid, request in legs])

    def resolved(self, order: Order) -> bool:
        """Journal the exchange's view of ``order`` (see ``DbJournal.record``), after its intent;
        ``behind``: on the writer, returning False at once."""
        if self._behind:
            self._writer.submit(lambda: self._record(order))
            return False
        return self._record(order)

    def failed(self, client_order_id: str, error: ConsoleError) -> None:
        self._move(client_order_id)
        self._book.failed(client_order_id, error)

    def _record(self, order: Order) -> bool:
        """Move the intent and write the record in one transaction (one commit per order)."""
        trade = self._book.trade_of(order)  # valued before the transaction (it may ask the exchange)
        inserted: list[bool] = []
        self._intents.move(self._db, self._lines.get(order.client_order_id, [order.client_order_id]),
                           then=lambda cur: inserted.append(self._book.write(cur, order, trade)))
        return bool(inserted and inserted[0])

    def _move(self, client_order_id: str) -> None:
        """Journal the intent (with its list's other legs) unless it is in the table already."""
        self._intents.move(self._db, self._lines.get(client_order_id, [client_order_id]))

    def _log(self, orders: list[tuple[str, OrderRequest, dict[str, Any]]]) -> None:
        at = self._db.now()
        entries = [JournalEntry(
            client_order_id=cid, bot_id=self._owner.bot_id, venue=self._owner.venue, market=self._owner.market,
            symbol=request.symbol, side=request.side, type=request.type, status=OrderStatus.PENDING,
            exchange_order_id=None, request={**request_dict(request), **extra, "account": self._owner.account},
            response=None, created_at=at, updated_at=at) for cid, request, extra in orders]
        self._intents.append(entries)
        if len(entries) > 1:
            ids = [e.client_order_id for e in entries]
            self._lines.update(dict.fromkeys(ids, ids))


def _line(entries: Sequence[JournalEntry]) -> bytes:
    return (json.dumps({"intents": [_plain(e) for e in entries]}, default=_value, sort_keys=True) + "\n").encode()


def _plain(entry: JournalEntry) -> dict[str, Any]:
    return {"id": entry.client_order_id, "bot": entry.bot_id, "venue": entry.venue, "market": entry.market,
            "symbol": entry.symbol, "side": entry.side, "type": entry.type, "request": entry.request,
            "at": entry.created_at.isoformat()}


def _entry(item: dict[str, Any]) -> JournalEntry:
    at = datetime.fromisoformat(item["at"])
    return JournalEntry(
        client_order_id=str(item["id"]), bot_id=item["bot"], venue=Venue(item["venue"]), market=Market(item["market"]),
        symbol=str(item["symbol"]), side=Side(item["side"]), type=OrderType(item["type"]),
        status=OrderStatus.PENDING, exchange_order_id=None, request=dict(item["request"]), response=None,
        created_at=at, updated_at=at)


def _value(o: object) -> object:
    if isinstance(o, Enum):
        return o.value
    if isinstance(o, (Decimal, datetime)):
        return str(o)
    raise TypeError(f"cannot log {type(o).__name__} in an order intent")


def _write(fd: int, data: bytes) -> None:
    written = 0
    while written < len(data):
        written += os.write(fd, data[written:])


def _sync(fd: int) -> None:
    """The line and the file's new size on disk (fdatasync skips the times, which replay never reads)."""
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1)
