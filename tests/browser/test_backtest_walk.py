"""The Backtest page in a real browser: stored candles, a run with its progress, its metrics and charts.

Writes two months of real BTCUSDT hours into the history store of a fresh data folder, starts
``streamlit run streamlit_app.py`` on it (paper venue), drives Debian's Chromium through Playwright,
and saves a screenshot of the results as ``7_backtest.png`` into $CONSOLE_SCREENSHOTS when set
(`CONSOLE_SCREENSHOTS=docs/screenshots`), else into the temporary folder test_main_flow uses.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.config import load_settings
from console.history import open_store
from console.history.importer import import_csv
from tests.browser.console_process import start_console, stop, wait_healthy
from tests.browser.test_main_flow import browser_tab, open_page, shoot

CANDLES = "candles/binance_spot_BTCUSDT_1h.csv"  # 2020-11-17 -> 2021-05-16

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[str]:
    """A console on the paper venue whose history store holds BTCUSDT spot 1h candles."""
    data = tmp_path_factory.mktemp("console-data")
    store = open_store(load_settings({"CONSOLE_DATA_DIR": str(data)}))
    try:
        import_csv(store, "spot", "BTCUSDT", (shared_data / CANDLES).read_bytes(), "1h")
    finally:
        store.close()
    process, url = start_console({"CONSOLE_DATA_DIR": str(data), "CONSOLE_VENUE": "paper"})
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def page(console_url: str):
    with browser_tab(console_url, 1800) as tab:
        yield tab


def pick_day(page, panel, label: str, day: str) -> None:
    """Type ``day`` (YYYY-MM-DD) into the date field's year, month and day segments."""
    field = panel.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(day.replace("-", ""))
    page.get_by_role("heading", name="Backtest").click()  # the value is sent when the field loses the focus


def test_a_backtest_over_stored_candles_shows_its_metrics_and_charts(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("heading", name="Overview").wait_for()
    open_page(page, "Backtest", "Backtest")
    run = page.get_by_role("tabpanel").first
    run.get_by_label("Take profit %", exact=True).fill("2")
    run.get_by_label("Take profit %", exact=True).press("Enter")
    run.get_by_label("Stop loss %", exact=True).fill("1")
    run.get_by_label("Stop loss %", exact=True).press("Enter")
    pick_day(page, run, "From", "2020-12-01")
    pick_day(page, run, "To", "2021-02-28")
    expect(run.get_by_text("Stored: 2,155 BTCUSDT spot 1h candles")).to_be_visible()

    run.get_by_role("button", name="Run backtest").click()
    net = run.get_by_test_id("stMetric").filter(has_text="Net profit")
    expect(net).to_contain_text(re.compile(r"-?[\d,]+\.\d\d USDT"), timeout=60_000)
    expect(run.get_by_test_id("stMetric").filter(has_text="Return")).to_contain_text(re.compile(r"-?\d+\.\d%"))
    equity = run.locator(".js-plotly-plot").filter(has_text="Equity")
    expect(equity.locator(".scatterlayer .trace path.js-line").first).to_be_attached(timeout=30_000)
    expect(run.locator(".js-plotly-plot").filter(has_text="Drawdown")).to_be_visible(timeout=30_000)
    price = run.locator(".js-plotly-plot").filter(has_text="ma_cross backtest")
    expect(price.locator(".boxlayer .trace.boxes path.box").first).to_be_attached(timeout=30_000)  # candles
    expect(price).to_contain_text("entry buy")
    expect(run.get_by_role("button", name="Download trades as CSV")).to_be_visible()
    shoot(page, "7_backtest")
