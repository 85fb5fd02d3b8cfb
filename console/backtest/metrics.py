"""Figures of a backtest run: returns, risk ratios, trade statistics, costs, buy-and-hold."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal

import numpy as np

YEAR_MS = 365 * 86_400_000


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """What a person compares backtests by. Ratios are floats; money is Decimal."""

    net_profit: Decimal
    return_pct: float
    cagr_pct: float
    max_drawdown_pct: float
    max_drawdown_duration_ms: int
    sharpe: float
    sortino: float
    calmar: float
    win_rate_pct: float
    profit_factor: float
    expectancy: Decimal
    trades: int
    exposure_pct: float
    fees_paid: Decimal
    funding_paid: Decimal
    rejected_signals: int
    rejections: dict[str, int]
    buy_and_hold_pct: float

    def as_dict(self) -> dict:
        """Return the metrics as JSON-ready values (Decimal as strings)."""
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def drawdown(equity: np.ndarray) -> np.ndarray:
    """Return the drawdown at each point as a fraction of the running peak (0 or negative)."""
    if len(equity) == 0:
        return np.empty(0)
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, equity / peak - 1.0, 0.0)


def max_drawdown(equity: np.ndarray, ts: np.ndarray) -> tuple[float, int]:
    """Return (the deepest drawdown as a positive fraction, the longest time spent below a peak in ms)."""
    dd = drawdown(equity)
    if len(dd) == 0:
        return 0.0, 0
    longest, since = 0, None
    for start, end in _underwater_spans(dd):
        longest = max(longest, int(ts[min(end, len(ts) - 1)] - ts[start - 1 if start else 0]))
        since = start
    del since
    return float(-dd.min()), longest


def _underwater_spans(dd: np.ndarray) -> list[tuple[int, int]]:
    below = np.concatenate(([False], dd < 0, [False]))
    edges = np.flatnonzero(below[1:] != below[:-1])
    return list(zip(edges[0::2], edges[1::2]))  # [start, end): end is the candle back at the peak


def period_returns(equity: np.ndarray) -> np.ndarray:
    """Return the simple return of each step of the equity curve."""
    if len(equity) < 2:
        return np.empty(0)
    return equity[1:] / equity[:-1] - 1.0


def sharpe(returns: np.ndarray, periods_per_year: float) -> float:
    """Return the annualised Sharpe ratio (risk-free rate 0, sample standard deviation)."""
    if len(returns) < 2:
        return 0.0
    std = float(np.std(returns, ddof=1))
    return 0.0 if std == 0 else float(np.mean(returns)) / std * math.sqrt(periods_per_year)


def sortino(returns: np.ndarray, periods_per_year: float) -> float:
    """Return the annualised Sortino ratio: mean over the downside deviation (root mean square of losses)."""
    if len(returns) < 2:
        return 0.0
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
    return 0.0 if downside == 0 else float(np.mean(returns)) / downside * math.sqrt(periods_per_year)


def cagr(start: float, end: float, span_ms: int) -> float:
    """Return the compound annual growth rate as a fraction."""
    if start <= 0 or span_ms <= 0:
        return 0.0
    if end <= 0:
        return -1.0
    return (end / start) ** (YEAR_MS / span_ms) - 1.0


def metrics(run) -> Metrics:
    """Return the figures of a ``Run``."""
    equity, ts = run.equity, run.ts
    start = float(run.starting_balance)
    end = float(run.final_equity)
    step = int(np.median(np.diff(ts))) if len(ts) > 1 else 60_000
    span = int(ts[-1] - ts[0]) + step if len(ts) else 0
    daily = _daily(equity, ts)
    returns = period_returns(daily)
    growth = cagr(start, end, span)
    depth, duration = max_drawdown(np.concatenate(([start], equity)), np.concatenate(([ts[0]], ts)) if len(ts) else ts)
    pnls = [t.pnl for t in run.trades]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    gross_loss = -sum(losses, Decimal(0))
    reasons = Counter(_reason_kind(r.reason) for r in run.rejections)
    hold = float(run.close[-1] / run.close[0] - 1.0) * 100 if len(run.close) else 0.0
    return Metrics(
        net_profit=run.final_equity - run.starting_balance,
        return_pct=(end / start - 1.0) * 100 if start else 0.0,
        cagr_pct=growth * 100,
        max_drawdown_pct=depth * 100,
        max_drawdown_duration_ms=duration,
        sharpe=sharpe(returns, 365),
        sortino=sortino(returns, 365),
        calmar=(growth / depth) if depth else 0.0,
        win_rate_pct=len(wins) / len(pnls) * 100 if pnls else 0.0,
        profit_factor=float(sum(wins, Decimal(0)) / gross_loss) if gross_loss else (math.inf if wins else 0.0),
        expectancy=(sum(pnls, Decimal(0)) / len(pnls)) if pnls else Decimal(0),
        trades=len(run.trades),
        exposure_pct=float(np.mean(run.exposed)) * 100 if len(run.exposed) else 0.0,
        fees_paid=run.fees_paid,
        funding_paid=run.funding_paid,
        rejected_signals=len(run.rejections),
        rejections=dict(reasons),
        buy_and_hold_pct=hold,
    )


def _daily(equity: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Equity at each UTC day's last candle (Sharpe and Sortino are on daily returns)."""
    if len(ts) == 0:
        return equity
    days = ts // 86_400_000
    last = np.flatnonzero(np.diff(days)) if len(days) > 1 else np.empty(0, dtype=np.int64)
    return equity[np.concatenate((last, [len(equity) - 1]))]


def _reason_kind(reason: str) -> str:
    """Group rejection messages by their kind (the text before the first number or colon)."""
    head = reason.split(":")[0]
    return head if len(head) < 60 else head[:60]
