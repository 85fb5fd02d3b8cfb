"""Paper exchange round trips through ccxt: market order vs ping, and orders/second from 4 clients.

Run: .venv/bin/python benchmarks/bench_paper.py   (last line: ``ratio <order/ping>``)
The exchange keeps its state durably in a temporary data folder, as the console does.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.domain import Market  # noqa: E402
from console.exchange.connect import make_ccxt  # noqa: E402
from console.paper import PaperExchange  # noqa: E402

ROUNDS = 600
CONCURRENT_SECONDS = 5.0
CLIENTS = 4


def client(url: str):
    exchange = make_ccxt(Market.SPOT, base_url=url, api_key="paper-key", api_secret="paper-secret")
    exchange.load_markets()
    return exchange


def round_trips(url: str) -> tuple[list[float], list[float]]:
    exchange = client(url)
    pings: list[float] = []
    orders: list[float] = []
    for i in range(ROUNDS + 50):
        t = time.perf_counter()
        exchange.public_get_ping()
        ping = time.perf_counter() - t
        t = time.perf_counter()
        exchange.create_order("BTC/USDT", "market", "buy" if i % 2 == 0 else "sell", 0.001)
        order = time.perf_counter() - t
        if i >= 50:  # warm-up
            pings.append(ping)
            orders.append(order)
    return pings, orders


def throughput(url: str) -> float:
    done = threading.Event()
    counts = [0] * CLIENTS
    clients = [client(url) for _ in range(CLIENTS)]

    def work(n: int) -> None:
        exchange = clients[n]
        i = 0
        while not done.is_set():
            exchange.create_order("BTC/USDT", "market", "buy" if i % 2 == 0 else "sell", 0.001)
            counts[n] += 1
            i += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(CONCURRENT_SECONDS)
    done.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        exchange = PaperExchange(data_dir=Path(folder), enforce_weight_limits=False,
                                 starting_balances={"spot": {"USDT": Decimal("100000000"), "BTC": Decimal("100")}})
        url = exchange.start()
        try:
            pings, orders = round_trips(url)
            ping_ms = statistics.median(pings) * 1000
            order_ms = statistics.median(orders) * 1000
            print(f"ping round trip (median of {len(pings)}): {ping_ms:.3f} ms")
            print(f"market order round trip (median of {len(orders)}): {order_ms:.3f} ms")
            print(f"orders/second from {CLIENTS} concurrent clients: {throughput(url):.0f}")
            print(f"state kept durably in {Path(folder).name}/paper.duckdb (synced journal log in front)")
        finally:
            exchange.stop()
        print(f"ratio {order_ms / ping_ms:.2f}")


if __name__ == "__main__":
    main()
