"""Long work (a download, a backtest, a sweep) on a daemon thread, with the progress a page polls and a
cancel switch; never on the caller's (the page script's) thread."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from console.errors import ConsoleError

P = TypeVar("P")  # what the work reports as it goes
R = TypeVar("R")  # what it returns

Work = Callable[[Callable[[P], None], threading.Event], R]


@dataclass(frozen=True)
class Snapshot(Generic[P, R]):
    """The job at one moment: ``state`` is running, done, cancelled or failed."""

    state: str
    progress: P
    told: bool  # the work has reported progress at least once
    cancelling: bool  # cancel asked, the work still running
    text: str  # once ended: the outcome in words, or the error with its fix
    outcome: R | None
    started: float
    finished: float | None


class BackgroundJob(Generic[P, R]):
    """Run ``work(tell, cancel)`` on a daemon thread once started.

    ``ended(outcome)`` gives the final (state, text) of work that returned; a ConsoleError fails the
    job with its message; any other error fails it with ``what`` and ``again`` in the words shown.
    """

    def __init__(self, work: Work, *, progress: P, ended: Callable[[R], tuple[str, str]], what: str,
                 again: str = "run it again", name: str = "job", clock: Callable[[], float] = time.time) -> None:
        self._work, self._ended, self._what, self._again, self._clock = work, ended, what, again, clock
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._progress, self._told = progress, False
        self._state, self._text, self._outcome = "running", "", None
        self._started, self._finished = clock(), None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundJob[P, R]:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            outcome = self._work(self._tell, self._cancel)
        except ConsoleError as e:
            self._end("failed", str(e), None)
        except Exception as e:  # shown on the page; the console keeps running
            self._end("failed", f"{self._what} stopped on an unexpected error ({e.__class__.__name__}: {e}); "
                                f"{self._again}, and report it if it repeats", None)
        else:
            state, text = self._ended(outcome)
            self._end(state, text, outcome)

    def _tell(self, progress: P) -> None:
        with self._lock:
            self._progress, self._told = progress, True

    def _end(self, state: str, text: str, outcome: R | None) -> None:
        with self._lock:
            self._state, self._text, self._outcome, self._finished = state, text, outcome, self._clock()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; what it stored stays."""
        self._cancel.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def snapshot(self) -> Snapshot[P, R]:
        with self._lock:
            running = self._state == "running"
            return Snapshot(self._state, self._progress, self._told, running and self._cancel.is_set(),
                            self._text, self._outcome, self._started, self._finished)
