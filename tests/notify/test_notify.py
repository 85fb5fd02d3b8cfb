"""Notifications: derived from the engine's records; sent to a webhook or Telegram (a local HTTP server
stands in for both) with retries; nothing sent unless configured; the Telegram token never logged."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from console.errors import ConfigError
from console.notify import Kind, Notifications
from console.storage import events
from console.storage.db import Database
from console.storage.secrets import KeyBox

TOKEN = "123456789:AAHsecret-token-never-logged"


class Receiver:
    """A local HTTP server recording each POST (path, JSON body); answers ``fail`` 500s first."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.fail = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.posts.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def db(tmp_path: Path):
    database = Database.open(tmp_path / "console.duckdb")
    yield database
    database.close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def notes(db, tmp_path, sleeps) -> Notifications:
    return Notifications(db, KeyBox.open(tmp_path), sleep=sleeps.append)


def log_event(db, kind: str, message: str, bot_id: int | None = None) -> None:
    with db.transaction() as cur:
        events.log(cur, bot_id, kind, message)


def test_events_that_need_a_person_become_notifications_once(db, notes) -> None:
    log_event(db, "signal", "buy: first DCA entry")  # no person needed
    log_event(db, "halted", "halted after 3 errors: insufficient balance; add funds and start it")
    log_event(db, "paused", "daily trade limit 20 reached; resumes at 00:00 UTC")
    log_event(db, "suspended", "the account holds 0.1 BTC less than the books")
    log_event(db, "banned", "IP banned until 12:00 UTC")
    assert notes.refresh() == 4
    assert notes.refresh() == 0
    found = notes.recent()
    assert [n.kind for n in found] == [Kind.VENUE_BAN, Kind.MISMATCH, Kind.DAILY_LIMIT, Kind.HALTED]
    assert found[-1].text == "Bot halted · by hand: halted after 3 errors: insufficient balance; add funds and start it"


def test_nothing_is_sent_unless_configured(db, notes, receiver) -> None:
    log_event(db, "halted", "halted")
    assert notes.channels() == [] and notes.deliver() == 0
    assert receiver.posts == []


def test_the_webhook_receives_what_happened_after_it_was_set_up(db, notes, receiver) -> None:
    log_event(db, "halted", "before the webhook")
    notes.configure_webhook(receiver.url + "/hook")
    log_event(db, "paused", "daily loss 100 reached the limit 100")
    assert notes.deliver() == 1
    [(path, body)] = receiver.posts
    assert path == "/hook" and body["kind"] == "daily_limit"
    assert body["message"] == "daily loss 100 reached the limit 100"
    assert notes.deliver() == 0  # delivered once
    assert notes.recent()[0].delivered == "webhook"


def test_a_failing_webhook_is_retried_with_backoff(db, notes, receiver, sleeps) -> None:
    notes.configure_webhook(receiver.url)
    receiver.fail = 2
    log_event(db, "halted", "halted")
    assert notes.deliver() == 1
    assert len(receiver.posts) == 1 and sleeps == [2.0, 4.0]  # the injected sleep: no real wait


def test_a_webhook_down_for_a_whole_round_is_tried_again_next_round(db, notes, receiver) -> None:
    notes.configure_webhook(receiver.url)
    receiver.fail = 3
    log_event(db, "halted", "halted")
    assert notes.deliver() == 0
    assert notes.deliver() == 1
    assert receiver.posts[0][1]["message"] == "halted"


def test_telegram_gets_the_message_and_the_token_is_never_logged(db, notes, receiver, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    notes.configure_telegram(TOKEN, "987654", base_url=receiver.url)
    assert notes.settings()["telegram_token"] == "1234…gged"  # masked
    stored = db.cursor().execute("SELECT value FROM notify_settings WHERE key = 'telegram.token'").fetchone()[0]
    assert TOKEN not in stored  # encrypted at rest
    receiver.fail = 3  # a failure is logged: without the token
    log_event(db, "banned", "IP banned until 12:00 UTC")
    assert notes.deliver() == 0
    assert notes.deliver() == 1
    [(path, body)] = receiver.posts
    assert path == f"/bot{TOKEN}/sendMessage"
    assert body == {"chat_id": "987654", "text": "Venue ban · by hand: IP banned until 12:00 UTC"}
    assert "not delivered" in caplog.text and TOKEN not in caplog.text


def test_telegram_settings_are_checked_and_turned_off(notes) -> None:
    with pytest.raises(ConfigError, match="Telegram needs the bot token"):
        notes.configure_telegram("", "123")
    with pytest.raises(ConfigError, match="does not look like 123456:ABC"):
        notes.configure_telegram("nocolon", "123")
    with pytest.raises(ConfigError, match="must be a number"):
        notes.configure_telegram(TOKEN, "my chat")
    with pytest.raises(ConfigError, match="must start with https://"):
        notes.configure_webhook("ftp://example")
    notes.configure_telegram(TOKEN, "123")
    notes.configure_telegram("", "456")  # keeps the stored token
    assert [c.chat_id for c in notes.channels()] == ["456"]
    notes.configure_telegram("", "")
    assert notes.channels() == []


def test_what_was_recorded_before_notifications_existed_is_not_notified(tmp_path, sleeps) -> None:
    database = Database.open(tmp_path / "old.duckdb")
    try:
        log_event(database, "halted", "long ago")
        with database.transaction() as cur:  # as the migration does on a store that had events already
            cur.execute("UPDATE notify_settings SET value = '1' WHERE key = 'floor.events'")
        notes = Notifications(database, KeyBox.open(tmp_path), sleep=sleeps.append)
        assert notes.refresh() == 0
        log_event(database, "halted", "now")
        assert [n.message for n in notes.recent()] == ["now"]
    finally:
        database.close()
