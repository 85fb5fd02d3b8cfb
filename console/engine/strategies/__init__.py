"""Trading strategies: pure functions of closed candles and validated parameters.

A strategy reads a candle DataFrame (``ts`` UTC, ``open``, ``high``, ``low``, ``close``,
``volume`` as floats; closed candles only, oldest first) and answers a Signal for the last
candle. Signals react to crossings, not levels, so a bot doesn't re-enter on every tick.
With fewer candles than ``min_candles`` the answer is HOLD.

    strategy = get_strategy("rsi")
    params = strategy.validate({"period": "14"})
    strategy.signal(candles, params, PositionView(), now)
    strategy.signals(candles, params)  # the same answers, one code per candle, for a backtest
"""
from __future__ import annotations

from console.engine.strategies.base import (
    BUY_CODE, CODE_ACTIONS, FLAT, HOLD_CODE, SELL_CODE, Action, ParamSpec, ParamValue, PositionView, Signal,
    Strategy,
)
from console.engine.strategies.bollinger import BollingerBreakout
from console.engine.strategies.dca import Dca
from console.engine.strategies.ma_cross import MaCross
from console.engine.strategies.rsi import RsiReversion
from console.errors import ConfigError

STRATEGIES: dict[str, Strategy] = {
    strategy.name: strategy
    for strategy in (MaCross(), RsiReversion(), BollingerBreakout(), Dca())
}


def get_strategy(name: str) -> Strategy:
    """Return the strategy called ``name``; raise ConfigError listing the valid names."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}"
        ) from None


__all__ = [
    "BUY_CODE", "CODE_ACTIONS", "HOLD_CODE", "SELL_CODE", "FLAT", "STRATEGIES", "Action", "ParamSpec", "ParamValue", "PositionView",
    "Signal", "Strategy", "get_strategy",
]
