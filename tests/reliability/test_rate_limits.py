"""Rate limits: 200 bots stay under Binance's request-weight limits; a 418 ban halts traffic and trading resumes.

The whole stack runs on one clock the test moves: the paper exchange over real HTTP, its feed, the
DuckDB file, the clients (their retry sleeps, ban gate and order checks) and the engine. The
request weight is read where Binance counts it, at the exchange, for every minute of that clock.
"""
from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import BotConfig, BotState, Market, OrderRequest, Side, Venue
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.engine.recorder import DbJournal, Owner
from console.errors import ExchangeUnavailable
from console.paper import PaperExchange, SyntheticFeed
from console.paper.routes import ROUTES
from console.storage import bots, events, journal
from console.storage.db import Database
from tests.reliability.conftest import Clock, SleepLog, save_figures

WEIGHT_LIMITS = {"spot": 6000, "futures": 2400}  # Binance's request weight per IP per minute
BOTS_SPOT = 120
BOTS_FUTURES = 80
SYMBOLS = ("BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT", "XRP/USDT")
TIMEFRAMES = ("1m", "5m")
CYCLE_SECONDS = 10.0  # of the test's clock per engine cycle
TRADING_MINUTES = 3
BAN_SECONDS = 120
PATHS = {"spot": sorted({path for _, path in ROUTES if path.startswith("/api/")}),
         "futures": sorted({path for _, path in ROUTES if path.startswith("/fapi/")})}


class Stack:
    """Paper exchange, DuckDB file, clients and engine for 200 bots, on one movable clock."""

    def __init__(self, tmp_path: Path) -> None:
        self.clock = Clock()
        # The account holds some of every coin, so no bot's sell leaves an unsellable remainder.
        holdings = {"USDT": Decimal("10000"), "BTC": Decimal("1"), "ETH": Decimal("10"), "BNB": Decimal("50"),
                    "SOL": Decimal("200"), "XRP": Decimal("50000")}
        self.exchange = PaperExchange(feed=SyntheticFeed(seed=5, clock=self.clock), clock=self.clock,
                                      sleep=self.clock.sleep, starting_balances={"spot": holdings})
        self.exchange.start()
        self.db = Database.open(tmp_path / "console.duckdb", clock=self.clock)
        self.sleep = SleepLog(self.clock)
        self.clients = Clients(
            lambda venue, account: Credentials("paper-key", "paper-secret", base_url=self.exchange.base_url),
            clock=self.clock, sleep=self.sleep)
        self.engine = BotEngine(self.db, self.clients, clock=self.clock, workers=4)
        self.peak = {"spot": 0, "futures": 0}
        self.cycles = 0

    def add_bots(self) -> list[int]:
        pairs = [(s, tf) for s in SYMBOLS for tf in TIMEFRAMES]
        ids = []
        with self.db.transaction() as cur:
            for i in range(BOTS_SPOT + BOTS_FUTURES):
                symbol, timeframe = pairs[i % len(pairs)]
                futures = i >= BOTS_SPOT
                config = BotConfig(
                    name=f"bot-{i:03d}", symbol=symbol, timeframe=timeframe, strategy="ma_cross",
                    params={"fast": 2, "slow": 4}, market=Market.FUTURES if futures else Market.SPOT,
                    size=Decimal("50") if futures else Decimal("15"), leverage=4 if futures else 1,
                    max_trades_per_day=1000, max_daily_loss=Decimal("100000"))
                bot_id = bots.create(cur, config)
                bots.set_state(cur, bot_id, BotState.RUNNING)
                ids.append(bot_id)
        return ids

    def cycle(self) -> None:
        """Move the clock one engine cycle, run the cycle, and keep the busiest minute's weight."""
        self.clock.advance(CYCLE_SECONDS)
        self.engine.run_cycle(timeout=300)
        self.cycles += 1
        for market in self.peak:
            self.peak[market] = max(self.peak[market], self.exchange.stats.used_weight(market))

    def requests(self, market: str) -> int:
        """Requests the exchange served on ``market`` so far."""
        return sum(self.exchange.stats.requests(path) for path in PATHS[market])

    def trades(self, market: str) -> int:
        """Trades recorded in DuckDB on ``market``."""
        return self.db.cursor().execute("SELECT count(*) FROM trades WHERE market = ?", [market]).fetchone()[0]

    def close(self) -> None:
        self.engine.stop()
        self.db.close()
        self.exchange.stop()


@pytest.fixture
def stack(tmp_path: Path):
    s = Stack(tmp_path)
    yield s
    s.close()


