"""Moving-average crossover: buy when the fast average crosses above the slow one."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from console.engine.strategies.base import (
    Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, closes, price,
)
from console.engine.strategies.indicators import any_nan, crossed_above, crossed_below, moving_average
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

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        close = closes(candles)
        kind = str(params["ma_type"])
        fast_ma = moving_average(close, int(params["fast"]), kind)
        slow_ma = moving_average(close, int(params["slow"]), kind)
        prev_fast, fast = fast_ma.iloc[-2], fast_ma.iloc[-1]
        prev_slow, slow = slow_ma.iloc[-2], slow_ma.iloc[-1]
        label = kind.upper()
        fast_text = f"fast {label}({params['fast']}) {price(fast)}"
        slow_text = f"slow {label}({params['slow']}) {price(slow)}"
        if any_nan(prev_fast, fast, prev_slow, slow):
            return Signal(Action.HOLD, "moving averages not ready: a close is missing")
        if crossed_above(prev_fast, fast, prev_slow, slow):
            return Signal(Action.BUY, f"{fast_text} crossed above {slow_text}")
        if crossed_below(prev_fast, fast, prev_slow, slow):
            return Signal(Action.SELL, f"{fast_text} crossed below {slow_text}")
        side = "above" if fast > slow else "below" if fast < slow else "level with"
        return Signal(Action.HOLD, f"{fast_text} stays {side} {slow_text}")
