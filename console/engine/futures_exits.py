"""Futures take-profit / stop-loss resting on the exchange as reduce-only conditional orders.

After a futures entry with take-profit or stop-loss set, the bot rests a TAKE_PROFIT_MARKET and a
STOP_MARKET order for its whole quantity in Binance's algo order service, triggered on the price
the bot's ``working_type`` names, so a leveraged position stays protected while the console is
down. They go through the order gateway, journaled by their client algo id before they are sent.

Binance does not link the two. When one fires (the exchange closes the position with a market
order), settlement records that fill once, looked up by the client algo id, and ``sync`` then
cancels the other. A signal exit cancels both before its market close. Orders found missing
(placed just before a crash, or cancelled outside the console) are placed again; when the price
already passed an exit the position is closed at market instead.
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum

from console.domain import BotConfig, Market, OrderRequest, OrderType, Side, WorkingType
from console.engine import risk
from console.engine.positions import Held
from console.engine.recorder import Owner, open_entries
from console.errors import InvalidOrder, OrderNotFound, OrderRejected
from console.fmt import plain
from console.storage import events
from console.storage.journal import JournalEntry

NAMES = {OrderType.TAKE_PROFIT_MARKET: "take-profit", OrderType.STOP_MARKET: "stop-loss"}
TRIGGERS = {WorkingType.MARK_PRICE: "mark price", WorkingType.CONTRACT_PRICE: "last price"}


class Exits(str, Enum):
    """What ``sync`` found, for the tick to act on."""

    IN_STEP = "in step"  # every wanted exit rests for the bot's quantity (or there is nothing to protect)
    CHANGED = "changed"  # a cancelled exit had fired meanwhile: the position moved, decide next tick
    PASSED = "passed"  # an exit is missing and the price already passed it: close at market
    UNPROTECTED = "unprotected"  # an exit is missing and was not placed (placing it failed this candle)
    FAILED = "failed"  # placing a missing exit was refused; the reason is in the bot's log


def resting(ctx, bot_id: int, entries: list[JournalEntry] | None = None) -> list[JournalEntry]:
    """The bot's conditional orders the journal holds open (among its open ``entries`` when the caller has them)."""
    if entries is None:
        entries = open_entries(ctx.db, bot_id=bot_id)
    return [e for e in entries if e.type.is_conditional]


def sync(ctx, client, config: BotConfig, bot_id: int, held: Held, *, may_place: bool = True,
         entries: list[JournalEntry] | None = None) -> Exits:
    """Keep the bot's resting exits in step with its position; no request while they are.

    Flat: cancel whatever still rests (the sibling of an exit that fired). Otherwise cancel
    exits for another quantity or side and place the missing ones for the whole position at the
    bot's take-profit / stop-loss from its entry price (``may_place`` False only cancels), unless
    the current price already passed one. ``entries``: the bot's open journal entries, when the
    caller has just read them (else they are read here).
    """
    entries = resting(ctx, bot_id, entries)
    if held.quantity == 0:
        if entries and _cancel(ctx, config, bot_id, entries, "the position is closed"):
            return Exits.CHANGED
        return Exits.IN_STEP
    side = Side.SELL if held.quantity > 0 else Side.BUY
    quantity = abs(held.quantity)
    targets = _targets(config, held)
    keep = {e.type: e for e in entries if e.type in targets and e.side is side
            and Decimal(str(e.request.get("quantity"))) == quantity}
    stale = [e for e in entries if keep.get(e.type) is not e]
    if stale and _cancel(ctx, config, bot_id, stale, "they no longer match the position"):
        return Exits.CHANGED
    missing = [kind for kind in targets if kind not in keep]
    if not missing:
        return Exits.IN_STEP
    if _passed(targets, side, client.reference_price(config.symbol)):
        return Exits.PASSED
    if not may_place:
        return Exits.UNPROTECTED
    return _place(ctx, config, bot_id, side, quantity, {k: targets[k] for k in missing})


def cancel_all(ctx, config: BotConfig, bot_id: int, reason: str) -> None:
    """Cancel every exit the bot rests (before a signal exit closes the position)."""
    entries = resting(ctx, bot_id)
    if entries:
        _cancel(ctx, config, bot_id, entries, reason)


def _targets(config: BotConfig, held: Held) -> dict[OrderType, Decimal]:
    if config.market is not Market.FUTURES or held.entry_price is None:
        return {}
    tp, sl = risk.exit_prices(config, held.entry_price, long=held.quantity > 0)
    return {kind: trigger for kind, trigger in ((OrderType.TAKE_PROFIT_MARKET, tp), (OrderType.STOP_MARKET, sl))
            if trigger is not None}


def _passed(targets: dict[OrderType, Decimal], side: Side, price: Decimal) -> bool:
    """Whether the price is past an exit: a long's take-profit above / stop below, a short's mirrored."""
    for kind, trigger in targets.items():
        above = (kind is OrderType.TAKE_PROFIT_MARKET) == (side is Side.SELL)
        if (price >= trigger) if above else (price <= trigger):
            return True
    return False


def _place(ctx, config: BotConfig, bot_id: int, side: Side, quantity: Decimal,
           targets: dict[OrderType, Decimal]) -> Exits:
    owner = Owner(config.venue, Market.FUTURES, config.account, bot_id)
    placed = []
    for kind, trigger in targets.items():
        request = OrderRequest(symbol=config.symbol, market=Market.FUTURES, side=side, type=kind,
                               quantity=quantity, stop_price=trigger, reduce_only=True)
        try:
            placed.append(ctx.gateway.place_algo(owner, request, config.working_type, behind=True))
        except (InvalidOrder, OrderRejected) as e:  # e.g. the price moved past it meanwhile
            _log(ctx, bot_id, "error", f"{NAMES[kind]} not placed on the exchange: {e}")
            return Exits.FAILED
    summary = ", ".join(f"{NAMES[o.type]} {plain(o.stop_price)}" for o in placed)
    _log(ctx, bot_id, "order", f"{summary} rest on the exchange for {plain(quantity)} {config.symbol}, reduce-only, "
                               f"triggered on the {TRIGGERS[config.working_type]}")
    return Exits.IN_STEP


def _cancel(ctx, config: BotConfig, bot_id: int, entries: list[JournalEntry], reason: str) -> bool:
    """Cancel ``entries`` at the exchange; return True when one had fired before it could be cancelled."""
    fired = False
    for entry in entries:
        try:
            order = ctx.gateway.cancel_algo(config.venue, config.account, entry.symbol, entry.client_order_id)
        except OrderNotFound:  # the exchange never had it: a settle marks its entry rejected
            continue
        fired = fired or order.filled > 0
    names = " and ".join(NAMES[e.type] for e in entries)
    _log(ctx, bot_id, "order", f"{names} cancelled on the exchange: {reason}")
    return fired


def _log(ctx, bot_id: int, kind: str, message: str) -> None:
    with ctx.db.transaction() as cur:
        events.log(cur, bot_id, kind, message)
