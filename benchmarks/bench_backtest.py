"""One year of 1m candles (525,600, a seeded walk) for ma_cross with take-profit / stop-loss, run by
``console.backtest`` and by backtesting.py on the same data and rules; checks the entry and exit
times agree and prints each time. Last line: ``ratio <ours / backtesting.py>``.

Needs ``requirements-bench.txt`` (backtesting). Run: ``.venv/bin/python benchmarks/bench_backtest.py``.
"""
from __future__ import annotations

import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.backtest import fills, run_backtest, symbol_rules  # noqa: E402
from console.domain import BotConfig, Market  # noqa: E402
from console.engine.strategies import get_strategy  # noqa: E402

MINUTES = 525_600
PARAMS = {"fast": 60, "slow": 240}
TP, SL = Decimal("2"), Decimal("1")


def walk(n: int = MINUTES, seed: int = 7) -> pd.DataFrame:
    """A seeded random walk of one-minute candles around 30,000."""
    rng = np.random.default_rng(seed)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.0008, n)))
    open_ = np.concatenate(([30_000.0], close[:-1]))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.0004, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.0004, n)))
    ts = pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC")
    return pd.DataFrame({"ts": ts, "open": open_.round(2), "high": high.round(2), "low": low.round(2),
                         "close": close.round(2), "volume": 1.0})


def ours(frame: pd.DataFrame):
    config = BotConfig(name="bench", symbol="BTC/USDT", timeframe="1m", strategy="ma_cross", params=PARAMS,
                       size=Decimal("100"), take_profit_pct=TP, stop_loss_pct=SL, max_trades_per_day=100_000,
                       max_daily_loss=Decimal("1000000"), max_position_quote=Decimal("1000000"))
    run = run_backtest(config, frame, symbol_rules("BTC/USDT", Market.SPOT), starting_balance=Decimal("1000000"))
    return [(t.entry_index, t.exit_index) for t in run.trades]


def theirs(frame: pd.DataFrame, rules):
    from backtesting import Backtest, Strategy

    strategy = get_strategy("ma_cross")
    codes = strategy.signals(frame, strategy.validate(PARAMS))
    # The exit levels our loop sets from each entry's fill (ask at the next open, on the tick); the
    # take-profit is offered to backtesting.py as the high at which the paper's bid reaches it.
    opens = [Decimal(repr(x)) for x in frame["open"].tolist()]
    half = float(fills.HALF_SPREAD)

    class Cross(Strategy):
        def init(self):
            pass

        def next(self):
            i = len(self.data) - 1
            if i + 1 >= len(opens):
                return
            if codes[i] == 1 and not self.position:
                entry = fills.ask(opens[i + 1], rules.tick_size)
                tp = _up(entry * (1 + TP / 100), rules.tick_size)
                sl = _up(entry * (1 - SL / 100), rules.tick_size)
                self.buy(size=1, tp=float(tp) / (1 - half), sl=float(sl))
            elif codes[i] == -1 and self.position:
                self.position.close()

    data = frame.set_index(pd.DatetimeIndex(frame["ts"].dt.tz_localize(None)))[["open", "high", "low", "close", "volume"]]
    data.columns = ["Open", "High", "Low", "Close", "Volume"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = Backtest(data, Cross, cash=10_000_000, commission=0.001, spread=2 * half,
                         exclusive_orders=False, finalize_trades=True).run()
    trades = stats["_trades"]
    return list(zip(trades["EntryBar"].astype(int), trades["ExitBar"].astype(int)))


def _up(value: Decimal, tick: Decimal) -> Decimal:
    return -(-value // tick) * tick


def main() -> None:
    frame = walk()
    rules = symbol_rules("BTC/USDT", Market.SPOT)
    ours(frame.head(5000))  # warm imports
    t0 = time.perf_counter()
    mine = ours(frame)
    t_ours = time.perf_counter() - t0
    print(f"console.backtest: {len(frame):,} candles, {len(mine)} trades in {t_ours:.3f} s")
    t0 = time.perf_counter()
    other = theirs(frame, rules)
    t_theirs = time.perf_counter() - t0
    print(f"backtesting.py:   {len(frame):,} candles, {len(other)} trades in {t_theirs:.3f} s")
    if mine[-1:] and other[-1:] and other[-1][1] == len(frame) - 1 and mine[-1][1] != other[-1][1]:
        other = other[:-1]  # backtesting.py closes the open trade at the end; ours leaves it open
    same = sum(a == b for a, b in zip(mine, other))
    first = next((k for k, (a, b) in enumerate(zip(mine, other)) if a != b), None)
    print(f"entry and exit candles agree on {same} of {max(len(mine), len(other))} trades"
          + ("" if first is None else f"; first difference at trade {first}: ours {mine[first]}, theirs {other[first]}"))
    print(f"speed-up {t_theirs / t_ours:.1f}x (goal: ours <= 1 s and >= 20x)")
    print(f"ratio {t_ours / t_theirs:.4f}")


if __name__ == "__main__":
    main()
