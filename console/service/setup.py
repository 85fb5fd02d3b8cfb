"""The Settings page: API-key profiles, connection tests, the paper exchange, risk defaults, the data folder."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pandas as pd

from console.config import RiskDefaults, Settings, parse_decimal
from console.domain import Market, Venue
from console.engine.clients import Clients
from console.engine.engine import BotEngine
from console.errors import ConfigError, ConsoleError
from console.paper_venue import PaperVenue
from console.service.access import PAPER_ACCOUNT, no_paper
from console.service.holdings import Holdings
from console.storage import accounts
from console.storage.db import Database
from console.storage.secrets import KeyBox


# Binance's HMAC API keys and secrets: 64 letters and digits. An Ed25519 or RSA key pair is signed
# with the private key as its secret, pasted as PEM.
BINANCE_KEY = re.compile(r"[A-Za-z0-9]{64}")
PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)
RISK_FILE = "risk_defaults.json"  # in the data folder: the limits saved from a bot's form


def check_key(text: str, what: str) -> None:
    """Refuse ``text`` unless it has Binance's format: 64 letters and digits (an HMAC key or secret),
    or, for a secret, a PEM private key (Ed25519 or RSA)."""
    found = (text or "").strip()
    if BINANCE_KEY.fullmatch(found) or (what == "API secret" and PEM.fullmatch(found)):
        return
    if not found:
        raise ConfigError(f"the {what} is empty; paste it from Binance's API management page")
    odd = sorted({c for c in found if not c.isascii() or not c.isalnum()})
    shown = ", ".join(repr(c) for c in odd[:5])
    why = f"it has {len(found)} characters"
    if odd:  # never a character of the secret on the page
        why += f", among them {shown}" if what == "API key" else ", some neither letters nor digits"
    raise ConfigError(f"the {what} does not look like a Binance key: an HMAC {what} is 64 letters and digits, "
                      f"and {why}; copy it again from Binance's API management page")


class Setup:
    """Keys, the paper exchange and the console's settings; composed as ``con.setup``.

    ``paper`` is None off the paper venue: what needs it then says how to start the console on paper.
    ``holdings`` clears the books after a paper reset.
    """

    def __init__(self, settings: Settings, db: Database, keybox: KeyBox, clients: Clients, engine: BotEngine,
                 paper: PaperVenue | None, holdings: Holdings) -> None:
        self._settings = settings
        self._db = db
        self._keybox = keybox
        self._clients = clients
        self._engine = engine
        self._paper = paper
        self._holdings = holdings

    def accounts(self) -> pd.DataFrame:
        """Every stored API-key profile: name, venue and the masked key (never the secret)."""
        rows = [{"name": a.name, "venue": a.venue.value, "api_key": a.masked_key}
                for a in accounts.list_masked(self._db.cursor())]
        return pd.DataFrame(rows, columns=["name", "venue", "api_key"])

    def save_account(self, *, name: str, venue: str | Venue, api_key: str, api_secret: str,
                     replace: bool = False) -> None:
        """Store (encrypted) the keys of profile ``name`` for the demo or live venue.

        The key and secret must look like Binance's (see ``check_key``). A profile of that name is
        replaced only when ``replace`` is given: else ConfigError asks for the confirmation.
        """
        try:
            venue = Venue(venue)
        except ValueError:
            raise ConfigError(f"venue {venue!r} is not one of demo, live; pick one") from None
        if venue is Venue.PAPER:
            raise ConfigError("the paper venue makes its own keys; pick demo or live for Binance keys")
        check_key(api_key, "API key")
        check_key(api_secret, "API secret")
        if not replace and self.account_exists(name):
            raise ConfigError(f"a profile named {name.strip()!r} exists already; confirm to replace its keys, "
                              "or save them under another name")
        accounts.save(self._db.cursor(), self._keybox, name=name, venue=venue,
                      api_key=api_key, api_secret=api_secret)
        self._clients.forget(venue)

    @staticmethod
    def check_key(text: str, what: str) -> None:
        """Refuse ``text`` (``what``: "API key" or "API secret") unless it has Binance's format."""
        check_key(text, what)

    def account_exists(self, name: str) -> bool:
        """Whether a profile named ``name`` is stored."""
        return any(a.name == name.strip() for a in accounts.list_masked(self._db.cursor()))

    def delete_account(self, name: str) -> None:
        """Remove the profile ``name`` and forget any client built with its keys."""
        accounts.delete(self._db.cursor(), name)
        self._clients.forget()

    def test_account(self, name: str) -> list[str]:
        """Sign in with profile ``name`` on spot and USD-M futures; return one line per market.

        Each line says what the keys may do there (read the account) or why not, with the fix.
        """
        if name == PAPER_ACCOUNT:
            venue = Venue.PAPER
            self._running_paper()
        else:
            found = [a for a in accounts.list_masked(self._db.cursor()) if a.name == name]
            if not found:
                raise ConfigError(f"there are no keys named {name!r}; save them first")
            venue = found[0].venue
        lines = []
        for market in Market:
            try:
                client = self._clients.get(venue, market, name)
                held = client.balances(fresh=True)
                may = client.permissions()
            except ConsoleError as e:
                lines.append(f"{market.value}: cannot sign in: {e}")
                continue
            assets = sum(1 for b in held.values() if b.total > 0)
            line = (f"{market.value}: signed in on {venue.value}; can read the account "
                    f"({assets} asset(s) with a balance), "
                    f"{'can' if may['trade'] else 'cannot'} trade")
            if not may["trade"]:
                line += " (enable trading for this key on Binance)"
            if may["withdraw"] and venue is Venue.LIVE:
                line += "; WARNING: this key may withdraw funds: a trading key needs no withdrawal right"
            lines.append(line)
        return lines

    def reset_paper(self) -> None:
        """Stop every bot, wipe the paper exchange's orders, trades and positions, restore its starting
        wallet, and clear the books to match: the bots' and the manual positions go to zero (adjustment
        trades), open journal entries are closed, and the starting wallet is the person's."""
        if self._paper is None:
            venue = self._settings.venue.value
            raise ConfigError(f"reset is only for the paper venue; this console trades on {venue}: "
                              "start it with CONSOLE_VENUE=paper to reset the paper exchange")
        self._paper.check_resettable()
        self._engine.stop_all("stopped: the paper exchange was reset")
        self._engine.wait_idle()
        self._paper.reset()
        self._clients.forget(Venue.PAPER)
        self._holdings.clear_books(Venue.PAPER, "the paper exchange was reset")

    def paper_running(self) -> bool:
        """Whether this console runs (or reaches) a paper exchange: only on the paper venue."""
        return self._paper is not None

    def paper_feed(self) -> str:
        """Where the paper exchange's prices come from, in words."""
        return self._running_paper().describe()

    def paper_wallet(self) -> pd.DataFrame:
        """The wallet the paper exchange starts with (and returns to on reset): market, asset, amount."""
        exchange = self._running_paper().exchange
        if exchange is None:
            raise ConfigError("the paper exchange runs on its own (CONSOLE_PAPER_URL); its starting wallet is "
                              "set where it was started")
        rows = [{"market": market, "asset": asset, "amount": amount}
                for market, book in (("spot", exchange.spot), ("futures", exchange.futures))
                for asset, amount in sorted(book.starting.items())]
        return pd.DataFrame(rows, columns=["market", "asset", "amount"])

    def data_folder(self) -> Path:
        """The folder holding the database, the key file and the paper exchange's state."""
        return self._settings.data_dir

    def risk(self) -> RiskDefaults:
        """The risk limits a new bot starts with: the ones last saved from a bot's form, else the built-in ones."""
        path = self._settings.data_dir / RISK_FILE
        if not path.exists():
            return self._settings.risk
        try:
            return risk_limits(json.loads(path.read_text()))
        except (ValueError, ConfigError) as e:
            raise ConfigError(f"the saved risk defaults in {path} cannot be read ({e}); save them again from a "
                              "bot's form, or delete the file to go back to the built-in ones") from None

    def save_risk_defaults(self, form: Mapping[str, object]) -> RiskDefaults:
        """Check the risk limits of a bot form (max trades per day, max daily loss, max position) and keep
        them as the defaults of every new bot; raise ConfigError with the fix."""
        risk = risk_limits(form)
        path = self._settings.data_dir / RISK_FILE
        text = json.dumps({"max_trades_per_day": risk.max_trades_per_day, "max_daily_loss": str(risk.max_daily_loss),
                           "max_position_quote": str(risk.max_position_quote)})
        draft = path.with_suffix(".tmp")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(draft, path)
        return risk

    def risk_defaults(self) -> dict[str, object]:
        """The risk limits a new bot starts with, by what a person reads."""
        risk = self.risk()
        return {"max trades per day": risk.max_trades_per_day, "max daily loss (quote)": risk.max_daily_loss,
                "max position (quote)": risk.max_position_quote}

    def _running_paper(self) -> PaperVenue:
        if self._paper is None:
            raise ConfigError(no_paper(self._settings.venue))
        return self._paper


def risk_limits(values: Mapping[str, object]) -> RiskDefaults:
    """The three risk limits of ``values`` (a bot form's text or saved ones), each above zero; raise
    ConfigError saying what to enter."""
    raw = values.get("max_trades_per_day")
    try:
        trades = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"max trades per day {raw!r} is not a whole number; write e.g. 20") from None
    if trades < 1:
        raise ConfigError(f"max trades per day {trades} must be at least 1; write e.g. 20")
    amounts: dict[str, Decimal] = {}
    for name, example in (("max_daily_loss", "100"), ("max_position_quote", "1000")):
        what = name.replace("_quote", "").replace("_", " ")
        amounts[name] = parse_decimal(values.get(name), what)
        if amounts[name] <= 0:
            raise ConfigError(f"{what} {amounts[name]} must be above zero; enter an amount in quote like {example}")
    return RiskDefaults(max_trades_per_day=trades, **amounts)
