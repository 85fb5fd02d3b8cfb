"""Candles resampled to a coarser Binance interval in pandas, so a chart never gets more than it can draw.

The stored history resamples in DuckDB (``HistoryStore.read(max_candles=...)``); this serves
frames already in memory (live candles, a backtest's candles) with the same buckets.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from console.history.series import TIMEFRAMES, bucket, coarser

MAX_CANDLES = 5000


def timeframe_of(frame: pd.DataFrame) -> str:
    """The Binance interval of a candle frame: its ``attrs["timeframe"]``, or the median spacing."""
    named = frame.attrs.get("timeframe")
    if named in TIMEFRAMES:
        return named
    if len(frame) < 2:
        return "1m"
    spacing = int(np.median(np.diff(_ms(frame["ts"]))))
    return next((name for name, step in TIMEFRAMES.items() if step == spacing), "1m")


def fit(frame: pd.DataFrame, max_candles: int = MAX_CANDLES,
        series: Mapping[str, pd.Series] | None = None) -> tuple[pd.DataFrame, dict[str, pd.Series], str]:
    """Return (candles, series, timeframe) with at most ``max_candles`` candles.

    ``series`` (indicators aligned with ``frame``'s rows) keep their last value in each bucket.
    """
    timeframe = timeframe_of(frame)
    extra = {name: pd.Series(values).reset_index(drop=True) for name, values in (series or {}).items()}
    if len(frame) <= max_candles:
        return frame.reset_index(drop=True), extra, timeframe
    target = coarser(timeframe, len(frame), max_candles)
    if target == timeframe:  # no coarser interval: thin by taking every n-th bucket of rows
        size = -(-len(frame) // max_candles)
        keys = np.arange(len(frame)) // size
    else:
        step, offset = bucket(target)
        keys = (_ms(frame["ts"]) - offset) // step
    frame = frame.reset_index(drop=True)
    grouped = frame.groupby(keys, sort=True)
    out = pd.DataFrame({"ts": grouped["ts"].first(), "open": grouped["open"].first(), "high": grouped["high"].max(),
                        "low": grouped["low"].min(), "close": grouped["close"].last()})
    if target != timeframe:
        out["ts"] = pd.to_datetime(np.unique(keys) * step + offset, unit="ms", utc=True)
    if "volume" in frame:
        out["volume"] = grouped["volume"].sum()
    out = out.reset_index(drop=True)
    out.attrs["timeframe"] = target
    thinned = {name: values.groupby(keys, sort=True).last().reset_index(drop=True) for name, values in extra.items()}
    return out, thinned, target


def _ms(ts: pd.Series) -> np.ndarray:
    """Open times as epoch ms, from datetimes of any unit or from numbers of ms."""
    if pd.api.types.is_datetime64_any_dtype(ts):
        return pd.to_datetime(ts, utc=True).dt.as_unit("ms").astype("int64").to_numpy()
    return ts.astype("int64").to_numpy()
