"""A bot's own position, derived from the trades it recorded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from console.domain import BotConfig, Market, Side
from console.storage import journal, trades
from console.storage.db import Cursor


LIQUIDATION_PREFIX = "autoclose-"  # the client id of every order of Binance's liquidation engine


@dataclass(frozen=True)
class Held:
    quantity: Decimal  # signed base quantity
    entry_price: Decimal | None
    last_entry_at: datetime | None
    entries: int  # entries since the position was last flat
    liquidated: bool = False  # the bot's last recorded trade is the exchange's liquidation of its position


FLAT = Held(Decimal(0), None, None, 0)


def of_bot(cur: Cursor, bot_id: int, config: BotConfig, rules=None, open_entries: list | None = None) -> Held:
    """Spot: the FIFO lots still held (after fees paid in the base asset). Futures: the signed sum.

    Either way with what the bot's orders executed but have not recorded yet (an order resting
    partly filled is recorded once it is final). ``entries`` counts the entries since the position
    was last flat; with the symbol's ``rules``, a close that leaves only dust counts as flat too.
    ``open_entries``: the bot's open journal entries when the caller has just read them (else read here).
    """
    history = trades.for_bot(cur, bot_id)
    base = config.symbol.split("/")[0]
    quantity, cost, entries, last_entry = Decimal(0), Decimal(0), 0, None
    for t in history:
        opening = (t.side is Side.BUY) == (quantity >= 0) if quantity else True
        received = t.quantity
        if config.market is Market.SPOT and t.side is Side.BUY and t.commission_asset == base:
            received -= t.commission  # a spot buy holds what it received after a fee in the base asset
        signed = received if t.side is Side.BUY else -t.quantity
        if opening:
            if not t.adjustment:  # an entry the bot made, not a difference assigned to its book
                entries += 1
                last_entry = t.ts
            cost += t.price * received
            quantity += signed
        else:
            before = quantity
            quantity += signed
            if quantity == 0 or (quantity > 0) != (before > 0):
                entries, cost = (1, t.price * abs(quantity)) if quantity else (0, Decimal(0))
            elif rules is not None and is_dust(quantity, t.price, rules):
                entries, cost = 0, t.price * abs(quantity)
            else:
                cost = cost * quantity / before
    if config.market is Market.SPOT:
        lots = trades.open_lots(cur, config.venue, config.account, bot_id, config.symbol)
        quantity = sum((lot.quantity for lot in lots), Decimal(0))
        cost = sum((lot.cost for lot in lots), Decimal(0))
    partly = journal.unrecorded_fills(cur, bot_id) if open_entries is None else unrecorded(open_entries)
    for entry in partly:
        quantity, cost = _with_part(quantity, cost, entry)
    liquidated = bool(history) and history[-1].client_order_id.startswith(LIQUIDATION_PREFIX)
    if quantity == 0:
        return Held(Decimal(0), None, last_entry, 0, liquidated)
    return Held(quantity, abs(cost / quantity), last_entry, entries, liquidated)


def unrecorded(entries: list) -> list:
    """Among open journal ``entries``, those that executed something already (``journal.unrecorded_fills``)."""
    return [e for e in entries if e.response is not None and Decimal(str(e.response.get("filled") or 0)) > 0]


def _with_part(quantity: Decimal, cost: Decimal, entry) -> tuple[Decimal, Decimal]:
    """Add what an order not recorded yet has executed so far: the bot holds it already."""
    response = entry.response or {}
    filled = Decimal(response.get("filled") or 0)
    if filled <= 0:
        return quantity, cost
    signed = filled if entry.side is Side.BUY else -filled
    after = quantity + signed
    if quantity == 0 or (quantity > 0) == (signed > 0):
        return after, cost + Decimal(response.get("quote_filled") or 0)
    if after == 0 or (after > 0) != (quantity > 0):
        price = Decimal(response.get("quote_filled") or 0) / filled
        return after, abs(after) * price
    return after, cost * after / quantity


def is_dust(quantity: Decimal, price: Decimal, rules) -> bool:
    """True when what is held could not be sold: below the minimum quantity or notional."""
    size = abs(quantity)
    return size == 0 or size < rules.min_qty or size * price < (rules.min_notional or 0)
