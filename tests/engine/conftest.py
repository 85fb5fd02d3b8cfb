"""A whole stack for engine tests: paper exchange over HTTP, DuckDB file, engine, on a clock the test moves."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.domain import BotConfig
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.paper import PaperExchange, ReplayFeed
from console.storage import bots
from console.storage.db import Database


Clock = ManualClock


@dataclass
class Stack:
    clock: Clock
    exchange: PaperExchange
    db: Database
    clients: Clients
    engine: BotEngine
    db_path: Path

    def add_bot(self, **fields) -> int:
        with self.db.transaction() as cur:
            return bots.create(cur, BotConfig(**fields))

    def new_engine(self) -> BotEngine:
        """A fresh engine (and clients) over the same database and exchange: a restart."""
        self.clients = Clients(self.credentials, clock=self.clock, sleep=self.clock.sleep)
        self.engine = BotEngine(self.db, self.clients, clock=self.clock)
        return self.engine

    def credentials(self, venue, account):
        if account == "wrong-keys":
            return Credentials("not-the-key", "not-the-secret", base_url=self.exchange.base_url)
        return Credentials("paper-key", "paper-secret", base_url=self.exchange.base_url)

    def cycles(self, n: int, seconds: float = 3600.0) -> None:
        for _ in range(n):
            self.clock.advance(seconds)
            self.engine.run_cycle()


@pytest.fixture
def stack(shared_data: Path, tmp_path: Path):
    clock = Clock()
    feed = ReplayFeed(shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv", speed=1, clock=clock)
    exchange = PaperExchange(data_dir=tmp_path / "paper", feed=feed, clock=clock, sleep=clock.sleep)
    exchange.start()
    db_path = tmp_path / "console.duckdb"
    db = Database.open(db_path, clock=clock)
    s = Stack(clock, exchange, db, None, None, db_path)  # type: ignore[arg-type]
    s.new_engine()
    yield s
    s.engine.stop()
    db.close()
    exchange.stop()


def spot_bot(**overrides) -> dict:
    fields = dict(name="cross", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross",
                  params={"fast": 3, "slow": 8}, size=Decimal("100"))
    fields.update(overrides)
    return fields
