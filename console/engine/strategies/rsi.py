"""RSI mean reversion: buy when RSI climbs back out of oversold, sell when it falls out of overbought."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from console.engine.strategies.base import (
    CODE_ACTIONS, Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, closes, crosses_above,
    crosses_below, crossing_codes,
)
from console.engine.strategies.indicators import any_nan, wilder_rsi
from console.errors import ConfigError


class RsiReversion(Strategy):
    name = "rsi"
    title = "RSI mean reversion"
    description = (
        "BUY when Wilder's RSI crosses up through oversold, SELL when it crosses down through overbought."
    )
    params = (
        ParamSpec("period", int, 14, 2, 200, "candles in the RSI average", label="rsi period"),
        ParamSpec("oversold", float, 30.0, 1, 99, "RSI level below which the market is oversold"),
        ParamSpec("overbought", float, 70.0, 1, 99, "RSI level above which the market is overbought"),
    )

    def min_candles(self, params: Mapping[str, ParamValue]) -> int:
        # RSI first exists after `period` changes; a crossing needs it on two candles.
        return int(params["period"]) + 2

    def check(self, values: dict[str, ParamValue]) -> None:
        if values["oversold"] >= values["overbought"]:
            raise ConfigError(
                f"oversold {values['oversold']:g} must be below overbought {values['overbought']:g}; "
                "lower oversold or raise overbought"
            )

    lower_pane = ("RSI", "oversold", "overbought")

    def indicators(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> dict[str, pd.Series]:
        rsi = wilder_rsi(closes(candles), int(params["period"]))
        return {"RSI": rsi, "oversold": pd.Series(float(params["oversold"]), index=rsi.index),
                "overbought": pd.Series(float(params["overbought"]), index=rsi.index)}

    def _codes(self, rsi: np.ndarray, params: Mapping[str, ParamValue]) -> np.ndarray:
        oversold = np.full(len(rsi), float(params["oversold"]))
        overbought = np.full(len(rsi), float(params["overbought"]))
        return crossing_codes(crosses_above(rsi, oversold), crosses_below(rsi, overbought))

    def raw_signals(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> np.ndarray:
        return self._codes(wilder_rsi(closes(candles), int(params["period"])).to_numpy(), params)

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        period = int(params["period"])
        oversold, overbought = float(params["oversold"]), float(params["overbought"])
        rsi = wilder_rsi(closes(candles), period).to_numpy()
        action = CODE_ACTIONS[int(self._codes(rsi, params)[-1])]
        prev, last = rsi[-2], rsi[-1]
        if any_nan(prev, last):
            return Signal(Action.HOLD, "RSI not ready: a close is missing")
        text = f"RSI({period}) {prev:.1f} -> {last:.1f}"
        if action is Action.BUY:
            return Signal(Action.BUY, f"{text} crossed up through oversold {oversold:g}")
        if action is Action.SELL:
            return Signal(Action.SELL, f"{text} crossed down through overbought {overbought:g}")
        return Signal(Action.HOLD, f"{text}; no crossing of {oversold:g} or {overbought:g}")
