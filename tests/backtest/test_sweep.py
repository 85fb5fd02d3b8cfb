"""Parameter sweeps on a real dask LocalCluster (2 worker processes): the same figures as backtests run one
by one, results stored as they finish, and a sweep cut short (cancelled, or its process SIGKILLed)
resuming without running a finished trial again."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from console.backtest import metrics, run_backtest, symbol_rules
from console.backtest.cluster import cluster_client, worker_count
from console.backtest.sweep import (
    Constraints, Objective, ParamRange, SweepSpec, SymbolInputs, WalkForward, run_stored, trial_key, window_frame,
)
from console.backtest.walkforward import windows
from console.domain import BotConfig, Market
from console.engine.strategies import get_strategy
from console.errors import ConfigError
from console.storage import sweeps
from console.storage.db import Database
from tests.backtest.test_run import load

ROOT = Path(__file__).resolve().parents[2]
CANDLES = 1200  # 50 days of 1h candles per symbol
DAY = 86_400_000


def inputs_from(data: Path, symbols=("BTC/USDT",)) -> dict[str, SymbolInputs]:
    out = {}
    for symbol in symbols:
        frame = load(data, f"binance_spot_{symbol.replace('/', '')}_1h.csv").iloc[:CANDLES]
        out[symbol] = SymbolInputs(candles=frame, funding=None, rules=symbol_rules(symbol, Market.SPOT))
    return out


def grid_spec(inputs: dict[str, SymbolInputs], **overrides) -> SweepSpec:
    frame = next(iter(inputs.values())).candles
    start = int(frame["ts"].iloc[0].timestamp() * 1000)
    fields = dict(config=BotConfig(name="sweep", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross",
                                   size=Decimal("100"), take_profit_pct=Decimal("3"), stop_loss_pct=Decimal("2")),
                  ranges=(ParamRange.parse("fast", "5:20:5"), ParamRange.parse("slow", "30,50")),
                  symbols=tuple(inputs), start_ms=start, end_ms=start + CANDLES * 3_600_000,
                  objective=Objective.SHARPE, constraints=Constraints(min_trades=2))
    fields.update(overrides)
    return SweepSpec(**fields)


class RecordingStore(sweeps.SweepStore):
    """The sweep's real store, remembering which trials this run added."""

    def __init__(self, db, spec) -> None:
        super().__init__(db, spec)
        self.added: list[str] = []

    def add(self, result) -> None:
        super().add(result)
        self.added.append(result.key)

    def add_many(self, results) -> None:
        super().add_many(results)
        self.added.extend(r.key for r in results)


@pytest.fixture(scope="module")
def client():
    with cluster_client(n_workers=2) as c:
        yield c


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "console.duckdb")
    yield database
    database.close()


@pytest.mark.parametrize("name, text, values", [
    ("fast", "5,10,20", [5, 10, 20]),
    ("fast", "5:20:5", [5, 10, 15, 20]),
    ("fast", "5:21:5", [5, 10, 15, 20]),
    ("fast", "5.0,5,6", [5, 6]),
    ("ma_type", "sma,ema", ["sma", "ema"]),
])
def test_a_grid_range_gives_its_values(name, text, values):
    params = {p.name: p for p in get_strategy("ma_cross").params}
    assert ParamRange.parse(name, text).grid(params[name]) == values


@pytest.mark.parametrize("ranges, message", [
    ((ParamRange.parse("fast", "5:20"),), "needs a step"),
    ((ParamRange.parse("window", "5:20:5"),), "has no parameter 'window'"),
    ((), "at least one parameter range"),
])
def test_a_sweep_refuses_what_it_cannot_run(shared_data, ranges, message):
    with pytest.raises(ConfigError, match=message):
        grid_spec(inputs_from(shared_data), ranges=ranges)


def test_the_id_and_trial_keys_follow_the_definition(shared_data):
    inputs = inputs_from(shared_data)
    assert grid_spec(inputs).sweep_id == grid_spec(inputs).sweep_id
    assert grid_spec(inputs).sweep_id != grid_spec(inputs, objective=Objective.CALMAR).sweep_id
    assert trial_key({"fast": 5, "slow": 30}, "BTC/USDT", (0, 1)) == trial_key({"slow": 30, "fast": 5}, "BTC/USDT", (0, 1))
    assert trial_key({"fast": 5}, "BTC/USDT", (0, 1)) != trial_key({"fast": 5}, "ETH/USDT", (0, 1))


