"""The engine's workers: urgent work (a close's decisions) runs before routine work (the cycle's ticks)."""
from __future__ import annotations

import threading

import pytest

from console.engine.workers import ROUTINE, URGENT, Workers


@pytest.fixture
def one_worker():
    """One worker held busy until the test releases it, so the queue's order is what runs next."""
    workers = Workers(1, "test")
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait()

    workers.submit(hold)
    started.wait()
    yield workers, release
    release.set()
    workers.shutdown()


def test_urgent_work_runs_before_routine_work_queued_earlier(one_worker):
    workers, release = one_worker
    ran: list[str] = []
    futures = [workers.submit(ran.append, name, priority=p)
               for name, p in (("cycle-1", ROUTINE), ("cycle-2", ROUTINE), ("close-1", URGENT), ("close-2", URGENT))]

    release.set()
    for f in futures:
        f.result()

    assert ran == ["close-1", "close-2", "cycle-1", "cycle-2"]


def test_promoted_work_runs_once_ahead_of_routine_work(one_worker):
    workers, release = one_worker
    ran: list[str] = []
    first = workers.submit(ran.append, "cycle-1")
    second = workers.submit(ran.append, "cycle-2")

    assert workers.promote(second)
    assert workers.promote(second)  # promoting again changes nothing
    release.set()
    first.result(), second.result()
    workers.shutdown()

    assert ran == ["cycle-2", "cycle-1"]


def test_work_already_running_is_not_promoted(one_worker):
    workers, release = one_worker
    running = workers.submit(lambda: None)
    release.set()
    running.result()

    assert not workers.promote(running)


def test_an_error_reaches_the_future_and_the_worker_goes_on():
    workers = Workers(2, "test")

    def fail() -> None:
        raise ValueError("no")

    failed = workers.submit(fail)
    fine = workers.submit(lambda: 7)

    with pytest.raises(ValueError):
        failed.result()
    assert fine.result() == 7
    workers.shutdown()
    with pytest.raises(RuntimeError):
        workers.submit(lambda: None)


def test_shutdown_runs_the_work_still_queued(one_worker):
    workers, release = one_worker
    ran: list[int] = []
    futures = [workers.submit(ran.append, i) for i in range(3)]
    release.set()
    workers.shutdown(wait=True)

    assert ran == [0, 1, 2] and all(f.done() for f in futures)
