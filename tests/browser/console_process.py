"""Start the console as a user does (`streamlit run streamlit_app.py`) for browser tests and benchmarks."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_console(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Launch the console on a free port with ``env`` added; return the process and its URL."""
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="console-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.headless", "true"],
        cwd=ROOT, env=os.environ | env, stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log_path = log.name  # type: ignore[attr-defined]
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait for Streamlit's health endpoint to answer ok; raise with the console's output if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = Path(process.log_path).read_text()[-2000:]  # type: ignore[attr-defined]
            raise RuntimeError(f"the console exited with {process.returncode}: {output}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the console did not answer on {url} within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    Path(process.log_path).unlink(missing_ok=True)  # type: ignore[attr-defined]
