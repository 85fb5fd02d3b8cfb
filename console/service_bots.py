"""Bot management for the facade: create, edit, clone, delete, start, stop, status, events."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

from console.config import parse_decimal
from console.domain import BotConfig, BotState, Market, OrderRequest, Side, Sizing, Venue
from console.engine import risk
from console.engine.strategies import STRATEGIES, get_strategy
from console.errors import ConfigError
from console.storage import bots, events

_DECIMALS = ("size", "take_profit_pct", "stop_loss_pct", "max_daily_loss", "max_position_quote")
_INTS = ("leverage", "max_trades_per_day")


class Bots:
    """Mixed into ``Console``: needs ``self.db``, ``self.engine``, ``self.client``."""

    def strategies(self) -> dict[str, object]:
        return dict(STRATEGIES)

    def bot_config(self, form: Mapping[str, object]) -> BotConfig:
        """Build and validate a bot configuration from form values; raise ConfigError with the fix."""
        values = dict(form)
        for name in _DECIMALS:
            raw = values.get(name)
            if raw is None or raw == "":
                values[name] = None if name.endswith("_pct") else values.pop(name, None)
                if values[name] is None and not name.endswith("_pct"):
                    values.pop(name)
            elif not isinstance(raw, Decimal):
                values[name] = parse_decimal(raw, name.replace("_", " "))
        for name in _INTS:
            if name in values and not isinstance(values[name], int):
                try:
                    values[name] = int(str(values[name]).strip())
                except ValueError:
                    raise ConfigError(f"{name.replace('_', ' ')} {values[name]!r} is not a whole number; write e.g. 5") from None
        for name, kind in (("market", Market), ("venue", Venue), ("sizing", Sizing)):
            if name in values and not isinstance(values[name], kind):
                try:
                    values[name] = kind(str(values[name]))
                except ValueError:
                    allowed = ", ".join(k.value for k in kind)
                    raise ConfigError(f"{name} {values[name]!r} is not one of {allowed}") from None
        values["symbol"] = str(values.get("symbol", "")).strip().upper()
        unknown = set(values) - {f.name for f in dataclasses.fields(BotConfig)}
        if unknown:
            raise ConfigError(f"unknown bot settings {', '.join(sorted(unknown))}; remove them")
        config = BotConfig(**values)
        strategy = get_strategy(config.strategy)
        params = strategy.validate(config.params)
        return dataclasses.replace(config, params=params)

    def preview_bot(self, config: BotConfig):
        """Check the symbol and size against the exchange's rules; return the normalised first order."""
        client = self.client(config.market, config.venue, config.account)
        price = client.ticker(config.symbol).last
        free = client.balances().get(config.symbol.split("/")[1])
        notional = risk.entry_notional(config, free_quote=free.free if free else Decimal(0), exposure=Decimal(0))
        if config.market is Market.FUTURES:
            request = OrderRequest(symbol=config.symbol, market=config.market, side=Side.BUY, quantity=notional / price)
        else:
            request = OrderRequest(symbol=config.symbol, market=config.market, side=Side.BUY, quote_quantity=notional)
        return client.preview(request)

    def create_bot(self, form: Mapping[str, object]) -> int:
        """Validate, preview against the exchange's rules, then store a new (stopped) bot."""
        config = self.bot_config(form)
        self.preview_bot(config)
        with self.db.transaction() as cur:
            bot_id = bots.create(cur, config)
            events.log(cur, bot_id, "config", "created")
        return bot_id

    def update_bot(self, bot_id: int, form: Mapping[str, object]) -> None:
        config = self.bot_config(form)
        self.preview_bot(config)
        with self.db.transaction() as cur:
            bots.update_config(cur, bot_id, config)
            events.log(cur, bot_id, "config", "settings changed")

    def clone_bot(self, bot_id: int, name: str) -> int:
        config = dataclasses.replace(bots.get(self.db.cursor(), bot_id).config, name=name)
        with self.db.transaction() as cur:
            new_id = bots.create(cur, config)
            events.log(cur, new_id, "config", f"cloned from bot {bot_id}")
        return new_id

    def delete_bot(self, bot_id: int) -> None:
        record = bots.get(self.db.cursor(), bot_id)
        if record.state is BotState.RUNNING:
            raise ConfigError(f"bot {record.config.name} is running; stop it before deleting it")
        with self.db.transaction() as cur:
            bots.delete(cur, bot_id)

    def bot(self, bot_id: int):
        return bots.get(self.db.cursor(), bot_id)

    def bots(self) -> list:
        return bots.list(self.db.cursor())

    def start_bot(self, bot_id: int) -> None:
        self.engine.start_bot(bot_id)

    def stop_bot(self, bot_id: int) -> None:
        self.engine.stop_bot(bot_id)

    def start_all(self) -> None:
        for record in self.bots():
            if record.state is not BotState.RUNNING:
                self.engine.start_bot(record.id)

    def stop_all(self) -> None:
        self.engine.stop_all()

    def bot_status(self) -> pd.DataFrame:
        rows = [dataclasses.asdict(s) | {"state": s.state.value} for s in self.engine.status()]
        return pd.DataFrame(rows)

    def bot_events(self, bot_id: int | None = None, limit: int = 100) -> pd.DataFrame:
        return events.recent(self.db.cursor(), bot_id=bot_id, limit=limit)
