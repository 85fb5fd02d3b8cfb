"""Parameter sweeps: one bot config over ranges of its strategy's parameters, each trial a backtest.

A sweep is a ``SweepSpec``: the bot config, the ranges (a grid over given values, or a search of
N trials drawn by an optuna sampler through its ask-and-tell interface), the symbols, the date
range, the objective and the constraints. Each trial is ``run_backtest`` + ``metrics`` unchanged,
run as a task on a dask.distributed cluster: a ``LocalCluster`` of this machine's cores by
default, or the scheduler at ``CONSOLE_SWEEP_SCHEDULER``. The candles and the config are
scattered to every worker once per sweep; the tasks carry only their trials' parameters and window.

    with cluster_client() as client:  # console.backtest.cluster
        outcome = run_sweep(spec, inputs, client=client, store=SweepStore(db, spec))

Results are written as they finish (``as_completed``), by the calling process only. A trial's key
is a hash of its parameters, symbol and window, so a sweep started again with the same id finds
what is stored and runs only the rest. ``walkforward.py`` runs the same phases over rolling windows.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from console.backtest.cluster import worker_count
from console.backtest.metrics import metrics
from console.backtest.run import run_backtest
from console.domain import BotConfig
from console.engine.strategies import get_strategy
from console.backtest.sweep_spec import (  # noqa: F401 - the sweep's vocabulary, re-exported
    SEARCHES, Constraints, Objective, ParamRange, SweepSpec, WalkForward,
)
from console.engine.strategies.base import ParamValue
from console.errors import ConfigError, ConsoleError
from console.exchange.precision import SymbolRules

@dataclass(frozen=True, kw_only=True)
class SymbolInputs:
    """What a worker needs for one symbol: its candles, funding rates (futures) and exchange rules."""

    candles: pd.DataFrame
    funding: pd.DataFrame | None
    rules: SymbolRules


@dataclass(frozen=True, kw_only=True)
class TrialResult:
    """One finished trial. ``metrics`` as ``Metrics.as_dict`` (a ratio without a finite value: None)."""

    key: str
    stage: str  # search (a plain sweep), train or test (walk-forward)
    symbol: str
    window: tuple[int, int]  # epoch ms [start, end)
    params: dict[str, ParamValue]
    metrics: dict = field(default_factory=dict)
    score: float | None = None  # the objective; None when the trial failed
    feasible: bool = False
    error: str = ""
    seconds: float = 0.0  # the backtest's time on its worker


def trial_key(params: Mapping[str, ParamValue], symbol: str, window: tuple[int, int]) -> str:
    """The hash that names a trial within its sweep: parameters, symbol and window."""
    text = json.dumps({"params": dict(sorted(params.items())), "symbol": symbol, "window": list(window)},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def window_frame(candles: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    """The candles that open within ``window`` (epoch ms, [start, end))."""
    start = pd.Timestamp(window[0], unit="ms", tz="UTC")
    end = pd.Timestamp(window[1], unit="ms", tz="UTC")
    ts = candles["ts"]
    return candles[(ts >= start) & (ts < end)].reset_index(drop=True)


def run_trial(config: BotConfig, params: Mapping[str, ParamValue], symbol: str, window: tuple[int, int],
              stage: str, inputs: SymbolInputs, starting_balance: Decimal, objective: Objective,
              constraints: Constraints) -> TrialResult:
    """Backtest ``config`` with ``params`` on ``symbol`` over ``window``: the task each worker runs."""
    key = trial_key(params, symbol, window)
    began = time.perf_counter()
    try:
        strategy = get_strategy(config.strategy)
        trial_config = replace(config, symbol=symbol, params=strategy.validate({**config.params, **params}))
        candles = window_frame(inputs.candles, window)
        if len(candles) < 2:
            raise ConfigError(f"fewer than two {symbol} candles in the window; widen the date range")
        run = run_backtest(trial_config, candles, inputs.rules, starting_balance=starting_balance,
                           funding=inputs.funding)
        figures = metrics(run).as_dict()
    except ConsoleError as e:
        return TrialResult(key=key, stage=stage, symbol=symbol, window=window, params=dict(params), error=str(e),
                           seconds=time.perf_counter() - began)
    figures = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in figures.items()}
    score = _score(figures, objective)
    return TrialResult(key=key, stage=stage, symbol=symbol, window=window, params=dict(params), metrics=figures,
                       score=score, feasible=constraints.met(figures), seconds=time.perf_counter() - began)


@dataclass(frozen=True)
class Chunk:
    """The (params, symbol) trials of one task. Not a list: dask walks a task's lists, tuples and
    dicts looking for futures, and on a chunk of fifty trials that costs the console a few ms."""

    trials: tuple[tuple[Mapping[str, ParamValue], str], ...]


@dataclass(frozen=True, kw_only=True)
class Setup:
    """What every trial of a sweep shares, scattered to the workers once: a task carries only its
    chunk, window and stage (the bot config and its Decimals, pickled into every task, cost the
    client, the scheduler and the worker about a millisecond of CPU a task)."""

    config: BotConfig
    inputs: Mapping[str, SymbolInputs]
    starting_balance: Decimal
    objective: Objective
    constraints: Constraints


@dataclass(frozen=True)
class Finished:
    """A task's results. Not a list, for the same reason as ``Chunk``: dask serializes each item of
    a list apart (a header and a pickle each), which cost the worker and the console about 2 ms of
    CPU a task of forty results."""

    results: tuple[TrialResult, ...]


def run_trials(setup: Setup, chunk: Chunk, window: tuple[int, int], stage: str) -> Finished:
    """Run a chunk of (params, symbol) trials one after the other on a worker."""
    return Finished(tuple(run_trial(setup.config, params, symbol, window, stage, setup.inputs[symbol],
                                    setup.starting_balance, setup.objective, setup.constraints)
                          for params, symbol in chunk.trials))


BIG = 1e9  # a profit factor without a losing trade (infinite) counts as this


def _score(figures: Mapping[str, Any], objective: Objective) -> float:
    value = figures[objective.value]
    if value is None:  # only the profit factor is ever infinite: wins and no loss
        return BIG
    return float(Decimal(value)) if isinstance(value, str) else float(value)


# -- running phases -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """Where a sweep stands: trials done of the total, the best so far and the estimated time left."""

    done: int
    total: int
    best: TrialResult | None
    eta_seconds: float | None
    ran: int  # trials run in this session (the rest of ``done`` came from the store)


@dataclass
class Outcome:
    """What ``run_sweep`` returns: every trial of the sweep, and how many were run now vs found stored."""

    sweep_id: str
    results: list[TrialResult]
    ran: int
    reused: int
    cancelled: bool
    walk_forward: list[dict] = field(default_factory=list)


SAVE_EVERY = 0.25  # seconds: finished trials are stored together at most this long after they arrive
TASK_SECONDS = 1.0  # a task runs at most about this long once trials are timed
LEAST_TASK_SECONDS = 0.1  # and no less, until fewer trials than that are left
FIRST_TASK = 4  # trials in a task before any trial has been timed
SHARE = 1.5  # a task takes 1 / (SHARE x workers) of the trials left


def chunk_size(remaining: int, workers: int, trial_seconds: float | None) -> int:
    """How many trials the next task runs: guided self-scheduling, between 0.1 and 1 s of work.

    Trials of a few ms cost the scheduler about as much as they take, so a task runs several; the
    tasks shrink as the phase runs out (a share of what is left per worker), so the workers finish
    together instead of one waiting on the other's last long task, but never below 0.1 s of trials.
    A task costs the client, the scheduler and the worker together 13-18 ms of CPU on a 2-core
    machine (measured with empty tasks and with tasks of forty results), taken from the cores that
    run the trials: a 200-trial sweep ran 18-19 tasks with tasks of 0.05-0.5 s and a quarter of what
    was left, 13 with these (0.29 core-s outside the trials instead of 0.37, the same idle time).
    The 1 s ceiling bounds what a killed cluster loses and how long a cancelled sweep's last tasks
    hold the workers.
    """
    if trial_seconds is None:
        return max(1, min(remaining, FIRST_TASK))
    trial_seconds = max(trial_seconds, 1e-6)
    guided = math.ceil(remaining / (SHARE * workers))
    cap = max(1, int(TASK_SECONDS / trial_seconds))
    floor = max(1, math.ceil(LEAST_TASK_SECONDS / trial_seconds))
    return min(remaining, max(floor, min(guided, cap)))


class Runner:
    """Runs a spec's phases on a client; the store sees each result as it arrives.

    ``store`` has ``stored() -> dict[key, TrialResult]`` and ``add(result)``; ``cancel`` is checked
    between results, and when set the pending futures are cancelled.
    """

    def __init__(self, spec: SweepSpec, inputs: Mapping[str, Any], *, client: Any, store: Any,
                 cancel: threading.Event | None = None, progress: Callable[[Progress], None] | None = None,
                 total: int = 0, clock: Callable[[], float] = time.monotonic, save_every: float = SAVE_EVERY) -> None:
        self.spec, self.client, self.store = spec, client, store
        self.cancel = cancel or threading.Event()
        self._progress = progress or (lambda p: None)
        self._clock = clock
        self.stored: dict[str, TrialResult] = dict(store.stored())
        self.results: dict[str, TrialResult] = {}
        self.total = total
        self.ran = 0
        self.reused = 0
        self.best: TrialResult | None = None
        self._began = clock()
        self.workers = worker_count(client)
        self.save_every = save_every
        self._unsaved: list[TrialResult] = []
        self._saved_at = clock()
        self._timed = [0.0, 0]  # seconds, trials
        self._session = uuid.uuid4().hex[:8]  # a resumed sweep's tasks never meet a cancelled one's keys
        missing = [s for s in spec.symbols if s not in inputs]
        if missing:
            raise ConfigError(f"no candles for {', '.join(missing)}; download them first")
        # Once per sweep: every worker holds the candles and the config; a task carries a reference to them.
        # Under a key of its own (hash=False, not a hash of the data): a resumed sweep's copy never meets
        # an earlier one being released.
        setup = Setup(config=spec.config, inputs={s: inputs[s] for s in spec.symbols},
                      starting_balance=spec.starting_balance, objective=spec.objective, constraints=spec.constraints)
        [self.setup] = client.scatter([setup], broadcast=True, hash=False)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def _submit(self, trials: Sequence[tuple[dict, str]], window: tuple[int, int], stage: str):
        """One task running ``trials`` (params, symbol) one after the other."""
        first = trial_key(*trials[0], window)
        return self.client.submit(run_trials, self.setup, Chunk(tuple(trials)), window, stage,
                                  key=f"trials-{first}-{len(trials)}-{self._session}", pure=False)

    def _finished(self, batch: list) -> list[TrialResult]:
        """The results of a batch of finished futures; stored (and counted) within ``save_every`` seconds."""
        results = []
        for finished in self.client.gather(batch):  # one request for the whole batch
            results.extend(finished.results)
        for future in batch:
            future.release()
        for result in results:
            self._timed[0] += result.seconds
            self._timed[1] += 1
        self._unsaved.extend(results)
        if self._clock() - self._saved_at >= self.save_every:
            self.save()
        return results

    def save(self) -> None:
        """Store the results not stored yet, in one transaction, then count them as done."""
        results, self._unsaved = self._unsaved, []
        self._saved_at = self._clock()
        if not results:
            return
        add_many = getattr(self.store, "add_many", None)
        if add_many is not None:
            add_many(results)
        else:
            for result in results:
                self.store.add(result)
        for result in results:
            self._record(result, reused=False)

    def trial_seconds(self) -> float | None:
        """The mean time of the trials run so far on the workers; None before the first."""
        total, count = self._timed
        return total / count if count else None

    def chunks(self, todo: Sequence) -> Iterator[list]:
        """``todo`` in tasks of several trials, each sized as it is submitted (``chunk_size``)."""
        start = 0
        while start < len(todo):
            size = chunk_size(len(todo) - start, self.workers, self.trial_seconds())
            yield list(todo[start:start + size])
            start += size

    def _record(self, result: TrialResult, *, reused: bool) -> None:
        self.results[result.key] = result
        if reused:
            self.reused += 1
        else:
            self.ran += 1
        better = self.best is None or (result.score is not None and result.score > self.best.score)
        if result.stage != "test" and result.feasible and result.score is not None and better:
            self.best = result
        self._tell_progress()

    def _tell_progress(self) -> None:
        done = self.ran + self.reused
        eta = None
        if self.ran:
            eta = (self._clock() - self._began) / self.ran * max(0, self.total - done)
        self._progress(Progress(done, max(self.total, done), self.best, eta, self.ran))

    def grid(self, param_sets: Sequence[dict], window: tuple[int, int], stage: str) -> list[TrialResult]:
        """Run every parameter set on every symbol over ``window``; return the phase's results."""
        from distributed import as_completed

        wanted = [(p, s) for p in param_sets for s in self.spec.symbols]
        out: list[TrialResult] = []
        todo = []
        for params, symbol in wanted:
            key = trial_key(params, symbol, window)
            if key in self.stored:
                self._record(self.stored[key], reused=True)
                out.append(self.stored[key])
            else:
                todo.append((key, params, symbol))
        # In the order of their keys (hashes): a task's trials come from all over the grid, not from
        # one corner of it whose trials all run long, so a task lasts what its size predicts.
        todo.sort(key=lambda trial: trial[0])
        pending = self.chunks([(params, symbol) for _, params, symbol in todo])
        # Two tasks per worker in flight: one running, the next waiting on the worker; each is sized
        # as it is submitted, from the trials timed by then.
        limit = 2 * self.workers
        flying = as_completed([self._submit(c, window, stage) for c in itertools.islice(pending, limit)])
        try:
            for batch in flying.batches():  # the futures finished by now
                if self.cancelled:
                    self._cancel(flying)
                    break
                out.extend(self._finished(batch))
                for following in itertools.islice(pending, len(batch)):
                    flying.add(self._submit(following, window, stage))
        finally:
            self.save()
        return out

    def search(self, window: tuple[int, int], stage: str) -> list[TrialResult]:
        """Run ``spec.trials`` parameter sets drawn by an optuna sampler (ask-and-tell) over ``window``."""
        import optuna
        from distributed import as_completed

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        spec = self.spec
        specs = spec.strategy_specs
        distributions = {r.name: r.distribution(specs[r.name]) for r in spec.ranges}
        sampler = (optuna.samplers.TPESampler(seed=spec.seed) if spec.search == "tpe"
                   else optuna.samplers.RandomSampler(seed=spec.seed))
        study = optuna.create_study(direction="maximize", sampler=sampler)
        out: list[TrialResult] = []
        asked = self._replay_stored(study, distributions, window, out)
        open_trials: dict[int, tuple[Any, dict[str, TrialResult]]] = {}
        flying = as_completed()
        by_future: dict[Any, int] = {}

        def ask() -> None:
            nonlocal asked
            trial = study.ask(distributions)
            asked += 1
            params = dict(trial.params)
            open_trials[trial.number] = (trial, {})
            for symbol in spec.symbols:
                key = trial_key(params, symbol, window)
                known = self.stored.get(key) or self.results.get(key)
                if known is not None:  # drawn again, or the rest of a trial cut short
                    self._record(known, reused=True)
                    out.append(known)
                    open_trials[trial.number][1][symbol] = known
                else:
                    future = self._submit([(params, symbol)], window, stage)
                    by_future[future] = trial.number
                    flying.add(future)
            self._tell_when_complete(study, open_trials, trial.number)

        while asked < spec.trials and len(open_trials) < self.workers:
            ask()
        try:
            for batch in flying.batches():
                if self.cancelled:
                    self._cancel(flying)
                    break
                numbers = [by_future.pop(future) for future in batch]
                for number, result in zip(numbers, self._finished(batch)):
                    out.append(result)
                    open_trials[number][1][result.symbol] = result
                    self._tell_when_complete(study, open_trials, number)
                while asked < spec.trials and len(open_trials) < self.workers and not self.cancelled:
                    ask()
        finally:
            self.save()
        return out

    def _replay_stored(self, study: Any, distributions: dict, window: tuple[int, int], out: list) -> int:
        """Give the sampler the trials stored from an earlier start; return how many count as asked."""
        import optuna

        groups: dict[str, dict[str, TrialResult]] = {}
        for result in self.stored.values():
            if result.window == window and set(result.params) == set(distributions):
                groups.setdefault(json.dumps(result.params, sort_keys=True), {})[result.symbol] = result
        count = 0
        for text, by_symbol in groups.items():
            params = json.loads(text)
            if all(s in by_symbol for s in self.spec.symbols):
                for result in by_symbol.values():
                    self._record(result, reused=True)
                    out.append(result)
                value = _mean_score(by_symbol.values())
                state = optuna.trial.TrialState.COMPLETE if value is not None else optuna.trial.TrialState.FAIL
                try:
                    study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions,
                                                              value=value, state=state))
                except ValueError:
                    continue  # outside the ranges as now defined
                count += 1
            else:
                study.enqueue_trial(params)  # asked first; its stored symbols are reused
        return count

    def _tell_when_complete(self, study: Any, open_trials: dict, number: int) -> None:
        import optuna

        trial, by_symbol = open_trials[number]
        if len(by_symbol) < len(self.spec.symbols):
            return
        del open_trials[number]
        value = _mean_score(by_symbol.values())
        if value is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, value)

    def _cancel(self, flying: Any) -> None:
        futures = list(flying.futures) if hasattr(flying, "futures") else []
        flying.clear()
        if futures:
            self.client.cancel(futures)


