"""The futures model (console/futures_model.py) and the backtest's funding and liquidation from it.

Liquidation prices are Binance's isolated one-way formula worked by hand with BTCUSDT's brackets
(first: MMR 0.4 %, cum 0 up to 50,000 USDT; second: MMR 0.5 %, cum 50). The backtest runs on real
6-hour candles with Binance's recorded funding rates; its funding is checked against the paper
feed's own price path, its liquidations against the candles.
"""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

from console.backtest import run_backtest, symbol_rules
from console.clock import ManualClock
from console.domain import BotConfig, Market
from console.futures_model import (
    crossed, funding_payment, funding_times, liquidation_fill_price, liquidation_price, price_on_candle,
)
from console.paper import ReplayFeed
from console.paper.rules import leverage_brackets

BTC = leverage_brackets("BTCUSDT")


@pytest.mark.parametrize("amount, entry, wallet, expected", [
    # (6.0003 - 300.015) / (0.00004 - 0.01): a 50x long of 0.01 BTC
    ("0.01", "30001.5", "6.0003", "29519.54819277"),
    # (11.9994 + 299.985) / (0.00004 + 0.01): a 25x short
    ("-0.01", "29998.5", "11.9994", "31074.14342629"),
    # 60,000 USDT notional: second bracket, (6000 + 50 - 60000) / (0.01 - 2)
    ("2", "30000", "6000", "27110.55276382"),
    # 51,000 at entry (second bracket) but 46,084 at the liquidation price: the first bracket's rate
    # and amount, as Binance's note says: (5100 - 51000) / (0.0068 - 1.7)
    ("1.7", "30000", "5100", "27108.43373494"),
    # 1x long: the margin covers a fall to zero
    ("1", "30000", "30000", "0"),
    ("0", "30000", "0", "0"),
])
def test_liquidation_price_is_binances_isolated_formula(amount, entry, wallet, expected):
    assert liquidation_price(D(amount), D(entry), D(wallet), BTC) == D(expected)


@pytest.mark.parametrize("liq, tick, long, fill", [
    ("29519.54819277", "0.1", True, "29519.5"), ("31074.14342629", "0.1", False, "31074.2"),
    ("29519.5", "0.1", True, "29519.5"),
])
def test_a_liquidation_fills_on_the_tick_against_the_position(liq, tick, long, fill):
    assert liquidation_fill_price(D(liq), D(tick), long) == D(fill)


def test_crossed_reads_the_side_of_the_position():
    assert crossed(D("0.01"), D("29519.5"), D("29519.5"), D("30000"))
    assert not crossed(D("0.01"), D("29519.5"), D("29519.6"), D("30000"))
    assert crossed(D("-0.01"), D("31074.1"), D("30000"), D("31074.1"))
    assert not crossed(D("0.01"), D("0"), D("1"), D("2"))  # cannot be liquidated


@pytest.mark.parametrize("amount, mark, rate, paid", [
    ("0.01", "30000", "0.0001", "0.03"),  # a long pays a positive rate
    ("-0.1", "2000", "0.0001", "-0.02"),  # a short receives it
    ("0.092", "10860.3", "-0.00022270", "-0.22251017"),  # a negative rate: the long receives, to 8 places
])
def test_funding_payment(amount, mark, rate, paid):
    assert funding_payment(D(amount), D(mark), D(rate)) == D(paid)


def test_funding_times_are_binances_eight_hour_grid():
    day = 1_600_000_000_000 // 86_400_000 * 86_400_000
    assert list(funding_times(day - 1, day + 86_400_000)) == [day, day + 28_800_000, day + 57_600_000,
                                                              day + 86_400_000]
    assert list(funding_times(day, day + 28_799_999)) == []


