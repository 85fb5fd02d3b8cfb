"""Bollinger-band breakout: buy a close above the upper band, exit when it falls below the middle."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from console.engine.strategies.base import (
    CODE_ACTIONS, Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, closes, crosses_above,
    crosses_below, crossing_codes, price,
)
from console.engine.strategies.indicators import any_nan, bollinger


class BollingerBreakout(Strategy):
    name = "bollinger"
    title = "Bollinger-band breakout"
    description = (
        "BUY when the close crosses above the upper band; SELL a long when the close falls back "
        "below the middle band."
    )
    params = (
        ParamSpec("period", int, 20, 2, 500, "candles in the middle average", label="band period"),
        ParamSpec("std", float, 2.0, 0.1, 10, "band width in standard deviations",
                  label="std multiplier"),
    )

    def min_candles(self, params: Mapping[str, ParamValue]) -> int:
        return int(params["period"]) + 1

    def indicators(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> dict[str, pd.Series]:
        middle, upper, lower = bollinger(closes(candles), int(params["period"]), float(params["std"]))
        return {"upper band": upper, "middle band": middle, "lower band": lower}

    sell_closes_only = True

    def _lines(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> tuple[np.ndarray, ...]:
        close = closes(candles)
        middle, upper, _ = bollinger(close, int(params["period"]), float(params["std"]))
        return close.to_numpy(), middle.to_numpy(), upper.to_numpy()

    def raw_signals(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> np.ndarray:
        close, middle, upper = self._lines(candles, params)
        return crossing_codes(crosses_above(close, upper), crosses_below(close, middle))

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        close, middle, upper = self._lines(candles, params)
        action = CODE_ACTIONS[int(crossing_codes(crosses_above(close, upper), crosses_below(close, middle))[-1])]
        prev_close, last_close = close[-2], close[-1]
        prev_upper, last_upper = upper[-2], upper[-1]
        prev_middle, last_middle = middle[-2], middle[-1]
        if any_nan(prev_close, last_close, prev_upper, last_upper, prev_middle, last_middle):
            return Signal(Action.HOLD, "bands not ready: a close is missing")
        if action is Action.BUY:
            return Signal(
                Action.BUY, f"close {price(last_close)} broke above upper band {price(last_upper)}"
            )
        if action is Action.SELL:
            text = f"close {price(last_close)} fell below middle band {price(last_middle)}"
            # The middle band is an exit, not an entry: without a long there is nothing to close.
            if position.is_long:
                return Signal(Action.SELL, text)
            return Signal(Action.HOLD, f"{text}; no long to close")
        return Signal(
            Action.HOLD,
            f"close {price(last_close)}, upper band {price(last_upper)}, middle {price(last_middle)}",
        )
