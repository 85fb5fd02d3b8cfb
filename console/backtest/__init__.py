"""Backtests that run the bots' own code: the strategy's signals, the engine's sizing and risk, the
client's precision rules and the paper exchange's fills, over a whole candle frame in one pass.

    rules = symbol_rules("BTC/USDT", Market.SPOT)
    run = run_backtest(config, candles, rules, starting_balance=Decimal("10000"))
    figures = metrics(run)

``python -m console.backtest --help`` runs one from the command line over stored history.
"""
from __future__ import annotations

from console.backtest.metrics import Metrics, metrics
from console.backtest.rules import symbol_rules
from console.backtest.results import Fill, Rejection, Run, Trade
from console.backtest.run import run_backtest

__all__ = ["Fill", "Metrics", "Rejection", "Run", "Trade", "metrics", "run_backtest", "symbol_rules"]
