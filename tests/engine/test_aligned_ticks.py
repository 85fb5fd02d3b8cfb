"""Candle-aligned ticks: bots decide at their candle's close on the engine's clock, one fetch per pair."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from console.domain import BotConfig, BotState
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.paper import PaperExchange, ReplayFeed
from console.storage import bots
from console.storage.db import Database
from tests.engine.conftest import Clock

HOUR = 3600.0


def dca_bot(**overrides) -> dict:
    # a DCA bot buys at every decision once half an hour has passed since its last buy
    fields = dict(name="dca", symbol="BTC/USDT", timeframe="1h", strategy="dca",
                  params={"interval_hours": 0.5, "max_entries": 100}, size=Decimal("20"),
                  max_trades_per_day=1000)
    fields.update(overrides)
    return fields


def running(stack, **fields) -> int:
    bot_id = stack.add_bot(**dca_bot(**fields))
    stack.engine.start_bot(bot_id)
    return bot_id


def requests(exchange, path: str) -> list[float]:
    """The exchange's clock at every request on ``path`` from now on."""
    seen: list[float] = []
    exchange.observers.append(lambda method, p, params: seen.append(exchange.clock()) if p == path else None)
    return seen


def orders_sent(exchange, path: str) -> list[float]:
    """The exchange's clock when each new order was first sent on ``path`` from now on: not its look-ups,
    nor its sending again under the same client order id after a refusal (ccxt signs with the real
    clock, so the first signed request after the test moves the exchange's clock is refused with
    -1021 and sent again after a resync: the same order)."""
    seen: list[float] = []
    ids: set[str] = set()

    def observe(method, p, params) -> None:
        if p == path and method == "POST" and params.get("newClientOrderId") not in ids:
            ids.add(params.get("newClientOrderId"))
            seen.append(exchange.clock())

    exchange.observers.append(observe)
    return seen


def next_close(now: float, step: float = HOUR) -> float:
    return (now // step + 1) * step


def opened_before(close: float, step: float = HOUR) -> pd.Timestamp:
    return pd.Timestamp(close - step, unit="s", tz="UTC")


def test_a_bot_decides_at_its_candle_close_not_at_the_next_cycle(stack):
    bot_id = running(stack)
    stack.engine.run_cycle()  # the first decision, on the candle closed before the bot started
    orders = orders_sent(stack.exchange, "/api/v3/order")
    close = next_close(stack.clock() + HOUR / 2)  # past the half hour the DCA waits between buys
    stack.clock.now = close + 0.1  # the engine loop wakes every 0.2 s: it runs within that after the close
    cycles = stack.engine.cycles

    stack.engine.run_due()

    assert stack.engine.cycles == cycles  # no cycle ran
    assert stack.engine._runtime[bot_id].last_candle == opened_before(close)
    assert orders and all(close <= t <= close + 0.2 for t in orders)


def test_the_closed_candle_is_fetched_once_per_pair_for_every_bot_on_it(stack):
    btc = [running(stack, name=f"btc-{i}") for i in range(3)]
    eth = running(stack, name="eth", symbol="ETH/USDT")
    stack.engine.run_cycle()
    klines = requests(stack.exchange, "/api/v3/klines")
    close = next_close(stack.clock())
    stack.clock.now = close + 0.1

    stack.engine.run_due()

    assert len(klines) == 2  # BTC/USDT 1h and ETH/USDT 1h
    for bot_id in (*btc, eth):
        assert stack.engine._runtime[bot_id].last_candle == opened_before(close)


@pytest.fixture
def lagging(shared_data: Path, tmp_path: Path):
    """An exchange (and its clients) whose clock runs 0.5 s behind the engine's: at the engine's
    close the venue has not published the candle yet."""
    clock = Clock()
    behind = lambda: clock() - 0.5  # noqa: E731
    feed = ReplayFeed(shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv", speed=1, clock=behind)
    exchange = PaperExchange(data_dir=None, feed=feed, clock=behind, sleep=clock.sleep)
    exchange.start()
    db = Database.open(tmp_path / "console.duckdb", clock=clock)
    clients = Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=exchange.base_url),
                      clock=behind, sleep=clock.sleep)
    engine = BotEngine(db, clients, clock=clock)
    yield clock, exchange, db, engine
    engine.stop()
    db.close()
    exchange.stop()


def test_a_candle_not_yet_published_is_retried_then_used(lagging):
    clock, exchange, db, engine = lagging
    with db.transaction() as cur:
        bot_id = bots.create(cur, BotConfig(**dca_bot()))
        bots.set_state(cur, bot_id, BotState.RUNNING)
    engine.run_cycle()
    klines = requests(exchange, "/api/v3/klines")
    close = next_close(clock())
    clock.now = close + 0.1

    engine.run_due()  # the venue is at close - 0.4: its last closed candle is the one before
    assert engine._runtime[bot_id].last_candle == opened_before(close - HOUR)
    assert len(klines) == 1 and engine.aligned.retries == 1

    for step in range(4):  # the loop's wake-ups, 0.2 s apart
        clock.now = close + 0.3 + 0.2 * step
        engine.run_due()

    assert engine._runtime[bot_id].last_candle == opened_before(close)
    assert len(klines) == 3  # at +0.1 and +0.3 not there yet, at +0.5 published; then no more
    assert engine.aligned.retries == 2


def test_aligned_ticks_ask_no_more_klines_per_minute_than_the_cycle(stack):
    for i in range(3):
        running(stack, name=f"m-{i}", timeframe="1m", symbol="ETH/USDT")

    def klines_over(engine: BotEngine, minutes: int) -> int:
        stack.engine = engine
        engine.run_cycle()
        klines = requests(stack.exchange, "/api/v3/klines")
        for wake in range(minutes * 300):  # the loop wakes every 0.2 s, a cycle every 2 s
            stack.clock.advance(0.2)
            if wake % 10 == 9:
                engine.run_cycle()
            else:
                engine.run_due()
        stack.exchange.observers.clear()
        return len(klines)

    aligned = klines_over(stack.engine, 3)
    stack.engine.stop()
    cycle_only = klines_over(BotEngine(stack.db, stack.clients, clock=stack.clock, aligned=False), 3)

    assert aligned <= cycle_only
    assert aligned == 3  # one per candle close
