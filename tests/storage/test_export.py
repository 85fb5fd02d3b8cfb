from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

from console.domain import Side
from console.storage import export, trades
from console.storage.analytics import Filters
from console.storage.db import Database

from .conftest import make_trade


def fill(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, Side.BUY, "0.123456789", "100.5", bot_id=1))
    trades.record(cur, make_trade(2, Side.SELL, "0.123456789", "110", bot_id=1))
    trades.record(cur, make_trade(3, Side.BUY, "1", "10", bot_id=2, symbol="ETH/USDT"))


def test_csv_to_a_path_and_to_buffers(db: Database, tmp_path: Path) -> None:
    fill(db)
    path = tmp_path / "trades.csv"
    assert export.to_csv(db.cursor(), Filters(bots=(1,)), path) == 2
    rows = list(csv.DictReader(path.open()))
    assert [r["exchange_order_id"] for r in rows] == ["ex-1", "ex-2"]
    assert Decimal(rows[0]["quantity"]) == Decimal("0.123456789")
    assert Decimal(rows[1]["pnl"]) == Decimal("0.123456789") * Decimal("9.5")
    text, raw = io.StringIO(), io.BytesIO()
    assert export.to_csv(db.cursor(), Filters(), text) == 3
    export.to_csv(db.cursor(), Filters(), raw)
    assert text.getvalue().encode() == raw.getvalue()
    assert text.getvalue().splitlines()[0].startswith("id,ts,bot_id,bot,account")


def test_parquet_keeps_exact_decimals(db: Database, tmp_path: Path) -> None:
    fill(db)
    path = tmp_path / "trades.parquet"
    assert export.to_parquet(db.cursor(), Filters(symbols=("ETH/USDT",)), path) == 1
    table = pq.read_table(path)
    assert table.column("symbol").to_pylist() == ["ETH/USDT"]
    assert table.column("quote_quantity").to_pylist() == [Decimal(10)]


def test_an_empty_selection_exports_just_the_header(db: Database, tmp_path: Path) -> None:
    fill(db)
    buffer = io.StringIO()
    assert export.to_csv(db.cursor(), Filters(start=date(2030, 1, 1)), buffer) == 0
    assert len(buffer.getvalue().splitlines()) == 1


def test_csv_writes_plain_decimals_bot_names_and_utc_times(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, Side.BUY, "0.01065000", "9382.500000000000000000", bot_id=None,
                                  ts=datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)))
    trades.record(cur, make_trade(2, Side.SELL, "1E-8", "1E+6", bot_id=7, realized_pnl="0E-18",
                                  ts=datetime(2026, 12, 2, 11, 0, tzinfo=timezone.utc)))
    text = io.StringIO()
    export.to_csv(cur, Filters(), text)
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert (rows[0]["price"], rows[0]["quantity"], rows[0]["bot"], rows[0]["bot_id"]) == ("9382.5", "0.01065", "", "")
    assert rows[0]["ts"] == "2026-12-02T10:00:00.000000Z"
    assert (rows[1]["price"], rows[1]["quantity"], rows[1]["realized_pnl"]) == ("1000000", "0.00000001", "0")
    assert rows[1]["bot"] == "bot 7 (deleted)"
    assert "E-" not in text.getvalue() and "E+" not in text.getvalue() and "None" not in text.getvalue()
