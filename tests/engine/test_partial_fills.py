"""Partial fills of resting orders, as the console records them: once, when final, exact to the unit.

The paper exchange fills resting orders in parts (``partial_fills``); every trade in DuckDB is
checked against the exchange's own trade history (myTrades / userTrades).
"""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from console.config import load_settings
from console.domain import Market, OrderStatus, Side
from console.engine import positions
from console.engine.reconcile import settle
from console.service import Console
from console.storage import bots, events, journal, trades
from console.storage.pnl import from_store, to_store
from tests.engine.conftest import spot_bot

D = Decimal


def dca_bot(**overrides) -> dict:
    """A bot that buys once at its first tick and never sells by signal: exits are its OCO's."""
    return spot_bot(name="dca", strategy="dca", params={"interval_hours": 1000, "max_entries": 1,
                                                        "take_profit_pct": 500}, **overrides)


def fills_of(exchange, market: str, order_id: str) -> list[dict]:
    return [t for t in exchange.exchange_trades(market) if str(t["orderId"]) == order_id]


def recorded(db, order_id: str) -> SimpleNamespace:
    """The one trade row of an exchange order (a bot's or a person's)."""
    [row] = db.cursor().execute(
        "SELECT quantity, quote_quantity, commission, commission_asset, price FROM trades "
        "WHERE exchange_order_id = ?", [order_id]).fetchall()
    names = ("quantity", "quote_quantity", "commission", "commission_asset", "price")
    return SimpleNamespace(**{n: v if n == "commission_asset" else from_store(v) for n, v in zip(names, row)})


def held_on_exchange(exchange, asset: str) -> Decimal:
    free, locked = exchange.spot.balances.get(asset, (D(0), D(0)))
    return free + locked


def position(stack, bot_id: int) -> Decimal:
    cur = stack.db.cursor()
    return positions.of_bot(cur, bot_id, bots.get(cur, bot_id).config).quantity


def assert_matches_exchange(trade, fills: list[dict]) -> None:
    """The one trade row of an order carries its whole executed quantity and every part's commission."""
    assert trade.quantity == sum(D(f["qty"]) for f in fills)
    assert trade.quote_quantity == sum(D(f["quoteQty"]) for f in fills)
    assert trade.commission == sum(D(f["commission"]) for f in fills)
    assert trade.commission_asset == fills[0]["commissionAsset"]


def above(price: Decimal) -> Decimal:
    """A feed price whose bid (half a spread lower) is past ``price``."""
    return (price * D("1.001")).quantize(D("0.01"))


def protective_legs(exchange) -> tuple[dict, dict]:
    legs = {o["type"]: o for o in exchange.exchange_orders("spot") if o["orderListId"] != -1}
    return legs["LIMIT_MAKER"], legs["STOP_LOSS_LIMIT"]


def test_an_oco_take_profit_filling_in_three_parts_is_recorded_once_with_every_commission(stack):
    stack.exchange.partial_fills = D(1) / 3
    bot_id = stack.add_bot(**dca_bot(take_profit_pct=D("2"), stop_loss_pct=D("20")))
    stack.engine.start_bot(bot_id)
    stack.cycles(1)
    [entry] = trades.for_bot(stack.db.cursor(), bot_id)
    take_profit, stop = protective_legs(stack.exchange)
    tp_id, target = str(take_profit["orderId"]), D(take_profit["price"])
    assert position(stack, bot_id) == held_on_exchange(stack.exchange, "BTC")

    for touch in range(1, 4):
        stack.exchange.feed.set_price("BTCUSDT", above(target) + touch)  # one price touch: one part
        stack.cycles(1, seconds=11)  # the next open-orders listing shows it
        executed = sum(D(f["qty"]) for f in fills_of(stack.exchange, "spot", tp_id))
        assert len(fills_of(stack.exchange, "spot", tp_id)) == touch
        assert position(stack, bot_id) == held_on_exchange(stack.exchange, "BTC"), "the bot holds what it has"
        history = trades.for_bot(stack.db.cursor(), bot_id)
        if touch < 3:
            leg = journal.get(stack.db.cursor(), take_profit["clientOrderId"])
            assert (leg.status, D(leg.response["filled"])) == (OrderStatus.PARTIALLY_FILLED, executed)
            assert len(history) == 1, "a resting order is recorded once it is final"

    assert [o["status"] for o in stack.exchange.exchange_orders("spot") if str(o["orderId"]) == tp_id] == ["FILLED"]
    buy, sell = trades.for_bot(stack.db.cursor(), bot_id)
    assert (sell.side, sell.order_type.value, sell.exchange_order_id) == (Side.SELL, "limit_maker", tp_id)
    assert_matches_exchange(sell, fills_of(stack.exchange, "spot", tp_id))
    assert sell.quantity == D(take_profit["origQty"])
    assert sell.price == target
    lot_cost = to_store(entry.quote_quantity * sell.quantity / (entry.quantity - entry.commission))
    assert sell.pnl == to_store(sell.quote_quantity - sell.commission - lot_cost), "FIFO PnL of the whole exit"
    assert journal.get(stack.db.cursor(), stop["clientOrderId"]).status is OrderStatus.EXPIRED
    assert [e for e in journal.open_entries(stack.db.cursor()) if e.bot_id == bot_id] == []
    assert position(stack, bot_id) == held_on_exchange(stack.exchange, "BTC") == entry.quantity - entry.commission \
        - sell.quantity
    assert bots.get(stack.db.cursor(), bot_id).trades_today == 2


