"""Indicators over a close series. Each value at row i uses rows 0..i only."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def sma(close: pd.Series, period: int) -> pd.Series:
    """Return the simple moving average; NaN until ``period`` values exist."""
    return close.rolling(period, min_periods=period).mean()


def ema(close: pd.Series, period: int) -> pd.Series:
    """Return the exponential moving average (alpha = 2 / (period + 1)), seeded by the first close."""
    return close.ewm(span=period, adjust=False, min_periods=period).mean()


def moving_average(close: pd.Series, period: int, kind: str) -> pd.Series:
    """Return ``sma`` or ``ema`` by name."""
    return ema(close, period) if kind == "ema" else sma(close, period)


def wilder_rsi(close: pd.Series, period: int) -> pd.Series:
    """Return Wilder's RSI: first averages are plain means of ``period`` changes, then smoothed."""
    change = close.diff()
    gains = change.clip(lower=0.0)
    losses = (-change).clip(lower=0.0)
    avg_gain = _wilder_smooth(gains, period)
    avg_loss = _wilder_smooth(losses, period)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    rsi = rsi.mask((avg_loss == 0) & (avg_gain > 0), 100.0)
    rsi = rsi.mask((avg_loss == 0) & (avg_gain == 0), 50.0)
    return rsi


def _wilder_smooth(values: pd.Series, period: int) -> pd.Series:
    seeded = values.copy()
    if len(values) <= period:
        return seeded * math.nan
    seeded.iloc[: period + 1] = math.nan
    seeded.iloc[period] = values.iloc[1 : period + 1].mean()
    return seeded.ewm(alpha=1.0 / period, adjust=False).mean()


def bollinger(close: pd.Series, period: int, width: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (middle, upper, lower): SMA and SMA ± width x population standard deviation."""
    middle = sma(close, period)
    spread = close.rolling(period, min_periods=period).std(ddof=0) * width
    return middle, middle + spread, middle - spread


def crossed_above(prev_a: float, a: float, prev_b: float, b: float) -> bool:
    """Return True when a moved from at-or-below b to above it."""
    return prev_a <= prev_b and a > b


def crossed_below(prev_a: float, a: float, prev_b: float, b: float) -> bool:
    """Return True when a moved from at-or-above b to below it."""
    return prev_a >= prev_b and a < b


def any_nan(*values: float) -> bool:
    """Return True when any value is missing (NaN)."""
    return any(math.isnan(value) for value in values)
