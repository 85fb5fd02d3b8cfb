"""One bot tick: follow open orders, read candles, ask the strategy, check risk, trade, record.

Decisions:
- A strategy is asked once per new closed candle; open orders (OCO legs) and futures
  take-profit / stop-loss are checked every cycle.
- A bot's position comes from its own recorded trades, so several bots may trade one symbol.
  A remainder below the exchange's minimum quantity or notional counts as flat (dust).
- Spot TP/SL rests on the exchange as an OCO sell for the quantity received after fees. A leg
  that fills in part makes the exchange cancel the other one: the engine then watches the
  stop-loss for the rest and closes it at market. An order is recorded once it is final; the part
  a resting order has filled counts in the bot's position meanwhile.
  Futures TP/SL rests on the exchange as reduce-only conditional orders kept in step with the
  position every cycle (see ``futures_exits``).
- A BUY signal while long (or a SELL while flat on spot) is ignored: no unintended stacking.
  The DCA strategy adds entries on purpose, up to its ``max_entries``.
"""
from __future__ import annotations

from collections.abc import Callable
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import pandas as pd

from console import fmt
from console.domain import BotConfig, BotState, Market, OrderRequest, OrderStatus, OrderType, Side, split_symbol
from console.engine import futures_exits, positions, risk
from console.engine.clients import Clients
from console.engine.futures_exits import Exits
from console.engine.gateway import Gateway
from console.engine.marketdata import MarketData, OpenOrders
from console.engine.recorder import DbJournal, Owner, open_entries
from console.engine.writer import Writer
from console.engine import entry_candles
from console.engine.strategies import Action, PositionView, bot_params, get_strategy
from console.errors import InvalidOrder, OrderRejected
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.storage import bots, events, journal
from console.storage.db import Database


@dataclass
class Runtime:
    """What the engine remembers of a bot between ticks (shown by ``status()``)."""

    last_candle: pd.Timestamp | None = None
    last_signal: str = ""
    last_order: str = ""
    last_error: str = ""
    last_price: Decimal | None = None
    position: Decimal = Decimal(0)
    entry_price: Decimal | None = None
    banned_until: datetime | None = None  # the venue ban last logged for this bot
    protected_at: pd.Timestamp | None = None  # the candle at which an exit was last placed again
    held_at: float | None = None  # when a tick that placed nothing last read the bot's position (engine clock)
    # Set once the writer has written what the bot's last tick left behind it (None: not known).
    written: threading.Event | None = None


@dataclass
class Context:
    db: Database
    clients: Clients
    market_data: MarketData
    clock: Callable[[], float]
    writer: Writer
    open_orders: OpenOrders
    gateway: Gateway  # every order of a bot is placed, cancelled and settled through it


