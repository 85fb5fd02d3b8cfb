"""Parity of funding and liquidation: the engine on the paper exchange and the backtest, one model.

The paper exchange replays real 6-hour BTCUSDT candles (Sep-Oct 2020) with Binance's recorded
BTCUSDT funding rates of those weeks; the backtest runs the same bot over the same candles and
rates. Funding paid in each round trip must be equal to the last 1e-8 USDT, and a high-leverage
isolated position must be liquidated on the same candle at the same price, on both.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from console.backtest import run_backtest, symbol_rules
from console.domain import BotConfig, BotState, Market
from console.engine import liquidation
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.paper import PaperExchange, ReplayFeed
from console.storage import bots
from console.storage import trades as stored_trades
from console.storage.db import Database
from tests.backtest.conftest import HISTORY, Clock, Replay
from tests.backtest.test_parity import paper_fills, side_by_side

CANDLES = "binance_spot_BTCUSDT_6h.csv"
RATES = "binance_usdm_BTCUSDT_funding_rate.csv"
FIRST = "2020-09-05"  # HISTORY candles later the recorded rates begin (2020-09-15)
CYCLES = 140  # HISTORY + CYCLES + 1 <= 200: the engine's window starts at the slice's first candle


@pytest.fixture
def risk_replay(shared_data: Path, tmp_path: Path):
    raw = pd.read_csv(shared_data / "candles" / CANDLES)
    first = int(pd.Timestamp(FIRST, tz="UTC").timestamp() * 1000)
    raw = raw[raw["timestamp"] >= first].iloc[: HISTORY + CYCLES + 2].reset_index(drop=True)
    path = tmp_path / "binance_spot_BTCUSDT_6h_slice.csv"  # the slice the replay reads; not kept
    raw.to_csv(path, index=False)
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    step_ms = int(raw["timestamp"].diff().median())
    clock = Clock(step_ms // 1000)
    rates = shared_data / "candles" / RATES
    feed = ReplayFeed(path, speed=1, clock=clock, history=HISTORY, funding=rates)
    exchange = PaperExchange(data_dir=tmp_path / "paper", feed=feed, clock=clock, sleep=clock.sleep)
    exchange.start()
    db = Database.open(tmp_path / "console.duckdb", clock=clock)

    def credentials(venue, account):
        return Credentials("paper-key", "paper-secret", base_url=exchange.base_url)

    engine = BotEngine(db, Clients(credentials, clock=clock, sleep=clock.sleep), clock=clock)
    recorded = pd.read_csv(rates)
    funding = pd.DataFrame({"ts": recorded["fundingTime"].astype("int64"), "rate": recorded["fundingRate"].astype(str)})
    yield Replay(clock, exchange, db, engine, frame, step_ms), funding, int(raw["timestamp"].iloc[HISTORY])
    engine.stop()
    db.close()
    exchange.stop()


def bot(**overrides) -> BotConfig:
    fields = dict(name="risk", symbol="BTC/USDT", market=Market.FUTURES, timeframe="6h", strategy="ma_cross",
                  params={"fast": 3, "slow": 8, "ma_type": "sma"}, size=Decimal("100"), allow_short=True)
    fields.update(overrides)
    return BotConfig(**fields)


def backtest(replay: Replay, funding: pd.DataFrame, config: BotConfig):
    candles = replay.candles.iloc[: HISTORY + CYCLES + 1].reset_index(drop=True)
    return run_backtest(config, candles, symbol_rules(config.symbol, config.market), warmup=HISTORY,
                        funding=funding.assign(rate=funding["rate"].astype(float)))


def paper_funding(replay: Replay, file_start_ms: int) -> list[tuple[int, Decimal]]:
    """(funding time in the file's time, amount paid) of every funding fee the paper account paid."""
    start_ms = int(replay.clock.start * 1000)
    rows = [i for i in replay.exchange.futures.settlement.income if i.income_type == "FUNDING_FEE"]
    return [(i.time - start_ms + file_start_ms, -i.income) for i in rows]


def test_funding_paid_in_each_round_trip_is_the_same(risk_replay):
    replay, funding, file_start = risk_replay
    config = bot(leverage=3)
    replay.run_bot(config, CYCLES)
    run = backtest(replay, funding, config)
    last = HISTORY + CYCLES
    expected = [f for f in run.fills if f.index < last]
    paper = [f for f in paper_fills(replay, "futures") if f[0] < last]
    assert [(f.index, f.side, f.quantity, f.price, f.fee, f.fee_asset) for f in expected] == paper
    paid = paper_funding(replay, file_start)
    assert len(paid) >= 40, "too few funding times with a position open to compare"
    closed = [t for t in run.trades if t.exit_index < last]
    assert len(closed) >= 4
    for trade in closed:
        # funding up to the exit: a market exit at an open pays the funding at that open first; a
        # resting exit within a candle is matched after the funding times of that candle
        end = trade.exit_ts + (replay.step_ms if trade.exit_reason != "signal" else 0)
        on_paper = sum((amount for at, amount in paid if trade.entry_ts < at <= end), Decimal(0))
        assert on_paper == trade.funding, f"round trip {trade.entry_ts}..{trade.exit_ts}: paper {on_paper}, " \
                                          f"backtest {trade.funding}"
    assert sum((t.funding for t in closed), Decimal(0)) != 0


def test_a_high_leverage_position_is_liquidated_on_the_same_candle_at_the_same_price(risk_replay):
    replay, funding, file_start = risk_replay
    config = bot(leverage=30)  # liquidated after it paid and received funding for a few candles
    replay.run_bot(config, CYCLES)
    run = backtest(replay, funding, config)
    liquidated = [f for f in run.fills if f.reason == "liquidation" and f.index < HISTORY + CYCLES]
    assert liquidated, "the backtest liquidated nothing: choose a higher leverage or another stretch"
    first = liquidated[0]
    expected = [(f.index, f.side, f.quantity, f.price, f.fee, f.fee_asset) for f in run.fills
                if f.index <= first.index][: run.fills.index(first) + 1]
    forced = {o["orderId"] for o in replay.exchange.exchange_orders("futures")
              if o["clientOrderId"].startswith("autoclose-")}
    assert forced, "the paper exchange liquidated nothing"
    trades = replay.exchange.exchange_trades("futures")
    upto = next(k for k, t in enumerate(trades) if t["orderId"] in forced)
    paper = paper_fills(replay, "futures")[: upto + 1]
    assert expected == paper, side_by_side(expected, paper)
    trade = next(t for t in run.trades if t.exit_reason == "liquidation")
    assert trade.exit_price == first.price
    # the isolated margin lost: the liquidation's realised PnL plus what went to the insurance fund
    realized = Decimal(trades[upto]["realizedPnl"])
    [clear] = [i.income for i in replay.exchange.futures.settlement.income if i.income_type == "INSURANCE_CLEAR"][:1]
    assert realized + clear == trade.pnl + trade.fees + trade.funding
    # the funding the liquidated position paid and received before it went, the same on both
    paid = paper_funding(replay, file_start)
    on_paper = sum((amount for at, amount in paid if trade.entry_ts < at <= trade.exit_ts + replay.step_ms),
                   Decimal(0))
    assert on_paper == trade.funding != 0
    # the engine recorded the liquidation as the bot's exit at the backtest's price and quantity, and
    # halted the bot (the backtest trades on; the comparison ends here)
    recorded = [t for t in stored_trades.for_bot(replay.db.cursor(), 1) if liquidation.is_liquidation(t)]
    assert [(t.price, t.quantity) for t in recorded] == [(first.price, first.quantity)]
    assert recorded[0].realized_pnl == realized
    assert bots.get(replay.db.cursor(), 1).state is BotState.HALTED
