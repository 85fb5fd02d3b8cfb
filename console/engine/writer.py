"""Write an order's journal entry and its record behind the order path, on one thread, in order.

Safe because the intent is already durable: it was logged (``engine.intents``) before the order
was sent. The writer first moves the intent into the journal as pending, then writes the
order's record; it runs its work in the order submitted, so the record always finds its entry.
If the process dies before either is written, start-up replays the intent log and
reconciliation finds the pending entry, looks the order up on the exchange and records it then,
once. Readers that decide from the store (a bot's next tick) call ``flush`` first.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Writer:
    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], object] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="order-writer", daemon=True)
        self._thread.start()

    def submit(self, write: Callable[[], object]) -> None:
        if not self._thread.is_alive():
            write()  # closed: write now
            return
        self._queue.put(write)

    def flush(self) -> None:
        """Wait until everything submitted so far is written."""
        self._queue.join()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            write = self._queue.get()
            try:
                if write is None:
                    return
                write()
            except Exception:  # the journal entry stays pending: reconciliation records it
                log.exception("writing an order record failed; it will be reconciled")
            finally:
                self._queue.task_done()
