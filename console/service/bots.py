"""Bots: create, edit, clone, delete, start, stop, status, events."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from console import fmt
from console.config import parse_decimal
from console.domain import BotConfig, BotState, Market, OrderRequest, Side, Sizing, Venue, WorkingType
from console.engine import holdings, positions, risk
from console.engine.clients import Clients
from console.engine.engine import BotEngine
from console.engine.recorder import Owner, open_entries
from console.exchange.client import BinanceClient
from console.exchange.orders import OrderPreview
from console.exchange.rules import SymbolRules
from console.fmt import plain
from console.engine.strategies import STRATEGIES, get_strategy, upgraded
from console.engine.strategies.base import Strategy
from console.errors import ConfigError, ConsoleError
from console.service import bot_view
from console.service.limits import check_leverage
from console.service.orders import shown_preview
from console.storage import books, bots, events, export
from console.storage.bots import BotRecord
from console.storage.db import Database

_DECIMALS = ("size", "take_profit_pct", "stop_loss_pct", "max_daily_loss", "max_position_quote")
_INTS = ("leverage", "max_trades_per_day")
_OPTIONAL = ("take_profit_pct", "stop_loss_pct")  # empty: none

# The bot form's fields as the person sees them, and what to enter when one is left empty.
FIELD_LABELS = {
    "name": "Name", "symbol": "Symbol", "strategy": "Strategy", "market": "Market", "timeframe": "Timeframe",
    "sizing": "Sizing", "size": "Size", "leverage": "Leverage (futures)", "take_profit_pct": "Take profit %",
    "stop_loss_pct": "Stop loss %", "max_trades_per_day": "Max trades per day",
    "max_daily_loss": "Max daily loss (quote)", "max_position_quote": "Max position (quote)",
    "allow_short": "Allow short (futures)", "working_type": "TP/SL trigger (futures)",
}
_FIXES = {
    "name": "give the bot a name of 1-64 characters", "symbol": "enter a pair like BTC/USDT",
    "size": "enter an amount in quote like 100 (or a fraction like 0.1 for the balance sizings)",
    "leverage": "enter a whole number from 1 to 125", "max_trades_per_day": "enter a whole number like 20",
    "max_daily_loss": "enter an amount in quote like 100", "max_position_quote": "enter an amount in quote like 1000",
}


class Bots:
    """Manage the bots in the store and in the engine; composed as ``con.bots``."""

    def __init__(self, db: Database, engine: BotEngine, clients: Clients) -> None:
        self._db = db
        self._engine = engine
        self._clients = clients

    def strategies(self) -> dict[str, Strategy]:
        """Every strategy a bot can run, by name."""
        return dict(STRATEGIES)

    def config(self, form: Mapping[str, object]) -> BotConfig:
        """Build and validate a bot configuration from form values; raise ConfigError with the fix."""
        values: dict[str, Any] = dict(form)  # checked field by field below, then by BotConfig
        _check_filled(values)
        for name in _DECIMALS:
            if name not in values:
                continue  # not in the form: the default
            raw = values[name]
            if _empty(raw):  # an optional percentage (the others were refused above)
                values[name] = None
            elif not isinstance(raw, Decimal):
                values[name] = parse_decimal(raw, name.replace("_", " "))
        for name in _INTS:
            if name in values and not isinstance(values[name], int):
                try:
                    values[name] = int(str(values[name]).strip())
                except ValueError:
                    raise ConfigError(f"{name.replace('_', ' ')} {values[name]!r} is not a whole number; write e.g. 5") from None
        for name, kind in (("market", Market), ("venue", Venue), ("sizing", Sizing), ("working_type", WorkingType)):
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
        _check_bounds(values)
        if values.get("market") is Market.FUTURES and "leverage" in values:
            self._check_leverage(values)
        config = upgraded(BotConfig(**values))
        _check_cap(config)
        strategy = get_strategy(config.strategy)
        params = strategy.validate(config.params)
        return dataclasses.replace(config, params=params)

    def preview(self, config: BotConfig) -> OrderPreview:
        """Check the symbol and size against the exchange's rules; return the normalised first order."""
        client = self._client(config)
        price = client.ticker(config.symbol).last
        free = client.balances().get(config.symbol.split("/")[1])
        notional = risk.entry_notional(config, free_quote=free.free if free else Decimal(0), exposure=Decimal(0))
        if config.market is Market.FUTURES:
            request = OrderRequest(symbol=config.symbol, market=config.market, side=Side.BUY, quantity=notional / price)
        else:
            request = OrderRequest(symbol=config.symbol, market=config.market, side=Side.BUY, quote_quantity=notional)
        return shown_preview(client.preview(request), client.rules(config.symbol))

    def create(self, form: Mapping[str, object]) -> int:
        """Validate, preview against the exchange's rules, then store a new (stopped) bot."""
        config = self.config(form)
        self.preview(config)
        with self._db.transaction() as cur:
            bot_id = bots.create(cur, config)
            events.log(cur, bot_id, "config", "created")
        return bot_id

    def update(self, bot_id: int, form: Mapping[str, object]) -> None:
        """Validate and preview the new settings, then store them. A running bot keeps its market and symbol."""
        config = self.config(form)
        record = bots.get(self._db.cursor(), bot_id)
        if record.state is BotState.RUNNING:
            old = record.config
            if (config.market, config.symbol) != (old.market, old.symbol):
                raise ConfigError(f"bot {old.name} is running on {old.symbol} {old.market.value}: its market and "
                                  "symbol cannot change while it runs; stop it first, or clone it for another pair")
        self.preview(config)
        with self._db.transaction() as cur:
            bots.update_config(cur, bot_id, config)
            events.log(cur, bot_id, "config", "settings changed")

    def clone(self, bot_id: int, name: str) -> int:
        """Store a copy of bot ``bot_id`` (stopped) named ``name``; return its id."""
        config = dataclasses.replace(bots.get(self._db.cursor(), bot_id).config, name=name)
        with self._db.transaction() as cur:
            new_id = bots.create(cur, config)
            events.log(cur, new_id, "config", f"cloned from bot {bot_id}")
        return new_id

    def delete(self, bot_id: int, *, close: bool = False) -> str:
        """Delete a bot that is not running; its trades and events stay for the analytics.

        A bot holding a position (more than dust) or with open orders is refused, saying so, unless
        ``close``: its orders are then cancelled and its position closed at market, as its own
        order, first. What is left (dust) becomes the person's. Return what was done.
        """
        record = bots.get(self._db.cursor(), bot_id)
        config = record.config
        if record.state is BotState.RUNNING:
            raise ConfigError(f"bot {config.name} is running; stop it before deleting it")
        done = []
        held = positions.of_bot(self._db.cursor(), bot_id, config).quantity
        orders = open_entries(self._db, bot_id=bot_id)
        if held or orders:
            holds = held != 0 and not self._is_dust(config, held)
            if (holds or orders) and not close:
                what = [f"holds {plain(held)} {config.symbol} ({config.market.value})"] if holds else []
                what += [f"has {len(orders)} open order(s)"] if orders else []
                raise ConfigError(f"bot {config.name} {' and '.join(what)}; close its position and orders first, "
                                  "or delete it with its position closed")
            if holds or orders:
                done.append(self._close_bot(bot_id, config))
            done += self._hand_over(bot_id, config)
        with self._db.transaction() as cur:
            bots.delete(cur, bot_id)
        return "; ".join([*done, f"deleted {config.name}"])

    def leverage_range(self, venue: Venue, account: str, symbol: str) -> tuple[int, int]:
        """The leverage ``symbol``'s first bracket allows on USD-M futures, as (lowest, highest)."""
        return 1, self._clients.futures(venue, account).max_leverage(symbol)

    def _check_leverage(self, values: Mapping[str, Any]) -> None:
        """Refuse a leverage outside the symbol's bracket, saying the range (1-125 when the venue cannot say)."""
        leverage, symbol = values["leverage"], values.get("symbol") or "the symbol"
        try:
            low, high = self.leverage_range(values.get("venue", Venue.PAPER), str(values.get("account", "paper")),
                                            symbol)
        except ConsoleError:
            low, high = 1, 125
        check_leverage(symbol, leverage, low, high)

    def _client(self, config: BotConfig) -> BinanceClient:
        return self._clients.get(config.venue, config.market, config.account)

    def _is_dust(self, config: BotConfig, quantity: Decimal) -> bool:
        client = self._client(config)
        return positions.is_dust(quantity, client.reference_price(config.symbol), client.rules(config.symbol))

    def _close_bot(self, bot_id: int, config: BotConfig) -> str:
        """Cancel the bot's orders and close its position at market with its own order."""
        gateway = self._engine.gateway
        if config.market is Market.SPOT:
            order = gateway.sell_bot_holding(bot_id)
        else:
            gateway.cancel_bot_orders(bot_id)
            gateway.settle(bot_id=bot_id, raise_temporary=True)
            held = positions.of_bot(self._db.cursor(), bot_id, config).quantity
            order = None
            if held:
                held_on_account = self._clients.futures(config.venue, config.account).positions()
                net = next((p.quantity for p in held_on_account if p.symbol == config.symbol), Decimal(0))
                covered = net != 0 and (net > 0) == (held > 0) and abs(net) >= abs(held)
                order = gateway.place(Owner(config.venue, config.market, config.account, bot_id), OrderRequest(
                    symbol=config.symbol, market=config.market, side=Side.SELL if held > 0 else Side.BUY,
                    quantity=abs(held), reduce_only=covered))
        if order is None:
            return "cancelled its orders"
        verb = "sold" if order.side is Side.SELL else "bought"
        return f"cancelled its orders and {verb} {plain(order.filled)} {config.symbol} at market"

    def _hand_over(self, bot_id: int, config: BotConfig) -> list[str]:
        """Move what the bot still holds (dust) from its book to the person's."""
        name = holdings.holding_of(config.market, config.symbol)
        left = books.moved(self._db.cursor(), config.venue, config.market, config.account).get((bot_id, name), Decimal(0))
        if not left:
            return []
        holdings.adjust(self._db, venue=config.venue, market=config.market, account=config.account, bot_id=bot_id,
                        symbol=config.symbol, quantity=-left, price=Decimal(0),
                        note="left when the bot was deleted: the person's from now on")
        with self._db.transaction() as cur:
            books.add_outside(cur, config.venue, config.market, config.account, name, left,
                              f"left by bot {config.name} when it was deleted")
        return [f"{plain(left)} {name} left over is yours now"]

    def get(self, bot_id: int) -> BotRecord:
        """One bot: its settings, state and daily counters."""
        return bots.get(self._db.cursor(), bot_id)

    def all(self) -> list[BotRecord]:
        """Every bot."""
        return bots.list(self._db.cursor())

    def start(self, bot_id: int) -> None:
        """Start a bot; one suspended over a difference in the account waits until it is resolved, one
        whose account this console cannot reach (no keys, or the paper venue off paper) is refused."""
        record = bots.get(self._db.cursor(), bot_id)
        if record.state is BotState.SUSPENDED:
            raise ConfigError(f"bot {record.config.name} is suspended: {record.reason}")
        self._reachable(record)
        self._engine.start_bot(bot_id)

    def stop(self, bot_id: int) -> None:
        """Stop a bot; its position and orders stay."""
        self._engine.stop_bot(bot_id)

    def start_all(self) -> int:
        """Start every bot that is not running or suspended; return how many started. Those whose account
        this console cannot reach are left stopped, and named with the fix in the ConfigError raised after."""
        started, refused = 0, []
        for record in self.all():
            if record.state in (BotState.RUNNING, BotState.SUSPENDED):
                continue
            try:
                self._reachable(record)
            except ConfigError as e:
                refused.append(str(e))
                continue
            self._engine.start_bot(record.id)
            started += 1
        if refused:
            raise ConfigError(f"started {started} bot(s); not started: " + "; ".join(refused))
        return started

    def _reachable(self, record: BotRecord) -> None:
        """Raise ConfigError with the fix when the bot's account has no client here (builds it, sends nothing)."""
        try:
            self._client(record.config)
        except ConfigError as e:
            raise ConfigError(f"bot {record.config.name} cannot start: {e}") from e

    def stop_all(self) -> None:
        """Stop every bot."""
        self._engine.stop_all()

    def status(self) -> pd.DataFrame:
        """Every bot's live state from the engine, one row per bot."""
        configs = {r.id: r.config for r in self.all()}
        rows = []
        for s in self._engine.status():
            row = dataclasses.asdict(s) | {"state": s.state.value}
            rules = self._rules(configs.get(s.bot_id))
            if rules is not None:  # the position and prices as the exchange's tick and step write them
                row |= {"position": fmt.to_unit(s.position, rules.step_size),
                        "entry_price": fmt.to_unit(s.entry_price, rules.tick_size),
                        "last_price": fmt.to_unit(s.last_price, rules.tick_size)}
            rows.append(row)
        return pd.DataFrame(rows)

    def _rules(self, config: BotConfig | None) -> SymbolRules | None:
        """The bot's symbol rules, for rounding what is shown; None when its venue cannot say."""
        if config is None:
            return None
        try:
            return self._client(config).rules(config.symbol)
        except ConsoleError:
            return None

    def find(self, key: object) -> BotRecord:
        """The bot named ``key``, or with id ``key`` (as the Bot page's ``?bot=`` gives it)."""
        records = self.all()
        text = str(key).strip()
        found = next((r for r in records if r.config.name == text), None) or \
            next((r for r in records if text.isdigit() and r.id == int(text)), None)
        if found is None:
            raise ConfigError(f"no bot {text!r}; pick one of {', '.join(r.config.name for r in records) or 'none yet'}")
        return found

    def settings(self, bot_id: int) -> pd.DataFrame:
        """The bot's settings as (setting, value) rows."""
        return bot_view.settings_table(self.get(bot_id).config)

    def position(self, bot_id: int) -> bot_view.Position:
        """The bot's open position with its unrealised PnL at the last price the engine read (or the ticker)."""
        config = self.get(bot_id).config
        last = next((s.last_price for s in self._engine.status() if s.bot_id == bot_id), None)
        if last is None:
            try:
                last = self._client(config).ticker(config.symbol).last
            except ConsoleError:
                last = None
        held = bot_view.position(self._db, bot_id, config, last)
        rules = self._rules(config)
        if rules is None:
            return held
        held = dataclasses.replace(held, tick=rules.tick_size, step=rules.step_size)
        price = held.last_price or held.entry_price
        if held.quantity and price and positions.is_dust(held.quantity, price, rules):  # flat, as the tick reads it
            held = dataclasses.replace(held, quantity=Decimal(0), entry_price=None, unrealized_pnl=None)
        return held

    def resting_orders(self, bot_id: int) -> pd.DataFrame:
        """The bot's orders not final yet."""
        return bot_view.resting_orders(self._db, bot_id)

    def round_trips(self, bot_id: int) -> pd.DataFrame:
        """The bot's positions from flat to flat, the open one last."""
        return bot_view.round_trips(self._db, bot_id, self.get(bot_id).config)

    def events(self, bot_id: int | None = None, limit: int = 100) -> pd.DataFrame:
        """The latest events of one bot (or every bot), newest first, with the bot's name."""
        log = events.recent(self._db.cursor(), bot_id=bot_id, limit=limit)
        log.insert(2, "bot", export.bot_names(self._db.cursor(), log["bot_id"]))
        return log


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_filled(values: Mapping[str, object]) -> None:
    """Refuse a form field left empty, naming it as the form does (the percentages may stay empty)."""
    for name, value in values.items():
        if name in _OPTIONAL or name == "params" or not _empty(value):
            continue
        label = FIELD_LABELS.get(name, name.replace("_", " "))
        raise ConfigError(f"{label} is empty; {_FIXES.get(name, 'enter a value')}")
    params = values.get("params") or {}
    if isinstance(params, Mapping) and any(_empty(v) for v in params.values()):
        specs = {spec.name: spec for spec in get_strategy(str(values.get("strategy", "ma_cross"))).params}
        for key, value in params.items():
            if _empty(value):
                spec = specs.get(key)
                title = spec.title if spec else str(key).replace("_", " ")
                example = f", e.g. {spec.default}" if spec else ""
                raise ConfigError(f"{title} is empty; enter a value{example}")


