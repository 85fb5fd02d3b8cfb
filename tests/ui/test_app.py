"""The entry script: navigation, the venue banner and a configuration error at start."""
from __future__ import annotations

import pytest

from tests.ui.conftest import run_page, texts


def test_the_entry_script_opens_the_overview_under_the_paper_banner() -> None:
    at = run_page("streamlit_app.py")
    assert not at.exception
    assert "PAPER" in texts(at.info) and "synthetic" in texts(at.info)
    assert [t.value for t in at.title] == ["Overview"]


def test_a_bad_setting_stops_the_console_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", "moon")
    at = run_page("streamlit_app.py")
    assert not at.exception
    message = texts(at.error)
    assert "CONSOLE_VENUE='moon' is not a venue; use paper, demo or live" in message
    assert not at.title  # nothing else is drawn


def test_the_replay_feed_is_named_in_the_banner(monkeypatch: pytest.MonkeyPatch, shared_data) -> None:
    candles = shared_data / "candles" / "binance_spot_BTCUSDT_1m_2020-05-06.csv"
    monkeypatch.setenv("CONSOLE_PAPER_CANDLES", str(candles))
    at = run_page("streamlit_app.py")
    assert "replay of binance_spot_BTCUSDT_1m_2020-05-06.csv" in texts(at.info)


def test_the_live_venue_is_red_and_asks_for_keys_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", "live")
    monkeypatch.setenv("CONSOLE_LIVE_CONFIRMED", "yes")
    at = run_page("streamlit_app.py")
    assert not at.exception
    assert "**LIVE · real Binance account** · orders here spend real money" in texts(at.error)
    assert "No API keys for the live venue; add them under Settings." in texts(at.warning)


def test_the_live_venue_is_refused_without_its_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", "live")
    at = run_page("streamlit_app.py")
    assert "set CONSOLE_LIVE_CONFIRMED=yes to confirm" in texts(at.error)


def test_the_demo_venue_is_orange_and_asks_for_keys_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", "demo")
    at = run_page("streamlit_app.py")
    assert not at.exception
    assert "**DEMO · Binance demo trading** · no real money" in texts(at.warning)
    assert "No API keys for the demo venue; add them under Settings." in texts(at.warning)
