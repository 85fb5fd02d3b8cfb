"""Dollar-cost averaging: buy every interval up to a number of entries, take profit at a target."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd

from console.engine.strategies.base import (
    Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, as_utc, closes, price,
)


class Dca(Strategy):
    name = "dca"
    title = "DCA"
    description = (
        "BUY the bot's fixed amount every interval, up to a number of entries; SELL the whole "
        "position once the close reaches the take-profit above the average entry price."
    )
    params = (
        ParamSpec("interval_hours", float, 24.0, 0.1, 24 * 365,
                  "hours between buys", label="interval hours"),
        ParamSpec("max_entries", int, 10, 1, 1000, "buys at most before a take profit",
                  label="max entries"),
        ParamSpec("take_profit_pct", float, 3.0, 0.1, 1000,
                  "sell everything when the close is this % above the entry price",
                  label="take profit %"),
    )

    def min_candles(self, params: Mapping[str, ParamValue]) -> int:
        return 1

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        last_close = closes(candles).iloc[-1]
        take_profit = Decimal(str(params["take_profit_pct"]))
        if position.is_long and position.entry_price is not None:
            target = position.entry_price * (1 + take_profit / 100)
            if Decimal(str(last_close)) >= target:
                return Signal(
                    Action.SELL,
                    f"close {price(last_close)} reached take profit {price(float(target))} "
                    f"({float(take_profit):g}% above entry {price(float(position.entry_price))})",
                )
        interval = timedelta(hours=float(params["interval_hours"]))
        entries = position.entries if position.is_long else 0
        max_entries = int(params["max_entries"])
        if entries >= max_entries:
            return Signal(Action.HOLD, f"all {max_entries} entries made; waiting for take profit")
        if position.last_entry_at is None:
            if position.is_long:
                # Without the time of the last buy the next one can't be timed: never stack blindly.
                return Signal(Action.HOLD, "long with no known last entry time; waiting for take profit")
            return Signal(Action.BUY, f"first DCA entry at {price(last_close)}")
        since = as_utc(now) - as_utc(position.last_entry_at)
        if since >= interval:
            return Signal(
                Action.BUY,
                f"DCA entry {entries + 1} of {max_entries} at {price(last_close)}: "
                f"{_hours(since)} since the last buy",
            )
        return Signal(Action.HOLD, f"next DCA entry in {_hours(interval - since)}")


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"
