"""RSI mean reversion: buy when RSI climbs back out of oversold, sell when it falls out of overbought."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from console.engine.strategies.base import (
    Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, closes,
)
from console.engine.strategies.indicators import any_nan, crossed_above, crossed_below, wilder_rsi
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

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        period = int(params["period"])
        oversold, overbought = float(params["oversold"]), float(params["overbought"])
        rsi = wilder_rsi(closes(candles), period)
        prev, last = rsi.iloc[-2], rsi.iloc[-1]
        if any_nan(prev, last):
            return Signal(Action.HOLD, "RSI not ready: a close is missing")
        text = f"RSI({period}) {prev:.1f} -> {last:.1f}"
        if crossed_above(prev, last, oversold, oversold):
            return Signal(Action.BUY, f"{text} crossed up through oversold {oversold:g}")
        if crossed_below(prev, last, overbought, overbought):
            return Signal(Action.SELL, f"{text} crossed down through overbought {overbought:g}")
        return Signal(Action.HOLD, f"{text}; no crossing of {oversold:g} or {overbought:g}")
