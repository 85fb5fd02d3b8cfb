"""Off the paper venue no paper exchange starts, and a console without keys says where to add them."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from console.config import load_settings
from console.domain import BotConfig, BotState
from console.errors import ConfigError
from console.service import Console
from console.storage import bots
from tests.ui.conftest import run_page, texts

NO_KEYS = "No API keys for the demo venue; add them under Settings."
PAGES = ["1_Overview.py", "2_Bots.py", "3_Order_ticket.py", "4_Trades_and_PnL.py", "5_Settings.py", "6_Data.py"]


def listening_ports() -> set[int]:
    """The TCP ports this process listens on (Linux: its socket inodes matched against /proc/net)."""
    mine = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            mine.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in mine:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", "demo")


@pytest.mark.parametrize("venue", ["paper", "demo"])
def test_the_paper_exchange_listens_only_on_the_paper_venue(venue, monkeypatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", venue)
    before = listening_ports()
    con = Console(load_settings(), start_engine=False)
    try:
        opened = listening_ports() - before
        if venue == "paper":
            assert opened == {urlsplit(con.paper.base_url).port}
        else:
            assert con.paper is None and opened == set()
            assert not con.settings.paper_dir.exists()
    finally:
        con.close()


def test_what_needs_the_paper_exchange_says_how_to_start_it(demo, con) -> None:
    assert con.banner().text.startswith("DEMO")
    assert not con.setup.paper_running()
    with pytest.raises(ConfigError, match="reset is only for the paper venue.*CONSOLE_VENUE=paper"):
        con.setup.reset_paper()
    for needs_paper in (con.setup.paper_wallet, con.setup.paper_feed, lambda: con.setup.test_account("paper")):
        with pytest.raises(ConfigError, match="runs only on the paper venue.*CONSOLE_VENUE=paper"):
            needs_paper()
    with pytest.raises(ConfigError, match="add them under Settings"):
        con.overview.balances()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_where_to_add_the_keys(demo, con, page) -> None:
    at = run_page(page)
    assert not at.exception
    assert NO_KEYS in texts(at.warning)
    assert "DEMO" in texts(at.warning)
    assert not at.error, texts(at.error)  # one notice in the banner, not an error per panel


def test_the_settings_page_offers_no_paper_reset_off_paper(demo, con) -> None:
    at = run_page("5_Settings.py")
    assert "the paper exchange runs only on the paper venue" in texts(at.info)
    assert "CONSOLE_VENUE=paper" in texts(at.info)
    assert [b for b in at.button if b.key == "reset"] == []
    assert "add your demo keys below" in texts(at.caption)


def test_a_paper_bot_is_not_started_on_a_demo_console(demo, con) -> None:
    with con.db.transaction() as cur:  # stored by a console that ran on paper
        bot_id = bots.create(cur, BotConfig(name="paper bot", symbol="BTC/USDT", strategy="dca"))
    with pytest.raises(ConfigError, match="bot paper bot cannot start: the paper exchange runs only on the paper"):
        con.bots.start(bot_id)
    with pytest.raises(ConfigError, match="started 0 bot.*not started: bot paper bot cannot start.*CONSOLE_VENUE=paper"):
        con.bots.start_all()
    assert con.bots.get(bot_id).state is BotState.STOPPED


def test_a_paper_bot_left_running_waits_for_its_venue_instead_of_halting(demo, con) -> None:
    with con.db.transaction() as cur:  # left running by a console that ran on paper
        bot_id = bots.create(cur, BotConfig(name="paper bot", symbol="BTC/USDT", strategy="dca"))
        bots.set_state(cur, bot_id, BotState.RUNNING)
    con.engine.run_cycle()
    con.engine.run_cycle()
    assert con.bots.get(bot_id).state is BotState.RUNNING
    status = next(s for s in con.engine.status() if s.bot_id == bot_id)
    assert status.reason == "on the paper venue: it trades when the console runs there"
    assert status.last_error == ""