def _mean_score(results) -> float | None:
    """A parameter set's score over its symbols: the mean; None if any failed or missed a constraint."""
    results = list(results)
    if not results or any(r.score is None or not r.feasible for r in results):
        return None
    return sum(r.score for r in results) / len(results)


def ranking(results: Sequence[TrialResult]) -> list[tuple[dict, float | None]]:
    """Parameter sets from best to worst by their mean score over the symbols (infeasible last)."""
    groups: dict[str, list[TrialResult]] = {}
    for result in results:
        groups.setdefault(json.dumps(result.params, sort_keys=True), []).append(result)
    scored = [(json.loads(k), _mean_score(v)) for k, v in groups.items()]
    return sorted(scored, key=lambda item: (item[1] is not None, item[1] or 0.0), reverse=True)


def trial_count(spec: SweepSpec) -> int:
    """How many trials a plain (not walk-forward) sweep runs."""
    per_symbol = len(spec.grid()) if spec.search == "grid" else spec.trials
    return per_symbol * len(spec.symbols)


def run_sweep(spec: SweepSpec, inputs: Mapping[str, SymbolInputs], *, client: Any, store: Any,
              cancel: threading.Event | None = None, progress: Callable[[Progress], None] | None = None,
              save_every: float = SAVE_EVERY) -> Outcome:
    """Run ``spec`` on ``client`` (its walk-forward windows when it has them); return every trial.

    ``inputs`` maps each symbol to its candles over the whole range. Stored trials (same key) are
    not run again. When ``cancel`` is set the run stops after the trial in hand; what finished stays.
    """
    if spec.walk_forward is not None:
        from console.backtest.walkforward import run_walk_forward

        return run_walk_forward(spec, inputs, client=client, store=store, cancel=cancel, progress=progress,
                                save_every=save_every)
    runner = Runner(spec, inputs, client=client, store=store, cancel=cancel, progress=progress,
                    total=trial_count(spec), save_every=save_every)
    window = (spec.start_ms, spec.end_ms)
    if spec.search == "grid":
        runner.grid(spec.grid(), window, "search")
    else:
        runner.search(window, "search")
    return Outcome(spec.sweep_id, list(runner.results.values()), runner.ran, runner.reused, runner.cancelled)


