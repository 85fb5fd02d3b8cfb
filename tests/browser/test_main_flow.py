"""The main flow in a real browser: create a bot, start it with one click, see it trade, stop it; then a
limit order previewed, placed and cancelled, the bot's own page, the notifications and a sorted table.

Starts ``streamlit run streamlit_app.py`` on a free port with the paper venue replaying real
candles fast, drives Debian's Chromium through Playwright, and saves a screenshot of every page
into $CONSOLE_SCREENSHOTS when set (`CONSOLE_SCREENSHOTS=docs/screenshots make test` refreshes
the ones the README shows), else into the test's temporary folder.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.console_process import CHROMIUM, CHROMIUM_ARGS, start_console, stop, wait_healthy

SHOTS_ENV = os.environ.get("CONSOLE_SCREENSHOTS", "")
CANDLES = "candles/binance_spot_BTCUSDT_1h_2020-04-30_2020-07-01.csv"  # two hours a second

pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; CI must run the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[str]:
    """A console on the paper venue replaying two months of BTCUSDT hours at high speed."""
    process, url = start_console({
        "CONSOLE_DATA_DIR": str(tmp_path_factory.mktemp("console-data")),
        "CONSOLE_PAPER_FEED": "replay",
        "CONSOLE_PAPER_CANDLES": str(shared_data / CANDLES),
        "CONSOLE_PAPER_SPEED": "7200",
        "CONSOLE_CYCLE_SECONDS": "0.5",
        "CONSOLE_VENUE": "paper",
    })
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)


@contextmanager
def browser_tab(url: str, height: int) -> Iterator:
    """A headless Chromium tab (1440 wide) on ``url``; skips (fails under CI) without Chromium or playwright."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing (pip install -r requirements-dev.txt)")
    expect.set_options(timeout=15_000)  # two cores shared with other work: a rerun may take seconds
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1440, "height": height})
        tab.set_default_timeout(20_000)
        tab.goto(url)
        yield tab
        browser.close()


@pytest.fixture(scope="module")
def page(console_url: str):
    """A Chromium page (1440x1000) on the console."""
    with browser_tab(console_url, 1000) as tab:
        yield tab


def open_page(page, name: str, title: str) -> None:
    page.get_by_role("link", name=name).click()
    page.get_by_role("heading", name=title).wait_for()
    page.wait_for_load_state("networkidle")


def shoot(page, name: str, height: int = 0) -> None:
    """Save a screenshot of the page as ``name``.png; ``height`` shows that much of a long page."""
    if height:
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": height})
        try:
            shoot(page, name)
        finally:
            page.set_viewport_size(size)
        return
    folder = Path(SHOTS_ENV) if SHOTS_ENV else Path(os.environ.get("PYTEST_TMP", "/tmp")) / "console-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # let the charts finish drawing
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"{name} screenshot looks blank"


