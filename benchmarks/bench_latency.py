"""50 bots on 10 pairs: time from a candle's close to each bot's order arriving at the exchange.

Candle-aligned ticks are measured side by side with the cycle alone (``BotEngine(aligned=False)``:
a bot decides at the first 2 s cycle after the close), each engine running its own loop on a
paper exchange that replays real 1m candles. Every pair is a 1m candle (5 spot and 5 USD-M
symbols); the clock is real time plus an offset that skips ahead, within a candle, to a moment
0.5-2.5 s before its close, so each round measures one close at a random phase of the 2 s cycle.
A bench strategy flips every candle (BUY when flat, SELL when long), so every bot orders at every
close. ``first order`` is the median over closes of the earliest order: the decision's own
delay, before the bots' order placements queue on the engine's workers. The last line reads
``ratio <aligned median / cycle median>``; goals: aligned median ≤ 0.5 s, p95 ≤ 1 s, and klines
weight per minute no more than the cycle's.

Every order expected is accounted for: ``orders n/expected`` counts those that arrived within
``WAIT`` of their close, ``late`` those after it, ``refused`` the bots the console halted instead (an order its rules
refuse, e.g. a size below the symbol's minimum quantity: a futures size of 150 USDT buys less
than SOL's minimum 1 SOL at 150 USDT), and ``duplicates`` any bot with two orders for one close.
"""
from __future__ import annotations

import multiprocessing
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.domain import BotConfig, BotState, Market  # noqa: E402
from console.engine.clients import Clients, Credentials  # noqa: E402
from console.engine.engine import BotEngine  # noqa: E402
from console.engine.strategies import STRATEGIES, Action, Signal, Strategy  # noqa: E402
from console.paper import PaperExchange, ReplayFeed  # noqa: E402
from console.paper.routes import ROUTES  # noqa: E402
from console.storage import bots  # noqa: E402
from console.storage.db import Database  # noqa: E402

CANDLES = ROOT.parent / "shared" / "data" / "candles" / "binance_spot_BTCUSDT_1m_2020-05-06.csv"
SYMBOLS = ("BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT", "XRP/USDT")
# above each market's minimum notional, and at least one step of every symbol (SOL futures: 1 SOL)
SIZES = {Market.SPOT: Decimal("15"), Market.FUTURES: Decimal("200")}
BOTS = 50
ROUNDS = 6
WAIT = 6.0  # seconds after a close to collect the orders
ORDER_PATHS = ("/api/v3/order", "/fapi/v1/order")
KLINES = {"/api/v3/klines": ROUTES[("GET", "/api/v3/klines")].weight,
          "/fapi/v1/klines": ROUTES[("GET", "/fapi/v1/klines")].weight}


class Flip(Strategy):
    """BUY when flat, SELL when long: an order at every candle."""

    name = "bench_flip"
    title = "flip"

    def min_candles(self, params) -> int:
        return 1

    def decide(self, candles, params, position, now) -> Signal:
        return Signal(Action.SELL, "flip") if position.is_long else Signal(Action.BUY, "flip")


class ShiftedClock:
    """Real time plus an offset that only grows, shared with the exchange's process if it has one."""

    def __init__(self) -> None:
        self._offset = multiprocessing.Value("d", 0.0, lock=False)

    @property
    def offset(self) -> float:
        return self._offset.value

    @offset.setter
    def offset(self, value: float) -> None:
        self._offset.value = value

    def __call__(self) -> float:
        return time.time() + self._offset.value


def serve(clock: ShiftedClock, seen, ready, stop) -> None:
    """Run the paper exchange until ``stop``; put each order's (arrival, client id) and each klines
    request's weight on ``seen``, and the exchange's URL on ``ready``."""
    feed = ReplayFeed(CANDLES, speed=1, clock=clock)
    exchange = PaperExchange(data_dir=None, feed=feed, clock=clock, enforce_weight_limits=False,
                             starting_balances={"spot": {"USDT": Decimal("100000")},
                                                "futures": {"USDT": Decimal("100000")}})

    def observe(method: str, path: str, params) -> None:
        if method == "POST" and path in ORDER_PATHS:
            seen.put((clock(), params.get("newClientOrderId", "")))
        elif path in KLINES:
            seen.put(KLINES[path])

    exchange.observers.append(observe)
    exchange.start()
    ready.put(exchange.base_url)
    stop.wait()
    exchange.stop()


class Exchange:
    """The paper exchange in this process (as the paper venue runs) or in its own (as Binance is)."""

    def __init__(self, clock: ShiftedClock, separate: bool) -> None:
        ctx = multiprocessing.get_context("fork")
        self._seen, self._stop = (ctx.Queue(), ctx.Event()) if separate else (queue.Queue(), threading.Event())
        ready = ctx.Queue() if separate else queue.Queue()
        args = (clock, self._seen, ready, self._stop)
        self._worker = (ctx.Process(target=serve, args=args, daemon=True) if separate
                        else threading.Thread(target=serve, args=args, daemon=True))
        self._worker.start()
        self.base_url = ready.get(timeout=60)
        self.arrivals: list[tuple[float, str]] = []
        self.klines_weight = 0

    def drain(self) -> None:
        """Take in what the exchange saw so far."""
        while True:
            try:
                item = self._seen.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, tuple):
                self.arrivals.append(item)
            else:
                self.klines_weight += item

    def stop(self) -> None:
        self._stop.set()
        self._worker.join(timeout=30)
        self.drain()


