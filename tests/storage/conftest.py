"""Storage fixtures: a real DuckDB in a temp folder or in memory, and a trade factory."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import Market, OrderType, Side, Venue
from console.storage.db import Database
from console.storage.trades import TradeRecord


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def file_db(data_dir: Path) -> Iterator[Database]:
    db = Database.open(data_dir / "console.duckdb")
    yield db
    db.close()


@pytest.fixture(params=["file", "memory"])
def db(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Database]:
    database = Database.open(data_dir / "console.duckdb" if request.param == "file" else ":memory:")
    yield database
    database.close()


def make_trade(
    n: int,
    side: Side,
    quantity: str,
    price: str,
    *,
    commission: str = "0",
    commission_asset: str = "USDT",
    commission_quote: str | None = None,
    realized_pnl: str | None = None,
    bot_id: int | None = 1,
    symbol: str = "BTC/USDT",
    market: Market = Market.SPOT,
    venue: Venue = Venue.PAPER,
    ts: datetime | None = None,
) -> TradeRecord:
    """A fill of order ``n``; quote quantity is price x quantity."""
    return TradeRecord(
        bot_id=bot_id,
        account="paper",
        venue=venue,
        market=market,
        exchange_order_id=f"ex-{n}",
        client_order_id=f"cl-{n}",
        symbol=symbol,
        side=side,
        order_type=OrderType.MARKET,
        price=Decimal(price),
        quantity=Decimal(quantity),
        quote_quantity=Decimal(price) * Decimal(quantity),
        commission=Decimal(commission),
        commission_asset=commission_asset,
        commission_quote=None if commission_quote is None else Decimal(commission_quote),
        realized_pnl=None if realized_pnl is None else Decimal(realized_pnl),
        ts=ts or datetime(2025, 1, 1, tzinfo=UTC).replace(hour=n % 24),
    )