def tick(ctx: Context, bot_id: int, runtime: Runtime, cycle: int) -> None:
    """Run one tick of ``bot_id``. Errors propagate to the engine, which decides halt or retry."""
    _await_own_records(ctx, runtime)  # decide from a store that holds every fill already answered
    record = bots.get(ctx.db.cursor(), bot_id)  # its daily counters count those fills, too
    if record.state is not BotState.RUNNING:  # stopped since the cycle submitted this tick
        return
    config = record.config
    client = ctx.clients.get(config.venue, config.market, config.account)
    owner = Owner(config.venue, config.market, config.account, bot_id)
    book = DbJournal(ctx.db, owner, writer=ctx.writer)

    entries = open_entries(ctx.db, bot_id=bot_id)  # read once; again only after a settle changed them
    if entries:  # else nothing to settle, and no resting order to follow
        # the bot's own records are written already (above): no wait for the other bots' records
        if ctx.gateway.settle(bot_id=bot_id, raise_temporary=True, flush=False):
            record = bots.get(ctx.db.cursor(), bot_id)  # a trade recorded: the daily counters moved
        _follow_partial_fills(ctx, client, owner, bot_id)
        entries = open_entries(ctx.db, bot_id=bot_id)
    key = (config.venue.value, config.market.value, config.symbol, config.timeframe)
    candles = ctx.market_data.candles(key, client.candles, cycle)
    if candles.empty:
        return
    price = Decimal(str(candles["close"].iloc[-1]))
    runtime.last_price = price
    if _idle(ctx, config, runtime, entries, candles["ts"].iloc[-1]):
        return
    rules = client.rules(config.symbol)
    read_at = ctx.clock()
    held = positions.of_bot(ctx.db.cursor(), bot_id, config, rules, entries)
    if positions.is_dust(held.quantity, price, rules):  # flat; the last entry's time still counts (DCA's interval)
        held = positions.Held(Decimal(0), None, held.last_entry_at, 0, held.liquidated)
    runtime.position, runtime.entry_price = held.quantity, held.entry_price
    runtime.held_at = None  # set again only when the tick ends without having acted (see ``_idle``)

    if config.market is Market.FUTURES:
        exits = futures_exits.sync(ctx, client, config, bot_id, held,
                                   may_place=runtime.protected_at != candles["ts"].iloc[-1], entries=entries)
        if exits is Exits.CHANGED:
            return
        if exits is Exits.PASSED:
            _close(ctx, client, book, config, bot_id, held, price, "take-profit / stop-loss passed with no order resting")
            return
        if exits is Exits.FAILED:
            runtime.protected_at = candles["ts"].iloc[-1]  # one try per candle, not one log line per cycle
    if _stop_left_to_engine(config, held, price, entries):
        _close(ctx, client, book, config, bot_id, held, price,
               "stop-loss reached while the exit rests partly filled (the exchange cancelled its other leg)",
               entries=entries)
        return
    if _unprotected(config, held, entries) and runtime.protected_at != candles["ts"].iloc[-1]:
        runtime.protected_at = candles["ts"].iloc[-1]  # one try per candle, not one log line per cycle
        if _exit_hit(config, held, price):
            _close(ctx, client, book, config, bot_id, held, price, "unprotected position passed its exit",
                   entries=entries)
            return
        _log(ctx.db, bot_id, "note", "position without its OCO exit (placed before a restart?): placing it again")
        _protect(ctx, client, book, config, bot_id, held.quantity, held.entry_price)
        # The exit now holds the coins, and ``entries`` (read before it) do not show it: a sell decided
        # here would skip cancelling it. The next tick decides this candle, the exit among its entries.
        return

    last_ts = candles["ts"].iloc[-1]
    if runtime.last_candle is not None and last_ts <= runtime.last_candle:
        runtime.held_at = read_at
        return
    runtime.last_candle = last_ts

    strategy = get_strategy(config.strategy)
    params = bot_params(config)
    now = datetime.fromtimestamp(ctx.clock(), tz=timezone.utc)
    last_entry = held.last_entry_at
    if strategy.timed_entries:  # DCA times its entries on candle time
        last_entry = entry_candles.last(ctx.db, bot_id) or last_entry
    view = PositionView(quantity=held.quantity, entry_price=held.entry_price,
                        last_entry_at=last_entry, entries=held.entries)
    signal = strategy.signal(candles, params, view, now)
    runtime.last_signal = f"{signal.action.value}: {signal.reason}"
    if signal.action is Action.HOLD:
        runtime.held_at = read_at
        return
    _log_behind(ctx, bot_id, "signal", runtime.last_signal)  # not in the order's way

    long, short = held.quantity > 0, held.quantity < 0
    if signal.action is Action.BUY:
        if short:
            _close(ctx, client, book, config, bot_id, held, price, signal.reason, entries=entries)
        elif not long or (config.strategy == "dca"):
            _enter(ctx, client, book, record, bot_id, Side.BUY, held, price, runtime)
    elif signal.action is Action.SELL:
        if long:
            _close(ctx, client, book, config, bot_id, held, price, signal.reason, entries=entries)
        elif not short and config.market is Market.FUTURES and config.allow_short:
            _enter(ctx, client, book, record, bot_id, Side.SELL, held, price, runtime)


