"""A market order through the console's order path versus bare ccxt, side by side.

One paper exchange adds 10 ms of latency to every request (a network near the exchange). The
console path is ExchangeClient.place_order: normalise, balance check (from the cache), journal as
pending in a DuckDB file, send, parse, journal the answer and record the trade. The bare path is
ccxt's create_order on an exchange configured the same way. Runs are interleaved and the medians
compared; the last line reads ``ratio <console/bare ccxt>`` (goal: at most 1.2).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.domain import Market, Order, OrderRequest, Side, Venue  # noqa: E402
from console.errors import ConsoleError  # noqa: E402
from console.exchange.client import ExchangeClient  # noqa: E402
from console.exchange.connect import make_ccxt  # noqa: E402
from console.paper import PaperExchange  # noqa: E402
from console.storage import journal as orders_journal  # noqa: E402
from console.storage import trades  # noqa: E402
from console.storage.db import Database  # noqa: E402

ROUNDS = 60
LATENCY = 0.010
QUANTITY = Decimal("0.001")
KEY, SECRET = "paper-key", "paper-secret"


class DuckJournal:
    """The order journal and trade record over the console's DuckDB store."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def pending(self, client_order_id: str, request: OrderRequest) -> None:
        with self.db.transaction() as cur:
            orders_journal.add_pending(cur, client_order_id=client_order_id, bot_id=None, venue=Venue.PAPER,
                                       market=request.market, symbol=request.symbol, side=request.side,
                                       type=request.type, request={"quantity": str(request.quantity)})

    def resolved(self, order: Order) -> None:
        with self.db.transaction() as cur:
            orders_journal.update(cur, order.client_order_id, status=order.status,
                                  exchange_order_id=order.exchange_order_id,
                                  response={"filled": str(order.filled), "average": str(order.average_price)})
            if order.filled > 0:
                trades.record(cur, trades.TradeRecord(
                    bot_id=None, account="bench", venue=Venue.PAPER, market=order.market,
                    exchange_order_id=order.exchange_order_id, client_order_id=order.client_order_id,
                    symbol=order.symbol, side=order.side, order_type=order.type,
                    price=order.average_price or Decimal(0), quantity=order.filled,
                    quote_quantity=order.quote_filled, commission=order.commission,
                    commission_asset=order.commission_asset, ts=order.timestamp))

    def failed(self, client_order_id: str, error: ConsoleError) -> None:
        with self.db.transaction() as cur:
            orders_journal.update(cur, client_order_id, status=orders_journal.OrderStatus.REJECTED)


def main() -> None:
    exchange = PaperExchange()
    base_url = exchange.start()
    folder = tempfile.TemporaryDirectory()
    db = Database.open(Path(folder.name) / "bench.duckdb")
    try:
        exchange.feed.set_price("BTCUSDT", Decimal("30000"))
        client = ExchangeClient(Venue.PAPER, Market.SPOT, base_url=base_url, api_key=KEY, api_secret=SECRET,
                                journal=DuckJournal(db))
        bare = make_ccxt(Market.SPOT, base_url=base_url, api_key=KEY, api_secret=SECRET)
        bare.load_markets()

        def console(side: Side) -> None:
            client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=side, quantity=QUANTITY))

        def plain_ccxt(side: Side) -> None:
            bare.create_order("BTC/USDT", "market", side.value, str(QUANTITY))

        for side in (Side.BUY, Side.SELL):  # warm both paths (markets, balances, price, connections)
            console(side)
            plain_ccxt(side)
        exchange.faults.add(path="*", kind="latency", seconds=LATENCY)
        timings: dict[str, list[float]] = {"console": [], "bare": []}
        runners = {"console": console, "bare": plain_ccxt}
        for n in range(ROUNDS):
            side = Side.BUY if n % 2 == 0 else Side.SELL
            for name in (("console", "bare") if n % 2 == 0 else ("bare", "console")):
                start = time.perf_counter()
                runners[name](side)
                timings[name].append(time.perf_counter() - start)
        console_ms = statistics.median(timings["console"]) * 1000
        bare_ms = statistics.median(timings["bare"]) * 1000
        print(f"market order, {ROUNDS} interleaved runs each, {LATENCY * 1000:.0f} ms latency per request")
        print(f"console place_order (journal + trade record in DuckDB): median {console_ms:.2f} ms")
        print(f"bare ccxt create_order:                                 median {bare_ms:.2f} ms")
        print(f"console overhead: {console_ms - bare_ms:.2f} ms")
        print(f"ratio {console_ms / bare_ms:.2f}")
    finally:
        exchange.faults.clear()
        exchange.stop()
        db.close()
        folder.cleanup()


if __name__ == "__main__":
    main()
