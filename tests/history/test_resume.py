"""A download killed with SIGKILL keeps every month it stored, and the next run resumes where the files end."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.history.series import Series, to_ms
from console.history.verify import problems
from tests.history.archive_server import write_klines
from tests.history.conftest import downloader, same_candles, stored

ROOT = Path(__file__).resolve().parents[2]
SPOT_BTC = Series.klines("spot", "BTCUSDT", "1h")


def killed(store, archive_url: str, rest_url: str, now: float, *kill: str) -> None:
    run = subprocess.run([sys.executable, "-m", "tests.history.killed_download", str(store.root), archive_url,
                          rest_url, str(now), SPOT_BTC.key, "2020-11-01", *kill],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr


@pytest.mark.parametrize("kill, archived, kept", [
    (("--at", "2021-02: monthly archive file"), ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"],
     ["2020-11", "2020-12", "2021-01"]),
    (("--after-rest-pages", "12"), ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"],
     ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03", "2021-04"]),
], ids=["between-months", "in-the-middle-of-rest-pages"])
def test_a_killed_download_keeps_what_it_stored_and_the_next_run_resumes(
        store, archive, archive_root, replay, btc_1h, kill, archived, kept) -> None:
    write_klines(archive_root, SPOT_BTC, btc_1h, monthly=archived)  # April and May: REST pages of 24
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")

    killed(store, archive.base_url, rest_url, now, *kill)

    assert [p.stem for p in store.month_files(SPOT_BTC)] == kept
    assert problems(store, SPOT_BTC) == []  # no half-written file
    if kill[0] == "--after-rest-pages":
        assert 10 * 24 <= store.info(SPOT_BTC, "2021-04").rows < 30 * 24  # the flushed pages stayed
    archive.paths.clear()

    report = downloader(store, archive.base_url, rest_url, now, pages={"spot": 24}).download(
        SPOT_BTC, to_ms("2020-11-01"))

    assert report.up_to_date >= len(kept) - 1
    for month in kept[:-1]:
        assert not archive.asked(f"-{month}.zip"), month
    got = stored(store, SPOT_BTC)
    same_candles(got[got.ts.isin(btc_1h.ts)], btc_1h)
    assert got.ts.is_unique and not list(store.folder(SPOT_BTC).glob(".*.tmp"))
