"""A market order through the console's order path versus bare ccxt, side by side.

One paper exchange adds 10 ms of latency to every request (a network near the exchange). The
console path is SpotClient.place_order as the engine runs it: normalise, balance check (from
the cache), log the intent (one line in the data folder's intent log, ``engine.intents``), send,
parse, and hand the answer to the engine's writer, which moves the intent into the DuckDB journal
and records the trade behind the order; it runs without and with a sync to disk per intent
(``CONSOLE_SYNC_INTENTS``). For comparison: the same with the intent journaled pending in DuckDB
before the send (the engine's DbJournal alone), the client path without a journal, and ccxt's
create_order on an exchange configured the same way. Runs are interleaved and the medians
compared; each order starts with the writer idle (what it writes behind one order overlaps that
order's send, not the next path's); the time spent in each journal call is shown. The last line reads
``ratio <console/bare ccxt>`` for the intent log without sync (goal: at most 1.05; with sync 1.15).
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
from console.engine.intents import IntentLog, LoggedJournal  # noqa: E402
from console.engine.recorder import DbJournal, Owner  # noqa: E402
from console.engine.writer import Writer  # noqa: E402
from console.exchange.connect import make_ccxt  # noqa: E402
from console.exchange.spot import SpotClient  # noqa: E402
from console.paper import PaperExchange  # noqa: E402
from console.storage.db import Database  # noqa: E402

ROUNDS = 100
OWNER = Owner(venue=Venue.PAPER, market=Market.SPOT, account="bench")
LATENCY = 0.010
QUANTITY = Decimal("0.001")
KEY, SECRET = "paper-key", "paper-secret"


class NoJournal:
    """Writes nothing: the client path alone, for comparison."""

    def pending(self, client_order_id: str, request: OrderRequest) -> None:
        pass

    def pending_list(self, list_client_order_id: str, legs: object) -> None:
        pass

    def resolved(self, order: Order) -> bool:
        return False

    def failed(self, client_order_id: str, error: Exception) -> None:
        pass


NO_JOURNAL = NoJournal()


class Timed:
    """A journal (DbJournal, or the engine's LoggedJournal over an intent log), timing each call."""

    def __init__(self, journal: DbJournal | LoggedJournal) -> None:
        self._journal = journal
        self.seconds = {"pending": 0.0, "resolved (hands the record to the writer)": 0.0}

    def pending(self, client_order_id: str, request: OrderRequest) -> None:
        start = time.perf_counter()
        self._journal.pending(client_order_id, request)
        self.seconds["pending"] += time.perf_counter() - start

    def pending_list(self, list_client_order_id: str, legs: object) -> None:
        raise NotImplementedError("the benchmark places market orders only")

    def resolved(self, order: Order) -> bool:
        start = time.perf_counter()
        recorded = self._journal.resolved(order)
        self.seconds["resolved (hands the record to the writer)"] += time.perf_counter() - start
        return recorded

    def failed(self, client_order_id: str, error: Exception) -> None:
        self._journal.failed(client_order_id, error)  # type: ignore[arg-type]

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)


def main() -> None:
    exchange = PaperExchange(starting_balances={"spot": {"USDT": Decimal("100000"), "BTC": Decimal("1")}})
    base_url = exchange.start()
    folder = tempfile.TemporaryDirectory()
    db = Database.open(Path(folder.name) / "bench.duckdb")
    try:
        exchange.feed.set_price("BTCUSDT", Decimal("30000"))
        writer = Writer()
        journals = {
            "duckdb": Timed(DbJournal(db, OWNER, writer=writer)),
            "log": Timed(LoggedJournal(db, OWNER, IntentLog(Path(folder.name) / "intents.log"), writer, behind=True)),
            "log+sync": Timed(LoggedJournal(db, OWNER, IntentLog(Path(folder.name) / "synced.log", sync=True), writer,
                                            behind=True)),
        }
        options = dict(base_url=base_url, api_key=KEY, api_secret=SECRET)
        journaled = {name: SpotClient(Venue.PAPER, **options) for name in journals}
        unjournaled = SpotClient(Venue.PAPER, **options)
        bare = make_ccxt(Market.SPOT, **options)
        bare.load_markets()

        def request(side: Side) -> OrderRequest:
            return OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=side, quantity=QUANTITY)

        runners = {
            "bare": lambda side: bare.create_order("BTC/USDT", "market", side.value, str(QUANTITY)),
            "client": lambda side: unjournaled.place_order(request(side), journal=NO_JOURNAL),
            **{name: (lambda side, c=journaled[name], j=journal: c.place_order(request(side), journal=j))
               for name, journal in journals.items()},
        }
        for side in (Side.BUY, Side.SELL):  # warm every path (markets, balances, price, connections)
            for run in runners.values():
                run(side)
        writer.flush()
        for journal in journals.values():
            journal.reset()
        exchange.faults.add(path="*", kind="latency", seconds=LATENCY)
        timings: dict[str, list[float]] = {name: [] for name in runners}
        names = list(runners)
        for n in range(ROUNDS):
            side = Side.BUY if n % 2 == 0 else Side.SELL
            for name in names[n % len(names):] + names[:n % len(names)]:
                writer.flush()  # each order starts with the writer idle: no path waits for another's records
                start = time.perf_counter()
                runners[name](side)
                timings[name].append(time.perf_counter() - start)
        started = time.perf_counter()
        writer.flush()
        behind = time.perf_counter() - started
        recorded = db.cursor().execute("SELECT count(*) FROM trades").fetchone()[0]
        ms = {name: statistics.median(values) * 1000 for name, values in timings.items()}
        print(f"market order, {ROUNDS} interleaved runs each, {LATENCY * 1000:.0f} ms latency per request")
        print(f"bare ccxt create_order:                          median {ms['bare']:.2f} ms")
        print(f"client place_order, no journal:                  median {ms['client']:.2f} ms "
              f"(ratio {ms['client'] / ms['bare']:.2f})")
        titles = {"duckdb": "console, pending in DuckDB before the send:",
                  "log": "console, intent log (no sync):",
                  "log+sync": "console, intent log synced per order:"}
        for name, journal in journals.items():
            print(f"{titles[name]:<49}median {ms[name]:.2f} ms (ratio {ms[name] / ms['bare']:.2f})")
            for part, seconds in journal.seconds.items():
                print(f"  of which {part}: {seconds / ROUNDS * 1000:.3f} ms mean")
        print(f"  trades recorded behind the orders: {recorded} (the writer was {behind * 1000:.1f} ms behind at the end)")
        print(f"ratio with the intent log synced per order: {ms['log+sync'] / ms['bare']:.2f} (goal 1.15)")
        print(f"ratio {ms['log'] / ms['bare']:.2f}")
    finally:
        exchange.faults.clear()
        exchange.stop()
        writer.close()
        db.close()
        folder.cleanup()


if __name__ == "__main__":
    main()
