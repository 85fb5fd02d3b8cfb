"""A wallet valued in its quote asset (USDT), for balance snapshots and the equity curve."""
from __future__ import annotations

from decimal import Decimal

from console.domain import Market
from console.errors import ConsoleError

QUOTE = "USDT"


def wallet_rows(client, market: Market) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    """(asset, free, locked, value in USDT) for every asset held; futures add unrealised PnL to USDT.

    An asset with no USDT market to value it is left out rather than guessed.
    """
    rows = []
    for asset, balance in sorted(client.balances(fresh=True).items()):
        if balance.total <= 0:
            continue
        if asset == QUOTE:
            value = balance.total
            if market is Market.FUTURES:
                value += sum((p.unrealized_pnl for p in client.positions()), Decimal(0))
        else:
            try:
                value = balance.total * client.ticker(f"{asset}/{QUOTE}").last
            except ConsoleError:
                continue
        rows.append((asset, balance.free, balance.locked, value))
    return rows
