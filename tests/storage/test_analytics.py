"""Analytics against numbers worked out by hand (see the comment on `filled`)."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from console.domain import BotConfig, Market, Side, Venue
from console.storage import analytics, balances, bots, trades
from console.storage.analytics import Filters
from console.storage.db import Cursor, Database

from .conftest import make_trade


@pytest.fixture
def filled(db: Database) -> Cursor:
    """Bot A (BTC spot) and bot B (ETH spot, then ETH futures) over three days.

    day 1: A buys 1 @100, sells 1 @110 (+10); B buys 2 @50, sells 2 @45 (-10)
    day 2: A buys 1 @100 fee 1, sells 1 @130 fee 1 (129 - 101 = +28); B futures realised 5 fee 0.5 (+4.5)
    day 3: B futures realised -8 fee 0.5 (-8.5)
    """
    cur = db.cursor()
    a = bots.create(cur, BotConfig(name="A", symbol="BTC/USDT"))
    b = bots.create(cur, BotConfig(name="B", symbol="ETH/USDT"))
    day1, day2, day3 = (datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2, 3))
    fills = [
        make_trade(1, Side.BUY, "1", "100", bot_id=a, ts=day1 + timedelta(hours=1)),
        make_trade(2, Side.SELL, "1", "110", bot_id=a, ts=day1 + timedelta(hours=2)),
        make_trade(3, Side.BUY, "2", "50", bot_id=b, symbol="ETH/USDT", ts=day1 + timedelta(hours=3)),
        make_trade(4, Side.SELL, "2", "45", bot_id=b, symbol="ETH/USDT", ts=day1 + timedelta(hours=4)),
        make_trade(5, Side.BUY, "1", "100", commission="1", bot_id=a, ts=day2 + timedelta(hours=1)),
        make_trade(6, Side.SELL, "1", "130", commission="1", bot_id=a, ts=day2 + timedelta(hours=2)),
        make_trade(7, Side.SELL, "1", "60", commission="0.5", realized_pnl="5", bot_id=b, symbol="ETH/USDT",
                   market=Market.FUTURES, ts=day2 + timedelta(hours=3)),
        make_trade(8, Side.BUY, "1", "68", commission="0.5", realized_pnl="-8", bot_id=b, symbol="ETH/USDT",
                   market=Market.FUTURES, ts=day3 + timedelta(hours=1)),
    ]
    for fill in fills:
        trades.record(cur, fill)
    return cur


def test_daily(filled: Cursor) -> None:
    daily = analytics.bundle(filled, Filters()).daily
    assert [d.date() for d in daily["day"]] == [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)]
    assert list(daily["pnl"]) == [0.0, 32.5, -8.5]
    assert list(daily["fees"]) == [0.0, 2.5, 0.5]
    assert list(daily["trades"]) == [4, 3, 1]


def test_cumulative_and_drawdown(filled: Cursor) -> None:
    result = analytics.bundle(filled, Filters())
    assert list(result.cumulative.columns) == ["ts", "cum_pnl"]
    assert list(result.cumulative["cum_pnl"]) == [0, 10, 10, 0, 0, 28, 32.5, 24]
    assert list(result.drawdown.columns) == ["ts", "equity", "peak", "drawdown"]
    assert list(result.drawdown["peak"]) == [0, 10, 10, 10, 10, 28, 32.5, 32.5]
    assert list(result.drawdown["drawdown"]) == [0, 0, 0, -10, -10, 0, 0, -8.5]
    assert result.cumulative["ts"].is_monotonic_increasing


def test_per_bot(filled: Cursor) -> None:
    per_bot = analytics.bundle(filled, Filters()).per_bot.set_index("bot")
    assert list(per_bot.reset_index().columns) == [
        "bot", "bot_id", "trades", "net_pnl", "win_rate", "profit_factor", "avg_win", "avg_loss", "fees"]
    a, b = per_bot.loc["A"], per_bot.loc["B"]
    assert (a.trades, a.net_pnl, a.win_rate, a.avg_win, a.fees) == (4, 38, 1.0, 19, 2)
    assert math.isnan(a.profit_factor) and math.isnan(a.avg_loss)
    assert (b.trades, b.net_pnl, b.avg_win, b.avg_loss, b.fees) == (4, -14, 4.5, -9.25, 1.0)
    assert b.win_rate == pytest.approx(1 / 3) and b.profit_factor == pytest.approx(4.5 / 18.5)


def test_per_symbol(filled: Cursor) -> None:
    per_symbol = analytics.bundle(filled, Filters()).per_symbol.set_index(["symbol", "market"])
    assert per_symbol.loc[("BTC/USDT", "spot"), "net_pnl"] == 38
    eth_spot, eth_futures = per_symbol.loc[("ETH/USDT", "spot")], per_symbol.loc[("ETH/USDT", "futures")]
    assert (eth_spot.trades, eth_spot.net_pnl, eth_spot.win_rate, eth_spot.profit_factor, eth_spot.avg_loss) == (
        2, -10, 0.0, 0.0, -10)
    assert (eth_futures.net_pnl, eth_futures.win_rate, eth_futures.fees) == (-4, 0.5, 1.0)
    assert eth_futures.profit_factor == pytest.approx(4.5 / 8.5)


def test_kpis(filled: Cursor) -> None:
    kpis = analytics.bundle(filled, Filters()).kpis
    assert kpis["net_pnl"] == pytest.approx(24) and kpis["trades"] == 8
    assert kpis["win_rate"] == pytest.approx(0.6) and kpis["profit_factor"] == pytest.approx(42.5 / 18.5)
    assert kpis["fees"] == pytest.approx(3.0)
    assert (kpis["max_drawdown"], kpis["current_drawdown"]) == (-10, -8.5)


@pytest.mark.parametrize(
    "filters, net_pnl, trades_count",
    [
        (Filters(bots=(1,)), 38, 4),
        (Filters(symbols=("ETH/USDT",), market=Market.FUTURES), -4, 2),
        (Filters(start=date(2025, 1, 2), end=date(2025, 1, 2)), 32.5, 3),
        (Filters(start=date(2025, 1, 2)), 24, 4),
        (Filters(end=date(2025, 1, 1)), 0, 4),
        (Filters(venue=Venue.PAPER, market=Market.SPOT), 28, 6),
    ],
)
def test_filters(filled: Cursor, filters: Filters, net_pnl: float, trades_count: int) -> None:
    result = analytics.bundle(filled, filters)
    assert result.kpis["net_pnl"] == pytest.approx(net_pnl)
    assert result.kpis["trades"] == trades_count == result.daily["trades"].sum()
    assert result.cumulative["cum_pnl"].iloc[-1] == pytest.approx(net_pnl)


def test_an_empty_selection_gives_empty_tables(filled: Cursor) -> None:
    result = analytics.bundle(filled, Filters(venue=Venue.LIVE))
    assert result.daily.empty and result.cumulative.empty and result.per_bot.empty and result.per_symbol.empty
    assert list(result.per_symbol.columns)[:2] == ["symbol", "market"]
    assert result.kpis["trades"] == 0 and result.kpis["net_pnl"] == 0 and result.kpis["max_drawdown"] == 0


def test_manual_and_deleted_bots_are_named(filled: Cursor) -> None:
    trades.record(filled, make_trade(20, Side.BUY, "1", "1", bot_id=None))
    bots.delete(filled, 2)
    names = set(analytics.bundle(filled, Filters()).per_bot["bot"])
    assert names == {"A", "bot 2 (deleted)", "manual"}


def test_series_are_downsampled_in_sql(db: Database) -> None:
    cur = db.cursor()
    cur.execute(
        "INSERT INTO trades (bot_id, account, venue, market, exchange_order_id, client_order_id, symbol, side, "
        "order_type, price, quantity, quote_quantity, commission, commission_asset, commission_quote, pnl, "
        "closing, ts) SELECT 1, 'paper', 'paper', 'spot', 'x' || i, 'c' || i, 'BTC/USDT', 'sell', 'market', "
        "100, 1, 100, 0, 'USDT', 0, CASE WHEN i % 3 = 0 THEN -2 ELSE 1 END, TRUE, "
        "TIMESTAMP '2025-01-01' + to_seconds(i * 60) FROM range(9001) t(i)"
    )
    trades.rebuild_days(cur)
    result = analytics.bundle(cur, Filters())
    assert 1000 < len(result.cumulative) <= analytics.MAX_POINTS
    assert len(result.drawdown) <= analytics.MAX_POINTS
    assert result.cumulative["cum_pnl"].iloc[-1] == 3001 * -2 + 6000 * 1  # i = 0, 3, ..., 9000 lose 2
    assert result.kpis["trades"] == 9001 == result.daily["trades"].sum()
    assert result.daily["pnl"].sum() == -2


def test_day_sums_kept_at_record_time_match_a_rebuild(filled: Cursor) -> None:
    trades.record(filled, make_trade(30, Side.BUY, "1", "1", bot_id=None))
    query = "SELECT * FROM trade_days ORDER BY ALL"
    kept = filled.execute(query).fetchall()
    trades.rebuild_days(filled)
    assert filled.execute(query).fetchall() == kept
    assert len(kept) == 6  # day 1: A, B, manual; day 2: A, B futures; day 3: B futures


def test_equity_curve_from_balance_snapshots(db: Database) -> None:
    cur = db.cursor()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    for i, (usdt, btc_value) in enumerate([(1000, 0), (500, 510), (520, 490)]):
        ts = t0 + timedelta(hours=i)
        balances.snapshot(cur, Venue.PAPER, Market.SPOT, "USDT", Decimal(usdt), Decimal(0), ts)
        balances.snapshot(cur, Venue.PAPER, Market.SPOT, "BTC", Decimal("0.005"), Decimal(0), ts, Decimal(btc_value))
    balances.snapshot(cur, Venue.DEMO, Market.SPOT, "USDT", Decimal(7), Decimal(0), t0)
    curve = analytics.equity_curve(cur, Filters(venue=Venue.PAPER))
    assert list(curve.columns) == ["ts", "equity"]
    assert list(curve["equity"]) == [1000, 1010, 1010]
    assert list(balances.latest(cur, Venue.PAPER, Market.SPOT)["asset"]) == ["BTC", "USDT"]


def test_equity_curve_is_downsampled(db: Database) -> None:
    cur = db.cursor()
    cur.execute(
        "INSERT INTO balance_snapshots SELECT 'paper', 'spot', 'USDT', 1000 + i, 0, 1000 + i, "
        "TIMESTAMP '2025-01-01' + to_seconds(i * 60) FROM range(5000) t(i)"
    )
    curve = analytics.equity_curve(cur, Filters())
    assert len(curve) <= analytics.MAX_POINTS
    assert curve["equity"].iloc[-1] == 5999
