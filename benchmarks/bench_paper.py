"""Paper exchange round trips through ccxt: market order vs ping, and orders/second from 4 clients.

Run: .venv/bin/python benchmarks/bench_paper.py   (last line: ``ratio <order/ping>``)
The exchange keeps its state in a temporary data folder, as the console does: every answered
order is in the journal log before the answer (it survives the process being killed). For
comparison, the same round trip with ``sync_writes=True`` (synced to disk before answering).
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
WARM_UP = 50
CONCURRENT_SECONDS = 5.0
CLIENTS = 4
WALLET = {"spot": {"USDT": Decimal("100000000"), "BTC": Decimal("100")}}


def client(url: str):
    exchange = make_ccxt(Market.SPOT, base_url=url, api_key="paper-key", api_secret="paper-secret")
    exchange.load_markets()
    return exchange


def round_trips(url: str, rounds: int) -> tuple[float, float]:
    """Median ping and market-order round trips in ms, interleaved on one client."""
    exchange = client(url)
    pings: list[float] = []
    orders: list[float] = []
    for i in range(rounds + WARM_UP):
        t = time.perf_counter()
        exchange.public_get_ping()
        ping = time.perf_counter() - t
        t = time.perf_counter()
        exchange.create_order("BTC/USDT", "market", "buy" if i % 2 == 0 else "sell", 0.001)
        order = time.perf_counter() - t
        if i >= WARM_UP:
            pings.append(ping)
            orders.append(order)
    return statistics.median(pings) * 1000, statistics.median(orders) * 1000


def throughput(url: str) -> float:
    done = threading.Event()
    counts = [0] * CLIENTS
    clients = [client(url) for _ in range(CLIENTS)]

    def work(n: int) -> None:
        i = 0
        while not done.is_set():
            clients[n].create_order("BTC/USDT", "market", "buy" if i % 2 == 0 else "sell", 0.001)
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


def exchange_in(folder: str, sync_writes: bool) -> PaperExchange:
    exchange = PaperExchange(data_dir=Path(folder), enforce_weight_limits=False, starting_balances=WALLET,
                             sync_writes=sync_writes)
    exchange.start()
    return exchange


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as synced_folder:
        synced = exchange_in(synced_folder, sync_writes=True)
        try:
            _, synced_ms = round_trips(synced.base_url, ROUNDS // 2)
        finally:
            synced.stop()
        exchange = exchange_in(folder, sync_writes=False)
        try:
            ping_ms, order_ms = round_trips(exchange.base_url, ROUNDS)
            print(f"ping round trip (median of {ROUNDS}): {ping_ms:.3f} ms")
            print(f"market order round trip (median of {ROUNDS}), journaled in {Path(folder).name}: {order_ms:.3f} ms")
            print(f"market order round trip with sync_writes=True (synced to disk first): {synced_ms:.3f} ms")
            print(f"orders/second from {CLIENTS} concurrent clients: {throughput(exchange.base_url):.0f}")
        finally:
            exchange.stop()
        print(f"ratio {order_ms / ping_ms:.2f}")


if __name__ == "__main__":
    main()
