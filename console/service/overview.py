"""The account at a glance: balances, futures positions, open orders, whether the engine runs."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from console import fmt
from console.domain import Market
from console.errors import ConsoleError
from console.exchange.client import BinanceClient
from console.exchange.rules import SymbolRules
from console.engine.engine import BotEngine
from console.service.access import VenueAccess
from console.service.orders import Orders

BALANCE_COLUMNS = ["market", "asset", "free", "locked", "total"]
POSITION_COLUMNS = ["symbol", "side", "quantity", "owner", "entry_price", "mark_price", "unrealized_pnl", "leverage"]
ORDER_COLUMNS = ["market", "symbol", "side", "type", "quantity", "price", "stop_price", "client_order_id"]


class Overview:
    """Read the console's account on its venue and default account; composed as ``con.overview``."""

    def __init__(self, access: VenueAccess, engine: BotEngine, orders: Orders) -> None:
        self._access = access
        self._engine = engine
        self._orders = orders

    def balances(self) -> pd.DataFrame:
        """Every asset held, per market: free, locked and total."""
        rows = []
        for market in Market:
            for asset, bal in sorted(self._access.client(market).balances().items()):
                if bal.total > 0:
                    rows.append({"market": market.value, "asset": asset, "free": bal.free,
                                 "locked": bal.locked, "total": bal.total})
        return pd.DataFrame(rows, columns=BALANCE_COLUMNS)

    def positions(self) -> pd.DataFrame:
        """Open futures positions with their owner (a bot's name or manual, as the ticket says it), entry and
        mark price, unrealised PnL and leverage."""
        client = self._access.futures()
        rows = []
        for p in client.positions():
            if p.quantity == 0:
                continue
            rules = _rules(client, p.symbol)
            rows.append({"symbol": p.symbol, "side": "long" if p.quantity > 0 else "short",
                         "quantity": _step(p.quantity, rules),
                         "owner": self._orders.position_owner(p.symbol, p.quantity), "entry_price": _tick(p.entry_price, rules),
                         "mark_price": _tick(p.mark_price, rules), "unrealized_pnl": p.unrealized_pnl,
                         "leverage": p.leverage})
        return pd.DataFrame(rows, columns=POSITION_COLUMNS)

    def open_orders(self) -> pd.DataFrame:
        """Every open order on both markets, with its client order id."""
        rows = []
        for market in Market:
            client = self._access.client(market)
            for o in client.open_orders():
                rules = _rules(client, o.symbol)
                rows.append({"market": market.value, "symbol": o.symbol, "side": o.side.value,
                             "type": o.type.value, "quantity": _step(o.quantity, rules),
                             "price": _tick(o.price, rules), "stop_price": _tick(o.stop_price, rules),
                             "client_order_id": o.client_order_id})
        return pd.DataFrame(rows, columns=ORDER_COLUMNS)

    def engine_running(self) -> bool:
        """Whether the bot engine's thread is alive."""
        return self._engine.running


def _rules(client: BinanceClient, symbol: str) -> SymbolRules | None:
    """The symbol's rules for rounding what is shown; None when the venue cannot say (shown unrounded)."""
    try:
        return client.rules(symbol)
    except ConsoleError:
        return None


def _tick(value: Decimal | None, rules: SymbolRules | None) -> Decimal | None:
    """``value`` rounded to the symbol's tick, as a trader reads it."""
    return fmt.to_unit(value, rules.tick_size if rules else None)


def _step(value: Decimal | None, rules: SymbolRules | None) -> Decimal | None:
    """``value`` rounded to the symbol's step."""
    return fmt.to_unit(value, rules.step_size if rules else None)