def run_sequential(spec: SweepSpec, inputs: Mapping[str, SymbolInputs]) -> list[TrialResult]:
    """Run a grid sweep's trials one by one in this process (the reference the cluster must match)."""
    window = (spec.start_ms, spec.end_ms)
    return [run_trial(spec.config, params, symbol, window, "search", inputs[symbol], spec.starting_balance,
                      spec.objective, spec.constraints)
            for params in spec.grid() for symbol in spec.symbols]


def total_for(spec: SweepSpec) -> int:
    """Every trial the spec runs, walk-forward windows included."""
    if spec.walk_forward is None:
        return trial_count(spec)
    from console.backtest.walkforward import total_trials, windows

    wf = spec.walk_forward
    return total_trials(spec, len(windows(spec.start_ms, spec.end_ms, wf.train_ms, wf.test_ms, wf.step_ms)))


def run_stored(db: Any, spec: SweepSpec, inputs: Mapping[str, SymbolInputs], *, client: Any,
               cancel: threading.Event | None = None, progress: Callable[[Progress], None] | None = None,
               name: str = "", save_every: float = SAVE_EVERY) -> Outcome:
    """Run ``spec`` with its trials stored in ``db`` (tables sweeps, sweep_trials): resume it if stored.

    The sweep's state ends done, cancelled or failed.
    """
    from console.storage import sweeps

    sweeps.begin(db.cursor(), spec, total_for(spec), name)
    try:
        outcome = run_sweep(spec, inputs, client=client, store=sweeps.SweepStore(db, spec), cancel=cancel,
                            progress=progress, save_every=save_every)
    except BaseException:
        sweeps.finish(db.cursor(), spec.sweep_id, "failed")
        raise
    sweeps.finish(db.cursor(), spec.sweep_id, "cancelled" if outcome.cancelled else "done")
    return outcome
