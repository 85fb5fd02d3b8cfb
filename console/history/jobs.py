"""A download running in a background thread, with the progress a page polls and a cancel switch."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from console.errors import ConsoleError
from console.history.download import Progress, Report

Work = Callable[[Callable[[Progress], None], threading.Event], Report]


@dataclass(frozen=True)
class JobView:
    """A snapshot of a job for the page: ``state`` is running, done, cancelled or failed."""

    title: str
    state: str
    fraction: float
    message: str
    result: str  # the report (done, cancelled) or the error with its fix (failed)
    started: float
    finished: float | None
    report: Report | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"


class Job:
    """Run ``work(progress, cancel)`` on a daemon thread; never on the caller's thread."""

    def __init__(self, title: str, work: Work, *, clock: Callable[[], float] = time.time) -> None:
        self.title = title
        self._work = work
        self._clock = clock
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._progress = Progress(title, 0.0, 0, "starting…", 0)
        self._state = "running"
        self._result = ""
        self._report: Report | None = None
        self._started = clock()
        self._finished: float | None = None
        self._thread = threading.Thread(target=self._run, name="history-download", daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            report = self._work(self._tell, self._cancel)
        except ConsoleError as e:
            self._end("failed", str(e))
        except Exception as e:  # shown on the page; the console keeps running
            self._end("failed", f"the download stopped on an unexpected error ({e.__class__.__name__}: {e}); "
                                "run it again, and report it if it repeats")
        else:
            self._report = report
            self._end("cancelled" if report.cancelled else "done", report.text())

    def _tell(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress

    def _end(self, state: str, result: str) -> None:
        with self._lock:
            self._state, self._result, self._finished = state, result, self._clock()

    def cancel(self) -> None:
        """Ask the download to stop at its next file or page; what is stored stays."""
        self._cancel.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def view(self) -> JobView:
        with self._lock:
            progress = self._progress
            fraction = 1.0 if self._state == "done" else progress.fraction
            message = progress.message if self._state == "running" else ""
            if self._state == "running" and self._cancel.is_set():
                message = "cancelling…"
            return JobView(self.title, self._state, fraction, message, self._result, self._started,
                           self._finished, self._report)
