"""The kill switch in the states it exists for, against the paper exchange over real HTTP and a real DuckDB.

Each test builds the state through the order gateway, as bots and the ticket do: OCO sells resting
on several symbols (bots' and a person's), futures positions of bots on both sides (on different
symbols, and two bots on one symbol) plus a person's, limit orders resting on both markets and a
bot's conditional stop-loss. After a press nothing may be left: no open order, no futures position,
every bot stopped and flat by its own trades, no journal entry open; and the report says so.
"""
from __future__ import annotations

import threading
from decimal import Decimal

from console.domain import BotState, Market, OrderRequest, OrderType, Side, Venue
from console.engine import positions
from console.engine.kill_switch import KillReport, KillSwitch
from console.engine.recorder import Owner
from console.storage import bots, journal, trades
from tests.engine.conftest import spot_bot

D = Decimal
SPOT, FUTURES = Market.SPOT, Market.FUTURES
PRICES = {"BTCUSDT": D("30000"), "ETHUSDT": D("2000")}


def owner(market: Market, bot_id: int | None = None) -> Owner:
    return Owner(Venue.PAPER, market, "paper", bot_id)


def kill_switch(stack) -> KillSwitch:
    return KillSwitch(stack.engine, stack.db, stack.clients, lambda: [(Venue.PAPER, "paper")])


def client(stack, market: Market):
    return stack.clients.get(Venue.PAPER, market, "paper")


def buy_and_protect(stack, bot_id: int | None, symbol: str, quote: str) -> None:
    """A spot buy of ``quote`` USDT and an OCO sell of what was received, 5 % either side."""
    gateway = stack.engine.gateway
    bought = gateway.place(owner(SPOT, bot_id), OrderRequest(symbol=symbol, market=SPOT, side=Side.BUY,
                                                             quote_quantity=D(quote)))
    base = symbol.split("/")[0]
    received = bought.filled - sum((a for asset, a in bought.commissions if asset == base), D(0))
    price = bought.average_price
    gateway.place_oco(owner(SPOT, bot_id), symbol, received, price * D("1.05"), price * D("0.95"))


def futures(stack, bot_id: int | None, symbol: str, side: Side, quantity: str) -> None:
    client(stack, FUTURES).prepare_futures(symbol, 2)
    stack.engine.gateway.place(owner(FUTURES, bot_id), OrderRequest(symbol=symbol, market=FUTURES, side=side,
                                                                    quantity=D(quantity)))


def arrange(stack) -> dict[str, int]:
    """The trader's state: protection resting, positions open, limit orders waiting, bots running."""
    for symbol, price in PRICES.items():
        stack.exchange.feed.set_price(symbol, price)
    ids = {
        "spot btc": stack.add_bot(**spot_bot(name="spot btc")),
        "spot eth": stack.add_bot(**spot_bot(name="spot eth", symbol="ETH/USDT")),
        "long btc": stack.add_bot(**spot_bot(name="long btc", market=FUTURES, leverage=2, allow_short=True)),
        "short btc": stack.add_bot(**spot_bot(name="short btc", market=FUTURES, leverage=2, allow_short=True)),
        "short eth": stack.add_bot(**spot_bot(name="short eth", symbol="ETH/USDT", market=FUTURES, leverage=2,
                                              allow_short=True)),
    }
    buy_and_protect(stack, ids["spot btc"], "BTC/USDT", "300")
    buy_and_protect(stack, ids["spot eth"], "ETH/USDT", "200")
    buy_and_protect(stack, None, "BTC/USDT", "150")  # a person's own OCO on the same symbol
    futures(stack, ids["long btc"], "BTC/USDT", Side.BUY, "0.01")  # two bots on one symbol, both sides
    futures(stack, ids["short btc"], "BTC/USDT", Side.SELL, "0.004")
    futures(stack, ids["short eth"], "ETH/USDT", Side.SELL, "0.1")  # short on another symbol
    futures(stack, None, "ETH/USDT", Side.BUY, "0.05")  # a person's long under it: the account is short 0.05
    gateway = stack.engine.gateway
    gateway.place(owner(SPOT), OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.BUY, type=OrderType.LIMIT,
                                            quantity=D("0.001"), price=D("25000")))
    gateway.place(owner(FUTURES), OrderRequest(symbol="BTC/USDT", market=FUTURES, side=Side.BUY,
                                               type=OrderType.LIMIT, quantity=D("0.004"), price=D("29000")))
    gateway.place_algo(owner(FUTURES, ids["long btc"]), OrderRequest(
        symbol="BTC/USDT", market=FUTURES, side=Side.SELL, type=OrderType.STOP_MARKET, quantity=D("0.01"),
        stop_price=D("27000"), reduce_only=True))
    for bot_id in ids.values():
        stack.engine.start_bot(bot_id)
    assert len(client(stack, SPOT).open_orders()) == 7 and len(client(stack, FUTURES).open_orders()) == 1
    assert {p.symbol: p.quantity for p in client(stack, FUTURES).positions()} == {
        "BTC/USDT": D("0.006"), "ETH/USDT": D("-0.05")}
    return ids


