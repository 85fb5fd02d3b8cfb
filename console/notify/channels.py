"""Where notifications go: a webhook (JSON POST) or a Telegram chat (Bot API ``sendMessage``).

Each send retries a few times with a growing pause (the sleep is injected, so tests never wait) and
raises ``NotifyError`` when all failed. A Telegram token is part of the URL Binance-style secrets
never are: it is never put in a message or a log line (``redact`` masks it too).
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from console import redact
from console.errors import ConsoleError
from console.notify.kinds import Notification

log = logging.getLogger(__name__)
TELEGRAM_API = "https://api.telegram.org"
TIMEOUT_SECONDS = 10.0


class NotifyError(ConsoleError):
    """A notification could not be delivered; it is tried again on the next round."""


@dataclass(frozen=True)
class Webhook:
    url: str
    name: str = "webhook"

    def payload(self, n: Notification) -> tuple[str, dict]:
        return self.url, {"kind": n.kind.value, "title": n.title, "message": n.message, "text": n.text,
                          "bot_id": n.bot_id, "ts": n.ts.isoformat()}

    def describe(self) -> str:
        return "the webhook"


@dataclass(frozen=True)
class Telegram:
    token: str
    chat_id: str
    base_url: str = TELEGRAM_API
    name: str = "telegram"

    def __post_init__(self) -> None:
        redact.remember(self.token)

    def payload(self, n: Notification) -> tuple[str, dict]:
        return f"{self.base_url.rstrip('/')}/bot{self.token}/sendMessage", {"chat_id": self.chat_id, "text": n.text}

    def describe(self) -> str:
        return "Telegram"


Channel = Webhook | Telegram


def send(channel: Channel, n: Notification, *, attempts: int = 3, sleep: Callable[[float], None],
         timeout: float = TIMEOUT_SECONDS) -> None:
    """POST ``n`` to ``channel``, retrying ``attempts`` times with a growing pause; raise NotifyError."""
    url, body = channel.payload(n)
    data = json.dumps(body).encode()
    problem = ""
    for attempt in range(attempts):
        if attempt:
            sleep(2.0 ** attempt)
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the person's URL
                answer.read()
            return
        except urllib.error.HTTPError as e:
            problem = f"answered HTTP {e.code}"
            if 400 <= e.code < 500 and e.code != 429:
                break  # a bad token, chat or URL: retrying cannot help
        except (urllib.error.URLError, OSError) as e:
            problem = f"could not be reached ({type(getattr(e, 'reason', e)).__name__})"
    message = f"{channel.describe()} {problem}; check its settings on the Settings page"
    log.warning("notification %s not delivered: %s", n.id, message)
    raise NotifyError(message)
