"""Parameter sweeps for the pages: define one, run it off the script thread, follow it, read its results.

Composed into ``Console`` as ``con.sweeps``. One sweep runs at a time, on a thread of its own, on
the dask cluster of ``CONSOLE_SWEEP_SCHEDULER`` or on a LocalCluster started at the first sweep and
kept until the console closes. The page polls ``job()`` (trials done / total, best so far, time
left) and may ``cancel()``; what finished is stored, and starting the same sweep again resumes it.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from console.backtest.sweep import (
    Constraints, Objective, Outcome, ParamRange, Progress, SweepSpec, SymbolInputs, TrialResult, WalkForward,
    run_stored, total_for,
)
from console.backtest.cluster import cluster_client
from console.backtest.walkforward import rebuild
from console.config import Settings
from console.domain import BotConfig
from console.errors import ConfigError
from console.jobs import BackgroundJob
from console.service.bots import Bots
from console.storage import sweeps
from console.storage.bots import config_to_json
from console.storage.db import Database

DAY_MS = 86_400_000
METRICS = ("net_profit", "return_pct", "sharpe", "sortino", "calmar", "profit_factor", "max_drawdown_pct",
           "win_rate_pct", "trades", "exposure_pct", "fees_paid", "cagr_pct")
MONEY_METRICS = ("net_profit", "fees_paid")


@dataclass(frozen=True)
class SweepView:
    """A snapshot of the running (or last) sweep: ``state`` is starting, running, done, cancelled or failed."""

    sweep_id: str
    title: str
    state: str
    done: int
    total: int
    best_params: dict | None
    best_score: float | None
    eta_seconds: float | None
    message: str
    started: float
    finished: float | None

    @property
    def running(self) -> bool:
        return self.state in ("starting", "running")

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class _Job:
    """One sweep on a daemon thread: ``work(tell, cancel)`` runs it; the page polls ``view()``."""

    def __init__(self, spec: SweepSpec, work: Callable[[Callable[[Progress], None], threading.Event], Outcome],
                 clock: Callable[[], float]) -> None:
        self.spec = spec
        self._job: BackgroundJob[Progress, Outcome] = BackgroundJob(
            work, progress=Progress(0, total_for(spec), None, None, 0), what="the sweep",
            again="start it again to resume", name="sweep", clock=clock,
            ended=lambda o: ("cancelled" if o.cancelled else "done", f"{o.ran} trials run, {o.reused} found stored"))

    def start(self) -> None:
        self._job.start()

    def cancel(self) -> None:
        self._job.cancel()

    def join(self, timeout: float | None) -> None:
        self._job.join(timeout)

    def view(self) -> SweepView:
        snap = self._job.snapshot()
        p, best = snap.progress, snap.progress.best
        state, message = snap.state, snap.text
        if state == "running" and not snap.told:
            state, message = "starting", "loading the candles, starting the cluster…"
        elif state == "running":
            message = ""
        return SweepView(self.spec.sweep_id, f"{self.spec.config.strategy} on {', '.join(self.spec.symbols)}",
                         state, p.done, p.total, best.params if best else None, best.score if best else None,
                         p.eta_seconds, message, snap.started, snap.finished)


class Sweeps:
    """Sweeps in the store and on the cluster; built once per Console."""

    def __init__(self, settings: Settings, db: Database, bots: Bots, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._db = db
        self._bots = bots
        self._clock = clock
        self._job: _Job | None = None
        self._cluster = ExitStack()
        self._client: Any = None

    def close(self) -> None:
        """Cancel a running sweep, then close the cluster."""
        if self._job is not None:
            self._job.cancel()
            self._job.join(30)
        self._cluster.close()
        self._client = None

    # -- defining one -----------------------------------------------------------------------
    def spec(self, form: Mapping[str, Any]) -> SweepSpec:
        """Build a sweep from the page's values; raise ConfigError with the fix.

        ``form`` holds the bot's fields (as ``con.bots.config`` takes them; ``symbol`` may be a list),
        ``ranges`` {param: "5,10,20" or "5:50:5"}, ``start`` / ``end`` (dates), ``objective``,
        ``min_trades``, ``max_drawdown_pct``, ``search``, ``trials``, ``seed``, ``balance`` and
        ``walk_forward`` (train, test, step in days) or None.
        """
        values = dict(form)
        symbols = values.pop("symbol", None) or values.pop("symbols", None)
        if isinstance(symbols, str):
            symbols = [s for s in symbols.replace(" ", "").split(",") if s]
        if not symbols:
            raise ConfigError("pick at least one symbol for the sweep, e.g. BTC/USDT")
        symbols = tuple(str(s).strip().upper() for s in symbols)
        ranges_raw = values.pop("ranges", {}) or {}
        extra = {k: values.pop(k, None) for k in ("start", "end", "objective", "min_trades", "max_drawdown_pct",
                                                  "search", "trials", "seed", "balance", "walk_forward", "id")}
        values.setdefault("name", "sweep")
        config = self._bots.config({**values, "symbol": symbols[0]})
        ranges = tuple(ParamRange.parse(name, str(text)) for name, text in ranges_raw.items() if str(text).strip())
        start, end = _day(extra["start"], "start"), _day(extra["end"], "end")
        wf = extra["walk_forward"]
        return SweepSpec(
            config=config, ranges=ranges, symbols=symbols, start_ms=start, end_ms=end,
            objective=Objective(extra["objective"] or "net_profit"),
            constraints=Constraints(min_trades=int(extra["min_trades"] or 0),
                                    max_drawdown_pct=float(extra["max_drawdown_pct"]) if extra["max_drawdown_pct"]
                                    else None),
            search=str(extra["search"] or "grid"), trials=int(extra["trials"] or 0), seed=int(extra["seed"] or 7),
            starting_balance=Decimal(str(extra["balance"] or "10000")),
            walk_forward=None if not wf else WalkForward(train_ms=int(float(wf[0]) * DAY_MS),
                                                         test_ms=int(float(wf[1]) * DAY_MS),
                                                         step_ms=int(float(wf[2]) * DAY_MS)),
            id=str(extra["id"] or ""))

    # -- running one ------------------------------------------------------------------------
    def start(self, spec: SweepSpec, inputs: Mapping[str, SymbolInputs] | None = None) -> str:
        """Run ``spec`` on a thread of its own (resuming it when stored); return its id.

        ``inputs`` (symbol -> candles) defaults to the history store's candles over the sweep's range.
        """
        if self._job is not None and self._job.view().running:
            raise ConfigError("a sweep is running; wait for it or cancel it before starting another")
        total_for(spec)  # refuses walk-forward windows that do not fit, here rather than on the thread

        def work(tell: Callable[[Progress], None], cancel: threading.Event) -> Outcome:
            data = dict(inputs) if inputs is not None else self._inputs(spec)
            client = self._cluster_client()
            return run_stored(self._db, spec, data, client=client, cancel=cancel, progress=tell)

        self._job = _Job(spec, work, self._clock)
        self._job.start()
        return spec.sweep_id

    def job(self) -> SweepView | None:
        """The running sweep, or the last one this console ran; None before the first."""
        return None if self._job is None else self._job.view()

    def cancel(self) -> None:
        """Stop the running sweep after the trials in hand; what finished stays stored."""
        if self._job is not None:
            self._job.cancel()

    def wait(self, timeout: float | None = None) -> SweepView | None:
        """Wait for the running sweep to end (the command line and tests); return its last view."""
        if self._job is not None:
            self._job.join(timeout)
        return self.job()

    def _cluster_client(self) -> Any:
        if self._client is None:
            self._client = self._cluster.enter_context(cluster_client(self.settings.sweep_scheduler))
        return self._client

    def _inputs(self, spec: SweepSpec) -> dict[str, SymbolInputs]:
        from console.backtest.inputs import stored_inputs
        from console.backtest.rules import symbol_rules

        out = {}
        for symbol in spec.symbols:
            config = dataclasses.replace(spec.config, symbol=symbol)
            candles, funding = stored_inputs(self.settings, config, spec.start_ms, spec.end_ms)
            out[symbol] = SymbolInputs(candles=candles, funding=funding, rules=symbol_rules(symbol, config.market))
        return out

    # -- what is stored ---------------------------------------------------------------------
    def list(self) -> pd.DataFrame:
        """One row per stored sweep, newest first."""
        rows = [{"id": s.id, "created": s.created_at, "name": s.name, "strategy": s.strategy, "symbols": s.symbols,
                 "search": s.spec.search, "objective": s.spec.objective.value, "state": s.state,
                 "done": s.done, "total": s.total} for s in sweeps.list(self._db.cursor())]
        return pd.DataFrame(rows, columns=["id", "created", "name", "strategy", "symbols", "search", "objective",
                                           "state", "done", "total"])

    def saved(self, sweep_id: str) -> sweeps.SavedSweep:
        return sweeps.get(self._db.cursor(), sweep_id)

    def trials(self, sweep_id: str) -> list[TrialResult]:
        return sweeps.trials(self._db.cursor(), sweep_id)

    def results(self, sweep_id: str, stage: str | None = None) -> pd.DataFrame:
        """One row per trial: its stage, symbol, each swept parameter, the score and the metrics (money as Decimal)."""
        saved = self.saved(sweep_id)
        names = [r.name for r in saved.spec.ranges]
        rows = []
        for t in self.trials(sweep_id):
            if stage is not None and t.stage != stage:
                continue
            row: dict[str, Any] = {"stage": t.stage, "symbol": t.symbol,
                                   "window_start": pd.Timestamp(t.window[0], unit="ms", tz="UTC")}
            row.update({n: t.params.get(n) for n in names})
            row["score"] = t.score
            row["feasible"] = t.feasible
            for m in METRICS:
                value = t.metrics.get(m)
                if value is None:
                    row[m] = None
                else:  # money stays Decimal; ratios are floats
                    row[m] = Decimal(value) if m in MONEY_METRICS else float(value)
            row["error"] = t.error
            rows.append(row)
        columns = ["stage", "symbol", "window_start", *names, "score", "feasible", *METRICS, "error"]
        return pd.DataFrame(rows, columns=columns)

    def walk_forward(self, sweep_id: str) -> pd.DataFrame:
        """Per walk-forward window: the parameters chosen in-sample, in-sample vs out-of-sample figures."""
        saved = self.saved(sweep_id)
        rows = rebuild(saved.spec, self.trials(sweep_id))
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        for column in ("train_start", "train_end", "test_start", "test_end"):
            frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
        frame["params"] = [json.dumps(p, sort_keys=True) if p else "(none met the constraints)"
                           for p in frame["params"]]
        return frame

    def bot_form(self, sweep_id: str, params: Mapping[str, Any], symbol: str, name: str) -> dict[str, Any]:
        """The bot form of the sweep's config with ``params`` on ``symbol``, named ``name``."""
        config: BotConfig = self.saved(sweep_id).spec.config
        form = json.loads(config_to_json(config))
        form.update(name=name, symbol=symbol, params={**config.params, **dict(params)})
        return {k: v for k, v in form.items() if v is not None}

    def create_bot(self, sweep_id: str, params: Mapping[str, Any], symbol: str, name: str) -> int:
        """Create a (stopped) bot from the sweep's config with ``params``, through ``con.bots``; return its id."""
        return self._bots.create(self.bot_form(sweep_id, params, symbol, name))


def _day(raw: object, what: str) -> int:
    from console.history import to_ms

    if raw is None or raw == "":
        raise ConfigError(f"give the sweep's {what} date, e.g. 2024-01-01")
    if isinstance(raw, date):
        return to_ms(raw)
    return to_ms(str(raw))
