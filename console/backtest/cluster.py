"""The dask cluster a sweep runs on: the scheduler at an address, or a LocalCluster of its own.

The LocalCluster runs in a process of its own (``cluster_process``); the client of the console's
process gathers results from its workers directly.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from console.errors import ConfigError


@contextmanager
def cluster_client(address: str = "", *, n_workers: int | None = None) -> Iterator[Any]:
    """A dask.distributed Client: of the scheduler at ``address``, or of a new LocalCluster.

    The LocalCluster (``console.backtest.cluster_process``, a process of its own) runs ``n_workers``
    processes (default: this machine's cores) of one thread each; it is closed on leaving the block.
    """
    from distributed import Client

    if address:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"no dask scheduler answers at {address} ({e}); start one with `dask scheduler` "
                              "and workers with `dask worker ADDRESS`, or unset CONSOLE_SWEEP_SCHEDULER") from None
        try:
            yield client
        finally:
            client.close()
        return
    from console.backtest import cluster_process

    proc, address = cluster_process.start(n_workers)
    try:
        client = Client(address, timeout="30s", direct_to_workers=True)  # results straight from the workers
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster_process.stop(proc)


def worker_count(client: Any) -> int:
    """How many trials the cluster runs at once (its worker threads)."""
    return max(1, sum(client.nthreads().values()))
