"""Notifications when something needs a person: a bot halted, a fill, a daily limit hit, a position
mismatch (a bot suspended), a venue ban.

They are derived from what the engine already records (the event log and the trades), stored in
DuckDB (``notifications``), shown as toasts and in a list by the console, and, when the person set
one up on the Settings page, sent to a webhook or a Telegram chat by a sender thread of their own
(retries with backoff, never on the engine thread). Nothing is sent unless configured; the Telegram
token is kept encrypted and never logged::

    kinds.py     the kinds and how an event or a trade becomes a notification
    store.py     the table: derive new ones, list, pending deliveries, channel settings
    channels.py  webhook and Telegram over HTTP, with retries
    service.py   ``Notifications``, composed as ``con.notifications``; the sender thread
"""
from console.notify.kinds import Kind, Notification
from console.notify.service import Notifications

__all__ = ["Kind", "Notification", "Notifications"]