# Beyond these an amount is a typo (1e309, a pasted id), not a setting.
LARGEST_AMOUNT = Decimal(10) ** 15
_AMOUNT_LABELS = {"size": "size", "max_daily_loss": "max daily loss", "max_position_quote": "max position"}


def _check_bounds(values: Mapping[str, Any]) -> None:
    """Refuse amounts that are not positive, or absurdly large, saying the field and the fix."""
    for name, label in _AMOUNT_LABELS.items():
        value = values.get(name)
        if not isinstance(value, Decimal):
            continue
        if value <= 0:
            kind = "number" if name == "size" else "amount"
            raise ConfigError(f"{label} {plain(value)} must be a positive {kind}; {_FIXES[name]}")
        if value > LARGEST_AMOUNT:
            raise ConfigError(f"{label} {value:.3g} is too large (at most {LARGEST_AMOUNT:,f}); {_FIXES[name]}")
    trades = values.get("max_trades_per_day")
    if isinstance(trades, int) and not 1 <= trades <= 100_000:
        raise ConfigError(f"max trades per day {trades} must be at least 1 and at most 100,000; "
                          f"{_FIXES['max_trades_per_day']}")


def _check_cap(config: BotConfig) -> None:
    """A fixed entry larger than the bot's max position could never be placed whole: say so."""
    if config.sizing is not Sizing.FIXED_QUOTE:
        return
    quote = config.symbol.split("/")[1]
    notional = config.size * (config.leverage if config.market is Market.FUTURES else 1)
    if notional > config.max_position_quote:
        what = f"size {fmt.amount(config.size, quote, None)}"
        if notional != config.size:
            what += f" at {config.leverage}x is a position of {fmt.amount(notional, quote, None)}, which"
        raise ConfigError(f"{what} is above the max position {fmt.amount(config.max_position_quote, quote, None)}; "
                          "lower the size or raise Max position (quote)")
