"""The one facade the pages call: ``Console``, built from typed sub-services.

Each sub-service is given what it needs in its constructor; ``Console`` builds storage, the
clients, the engine and (on the paper venue only) the paper exchange once, then composes::

    con.overview   balances, positions, open orders, engine health      (access, engine)
    con.bots       create, edit, delete, start, stop, status, events    (db, engine, clients)
    con.orders     the manual ticket: preview, place, OCO, close, cancel (access, gateway)
    con.holdings   the account against the books; resolve differences   (db, clients, access, check, orders)
    con.analytics  Trades & PnL, exports                                (db)
    con.setup      keys, connection tests, the paper exchange, defaults (settings, db, keybox, clients,
                                                                         engine, paper, holdings)
    con.history    stored market history, downloads, bot charts         (settings, db, clients, market data)
    con.backtests  backtests in the background, saved runs, compare     (settings, db, bots, history)
    con.sweeps     parameter sweeps on dask, walk-forward, their results (settings, db, bots)
    con.notifications  what needs a person: list, toasts, webhook / Telegram (db, keybox)

and keeps the venue, its banner, the default account and the kill switch itself. Pages import only
this package and ``console.charts``.
"""
from __future__ import annotations

from dataclasses import dataclass

from console import redact
from console.clock import SYSTEM_CLOCK, Clock
from console.config import Settings, ensure_private_dir
from console.domain import BotConfig, Market, Venue
from console.engine.clients import Clients
from console.engine.engine import BotEngine
from console.engine.kill_switch import KillReport, KillSwitch
from console.errors import ConsoleError
from console.exchange.client import BinanceClient
from console.paper_venue import PaperVenue
from console.notify import Notifications
from console.service.access import Keys, VenueAccess
from console.service.analytics import Analytics
from console.service.backtests import Backtests
from console.service.bots import Bots
from console.service.holdings import Difference, Holdings
from console.service.orders import Orders
from console.service.overview import Overview
from console.service.setup import Setup
from console.service.sweeps import Sweeps
from console.service_history import HistoryService
from console.storage import secrets
from console.storage.db import Database

__all__ = ["Banner", "Console", "Difference"]


@dataclass(frozen=True)
class Banner:
    venue: Venue
    feed: str  # "synthetic", "replay", "live" or "" off the paper venue
    text: str


class Console:
    """Everything the UI does, as plain method calls on its sub-services. One per process."""

    def __init__(self, settings: Settings, *, clock: Clock = SYSTEM_CLOCK,
                 start_engine: bool = True, cycle_seconds: float | None = None) -> None:
        redact.install()
        self.settings = settings
        ensure_private_dir(settings.data_dir)
        self.db = Database.open(settings.console_db, clock=clock)
        self.keybox = secrets.KeyBox.open(settings.data_dir)
        on_paper = settings.venue is Venue.PAPER  # the paper exchange starts only on its venue
        self.paper: PaperVenue | None = PaperVenue(settings, clock=clock) if on_paper else None
        keys = Keys(self.db, self.keybox, self.paper, settings.venue)
        self.clients = Clients(keys.credentials, clock=clock, sleep=clock.sleep)
        self.access = VenueAccess(settings.venue, keys, self.clients)
        self.engine = BotEngine(self.db, self.clients, clock=clock, venues=frozenset({settings.venue}),
                                cycle_seconds=cycle_seconds or settings.cycle_seconds)
        self.engine.gateway.sync_intents(settings.sync_intents)
        self._kill = KillSwitch(self.engine, self.db, self.clients, self._kill_accounts)
        self.bots = Bots(self.db, self.engine, self.clients)
        self.orders = Orders(self.access, self.engine.gateway, self.db)
        self.overview = Overview(self.access, self.engine, self.orders)
        self.holdings = Holdings(self.db, self.clients, self.access, self.engine.holdings, self.orders)
        self.analytics = Analytics(self.db)
        self.setup = Setup(settings, self.db, self.keybox, self.clients, self.engine, self.paper, self.holdings)
        self.history = HistoryService(settings, db=self.db, clients=self.clients,
                                      market_data=self.engine.market_data, clock=clock)
        self.backtests = Backtests(settings, db=self.db, bots=self.bots, history=self.history,
                                   default_config=self._new_bot_config, clock=clock)
        self.sweeps = Sweeps(settings, self.db, self.bots, clock=clock)
        self.notifications = Notifications(self.db, self.keybox, sleep=clock.sleep)
        if start_engine:
            self.engine.start()
            self.notifications.start()

    def close(self) -> None:
        """Stop the backtest, the downloads, the engine and the paper exchange; close the store."""
        self.notifications.close()
        self.sweeps.close()
        self.backtests.close()
        self.history.close()
        self.engine.stop()
        if self.paper is not None:
            self.paper.stop()
        self.db.close()

    # -- the venue --------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self.settings.venue

    def banner(self) -> Banner:
        """What the top of every page says: the venue, and on paper where its prices come from."""
        if self.paper is not None:
            return Banner(self.venue, self.paper.feed_kind, f"PAPER · prices: {self.paper.describe()}")
        if self.venue is Venue.DEMO:
            return Banner(self.venue, "", "DEMO · Binance demo trading")
        return Banner(self.venue, "", "LIVE · real Binance account")

    def default_account(self, venue: Venue | None = None) -> str:
        """The account a person trades with on ``venue`` (the console's by default)."""
        return self.access.default_account(venue)

    def _new_bot_config(self) -> BotConfig:
        """A new bot's settings on this console's venue and account, with the risk defaults."""
        risk = self.setup.risk()
        try:
            account = self.default_account()
        except ConsoleError:
            account = "paper" if self.venue is Venue.PAPER else ""
        return BotConfig(name="backtest", symbol="BTC/USDT", timeframe="1h", venue=self.venue, account=account,
                         max_trades_per_day=risk.max_trades_per_day, max_daily_loss=risk.max_daily_loss,
                         max_position_quote=risk.max_position_quote)

    def client(self, market: Market, venue: Venue | None = None, account: str | None = None) -> BinanceClient:
        """The shared client of ``market`` on ``venue`` and ``account`` (the console's and its default)."""
        return self.access.client(market, venue, account)

    # -- the kill switch --------------------------------------------------------------------
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
