"""The account at a glance: balances, futures positions, open orders, whether the engine runs."""
from __future__ import annotations

import pandas as pd

from console.domain import Market
from console.engine.engine import BotEngine
from console.service.access import VenueAccess

BALANCE_COLUMNS = ["market", "asset", "free", "locked", "total"]
POSITION_COLUMNS = ["symbol", "side", "quantity", "entry_price", "mark_price", "unrealized_pnl", "leverage"]
ORDER_COLUMNS = ["market", "symbol", "side", "type", "quantity", "price", "stop_price", "client_order_id"]


class Overview:
    """Read the console's account on its venue and default account; composed as ``con.overview``."""

    def __init__(self, access: VenueAccess, engine: BotEngine) -> None:
        self._access = access
        self._engine = engine

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
        """Open futures positions with entry and mark price, unrealised PnL and leverage."""
        rows = [{"symbol": p.symbol, "side": "long" if p.quantity > 0 else "short", "quantity": p.quantity,
                 "entry_price": p.entry_price, "mark_price": p.mark_price,
                 "unrealized_pnl": p.unrealized_pnl, "leverage": p.leverage}
                for p in self._access.futures().positions() if p.quantity != 0]
        return pd.DataFrame(rows, columns=POSITION_COLUMNS)

    def open_orders(self) -> pd.DataFrame:
        """Every open order on both markets, with its client order id."""
        rows = []
        for market in Market:
            for o in self._access.client(market).open_orders():
                rows.append({"market": market.value, "symbol": o.symbol, "side": o.side.value,
                             "type": o.type.value, "quantity": o.quantity, "price": o.price,
                             "stop_price": o.stop_price, "client_order_id": o.client_order_id})
        return pd.DataFrame(rows, columns=ORDER_COLUMNS)

    def engine_running(self) -> bool:
        """Whether the bot engine's thread is alive."""
        return self._engine.running
