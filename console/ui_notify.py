"""The notifications in the console: toasts (once per notification per session), the list, and the
Settings page's section to send them to a webhook or a Telegram chat."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from console import ui
from console.service import Console

_SEEN = "_notify_seen"
FIRST_TOASTS = 5  # on a session's first run only the newest few are toasted; the rest are in the list


def toasts(con: Console) -> None:
    """Toast each notification this session has not toasted yet."""
    first = _SEEN not in st.session_state
    fresh = ui.attempt(con.notifications.recent, 50, st.session_state.get(_SEEN, 0), default=[]) or []
    st.session_state[_SEEN] = max([n.id for n in fresh], default=st.session_state.get(_SEEN, 0))
    if not fresh:
        return
    for n in reversed(fresh[:FIRST_TOASTS] if first else fresh):
        st.toast(n.text, icon=":material/notifications:")


def notification_list(con: Console, limit: int = 200) -> None:
    """The latest notifications as a table, newest first."""
    found = ui.attempt(con.notifications.recent, limit, default=None)
    if found is None:
        return
    frame = pd.DataFrame([{"ts": n.ts, "kind": n.kind.value.replace("_", " "), "title": n.title,
                           "message": n.message, "sent to": n.delivered} for n in found],
                         columns=["ts", "kind", "title", "message", "sent to"])
    if not frame.empty:
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    ui.table(frame, "Nothing needs you: no notifications yet.", key="notifications")


def settings_section(con: Console) -> None:
    """Where notifications are sent: a webhook URL and a Telegram bot (token kept encrypted, shown masked)."""
    st.subheader("Notifications")
    st.caption("A bot halted, a fill, a daily limit hit, a position mismatch or a venue ban is shown here as a "
               "toast and on the Notifications page; set up a channel to receive them elsewhere too. "
               "Nothing is sent unless set up.")
    ui.show("notify")
    now = ui.attempt(con.notifications.settings, default={}) or {}
    with st.form("notify_webhook"):
        url = st.text_input("Webhook URL", value=now.get("webhook_url", ""), key="notify_url",
                            help="each notification is POSTed as JSON; empty turns it off")
        if st.form_submit_button("Save webhook") and ui.succeeded(con.notifications.configure_webhook, url):
            ui.done("notify", "Webhook saved." if url.strip() else "Webhook turned off.")
    with st.form("notify_telegram"):
        masked = now.get("telegram_token", "")
        st.text_input("Telegram bot token", type="password", key="notify_token",
                      placeholder=f"stored: {masked} (leave empty to keep it)" if masked else "123456:ABC-...",
                      help="from BotFather; kept encrypted, never shown again")
        st.text_input("Telegram chat id", value=now.get("telegram_chat_id", ""), key="notify_chat",
                      help="empty turns Telegram off")
        st.text_input("Telegram API address", value=now.get("telegram_base_url", ""), key="notify_base")
        st.form_submit_button("Save Telegram", on_click=_save_telegram, args=(con,))


def _save_telegram(con: Console) -> None:
    """Store the Telegram settings; the typed token leaves the session either way."""
    state = st.session_state
    token, chat, base = state.get("notify_token", ""), state.get("notify_chat", ""), state.get("notify_base", "")
    state["notify_token"] = ""
    ui.callback("notify", con.notifications.configure_telegram, token, chat, base,
                done="Telegram saved." if chat.strip() else "Telegram turned off.")()