def test_create_start_trade_and_stop_a_bot(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("heading", name="Overview").wait_for()
    expect(page.get_by_text("PAPER · prices: replay of binance_spot_BTCUSDT_1h")).to_be_visible()

    open_page(page, "Bots", "Bots")
    page.get_by_label("Strategy").click()
    page.get_by_role("option", name="DCA").click()
    name = page.get_by_label("Name", exact=True)
    name.fill("browser dca")
    page.get_by_label("Timeframe").click()
    page.get_by_role("option", name="1h", exact=True).click()
    # a take-profit / stop-loss OCO 1 % away closes the first buy within seconds at this speed
    page.get_by_label("Take profit %", exact=True).fill("1")
    page.get_by_label("Stop loss %", exact=True).fill("1")
    page.get_by_role("button", name="Save bot").click()
    expect(page.get_by_text("Created bot browser dca (stopped)")).to_be_visible()

    page.get_by_role("button", name="▶ Start", exact=True).click()  # one click
    expect(page.locator("code").get_by_text("running", exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"trades today: [2-9]"))).to_be_visible(timeout=30_000)
    shoot(page, "2_bots")
    page.get_by_role("button", name="■ Stop", exact=True).click()
    expect(page.locator("code").get_by_text("stopped", exact=True).first).to_be_visible()
    page.get_by_text("Price chart").click()  # the bot's candles, volume and its entries and exits
    price = page.locator(".js-plotly-plot").filter(has_text="browser dca · BTC/USDT spot 1h")
    expect(price.locator(".boxlayer .trace.boxes path.box").first).to_be_attached()  # candles
    expect(price).to_contain_text("entry buy")
    expect(price.locator(".scatterlayer .trace .points path").first).to_be_attached()  # trade markers

    open_page(page, "Trades & PnL", "Trades & PnL")
    trades = page.get_by_test_id("stMetric").filter(has_text="Trades")
    expect(trades).to_contain_text(re.compile(r"[2-9]"))
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_contain_text("Cumulative PnL")
    expect(chart.locator(".scatterlayer .trace path.js-line")).to_have_count(1)
    shoot(page, "4_trades_and_pnl")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download trades as CSV").click()
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0].startswith("id,ts,bot_id,bot,") and len(rows) >= 3  # a header and the bot's trades
    assert "E-" not in "".join(rows[1:]) and "None" not in "".join(rows[1:])  # plain decimals, no None

    open_page(page, "Order ticket", "Order ticket")
    page.get_by_text("USDT (quote)").click()
    page.get_by_label("Amount", exact=True).fill("250")
    page.get_by_label("Amount", exact=True).press("Enter")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("button", name=re.compile(r"^Confirm market buy [\d.]+ BTC · BTC\/USDT spot$"))).to_be_visible()
    open_page(page, "Settings", "Settings")
    shoot(page, "5_settings")
    open_page(page, "Overview", "Overview")
    expect(page.get_by_role("heading", name="Bots", exact=True).first).to_be_visible()
    shoot(page, "1_overview")


def grid_rows(grid) -> list[list[str]]:
    """The rows of a shown table as the grid's accessible copy holds them (the values behind the text the
    canvas draws), in the order shown."""
    return [[c.text_content() or "" for c in row.locator("td[role=gridcell]").all()]
            for row in grid.locator("table[role=grid] tbody tr").all()]


def clean(page) -> None:
    """Assert the page shows no exception, traceback, raw JSON or None to a person."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    text = page.locator("section.main, [data-testid='stMain']").first.inner_text()
    assert "Traceback" not in text and '{"' not in text, text[:2000]
    assert not re.search(r"\bNone\b|\bnan\b", text), text[:2000]


def bot_page(page) -> None:
    """The bot's page: its state, position, chart and settings as a person reads them."""
    from playwright.sync_api import expect

    expect(page.get_by_text(re.compile(r"browser dca · BTC\/USDT spot 1h · stopped"))).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Position")).to_contain_text("BTC")
    chart = page.locator(".js-plotly-plot").filter(has_text="browser dca · BTC/USDT spot 1h")
    expect(chart.locator(".boxlayer .trace.boxes path.box").first).to_be_attached()
    clean(page)
    shoot(page, "8_bot")
    page.get_by_role("tab", name="Settings").click()
    table = page.get_by_test_id("stDataFrame").filter(has=page.locator("td", has_text="timeframe")).first
    table.locator("td", has_text="timeframe").wait_for(state="attached")
    settings = {r[0]: r[1] for r in grid_rows(table)}
    assert settings, "the bot's settings table is empty"
    assert settings["name"] == "browser dca" and settings["strategy"] == "dca" and settings["timeframe"] == "1h", settings
    assert not any(v in ("None", "nan") or v.startswith("{") for v in settings.values()), settings


