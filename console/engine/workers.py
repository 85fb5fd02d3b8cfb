"""A fixed pool of worker threads that runs urgent work before routine work.

The engine's bot ticks run here. A decision at a candle's close is urgent; the cycle's routine
ticks (protection, open orders, the journal) wait behind it, so a close's orders are not queued
behind a cycle that started just before it. Within one priority, work runs in the order submitted.
"""
from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

URGENT = 0
ROUTINE = 1


@dataclass
class _Job:
    future: Future
    call: Callable[[], object]
    taken: bool = False
    priority: int = ROUTINE


@dataclass(order=True)
class _Slot:
    priority: int
    seq: int
    job: _Job = field(compare=False)


class Workers:
    """``threads`` workers over one queue ordered by priority, then by submission."""

    def __init__(self, threads: int, name: str = "worker") -> None:
        self._queue: list[_Slot] = []
        self._jobs: dict[int, _Job] = {}  # id(future) -> job, while queued
        self._seq = itertools.count()
        self._ready = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True)
                         for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable, *args, priority: int = ROUTINE) -> Future:
        """Queue ``fn(*args)``; its future holds the result. RuntimeError once shut down."""
        future: Future = Future()
        job = _Job(future, lambda: fn(*args), priority=priority)
        with self._ready:
            if self._closed:
                raise RuntimeError("the workers are shut down; no work is taken")
            self._jobs[id(future)] = job
            heapq.heappush(self._queue, _Slot(priority, next(self._seq), job))
            self._ready.notify()
        return future

    def promote(self, future: Future) -> bool:
        """Move work still queued to the urgent lane; False when it has started (or is unknown)."""
        with self._ready:
            job = self._jobs.get(id(future))
            if job is None or job.taken:
                return False
            if job.priority > URGENT:
                job.priority = URGENT
                heapq.heappush(self._queue, _Slot(URGENT, next(self._seq), job))  # the old slot is skipped
            return True

    def shutdown(self, wait: bool = True) -> None:
        """Take no more work; the work queued still runs. ``wait``: until it has."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

    def _next(self) -> _Job | None:
        with self._ready:
            while True:
                while self._queue:
                    slot = heapq.heappop(self._queue)
                    if not slot.job.taken:
                        slot.job.taken = True
                        del self._jobs[id(slot.job.future)]
                        return slot.job
                if self._closed:
                    return None
                self._ready.wait()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                result = job.call()
            except BaseException as e:  # noqa: BLE001 - handed to the future, as ThreadPoolExecutor does
                job.future.set_exception(e)
            else:
                job.future.set_result(result)