def test_the_candle_path_is_the_paper_feeds(shared_data: Path):
    path = shared_data / "candles" / "binance_spot_BTCUSDT_6h.csv"
    raw = pd.read_csv(path)
    clock = ManualClock(1_700_000_000)
    feed = ReplayFeed(path, speed=1, clock=clock, history=0)
    step = 21_600_000
    for i in (0, 1, 7, 100):
        o, h, low, c = (float(raw[k].iloc[i]) for k in ("open", "high", "low", "close"))
        for offset in (0, 1, 7_200_000, 7_200_010, 10_000_000, 14_400_000, 21_599_999):
            at = int(raw["timestamp"].iloc[i]) + feed.shift_ms + offset
            assert feed.price_at("BTCUSDT", at) == D(f"{price_on_candle(o, h, low, c, offset / step):.10g}")


@pytest.fixture
def slice_6h(shared_data: Path):
    raw = pd.read_csv(shared_data / "candles" / "binance_spot_BTCUSDT_6h.csv")
    raw = raw[raw["timestamp"] >= 1_599_264_000_000].iloc[:181].reset_index(drop=True)  # from 2020-09-05
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    rates = pd.read_csv(shared_data / "candles" / "binance_usdm_BTCUSDT_funding_rate.csv")
    funding = pd.DataFrame({"ts": rates["fundingTime"].astype("int64"), "rate": rates["fundingRate"].astype(float)})
    return frame, funding


def bot(leverage: int) -> BotConfig:
    return BotConfig(name="risk", symbol="BTC/USDT", market=Market.FUTURES, timeframe="6h", strategy="ma_cross",
                     params={"fast": 3, "slow": 8, "ma_type": "sma"}, size=D("100"), allow_short=True,
                     leverage=leverage)


def test_backtest_funding_is_amount_times_the_path_price_times_the_recorded_rate(slice_6h):
    frame, funding = slice_6h
    run = run_backtest(bot(3), frame, symbol_rules("BTC/USDT", Market.FUTURES), warmup=40, funding=funding)
    ts = ((frame["ts"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).to_numpy()
    step = 21_600_000
    total = D(0)
    for trade in run.trades:
        long = trade.direction == "long"
        end = trade.exit_ts + (step if trade.exit_reason != "signal" else 0)
        expected = D(0)
        for at, rate in zip(funding["ts"], funding["rate"]):
            if trade.entry_ts < at <= end:
                k = int((ts <= at).sum()) - 1
                row = frame.iloc[k]
                mark = D(f"{price_on_candle(row.open, row.high, row.low, row.close, (at - ts[k]) / step):.10g}")
                mark = (mark / D("0.1")).to_integral_value(rounding="ROUND_FLOOR") * D("0.1")
                expected += funding_payment(trade.quantity if long else -trade.quantity, mark, D(str(rate)))
        assert trade.funding == expected
        total += trade.funding
    assert total != 0 and len(run.trades) >= 4


def test_backtest_liquidates_at_the_model_price_on_the_first_candle_that_reaches_it(slice_6h):
    frame, funding = slice_6h
    leverage = 30
    run = run_backtest(bot(leverage), frame, symbol_rules("BTC/USDT", Market.FUTURES), warmup=40, funding=funding)
    liquidated = [t for t in run.trades if t.exit_reason == "liquidation"]
    assert len(liquidated) >= 2
    for trade in liquidated:
        amount = trade.quantity if trade.direction == "long" else -trade.quantity
        margin = trade.quantity * trade.entry_price / leverage - trade.funding
        liq = liquidation_price(amount, trade.entry_price, margin, BTC)
        assert trade.exit_price == liquidation_fill_price(liq, D("0.1"), amount > 0)
        assert trade.pnl == -(trade.quantity * trade.entry_price / leverage) - trade.fees  # the margin is lost
        lows = frame["low"].iloc[trade.entry_index:trade.exit_index + 1].map(lambda v: D(repr(v)))
        highs = frame["high"].iloc[trade.entry_index:trade.exit_index + 1].map(lambda v: D(repr(v)))
        reached = [(lo <= liq) if amount > 0 else (hi >= liq) for lo, hi in zip(lows, highs)]
        assert reached[-1] and not any(reached[:-1])
