"""What the page of one bot shows: its settings, position with unrealised PnL, resting orders, round trips."""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

import pandas as pd

from console.domain import BotConfig, Market, Side
from console.engine import positions
from console.engine.recorder import open_entries
from console.storage import trades
from console.storage.db import Database

ZERO = Decimal(0)
DUST = Decimal("0.01")  # of the quantity bought: what a spot round trip may leave behind


@dataclass(frozen=True)
class Position:
    """A bot's open position: signed base quantity, average entry, last price, unrealised PnL in quote."""

    quantity: Decimal
    entry_price: Decimal | None
    last_price: Decimal | None
    unrealized_pnl: Decimal | None
    quote: str
    tick: Decimal | None = None  # the symbol's tick and step, for writing them; None when the venue cannot say
    step: Decimal | None = None


def settings_table(config: BotConfig) -> pd.DataFrame:
    """The bot's settings as (setting, value) rows, the strategy's parameters last."""
    rows = []
    for f in fields(config):
        if f.name == "params":
            continue
        value = getattr(config, f.name)
        rows.append({"setting": f.name.replace("_", " "), "value": "" if value is None else
                     str(getattr(value, "value", value))})
    rows += [{"setting": f"{config.strategy}: {k.replace('_', ' ')}", "value": str(v)} for k, v in config.params.items()]
    return pd.DataFrame(rows)


def position(db: Database, bot_id: int, config: BotConfig, last_price: Decimal | None) -> Position:
    """The bot's own position from its trades, valued at ``last_price`` (None: not known yet)."""
    held = positions.of_bot(db.cursor(), bot_id, config)
    pnl = None
    if held.quantity and held.entry_price is not None and last_price is not None:
        pnl = (last_price - held.entry_price) * held.quantity
    return Position(held.quantity, held.entry_price, last_price, pnl, config.symbol.split("/")[1])


def resting_orders(db: Database, bot_id: int) -> pd.DataFrame:
    """The bot's orders not final yet: time, symbol, side, type, status, quantity, price, client id."""
    rows = [{"ts": e.created_at, "symbol": e.symbol, "side": e.side.value, "type": e.type.value,
             "status": e.status.value, "quantity": _decimal(e.request.get("quantity")),
             "price": _decimal(e.request.get("price") or e.request.get("stop_price")),
             "client_order_id": e.client_order_id} for e in open_entries(db, bot_id=bot_id)]
    return pd.DataFrame(rows, columns=["ts", "symbol", "side", "type", "status", "quantity", "price",
                                       "client_order_id"])


def round_trips(db: Database, bot_id: int, config: BotConfig) -> pd.DataFrame:
    """Each position from flat back to flat: opened, closed, direction, entries, quantity, PnL, fees.
    The position still open is the last row, with no close time."""
    rows: list[dict] = []
    held, trip = ZERO, None
    for t in trades.for_bot(db.cursor(), bot_id):
        signed = t.quantity if t.side is Side.BUY else -t.quantity
        if trip is None:
            trip = {"opened": t.ts, "closed": None, "direction": "long" if signed > 0 else "short", "entries": 0,
                    "quantity": ZERO, "pnl": ZERO, "fees": ZERO}
        opening = held == 0 or (held > 0) == (signed > 0)
        if opening:
            trip["entries"] += 1
            trip["quantity"] += abs(signed)
        trip["pnl"] += t.pnl or ZERO
        trip["fees"] += t.commission_quote or ZERO
        held += signed
        # a spot buy keeps what it received after a fee in the base asset: a sell leaves that as dust
        flat = held == 0 or (config.market is Market.SPOT and held <= trip["quantity"] * DUST)
        if flat and not opening:
            trip["closed"] = t.ts
            rows.append(trip)
            trip, held = None, ZERO
    if trip is not None:
        rows.append(trip)
    return pd.DataFrame(rows, columns=["opened", "closed", "direction", "entries", "quantity", "pnl", "fees"])


def _decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
