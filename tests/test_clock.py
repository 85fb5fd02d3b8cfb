"""One injected clock: nothing in reconciliation, the daily reset or the store reads the wall clock.

The console runs on the paper venue with a clock set in 2031 that moves only when the test moves
it; its ``sleep`` records what was asked and returns at once. A bot trades into its daily limit,
the day changes, an order whose fate is unclear is reconciled, and the paper exchange delays a
request. Every timestamp and date written to DuckDB on the way must be in 2031, and every wait
must have gone through the clock.
"""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from console.config import load_settings
from console.domain import BotConfig, BotState, Market, OrderRequest, OrderStatus, Side, Venue
from console.engine.reconcile import IN_FLIGHT
from console.engine.recorder import Owner
from console.errors import TemporaryError
from console.service import Console
from console.storage import bots, journal

START = datetime(2031, 3, 14, 23, 40, tzinfo=UTC)


class FrozenClock:
    """Epoch seconds that move only when the test moves them; ``sleep`` records the wait and returns."""

    def __init__(self, at: datetime) -> None:
        self.now = at.timestamp()
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)


@pytest.fixture
def console(tmp_path: Path):
    clock = FrozenClock(START)
    # the engine's own schedule never fires during the test: the test runs the cycles
    con = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path / "data")}), clock=clock, cycle_seconds=3600)
    yield con, clock
    con.close()


def timestamps(con: Console) -> dict[str, tuple[datetime, datetime]]:
    """(earliest, latest) of every TIMESTAMP and DATE column of the console's tables that holds any."""
    cur = con.db.cursor()
    columns = cur.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' AND c.data_type IN ('TIMESTAMP', 'DATE')").fetchall()
    out = {}
    for table, column in columns:
        low, high = cur.execute(f'SELECT min("{column}"), max("{column}") FROM "{table}"').fetchone()
        if low is not None:
            out[f"{table}.{column}"] = (low, high)
    return out


def test_reconciliation_the_daily_reset_and_every_stored_time_follow_the_injected_clock(console):
    con, clock = console
    exchange = con.paper.exchange
    with con.db.transaction() as cur:
        bot_id = bots.create(cur, BotConfig(
            name="daily", symbol="BTC/USDT", strategy="dca", size=Decimal("20"), max_trades_per_day=1,
            params={"interval_hours": 0.1, "max_entries": 5, "take_profit_pct": 50}))
    con.engine.start_bot(bot_id)

    # The exchange's injected delay and the client's backoff both wait on the clock.
    exchange.faults.add(path="/api/v3/klines", kind="latency", seconds=45, count=1)
    exchange.faults.add(path="/api/v3/klines", kind="error_5xx", count=1)
    for _ in range(15):  # one DCA entry, then the daily limit pauses the bot until 00:00 UTC
        clock.advance(60)
        con.engine.run_cycle()
        if bots.get(con.db.cursor(), bot_id).state is BotState.PAUSED:
            break
    record = bots.get(con.db.cursor(), bot_id)
    assert record.state is BotState.PAUSED and record.trades_today == 1, record.reason
    assert 45 in clock.waits, "the exchange's latency went through the injected sleep"
    assert len(clock.waits) >= 2, "the client's retry after the 503 waited on the clock too"

    clock.now = datetime(2031, 3, 15, 0, 0, 30, tzinfo=UTC).timestamp()
    assert con.engine.daily_check() == [bot_id]
    record = bots.get(con.db.cursor(), bot_id)
    assert (record.state, record.trades_today, record.day.isoformat()) == (BotState.RUNNING, 0, "2031-03-15")

    # An order the exchange never took, whose lookups fail: it stays pending while a request could
    # still arrive (by the clock), and is rejected once it is older than that.
    exchange.faults.add(path="/api/v3/order", method="POST", kind="reset")
    exchange.faults.add(path="/api/v3/order", method="GET", kind="error_5xx")
    with pytest.raises(TemporaryError, match="stays pending"):
        con.engine.gateway.place(Owner(Venue.PAPER, Market.SPOT, "paper", None), OrderRequest(
            symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, quote_quantity=Decimal("20"),
            client_order_id="unclear-2031"))
    exchange.faults.clear()
    con.engine.gateway.settle()
    assert journal.get(con.db.cursor(), "unclear-2031").status is OrderStatus.PENDING
    clock.advance(IN_FLIGHT.total_seconds() + 1)
    con.engine.gateway.settle()
    assert journal.get(con.db.cursor(), "unclear-2031").status is OrderStatus.REJECTED

    clock.advance(60)
    con.engine.run_cycle()
    assert con.engine.snapshot_balances() > 0

    stored = timestamps(con)
    for column in ("orders.created_at", "orders.updated_at", "trades.ts", "bots.day", "bots.updated_at",
                   "events.ts", "balance_snapshots.ts", "schema_migrations.applied_at"):
        assert column in stored, f"the flow wrote no {column}"
    for column, (low, high) in stored.items():
        assert (low.year, high.year) == (2031, 2031), f"{column} holds {low} .. {high}: the wall clock was read"
