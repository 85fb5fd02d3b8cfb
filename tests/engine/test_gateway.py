"""The order gateway against the paper exchange over real HTTP and a real DuckDB.

Manual OCOs are journaled (the list and both legs) before they are sent and found, not sent
again, when the answer is lost; every open entry, a person's or a stopped bot's, is settled in the
next engine cycle; cancelling one leg ends its list; a close of a futures position is each bot's
own order, so the bots stay in step with the account.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from console.domain import BotState, Market, OrderRequest, OrderStatus, OrderType, Side, Venue
from console.engine import positions
from console.engine.recorder import LEGS, LIST, Owner
from console.errors import InvalidOrder, TemporaryError
from console.storage import bots, journal, trades
from tests.engine.conftest import spot_bot

D = Decimal
SPOT, FUTURES = Market.SPOT, Market.FUTURES
OCO_PATH = "/api/v3/orderList/oco"


def owner(market: Market, bot_id: int | None = None) -> Owner:
    return Owner(Venue.PAPER, market, "paper", bot_id)


@pytest.fixture
def btc(stack):
    stack.exchange.feed.set_price("BTCUSDT", D("30000"))
    return stack


def bought(stack, bot_id: int | None = None) -> Decimal:
    order = stack.engine.gateway.place(owner(SPOT, bot_id), OrderRequest(
        symbol="BTC/USDT", market=SPOT, side=Side.BUY, quote_quantity=D("300")))
    return order.filled - order.commission


def oco(stack, quantity: Decimal, bot_id: int | None = None):
    return stack.engine.gateway.place_oco(owner(SPOT, bot_id), "BTC/USDT", quantity, D("31500"), D("28500"))


def legs_at_exchange(stack) -> list[dict]:
    return [o for o in stack.exchange.exchange_orders("spot") if o["orderListId"] != -1]


def next_cycle(stack) -> None:
    stack.clock.advance(11)  # past the open-orders interval: the next listing shows what left the book
    stack.engine.run_cycle()


def test_the_journal_is_required_to_send_an_order(btc):
    client = btc.clients.get(Venue.PAPER, SPOT, "paper")
    with pytest.raises(TypeError, match="journal"):
        client.place_order(OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.BUY, quote_quantity=D("20")))
    assert btc.exchange.exchange_orders("spot") == []


def test_a_manual_oco_whose_answer_is_lost_is_found_and_journaled_not_sent_again(btc):
    held = bought(btc)
    btc.exchange.faults.add(path=OCO_PATH, method="POST", kind="timeout_after_accept", count=1, seconds=0)
    placed = oco(btc, held)
    legs = legs_at_exchange(btc)
    assert len(legs) == 2 and {o["orderListId"] for o in legs} == {int(placed.list_id)}
    assert btc.exchange.stats.requests(OCO_PATH) == 1
    entries = {e.client_order_id: e for e in journal.open_entries(btc.db.cursor())}
    assert set(entries) == {o["clientOrderId"] for o in legs}
    for entry in entries.values():
        assert entry.status is OrderStatus.OPEN and entry.bot_id is None
        assert entry.request[LIST] == placed.list_client_order_id and set(entry.request[LEGS]) == set(entries)


def test_a_manual_oco_whose_answer_and_lookups_are_lost_is_settled_in_the_next_cycle(btc):
    held = bought(btc)
    btc.exchange.faults.add(path=OCO_PATH, method="POST", kind="timeout_after_accept", count=1, seconds=0)
    btc.exchange.faults.add(path="/api/v3/order", method="GET", kind="error_5xx")
    with pytest.raises(TemporaryError, match="stays pending"):
        oco(btc, held)
    pending = journal.open_entries(btc.db.cursor())
    assert [e.status for e in pending] == [OrderStatus.PENDING] * 2  # both legs, journaled before the send
    assert {e.client_order_id for e in pending} == {o["clientOrderId"] for o in legs_at_exchange(btc)}
    btc.exchange.faults.clear()
    next_cycle(btc)
    entries = journal.open_entries(btc.db.cursor())
    assert [e.status for e in entries] == [OrderStatus.OPEN] * 2
    assert len(legs_at_exchange(btc)) == 2 and btc.exchange.stats.requests(OCO_PATH) == 1


def test_a_manual_oco_leg_that_fills_is_recorded_in_the_next_cycle(btc):
    held = bought(btc)
    placed = oco(btc, held)
    next_cycle(btc)  # resting: nothing to record yet
    assert len(journal.open_entries(btc.db.cursor())) == 2
    btc.exchange.feed.set_price("BTCUSDT", D("31600"))  # through the take-profit
    next_cycle(btc)
    sells = [r for r in btc.db.cursor().execute(
        "SELECT client_order_id, bot_id, order_type FROM trades WHERE side = 'sell'").fetchall()]
    assert sells == [(placed.take_profit.client_order_id, None, "limit_maker")]
    assert journal.open_entries(btc.db.cursor()) == []
    assert journal.get(btc.db.cursor(), placed.stop_loss.client_order_id).status is OrderStatus.EXPIRED


def test_a_stopped_bots_oco_fill_is_recorded_in_the_next_cycle(btc):
    bot_id = btc.add_bot(**spot_bot(take_profit_pct=D("5"), stop_loss_pct=D("5")))  # never started
    placed = oco(btc, bought(btc, bot_id), bot_id)
    btc.exchange.feed.set_price("BTCUSDT", placed.stop_loss.stop_price * D("0.998"))  # stop hit, limit reached
    next_cycle(btc)
    history = trades.for_bot(btc.db.cursor(), bot_id)
    assert [(t.side, t.order_type) for t in history] == [(Side.BUY, OrderType.MARKET),
                                                          (Side.SELL, OrderType.STOP_LOSS_LIMIT)]
    record = bots.get(btc.db.cursor(), bot_id)
    assert record.state is BotState.STOPPED
    held = positions.of_bot(btc.db.cursor(), bot_id, record.config)
    assert held.quantity < D("0.00001")  # what the step left behind, below any sellable size
    assert journal.open_entries(btc.db.cursor()) == []


def test_resting_entries_are_settled_with_one_open_orders_request_per_interval(btc):
    bot_id = btc.add_bot(**spot_bot())
    oco(btc, bought(btc))
    oco(btc, bought(btc, bot_id), bot_id)
    btc.exchange.stats.reset()
    listings = btc.engine.gateway.open_orders.fetches
    for _ in range(4):
        btc.clock.advance(2)
        btc.engine.run_cycle()
    assert btc.engine.gateway.open_orders.fetches - listings == 1
    assert btc.exchange.stats.requests("/api/v3/order") == 0  # no leg looked up one by one
    assert len(journal.open_entries(btc.db.cursor())) == 4


def test_cancelling_one_leg_ends_its_list_and_journals_both_legs_done(btc):
    placed = oco(btc, bought(btc))
    gateway = btc.engine.gateway
    ended = gateway.cancel(Venue.PAPER, SPOT, "paper", "BTC/USDT", placed.stop_loss.client_order_id)
    assert sorted(o.client_order_id for o in ended) == sorted(
        [placed.take_profit.client_order_id, placed.stop_loss.client_order_id])
    assert all(o.status is OrderStatus.CANCELLED for o in ended)
    assert journal.open_entries(btc.db.cursor()) == []
    assert btc.exchange.stats.requests("/api/v3/orderList") == 1  # the list, once; no leg answered -2011
    assert [o for o in btc.exchange.exchange_orders("spot") if o["status"] == "NEW"] == []


def test_a_futures_close_is_each_bots_own_order_and_the_rest_is_manual(btc):
    gateway = btc.engine.gateway
    client = btc.clients.get(Venue.PAPER, FUTURES, "paper")
    client.prepare_futures("BTC/USDT", 2)
    ids = [btc.add_bot(**spot_bot(name=f"perp {i}", market=FUTURES, leverage=2, allow_short=True)) for i in (1, 2)]
    for who, quantity in ((ids[0], "0.032"), (ids[1], "0.032"), (None, "0.064")):
        gateway.place(owner(FUTURES, who), OrderRequest(symbol="BTC/USDT", market=FUTURES, side=Side.SELL,
                                                        quantity=D(quantity)))
    assert [p.quantity for p in client.positions()] == [D("-0.128")]
    closed = gateway.close_futures(Venue.PAPER, "paper", "BTC/USDT")
    assert [(c.bot_id, c.order.side, c.order.filled) for c in closed] == [
        (ids[0], Side.BUY, D("0.032")), (ids[1], Side.BUY, D("0.032")), (None, Side.BUY, D("0.064"))]
    assert all(c.order.reduce_only for c in closed)  # the account's short covered every close
    assert client.positions() == []
    cur = btc.db.cursor()
    for bot_id in ids:
        assert positions.of_bot(cur, bot_id, bots.get(cur, bot_id).config).quantity == 0
    with pytest.raises(InvalidOrder, match="no open BTC/USDT futures position"):
        gateway.close_futures(Venue.PAPER, "paper", "BTC/USDT")


def test_clients_are_built_per_market_and_orders_of_the_other_market_are_refused_by_name(btc):
    from console.exchange.futures import FuturesClient
    from console.exchange.spot import SpotClient

    spot, perp = btc.clients.spot(Venue.PAPER, "paper"), btc.clients.futures(Venue.PAPER, "paper")
    assert type(spot) is SpotClient and type(perp) is FuturesClient
    assert btc.clients.get(Venue.PAPER, SPOT, "paper") is spot
    gateway = btc.engine.gateway
    with pytest.raises(InvalidOrder, match="OCO orders are spot only"):
        gateway.place_oco(owner(FUTURES), "BTC/USDT", D("0.01"), D("31500"), D("28500"))
    with pytest.raises(InvalidOrder, match="apply to USD-M futures"):
        gateway.place_algo(owner(SPOT), OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.SELL,
                                                     type=OrderType.STOP_MARKET, quantity=D("0.01"),
                                                     stop_price=D("28500")))
    assert btc.exchange.exchange_orders("spot") == [] and btc.exchange.exchange_orders("futures") == []
    assert journal.open_entries(btc.db.cursor()) == []
