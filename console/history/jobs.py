"""A download running in a background thread, with the progress a page polls and a cancel switch."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from console.history.download import Progress, Report
from console.jobs import BackgroundJob

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
    """Run a download ``work(progress, cancel)`` on a daemon thread; never on the caller's thread."""

    def __init__(self, title: str, work: Work, *, clock: Callable[[], float] = time.time) -> None:
        self.title = title
        self._job: BackgroundJob[Progress, Report] = BackgroundJob(
            work, progress=Progress(title, 0.0, 0, "starting…", 0), what="the download",
            ended=lambda report: ("cancelled" if report.cancelled else "done", report.text()),
            name="history-download", clock=clock)

    def start(self) -> Job:
        self._job.start()
        return self

    def cancel(self) -> None:
        """Ask the download to stop at its next file or page; what is stored stays."""
        self._job.cancel()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        return self._job.join(timeout)

    def view(self) -> JobView:
        snap = self._job.snapshot()
        fraction = 1.0 if snap.state == "done" else snap.progress.fraction
        message = ("cancelling…" if snap.cancelling else snap.progress.message) if snap.state == "running" else ""
        return JobView(self.title, snap.state, fraction, message, snap.text, snap.started, snap.finished,
                       snap.outcome)
