"""Dollar-cost averaging: buy every interval up to a number of entries, take profit at a target.

The interval runs on candle time: ``now`` is the open time of the last closed candle and the
position's ``last_entry_at`` the open time of the candle its last entry was decided on, so a
replay at any speed buys on the same candles as live trading. The take-profit is the bot's own
``take_profit_pct`` (``with_bot`` puts it among the parameters), checked on each close against
the average entry price; ``None`` takes no profit (see ``bot_params``: where a take-profit order
rests on the exchange, the strategy leaves the exit to it).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd

from console.engine.strategies.base import (
    Action, ParamSpec, ParamValue, PositionView, Signal, Strategy, as_utc, closes, price,
)

TAKE_PROFIT = "take_profit_pct"  # the bot's take profit, handed in by ``with_bot``; not a form parameter


class Dca(Strategy):
    name = "dca"
    title = "DCA"
    description = (
        "BUY the bot's fixed amount every interval (candle time), up to a number of entries; SELL the "
        "whole position once the close reaches the bot's Take profit % above the average entry price."
    )
    params = (
        ParamSpec("interval_hours", float, 24.0, 0.1, 24 * 365,
                  "hours of candle time between buys", label="interval hours"),
        ParamSpec("max_entries", int, 10, 1, 1000, "buys at most before a take profit",
                  label="max entries"),
    )
    timed_entries = True

    def min_candles(self, params: Mapping[str, ParamValue]) -> int:
        return 1

    def with_bot(self, params: Mapping[str, ParamValue], take_profit_pct: Decimal | None) -> dict:
        """The validated ``params`` with the bot's take profit (None: no take profit)."""
        return {**params, TAKE_PROFIT: None if take_profit_pct is None else float(take_profit_pct)}

    def decide(
        self, candles: pd.DataFrame, params: Mapping[str, ParamValue],
        position: PositionView, now: datetime,
    ) -> Signal:
        last_close = closes(candles).iloc[-1]
        take_profit = params.get(TAKE_PROFIT)
        if take_profit is not None and position.is_long and position.entry_price is not None:
            pct = Decimal(str(take_profit))
            target = position.entry_price * (1 + pct / 100)
            if Decimal(str(last_close)) >= target:
                return Signal(
                    Action.SELL,
                    f"close {price(last_close)} reached take profit {price(float(target))} "
                    f"({float(pct):g}% above entry {price(float(position.entry_price))})",
                )
        interval = timedelta(hours=float(params["interval_hours"]))
        entries = position.entries if position.is_long else 0
        max_entries = int(params["max_entries"])
        waiting = "waiting for take profit" if take_profit is not None else "no take profit set"
        if entries >= max_entries:
            made = f"all {entries} entries made" if entries == max_entries else \
                f"{entries} entries made (at most {max_entries})"
            return Signal(Action.HOLD, f"{made}; {waiting}")
        if position.last_entry_at is None:
            if position.is_long:
                # Without the time of the last buy the next one can't be timed: never stack blindly.
                return Signal(Action.HOLD, f"long with no known last entry time; {waiting}")
            return Signal(Action.BUY, f"first DCA entry at {price(last_close)}")
        since = candle_time(candles, now) - as_utc(position.last_entry_at)
        if since >= interval:
            return Signal(
                Action.BUY,
                f"DCA entry {entries + 1} of {max_entries} at {price(last_close)}: "
                f"{_hours(since)} since the last buy",
            )
        return Signal(Action.HOLD, f"next DCA entry in {_hours(interval - since)}")


def candle_time(candles: pd.DataFrame, now: datetime) -> datetime:
    """The open time of the last closed candle (the candle clock); ``now`` when the frame has no times."""
    if "ts" not in candles or candles.empty:
        return as_utc(now)
    ts = pd.Timestamp(candles["ts"].iloc[-1])
    return as_utc(ts.to_pydatetime())


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"