def _enter(ctx, client: BinanceClient, book, record: bots.BotRecord, bot_id, side: Side, held, price,
           runtime) -> None:
    """Enter ``side`` unless a daily limit is reached; ``record`` is the bot as the tick read it,
    after its records were written (its daily counters are current)."""
    cur = ctx.db.cursor()
    config = record.config
    reason = risk.daily_limit_reason(config, trades_today=record.trades_today, pnl_today=record.pnl_today)
    if reason:
        bots.set_state(cur, bot_id, bots.BotState.PAUSED, reason)
        _log(ctx.db, bot_id, "paused", reason)
        return
    _, quote = split_symbol(config.symbol)
    free = client.balances().get(quote)
    free_quote = free.free if free else Decimal(0)
    exposure = abs(held.quantity) * price
    notional = risk.entry_notional(config, free_quote=free_quote, exposure=exposure)
    if notional <= 0:
        _log(ctx.db, bot_id, "skipped", f"position limit {fmt.money(config.max_position_quote, quote)} reached")
        return
    if isinstance(client, FuturesClient):
        client.prepare_futures(config.symbol, config.leverage)
        request = OrderRequest(symbol=config.symbol, market=config.market, side=side,
                               quantity=(notional / price))
    else:
        request = OrderRequest(symbol=config.symbol, market=config.market, side=side,
                               quote_quantity=notional)
    order = ctx.gateway.place(_owner(config, bot_id), request, behind=True, held=held)
    runtime.last_order = _filled(client, config, order)
    if order.filled > 0 and runtime.last_candle is not None and get_strategy(config.strategy).timed_entries:
        entry_candles.record(ctx.db, bot_id, runtime.last_candle)
    if config.market is Market.SPOT and (config.take_profit_pct or config.stop_loss_pct):
        base, _ = split_symbol(config.symbol)
        received = order.filled - sum((a for asset, a in order.commissions if asset == base), Decimal(0))
        _protect(ctx, client, book, config, bot_id, received, order.average_price or order.price)
    if config.market is Market.FUTURES and (config.take_profit_pct or config.stop_loss_pct):
        ctx.writer.flush()
        now_held = positions.of_bot(ctx.db.cursor(), bot_id, config)
        if futures_exits.sync(ctx, client, config, bot_id, now_held) is Exits.PASSED:
            _close(ctx, client, book, config, bot_id, now_held, price, "take-profit / stop-loss passed at the entry")


REREAD_SECONDS = 10.0  # an idle bot's position is read again at least this often (shown on the Bots page)


def _idle(ctx: Context, config: BotConfig, runtime: Runtime, entries: list, last_ts: pd.Timestamp) -> bool:
    """Whether this tick has nothing to do: no new candle, nothing of the bot's resting, and nothing to
    protect (flat as last read, or no take-profit / stop-loss set), with the position read lately.

    Most cycles of most bots are such ticks; they skip reading the bot's trades, so the ticks at a
    candle's close do not queue behind them.
    """
    if entries or runtime.last_candle is None or last_ts > runtime.last_candle or runtime.held_at is None:
        return False
    protects = config.take_profit_pct is not None or config.stop_loss_pct is not None
    if protects and runtime.position != 0:
        return False
    return ctx.clock() - runtime.held_at < REREAD_SECONDS


def mark_written(ctx: Context, runtime: Runtime) -> None:
    """Note when the writer has written what this bot's tick submitted so far (it writes in order)."""
    done = threading.Event()
    ctx.writer.submit(done.set)
    runtime.written = done


def _await_own_records(ctx: Context, runtime: Runtime) -> None:
    """Wait for the bot's own records behind the writer, not for every other bot's: a bot's
    position comes from its own trades. A first tick waits for everything queued."""
    if runtime.written is None:
        ctx.writer.flush()
    else:
        runtime.written.wait()


def _follow_partial_fills(ctx, client, owner: Owner, bot_id: int) -> None:
    """Journal how much of each resting order the last open-orders listing shows filled.

    No request of its own. The trade is recorded once the order is final; until then the bot's
    position counts the part already executed (``positions.of_bot``).
    """
    for entry in journal.resting(ctx.db.cursor(), bot_id):
        if entry.type.is_conditional:
            continue  # a conditional order is not in that listing: it fills as the order it places
        listed = ctx.open_orders.listed(client, entry.client_order_id)
        if listed is not None and listed.filled > Decimal((entry.response or {}).get("filled") or 0):
            DbJournal(ctx.db, owner).record(listed)


def _stop_left_to_engine(config: BotConfig, held, price: Decimal, entries) -> bool:
    """A spot exit leg partly filled has lost its other leg on the exchange (an OCO cancels the
    other leg at the first fill): the engine watches the stop-loss for the rest. ``entries``: the
    bot's open journal entries."""
    if config.market is not Market.SPOT or held.quantity <= 0 or config.stop_loss_pct is None:
        return False
    _, stop = risk.exit_prices(config, held.entry_price, long=True)
    return stop is not None and price <= stop and any(
        e.status is OrderStatus.PARTIALLY_FILLED for e in positions.unrecorded(entries))


def _unprotected(config: BotConfig, held, entries) -> bool:
    """A spot position with take-profit and stop-loss set but no OCO resting (lost in a crash);
    ``entries``: the bot's open journal entries."""
    return (config.market is Market.SPOT and held.quantity > 0 and config.take_profit_pct is not None
            and config.stop_loss_pct is not None and not entries)


