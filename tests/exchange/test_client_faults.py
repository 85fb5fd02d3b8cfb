"""Faults on the order path never give a duplicate or a lost order; bans and clock skew are handled."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from console.domain import Market, OrderRequest, OrderStatus, OrderType, Side
from console.errors import Banned, ClockSkew, ExchangeTimeout, ExchangeUnavailable, OrderRejected, RateLimited

ORDER = "/api/v3/order"


def buy(quantity="0.001"):
    return OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, quantity=D(quantity))


def orders_with(venue, client_order_id):
    return [o for o in venue.exchange_orders("spot") if o["clientOrderId"] == client_order_id]


@pytest.mark.parametrize("kind, count", [
    ("timeout_after_accept", 1),
    ("reset_after_accept", 1),
    ("reset_after_accept", 2),
    ("error_5xx", 1),
    ("error_5xx", 3),
    ("reset", 2),
    ("rate_limit", 1),
])
def test_unclear_send_gives_exactly_one_order(make_client, venue, journal, kind, count):
    client = make_client(timeout_ms=300)
    client.balances()
    client.ticker("BTC/USDT")
    venue.faults.add(path=ORDER, method="POST", kind=kind, count=count, seconds=1.0)
    order = client.place_order(buy(), journal=journal)
    assert order.status is OrderStatus.FILLED and order.filled == D("0.001")
    assert len(orders_with(venue, order.client_order_id)) == 1
    assert len(venue.exchange_orders("spot")) == 1
    assert journal.events == [("pending", order.client_order_id), ("resolved", order.client_order_id)]
    assert order.commissions == (("BTC", D("0.000001")),)


def test_order_accepted_but_lookups_failing_stays_pending(make_client, venue, journal):
    client = make_client(timeout_ms=300)
    client.balances()
    client.ticker("BTC/USDT")
    venue.faults.add(path=ORDER, method="POST", kind="reset_after_accept", count=1)
    venue.faults.add(path=ORDER, method="GET", kind="error_5xx")
    with pytest.raises(ExchangeUnavailable, match="stays pending and is reconciled"):
        client.place_order(buy(), journal=journal)
    cid = journal.events[0][1]
    assert journal.events == [("pending", cid)]  # neither resolved nor failed: reconciliation decides
    assert len(orders_with(venue, cid)) == 1
    venue.faults.clear()
    assert client.fetch_order("BTC/USDT", cid).status is OrderStatus.FILLED


def test_order_never_accepted_is_failed_after_the_retries(make_client, venue, journal):
    client = make_client()
    client.balances()
    client.ticker("BTC/USDT")
    venue.faults.add(path=ORDER, method="POST", kind="error_5xx")
    with pytest.raises(ExchangeUnavailable):
        client.place_order(buy(), journal=journal)
    cid = journal.events[0][1]
    assert journal.events == [("pending", cid), ("failed", cid)]
    assert venue.exchange_orders("spot") == []


def test_reads_retry_with_backoff(make_client, venue, fake_time):
    client = make_client()
    venue.faults.add(path="/api/v3/ticker/24hr", kind="error_5xx", count=2)
    assert client.ticker("BTC/USDT").last > 0
    assert fake_time.slept == [0.125, 0.25]  # full jitter at rng 0.5: half of 0.25, then of 0.5


def test_429_waits_retry_after(make_client, venue, fake_time):
    client = make_client()
    venue.faults.add(path="/api/v3/ticker/24hr", kind="rate_limit", count=1, seconds=3)
    client.ticker("BTC/USDT")
    assert fake_time.slept == [3.0]
    venue.faults.add(path="/api/v3/ticker/24hr", kind="rate_limit", seconds=3)
    with pytest.raises(RateLimited):
        client.ticker("BTC/USDT")


def test_418_stops_all_traffic_until_the_ban_ends(make_client, venue, fake_time, journal):
    spot = make_client()
    spot.rules("BTC/USDT")
    venue.faults.add(path="/api/v3/ticker/24hr", kind="ban", count=1, seconds=120)
    with pytest.raises(Banned) as caught:
        spot.ticker("BTC/USDT")
    assert spot.banned_until == caught.value.until
    assert 119 <= caught.value.until.timestamp() - fake_time.now <= 121
    sent = venue.stats.requests()
    for call in (lambda: spot.ticker("BTC/USDT"), spot.balances, lambda: spot.place_order(buy(), journal=journal)):
        with pytest.raises(Banned, match="nothing is sent before then"):
            call()
    other = make_client()  # every client of this venue shares the ban
    with pytest.raises(Banned):
        other.ticker("BTC/USDT")
    assert venue.stats.requests() == sent
    fake_time.now += 121
    venue.banned_until.clear()  # the paper exchange counts its ban on the real clock
    assert spot.banned_until is None
    assert spot.ticker("BTC/USDT").last > 0


def test_clock_skew_resyncs_and_sends_once_more(make_client, venue, journal):
    client = make_client()
    client.balances()
    client.ticker("BTC/USDT")
    venue.faults.add(path=ORDER, method="POST", kind="clock_skew", count=1)
    order = client.place_order(buy(), journal=journal)
    assert order.status is OrderStatus.FILLED and client.transport.resyncs == 1
    assert len(venue.exchange_orders("spot")) == 1
    venue.faults.add(path="/api/v3/account", kind="clock_skew", count=1)
    client.balances(fresh=True)
    assert client.transport.resyncs == 2


@pytest.mark.parametrize("kind", ["timeout_after_accept", "error_5xx", "reset_after_accept"])
def test_unclear_oco_gives_exactly_one_list(make_client, venue, kind, journal):
    client = make_client(timeout_ms=300)
    bought = client.place_order(buy("0.01"), journal=journal)
    venue.faults.add(path="/api/v3/orderList/oco", method="POST", kind=kind, count=1, seconds=1.0)
    oco = client.place_oco_sell("BTC/USDT", bought.filled - bought.commission, D("31000"), D("29000"), journal=journal)
    open_legs = [o for o in venue.exchange_orders("spot") if o["status"] == "NEW"]
    assert sorted(o["clientOrderId"] for o in open_legs) == sorted(
        [oco.take_profit.client_order_id, oco.stop_loss.client_order_id])
    assert {o["orderListId"] for o in open_legs} == {int(oco.list_id)}


@pytest.mark.parametrize("kind", ["reset_after_accept", "error_5xx"])
def test_unclear_futures_order_gives_exactly_one_order(make_client, venue, kind, journal):
    client = make_client(Market.FUTURES)
    client.prepare_futures("BTC/USDT", 5)
    client.ticker("BTC/USDT")
    venue.faults.add(path="/fapi/v1/order", method="POST", kind=kind, count=1)
    order = client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.FUTURES, side=Side.BUY,
                                            quantity=D("0.01")), journal=journal)
    assert order.status is OrderStatus.FILLED
    assert [o["clientOrderId"] for o in venue.exchange_orders("futures")] == [order.client_order_id]


def test_timeouts_on_send_and_lookup_raise_a_timeout_and_keep_it_pending(make_client, venue, journal):
    client = make_client(timeout_ms=200)
    client.balances()
    client.ticker("BTC/USDT")
    venue.faults.add(path=ORDER, method="GET", kind="timeout_after_accept", seconds=0.5)
    venue.faults.add(path=ORDER, method="POST", kind="timeout_after_accept", count=1, seconds=0.5)
    with pytest.raises(ExchangeTimeout, match="stays pending"):
        client.place_order(buy(), journal=journal)
    assert [event for event, _ in journal.events] == ["pending"]
    assert len(venue.exchange_orders("spot")) == 1


def test_clock_skew_that_persists_after_a_resync_is_raised(make_client, venue):
    client = make_client()
    venue.faults.add(path="/api/v3/account", kind="clock_skew", count=2)
    with pytest.raises(ClockSkew, match="sync the system clock"):
        client.balances()


def test_exchange_refusal_is_order_rejected_and_journaled_failed(make_client, venue, journal):
    client = make_client()
    request = OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, type=OrderType.LIMIT_MAKER,
                           quantity=D("0.001"), price=D("31000"))  # above the market: it would take
    with pytest.raises(OrderRejected, match="refused by the exchange"):
        client.place_order(request, journal=journal)
    cid = journal.events[0][1]
    assert journal.events == [("pending", cid), ("failed", cid)]
    loads = venue.stats.requests("/api/v3/exchangeInfo")
    client.rules("BTC/USDT")  # a refusal may mean the filters changed: the rules are reloaded
    assert venue.stats.requests("/api/v3/exchangeInfo") == loads + 1
    assert venue.exchange_orders("spot") == [] or venue.exchange_orders("spot")[0]["status"] in ("REJECTED", "EXPIRED")


def test_cancel_whose_answer_was_lost_reports_the_cancelled_order(make_client, venue, journal):
    client = make_client()
    order = client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY,
                                            type=OrderType.LIMIT, quantity=D("0.001"), price=D("25000")), journal=journal)
    venue.faults.add(path=ORDER, method="DELETE", kind="reset_after_accept", count=1)
    cancelled = client.cancel_order("BTC/USDT", client_order_id=order.client_order_id)
    assert cancelled.status is OrderStatus.CANCELLED and client.open_orders("BTC/USDT") == []