def assert_nothing_left(stack) -> None:
    spot, perp = client(stack, SPOT), client(stack, FUTURES)
    assert spot.open_orders() == [] and perp.open_orders() == [] and perp.open_algos() == []
    assert perp.positions() == []
    cur = stack.db.cursor()
    assert journal.open_entries(cur) == []
    for record in bots.list(cur):
        assert record.state is BotState.STOPPED
        held = positions.of_bot(cur, record.id, record.config)
        c = spot if record.config.market is SPOT else perp
        assert positions.is_dust(held.quantity, c.reference_price(record.config.symbol),
                                 c.rules(record.config.symbol)), f"{record.config.name} still holds {held.quantity}"


def close_orders_by_bot(stack) -> dict[int | None, int]:
    """How many futures market orders each owner sent after the set-up (the closes)."""
    rows = stack.db.cursor().execute(
        "SELECT bot_id, count(*) FROM trades WHERE market = 'futures' GROUP BY bot_id").fetchall()
    return {bot_id: n for bot_id, n in rows}


def test_one_press_cancels_every_order_closes_every_position_and_sells_the_bots_spot(stack):
    arrange(stack)
    report = kill_switch(stack).press(sell_spot=True)
    assert report.complete, report.standing
    assert_nothing_left(stack)
    done = "\n".join(report.done)
    assert "stopped 5 bot(s)" in done
    assert done.count("cancelled OCO") == 3  # as lists: no leg answered "unknown order"
    assert "cancelled buy limit 0.001 BTC/USDT @ 25000 (spot)" in done
    assert "cancelled buy limit 0.004 BTC/USDT @ 29000 (futures)" in done
    assert "cancelled sell stop market 0.01 BTC/USDT stop 27000 (futures)" in done
    assert "closed BTC/USDT futures position of bot long btc: sell 0.01 BTC/USDT" in done
    assert "closed BTC/USDT futures position of bot short btc: buy 0.004 BTC/USDT" in done
    assert "closed ETH/USDT futures position of bot short eth: buy 0.1 ETH/USDT" in done
    assert "closed the rest of the ETH/USDT futures position: sell 0.05 ETH/USDT (manual)" in done
    assert "bot 'spot btc' held (BTC/USDT, spot)" in done and "bot 'spot eth' held (ETH/USDT, spot)" in done
    bought_by_hand = client(stack, SPOT).balances(fresh=True).get("BTC")
    assert bought_by_hand is not None and bought_by_hand.free > 0  # the person's own BTC stays


def test_closes_are_each_bots_own_so_started_bots_claim_nothing(stack):
    ids = arrange(stack)
    kill_switch(stack).press()
    for bot_id in ids.values():
        stack.engine.start_bot(bot_id)
    before = close_orders_by_bot(stack)
    stack.engine.run_cycle()
    assert client(stack, FUTURES).positions() == []
    assert close_orders_by_bot(stack) == before  # no bot closes again what the kill switch closed


