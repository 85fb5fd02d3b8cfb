"""Walk-forward validation: tune on a train window, test the chosen parameters on the window after it.

The range is cut into rolling windows: train ``[s, s + train)``, test ``[s + train, s + train + test)``,
for ``s = start, start + step, ...`` while the test window ends within the range. On each train
window the sweep's grid or search picks the best parameter set (mean objective over the symbols,
constraints met); that set alone then runs on the test window. The report holds, per window, the
in-sample (train) and out-of-sample (test) figures side by side.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from console.backtest.sweep import SAVE_EVERY, Outcome, Progress, Runner, SweepSpec, TrialResult, ranking, trial_key
from console.errors import ConfigError


@dataclass(frozen=True)
class Window:
    """One walk-forward step, epoch ms, each half open: train ``[train_start, train_end)``, then test."""

    train_start: int
    train_end: int
    test_start: int
    test_end: int

    @property
    def train(self) -> tuple[int, int]:
        return (self.train_start, self.train_end)

    @property
    def test(self) -> tuple[int, int]:
        return (self.test_start, self.test_end)


def windows(start: int, end: int, train: int, test: int, step: int) -> list[Window]:
    """The rolling windows over ``[start, end)``; raise ConfigError when not even one fits."""
    if min(train, test, step) <= 0:
        raise ConfigError("walk-forward train, test and step lengths must all be positive, e.g. 90d, 30d, 30d")
    out = []
    s = start
    while s + train + test <= end:
        out.append(Window(s, s + train, s + train, s + train + test))
        s += step
    if not out:
        days = (end - start) / 86_400_000
        raise ConfigError(f"a train window of {train / 86_400_000:g} days and a test window of "
                          f"{test / 86_400_000:g} days do not fit in {days:g} days; shorten them or widen the range")
    return out


def total_trials(spec: SweepSpec, count: int) -> int:
    """Every trial of a walk-forward over ``count`` windows: each window's search plus its test runs."""
    per_window = (len(spec.grid()) if spec.search == "grid" else spec.trials) + 1
    return count * per_window * len(spec.symbols)


def run_walk_forward(spec: SweepSpec, inputs: Mapping[str, Any], *, client: Any, store: Any,
                     cancel: threading.Event | None = None,
                     progress: Callable[[Progress], None] | None = None, save_every: float = SAVE_EVERY) -> Outcome:
    """Tune on each train window, test on the next; the outcome's ``walk_forward`` rows pair them."""
    wf = spec.walk_forward
    assert wf is not None
    steps = windows(spec.start_ms, spec.end_ms, wf.train_ms, wf.test_ms, wf.step_ms)
    runner = Runner(spec, inputs, client=client, store=store, cancel=cancel, progress=progress,
                    total=total_trials(spec, len(steps)), save_every=save_every)
    rows = []
    for number, window in enumerate(steps, start=1):
        if runner.cancelled:
            break
        if spec.search == "grid":
            train = runner.grid(spec.grid(), window.train, "train")
        else:
            train = runner.search(window.train, "train")
        if runner.cancelled:
            break
        best, score = ranking(train)[0] if train else ({}, None)
        if score is None:
            rows.append(report_row(number, window, {}, train, []))
            continue  # no parameter set met the constraints: nothing to test
        test = runner.grid([best], window.test, "test")
        rows.append(report_row(number, window, best, train, test))
    return Outcome(spec.sweep_id, list(runner.results.values()), runner.ran, runner.reused, runner.cancelled, rows)


def report_row(number: int, window: Window, params: dict, train: list[TrialResult],
               test: list[TrialResult]) -> dict:
    """One window's in-sample vs out-of-sample figures (summed money, mean ratios over the symbols)."""
    chosen = [r for r in train if r.params == params]
    row: dict[str, Any] = {"window": number, "train_start": window.train_start, "train_end": window.train_end,
                           "test_start": window.test_start, "test_end": window.test_end,
                           "params": params, "trials": len({trial_key(r.params, r.symbol, r.window) for r in train})}
    for side, results in (("is", chosen), ("oos", test)):
        for metric in ("net_profit", "return_pct", "sharpe", "calmar", "profit_factor", "max_drawdown_pct", "trades"):
            row[f"{side}_{metric}"] = _combine(metric, results)
    return row


def _combine(metric: str, results: list[TrialResult]) -> float | None:
    values = [r.metrics.get(metric) for r in results if r.metrics]
    numbers = [float(v) for v in values if v is not None]
    if not numbers:
        return None
    if metric in ("net_profit", "trades"):
        return sum(numbers)
    return sum(numbers) / len(numbers)


def rebuild(spec: SweepSpec, results: list[TrialResult]) -> list[dict]:
    """The walk-forward report of a stored sweep, from its trials (what the page shows after a restart)."""
    wf = spec.walk_forward
    if wf is None:
        return []
    rows = []
    for number, window in enumerate(windows(spec.start_ms, spec.end_ms, wf.train_ms, wf.test_ms, wf.step_ms), 1):
        train = [r for r in results if r.stage == "train" and r.window == window.train]
        test = [r for r in results if r.stage == "test" and r.window == window.test]
        if not train:
            break
        params = test[0].params if test else {}
        rows.append(report_row(number, window, params, train, test))
    return rows