def _protect(ctx, client, book, config: BotConfig, bot_id, received: Decimal, entry: Decimal) -> None:
    tp, sl = risk.exit_prices(config, entry, long=True)
    if tp is None or sl is None:
        _log(ctx.db, bot_id, "note", "spot exits need both take-profit and stop-loss for an OCO; none placed")
        return
    try:
        # journaled as pending before it is sent, so legs placed just before a crash are reconciled
        oco = ctx.gateway.place_oco(_owner(config, bot_id), config.symbol, received, tp, sl, behind=True)
    except (InvalidOrder, OrderRejected) as e:  # e.g. the price already passed the take-profit
        _log(ctx.db, bot_id, "error", f"OCO not placed: {e}")
        return
    rules = client.rules(config.symbol)
    _log(ctx.db, bot_id, "order", f"OCO sell {fmt.qty(oco.take_profit.quantity, rules)}: take-profit "
                                  f"{fmt.price(tp, rules)}, stop-loss {fmt.price(sl, rules)}")


def _close(ctx, client, book, config: BotConfig, bot_id, held, price, reason: str, *, entries=None) -> None:
    """Close the bot's position at market. Spot: ``entries`` are its open journal entries as the tick
    read them (nothing placed since); none: no OCO to cancel, and ``held`` is current."""
    if config.market is Market.SPOT:
        if entries is None or entries:
            if ctx.gateway.cancel_bot_orders(bot_id):  # an OCO as a list: both legs journaled done
                ctx.gateway.settle(bot_id=bot_id, raise_temporary=True)
            held = positions.of_bot(ctx.db.cursor(), bot_id, config)
        # the OCO may have filled just before its cancel: what is left of it is dust, not a position
        if held.quantity <= 0 or positions.is_dust(held.quantity, price, client.rules(config.symbol)):
            return
    elif futures_exits.resting(ctx, bot_id):
        futures_exits.cancel_all(ctx, config, bot_id, f"closing at market: {reason}")
        held = positions.of_bot(ctx.db.cursor(), bot_id, config)
        if held.quantity == 0:  # an exit fired before it could be cancelled
            return
    side = Side.SELL if held.quantity > 0 else Side.BUY
    account = _account_position(client, config.symbol)
    request = OrderRequest(symbol=config.symbol, market=config.market, side=side, type=OrderType.MARKET,
                           quantity=abs(held.quantity), reduce_only=_reduces(account, held),
                           keep_remainder=True)
    order = ctx.gateway.place(_owner(config, bot_id), request, behind=True, held=held, account=account)
    _log_behind(ctx, bot_id, "order", f"closed {_filled(client, config, order, side=False)}: {reason}")


def _account_position(client: BinanceClient, symbol: str) -> Decimal | None:
    """The account's signed futures position on ``symbol`` (one request); None on spot."""
    if not isinstance(client, FuturesClient):
        return None
    return next((p.quantity for p in client.positions() if p.symbol == symbol), Decimal(0))


def _reduces(account: Decimal | None, held) -> bool:
    """Close reduce-only when the account's one-way position (``account``) covers the bot's own.

    Bots sharing a futures symbol share one net position: when others hold the other side, the
    account's position may be smaller or opposite, and a reduce-only close would be refused.
    """
    if not account:
        return False
    return (account > 0) == (held.quantity > 0) and abs(account) >= abs(held.quantity)


def _owner(config: BotConfig, bot_id: int) -> Owner:
    return Owner(config.venue, config.market, config.account, bot_id)


def _exit_hit(config: BotConfig, held, price: Decimal) -> bool:
    tp, sl = risk.exit_prices(config, held.entry_price, long=held.quantity > 0)
    if held.quantity > 0:
        return (tp is not None and price >= tp) or (sl is not None and price <= sl)
    return (tp is not None and price <= tp) or (sl is not None and price >= sl)


def _log(db: Database, bot_id: int, kind: str, message: str) -> None:
    with db.transaction() as cur:
        events.log(cur, bot_id, kind, message)


def _log_behind(ctx: Context, bot_id: int, kind: str, message: str) -> None:
    """Log an event on the writer, in order with the records of the bot's orders."""
    ctx.writer.submit(lambda: _log(ctx.db, bot_id, kind, message))


def _filled(client, config: BotConfig, order, *, side: bool = True) -> str:
    """What an order filled, as a trader reads it: ``buy 0.01065 BTC/USDT @ 94034.35``."""
    rules = client.rules(config.symbol)
    price = f" @ {fmt.price(order.average_price, rules)}" if order.average_price else ""
    return f"{order.side.value + ' ' if side else ''}{fmt.qty(order.filled, rules)} {config.symbol}{price}"
