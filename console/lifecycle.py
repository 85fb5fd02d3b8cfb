"""Run a service in the foreground until SIGTERM or Ctrl-C."""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable


def serve_until_stopped(stop: Callable[[], None], ready: Callable[[], None] | None = None) -> None:
    """Block until SIGTERM or Ctrl-C, then call ``stop``.

    ``ready`` (say, printing the ready line) runs once SIGTERM is handled, so a supervisor that
    stops the process as soon as it reads that line still gets a clean stop.
    """
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    if ready is not None:
        ready()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