def test_200_bots_stay_under_the_weight_limits_and_a_ban_halts_then_resumes_trading(stack: Stack):
    bot_ids = stack.add_bots()
    started = time.perf_counter()
    stack.engine.daily_check()
    for _ in range(int(TRADING_MINUTES * 60 / CYCLE_SECONDS)):
        stack.cycle()
    trading_seconds = time.perf_counter() - started
    trades_before_ban = stack.trades("spot") + stack.trades("futures")
    peak_before_ban = dict(stack.peak)

    # The next spot request for candles is answered 418 with Retry-After BAN_SECONDS (Binance bans
    # spot and futures apart). The exchange then forgets the ban at once, so any request that still
    # reaches it during the ban is counted: holding back is the console's own doing.
    stack.exchange.faults.add(path="/api/v3/klines", kind="ban", count=1, seconds=BAN_SECONDS)
    while stack.clients.get(Venue.PAPER, Market.SPOT, "paper").banned_until is None:
        stack.cycle()
        assert stack.cycles < 100, "no spot candle request came to be banned"
    stack.exchange.banned_until.clear()
    banned_at = stack.clock()
    spot_before, futures_before = stack.requests("spot"), stack.requests("futures")
    spot_trades_before = stack.trades("spot")
    ban_cycles = 0
    while stack.clock() + CYCLE_SECONDS < banned_at + BAN_SECONDS - 1:
        stack.cycle()
        ban_cycles += 1
    spot_during, futures_during = stack.requests("spot") - spot_before, stack.requests("futures") - futures_before
    status = {s.bot_id: s for s in stack.engine.status()}
    banned_status = [s for s in status.values() if "418" in s.last_error]
    states_during = {bots.get(stack.db.cursor(), b).state for b in bot_ids}
    ban_events = events.recent(stack.db.cursor(), limit=1000)
    ban_events = ban_events[ban_events["kind"] == "banned"]
    until = stack.clients.get(Venue.PAPER, Market.SPOT, "paper").banned_until
    spot_trades_during_ban = stack.trades("spot") - spot_trades_before

    stack.clock.advance(BAN_SECONDS)
    resumed_at = stack.trades("spot")
    for _ in range(int(2 * 60 / CYCLE_SECONDS)):
        stack.cycle()
    spot_trades_after_ban = stack.trades("spot") - resumed_at
    states_after = {bots.get(stack.db.cursor(), b).state for b in bot_ids}
    halted = Counter(r.reason[:90] for r in bots.list(stack.db.cursor()) if r.state is not BotState.RUNNING)
    errors_after = sum(1 for s in stack.engine.status() if s.last_error)

    figures = {
        "bots (spot / futures)": f"{BOTS_SPOT} / {BOTS_FUTURES}",
        "symbol-timeframe pairs per market": len(SYMBOLS) * len(TIMEFRAMES),
        "engine cycles": stack.cycles,
        "trades before the ban": trades_before_ban,
        "busiest minute, spot weight (limit)": f"{peak_before_ban['spot']} ({WEIGHT_LIMITS['spot']})",
        "busiest minute, futures weight (limit)": f"{peak_before_ban['futures']} ({WEIGHT_LIMITS['futures']})",
        "ban (Retry-After)": f"{BAN_SECONDS} s",
        "cycles during the ban": ban_cycles,
        "spot requests reaching the exchange during the ban": spot_during,
        "futures requests reaching the exchange during the ban": futures_during,
        "spot trades during the ban": spot_trades_during_ban,
        "bots showing the ban in last_error": len(banned_status),
        "ban events logged": len(ban_events),
        "bot states during the ban": sorted(s.value for s in states_during),
        "spot trades in the 2 minutes after the ban": spot_trades_after_ban,
        "bot states after the ban": sorted(s.value for s in states_after),
        "bots with an error after the ban": errors_after,
        "bots not running, by reason": dict(halted),
        "busiest minute overall, spot / futures weight": f"{stack.peak['spot']} / {stack.peak['futures']}",
        "client waits (the clock moved on, nothing waited)": f"{stack.sleep.calls} calls, {stack.sleep.seconds:.1f} s",
        "seconds (trading part)": round(trading_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    save_figures("rate limits", figures)

    assert trades_before_ban > 0
    assert stack.peak["spot"] < WEIGHT_LIMITS["spot"] and stack.peak["futures"] < WEIGHT_LIMITS["futures"]
    assert until is not None
    assert ban_cycles >= 3
    assert spot_during == 0, "nothing is sent to a banned venue"
    assert spot_trades_during_ban == 0
    assert banned_status and "banned" in next(iter(banned_status)).last_error
    assert len(ban_events) >= 1
    assert states_during == {BotState.RUNNING}, "a ban pauses trading; it does not halt the bots"
    assert stack.clients.get(Venue.PAPER, Market.SPOT, "paper").banned_until is None
    assert spot_trades_after_ban > 0, "the bots trade again once the ban is over"
    assert states_after == {BotState.RUNNING}


def test_a_ban_during_start_up_leaves_orders_pending_until_the_ban_ends(stack: Stack):
    client = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    owner = Owner(Venue.PAPER, Market.SPOT, "paper", None)
    stack.exchange.faults.add(path="/api/v3/order", method="POST", kind="reset_after_accept", count=1)
    stack.exchange.faults.add(path="/api/v3/order", method="GET", kind="error_5xx")
    request = OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, quote_quantity=Decimal("20"))
    with pytest.raises(ExchangeUnavailable, match="stays pending"):
        client.place_order(request, journal=DbJournal(stack.db, owner))
    stack.exchange.faults.clear()
    assert len(journal.open_entries(stack.db.cursor())) == 1

    stack.exchange.faults.add(path="/api/v3/order", method="GET", kind="ban", count=1, seconds=BAN_SECONDS)
    engine = BotEngine(stack.db, stack.clients, clock=stack.clock)
    engine.start()  # the pending order can't be looked up: the start goes on, the entry stays open
    running = engine.running
    engine.stop()
    assert running and engine.reconciled == 0
    assert len(journal.open_entries(stack.db.cursor())) == 1

    stack.clock.advance(BAN_SECONDS + 1)
    engine = BotEngine(stack.db, stack.clients, clock=stack.clock)
    engine.start()
    engine.stop()
    assert engine.reconciled == 1
    assert journal.open_entries(stack.db.cursor()) == []


def resting_exit_weight(tmp_path: Path, protected: int) -> tuple[int, float]:
    """Run ``protected`` spot bots that each hold a position under an OCO sell for one minute of
    2 s cycles; return (resting OCO legs, spot weight used in that minute)."""
    clock = Clock()
    exchange = PaperExchange(feed=SyntheticFeed(seed=5, clock=clock), clock=clock, sleep=clock.sleep,
                             enforce_weight_limits=False,
                             starting_balances={"spot": {"USDT": Decimal("100000")}})
    exchange.start()
    db = Database.open(tmp_path / f"console-{protected}.duckdb", clock=clock)
    clients = Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=exchange.base_url),
                      clock=clock, sleep=SleepLog(clock))
    engine = BotEngine(db, clients, clock=clock)
    try:
        with db.transaction() as cur:
            for i in range(protected):
                bot_id = bots.create(cur, BotConfig(
                    name=f"dca-{i:03d}", symbol=SYMBOLS[i % len(SYMBOLS)], timeframe="1m", strategy="dca",
                    params={"interval_hours": 24, "max_entries": 1, "take_profit_pct": 50}, size=Decimal("15"),
                    take_profit_pct=Decimal("5"), stop_loss_pct=Decimal("5")))
                bots.set_state(cur, bot_id, BotState.RUNNING)
        for _ in range(2):  # each bot buys once and rests an OCO exit
            clock.advance(60)
            engine.run_cycle()
        resting = len(journal.open_entries(db.cursor()))
        exchange.stats.reset()
        for _ in range(30):  # one minute
            clock.advance(2)
            engine.run_cycle()
        return resting, exchange.stats.total_weight("spot")
    finally:
        engine.stop()
        db.close()
        exchange.stop()


def test_resting_exits_cost_the_same_weight_for_10_or_25_bots_and_stay_under_the_limit(tmp_path: Path):
    """Open OCO legs are checked through one open-orders request per client every 10 s, not per bot.

    25 protected bots on 5 symbols is as many as Binance allows: each OCO's stop leg counts toward
    MAX_NUM_ALGO_ORDERS, 5 per symbol.
    """
    few_legs, few = resting_exit_weight(tmp_path, 10)
    many_legs, many = resting_exit_weight(tmp_path, 25)
    save_figures("resting exits", {
        "spot weight a minute, 10 bots with resting OCO exits": few,
        "spot weight a minute, 25 bots with resting OCO exits": many,
        "resting OCO legs (10 / 25 bots)": f"{few_legs} / {many_legs}",
        "spot limit": WEIGHT_LIMITS["spot"],
    })
    assert (few_legs, many_legs) == (20, 50)
    assert many <= few * 1.25, "the weight of watching resting exits must not grow with the bots"
    assert many < WEIGHT_LIMITS["spot"] / 4
