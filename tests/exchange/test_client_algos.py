"""USD-M conditional (algo) orders through the client: place, list, fetch, cancel, fire, lost answers."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from console.domain import Market, OrderRequest, OrderStatus, OrderType, Side, Venue, WorkingType
from console.errors import InvalidOrder, OrderNotFound
from console.exchange.futures import FuturesClient
from console.exchange.limiter import LIMITS, WeightLimiter
from console.exchange.retry import BanGate

ALGO = "/fapi/v1/algoOrder"


@pytest.fixture
def make_futures(venue, fake_time):
    """A USD-M client on the paper venue with fake time; each order call is given the journal."""

    def build() -> FuturesClient:
        return FuturesClient(Venue.PAPER, base_url=venue.base_url, api_key="paper-key",
                             api_secret="paper-secret", clock=fake_time.clock, sleep=fake_time.sleep,
                             rng=lambda: 0.5, timeout_ms=2_000, ban_gate=BanGate(),
                             limiter=WeightLimiter(LIMITS[Market.FUTURES], clock=fake_time.clock,
                                                   sleep=fake_time.sleep))

    return build


def long_position(client, journal, quantity: str = "0.01"):
    client.prepare_futures("BTC/USDT", 5)
    return client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.FUTURES, side=Side.BUY,
                                           quantity=D(quantity)), journal=journal)


def exit_request(kind: OrderType, trigger: str, quantity: str = "0.01") -> OrderRequest:
    return OrderRequest(symbol="BTC/USDT", market=Market.FUTURES, side=Side.SELL, type=kind, quantity=D(quantity),
                        stop_price=D(trigger), reduce_only=True)


def resting_at_exchange(venue) -> dict[str, dict]:
    with venue.lock:
        return {o.client_algo_id: o.json() for o in venue.futures.algos.open(None)}


def test_exits_rest_reduce_only_for_the_quantity_on_the_chosen_trigger_price(make_futures, venue, journal):
    client = make_futures()
    long_position(client, journal)
    take = client.place_algo(exit_request(OrderType.TAKE_PROFIT_MARKET, "31500.04"), WorkingType.MARK_PRICE,
                             journal=journal)
    stop = client.place_algo(exit_request(OrderType.STOP_MARKET, "28500.01"), WorkingType.CONTRACT_PRICE,
                             journal=journal)
    assert (take.status, take.type, stop.type) == (OrderStatus.OPEN, OrderType.TAKE_PROFIT_MARKET, OrderType.STOP_MARKET)
    # a sell's triggers go up to the tick: the take-profit never sells lower, the stop triggers no later
    assert (take.stop_price, stop.stop_price) == (D("31500.1"), D("28500.1"))
    rows = resting_at_exchange(venue)
    assert {cid: (r["orderType"], r["quantity"], r["reduceOnly"], r["workingType"]) for cid, r in rows.items()} == {
        take.client_order_id: ("TAKE_PROFIT_MARKET", "0.01", True, "MARK_PRICE"),
        stop.client_order_id: ("STOP_MARKET", "0.01", True, "CONTRACT_PRICE")}
    listed = {o.client_order_id: o for o in client.open_algos()}
    assert set(listed) == set(rows) and listed[stop.client_order_id].stop_price == D("28500.1")
    assert {o.client_order_id for o in client.open_algos("BTC/USDT")} == set(rows)
    assert journal.events[-4:] == [("pending", take.client_order_id), ("resolved", take.client_order_id),
                                   ("pending", stop.client_order_id), ("resolved", stop.client_order_id)]


def test_fetch_and_cancel_by_client_algo_id(make_futures, venue, journal):
    client = make_futures()
    long_position(client, journal)
    take = client.place_algo(exit_request(OrderType.TAKE_PROFIT_MARKET, "31500"), journal=journal)
    assert client.fetch_algo("BTC/USDT", take.client_order_id).status is OrderStatus.OPEN
    cancelled = client.cancel_algo("BTC/USDT", take.client_order_id, journal=journal)
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.filled == 0
    assert journal.orders[take.client_order_id].status is OrderStatus.CANCELLED
    assert client.open_algos() == []
    again = client.cancel_algo("BTC/USDT", take.client_order_id, journal=journal)  # a retried cancel
    assert again.status is OrderStatus.CANCELLED
    with pytest.raises(OrderNotFound):
        client.fetch_algo("BTC/USDT", "never-placed")


def test_a_fired_stop_is_the_order_it_placed_with_its_fills_and_pnl(make_futures, venue, journal):
    client = make_futures()
    long_position(client, journal)
    stop = client.place_algo(exit_request(OrderType.STOP_MARKET, "29000"), journal=journal)
    venue.feed.set_price("BTCUSDT", D("28900"))
    fired = client.fetch_algo("BTC/USDT", stop.client_order_id)
    assert (fired.status, fired.type, fired.client_order_id) == (OrderStatus.FILLED, OrderType.STOP_MARKET,
                                                                 stop.client_order_id)
    exchange_fill = venue.exchange_trades("futures")[-1]
    assert fired.exchange_order_id == str(exchange_fill["orderId"]) != stop.exchange_order_id
    assert fired.filled == D("0.01") and sum(f.quantity for f in fired.fills) == D("0.01")
    assert fired.realized_pnl == D(exchange_fill["realizedPnl"]) < 0
    assert fired.commission_asset == "USDT" and fired.commission > 0
    assert client.positions() == []
    # cancelling it now tells what happened instead of failing
    assert client.cancel_algo("BTC/USDT", stop.client_order_id, journal=journal).status is OrderStatus.FILLED


def test_an_exit_already_passed_is_refused_before_sending(make_futures, venue, journal):
    client = make_futures()
    long_position(client, journal)
    sent = venue.stats.requests(ALGO)
    with pytest.raises(InvalidOrder, match="already passed"):
        client.place_algo(exit_request(OrderType.STOP_MARKET, "30500"), journal=journal)
    assert venue.stats.requests(ALGO) == sent and resting_at_exchange(venue) == {}


@pytest.mark.parametrize("kind", ["reset_after_accept", "error_5xx"])
def test_a_lost_answer_is_resolved_by_client_algo_id_never_duplicated(make_futures, venue, journal, kind):
    client = make_futures()
    long_position(client, journal)
    venue.faults.add(path=ALGO, method="POST", kind=kind, count=1)
    stop = client.place_algo(exit_request(OrderType.STOP_MARKET, "29000"), journal=journal)
    assert list(resting_at_exchange(venue)) == [stop.client_order_id]
    assert [e for e in journal.events if e[1] == stop.client_order_id] == [
        ("pending", stop.client_order_id), ("resolved", stop.client_order_id)]