def test_a_limit_order_the_bot_page_notifications_and_a_sorted_table(page) -> None:
    """Runs after the bot above traded (its fills are notifications; the same console and tab)."""
    from playwright.sync_api import expect

    open_page(page, "Overview", "Overview")
    balances = page.get_by_test_id("stDataFrame").first
    page.wait_for_timeout(600)
    balances.locator("th[role=columnheader]", has_text="total").wait_for(state="attached")
    box = balances.locator("canvas").first.bounding_box()  # the grid draws on a canvas: click where it
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + 17)  # draws its last header, "total"
    page.wait_for_timeout(600)
    rows = grid_rows(balances)
    totals = [float(r[4]) for r in rows]
    assert len(rows) >= 3 and totals == sorted(totals) and rows[0][1] == "BTC", rows  # by value: BTC dust first
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + 17)  # again: largest first
    page.wait_for_timeout(600)
    assert [float(r[4]) for r in grid_rows(balances)] == sorted(totals, reverse=True)
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + 17)
    page.wait_for_timeout(600)
    shoot(page, "1_overview")

    open_page(page, "Order ticket", "Order ticket")
    page.get_by_test_id("stRadio").filter(has_text="Order type").get_by_text("limit", exact=True).click()
    page.get_by_text("BTC (base)").click()
    page.get_by_label("Amount", exact=True).fill("0.0123456")
    page.get_by_label("Limit price", exact=True).fill("5000.123")
    page.get_by_label("Limit price", exact=True).press("Enter")
    page.get_by_role("button", name="Preview", exact=True).click()
    confirm = page.get_by_role("button", name=re.compile(r"^Confirm limit buy 0\.01234 BTC .*· BTC\/USDT spot$"))
    expect(confirm).to_be_visible()
    check = page.get_by_test_id("stDataFrame").filter(has=page.locator("td", has_text="limit price")).first
    check.locator("td", has_text="limit price").wait_for(state="attached")
    preview = {r[0]: r[1] for r in grid_rows(check)}
    assert preview["quantity"].startswith("0.01234 BTC (to the step"), preview  # 0.0123456 down to the step
    assert preview["limit price"].startswith("5,000.12 USDT (to the tick"), preview
    assert re.match(r"≈ 0\.\d+ BTC \(", preview["fee"]), preview  # a buy pays its fee in the base asset
    clean(page)
    shoot(page, "3_order_ticket", height=1500)  # down to the preview
    confirm.click()
    expect(page.get_by_text("Placed limit buy 0.01234 BTC @ 5,000.12")).to_be_visible()
    resting = page.get_by_text(re.compile(r"BTC\/USDT limit buy 0\.01234 BTC @ 5,000\.12 · spot · manual"))
    expect(resting).to_be_visible()
    page.get_by_role("button", name="Cancel", exact=True).first.click()
    expect(page.get_by_text(re.compile(r"Cancelled limit buy 0\.01234 BTC @ 5,000\.12"))).to_be_visible()
    expect(resting).to_have_count(0)
    clean(page)

    open_page(page, "Bots", "Bots")
    with page.context.expect_page() as opened:  # a markdown link opens in a new tab
        page.get_by_role("link", name="browser dca").click()
    bot_tab = opened.value
    bot_tab.set_viewport_size({"width": 1440, "height": 1000})
    bot_tab.set_default_timeout(20_000)
    bot_tab.get_by_role("heading", name="Bot", exact=True).wait_for()
    bot_tab.wait_for_load_state("networkidle")
    assert re.search(r"/Bot\?bot=\d+$", bot_tab.url), bot_tab.url
    bot_page(bot_tab)
    bot_tab.close()

    fresh = page.context.browser.new_page()  # a person opening the console again sees the latest notifications
    fresh.set_default_timeout(20_000)
    fresh.goto(page.url.split("/Bots")[0] + "/")
    toast = fresh.get_by_test_id("stToast").first
    expect(toast).to_contain_text(re.compile(r"Fill · bot browser dca: (buy|sell) [\d.]+ BTC\/USDT \(spot\) at [\d,.]+"))
    assert "None" not in toast.inner_text() and "{" not in toast.inner_text()
    fresh.close()

    open_page(page, "Notifications", "Notifications")
    table = page.get_by_test_id("stDataFrame").first
    table.locator("td", has_text="Fill").first.wait_for(state="attached")
    rows = grid_rows(table)
    assert rows and any(r[1] == "fill" and r[2] == "Fill · bot browser dca" for r in rows), rows[:3]
    assert any(re.fullmatch(r"(buy|sell) [\d.]+ BTC/USDT \(spot\) at [\d,.]+", r[3]) for r in rows), rows[:3]
    assert all(r[3] and "None" not in r[3] and "{" not in r[3] for r in rows), rows[:3]
    clean(page)
    shoot(page, "9_notifications")

    open_page(page, "Data", "Data")
    clean(page)
    shoot(page, "6_data")
