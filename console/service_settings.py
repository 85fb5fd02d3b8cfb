"""Settings for the facade: API-key profiles, connection tests, the paper exchange, engine health."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from console.domain import Market, Venue
from console.errors import ConfigError, ConsoleError
from console.storage import accounts


class Setup:
    """Mixed into ``Console``: needs ``self.db``, ``self.keybox``, ``self.clients``, ``self.paper``,
    ``self.engine``, ``self.settings`` and ``self.clear_books`` (``service_holdings``)."""

    def accounts(self) -> pd.DataFrame:
        """Every stored API-key profile: name, venue and the masked key (never the secret)."""
        rows = [{"name": a.name, "venue": a.venue.value, "api_key": a.masked_key}
                for a in accounts.list_masked(self.db.cursor())]
        return pd.DataFrame(rows, columns=["name", "venue", "api_key"])

    def save_account(self, *, name: str, venue: str | Venue, api_key: str, api_secret: str) -> None:
        """Store (encrypted) or replace the keys of profile ``name`` for the demo or live venue."""
        try:
            venue = Venue(venue)
        except ValueError:
            raise ConfigError(f"venue {venue!r} is not one of demo, live; pick one") from None
        if venue is Venue.PAPER:
            raise ConfigError("the paper venue makes its own keys; pick demo or live for Binance keys")
        accounts.save(self.db.cursor(), self.keybox, name=name, venue=venue,
                      api_key=api_key, api_secret=api_secret)
        self.clients.forget(venue)

    def delete_account(self, name: str) -> None:
        """Remove the profile ``name`` and forget any client built with its keys."""
        accounts.delete(self.db.cursor(), name)
        self.clients.forget()

    def test_account(self, name: str) -> list[str]:
        """Sign in with profile ``name`` on spot and USD-M futures; return one line per market.

        Each line says what the keys may do there (read the account) or why not, with the fix.
        """
        if name == "paper":
            venue = Venue.PAPER
        else:
            found = [a for a in accounts.list_masked(self.db.cursor()) if a.name == name]
            if not found:
                raise ConfigError(f"there are no keys named {name!r}; save them first")
            venue = found[0].venue
        lines = []
        for market in Market:
            try:
                client = self.clients.get(venue, market, name)
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
        self.paper.check_resettable()
        self.engine.stop_all("stopped: the paper exchange was reset")
        self.engine.wait_idle()
        self.paper.reset()
        self.clients.forget(Venue.PAPER)
        self.clear_books(Venue.PAPER, "the paper exchange was reset")

    def paper_feed(self) -> str:
        """Where the paper exchange's prices come from, in words."""
        return self.paper.describe()

    def paper_wallet(self) -> pd.DataFrame:
        """The wallet the paper exchange starts with (and returns to on reset): market, asset, amount."""
        rows = [{"market": market, "asset": asset, "amount": amount}
                for market, book in (("spot", self.paper.exchange.spot), ("futures", self.paper.exchange.futures))
                for asset, amount in sorted(book.starting.items())]
        return pd.DataFrame(rows, columns=["market", "asset", "amount"])

    def data_folder(self) -> Path:
        """The folder holding the database, the key file and the paper exchange's state."""
        return self.settings.data_dir

    def risk_defaults(self) -> dict[str, object]:
        """The risk limits a new bot starts with."""
        risk = self.settings.risk
        return {"max trades per day": risk.max_trades_per_day, "max daily loss (quote)": risk.max_daily_loss,
                "max position (quote)": risk.max_position_quote}

    def engine_running(self) -> bool:
        """Whether the bot engine's thread is alive."""
        return self.engine.running
