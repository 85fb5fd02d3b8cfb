"""Walk-forward windows on small hand-checked cases, and the in-sample vs out-of-sample report."""
from __future__ import annotations

import pytest

from console.backtest.sweep import TrialResult
from console.backtest.walkforward import Window, report_row, windows
from console.errors import ConfigError

DAY = 86_400_000


@pytest.mark.parametrize("days, train, test, step, expected", [
    # 10 days, train 4, test 2, step 2: starts 0, 2, 4 (a start at 6 would test to day 12)
    (10, 4, 2, 2, [(0, 4, 4, 6), (2, 6, 6, 8), (4, 8, 8, 10)]),
    # step = test: back-to-back test windows covering days 3..9
    (9, 3, 2, 2, [(0, 3, 3, 5), (2, 5, 5, 7), (4, 7, 7, 9)]),
    # step longer than the test: gaps between test windows
    (12, 4, 1, 3, [(0, 4, 4, 5), (3, 7, 7, 8), (6, 10, 10, 11)]),
    # exactly one fits
    (6, 4, 2, 1, [(0, 4, 4, 6)]),
])
def test_rolling_windows(days, train, test, step, expected):
    start = 1_700_000_000_000
    got = windows(start, start + days * DAY, train * DAY, test * DAY, step * DAY)
    assert got == [Window(*(start + d * DAY for d in row)) for row in expected]
    for w in got:
        assert w.train_end == w.test_start  # the test follows its train window with no gap or overlap


def test_windows_that_do_not_fit_say_so():
    with pytest.raises(ConfigError, match="do not fit in 5 days"):
        windows(0, 5 * DAY, 4 * DAY, 2 * DAY, DAY)
    with pytest.raises(ConfigError, match="must all be positive"):
        windows(0, 5 * DAY, 0, 2 * DAY, DAY)


def result(stage, params, window, **figures) -> TrialResult:
    base = {"net_profit": "0", "return_pct": 0.0, "sharpe": 0.0, "calmar": 0.0, "profit_factor": 1.0,
            "max_drawdown_pct": 0.0, "trades": 0}
    base.update(figures)
    return TrialResult(key=f"{stage}{params}{window}", stage=stage, symbol="BTC/USDT", window=window, params=params,
                       metrics=base, score=base["sharpe"], feasible=True)


def test_the_report_puts_the_chosen_sets_in_sample_figures_beside_its_out_of_sample_ones():
    window = Window(0, 4 * DAY, 4 * DAY, 6 * DAY)
    train = [result("train", {"fast": 5}, window.train, sharpe=1.5, net_profit="120.5", trades=9),
             result("train", {"fast": 10}, window.train, sharpe=0.7, net_profit="40", trades=4)]
    test = [result("test", {"fast": 5}, window.test, sharpe=-0.2, net_profit="-12.25", trades=3)]
    row = report_row(1, window, {"fast": 5}, train, test)
    assert row["params"] == {"fast": 5} and row["trials"] == 2
    assert (row["is_sharpe"], row["oos_sharpe"]) == (1.5, -0.2)
    assert (row["is_net_profit"], row["oos_net_profit"]) == (120.5, -12.25)
    assert (row["is_trades"], row["oos_trades"]) == (9, 3)
    assert (row["train_start"], row["test_end"]) == (0, 6 * DAY)
