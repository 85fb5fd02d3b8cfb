"""DCA on a replay far faster than the wall clock: its interval runs on candle time, so the engine
buys on the same candles as at 1x (and as the backtest), not once per wall-clock interval."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from console.backtest import run_backtest, symbol_rules
from console.domain import BotConfig
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.paper import PaperExchange, ReplayFeed
from console.storage import bots
from console.storage.db import Database
from tests.backtest.conftest import CANDLE_FILE, HISTORY, Clock

SPEED = 1800  # one 1h candle every 2 s of the clock
CYCLES = 120


@pytest.fixture
def fast_replay(shared_data: Path, tmp_path: Path):
    path = shared_data / "candles" / CANDLE_FILE
    raw = pd.read_csv(path)
    step_ms = int(raw["timestamp"].diff().median())
    clock = Clock(step_ms // 1000)
    feed = ReplayFeed(path, speed=SPEED, clock=clock, history=HISTORY)
    exchange = PaperExchange(data_dir=tmp_path / "paper", feed=feed, clock=clock, sleep=clock.sleep)
    exchange.start()
    db = Database.open(tmp_path / "console.duckdb", clock=clock)
    clients = Clients(lambda venue, account: Credentials("paper-key", "paper-secret", base_url=exchange.base_url),
                      clock=clock, sleep=clock.sleep)
    engine = BotEngine(db, clients, clock=clock)
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    yield clock, exchange, db, engine, frame, step_ms
    engine.stop()
    db.close()
    exchange.stop()


def test_dca_at_1800x_buys_on_candle_time_as_the_backtest(fast_replay) -> None:
    clock, exchange, db, engine, frame, step_ms = fast_replay
    bot = BotConfig(name="fast dca", symbol="BTC/USDT", timeframe="1h", strategy="dca", size=Decimal("100"),
                    take_profit_pct=Decimal("1.5"), params={"interval_hours": 12, "max_entries": 20})
    with db.transaction() as cur:
        bot_id = bots.create(cur, bot)
    engine.start_bot(bot_id)
    for _ in range(CYCLES):
        clock.advance(step_ms / 1000 / SPEED)
        engine.run_cycle()
    start_ms = int(clock.start * 1000)
    paper = [(HISTORY + (t["time"] - start_ms) * SPEED // step_ms, "buy" if t["isBuyer"] else "sell")
             for t in exchange.exchange_trades("spot")]
    candles = frame.iloc[: HISTORY + CYCLES + 1].reset_index(drop=True)
    run = run_backtest(bot, candles, symbol_rules(bot.symbol, bot.market), warmup=HISTORY)
    expected = [(f.index, f.side) for f in run.fills if f.index < HISTORY + CYCLES]
    buys = [c for c, side in paper if side == "buy"]
    assert len(buys) >= 5, "12 h of candle time passes every 12 cycles: several buys, not one"
    assert paper == expected
