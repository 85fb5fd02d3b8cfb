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

import dataclasses
from decimal import Decimal

from console.engine.strategies.base import (
    BUY_CODE, CODE_ACTIONS, FLAT, HOLD_CODE, SELL_CODE, Action, ParamSpec, ParamValue, PositionView, Signal,
    Strategy,
)
from console.engine.strategies.bollinger import BollingerBreakout
from console.domain import BotConfig, Market
from console.engine.strategies.dca import TAKE_PROFIT, Dca
from console.engine.strategies.ma_cross import MaCross
from console.engine.strategies.rsi import RsiReversion
from console.errors import ConfigError

STRATEGIES: dict[str, Strategy] = {
    strategy.name: strategy
    for strategy in (MaCross(), RsiReversion(), BollingerBreakout(), Dca())
}


def bot_params(config: BotConfig) -> dict:
    """The bot's validated strategy parameters, with what the strategy reads of the bot.

    DCA reads the bot's take profit where no take-profit order rests for it: a futures take-profit
    rests on the exchange (kept at the average entry by the engine), and so does a spot one with a
    stop-loss beside it (an OCO); a spot take-profit alone is the strategy's, checked on each close.
    """
    strategy = get_strategy(config.strategy)
    rests = config.market is Market.FUTURES or config.stop_loss_pct is not None
    return strategy.with_bot(strategy.validate(config.params), None if rests else config.take_profit_pct)


def upgraded(config: BotConfig) -> BotConfig:
    """A configuration saved before DCA took the bot's Take profit %: its ``take_profit_pct``
    parameter becomes the bot's take profit (when the bot has none)."""
    if config.strategy != "dca" or TAKE_PROFIT not in config.params:
        return config
    params = dict(config.params)
    legacy = params.pop(TAKE_PROFIT)
    take_profit = config.take_profit_pct
    # a target of 100 % or more (a "never") is no take profit: the bot's field takes (0, 100)
    if take_profit is None and legacy not in (None, "") and 0 < float(legacy) < 100:
        take_profit = Decimal(str(legacy))
    return dataclasses.replace(config, params=params, take_profit_pct=take_profit)


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
    "Signal", "Strategy", "bot_params", "get_strategy", "upgraded",
]
