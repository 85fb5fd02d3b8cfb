"""50 bots on 10 pairs: time from a candle's close to each bot's order arriving at the exchange.

Candle-aligned ticks are measured side by side with the cycle alone (``BotEngine(aligned=False)``:
a bot decides at the first 2 s cycle after the close), each engine running its own loop on a
paper exchange that replays real 1m candles. Every pair is a 1m candle (5 spot and 5 USD-M
symbols); the clock is real time plus an offset that skips ahead, within a candle, to a moment
0.5-2.5 s before its close, so each round measures one close at a random phase of the 2 s cycle.
A bench strategy flips every candle (BUY when flat, SELL when long), so every bot orders at every
close. ``first order`` is the median over closes of the earliest order: the decision's own
delay, before the bots' order placements queue on the engine's workers. The last line reads ``ratio <aligned median / cycle median>``; goals: aligned median
≤ 0.5 s, p95 ≤ 1 s, and klines weight per minute no more than the cycle's.
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
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
SIZES = {Market.SPOT: Decimal("15"), Market.FUTURES: Decimal("150")}  # above each market's minimum notional
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
    """Real time plus an offset that only grows."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def measure(aligned: bool, rng: random.Random) -> tuple[list[float], list[float], int, float]:
    """Latencies (s), each close's first order latency, orders expected, and klines weight per
    minute of the engine's clock."""
    clock = ShiftedClock()
    clock.offset = (time.time() // 60 + 1) * 60 + 30 - time.time()  # start mid-candle
    with tempfile.TemporaryDirectory() as tmp:
        feed = ReplayFeed(CANDLES, speed=1, clock=clock)
        exchange = PaperExchange(data_dir=None, feed=feed, clock=clock, enforce_weight_limits=False,
                                 starting_balances={"spot": {"USDT": Decimal("100000")},
                                                    "futures": {"USDT": Decimal("100000")}})
        exchange.start()
        db = Database.open(Path(tmp) / "bench.duckdb", clock=clock)
        pairs = [(m, s) for m in (Market.SPOT, Market.FUTURES) for s in SYMBOLS]
        with db.transaction() as cur:
            for i in range(BOTS):
                market, symbol = pairs[i % len(pairs)]
                bot_id = bots.create(cur, BotConfig(
                    name=f"bot-{i:02d}", symbol=symbol, market=market, timeframe="1m", strategy=Flip.name,
                    params={}, size=SIZES[market], max_trades_per_day=10_000, leverage=1))
                bots.set_state(cur, bot_id, BotState.RUNNING)
        arrivals: list[float] = []
        klines = [0]

        def observe(method: str, path: str, params) -> None:
            if method == "POST" and path in ORDER_PATHS:
                arrivals.append(clock())
            elif path in KLINES:
                klines[0] += KLINES[path]

        exchange.observers.append(observe)
        clients = Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=exchange.base_url),
                          clock=clock)
        engine = BotEngine(db, clients, clock=clock, workers=4, aligned=aligned)
        engine.start()
        time.sleep(WAIT)  # the first decisions (and markets loaded) before the first measured close
        latencies: list[float] = []
        firsts: list[float] = []
        weight_before, started = klines[0], clock()
        for _ in range(ROUNDS):
            close = (clock() // 60 + 1) * 60
            clock.offset += close - rng.uniform(0.5, 2.5) - clock()  # skip ahead, within the candle
            del arrivals[:]
            time.sleep(max(0.0, close + WAIT - clock()))
            seen = [t - close for t in arrivals if t >= close]
            latencies += seen
            firsts += [min(seen)] if seen else []
        minutes = (clock() - started) / 60
        weight = klines[0] - weight_before
        engine.stop()
        exchange.stop()
        db.close()
    return latencies, firsts, ROUNDS * BOTS, weight / minutes


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    if not CANDLES.is_file():
        sys.exit(f"{CANDLES} is absent: the benchmark replays it (it sits beside the project)")
    STRATEGIES[Flip.name] = Flip()
    rng = random.Random(5)
    results = {name: measure(flag, rng) for name, flag in (("aligned", True), ("cycle", False))}
    print(f"bots {BOTS}, pairs 10 (5 spot + 5 USD-M, 1m), closes {ROUNDS}")
    for name, (lat, firsts, expected, weight) in results.items():
        print(f"{name:8s} median {statistics.median(lat):.3f} s, p95 {p95(lat):.3f} s, "
              f"first order {statistics.median(firsts):.3f} s, orders {len(lat)}/{expected}, "
              f"klines weight {weight:.1f}/min")
    aligned, cycle = statistics.median(results["aligned"][0]), statistics.median(results["cycle"][0])
    print(f"ratio {aligned / cycle:.2f}")


if __name__ == "__main__":
    main()
