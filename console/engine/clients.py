"""One ExchangeClient per (venue, market, account), built on first use and shared by every bot."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from console.domain import Market, Venue
from console.errors import ConfigError
from console.exchange.client import ExchangeClient


@dataclass(frozen=True)
class Credentials:
    api_key: str
    api_secret: str
    base_url: str | None = None  # None: Binance itself (demo or live)


CredentialSource = Callable[[Venue, str], Credentials]


class Clients:
    """Build clients lazily; ``credentials(venue, account)`` supplies keys (and the paper URL)."""

    def __init__(self, credentials: CredentialSource, **client_options) -> None:
        self._credentials = credentials
        self._options = client_options
        self._clients: dict[tuple[Venue, Market, str], ExchangeClient] = {}
        self._lock = threading.Lock()

    def get(self, venue: Venue, market: Market, account: str) -> ExchangeClient:
        key = (Venue(venue), Market(market), account)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                creds = self._credentials(key[0], account)
                if not creds.api_key or not creds.api_secret:
                    raise ConfigError(
                        f"account {account!r} has no API key for the {key[0].value} venue; "
                        "add the key and secret under Settings"
                    )
                client = ExchangeClient(
                    key[0], key[1], base_url=creds.base_url, api_key=creds.api_key,
                    api_secret=creds.api_secret, **self._options,
                )
                self._clients[key] = client
            return client

    def forget(self, venue: Venue | None = None) -> None:
        """Drop cached clients (after keys change or the paper exchange restarts)."""
        with self._lock:
            for key in [k for k in self._clients if venue is None or k[0] == venue]:
                del self._clients[key]

    def all(self) -> list[tuple[tuple[Venue, Market, str], ExchangeClient]]:
        with self._lock:
            return list(self._clients.items())
