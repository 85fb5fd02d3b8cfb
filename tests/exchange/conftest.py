"""Fixtures for the exchange client: real Binance rules and a paper exchange over real HTTP."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.domain import Market
from console.exchange.rules import SymbolRules, rules_from_ccxt_market


@pytest.fixture(scope="session")
def exchange_info_dir(shared_data: Path) -> Path:
    return shared_data / "exchange_info"


@pytest.fixture(scope="session")
def ccxt_markets(exchange_info_dir: Path) -> dict[str, dict]:
    return json.loads((exchange_info_dir / "binance_ccxt_markets_from_2025-08-07_exchangeInfo.json").read_text())


@pytest.fixture(scope="session")
def rules(ccxt_markets: dict[str, dict]):
    """rules("BTC/USDT", Market.FUTURES) -> SymbolRules from the real 2025-08-07 markets."""

    def build(symbol: str, market: Market = Market.SPOT) -> SymbolRules:
        key = symbol if market is Market.SPOT else f"{symbol}:{symbol.split('/')[1]}"
        return rules_from_ccxt_market(ccxt_markets[key], market)

    return build


class FakeTime:
    """An injected clock and sleep: sleeping moves the clock, nothing waits for real."""

    def __init__(self) -> None:
        import time

        self.now = time.time()
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class RecordingJournal:
    """An OrderJournal that keeps every call in memory, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.orders: dict[str, object] = {}

    def pending(self, client_order_id, request) -> None:
        self.events.append(("pending", client_order_id))

    def pending_list(self, list_client_order_id, legs) -> None:
        for client_order_id, _ in legs:
            self.events.append(("pending", client_order_id))

    def resolved(self, order) -> None:
        self.events.append(("resolved", order.client_order_id))
        self.orders[order.client_order_id] = order

    def failed(self, client_order_id, error) -> None:
        self.events.append(("failed", client_order_id))


@pytest.fixture(scope="session")
def paper(exchange_info_dir: Path):
    """One paper exchange over real HTTP for the whole session, with the real 2025-08-07 rules."""
    from console.paper import PaperExchange

    exchange = PaperExchange(
        spot_rules=exchange_info_dir / "binance_spot_exchangeInfo_2025-08-07.json",
        futures_rules=exchange_info_dir / "binance_usdm_exchangeInfo_2025-08-07.json",
    )
    exchange.base_url = exchange.start()
    yield exchange
    exchange.stop()


@pytest.fixture
def venue(paper):
    """The paper exchange reset to its starting balances, BTC at 30,000 and ETH at 2,000, no faults."""
    from decimal import Decimal

    paper.faults.clear()
    paper.reset()
    paper.stats.reset()
    paper.banned_until.clear()
    paper.feed.set_price("BTCUSDT", Decimal("30000"))
    paper.feed.set_price("ETHUSDT", Decimal("2000"))
    yield paper
    paper.faults.clear()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def journal() -> RecordingJournal:
    return RecordingJournal()


@pytest.fixture
def make_client(venue, fake_time):
    """make_client(Market.SPOT, **overrides) -> SpotClient (FuturesClient for Market.FUTURES) on the paper
    venue with fake time.

    Every order method takes its journal: tests pass the ``journal`` fixture."""
    from console.domain import Venue
    from console.exchange.factory import client_for
    from console.exchange.limiter import LIMITS, WeightLimiter
    from console.exchange.retry import BanGate

    gate = BanGate()  # shared by this test's clients, as the process-wide one is in the console

    def build(market: Market = Market.SPOT, **overrides):
        options = dict(base_url=venue.base_url, api_key="paper-key", api_secret="paper-secret",
                       clock=fake_time.clock, sleep=fake_time.sleep, rng=lambda: 0.5, timeout_ms=2_000,
                       limiter=WeightLimiter(LIMITS[market], clock=fake_time.clock, sleep=fake_time.sleep),
                       ban_gate=gate)
        options.update(overrides)
        return client_for(Venue.PAPER, market, **options)

    return build
