"""Time the console in a real browser: cold start, and the Trades & PnL page over 1,000,000 trades.

- cold start: from launching ``streamlit run streamlit_app.py`` (empty data folder, paper venue)
  to the Overview page drawn in Chromium with its balances;
- Trades & PnL: a data folder seeded with 1,000,000 trades (the seed of bench_analytics.py,
  one SQL statement plus the per-day sums), then the time from clicking "Trades & PnL" in the
  sidebar to the page drawn: KPIs, six plotly charts and the trade table. The first visit and
  the median of the next visits are reported.

The last line is ``ratio <trades page median / 2 s goal>``; at or below 1 the goal is met.
Needs Debian's /usr/bin/chromium and the playwright Python package.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_analytics import SEED_SQL, TRADES  # noqa: E402
from console.config import load_settings  # noqa: E402
from console.storage import trades  # noqa: E402
from console.storage.db import Database  # noqa: E402
from tests.browser.console_process import CHROMIUM, CHROMIUM_ARGS, start_console, stop, wait_healthy  # noqa: E402

GOAL_SECONDS = 2.0
VISITS = 5


def paper_env(data_dir: Path) -> dict[str, str]:
    return {"CONSOLE_DATA_DIR": str(data_dir), "CONSOLE_VENUE": "paper", "CONSOLE_PAPER_FEED": "synthetic",
            "CONSOLE_PAPER_CANDLES": ""}


def seed(data_dir: Path) -> float:
    """Write TRADES trades into the console's database; return the seconds it took."""
    started = time.perf_counter()
    db = Database.open(load_settings({"CONSOLE_DATA_DIR": str(data_dir)}).console_db)
    cur = db.cursor()
    with db.transaction():
        cur.execute(SEED_SQL, [TRADES, TRADES])
        trades.rebuild_days(cur)
    cur.execute("CHECKPOINT")
    db.close()
    return time.perf_counter() - started


def trades_page_drawn(page) -> None:
    """Wait for the Trades & PnL page over the seeded store: KPIs, six charts, the trade table."""
    page.get_by_test_id("stMetric").filter(has_text="1,000,000").wait_for()
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 12")
    page.get_by_test_id("stDataFrame").last.wait_for()
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(60_000)

        started = time.perf_counter()
        process, url = start_console(paper_env(Path(folder) / "cold"))
        try:
            wait_healthy(url, process)
            healthy = time.perf_counter() - started
            page.goto(url)
            page.get_by_role("heading", name="Overview").wait_for()
            page.get_by_test_id("stDataFrame").first.wait_for()
            cold = time.perf_counter() - started
        finally:
            stop(process)

        seeded = Path(folder) / "seeded"
        seed_seconds = seed(seeded)
        process, url = start_console(paper_env(seeded))
        try:
            wait_healthy(url, process)
            page.goto(url)
            page.get_by_role("heading", name="Overview").wait_for()
            visits = []
            for _ in range(1 + VISITS):
                page.get_by_test_id("stStatusWidget").wait_for(state="hidden")
                began = time.perf_counter()
                page.get_by_role("link", name="Trades & PnL").click()
                trades_page_drawn(page)
                visits.append(time.perf_counter() - began)
                page.get_by_role("link", name="Overview").click()
                page.get_by_role("heading", name="Overview").wait_for()
        finally:
            stop(process)
            browser.close()

    first, median = visits[0], statistics.median(visits[1:])
    print(f"cold start, launch to health check:        {healthy:.2f} s")
    print(f"cold start, launch to Overview drawn:      {cold:.2f} s")
    print(f"seeding {TRADES:,} trades:                 {seed_seconds:.1f} s")
    print(f"Trades & PnL over {TRADES:,} trades, first visit:  {first:.2f} s")
    print(f"Trades & PnL over {TRADES:,} trades, median of {VISITS}: {median:.2f} s")
    print(f"goal <= {GOAL_SECONDS:g} s: {'met' if median <= GOAL_SECONDS else 'missed'}")
    print(f"ratio {median / GOAL_SECONDS:.3f}")


if __name__ == "__main__":
    main()
