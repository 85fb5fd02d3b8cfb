"""``Notifications``, composed as ``con.notifications``: derive, list, configure and send.

A sender thread of its own (never the engine's) derives new notifications from the engine's records
every few seconds and delivers them to the configured channels; a failed delivery is retried on
later rounds, a few times. Nothing is sent unless a channel is configured, and a channel receives
only what happened after it was set up.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.parse import urlparse

from console import redact
from console.errors import ConfigError
from console.notify import store
from console.notify.channels import TELEGRAM_API, Channel, NotifyError, Telegram, Webhook, send
from console.notify.kinds import Notification
from console.storage.db import Database
from console.storage.secrets import KeyBox

log = logging.getLogger(__name__)
MAX_ROUNDS = 5  # deliveries tried per notification and channel before it is given up


class Notifications:
    """What needs a person, as a list, toasts and (when set up) webhook or Telegram messages."""

    def __init__(self, db: Database, keybox: KeyBox, *, sleep: Callable[[float], None],
                 interval_seconds: float = 5.0) -> None:
        self._db = db
        self._keybox = keybox
        self._sleep = sleep
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- the list ----------------------------------------------------------------------------
    def refresh(self) -> int:
        """Derive notifications from what the engine recorded since the last call; return how many are new."""
        with self._lock:
            return store.derive(self._db.cursor())

    def recent(self, limit: int = 200, after: int = 0) -> list[Notification]:
        """The latest notifications (above id ``after``), newest first, derived up to now."""
        self.refresh()
        return store.recent(self._db.cursor(), limit, after)

    # -- channels ----------------------------------------------------------------------------
    def configure_webhook(self, url: str) -> None:
        """Send every new notification as JSON to ``url`` ('' turns the webhook off)."""
        url = url.strip()
        if url:
            parts = urlparse(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"webhook URL {url!r} must start with https:// (or http://) and name a host")
        self._set_channel("webhook", {"webhook.url": url}, on=bool(url))

    def configure_telegram(self, token: str, chat_id: str, base_url: str = "") -> None:
        """Send every new notification to a Telegram chat through the bot ``token`` (kept encrypted).
        An empty token keeps the stored one; an empty chat id turns Telegram off."""
        token, chat_id = token.strip(), chat_id.strip()
        if not chat_id:
            self._set_channel("telegram", {"telegram.token": "", "telegram.chat_id": "", "telegram.base_url": ""},
                              on=False)
            return
        stored = store.setting(self._db.cursor(), "telegram.token")
        if not token and not stored:
            raise ConfigError("Telegram needs the bot token BotFather gave you (like 123456:ABC-...)")
        if token and (":" not in token or " " in token):
            raise ConfigError("that Telegram bot token does not look like 123456:ABC-...; copy it from BotFather")
        if not chat_id.lstrip("-").isdigit() and not chat_id.startswith("@"):
            raise ConfigError(f"Telegram chat id {chat_id!r} must be a number (like 123456789) or @channelname")
        values = {"telegram.chat_id": chat_id, "telegram.base_url": base_url.strip()}
        if token:
            redact.remember(token)
            values["telegram.token"] = self._keybox.encrypt(token)
        self._set_channel("telegram", values, on=True)

    def _set_channel(self, name: str, values: dict[str, str], *, on: bool) -> None:
        self.refresh()  # what happened before the channel was set up is not sent to it
        with self._db.transaction() as cur:
            for key, value in values.items():
                store.set_setting(cur, key, value)
            store.set_setting(cur, f"{name}.since", str(store.last_id(cur)) if on else "")

    def settings(self) -> dict[str, str]:
        """The channels' settings as the Settings page shows them: the token masked."""
        cur = self._db.cursor()
        token = self._token()
        return {"webhook_url": store.setting(cur, "webhook.url"),
                "telegram_chat_id": store.setting(cur, "telegram.chat_id"),
                "telegram_token": redact.mask_key(token) if token else "",
                "telegram_base_url": store.setting(cur, "telegram.base_url") or TELEGRAM_API}

    def _token(self) -> str:
        sealed = store.setting(self._db.cursor(), "telegram.token")
        if not sealed:
            return ""
        token = self._keybox.decrypt(sealed)
        redact.remember(token)
        return token

    def channels(self) -> list[Channel]:
        """The channels set up, none by default."""
        cur = self._db.cursor()
        found: list[Channel] = []
        url = store.setting(cur, "webhook.url")
        if url:
            found.append(Webhook(url))
        chat = store.setting(cur, "telegram.chat_id")
        token = self._token() if chat else ""
        if chat and token:
            found.append(Telegram(token, chat, store.setting(cur, "telegram.base_url") or TELEGRAM_API))
        return found

    def deliver(self) -> int:
        """Send what each channel has not received yet; return how many messages arrived. A failure is
        counted and tried again on a later round (at most ``MAX_ROUNDS`` rounds)."""
        self.refresh()
        sent = 0
        for channel in self.channels():
            cur = self._db.cursor()
            since = int(store.setting(cur, f"{channel.name}.since", "0") or 0)
            for n in store.pending(cur, channel.name, MAX_ROUNDS, after=since):
                try:
                    send(channel, n, sleep=self._sleep)
                except NotifyError:
                    store.failed(self._db.cursor(), n.id)
                    break  # the channel is down: the rest waits for the next round
                store.delivered(self._db.cursor(), n.id, channel.name)
                sent += 1
        return sent

    # -- the sender thread -------------------------------------------------------------------
    def start(self) -> None:
        """Derive and deliver every few seconds on a thread of its own (not the engine's)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.deliver()
            except Exception as e:  # noqa: BLE001 - the sender goes on; the next round tries again
                log.warning("notifications round failed: %s", redact.mask(str(e)))

    def close(self) -> None:
        """Stop the sender thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
