"""200 trials of ma_cross (a 20 x 10 grid of fast x slow) over a year of 1h candles (8,760, a seeded walk),
run one by one in this process and as a sweep on a dask LocalCluster of 2 worker processes (results
written to DuckDB as they finish), side by side: eleven rounds, each running the sides in another
order. A third side, two plain worker processes each running every other trial (no scheduler,
nothing stored), shows what the machine's two cores give two processes at the moment: the floor.
Prints each one's trials/s, the cluster's start-up time (not counted), and the scheduling overhead
per trial: (cluster wall - plain wall) x workers / trials. Checks both give the same scores.
Last line: ``ratio <cluster / sequential wall time>``, the median of the rounds' ratios (goal <= 0.6
on 2 cores).

Run: ``.venv/bin/python benchmarks/bench_sweep.py``.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.backtest import symbol_rules  # noqa: E402
from console.backtest.cluster import cluster_client  # noqa: E402
from console.backtest.sweep import (  # noqa: E402
    Constraints, Objective, ParamRange, SweepSpec, SymbolInputs, run_sequential, run_stored,
)
from console.domain import BotConfig, Market  # noqa: E402
from console.storage.db import Database  # noqa: E402

HOURS = 8_760
WORKERS = 2
ROUNDS = 11


def walk(n: int = HOURS, seed: int = 7) -> pd.DataFrame:
    """A seeded random walk of one-hour candles around 30,000."""
    rng = np.random.default_rng(seed)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.006, n)))
    open_ = np.concatenate(([30_000.0], close[:-1]))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.003, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.003, n)))
    ts = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC")
    return pd.DataFrame({"ts": ts, "open": open_.round(2), "high": high.round(2), "low": low.round(2),
                         "close": close.round(2), "volume": 1.0})


def spec_for(frame: pd.DataFrame) -> SweepSpec:
    start = int(frame["ts"].iloc[0].timestamp() * 1000)
    config = BotConfig(name="bench", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross", size=Decimal("100"),
                       take_profit_pct=Decimal("3"), stop_loss_pct=Decimal("2"), max_trades_per_day=100)
    return SweepSpec(config=config, ranges=(ParamRange.parse("fast", "2:40:2"), ParamRange.parse("slow", "50:500:50")),
                     symbols=("BTC/USDT",), start_ms=start, end_ms=start + HOURS * 3_600_000,
                     objective=Objective.SHARPE, constraints=Constraints(min_trades=5))


def burn(seconds: float) -> float:
    """Spin for ``seconds`` of wall time; return the CPU time this process got."""
    began, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - began < seconds:
        pass
    return time.process_time() - cpu


def cpu_share() -> tuple[float, float]:
    """The cores one process, then two processes at once, get on this machine now (2.0: two idle cores)."""
    from concurrent.futures import ProcessPoolExecutor

    one = burn(1.0)
    with ProcessPoolExecutor(2) as pool:
        two = sum(pool.map(burn, [1.0, 1.0]))
    return one, two


_PLAIN: dict = {}


def _plain_setup() -> None:
    frame = walk()
    _PLAIN["spec"] = spec_for(frame)
    _PLAIN["inputs"] = {"BTC/USDT": SymbolInputs(candles=frame, funding=None,
                                                 rules=symbol_rules("BTC/USDT", Market.SPOT))}


def _plain_share(share: tuple[int, int]) -> list[float | None]:
    """Every ``share[1]``-th trial from ``share[0]``, one by one (a plain process's part), of the grid
    in the order of the trials' keys, as the sweep hands them out: in the grid's own order every
    other point has the same slow average, and one half ran 20-40% longer than the other."""
    from console.backtest.sweep import run_trial, trial_key

    spec, inputs = _PLAIN["spec"], _PLAIN["inputs"]
    window = (spec.start_ms, spec.end_ms)
    grid = sorted(spec.grid(), key=lambda params: trial_key(params, "BTC/USDT", window))
    return [run_trial(spec.config, params, "BTC/USDT", window, "search", inputs["BTC/USDT"], spec.starting_balance,
                      spec.objective, spec.constraints).score for params in grid[share[0]::share[1]]]


def noop(index: int) -> int:
    return index


def dask_round_trips(client, count: int) -> float:
    """Seconds per task of ``count`` empty tasks through the sweep's submit / as_completed pattern."""
    from distributed import as_completed

    began = time.perf_counter()
    flying = as_completed([client.submit(noop, i, pure=False) for i in range(min(count, 8))])
    sent = min(count, 8)
    for batch in flying.batches():
        for future in batch:
            future.result()
        for _ in range(min(len(batch), count - sent)):
            flying.add(client.submit(noop, sent, pure=False))
            sent += 1
    return (time.perf_counter() - began) / count


def main() -> None:
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    one, two = cpu_share()
    print(f"CPU to be had now: one busy process gets {one:.2f} of a core, two get {two:.2f} together "
          f"(an idle machine: 1.00 and 2.00)")
    frame = walk()
    inputs = {"BTC/USDT": SymbolInputs(candles=frame, funding=None, rules=symbol_rules("BTC/USDT", Market.SPOT))}
    spec = spec_for(frame)
    trials = len(spec.grid())
    run_sequential(spec_for(frame.head(600)), {"BTC/USDT": SymbolInputs(candles=frame.head(600), funding=None,
                                                                       rules=inputs["BTC/USDT"].rules)})  # warm imports
    seq_times, cluster_times, plain_times = [], [], []
    from concurrent.futures import ProcessPoolExecutor

    plain = ProcessPoolExecutor(WORKERS, initializer=_plain_setup)
    list(plain.map(_plain_share, [(i, WORKERS * 20) for i in range(WORKERS)]))  # start and warm them
    t0 = time.perf_counter()
    with cluster_client(n_workers=WORKERS) as client:
        t_start = time.perf_counter() - t0

        def run_seq() -> None:
            nonlocal sequential
            t0 = time.perf_counter()
            sequential = run_sequential(spec, inputs)
            seq_times.append(time.perf_counter() - t0)

        def run_cluster() -> None:
            nonlocal outcome
            db = Database.open(":memory:")
            t0 = time.perf_counter()
            outcome = run_stored(db, spec, inputs, client=client)
            cluster_times.append(time.perf_counter() - t0)
            db.close()

        def run_plain() -> None:
            t0 = time.perf_counter()
            list(plain.map(_plain_share, [(i, WORKERS) for i in range(WORKERS)]))
            plain_times.append(time.perf_counter() - t0)

        sequential, outcome = [], None
        sides = [run_seq, run_cluster, run_plain]
        for r in range(ROUNDS):  # side by side, each round in another order: a burst of load hits all
            for side in sides[r % 3:] + sides[:r % 3]:
                side()
        per_noop = dask_round_trips(client, trials)
    plain.shutdown()
    # The machine's speed drifts by a third within a run (other tenants of its cores): each round's
    # sides ran within seconds of each other, so the ratio is taken round by round, then its median.
    ratios = [c / q for c, q in zip(cluster_times, seq_times)]
    floors = [p / q for p, q in zip(plain_times, seq_times)]
    t_seq, t_cluster = statistics.median(seq_times), statistics.median(cluster_times)
    t_plain = statistics.median(plain_times)
    print(f"sequential:            {trials} trials in {t_seq:.2f} s, {trials / t_seq:.1f} trials/s "
          f"(median of {ROUNDS}: {', '.join(f'{t:.2f}' for t in seq_times)})")
    print(f"{WORKERS} plain processes, every other trial each, no scheduler, nothing stored: {t_plain:.2f} s "
          f"(median of {ROUNDS}: {', '.join(f'{t:.2f}' for t in plain_times)}): ratio {statistics.median(floors):.2f} "
          f"(round by round: {', '.join(f'{f:.2f}' for f in floors)}), "
          "what this machine's cores give two processes now, the floor for the cluster's ratio")
    work = sum(r.seconds for r in outcome.results)
    print(f"LocalCluster ({WORKERS} workers): {trials} trials in {t_cluster:.2f} s, {trials / t_cluster:.1f} trials/s "
          f"(median of {ROUNDS}: {', '.join(f'{t:.2f}' for t in cluster_times)}; cluster start {t_start:.1f} s, "
          "not counted)")
    print(f"the trials' own wall time on the workers (last round): {work:.2f} s ({work / trials * 1000:.1f} ms per trial, "
          "time waiting for a core included)")
    print(f"scheduling overhead per trial: {(t_cluster - t_plain) * WORKERS / trials * 1000:.1f} ms of the cores' time "
          f"beyond the plain processes' (scatter, submit, results, the DuckDB writes, the scheduler's and the "
          f"client's CPU); an empty task's round trip: {per_noop * 1000:.1f} ms")
    ours = {r.key: r.score for r in outcome.results}
    same = sum(ours.get(r.key) == r.score for r in sequential)
    print(f"scores agree on {same} of {trials} trials")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"cluster / sequential round by round: {', '.join(f'{x:.2f}' for x in ratios)}; "
          f"median {statistics.median(ratios):.2f} (the cluster's ratio above its floor: "
          f"{statistics.median(r - f for r, f in zip(ratios, floors)):+.2f})")
    print(f"ratio {statistics.median(ratios):.4f}")


if __name__ == "__main__":
    main()
