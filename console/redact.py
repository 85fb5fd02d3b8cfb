"""A logging filter that masks API keys, secrets and request signatures wherever they appear."""
from __future__ import annotations

import logging
import re
import threading

_PATTERNS = [
    re.compile(r"(signature=)[0-9a-fA-F]+"),
    re.compile(r"((?:X-MBX-APIKEY|apiKey|api_key|secret|api_secret)['\"]?\s*[:=]\s*['\"]?)[^'\",&\s}]+", re.I),
]
_known: set[str] = set()
_lock = threading.Lock()


def remember(*values: str) -> None:
    """Mask these exact strings (keys and secrets in use) from now on."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= 6)


def mask(text: str) -> str:
    for value in sorted(_known, key=len, reverse=True):
        text = text.replace(value, mask_key(value))
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


def mask_key(value: str) -> str:
    """Show a key as its first and last four characters, e.g. ``abcd…wxyz``."""
    return f"{value[:4]}…{value[-4:]}" if len(value) > 12 else "****"


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return True


def install() -> None:
    """Attach the filter to every handler of the root logger (once)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
