"""Where the console trades: its venue, the keys of each venue's accounts, the client for an account."""
from __future__ import annotations

from console.domain import Market, Venue
from console.engine.clients import Clients, Credentials
from console.engine.recorder import Owner
from console.errors import ConfigError, ConsoleError
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.paper_venue import PaperVenue
from console.storage import accounts
from console.storage.db import Database
from console.storage.secrets import KeyBox

PAPER_ACCOUNT = "paper"


def no_paper(venue: Venue) -> str:
    """Why the paper exchange cannot be used on ``venue``, with the fix."""
    return (f"the paper exchange runs only on the paper venue and this console trades on {venue.value}; "
            "start the console with CONSOLE_VENUE=paper to use it")


class Keys:
    """The API keys of an account: the paper exchange's own, or a profile stored under Settings."""

    def __init__(self, db: Database, keybox: KeyBox, paper: PaperVenue | None, venue: Venue) -> None:
        self._db = db
        self._keybox = keybox
        self._paper = paper
        self._venue = venue

    def credentials(self, venue: Venue, account: str) -> Credentials:
        """The keys (and, on paper, the address) for ``account`` on ``venue``; raise ConfigError with the fix."""
        if venue is Venue.PAPER:
            if self._paper is None:
                raise ConfigError(no_paper(self._venue))
            return Credentials(*self._paper.keys(), base_url=self._paper.base_url)
        try:
            acct = accounts.get(self._db.cursor(), self._keybox, account)
        except ConsoleError as e:
            raise ConfigError(f"no API keys named {account!r}; add them under Settings") from e
        if acct.venue is not venue:
            raise ConfigError(f"keys {account!r} are for {acct.venue.value}, not {venue.value}; pick other keys")
        return Credentials(acct.api_key, acct.api_secret)

    def default_account(self, venue: Venue) -> str:
        """The account a person trades with on ``venue``: paper's own, else the first stored profile."""
        if venue is Venue.PAPER:
            return PAPER_ACCOUNT
        names = [a.name for a in accounts.list_masked(self._db.cursor()) if a.venue is venue]
        if not names:
            raise ConfigError(f"no API keys for the {venue.value} venue; add them under Settings")
        return names[0]


class VenueAccess:
    """The console's venue and default account, and the client of any (venue, market, account)."""

    def __init__(self, venue: Venue, keys: Keys, clients: Clients) -> None:
        self.venue = venue
        self._keys = keys
        self._clients = clients

    def default_account(self, venue: Venue | None = None) -> str:
        """The account a person trades with on ``venue`` (the console's by default)."""
        return self._keys.default_account(venue or self.venue)

    def client(self, market: Market, venue: Venue | None = None, account: str | None = None) -> BinanceClient:
        """The shared client of ``market`` on ``venue`` and ``account`` (the console's and its default)."""
        venue = venue or self.venue
        return self._clients.get(venue, market, account or self.default_account(venue))

    def futures(self) -> FuturesClient:
        """The USD-M futures client of the console's venue and default account."""
        return self._clients.futures(self.venue, self.default_account())

    def person(self, market: Market) -> Owner:
        """A person at the console, on its venue and default account."""
        return Owner(self.venue, market, self.default_account(), None)
