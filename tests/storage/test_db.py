from __future__ import annotations

import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import BotConfig, BotState, Side
from console.errors import StorageError
from console.storage import analytics, bots, events, trades
from console.storage.analytics import Filters
from console.storage.db import Database
from console.storage.schema import MIGRATIONS

from .conftest import make_trade


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [m[0] for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_reopening_applies_no_migration_twice(data_dir: Path) -> None:
    path = data_dir / "console.duckdb"
    for _ in range(3):
        db = Database.open(path)
        rows = db.cursor().execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [m[0] for m in MIGRATIONS]
        assert db.schema_version == MIGRATIONS[-1][0]
        db.close()


def test_an_older_file_is_brought_up_to_date(data_dir: Path) -> None:
    path = data_dir / "console.duckdb"
    db = Database.open(path)
    trades.record(db.cursor(), make_trade(1, Side.BUY, "1", "100"))
    trades.record(db.cursor(), make_trade(2, Side.SELL, "1", "130"))
    with db.transaction() as cur:  # back to how version 1 left the file
        cur.execute("DROP TABLE trade_days")
        cur.execute("DROP TABLE outside_holdings")
        cur.execute("DROP SEQUENCE outside_ids")
        cur.execute("ALTER TABLE trades DROP COLUMN adjustment")
        cur.execute("DELETE FROM schema_migrations WHERE version >= 2")
    db.close()
    db = Database.open(path)
    assert db.schema_version == MIGRATIONS[-1][0]
    assert db.cursor().execute("SELECT trades, net_pnl FROM trade_days").fetchall() == [(2, Decimal(30))]
    db.close()


def test_data_kept_across_reopen(data_dir: Path) -> None:
    path = data_dir / "console.duckdb"
    db = Database.open(path)
    bot_id = bots.create(db.cursor(), BotConfig(name="keep", symbol="BTC/USDT"))
    db.close()
    db = Database.open(path)
    assert bots.get(db.cursor(), bot_id).config.name == "keep"
    db.close()


def test_file_and_folder_are_owner_only(file_db: Database, data_dir: Path) -> None:
    assert stat.S_IMODE((data_dir / "console.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_corrupt_file_raises_storage_error_with_the_fix(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    path = data_dir / "console.duckdb"
    path.write_bytes(b"this is not a database" * 500)
    with pytest.raises(StorageError, match="move it aside"):
        Database.open(path)


def test_file_locked_by_another_process_raises_storage_error(data_dir: Path) -> None:
    path = data_dir / "console.duckdb"
    Database.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(path)!r}); print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StorageError, match="in use by another process"):
            Database.open(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


def test_unwritable_folder_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="CONSOLE_DATA_DIR"):
        Database.open(blocker / "sub" / "console.duckdb")


def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        with db.transaction() as cur:
            events.log(cur, None, "info", "written then undone")
            raise RuntimeError("boom")
    assert events.recent(db.cursor()).empty


def test_repository_calls_join_the_open_transaction(db: Database) -> None:
    with db.transaction() as cur:
        events.log(cur, None, "info", "one")
        events.log(cur, None, "info", "two")
    assert list(events.recent(db.cursor())["message"]) == ["two", "one"]


def test_each_thread_gets_its_own_cursor(db: Database) -> None:
    mine = db.cursor()
    assert db.cursor() is mine
    theirs: list[object] = []
    thread = threading.Thread(target=lambda: theirs.append(db.cursor()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine


def test_concurrent_writer_and_readers_lose_nothing(file_db: Database) -> None:
    bot_id = bots.create(file_db.cursor(), BotConfig(name="busy", symbol="BTC/USDT"))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    count = 150
    failures: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            cur = file_db.cursor()
            for n in range(count):
                side = Side.BUY if n % 2 == 0 else Side.SELL
                trade = make_trade(n, side, "1", str(100 + n % 7), bot_id=bot_id, ts=start + timedelta(minutes=n))
                with file_db.transaction():
                    trades.record(cur, trade)
                    bots.bump_daily(cur, bot_id)
        except BaseException as e:  # reported by the test thread
            failures.append(e)
        finally:
            done.set()

    def reader() -> None:
        try:
            cur = file_db.cursor()
            while not done.is_set():
                traded, bumped = cur.execute(
                    "SELECT (SELECT COUNT(*) FROM trades), (SELECT trades_today FROM bots WHERE id = ?)", [bot_id]
                ).fetchone()
                assert traded == bumped  # a reader never sees half a transaction
                result = analytics.bundle(cur, Filters())
                assert result.kpis["trades"] == result.daily["trades"].sum() == result.per_bot["trades"].sum()
        except BaseException as e:
            failures.append(e)

    def stopper() -> None:
        cur = file_db.cursor()
        while not done.is_set():
            bots.set_state(cur, bot_id, BotState.RUNNING)

    threads = [threading.Thread(target=f) for f in (writer, reader, reader, stopper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert len(trades.for_bot(file_db.cursor(), bot_id)) == count
    assert bots.get(file_db.cursor(), bot_id).trades_today == count
    assert sum((t.pnl for t in trades.for_bot(file_db.cursor(), bot_id)), Decimal(0)) == sum(
        Decimal(100 + n % 7) - Decimal(100 + (n - 1) % 7) for n in range(1, count, 2)
    )
