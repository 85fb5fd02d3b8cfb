"""A download that kills its own process with SIGKILL at a chosen point (the resume test runs it).

    python -m tests.history.killed_download HISTORY_DIR ARCHIVE_URL REST_URL NOW SERIES_KEY START \
        --at "2021-02: monthly archive file" | --after-rest-pages 12
"""
from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from console.history.download import Downloader, Progress
from console.history.series import Series, to_ms
from console.history.store import HistoryStore


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("root", "archive_url", "rest_url", "now", "series", "start"):
        parser.add_argument(name)
    parser.add_argument("--at", default="")
    parser.add_argument("--after-rest-pages", type=int, default=0)
    args = parser.parse_args()
    pages = 0

    def progress(p: Progress) -> None:
        nonlocal pages
        pages += "REST" in p.message
        if (args.at and args.at in p.message) or (args.after_rest_pages and pages > args.after_rest_pages):
            os.kill(os.getpid(), signal.SIGKILL)

    now = float(args.now)
    fetch = Downloader(HistoryStore(Path(args.root)), archive_url=args.archive_url,
                       rest_url=lambda market: args.rest_url, clock=lambda: now, workers=1,
                       pages={"spot": 24, "futures": 24})
    fetch.download(Series.from_key(args.series), to_ms(args.start), progress=progress)
    raise SystemExit("the download ended before the kill point")


if __name__ == "__main__":
    main()
