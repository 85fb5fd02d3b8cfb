"""The paper exchange as its own durable process for the crash campaign, with a fast feed.

``python -m tests.reliability.paper_process --data-dir D`` serves ``PaperExchange`` on a free
loopback port and prints ``paper exchange at URL``. Its synthetic feed runs ``--speed`` times
faster than the wall clock but starts ``--lag-hours`` in the past, so every candle it serves has
already closed by this machine's clock: the console (which keeps candles closed by its own clock)
sees a new one-minute candle every 60 / speed seconds. Orders and signatures use the real clock.
``--order-latency`` delays every order request before the exchange takes it. On SIGTERM it
stops and prints the busiest minute's request weight per market.
"""
from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from console.lifecycle import serve_until_stopped
from console.paper import PaperExchange, SyntheticFeed

ORDER_PATHS = ("/api/v3/order", "/fapi/v1/order", "/api/v3/orderList/oco")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.paper_process")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--lag-hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--order-latency", type=float, default=0.0)
    args = parser.parse_args(argv)

    started = time.time()
    lag = args.lag_hours * 3600

    def feed_clock() -> float:
        return started - lag + (time.time() - started) * args.speed

    exchange = PaperExchange(data_dir=args.data_dir, feed=SyntheticFeed(seed=args.seed, clock=feed_clock),
                             clock=time.time)
    if args.order_latency > 0:
        for path in ORDER_PATHS:
            exchange.faults.add(path=path, kind="latency", method="POST", seconds=args.order_latency)
    peak = {"spot": 0, "futures": 0}
    stopped = threading.Event()

    def watch() -> None:
        while not stopped.wait(0.5):
            for market in peak:
                peak[market] = max(peak[market], exchange.stats.used_weight(market))

    def stop() -> None:
        stopped.set()
        exchange.stop()
        print(f"busiest minute weight: spot {peak['spot']} futures {peak['futures']}", flush=True)

    url = exchange.start(host="127.0.0.1", port=0)
    print(f"paper exchange at {url}", flush=True)
    threading.Thread(target=watch, name="weight-watch", daemon=True).start()
    serve_until_stopped(stop)


if __name__ == "__main__":
    main()