@dataclass
class Run:
    latencies: list[float]  # seconds from a close to each order's arrival
    firsts: list[float]  # each close's earliest order
    expected: int
    weight: float  # klines request weight per minute of the engine's clock
    refused: list[str]  # why each halted bot was halted
    duplicates: int  # orders beyond one per bot and close
    late: int  # orders that arrived more than WAIT after their close
    cpu_per_order: float  # seconds of this process's CPU per order around the closes (load-independent)


def measure(aligned: bool, rng: random.Random, separate: bool) -> Run:
    """Run the 50 bots over ``ROUNDS`` closes with aligned ticks on or off."""
    clock = ShiftedClock()
    clock.offset = (time.time() // 60 + 1) * 60 + 30 - time.time()  # start mid-candle
    with tempfile.TemporaryDirectory() as tmp:
        exchange = Exchange(clock, separate)
        db = Database.open(Path(tmp) / "bench.duckdb", clock=clock)
        pairs = [(m, s) for m in (Market.SPOT, Market.FUTURES) for s in SYMBOLS]
        with db.transaction() as cur:
            for i in range(BOTS):
                market, symbol = pairs[i % len(pairs)]
                bot_id = bots.create(cur, BotConfig(
                    name=f"bot-{i:02d}", symbol=symbol, market=market, timeframe="1m", strategy=Flip.name,
                    params={}, size=SIZES[market], max_trades_per_day=10_000, leverage=1))
                bots.set_state(cur, bot_id, BotState.RUNNING)
        arrivals = exchange.arrivals
        clients = Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=exchange.base_url),
                          clock=clock)
        engine = BotEngine(db, clients, clock=clock, workers=4, aligned=aligned)
        engine.start()
        started = time.time()  # the first decisions (and markets loaded) before the first measured close
        while time.time() - started < 20 and (time.time() - started < WAIT or len(arrivals) < BOTS):
            time.sleep(0.1)
            exchange.drain()
        latencies: list[float] = []
        firsts: list[float] = []
        first_close = (clock() // 60 + 1) * 60
        cpu = 0.0  # this process's CPU time from each close to the end of its WAIT
        weight_before, started = exchange.klines_weight, clock()
        for _ in range(ROUNDS):
            close = (clock() // 60 + 1) * 60
            clock.offset += close - rng.uniform(0.5, 2.5) - clock()  # skip ahead, within the candle
            exchange.drain()
            start, cpu_before = len(arrivals), time.process_time()
            time.sleep(max(0.0, close + WAIT - clock()))
            cpu += time.process_time() - cpu_before
            exchange.drain()
            seen = [t - close for t, _ in arrivals[start:] if t >= close]
            latencies += seen
            firsts += [min(seen)] if seen else []
        minutes = (clock() - started) / 60
        engine.stop()
        exchange.stop()
        weight = exchange.klines_weight - weight_before
        cur = db.cursor()
        refused = [reason for (reason,) in cur.execute(
            "SELECT message FROM events WHERE kind = 'halted' ORDER BY id").fetchall()]
        owners = dict(cur.execute("SELECT client_order_id, bot_id FROM orders").fetchall())
        # a request sent again with the same client id is one order (the exchange refuses the second)
        per_bot = Counter(owners.get(cid, cid) for cid in {cid for t, cid in arrivals if t >= first_close})
        duplicates = sum(max(0, n - ROUNDS) for n in per_bot.values())  # one order per bot and close
        late = sum(per_bot.values()) - len(latencies) - duplicates  # arrived after WAIT (by the stop)
        db.close()
    return Run(latencies, firsts, ROUNDS * BOTS, weight / minutes, refused, duplicates, late,
               cpu / max(1, len(latencies) + late))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    if not CANDLES.is_file():
        sys.exit(f"{CANDLES} is absent: the benchmark replays it (it sits beside the project)")
    STRATEGIES[Flip.name] = Flip()
    separate = "--exchange-process" in sys.argv[1:]
    rng = random.Random(5)
    results = {name: measure(flag, rng, separate) for name, flag in (("aligned", True), ("cycle", False))}
    where = "in its own process (as Binance)" if separate else "in this process (as the paper venue runs)"
    print(f"bots {BOTS}, pairs 10 (5 spot + 5 USD-M, 1m), closes {ROUNDS}, exchange {where}")
    for name, run in results.items():
        lat = run.latencies
        print(f"{name:8s} median {statistics.median(lat):.3f} s, p95 {p95(lat):.3f} s, "
              f"first order {statistics.median(run.firsts):.3f} s, orders {len(lat)}/{run.expected}, "
              f"late {run.late}, refused {len(run.refused)} bots, duplicates {run.duplicates}, "
              f"klines weight {run.weight:.1f}/min, cpu {1000 * run.cpu_per_order:.0f} ms/order")
        for reason, n in Counter(run.refused).items():
            print(f"         halted {n} bot(s): {reason}")
    aligned, cycle = statistics.median(results["aligned"].latencies), statistics.median(results["cycle"].latencies)
    print(f"ratio {aligned / cycle:.2f}")


if __name__ == "__main__":
    main()
