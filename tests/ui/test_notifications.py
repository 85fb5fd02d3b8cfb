"""Notifications in the console: a fill and a halt listed, toasted once per session, channels set on Settings."""
from __future__ import annotations

from console.notify import Kind
from console.storage import events
from tests.ui.conftest import dca_form, frame, run_page, texts

TOKEN = "123456789:AAHsecret-token-never-shown"


def test_a_bot_s_fill_is_listed_and_toasted_once(con) -> None:
    bot_id = con.bots.create(dca_form("filler"))
    con.bots.start(bot_id)
    con.engine.run_cycle()  # buys on its first tick
    [fill] = [n for n in con.notifications.recent() if n.kind is Kind.FILL]
    assert fill.title == "Fill · bot filler" and fill.message.startswith("buy 0.0")
    at = run_page("9_Notifications.py")
    assert not at.exception
    listed = frame(at, "message")
    assert "Fill · bot filler" in set(listed["title"])
    at = run_page("streamlit_app.py")
    assert any("Fill · bot filler" in t.value for t in at.toast)
    at.run()
    assert not any("Fill · bot filler" in t.value for t in at.toast)  # once per session


def test_a_halted_bot_is_toasted(con) -> None:
    bot_id = con.bots.create(dca_form("halter"))
    at = run_page("streamlit_app.py")
    with con.db.transaction() as cur:
        events.log(cur, bot_id, "halted", "halted after 3 errors; fix it and start it again")
    at.run()
    assert any(t.value.startswith("Bot halted · bot halter: halted after 3 errors") for t in at.toast)


def test_channels_are_set_on_the_settings_page_with_the_token_masked(con) -> None:
    at = run_page("5_Settings.py")
    at.text_input(key="notify_url").input("http://127.0.0.1:9/hook")
    at.button(key="FormSubmitter:notify_webhook-Save webhook").click().run()
    assert "Webhook saved." in texts(at.success)
    at.text_input(key="notify_token").input(TOKEN)
    at.text_input(key="notify_chat").input("4242")
    at.button(key="FormSubmitter:notify_telegram-Save Telegram").click().run()
    assert not at.exception and "Telegram saved." in texts(at.success)
    assert con.notifications.settings()["telegram_token"] == "1234…hown"
    assert at.text_input(key="notify_token").value == ""  # never shown again
    assert "stored: 1234…hown" in at.text_input(key="notify_token").placeholder
    assert [c.name for c in con.notifications.channels()] == ["webhook", "telegram"]
    at.text_input(key="notify_chat").input("not a chat")
    at.button(key="FormSubmitter:notify_telegram-Save Telegram").click().run()
    assert "must be a number" in texts(at.error)
