"""Run a service in the foreground until SIGTERM or Ctrl-C."""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable


def serve_until_stopped(stop: Callable[[], None]) -> None:
    """Block until SIGTERM or Ctrl-C, then call ``stop``."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