def test_a_grid_sweep_matches_the_same_backtests_run_one_by_one(shared_data, client, db):
    inputs = inputs_from(shared_data, ("BTC/USDT", "ETH/USDT"))
    spec = grid_spec(inputs)
    outcome = run_stored(db, spec, inputs, client=client)

    assert outcome.ran == 16 and outcome.reused == 0 and not outcome.cancelled
    stored = {r.key: r for r in sweeps.trials(db.cursor(), spec.sweep_id)}
    assert len(stored) == 16
    window = (spec.start_ms, spec.end_ms)
    for params in spec.grid():
        for symbol in spec.symbols:
            config = replace(spec.config, symbol=symbol, params=get_strategy("ma_cross").validate(params))
            run = run_backtest(config, window_frame(inputs[symbol].candles, window), inputs[symbol].rules)
            expected = metrics(run)
            got = stored[trial_key(params, symbol, window)]
            assert got.metrics["net_profit"] == str(expected.net_profit)
            assert got.metrics["trades"] == expected.trades
            assert got.metrics["max_drawdown_pct"] == expected.max_drawdown_pct
            assert got.score == expected.sharpe
            assert got.feasible == (expected.trades >= 2)
    assert sweeps.get(db.cursor(), spec.sweep_id).state == "done"


def test_a_cancelled_sweep_resumes_without_repeating_a_trial(shared_data, client, db):
    inputs = inputs_from(shared_data)
    spec = grid_spec(inputs, ranges=(ParamRange.parse("fast", "4:22:2"), ParamRange.parse("slow", "30,50")))
    cancel = threading.Event()

    def progress(p):
        if p.ran >= 3:
            cancel.set()

    first = RecordingStore(db, spec)
    from console.backtest.sweep import run_sweep

    sweeps.begin(db.cursor(), spec, 20)
    outcome = run_sweep(spec, inputs, client=client, store=first, cancel=cancel, progress=progress, save_every=0)
    assert outcome.cancelled
    kept = {r.key for r in sweeps.trials(db.cursor(), spec.sweep_id)}
    assert 3 <= len(kept) < 20 and kept == set(first.added)

    again = RecordingStore(db, spec)
    resumed = run_sweep(spec, inputs, client=client, store=again)
    assert not resumed.cancelled
    assert resumed.reused == len(kept) and resumed.ran == 20 - len(kept)
    assert not kept & set(again.added)
    assert len(sweeps.trials(db.cursor(), spec.sweep_id)) == 20


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from distributed import Client
from console.backtest.sweep import run_stored
from console.storage.db import Database
from tests.backtest.test_sweep import grid_spec, inputs_from, KILL_RANGES

inputs = inputs_from(Path(sys.argv[2]))
spec = grid_spec(inputs, ranges=KILL_RANGES)
db = Database.open(sys.argv[3])

def progress(p):
    if p.ran >= int(sys.argv[4]):
        os.kill(os.getpid(), signal.SIGKILL)

with Client(sys.argv[1]) as client:
    run_stored(db, spec, inputs, client=client, progress=progress, save_every=0)
