"""The engine on the paper exchange replaying a candle file, one cycle per candle, for parity tests."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from console.clock import ManualClock
from console.domain import BotConfig
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.paper import PaperExchange, ReplayFeed
from console.storage import bots
from console.storage.db import Database

CANDLE_FILE = "binance_spot_BTCUSDT_1h.csv"
HISTORY = 40  # candles before the first cycle; with the cycles run, at most the engine's 200-candle window


class Clock(ManualClock):
    """A manual clock that starts on a candle boundary of ``step`` seconds."""

    def __init__(self, step: int) -> None:
        super().__init__(int(pd.Timestamp.now("UTC").timestamp()) // step * step)
        self.start = self.now


@dataclass
class Replay:
    """The engine and the paper exchange on one replayed file; candle ``HISTORY`` opens at the start."""

    clock: Clock
    exchange: PaperExchange
    db: Database
    engine: BotEngine
    candles: pd.DataFrame  # the file's candles, ts as UTC times of the file
    step_ms: int

    def run_bot(self, config: BotConfig, cycles: int) -> None:
        with self.db.transaction() as cur:
            bot_id = bots.create(cur, config)
        self.engine.start_bot(bot_id)
        for _ in range(cycles):
            self.clock.advance(self.step_ms / 1000)
            self.engine.run_cycle()

    def candle_of(self, ms: int) -> int:
        """The file's candle index open at exchange time ``ms``."""
        start = int(self.clock.start * 1000)
        return HISTORY + (ms - start) // self.step_ms


@pytest.fixture
def replay(shared_data: Path, tmp_path: Path):
    path = shared_data / "candles" / CANDLE_FILE
    raw = pd.read_csv(path)
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    step_ms = int(raw["timestamp"].diff().median())
    clock = Clock(step_ms // 1000)
    feed = ReplayFeed(path, speed=1, clock=clock, history=HISTORY)
    exchange = PaperExchange(data_dir=tmp_path / "paper", feed=feed, clock=clock, sleep=clock.sleep)
    exchange.start()
    db = Database.open(tmp_path / "console.duckdb", clock=clock)

    def credentials(venue, account):
        return Credentials("paper-key", "paper-secret", base_url=exchange.base_url)

    clients = Clients(credentials, clock=clock, sleep=clock.sleep)
    engine = BotEngine(db, clients, clock=clock)
    yield Replay(clock, exchange, db, engine, frame, step_ms)
    engine.stop()
    db.close()
    exchange.stop()
