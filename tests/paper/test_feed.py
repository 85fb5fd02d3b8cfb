"""Feeds: the seeded walk, the replay of shared candles, pinned prices, the feed the exchange reports."""
from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import Market
from console.errors import StorageError
from console.exchange.connect import make_ccxt
from console.paper import LiveFeed, PaperExchange, ReplayFeed, SyntheticFeed

from tests.conftest import ROOT

START = 1_780_000_000.0


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def candles(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


def test_synthetic_walk_is_seeded_and_moves_with_the_clock() -> None:
    clock = Clock()
    a, b, c = SyntheticFeed(seed=7, clock=clock), SyntheticFeed(seed=7, clock=clock), SyntheticFeed(seed=8, clock=clock)
    assert a.price("BTCUSDT") == b.price("BTCUSDT") != c.price("BTCUSDT")
    assert (a.kind, a.describe()) == ("synthetic", "synthetic walk (seed 7)")
    first = a.price("ETHUSDT")
    clock.now += 600
    assert a.price("ETHUSDT") != first
    rows = a.klines("BTCUSDT", 3_600_000, limit=100)
    assert len(rows) == 100 and all(r[3] <= min(r[1], r[4]) <= max(r[1], r[4]) <= r[2] for r in rows)
    assert rows[-1][4] == pytest.approx(float(a.price("BTCUSDT")), rel=1e-9)


def test_replay_starts_inside_the_file_with_history_before_now(shared_data: Path) -> None:
    path = shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv"
    rows = candles(path)
    clock = Clock()
    feed = ReplayFeed(path, speed=60.0, clock=clock, history=100)
    assert (feed.kind, feed.describe()) == ("replay", "replay of binance_spot_BTCUSDT_1h.csv at 60x")
    history = feed.klines("BTCUSDT", 3_600_000, limit=50)
    # the 50 hourly candles before now are the file's candles 51..100, shifted to now
    for got, row in zip(history[:-1], rows[51:100]):
        assert (got[1], got[2], got[3], got[4]) == tuple(float(row[k]) for k in ("open", "high", "low", "close"))
    assert history[-1][1] == float(rows[100]["open"])
    assert history[-1][0] <= START * 1000 < history[-1][0] + 3_600_000


def test_replay_moves_through_the_candles_at_speed(shared_data: Path) -> None:
    path = shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv"
    rows = candles(path)
    clock = Clock(START - START % 3600)  # start on a candle boundary
    feed = ReplayFeed(path, speed=60.0, clock=clock, history=100)
    assert feed.price("BTCUSDT") == Decimal(rows[100]["open"])
    clock.now += 60  # 60 wall seconds at 60x: one hour of candles later
    assert feed.price("BTCUSDT") == Decimal(rows[101]["open"])
    clock.now += 30  # half-way through candle 101: past its low/high turning points at 1/3 and 2/3
    low, high = float(rows[101]["low"]), float(rows[101]["high"])
    assert low <= float(feed.price("BTCUSDT")) <= high
    clock.now += 10 ** 7  # past the end: the last close holds
    assert feed.price("BTCUSDT") == Decimal(rows[-1]["close"])


def test_replay_scales_other_symbols(shared_data: Path) -> None:
    path = shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv"
    clock = Clock()
    feed = ReplayFeed(path, speed=60.0, clock=clock, symbols={"ETHUSDT": 0.1})
    assert float(feed.price("ETHUSDT")) == pytest.approx(float(feed.price("BTCUSDT")) * 0.1, rel=1e-9)
    sol = float(feed.price("SOLUSDT"))
    assert 50 < sol < 500  # scaled from SOL's base price, following BTC's path


def test_exchange_serves_the_replay_through_ccxt(shared_data: Path) -> None:
    path = shared_data / "candles" / "binance_usdm_LTCUSDT_5m.csv"
    rows = candles(path)
    clock = Clock(START - START % 300)
    feed = ReplayFeed(path, speed=1.0, clock=clock, history=200)
    exchange = PaperExchange(futures_rules=shared_data / "exchange_info" / "binance_usdm_exchangeInfo_2025-08-07.json",
                             feed=feed)
    url = exchange.start()
    try:
        futures = make_ccxt(Market.FUTURES, base_url=url, api_key="paper-key", api_secret="paper-secret")
        ohlcv = futures.fetch_ohlcv("LTC/USDT:USDT", "5m", limit=20)
        assert [c[4] for c in ohlcv[:-1]] == [float(r["close"]) for r in rows[181:200]]
        assert futures.fetch_ticker("LTC/USDT:USDT")["last"] == float(rows[200]["open"])
        assert exchange.feed.describe() == "replay of binance_usdm_LTCUSDT_5m.csv at 1x"
    finally:
        exchange.stop()


def test_set_price_pins_and_releases() -> None:
    clock = Clock()
    feed = SyntheticFeed(seed=7, clock=clock)
    walk = feed.price("BTCUSDT")
    feed.set_price("BTCUSDT", Decimal("12345.67"))
    clock.now += 3600
    assert feed.price("BTCUSDT") == Decimal("12345.67")
    assert feed.klines("BTCUSDT", 60_000, limit=1)[0][4] == 12345.67
    feed.set_price("BTCUSDT", None)
    assert feed.price("BTCUSDT") not in (Decimal("12345.67"), walk)


def test_default_feed_is_the_seeded_walk() -> None:
    exchange = PaperExchange()
    assert exchange.feed.kind == "synthetic" and exchange.feed.describe() == "synthetic walk (seed 7)"


def test_live_feed_is_only_described_here() -> None:
    feed = LiveFeed()  # constructing it opens no connection
    assert (feed.kind, feed.describe()) == ("live", "live Binance prices")


def test_standalone_command_serves(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "console.paper", "--port", "0", "--data-dir", str(tmp_path),
                                "--api-key", "k", "--api-secret", "s"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("paper exchange at http://127.0.0.1:") and "synthetic walk (seed 7)" in line
        url = line.split()[3]
        spot = make_ccxt(Market.SPOT, base_url=url, api_key="k", api_secret="s")
        assert spot.fetch_balance()["USDT"]["free"] == 10000.0
        with pytest.raises(StorageError, match="another data folder"):  # the state file is that process's
            PaperExchange(data_dir=tmp_path)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "paper.duckdb").is_file()
