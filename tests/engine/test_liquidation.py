"""A bot's isolated futures position liquidated by the exchange is recorded as the bot's exit.

The paper exchange liquidates as Binance does (``console.paper.settlement``): a forced order
``autoclose-…`` at the liquidation price, listed by GET /fapi/v1/forceOrders. The engine records it
once in the bot's name, forgets the exits the exchange cancelled, logs it and halts the bot instead
of suspending it as a mismatch. Prices are pinned; the clock is the test's.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from console.domain import BotState, Market, OrderRequest, Side, Venue
from console.engine import liquidation, positions
from console.engine.recorder import Owner
from console.errors import Liquidated
from console.storage import bots, events, journal, trades
from tests.engine.test_futures_protection import HOLD_FOREVER, net_position, perp_bot

D = Decimal
ENTRY = D("20000")


def liquidation_price(exchange) -> Decimal:
    with exchange.lock:
        pos = exchange.futures.positions["BTCUSDT"]
        return exchange.futures.settlement.liquidation_price(pos)


def exchange_forced(exchange) -> list:
    with exchange.lock:
        return [o for o in exchange.futures.orders.values() if o.client_order_id.startswith("autoclose-")]


def exchange_trade(exchange, order_id) -> object:
    with exchange.lock:
        [t] = [t for t in exchange.futures.trades if str(t.order_id) == str(order_id)]
        return t


def bot_events(stack, bot_id: int, kind: str) -> list[str]:
    frame = events.recent(stack.db.cursor(), bot_id=bot_id)
    return list(frame[frame["kind"] == kind]["message"])


def in_step(stack) -> None:
    """The account check sees the position held as the books say, before anything happens to it."""
    [holding] = stack.engine.holdings.run(force=True)
    assert holding.outside == 0 and holding.difference == 0 and holding.on_account > 0


def liquidated_bot(stack, **overrides) -> tuple[int, trades.TradeRecord]:
    stack.exchange.feed.set_price("BTCUSDT", ENTRY)
    fields = perp_bot(leverage=50, take_profit_pct=D("5"), stop_loss_pct=D("10"), params=dict(HOLD_FOREVER))
    fields.update(overrides)
    bot_id = stack.add_bot(**fields)
    stack.engine.start_bot(bot_id)
    stack.cycles(1)
    [entry] = trades.for_bot(stack.db.cursor(), bot_id)
    in_step(stack)
    assert len(journal.open_entries(stack.db.cursor())) == 2  # take-profit and stop-loss rest
    price = liquidation_price(stack.exchange)
    assert ENTRY * D("0.97") < price < ENTRY  # 50x: about 2 % below the entry, above the 10 % stop
    stack.exchange.feed.set_price("BTCUSDT", (price - 5).quantize(D("0.1")))
    assert net_position(stack.exchange) == 0  # the exchange liquidated it
    # the engine's account check runs first in a cycle; here it runs alone, then the cycles follow
    stack.engine.holdings.run(force=True)
    return bot_id, entry


def test_a_liquidation_is_recorded_once_as_the_bot_s_exit_and_halts_it(stack):
    bot_id, entry = liquidated_bot(stack)
    [forced] = exchange_forced(stack.exchange)
    fill = exchange_trade(stack.exchange, forced.order_id)

    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert len(history) == 2
    exit_trade = history[1]
    assert liquidation.is_liquidation(exit_trade)
    assert exit_trade.exchange_order_id == str(forced.order_id)
    assert exit_trade.side is Side.SELL and exit_trade.quantity == entry.quantity
    assert exit_trade.price == fill.price
    assert exit_trade.realized_pnl == fill.realized_pnl < 0
    assert exit_trade.pnl == fill.realized_pnl  # no commission on a forced order

    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.HALTED and record.reason.startswith("liquidated ")
    [event] = bot_events(stack, bot_id, "liquidation")
    # the whole isolated margin is lost: the realised loss and the maintenance margin cleared
    with stack.exchange.lock:
        cleared = -sum((i.income for i in stack.exchange.futures.settlement.income
                        if i.income_type == "INSURANCE_CLEAR"), D(0))
    lost = -fill.realized_pnl + cleared
    assert event == (f"liquidated {entry.quantity:.3f} BTC at {fill.price:,.2f} USDT; "
                             f"margin lost {lost:,.2f} USDT")
    assert journal.open_entries(stack.db.cursor()) == []  # the exits the exchange cancelled

    stack.cycles(3)  # the account and the books agree: no mismatch suspends the bot
    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.HALTED
    assert bot_events(stack, bot_id, "suspended") == []

    stack.engine.stop()
    stack.engine = stack.new_engine()
    stack.engine.start()  # a restart finds the liquidation recorded already
    stack.engine.holdings.run(force=True)
    stack.cycles(2)
    assert len(trades.for_bot(stack.db.cursor(), bot_id)) == 2
    assert len(bot_events(stack, bot_id, "liquidation")) == 1


def test_two_bots_sharing_the_position_each_close_their_own_share(stack):
    stack.exchange.feed.set_price("BTCUSDT", ENTRY)
    ids = []
    for name in ("first", "second"):
        ids.append(stack.add_bot(**perp_bot(name=name, leverage=50, take_profit_pct=None, stop_loss_pct=None,
                                            size=D("50") if name == "first" else D("10"))))
    for bot_id in ids:
        stack.engine.start_bot(bot_id)
    stack.cycles(1)
    in_step(stack)
    entries = [trades.for_bot(stack.db.cursor(), b)[0] for b in ids]
    assert entries[0].quantity > entries[1].quantity
    price = liquidation_price(stack.exchange)
    stack.exchange.feed.set_price("BTCUSDT", (price - 5).quantize(D("0.1")))
    assert net_position(stack.exchange) == 0
    stack.engine.holdings.run(force=True)
    [forced] = exchange_forced(stack.exchange)
    fill = exchange_trade(stack.exchange, forced.order_id)
    exits = [trades.for_bot(stack.db.cursor(), b)[1] for b in ids]
    assert [t.quantity for t in exits] == [e.quantity for e in entries]
    assert sum((t.quantity for t in exits), D(0)) == fill.qty
    assert sum((t.realized_pnl for t in exits), D(0)) == fill.realized_pnl
    assert {t.price for t in exits} == {fill.price}
    assert exits[0].exchange_order_id == str(forced.order_id)  # the larger share carries the exchange's id
    assert all(bots.get(stack.db.cursor(), b).state is BotState.HALTED for b in ids)
    stack.cycles(2)
    assert all(bots.get(stack.db.cursor(), b).state is BotState.HALTED for b in ids)
    assert [len(trades.for_bot(stack.db.cursor(), b)) for b in ids] == [2, 2]


def test_a_bot_order_after_an_unrecorded_liquidation_is_refused_and_records_it(stack):
    """A tick that decided before the account check ran: its close would open the other side."""
    bot_id, close = _liquidated_unrecorded(stack)
    stack.exchange.feed.set_price("BTCUSDT", (liquidation_price(stack.exchange) - 5).quantize(D("0.1")))
    with pytest.raises(Liquidated, match="liquidated .* the order was not sent"):
        stack.engine.gateway.place(Owner(Venue.PAPER, Market.FUTURES, "paper", bot_id), close)
    assert net_position(stack.exchange) == 0  # nothing sent: no short opened
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert len(history) == 2 and liquidation.is_liquidation(history[1])
    assert bots.get(stack.db.cursor(), bot_id).state is BotState.HALTED


def _liquidated_unrecorded(stack) -> tuple[int, OrderRequest]:
    """A bot long on the books whose position the exchange has just liquidated, nothing recorded yet."""
    stack.exchange.feed.set_price("BTCUSDT", ENTRY)
    bot_id = stack.add_bot(**perp_bot(leverage=50, take_profit_pct=None, stop_loss_pct=None))
    stack.engine.start_bot(bot_id)
    stack.cycles(1)
    in_step(stack)
    [entry] = trades.for_bot(stack.db.cursor(), bot_id)
    return bot_id, OrderRequest(symbol="BTC/USDT", market=Market.FUTURES, side=Side.SELL, quantity=entry.quantity)


def test_a_tick_s_close_with_its_own_position_still_finds_the_liquidation(stack):
    """The tick passes the position it computed: the guard reads the account itself, finds it gone."""
    bot_id, close = _liquidated_unrecorded(stack)
    config = bots.get(stack.db.cursor(), bot_id).config
    held = positions.of_bot(stack.db.cursor(), bot_id, config)
    stack.exchange.feed.set_price("BTCUSDT", (liquidation_price(stack.exchange) - 5).quantize(D("0.1")))
    with pytest.raises(Liquidated, match="the order was not sent"):
        stack.engine.gateway.place(Owner(Venue.PAPER, Market.FUTURES, "paper", bot_id), close, held=held)
    assert net_position(stack.exchange) == 0
    assert liquidation.is_liquidation(trades.for_bot(stack.db.cursor(), bot_id)[-1])
    assert bots.get(stack.db.cursor(), bot_id).state is BotState.HALTED


def test_a_close_decided_on_an_account_read_before_the_liquidation_is_refused_reduce_only(stack):
    """The account read just before the liquidation still covered the bot: the close goes reduce-only,
    and the exchange refuses it rather than open a short."""
    from console.engine.tick import _account_position, _reduces
    from console.errors import OrderRejected

    bot_id, close = _liquidated_unrecorded(stack)
    config = bots.get(stack.db.cursor(), bot_id).config
    held = positions.of_bot(stack.db.cursor(), bot_id, config)
    client = stack.clients.get(Venue.PAPER, Market.FUTURES, "paper")
    account = _account_position(client, "BTC/USDT")
    assert _reduces(account, held)
    stack.exchange.feed.set_price("BTCUSDT", (liquidation_price(stack.exchange) - 5).quantize(D("0.1")))
    assert net_position(stack.exchange) == 0  # liquidated on the exchange
    with pytest.raises(OrderRejected, match="(?i)reduce"):
        stack.engine.gateway.place(Owner(Venue.PAPER, Market.FUTURES, "paper", bot_id),
                                   replace(close, reduce_only=True), held=held, account=account)
    assert net_position(stack.exchange) == 0  # no short opened
