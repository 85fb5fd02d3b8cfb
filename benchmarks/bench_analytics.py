"""Time the analytics bundle at 1,000,000 trades against the naive pandas path.

Seeds a file database in a temporary folder with 1M trades (20 bots, 10 symbols,
spot and futures, one year) in one SQL statement, rebuilds the per-day sums that
``trades.record`` keeps fill by fill, then measures, each as the median of several
runs:

- bundle: ``analytics.bundle`` (daily, cumulative, drawdown, per-bot, per-symbol, KPIs);
- naive: load every trade into pandas and compute the same tables there;
- record: ``trades.record`` of one spot fill (with its FIFO PnL) on that file database.

The last line is ``ratio <bundle/naive>``; the goal is bundle <= 50 ms and ratio <= 0.25.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.domain import Market, OrderType, Side, Venue  # noqa: E402
from console.storage import analytics, trades  # noqa: E402
from console.storage.analytics import MAX_POINTS, Filters  # noqa: E402
from console.storage.db import Database  # noqa: E402

TRADES = 1_000_000
SEED_SQL = """
INSERT INTO trades (bot_id, account, venue, market, exchange_order_id, client_order_id, symbol, side,
                    order_type, price, quantity, quote_quantity, commission, commission_asset,
                    commission_quote, pnl, realized_pnl, closing, ts)
