"""Fault campaign: 1,000 order intents through the engine's order path while the exchange misbehaves.

Every intent goes through ``BinanceClient.place_order`` with a ``DbJournal`` over a DuckDB file,
as a bot's or a person's order does, against the paper exchange over real HTTP. A fifth of the
order requests time out after the exchange accepted them; a few per cent each are dropped before
or after being accepted, answered 503 or answered 429. Order lookups fail now and then too.

What must hold: no client order id is placed twice, every fill at the exchange is recorded in
DuckDB exactly once with the same quantity, and every journal entry ends final. An intent that
fails with a clear error is either absent from the exchange or recorded after a reconcile pass.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import BotConfig, Market, OrderRequest, OrderStatus, Side, Venue
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.engine.reconcile import settle
from console.engine.recorder import DbJournal, Owner
from console.errors import ConsoleError
from console.exchange.factory import client_for
from console.exchange.spot import SpotClient
from console.exchange.limiter import LIMITS, WeightLimiter
from console.exchange.retry import BanGate, RetryPolicy
from console.paper import PaperExchange, ReplayFeed, SyntheticFeed
from console.storage import bots, journal
from console.storage.db import Database
from tests.reliability.conftest import (
    Clock,
    CountingFaults,
    SkippedTime,
    SleepLog,
    compare_fills,
    fills_by_order,
    recorded_by_order,
    save_figures,
)

SPOT_INTENTS = 700
FUTURES_INTENTS = 300
EXHAUSTED_INTENTS = 20
WORKERS = 4
CLIENT_TIMEOUT_MS = 250
HOLD_SECONDS = 0.3  # a timed-out order request is held until the client gives up, at most this long
ORDER_PATHS = {Market.SPOT: "/api/v3/order", Market.FUTURES: "/fapi/v1/order"}
# Share of order requests (POST) given each fault; the rest are answered normally.
SEND_FAULTS = (("timeout_after_accept", 0.20), ("reset_after_accept", 0.03), ("reset", 0.03),
               ("error_5xx", 0.03), ("rate_limit", 0.03))
# Share of order lookups (GET by client order id) that fail.
LOOKUP_FAULTS = (("error_5xx", 0.03), ("reset", 0.02))

# (symbol, buy amount, sell quantity): spot buys spend a quote amount, futures buy a quantity.
SPOT_PAIRS = (("BTC/USDT", Decimal("20"), Decimal("0.0004")), ("ETH/USDT", Decimal("20"), Decimal("0.008")))
FUTURES_PAIRS = (("ETH/USDT", Decimal("0.01"), Decimal("0.01")), ("BNB/USDT", Decimal("0.05"), Decimal("0.05")))


def add_faults(faults: CountingFaults, path: str, method: str, shares: tuple[tuple[str, float], ...],
               seed: int) -> None:
    """Add faults so that each kind hits its share of matching requests (the first match wins)."""
    remaining = 1.0
    for offset, (kind, share) in enumerate(shares):
        faults.add(path=path, kind=kind, method=method, rate=share / remaining, seconds=HOLD_SECONDS,
                   seed=seed + offset)
        remaining -= share


def intents() -> list[OrderRequest]:
    """Market buys and sells in turn, spot and futures shuffled together, each with its own client id."""
    out = []
    for i in range(SPOT_INTENTS):
        symbol, amount, quantity = SPOT_PAIRS[i % 2]
        side = Side.BUY if (i // 2) % 2 == 0 else Side.SELL
        out.append(OrderRequest(symbol=symbol, market=Market.SPOT, side=side, client_order_id=f"fault-s{i:05d}",
                                quote_quantity=amount if side is Side.BUY else None,
                                quantity=quantity if side is Side.SELL else None))
    for i in range(FUTURES_INTENTS):
        symbol, buy, sell = FUTURES_PAIRS[i % 2]
        side = Side.BUY if (i // 2) % 2 == 0 else Side.SELL
        out.append(OrderRequest(symbol=symbol, market=Market.FUTURES, side=side, client_order_id=f"fault-f{i:05d}",
                                quantity=buy if side is Side.BUY else sell))
    random.Random(7).shuffle(out)
    return out


@pytest.fixture
def venue(tmp_path: Path):
    exchange = PaperExchange(
        data_dir=tmp_path / "paper", feed=SyntheticFeed(seed=11),
        starting_balances={"spot": {"USDT": Decimal("1000000"), "BTC": Decimal("10"), "ETH": Decimal("200")},
                           "futures": {"USDT": Decimal("1000000")}},
        enforce_weight_limits=False)
    exchange.faults = CountingFaults()
    exchange.start()
    yield exchange
    exchange.stop()


def test_order_intents_under_faults_are_never_duplicated_lost_or_doubled(venue: PaperExchange, tmp_path: Path):
    """Binance's order-count limits (spot 100 per 10 s) are counted by each client's limiter on a
    clock that jumps instead of waiting, and the exchange does not enforce request weight here (the
    rate-limit campaign measures it), so the campaign takes seconds rather than minutes."""
    db = Database.open(tmp_path / "console.duckdb")
    sleep = SleepLog()
    limiter_time = SkippedTime()
    gate = BanGate()
    clients = {market: client_for(
        Venue.PAPER, market, base_url=venue.base_url, api_key="paper-key", api_secret="paper-secret",
        sleep=sleep, rng=random.Random(3).random, timeout_ms=CLIENT_TIMEOUT_MS, ban_gate=gate,
        retry=RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.5),
        limiter=WeightLimiter(LIMITS[market], clock=limiter_time.clock, sleep=limiter_time.sleep))
        for market in Market}
    for market, pairs in ((Market.SPOT, SPOT_PAIRS), (Market.FUTURES, FUTURES_PAIRS)):
        client = clients[market]
        client.balances()
        for symbol, _, _ in pairs:
            client.ticker(symbol)
    faults: CountingFaults = venue.faults  # type: ignore[assignment]
    for n, path in enumerate(ORDER_PATHS.values()):
        add_faults(faults, path, "POST", SEND_FAULTS, seed=100 * n)
        add_faults(faults, path, "GET", LOOKUP_FAULTS, seed=100 * n + 50)

    requests = intents()
    outcomes: dict[str, str] = {}

    def send(request: OrderRequest) -> None:
        owner = Owner(Venue.PAPER, request.market, "paper", None)
        try:
            clients[request.market].place_order(request, journal=DbJournal(db, owner))
            outcomes[request.client_order_id] = "placed"
        except ConsoleError as e:
            outcomes[request.client_order_id] = type(e).__name__

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(send, requests))
    faults.clear()
    # Intents whose retries run out: never accepted (every send answered 503), or accepted while
    # every lookup fails (the entry stays pending until the reconcile pass).
    for i in range(EXHAUSTED_INTENTS):
        market = Market.SPOT if i % 2 == 0 else Market.FUTURES
        accepted = (i // 2) % 2 == 1
        path = ORDER_PATHS[market]
        if accepted:
            faults.add(path=path, method="POST", kind="reset_after_accept", count=1)
            faults.add(path=path, method="GET", kind="error_5xx")
        else:
            faults.add(path=path, method="POST", kind="error_5xx")
        symbol, amount, _ = (SPOT_PAIRS if market is Market.SPOT else FUTURES_PAIRS)[0]
        request = OrderRequest(symbol=symbol, market=market, side=Side.BUY, client_order_id=f"fault-x{i:05d}",
                               quote_quantity=amount if market is Market.SPOT else None,
                               quantity=amount if market is Market.FUTURES else None)
        requests.append(request)
        send(request)
        faults.clear()
    seconds = time.perf_counter() - started

    weight = {m: venue.stats.used_weight(m) for m in ("spot", "futures")}
    cur = db.cursor()
    open_before = journal.open_entries(cur)
    # The reconcile pass of the next start: fresh clients, as after a restart a minute later (the
    # exchange's weight counter starts afresh; otherwise the new limiter rightly waits for the minute).
    venue.stats.reset()
    reconciled = settle(db, Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=venue.base_url)))
    open_after = journal.open_entries(cur)
    statuses = Counter(row[0] for row in cur.execute("SELECT status FROM orders").fetchall())
    journaled = {row[0] for row in cur.execute("SELECT client_order_id FROM orders").fetchall()}

    intent_ids = {r.client_order_id for r in requests}
    at_exchange: Counter[str] = Counter()
    lost = extra = mismatched = doubled = fills = 0
    for market in ("spot", "futures"):
        at_exchange.update(o["clientOrderId"] for o in venue.exchange_orders(market))
        exchange_fills = fills_by_order(venue.exchange_trades(market))
        recorded, twice = recorded_by_order(cur, market)
        diff = compare_fills(exchange_fills, recorded)
        lost, extra, mismatched = lost + diff["lost"], extra + diff["extra"], mismatched + diff["quantity_mismatch"]
        doubled += twice
        fills += len(venue.exchange_trades(market))
    duplicates = sum(n - 1 for n in at_exchange.values() if n > 1)
    strangers = sum(1 for cid in at_exchange if cid not in intent_ids)
    failed = {cid: kind for cid, kind in outcomes.items() if kind != "placed"}
    failed_at_exchange = [cid for cid in failed if at_exchange[cid]]
    recorded_ids = Counter(row[0] for row in cur.execute("SELECT client_order_id FROM trades").fetchall())
    failed_recorded = [cid for cid in failed_at_exchange if recorded_ids[cid] == 1]
    placed_once = sum(1 for cid, kind in outcomes.items() if kind == "placed" and at_exchange[cid] == 1)

    figures = {
        "intents": len(requests),
        "spot / futures / retries-exhausted intents": f"{SPOT_INTENTS} / {FUTURES_INTENTS} / {EXHAUSTED_INTENTS}",
        "placed": len(outcomes) - len(failed),
        "failed with a clear error": dict(Counter(failed.values())),
        "failed but at the exchange": len(failed_at_exchange),
        "  of those recorded after reconcile": len(failed_recorded),
        "orders at the exchange": sum(at_exchange.values()),
        "duplicate orders (same client id)": duplicates,
        "orders not from an intent": strangers,
        "exchange fills": fills,
        "fills lost": lost,
        "fills doubled": doubled,
        "recorded trades not at the exchange": extra,
        "quantity mismatches": mismatched,
        "journal entries open before reconcile": len(open_before),
        "trades recorded by reconcile": reconciled,
        "journal entries open after reconcile": len(open_after),
        "journal statuses": dict(statuses),
        "faults applied": dict(sorted(faults.applied.items())),
        "retry sleeps asked (not waited)": f"{sleep.calls} calls, {sleep.seconds:.1f} s",
        "order-count limiter waits (skipped)": limiter_time.calls,
        "spot / futures weight used in the campaign's last minute": f"{weight['spot']} / {weight['futures']}",
        "seconds": round(seconds, 1),
    }
    save_figures("fault campaign", figures)
    db.close()

    assert len(requests) >= 1000 + EXHAUSTED_INTENTS
    assert sum(v for k, v in faults.applied.items() if k.endswith("POST /api/v3/order timeout_after_accept")
               or k.endswith("POST /fapi/v1/order timeout_after_accept")) >= 0.15 * len(requests)
    assert duplicates == 0 and strangers == 0
    assert placed_once == len(outcomes) - len(failed), "every placed intent is exactly one exchange order"
    assert lost == 0 and doubled == 0 and extra == 0 and mismatched == 0
    assert open_after == []
    assert all(OrderStatus(s).is_final for s in statuses)
    assert journaled <= intent_ids
    assert failed_recorded == failed_at_exchange, "a failed intent that reached the exchange is recorded"
    assert len(failed) >= EXHAUSTED_INTENTS // 2 and len(failed_at_exchange) >= EXHAUSTED_INTENTS // 4
    assert len(outcomes) - len(failed) >= 0.9 * (len(requests) - EXHAUSTED_INTENTS)


def test_an_oco_whose_answer_is_lost_is_still_recorded_when_a_leg_fills(shared_data: Path, tmp_path: Path):
    """A bot's protective OCO sell is accepted but the answer and every lookup fail: its legs must
    already be in the journal, so the fill of a leg is recorded once the exchange answers again."""
    clock = Clock()
    feed = ReplayFeed(shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv", speed=1, clock=clock)
    exchange = PaperExchange(data_dir=tmp_path / "paper", feed=feed, clock=clock, sleep=clock.sleep)
    exchange.faults = CountingFaults()
    exchange.start()
    db = Database.open(tmp_path / "console.duckdb", clock=clock)
    clients = Clients(lambda v, a: Credentials("paper-key", "paper-secret", base_url=exchange.base_url),
                      clock=clock, sleep=SleepLog(clock))
    engine = BotEngine(db, clients, clock=clock)
    try:
        with db.transaction() as cur:
            bot_id = bots.create(cur, BotConfig(
                name="protected", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross",
                params={"fast": 3, "slow": 8}, size=Decimal("100"),
                take_profit_pct=Decimal("0.5"), stop_loss_pct=Decimal("0.5")))
        engine.start_bot(bot_id)
        faults: CountingFaults = exchange.faults  # type: ignore[assignment]
        faults.add(path="/api/v3/orderList/oco", method="POST", kind="reset_after_accept", count=1)
        faults.add(path="/api/v3/order", method="GET", kind="error_5xx")
        cycles = 0
        while not faults.applied["POST /api/v3/orderList/oco reset_after_accept"]:
            clock.advance(3600)
            engine.run_cycle()
            cycles += 1
            assert cycles < 200, "the bot never bought, so no OCO was sent"
        faults.clear()
        legs_at_exchange = [o for o in exchange.exchange_orders("spot") if o["orderListId"] != -1]
        for _ in range(60):
            clock.advance(3600)
            engine.run_cycle()
        cur = db.cursor()
        recorded, doubled = recorded_by_order(cur, "spot")
        diff = compare_fills(fills_by_order(exchange.exchange_trades("spot")), recorded)
        leg_ids = {o["clientOrderId"] for o in legs_at_exchange}
        journaled_legs = cur.execute(
            f"SELECT count(*) FROM orders WHERE client_order_id IN ({', '.join('?' for _ in leg_ids)})",
            list(leg_ids)).fetchone()[0]
        save_figures("lost OCO answer", {
            "OCO legs at the exchange": len(legs_at_exchange),
            "of those in the journal": journaled_legs,
            "exchange fills": len(exchange.exchange_trades("spot")),
            "fills lost": diff["lost"], "fills doubled": doubled,
            "quantity mismatches": diff["quantity_mismatch"],
        })
        assert len(legs_at_exchange) == 2 and journaled_legs == 2
        assert len(exchange.exchange_trades("spot")) >= 2, "the bought BTC left again"
        assert diff == {"lost": 0, "extra": 0, "quantity_mismatch": 0} and doubled == 0
    finally:
        engine.stop()
        db.close()
        exchange.stop()


def test_an_order_request_delayed_past_the_client_timeout_is_placed_once(tmp_path: Path):
    """The exchange takes the order request only after the client gave up waiting for it.

    The exchange's injected sleep is the delay: it holds the first order request until the client
    has given up on it (timed out, looked the order up, sent it again), then lets it land. The
    exchange runs on the wall clock, as the client's signatures and socket timeout do, so the late
    request is older than its recvWindow when it lands, and is refused.
    """
    gave_up = threading.Event()
    held: list[threading.Thread] = []

    def until_the_client_gave_up(seconds: float) -> None:
        held.append(threading.current_thread())
        gave_up.wait(timeout=60)

    exchange = PaperExchange(feed=SyntheticFeed(seed=11), sleep=until_the_client_gave_up)
    exchange.start()
    client = SpotClient(Venue.PAPER, base_url=exchange.base_url, api_key="paper-key",
                        api_secret="paper-secret", timeout_ms=CLIENT_TIMEOUT_MS, sleep=SleepLog(),
                        ban_gate=BanGate())
    db = Database.open(":memory:")
    try:
        client.balances()
        client.ticker("BTC/USDT")
        exchange.faults.add(path=ORDER_PATHS[Market.SPOT], method="POST", kind="latency", count=1, seconds=0.6)
        request = OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, quote_quantity=Decimal("20"),
                               client_order_id="slow-request-1")
        try:
            client.place_order(request, journal=DbJournal(db, Owner(Venue.PAPER, Market.SPOT, "paper", None)))
        except ConsoleError:
            pass
        gave_up.set()  # the delayed request lands now
        for thread in held:
            thread.join(timeout=60)
        assert len(held) == 1 and not held[0].is_alive(), "the delayed request was handled"
        placed = [o for o in exchange.exchange_orders("spot") if o["clientOrderId"] == "slow-request-1"]
        assert len(placed) == 1
    finally:
        gave_up.set()
        db.close()
        exchange.stop()
