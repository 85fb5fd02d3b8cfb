"""A LocalCluster in a process of its own: ``python -m console.backtest.cluster_process --workers N``.

Worker processes are started by multiprocessing's spawn, which runs the parent's main module again
in each child. Inside Streamlit that main module is the page being drawn (it would open the console
and its database in every worker), so the console never starts workers itself: it starts this
module, reads the scheduler's address from its first line, and connects to it as to any cluster.
The cluster closes when its parent closes the pipe to its standard input, or dies.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

READY = "scheduler "


def start(n_workers: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start the cluster process; return it and its scheduler address (``tcp://127.0.0.1:PORT``)."""
    from console.errors import ConfigError

    workers = n_workers or os.cpu_count() or 1
    # From the folder that holds the console package: the console may run from any other folder.
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "console.backtest.cluster_process", "--workers", str(workers)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=root)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(READY):
        proc.kill()
        proc.wait()
        raise ConfigError("the sweep's local cluster did not start (dask's workers failed); run "
                          "`python -m console.backtest.cluster_process` to see why, or set CONSOLE_SWEEP_SCHEDULER")
    return proc, line[len(READY):].strip()


def stop(proc: subprocess.Popen) -> None:
    """Close the cluster: its standard input is closed, then it is waited for (killed after 30 s)."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m console.backtest.cluster_process",
                                     description="Run a dask LocalCluster for sweeps until standard input closes.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes, one thread each")
    args = parser.parse_args()
    import dask
    from distributed import LocalCluster

    # The workers' sampling profiler takes the GIL every 10 ms from trials that are pure Python; the
    # scheduler sends each worker its next trials ahead rather than one at a time (no root-task queue);
    # the workers keep glibc's own malloc thresholds: dask's MALLOC_TRIM_THRESHOLD_=65536 fixes
    # the mmap threshold too, and pandas' arrays of a year of candles then cost a trial 10% more.
    # No dashboard: nothing shows it, and it would listen on every interface of the machine.
    # The event-loop health check (every 20 ms), the system monitor (500 ms) and the memory monitors
    # (100 ms, in each worker and its nanny) wake every process of the cluster: on a machine whose
    # cores all run trials, they cost a third of the CPU a sweep spends outside its trials.
    dask.config.set({"distributed.worker.profile.enabled": False,
                     "distributed.scheduler.worker-saturation": "inf",
                     "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1},
                     "distributed.admin.tick.interval": "1s",
                     "distributed.admin.system-monitor.interval": "2s",
                     "distributed.worker.memory.monitor-interval": "1s"})
    cluster = LocalCluster(n_workers=max(1, args.workers), threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None, silence_logs=40)
    if hasattr(os, "nice"):
        os.nice(10)  # the scheduler yields the cores to the workers (started before, so not niced)
    print(READY + cluster.scheduler_address, flush=True)
    try:
        sys.stdin.read()  # until the parent closes the pipe or dies
    finally:
        cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