SELECT bot, 'paper', 'paper', market, 'x' || i, 'c' || i, symbol, side, 'market',
       price, 0.01, price * 0.01, fee, 'USDT', fee,
       CASE WHEN side = 'sell' OR market = 'futures' THEN round((random() - 0.48) * 20, 8) - fee ELSE 0 END,
       CASE WHEN market = 'futures' THEN round((random() - 0.48) * 20, 8) END,
       side = 'sell' OR market = 'futures',
       TIMESTAMP '2025-01-01' + to_microseconds((i * 31536000000 // ?) * 1000)
FROM (
    SELECT i, (i % 20) + 1 AS bot,
           ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT',
            'ADA/USDT', 'DOGE/USDT', 'TRX/USDT', 'LINK/USDT', 'AVAX/USDT'][(i // 20) % 10 + 1] AS symbol,
           CASE WHEN (i % 20) < 6 THEN 'futures' ELSE 'spot' END AS market,
           CASE WHEN (i // 200) % 2 = 0 THEN 'buy' ELSE 'sell' END AS side,
           round(100 + random() * 10, 2) AS price,
           round(0.001 + random() * 0.01, 8) AS fee
    FROM range(?) t(i)
)
"""


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def naive(cur) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Every trade into pandas, then the bundle's tables computed there."""
    df = cur.execute("SELECT * FROM trades").df()
    df["pnl"] = df["pnl"].astype(float)
    df["commission_quote"] = df["commission_quote"].astype(float)
    daily = (df.groupby(df["ts"].dt.floor("D"))
               .agg(pnl=("pnl", "sum"), fees=("commission_quote", "sum"), trades=("pnl", "size")).reset_index())
    df = df.sort_values(["ts", "id"])
    us = df["ts"].astype("int64")
    lo, hi = us.min(), us.max()
    buckets = df.groupby((us - lo) * MAX_POINTS // (hi - lo + 1)).agg(ts=("ts", "max"), pnl=("pnl", "sum"))
    equity = buckets["pnl"].cumsum()
    peak = equity.cummax().clip(lower=0)
    curve = pd.DataFrame({"ts": buckets["ts"], "equity": equity, "peak": peak, "drawdown": equity - peak})
    closing = df["closing"]
    df["wins"] = closing & (df["pnl"] > 0)
    df["losses"] = closing & (df["pnl"] < 0)
    df["gross_win"] = df["pnl"].where(df["wins"], 0.0)
    df["gross_loss"] = df["pnl"].where(df["losses"], 0.0)

    def stats(keys: list[str]) -> pd.DataFrame:
        g = df.groupby(keys, dropna=False).agg(
            trades=("pnl", "size"), net_pnl=("pnl", "sum"), wins=("wins", "sum"), closes=("closing", "sum"),
            losses=("losses", "sum"), gross_win=("gross_win", "sum"), gross_loss=("gross_loss", "sum"),
            fees=("commission_quote", "sum")).reset_index()
        g["win_rate"] = g["wins"] / g["closes"].where(g["closes"] > 0)
        g["profit_factor"] = g["gross_win"] / -g["gross_loss"].where(g["gross_loss"] < 0)
        g["avg_win"] = g["gross_win"] / g["wins"].where(g["wins"] > 0)
        g["avg_loss"] = g["gross_loss"] / g["losses"].where(g["losses"] > 0)
        return g

    return {"daily": daily, "curve": curve, "per_bot": stats(["bot_id"]), "per_symbol": stats(["symbol", "market"]),
            "net_pnl": df["pnl"].sum(), "max_drawdown": curve["drawdown"].min()}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database.open(Path(folder) / "bench.duckdb")
        cur = db.cursor()
        start = time.perf_counter()
        with db.transaction():
            cur.execute(SEED_SQL, [TRADES, TRADES])
            trades.rebuild_days(cur)  # what trades.record keeps up to date fill by fill
        cur.execute("CHECKPOINT")
        print(f"seeded {TRADES} trades in {time.perf_counter() - start:.1f} s")

        everything = Filters()
        analytics.bundle(cur, everything)  # warm up
        bundle_ms = median_ms(lambda: analytics.bundle(cur, everything), 9)
        result = analytics.bundle(cur, everything)
        naive_ms = median_ms(lambda: naive(cur), 3)
        check = naive(cur)
        assert abs(result.kpis["net_pnl"] - check["net_pnl"]) < 1e-6 * max(1.0, abs(check["net_pnl"]))
        assert abs(result.kpis["max_drawdown"] - check["max_drawdown"]) < 1e-6 * max(1.0, abs(check["max_drawdown"]))
        assert len(result.cumulative) <= MAX_POINTS and len(result.daily) == len(check["daily"])
        assert (result.daily["pnl"] - check["daily"]["pnl"]).abs().max() < 1e-6
        assert (result.per_bot["net_pnl"] - check["per_bot"]["net_pnl"]).abs().max() < 1e-6
        assert (result.per_symbol.sort_values(["symbol", "market"])["win_rate"].to_numpy()
                - check["per_symbol"].sort_values(["symbol", "market"])["win_rate"].to_numpy()).max() < 1e-12
        filtered_ms = median_ms(lambda: analytics.bundle(cur, Filters(bots=(1, 2, 3), symbols=("BTC/USDT",))), 9)

        t0 = datetime(2026, 1, 1, tzinfo=UTC)

        def fill(n: int) -> trades.TradeRecord:
            side = Side.BUY if n % 2 == 0 else Side.SELL
            return trades.TradeRecord(
                bot_id=1, account="paper", venue=Venue.PAPER, market=Market.SPOT, exchange_order_id=f"rec-{n}",
                client_order_id=f"rc-{n}", symbol="BTC/USDT", side=side, order_type=OrderType.MARKET,
                price=Decimal("65000.1"), quantity=Decimal("0.001"), quote_quantity=Decimal("65.0001"),
                commission=Decimal("0.065"), commission_asset="USDT", ts=t0 + timedelta(seconds=n))

        counter = iter(range(10**9))
        record_ms = median_ms(lambda: trades.record(db.cursor(), fill(next(counter))), 200)
        db.close()

    print(f"bundle (1M trades, no filter): {bundle_ms:.1f} ms (median of 9)")
    print(f"bundle (3 bots, 1 symbol):     {filtered_ms:.1f} ms (median of 9)")
    print(f"naive pandas path:             {naive_ms:.0f} ms (median of 3)")
    print(f"record one trade (file DB):    {record_ms:.2f} ms (median of 200)")
    print(f"goal bundle <= 50 ms: {'met' if bundle_ms <= 50 else 'missed'}; "
          f"goal >= 4x faster: {'met' if naive_ms >= 4 * bundle_ms else 'missed'}")
    print(f"ratio {bundle_ms / naive_ms:.3f}")


if __name__ == "__main__":
    main()
