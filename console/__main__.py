"""Run the console without its UI: the engine trades the running bots until SIGTERM or Ctrl-C.

``python -m console`` reads the same environment variables as the UI.
"""
from __future__ import annotations

from console.config import load_settings
from console.errors import ConsoleError
from console.lifecycle import serve_until_stopped


def main() -> int:
    from console.service import Console

    try:
        console = Console(load_settings())
    except ConsoleError as e:
        print(f"cannot start: {e}", flush=True)
        return 2
    line = f"console running: {console.banner().text}; {console.engine.reconciled} fill(s) reconciled"
    serve_until_stopped(console.close, ready=lambda: print(line, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