def test_a_take_profit_partly_filled_loses_its_stop_and_the_engine_watches_it(stack):
    stack.exchange.partial_fills = D("0.5")
    # the replay's hourly closes fall 0.2 % below any entry the first tick can make within 30 hours
    bot_id = stack.add_bot(**dca_bot(take_profit_pct=D("20"), stop_loss_pct=D("0.2")))
    stack.engine.start_bot(bot_id)
    stack.cycles(1)
    take_profit, stop = protective_legs(stack.exchange)
    tp_id = str(take_profit["orderId"])
    stack.exchange.feed.set_price("BTCUSDT", above(D(take_profit["price"])))
    states = {o["orderId"]: o["status"] for o in stack.exchange.exchange_orders("spot")}
    assert (states[take_profit["orderId"]], states[stop["orderId"]]) == ("PARTIALLY_FILLED", "EXPIRED")

    stack.exchange.feed.set_price("BTCUSDT", None)  # back to the replay, whose closes fall below the stop
    for _ in range(30):
        stack.cycles(1)
        if len(trades.for_bot(stack.db.cursor(), bot_id)) == 3:
            break
    assert journal.get(stack.db.cursor(), stop["clientOrderId"]).status is OrderStatus.EXPIRED
    buy, part, rest = trades.for_bot(stack.db.cursor(), bot_id)
    assert (part.order_type.value, rest.order_type.value) == ("limit_maker", "market")
    assert_matches_exchange(part, fills_of(stack.exchange, "spot", tp_id))
    [leg] = [o for o in stack.exchange.exchange_orders("spot") if str(o["orderId"]) == tp_id]
    assert (leg["status"], D(leg["executedQty"])) == ("CANCELED", part.quantity), "a cancelled leg's fill is a trade"
    assert 0 < part.quantity < D(take_profit["origQty"])
    assert_matches_exchange(rest, fills_of(stack.exchange, "spot", rest.exchange_order_id))
    assert part.quantity + rest.quantity <= buy.quantity - buy.commission
    assert position(stack, bot_id) == held_on_exchange(stack.exchange, "BTC"), "nothing sold twice, nothing left"
    assert journal.open_entries(stack.db.cursor()) == []
    assert "exit rests partly filled" in " ".join(events.recent(stack.db.cursor(), bot_id=bot_id)["message"])


@pytest.fixture
def console(tmp_path):
    c = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path)}), start_engine=False)
    c.paper.exchange.feed.set_price("BTCUSDT", D("30000"))
    yield c
    c.close()


def test_a_ticket_limit_buy_partly_filled_then_cancelled_is_recorded_at_once(console):
    exchange = console.paper.exchange
    exchange.partial_fills = D("0.25")
    order = console.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.004", price="29900")
    assert order.status is OrderStatus.OPEN
    exchange.feed.set_price("BTCUSDT", D("29850"))
    exchange.feed.set_price("BTCUSDT", D("29800"))
    assert settle(console.db, console.clients) == 0, "resting partly filled: not final, nothing recorded"

    [cancelled] = console.orders.cancel("spot", "BTC/USDT", order.client_order_id)
    assert (cancelled.status, cancelled.filled) == (OrderStatus.CANCELLED, D("0.002"))
    fills = fills_of(exchange, "spot", order.exchange_order_id)
    trade = recorded(console.db, order.exchange_order_id)
    assert_matches_exchange(trade, fills)
    assert (trade.quantity, trade.price, trade.commission) == (D("0.002"), D("29900"), D("0.000002"))
    assert journal.get(console.db.cursor(), order.client_order_id).status is OrderStatus.CANCELLED
    assert settle(console.db, console.clients) == 0, "recorded once"
    lots = trades.open_lots(console.db.cursor(), console.venue, "paper", None, "BTC/USDT")
    assert sum(lot.quantity for lot in lots) == held_on_exchange(exchange, "BTC") == D("0.001998")
    assert exchange.spot.balances["USDT"] == [D("10000") - D("59.8"), 0], "the rest of the lock went back"


def test_a_futures_limit_order_partly_filled_is_recorded_once_final_and_positions_add_up(console):
    exchange = console.paper.exchange
    exchange.partial_fills = D(1) / 3
    order = console.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="0.009", price="29900")
    exchange.feed.set_price("BTCUSDT", D("29850"))
    assert settle(console.db, console.clients) == 0
    entry = journal.get(console.db.cursor(), order.client_order_id)
    assert (entry.status, entry.response["filled"]) == (OrderStatus.PARTIALLY_FILLED, "0.003")
    exchange.feed.set_price("BTCUSDT", D("29800"))

    [cancelled] = console.orders.cancel("futures", "BTC/USDT", order.client_order_id)
    assert (cancelled.status, cancelled.filled) == (OrderStatus.CANCELLED, D("0.006"))
    trade = recorded(console.db, order.exchange_order_id)
    assert_matches_exchange(trade, fills_of(exchange, "futures", order.exchange_order_id))
    assert (trade.quantity, trade.commission) == (D("0.006"), D("0.03588")), "maker fee on each part"
    assert exchange.futures.positions["BTCUSDT"].amount == trade.quantity

    [close] = console.orders.close_position("BTC/USDT")
    assert not [p for p in console.client(Market.FUTURES).positions() if p.quantity]
    rows = console.db.cursor().execute(
        "SELECT side, quantity, commission, realized_pnl FROM trades WHERE market = 'futures'").fetchall()
    assert sum(D(str(q)) * (1 if s == "buy" else -1) for s, q, _, _ in rows) == 0, "positions add up"
    everything = exchange.exchange_trades("futures")
    assert sum(D(str(c)) for _, _, c, _ in rows) == sum(D(t["commission"]) for t in everything)
    assert sum(D(str(r or 0)) for _, _, _, r in rows) == sum(D(t["realizedPnl"]) for t in everything)
    assert (close.bot_id, close.order.filled) == (None, D("0.006"))