def test_a_5xx_and_a_lost_answer_in_the_middle_are_retried_and_nothing_is_doubled(stack):
    ids = arrange(stack)
    faults = stack.exchange.faults
    faults.add(path="/api/v3/orderList", method="DELETE", kind="error_5xx", count=6)  # beyond one client retry run
    faults.add(path="/fapi/v1/order", method="POST", kind="timeout_after_accept", count=1, seconds=0)
    faults.add(path="/fapi/v2/positionRisk", kind="error_5xx", count=5)
    report = kill_switch(stack).press(sell_spot=True)
    assert report.complete, report.standing
    assert_nothing_left(stack)
    assert stack.exchange.stats.requests("/api/v3/orderList") >= 3 + 6
    closes = close_orders_by_bot(stack)  # one open and one close per bot, however the answers went
    assert closes[ids["long btc"]] == closes[ids["short btc"]] == closes[ids["short eth"]] == 2


def test_it_goes_on_past_a_failure_and_says_what_still_stands(stack):
    ids = arrange(stack)
    stack.exchange.faults.add(path="/api/v3/orderList", method="DELETE", kind="error_5xx")  # until cleared
    report = kill_switch(stack).press(sell_spot=True)
    assert not report.complete
    assert client(stack, FUTURES).positions() == [] and client(stack, FUTURES).open_orders() == []
    assert client(stack, SPOT).open_orders(), "the OCOs could not be cancelled"
    standing = "\n".join(str(s) for s in report.standing)
    assert "limit maker" in standing and "is still open" in standing
    assert "cancelling OCO" in standing and "unavailable" in standing and "press the kill switch again" in standing
    assert "bot 'spot btc' still holds" in standing and "not settled" not in standing
    cur = stack.db.cursor()
    assert all(bots.get(cur, i).state is BotState.STOPPED for i in ids.values())

    stack.exchange.faults.clear()
    again = kill_switch(stack).press(sell_spot=True)
    assert again.complete, again.standing
    assert_nothing_left(stack)


def test_two_presses_at_once_double_nothing(stack):
    ids = arrange(stack)
    switch = kill_switch(stack)
    start = threading.Barrier(2)
    reports: list[KillReport] = []

    def press() -> None:
        start.wait()
        reports.append(switch.press(sell_spot=True))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(reports) == 2 and all(r.complete for r in reports)
    assert sum(r.waited for r in reports) <= 1
    assert_nothing_left(stack)
    closes = close_orders_by_bot(stack)
    assert closes[ids["long btc"]] == closes[ids["short btc"]] == closes[ids["short eth"]] == 2
    done = [line for r in reports for line in r.done]
    assert sum("of bot long btc:" in line for line in done) == 1
    assert sum(line.startswith("cancelled OCO") for line in done) == 3


def test_a_press_with_nothing_open_only_stops_the_bots(stack):
    bot_id = stack.add_bot(**spot_bot())
    stack.engine.start_bot(bot_id)
    report = kill_switch(stack).press()
    assert report.complete and report.done == ("stopped 1 bot(s)",)
    assert bots.get(stack.db.cursor(), bot_id).state is BotState.STOPPED


def test_without_selling_spot_the_bots_spot_holdings_stay(stack):
    ids = arrange(stack)
    report = kill_switch(stack).press()
    assert report.complete, report.standing
    cur = stack.db.cursor()
    record = bots.get(cur, ids["spot btc"])
    assert positions.of_bot(cur, record.id, record.config).quantity > 0
    assert client(stack, SPOT).open_orders() == []  # its OCO is cancelled all the same


def test_legs_that_filled_just_before_the_press_are_recorded_not_cancelled(stack):
    ids = arrange(stack)
    stack.exchange.feed.set_price("BTCUSDT", D("31600"))  # both BTC take-profits fill; nothing settled them yet
    report = kill_switch(stack).press(sell_spot=True)
    assert report.complete, report.standing
    assert_nothing_left(stack)
    done = "\n".join(report.done)
    assert "recorded 2 fill(s) the exchange reported meanwhile" in done
    assert done.count("cancelled OCO") == 1  # only the ETH one was still resting
    assert "bot 'spot btc' held" not in done  # its take-profit sold it already
    sells = trades.for_bot(stack.db.cursor(), ids["spot btc"])
    assert [(t.side, t.order_type) for t in sells] == [(Side.BUY, OrderType.MARKET), (Side.SELL, OrderType.LIMIT_MAKER)]
