"""History fixtures: real Binance candles served as a local archive and through the paper exchange's REST."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from console.history.download import Downloader
from console.history.series import TIMEFRAMES, to_ms
from console.history.store import HistoryStore
from console.paper import PaperExchange
from console.paper.feed import ReplayFeed
from tests.history.archive_server import ArchiveServer

BTC_1H = "candles/binance_spot_BTCUSDT_1h.csv"  # 2020-11-17 -> 2021-05-16, 7 real outages


def candles(path: Path) -> pd.DataFrame:
    """A shared candle CSV as the stored columns (ts in ms)."""
    frame = pd.read_csv(path).rename(columns={"timestamp": "ts"})
    return frame.astype({"ts": "int64"})[["ts", "open", "high", "low", "close", "volume"]]


@pytest.fixture(scope="session")
def btc_1h(shared_data: Path) -> pd.DataFrame:
    return candles(shared_data / BTC_1H)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(tmp_path / "history")
    yield store
    store.close()


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def archive(archive_root: Path) -> Iterator[ArchiveServer]:
    server = ArchiveServer(archive_root).start()
    yield server
    server.stop()


@pytest.fixture
def replay(tmp_path: Path, shared_data: Path) -> Iterator[Callable[[pd.DataFrame, str, str], tuple[str, float]]]:
    """Start a paper exchange replaying ``frame`` at its real times; return (its URL, its fixed clock).

    The clock stands 30 s into one extra candle after the frame's last, so every candle of the
    frame is closed and the paper exchange answers klines with the frame's own timestamps.
    """
    started: list[PaperExchange] = []

    def start(frame: pd.DataFrame, symbol: str, timeframe: str) -> tuple[str, float]:
        step = TIMEFRAMES[timeframe]
        assert step is not None
        last = frame.iloc[-1]
        extra = pd.DataFrame([{"ts": int(last.ts) + step, "open": last.close, "high": last.close,
                               "low": last.close, "close": last.close, "volume": 0.0}])
        path = tmp_path / f"binance_replay_{symbol}_{timeframe}.csv"
        pd.concat([frame, extra]).rename(columns={"ts": "timestamp"}).to_csv(path, index=False)
        now = (int(extra.ts.iloc[0]) + 30_000) / 1000
        clock = lambda: now  # noqa: E731
        feed = ReplayFeed(path, speed=1.0, clock=clock, history=len(frame))
        exchange = PaperExchange(
            spot_rules=shared_data / "exchange_info" / "binance_spot_exchangeInfo_2025-08-07.json",
            futures_rules=shared_data / "exchange_info" / "binance_usdm_exchangeInfo_2025-08-07.json",
            feed=feed, clock=clock)
        started.append(exchange)
        return exchange.start(), now

    start.exchanges = started  # type: ignore[attr-defined]
    yield start
    for exchange in started:
        exchange.stop()


def downloader(store: HistoryStore, archive_url: str, rest_url: str, now: float | str, **options) -> Downloader:
    """A Downloader at a fixed time ``now`` (epoch seconds or an ISO date) against local servers."""
    at = now if isinstance(now, float) else to_ms(now) / 1000
    return Downloader(store, archive_url=archive_url, rest_url=lambda market: rest_url, clock=lambda: at, **options)


def stored(store: HistoryStore, series) -> pd.DataFrame:
    """What the store holds, ts back in ms, for comparing with a source frame."""
    frame = store.read(series)
    frame["ts"] = frame["ts"].dt.as_unit("ms").astype("int64")
    return frame.reset_index(drop=True)


def same_candles(got: pd.DataFrame, want: pd.DataFrame) -> None:
    columns = ["ts", "open", "high", "low", "close", "volume"]
    pd.testing.assert_frame_equal(got[columns].reset_index(drop=True), want[columns].reset_index(drop=True),
                                  check_dtype=False)
