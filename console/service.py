"""The one facade the pages call. It composes storage, the exchange clients, the engine and the
paper venue; pages import only this module and ``console.charts``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from console import redact
from console.config import Settings, ensure_private_dir
from console.domain import Market, OrderRequest, Venue
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.engine.kill_switch import KillReport, KillSwitch
from console.errors import ConfigError, ConsoleError
from console.paper_venue import PaperVenue
from console.service_history import HistoryService
from console.storage import accounts, secrets
from console.storage.db import Database
from console import service_analytics, service_bots, service_holdings, service_orders, service_settings

log = logging.getLogger(__name__)

PAPER_ACCOUNT = "paper"


@dataclass(frozen=True)
class Banner:
    venue: Venue
    feed: str  # "synthetic", "replay", "live" or "" off the paper venue
    text: str


class Console(service_bots.Bots, service_orders.Orders, service_analytics.Analytics, service_settings.Setup,
              service_holdings.Holdings):
    """Everything the UI does, as plain method calls. One per process."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time,
                 start_engine: bool = True, cycle_seconds: float | None = None) -> None:
        redact.install()
        self.settings = settings
        ensure_private_dir(settings.data_dir)
        self.db = Database.open(settings.console_db)
        self.keybox = secrets.KeyBox.open(settings.data_dir)
        self.paper = PaperVenue(settings)
        self.clients = Clients(self._credentials, clock=clock)
        self.engine = BotEngine(self.db, self.clients, clock=clock,
                                cycle_seconds=cycle_seconds or settings.cycle_seconds)
        self._kill = KillSwitch(self.engine, self.db, self.clients, self._kill_accounts)
        self.history = HistoryService(settings, db=self.db, clients=self.clients,
                                      market_data=self.engine.market_data, clock=clock)
        if start_engine:
            self.engine.start()

    def close(self) -> None:
        self.history.close()
        self.engine.stop()
        self.paper.stop()
        self.db.close()

    # -- venue ------------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self.settings.venue

    def banner(self) -> Banner:
        if self.venue is Venue.PAPER:
            return Banner(self.venue, self.paper.feed_kind, f"PAPER · prices: {self.paper.describe()}")
        if self.venue is Venue.DEMO:
            return Banner(self.venue, "", "DEMO · Binance demo trading")
        return Banner(self.venue, "", "LIVE · real Binance account")

    def _credentials(self, venue: Venue, account: str) -> Credentials:
        if venue is Venue.PAPER:
            return Credentials(*self.paper.keys(), base_url=self.paper.base_url)
        try:
            acct = accounts.get(self.db.cursor(), self.keybox, account)
        except ConsoleError as e:
            raise ConfigError(f"no API keys named {account!r}; add them under Settings") from e
        if acct.venue is not venue:
            raise ConfigError(f"keys {account!r} are for {acct.venue.value}, not {venue.value}; pick other keys")
        return Credentials(acct.api_key, acct.api_secret)

    def default_account(self, venue: Venue | None = None) -> str:
        venue = venue or self.venue
        if venue is Venue.PAPER:
            return PAPER_ACCOUNT
        names = [a.name for a in accounts.list_masked(self.db.cursor()) if a.venue is venue]
        if not names:
            raise ConfigError(f"no API keys for the {venue.value} venue; add them under Settings")
        return names[0]

    def client(self, market: Market, venue: Venue | None = None, account: str | None = None):
        venue = venue or self.venue
        return self.clients.get(venue, market, account or self.default_account(venue))

    # -- overview ---------------------------------------------------------------------------
    def balances(self) -> pd.DataFrame:
        rows = []
        for market in Market:
            for asset, bal in sorted(self.client(market).balances().items()):
                if bal.total > 0:
                    rows.append({"market": market.value, "asset": asset, "free": bal.free,
                                 "locked": bal.locked, "total": bal.total})
        return pd.DataFrame(rows, columns=["market", "asset", "free", "locked", "total"])

    def positions(self) -> pd.DataFrame:
        rows = [{"symbol": p.symbol, "side": "long" if p.quantity > 0 else "short", "quantity": p.quantity,
                 "entry_price": p.entry_price, "mark_price": p.mark_price,
                 "unrealized_pnl": p.unrealized_pnl, "leverage": p.leverage}
                for p in self.client(Market.FUTURES).positions() if p.quantity != 0]
        return pd.DataFrame(rows, columns=["symbol", "side", "quantity", "entry_price", "mark_price",
                                           "unrealized_pnl", "leverage"])

    def open_orders(self) -> pd.DataFrame:
        rows = []
        for market in Market:
            for o in self.client(market).open_orders():
                rows.append({"market": market.value, "symbol": o.symbol, "side": o.side.value,
                             "type": o.type.value, "quantity": o.quantity, "price": o.price,
                             "stop_price": o.stop_price, "client_order_id": o.client_order_id})
        return pd.DataFrame(rows, columns=["market", "symbol", "side", "type", "quantity", "price",
                                           "stop_price", "client_order_id"])

    def kill_switch(self, *, sell_spot: bool = False) -> KillReport:
        """Stop every bot, cancel every open order (OCOs as lists, conditional orders too), close every
        futures position (each bot's part as its own order) and, with ``sell_spot``, sell what the bots
        hold on spot. Go on past failures; report what was done and what still stands, with the fix.
        A second press while one runs waits for it, then checks again."""
        return self._kill.press(sell_spot=sell_spot)

    def _kill_accounts(self) -> list[tuple[Venue, str]]:
        try:
            return [(self.venue, self.default_account())]
        except ConsoleError:
            return []  # no keys for this venue: only the bots' accounts are cleared

    def _manual(self, market: Market, request: OrderRequest):
        """Place ``request`` by hand, on the console's venue and default account, through the gateway."""
        return self.engine.gateway.place(self._owner(market), request)
