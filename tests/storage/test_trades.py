from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from console.domain import Market, OrderType, Side, Venue
from console.storage import trades
from console.storage.analytics import Filters
from console.storage.db import Database

from .conftest import make_trade


def test_recording_the_same_fill_twice_is_a_no_op(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, Side.BUY, "2", "100"))
    sell = make_trade(2, Side.SELL, "1", "110")
    assert trades.record(cur, sell) is True
    assert trades.record(cur, sell) is False
    inserted, stored = trades.record_with_pnl(cur, sell)
    assert not inserted and stored.pnl == Decimal(10)
    assert len(trades.for_bot(cur, 1)) == 2
    assert trades.open_lots(cur, Venue.PAPER, "paper", 1, "BTC/USDT")[0].quantity == Decimal(1)


def test_uniqueness_is_per_venue_and_market(db: Database) -> None:
    cur = db.cursor()
    assert trades.record(cur, make_trade(1, Side.BUY, "1", "100"))
    assert trades.record(cur, make_trade(1, Side.BUY, "1", "100", market=Market.FUTURES))
    assert trades.record(cur, make_trade(1, Side.BUY, "1", "100", venue=Venue.DEMO))


def test_a_trade_reads_back_as_recorded(db: Database) -> None:
    cur = db.cursor()
    trade = make_trade(7, Side.BUY, "0.00012", "67890.12", commission="0.00000012", commission_asset="BTC",
                       ts=datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC))
    trades.record(cur, trade)
    (back,) = trades.for_bot(cur, 1)
    assert back.price == Decimal("67890.12") and back.quantity == Decimal("0.00012")
    assert back.quote_quantity == trade.quote_quantity
    assert back.ts == trade.ts and back.ts.tzinfo is UTC
    assert back.order_type is OrderType.MARKET and back.side is Side.BUY
    assert back.commission_quote == Decimal("0.00000012") * Decimal("67890.12")


def test_query_filters_and_orders_newest_first(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, Side.BUY, "1", "100", bot_id=1))
    trades.record(cur, make_trade(2, Side.BUY, "1", "10", bot_id=2, symbol="ETH/USDT"))
    trades.record(cur, make_trade(3, Side.SELL, "1", "120", bot_id=1))
    everything = trades.query(cur, Filters())
    assert list(everything["exchange_order_id"]) == ["ex-3", "ex-2", "ex-1"]
    assert list(trades.query(cur, Filters(bots=(1,)))["pnl"]) == [20.0, 0.0]
    assert list(trades.query(cur, Filters(symbols=("ETH/USDT",)))["bot_id"]) == [2]
    assert len(trades.query(cur, Filters(), limit=1)) == 1


def test_a_given_pnl_is_kept(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, Side.BUY, "1", "100"))
    trade = make_trade(2, Side.SELL, "1", "110")
    _, stored = trades.record_with_pnl(cur, trade.__class__(**{**trade.__dict__, "pnl": Decimal("3")}))
    assert stored.pnl == Decimal(3)
    assert trades.open_lots(cur, Venue.PAPER, "paper", 1, "BTC/USDT") == []


def test_several_fills_of_one_day_in_one_transaction(db: Database) -> None:
    with db.transaction() as cur:
        for n, side in enumerate([Side.BUY, Side.BUY, Side.SELL, Side.SELL]):
            trades.record(cur, make_trade(n, side, "1", str(100 + 10 * n)))
    (row,) = db.cursor().execute("SELECT trades, net_pnl, wins, closes FROM trade_days").fetchall()
    assert row == (4, Decimal(120 - 100 + 130 - 110), 2, 2)


def test_symbols_traded(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, Side.BUY, "1", "10", symbol="ETH/USDT"))
    trades.record(cur, make_trade(2, Side.BUY, "1", "100"))
    assert trades.symbols(cur) == ["BTC/USDT", "ETH/USDT"]
