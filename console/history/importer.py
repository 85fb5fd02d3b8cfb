"""Import a candle CSV (``timestamp,open,high,low,close,volume``) into the store.

``timestamp`` is the candle's open time in ms (seconds and microseconds are recognised by their
magnitude). The file counts as covering what it holds, from its first candle to its last.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from console.errors import ConfigError
from console.history.archive import KLINE_COLUMNS, tidy, to_milliseconds
from console.history.series import TIMEFRAMES, Kind, Series, month_bounds, months, ms_text, next_open
from console.history.store import HistoryStore

REQUIRED = ("timestamp", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Imported:
    series: Series
    rows: int
    months: int
    first: int
    last: int

    def text(self) -> str:
        return (f"Imported {self.rows:,} candles of {self.series.label} ({ms_text(self.first)} → "
                f"{ms_text(self.last)}) into {self.months} month file(s).")


def read_candle_csv(source: Path | bytes | str) -> pd.DataFrame:
    """The candles of a CSV as stored rows; raise ConfigError saying what is wrong with the file."""
    name = str(source) if isinstance(source, (str, Path)) else "the uploaded file"
    try:
        raw = pd.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise ConfigError(f"cannot read {name} as CSV ({e}); give a file with a header line "
                          f"{','.join(REQUIRED)}") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    raw = raw.rename(columns={"open_time": "timestamp", "time": "timestamp"})
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise ConfigError(f"{name} lacks the column(s) {', '.join(missing)}; its header must be "
                          f"{','.join(REQUIRED)}")
    if raw.empty:
        raise ConfigError(f"{name} has no candles")
    numbers = raw[list(REQUIRED)].apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna().any(axis=1) | ~np.isfinite(numbers.to_numpy(dtype="float64")).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ConfigError(f"{name} line {row} has a value that is not a number; fix or remove that line")
    prices = numbers[["open", "high", "low", "close"]]
    wrong = (prices["high"] < prices[["open", "close", "low"]].max(axis=1)) | \
            (prices["low"] > prices[["open", "close", "high"]].min(axis=1)) | (prices <= 0).any(axis=1)
    if wrong.any():
        row = int(np.flatnonzero(wrong.to_numpy())[0]) + 2
        raise ConfigError(f"{name} line {row}: high must be the highest price, low the lowest, all above 0")
    ts = numbers["timestamp"].astype("int64").to_numpy()
    ts = np.where(ts < 10 ** 11, ts * 1000, to_milliseconds(ts))  # seconds, ms or µs
    frame = pd.DataFrame({"ts": ts, "open": prices["open"], "high": prices["high"], "low": prices["low"],
                          "close": prices["close"], "volume": numbers["volume"], "quote_volume": np.nan,
                          "trades": pd.array([None] * len(ts), dtype="Int64")})
    return tidy(frame[list(KLINE_COLUMNS)], Kind.KLINES)


def infer_timeframe(frame: pd.DataFrame) -> str:
    """The Binance interval matching the CSV's usual spacing; ConfigError when none does."""
    if len(frame) < 2:
        raise ConfigError("one candle does not tell its timeframe; choose the timeframe")
    spacing = int(np.median(np.diff(frame["ts"].to_numpy())))
    for name, step in TIMEFRAMES.items():
        if step == spacing:
            return name
    raise ConfigError(f"candles {spacing / 1000:g} s apart are not a Binance interval; choose the timeframe")


def import_csv(store: HistoryStore, market: str, symbol: str, source: Path | bytes | str,
               timeframe: str = "") -> Imported:
    """Store the CSV's candles as (market, symbol, timeframe); the timeframe is inferred when empty."""
    frame = read_candle_csv(source)
    timeframe = timeframe or infer_timeframe(frame)
    series = Series.klines(market, symbol, timeframe)
    step = TIMEFRAMES[timeframe]
    if step is not None:
        off = (np.diff(frame["ts"].to_numpy()) % step) != 0
        if off.any():
            at = int(frame["ts"].iloc[int(np.flatnonzero(off)[0]) + 1])
            raise ConfigError(f"the candle at {ms_text(at)} is not on the {timeframe} grid; choose the "
                              "timeframe the file was made with")
    first, last = int(frame["ts"].iloc[0]), int(frame["ts"].iloc[-1])
    end = next_open(last, timeframe)
    touched = months(first, end)
    for month in touched:
        lo, hi = month_bounds(month)
        store.merge(series, month, frame, [(max(first, lo), min(end, hi))], "csv")
    return Imported(series, len(frame), len(touched), first, last)