"""
KILL_RANGES = (ParamRange.parse("fast", "4:20:2"), ParamRange.parse("slow", "30,40"))


def test_a_sweep_killed_mid_way_keeps_its_trials_and_resumes(shared_data, client, tmp_path):
    path = tmp_path / "killed.duckdb"
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, client.scheduler.address, str(shared_data), str(path),
                             "4"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                            text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]

    db = Database.open(path)
    try:
        inputs = inputs_from(shared_data)
        spec = grid_spec(inputs, ranges=KILL_RANGES)
        kept = {r.key for r in sweeps.trials(db.cursor(), spec.sweep_id)}
        assert 4 <= len(kept) < 18  # the 4th trial's batch was written before the kill
        assert sweeps.get(db.cursor(), spec.sweep_id).state == "running"  # it never got to say otherwise
        from console.backtest.sweep import run_sweep

        again = RecordingStore(db, spec)
        resumed = run_sweep(spec, inputs, client=client, store=again)
        assert resumed.reused == len(kept) and resumed.ran == 18 - len(kept)
        assert not kept & set(again.added)
        assert len(sweeps.trials(db.cursor(), spec.sweep_id)) == 18
    finally:
        db.close()


def test_a_search_runs_its_trials_and_a_second_start_reuses_them(shared_data, client, db):
    inputs = inputs_from(shared_data)
    spec = grid_spec(inputs, ranges=(ParamRange.parse("fast", "3:20"), ParamRange.parse("slow", "25:60:5")),
                     search="tpe", trials=6)
    first = run_stored(db, spec, inputs, client=client)
    assert first.ran + first.reused == 6  # a set drawn twice runs once
    assert all(25 <= r.params["slow"] <= 60 and 3 <= r.params["fast"] <= 20 for r in first.results)
    second = run_stored(db, spec, inputs, client=client)
    assert second.ran == 0 and second.reused >= first.ran


def test_walk_forward_tunes_in_sample_and_tests_the_best_out_of_sample(shared_data, client, db):
    inputs = inputs_from(shared_data)
    spec = grid_spec(inputs, walk_forward=WalkForward(train_ms=20 * DAY, test_ms=10 * DAY, step_ms=10 * DAY))
    outcome = run_stored(db, spec, inputs, client=client)
    steps = windows(spec.start_ms, spec.end_ms, 20 * DAY, 10 * DAY, 10 * DAY)
    assert len(outcome.walk_forward) == len(steps) == 3
    for row, window in zip(outcome.walk_forward, steps):
        train = [r for r in outcome.results if r.stage == "train" and r.window == window.train]
        assert len(train) == 8
        feasible = [r for r in train if r.feasible]
        if not feasible:
            assert row["params"] == {}
            continue
        best = max(feasible, key=lambda r: r.score)
        assert row["params"] == best.params
        assert row["is_sharpe"] == best.score
        test = [r for r in outcome.results if r.stage == "test" and r.window == window.test]
        assert [r.params for r in test] == [best.params]
        assert row["oos_sharpe"] == test[0].metrics["sharpe"]


def test_the_command_line_sweeps_a_csv_on_the_cluster_and_resumes(shared_data, client, tmp_path, capsys,
                                                                  monkeypatch):
    from console.backtest.__main__ import main

    monkeypatch.setenv("CONSOLE_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(SystemExit) as shown:
        main(["sweep", "--help"])
    assert shown.value.code == 0 and "dask worker tcp://HOST:8786" in capsys.readouterr().out
    argv = ["sweep", "--symbol", "BTC/USDT", "--timeframe", "1h", "--candles",
            str(shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv"), "--from", "2020-11-17", "--to",
            "2020-12-31", "--range", "fast=5,10", "--range", "slow=30,50", "--objective", "calmar",
            "--scheduler", client.scheduler.address, "--db", str(tmp_path / "cli.duckdb"),
            "--json", str(tmp_path / "out.json")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "trial 4/4: best calmar" in out and "4 trials run, 0 found stored" in out
    import json

    report = json.loads((tmp_path / "out.json").read_text())
    assert len(report["trials"]) == 4 and report["ranking"][0]["score"] >= report["ranking"][-1]["score"]
    assert main(argv) == 0
    assert "0 trials run, 4 found stored" in capsys.readouterr().out


def test_the_local_cluster_starts_when_the_console_runs_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # streamlit run /path/to/streamlit_app.py from anywhere
    monkeypatch.delenv("PYTHONPATH", raising=False)
    with cluster_client(n_workers=1) as one:
        assert worker_count(one) == 1
        assert one.submit(sum, [1, 2], pure=False).result() == 3


def test_the_local_cluster_listens_on_this_machine_only():
    import psutil

    from console.backtest import cluster_process

    proc, address = cluster_process.start(1)
    try:
        assert address.startswith("tcp://127.0.0.1:")
        cluster = psutil.Process(proc.pid)  # the scheduler and nanny; the worker is up when it answers
        listening = [c.laddr for p in [cluster, *cluster.children(recursive=True)]
                     for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert len(listening) >= 2 and {a.ip for a in listening} == {"127.0.0.1"}, listening
    finally:
        cluster_process.stop(proc)


def test_tasks_shrink_as_the_phase_runs_out_and_hold_at_most_a_second_of_trials():
    from console.backtest.sweep import chunk_size

    assert chunk_size(200, 2, None) == 4  # before any trial is timed
    assert chunk_size(200, 2, 0.010) == 67  # a third of what is left for each of two workers
    assert chunk_size(400, 2, 0.010) == 100  # at most 1 s of trials
    assert chunk_size(200, 2, 0.050) == 20
    assert chunk_size(200, 2, 2.0) == 1  # long trials go one to a task
    assert chunk_size(40, 2, 0.010) == 14 and chunk_size(12, 2, 0.010) == 10  # never below 0.1 s of trials
    assert chunk_size(3, 2, 0.010) == 3 and chunk_size(1, 2, 0.010) == 1  # unless fewer are left
    sizes, left = [], 200
    while left:
        sizes.append(chunk_size(left, 2, 0.010))
        left -= sizes[-1]
    assert sum(sizes) == 200 and sizes == sorted(sizes, reverse=True) and min(sizes[:-1]) == 10
    assert len(sizes) <= 8


def test_a_trial_stored_already_is_kept_as_it_was_and_the_rest_of_its_batch_is_stored(db):
    from console.backtest.sweep import TrialResult

    spec = SweepSpec(config=BotConfig(name="sweep", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross",
                                      size=Decimal("100")),
                     ranges=(ParamRange.parse("fast", "5:15:5"),), symbols=("BTC/USDT",), start_ms=0, end_ms=DAY,
                     objective=Objective.SHARPE, constraints=Constraints())
    sweeps.begin(db.cursor(), spec, 3)

    def result(key: str, score: float) -> TrialResult:
        return TrialResult(key=key, stage="search", symbol="BTC/USDT", window=(0, DAY), params={"fast": 5},
                           metrics={"trades": 3}, score=score, feasible=True, seconds=0.01)

    store = sweeps.SweepStore(db, spec)
    store.add_many([result("a", 1.0), result("b", 2.0)])
    store.add_many([result("b", 9.0), result("c", 3.0), result("c", 8.0)])  # another run's "b"; "c" twice
    stored = {r.key: r for r in sweeps.trials(db.cursor(), spec.sweep_id)}
    assert {k: r.score for k, r in stored.items()} == {"a": 1.0, "b": 2.0, "c": 3.0}
    assert stored["a"].metrics == {"trades": 3} and stored["a"].window == (0, DAY) and stored["a"].feasible
