"""Market history: Binance klines (spot, USD-M) and USD-M funding rates, downloaded and stored locally.

    store = open_store(settings)
    report = downloader(settings, store).download(Series.klines("spot", "BTC/USDT", "1m"),
                                                  to_ms("2024-01-01"), progress=print)
    candles = store.read(Series.klines("spot", "BTCUSDT", "1m"), max_candles=5000)

- ``series``: what a series is, Binance's intervals, month/day arithmetic in epoch ms;
- ``archive``: data.binance.vision zips verified against their CHECKSUM files (the fast path);
- ``rest``: REST klines / funding pages for the tail the archive does not have yet;
- ``download``: what is missing, fetched month by month, resumable, with progress and cancel;
- ``store``: one Parquet file per (series, month), read by DuckDB, gaps found;
- ``importer``: a candle CSV into the store; ``resample``: candles fitted to a chart;
- ``jobs``: a download on a background thread for the pages; ``python -m console.history``: the CLI.

The base URLs are settings (CONSOLE_HISTORY_ARCHIVE_URL, CONSOLE_HISTORY_REST_URL): by default
Binance's public servers, reached only when a person asks for a download.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from console.config import Settings, ensure_private_dir
from console.domain import Market
from console.history.download import Downloader, Progress, Report
from console.history.series import TIMEFRAMES, Kind, Series, ms_text, to_ms
from console.history.store import Gap, HistoryStore, Summary


def open_store(settings: Settings) -> HistoryStore:
    """The store under the settings' data folder (created owner-only)."""
    ensure_private_dir(settings.data_dir)
    return HistoryStore(ensure_private_dir(settings.history_dir))


def downloader(settings: Settings, store: HistoryStore, *, clock: Callable[[], float] = time.time,
               workers: int = 4) -> Downloader:
    """A Downloader reaching the archive and REST base URLs of the settings."""
    history = settings.history
    return Downloader(store, archive_url=history.archive_url,
                      rest_url=lambda market: history.rest_base(Market(market).value), clock=clock, workers=workers)


def leaves_machine(settings: Settings) -> bool:
    """True when a download reaches beyond this machine (Binance's servers by default)."""
    local = ("http://127.", "http://localhost", "http://[::1]")
    urls = [settings.history.archive_url] + [settings.history.rest_base(m.value) for m in Market]
    return not all(url.startswith(local) for url in urls)


def sources(settings: Settings) -> str:
    """Where downloads come from, for a person."""
    history = settings.history
    rest = history.rest_url or f"{history.rest_base('spot')} and {history.rest_base('futures')}"
    return f"archive {history.archive_url}, REST {rest}"


__all__ = ["TIMEFRAMES", "Downloader", "Gap", "HistoryStore", "Kind", "Progress", "Report", "Series", "Summary",
           "downloader", "leaves_machine", "ms_text", "open_store", "sources", "to_ms"]
