"""Moving-average crossover: buy when the fast average crosses above the slow one."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from console.engine.strategies.base import (
    CODE_ACTIONS, Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, closes, crosses_above,
    crosses_below, crossing_codes, price,
)
from console.engine.strategies.indicators import any_nan, moving_average
from console.errors import ConfigError


class MaCross(Strategy):
    name = "ma_cross"
    title = "Moving-average crossover"
    description = "BUY when the fast average crosses above the slow one, SELL when it crosses below."
    params = (
        ParamSpec("fast", int, 10, 2, 500, "candles in the fast average", label="fast period"),
        ParamSpec("slow", int, 30, 3, 1000, "candles in the slow average", label="slow period"),
        ParamSpec("ma_type", str, "sma", help="sma (simple) or ema (exponential)",
                  label="average type", choices=("sma", "ema")),
    )

    def min_candles(self, params: Mapping[str, ParamValue]) -> int:
        return int(params["slow"]) + 1

    def check(self, values: dict[str, ParamValue]) -> None:
        if values["fast"] >= values["slow"]:
            raise ConfigError(
                f"fast period {values['fast']} must be below slow period {values['slow']}; "
                "lower fast or raise slow"
            )

    def indicators(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> dict[str, pd.Series]:
        close = closes(candles)
        kind = str(params["ma_type"])
        return {f"fast {kind.upper()}({params['fast']})": moving_average(close, int(params["fast"]), kind),
                f"slow {kind.upper()}({params['slow']})": moving_average(close, int(params["slow"]), kind)}

    def _lines(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> tuple[np.ndarray, np.ndarray]:
        close = closes(candles)
        kind = str(params["ma_type"])
        return (moving_average(close, int(params["fast"]), kind).to_numpy(),
                moving_average(close, int(params["slow"]), kind).to_numpy())

    def raw_signals(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> np.ndarray:
        fast, slow = self._lines(candles, params)
        return crossing_codes(crosses_above(fast, slow), crosses_below(fast, slow))

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        fast_ma, slow_ma = self._lines(candles, params)
        action = CODE_ACTIONS[int(crossing_codes(crosses_above(fast_ma, slow_ma),
                                                 crosses_below(fast_ma, slow_ma))[-1])]
        prev_fast, fast = fast_ma[-2], fast_ma[-1]
        prev_slow, slow = slow_ma[-2], slow_ma[-1]
        label = str(params["ma_type"]).upper()
        fast_text = f"fast {label}({params['fast']}) {price(fast)}"
        slow_text = f"slow {label}({params['slow']}) {price(slow)}"
        if any_nan(prev_fast, fast, prev_slow, slow):
            return Signal(Action.HOLD, "moving averages not ready: a close is missing")
        if action is Action.BUY:
            return Signal(Action.BUY, f"{fast_text} crossed above {slow_text}")
        if action is Action.SELL:
            return Signal(Action.SELL, f"{fast_text} crossed below {slow_text}")
        side = "above" if fast > slow else "below" if fast < slow else "level with"
        return Signal(Action.HOLD, f"{fast_text} stays {side} {slow_text}")
