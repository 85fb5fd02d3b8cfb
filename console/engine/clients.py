"""One client per (venue, market, account), built on first use and shared by every bot.

A spot key holds a SpotClient, a futures key a FuturesClient; ``spot`` and ``futures`` return them
typed, for the calls only one market has (OCOs; leverage, positions, algo orders).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from console.domain import Market, Venue
from console.errors import ConfigError
from console.exchange.client import BinanceClient
from console.exchange.factory import client_for
from console.exchange.futures import FuturesClient
from console.exchange.spot import SpotClient


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
        self._clients: dict[tuple[Venue, Market, str], BinanceClient] = {}
        self._lock = threading.Lock()

    def get(self, venue: Venue, market: Market, account: str) -> BinanceClient:
        """The client of ``market`` (a SpotClient or a FuturesClient) for ``account`` on ``venue``."""
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
                client = client_for(
                    key[0], key[1], base_url=creds.base_url, api_key=creds.api_key,
                    api_secret=creds.api_secret, **self._options,
                )
                self._clients[key] = client
            return client

    def spot(self, venue: Venue, account: str) -> SpotClient:
        """The spot client of ``account`` on ``venue``."""
        return cast(SpotClient, self.get(venue, Market.SPOT, account))

    def futures(self, venue: Venue, account: str) -> FuturesClient:
        """The USD-M futures client of ``account`` on ``venue``."""
        return cast(FuturesClient, self.get(venue, Market.FUTURES, account))

    def forget(self, venue: Venue | None = None) -> None:
        """Drop cached clients (after keys change or the paper exchange restarts)."""
        with self._lock:
            for key in [k for k in self._clients if venue is None or k[0] == venue]:
                del self._clients[key]

    def all(self) -> list[tuple[tuple[Venue, Market, str], BinanceClient]]:
        with self._lock:
            return list(self._clients.items())
