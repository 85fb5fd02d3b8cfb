"""History download: one month of 1m candles from a local archive vs the same month through REST pages.

Both sides run on this machine over real HTTP: the archive is a data.binance.vision copy served
from a temporary folder (one monthly zip + CHECKSUM), REST is the paper exchange replaying the same
candles at their real times (spot, 1000 candles a page). The month is synthetic and seeded (the
shared data holds no whole month of 1m candles): April 2024, 43,200 candles. Each side downloads
into a fresh store (verified, parsed, written as Parquet); the median of several runs is printed.
Then a stored year of 1m candles (527,040 rows in 12 files) is read back whole and fitted to a chart.

Last line: ``ratio <archive seconds / REST seconds>`` (lower is better for the archive).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.history.download import Downloader  # noqa: E402
from console.history.series import Series, month_bounds, to_ms  # noqa: E402
from console.history.store import HistoryStore  # noqa: E402
from console.paper import PaperExchange  # noqa: E402
from console.paper.feed import ReplayFeed  # noqa: E402
from tests.history.archive_server import ArchiveServer, write_klines  # noqa: E402

MONTH = "2024-04"
SERIES = Series.klines("spot", "BTCUSDT", "1m")
ARCHIVE_RUNS = 7
REST_RUNS = 3
READ_RUNS = 7


def synthetic(start: int, end: int, seed: int) -> pd.DataFrame:
    """Seeded 1m candles on [start, end), prices on BTCUSDT's 0.01 tick."""
    ts = np.arange(start, end, 60_000, dtype="int64")
    rng = np.random.default_rng(seed)
    close = np.round(60_000 * np.exp(np.cumsum(rng.normal(0, 0.0008, len(ts)))), 2)
    opened = np.concatenate([[60_000.0], close[:-1]])
    spread = np.abs(rng.normal(0, 15, len(ts)))
    high = np.round(np.maximum(opened, close) + spread, 2)
    low = np.round(np.minimum(opened, close) - spread, 2)
    volume = np.round(rng.uniform(1, 50, len(ts)), 5)
    return pd.DataFrame({"ts": ts, "open": opened, "high": high, "low": low, "close": close, "volume": volume})


def replay_exchange(frame: pd.DataFrame, folder: Path) -> tuple[PaperExchange, float]:
    """The paper exchange replaying ``frame`` at its real times, its clock 30 s into the next candle."""
    last = frame.iloc[-1]
    extra = pd.DataFrame([{"ts": int(last.ts) + 60_000, "open": last.close, "high": last.close, "low": last.close,
                           "close": last.close, "volume": 0.0}])
    path = folder / "binance_spot_BTCUSDT_1m_replay.csv"
    pd.concat([frame, extra]).rename(columns={"ts": "timestamp"}).to_csv(path, index=False)
    now = (int(extra.ts.iloc[0]) + 30_000) / 1000
    clock = lambda: now  # noqa: E731
    exchange = PaperExchange(feed=ReplayFeed(path, speed=1.0, clock=clock, history=len(frame)), clock=clock,
                             enforce_weight_limits=False)
    exchange.start()
    return exchange, now


def timed_download(folder: Path, archive_url: str, rest_url: str, now: float, use_archive: bool) -> tuple[float, int, int]:
    store = HistoryStore(folder)
    fetch = Downloader(store, archive_url=archive_url, rest_url=lambda market: rest_url, clock=lambda: now,
                       use_archive=use_archive)
    began = time.perf_counter()
    report = fetch.download(SERIES, *month_bounds(MONTH))
    seconds = time.perf_counter() - began
    rows = len(store.read(SERIES))
    store.close()
    return seconds, rows, report.rest_pages


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    month = synthetic(*month_bounds(MONTH), seed=11)
    write_klines(work / "archive", SERIES, month, monthly=[MONTH])
    archive = ArchiveServer(work / "archive").start()
    exchange, now = replay_exchange(month, work)
    try:
        archive_runs = [timed_download(work / f"a{i}", archive.base_url, "http://127.0.0.1:9", now, True)
                        for i in range(ARCHIVE_RUNS)]
        rest_runs = [timed_download(work / f"r{i}", archive.base_url, exchange.base_url, now, False)
                     for i in range(REST_RUNS)]
    finally:
        archive.stop()
        exchange.stop()
    assert all(rows == len(month) for _, rows, _ in archive_runs + rest_runs), "a side stored other candles"
    a = HistoryStore(work / "a0").read(SERIES)
    r = HistoryStore(work / "r0").read(SERIES)
    pd.testing.assert_frame_equal(a[["ts", "open", "high", "low", "close", "volume"]],
                                  r[["ts", "open", "high", "low", "close", "volume"]])
    archive_s = statistics.median(s for s, _, _ in archive_runs)
    rest_s = statistics.median(s for s, _, _ in rest_runs)
    pages = rest_runs[0][2]

    year = HistoryStore(work / "year")
    frame = synthetic(to_ms("2023-05-01"), to_ms("2024-05-01"), seed=12)
    for i in range(12):
        label = pd.Timestamp(to_ms("2023-05-01") + i * 31 * 86_400_000, unit="ms").strftime("%Y-%m")
        year.merge(SERIES, label, frame, [month_bounds(label)], "bench")
    reads, fits = [], []
    for _ in range(READ_RUNS):
        began = time.perf_counter()
        whole = year.read(SERIES)
        reads.append(time.perf_counter() - began)
        began = time.perf_counter()
        fitted = year.read(SERIES, max_candles=5000)
        fits.append(time.perf_counter() - began)
    size = sum(p.stat().st_size for p in year.month_files(SERIES)) / 1e6

    print(f"one month of 1m candles ({len(month):,} rows), median of {ARCHIVE_RUNS} / {REST_RUNS} runs:")
    print(f"  archive (1 monthly zip + CHECKSUM, verified, parsed, stored): {archive_s * 1000:8.1f} ms")
    print(f"  REST from the paper exchange ({pages} pages of 1000):           {rest_s * 1000:8.1f} ms")
    print(f"stored year of 1m candles: {len(whole):,} rows in 12 files, {size:.1f} MB on disk")
    print(f"  read whole into pandas: median {statistics.median(reads) * 1000:.1f} ms")
    print(f"  read fitted to 5,000 candles in DuckDB: median {statistics.median(fits) * 1000:.1f} ms "
          f"({len(fitted):,} {fitted.attrs['timeframe']} candles)")
    print(f"ratio {archive_s / rest_s:.3f}")


if __name__ == "__main__":
    main()
