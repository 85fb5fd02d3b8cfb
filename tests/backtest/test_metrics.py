"""Metrics on small equity curves worked out by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from console.backtest.metrics import YEAR_MS, cagr, drawdown, max_drawdown, period_returns, sharpe, sortino

DAY = 86_400_000


def test_drawdown_depth_and_duration():
    equity = np.array([100.0, 120.0, 90.0, 110.0, 130.0, 117.0])
    ts = np.arange(6) * DAY
    assert drawdown(equity) == pytest.approx([0, 0, -0.25, 110 / 120 - 1, 0, -0.1])
    depth, duration = max_drawdown(equity, ts)
    assert depth == pytest.approx(0.25)  # 120 -> 90
    assert duration == 3 * DAY  # below the 120 peak from day 1 until day 4, when 130 is reached


def test_cagr_doubles_in_two_years():
    assert cagr(100.0, 400.0, 2 * YEAR_MS) == pytest.approx(1.0)  # x4 in two years is x2 a year
    assert cagr(100.0, 100.0, YEAR_MS) == 0.0


def test_sharpe_and_sortino_of_known_returns():
    returns = period_returns(np.array([100.0, 110.0, 99.0, 108.9]))
    assert returns == pytest.approx([0.1, -0.1, 0.1])
    mean, std = 0.1 / 3, math.sqrt(((0.1 - 0.1 / 3) ** 2 * 2 + (-0.1 - 0.1 / 3) ** 2) / 2)
    assert sharpe(returns, 365) == pytest.approx(mean / std * math.sqrt(365))
    downside = math.sqrt(0.01 / 3)
    assert sortino(returns, 365) == pytest.approx(mean / downside * math.sqrt(365))


def test_flat_curve_has_no_ratio():
    returns = period_returns(np.array([100.0, 100.0, 100.0]))
    assert sharpe(returns, 365) == 0.0 and sortino(returns, 365) == 0.0
