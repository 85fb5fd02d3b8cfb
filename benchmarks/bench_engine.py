"""200 bots on 10 symbol/timeframe pairs: market-data requests per cycle and cycle time.

The engine's shared candle cache is measured side by side with a naive engine whose every bot
fetches its own candles, on the same paper exchange, in one run. The last line reads
``ratio <klines requests per cycle / pairs>`` (goal 1.0).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.domain import BotConfig, BotState  # noqa: E402
from console.engine.clients import Clients, Credentials  # noqa: E402
from console.engine.engine import BotEngine  # noqa: E402
from console.engine.marketdata import MarketData  # noqa: E402
from console.paper import PaperExchange, SyntheticFeed  # noqa: E402
from console.storage import bots  # noqa: E402
from console.storage.db import Database  # noqa: E402

SYMBOLS = ("BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT", "XRP/USDT")
TIMEFRAMES = ("1m", "5m")
BOTS = 200
CYCLES = 5


class NaiveMarketData(MarketData):
    """Every bot fetches its own candles: what the cache saves."""

    def candles(self, key, fetch, cycle=-1):
        self.fetches += 1
        return fetch(key[2], key[3], 200)


def klines_requests(exchange: PaperExchange) -> int:
    return exchange.stats.requests("/api/v3/klines") + exchange.stats.requests("/fapi/v1/klines")


def measure(exchange: PaperExchange, db: Database, naive: bool) -> tuple[float, float]:
    clients = Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=exchange.base_url))
    engine = BotEngine(db, clients, workers=4)
    if naive:
        engine.market_data = NaiveMarketData(time.time)
        engine._ctx.market_data = engine.market_data
    engine.run_cycle()  # warm: markets loaded, first candles
    per_cycle, seconds = [], []
    for _ in range(CYCLES):
        before = klines_requests(exchange)
        started = time.perf_counter()
        engine.run_cycle(timeout=120)
        seconds.append(time.perf_counter() - started)
        per_cycle.append(klines_requests(exchange) - before)
        # every candle cache entry expires as if a new candle had closed
        engine.market_data.clear()
    engine.stop()
    return statistics.median(per_cycle), statistics.median(seconds)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        exchange = PaperExchange(data_dir=None, feed=SyntheticFeed(seed=3))
        exchange.start()
        db = Database.open(Path(tmp) / "bench.duckdb")
        pairs = [(s, tf) for s in SYMBOLS for tf in TIMEFRAMES]
        with db.transaction() as cur:
            for i in range(BOTS):
                symbol, timeframe = pairs[i % len(pairs)]
                bot_id = bots.create(cur, BotConfig(
                    name=f"bot-{i:03d}", symbol=symbol, timeframe=timeframe, strategy="ma_cross",
                    params={"fast": 5, "slow": 20}, size=Decimal("15"), max_trades_per_day=1000))
                bots.set_state(cur, bot_id, BotState.RUNNING)
        shared_requests, shared_seconds = measure(exchange, db, naive=False)
        naive_requests, naive_seconds = measure(exchange, db, naive=True)
        exchange.stop()
        db.close()
    print(f"bots {BOTS}, pairs {len(pairs)}, cycles {CYCLES} (medians)")
    print(f"shared cache: {shared_requests:.0f} klines requests per cycle, cycle {shared_seconds * 1000:.0f} ms")
    print(f"naive fetch:  {naive_requests:.0f} klines requests per cycle, cycle {naive_seconds * 1000:.0f} ms")
    print(f"cycle time shared/naive {shared_seconds / naive_seconds:.2f}")
    print(f"ratio {shared_requests / len(pairs):.2f}")


if __name__ == "__main__":
    main()
