"""Futures take-profit / stop-loss rest on the exchange, in step with the bot's position.

The engine tests run on replayed real candles with the price pinned, so every move is the test's.
The crash test kills a real console process (``python -m console``) with SIGKILL while a separate
paper exchange, here in the test process, holds its position, and moves the price through the stop
while no console runs.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import BotConfig, BotState, Market, OrderType, Side, WorkingType
from console.engine import positions
from console.paper import PaperExchange, SyntheticFeed
from console.storage import bots, events, journal, trades
from console.storage.db import Database
from tests.engine.test_engine import exchange_fills_by_order, recorded_by_order

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
ENTRY_PRICE = D("20000")
HOLD_FOREVER = {"interval_hours": 24 * 365, "max_entries": 1, "take_profit_pct": 1000}


def perp_bot(**overrides) -> dict:
    """A futures bot that buys once at the first candle and leaves the exit to its take-profit / stop-loss."""
    fields = dict(name="perp", symbol="BTC/USDT", market=Market.FUTURES, timeframe="1h", strategy="dca",
                  params=dict(HOLD_FOREVER), size=D("50"), leverage=3, take_profit_pct=D("5"), stop_loss_pct=D("5"))
    fields.update(overrides)
    return fields


def resting(exchange: PaperExchange) -> list[dict]:
    with exchange.lock:
        return [o.json() for o in exchange.futures.algos.open(None)]


def algos_by_type(exchange: PaperExchange) -> dict[str, dict]:
    with exchange.lock:
        return {o.order_type: o.json() for o in exchange.futures.algos.orders.values()}


def net_position(exchange: PaperExchange) -> Decimal:
    with exchange.lock:
        pos = exchange.futures.positions.get("BTCUSDT")
        return pos.amount if pos is not None else D(0)


def entered(stack, **overrides) -> tuple[int, trades.TradeRecord]:
    stack.exchange.feed.set_price("BTCUSDT", ENTRY_PRICE)
    bot_id = stack.add_bot(**perp_bot(**overrides))
    stack.engine.start_bot(bot_id)
    stack.cycles(1)
    [entry] = trades.for_bot(stack.db.cursor(), bot_id)
    return bot_id, entry


@pytest.mark.parametrize("working_type", list(WorkingType))
def test_an_entry_with_take_profit_and_stop_loss_rests_both_on_the_exchange(stack, working_type):
    bot_id, entry = entered(stack, working_type=working_type)
    assert entry.side is Side.BUY and entry.quantity > 0
    orders = {o["orderType"]: o for o in resting(stack.exchange)}
    assert set(orders) == {"TAKE_PROFIT_MARKET", "STOP_MARKET"}
    for o in orders.values():
        assert (o["side"], D(o["quantity"]), o["reduceOnly"]) == ("SELL", entry.quantity, True)
        assert o["workingType"] == {WorkingType.MARK_PRICE: "MARK_PRICE",
                                    WorkingType.CONTRACT_PRICE: "CONTRACT_PRICE"}[working_type]
    # 5 % either side of the entry, on the 0.10 tick on the side that never exits worse
    assert D(orders["TAKE_PROFIT_MARKET"]["triggerPrice"]) == (entry.price * D("1.05")).quantize(D("0.1"), "ROUND_UP")
    assert D(orders["STOP_MARKET"]["triggerPrice"]) == (entry.price * D("0.95")).quantize(D("0.1"), "ROUND_UP")
    entries = journal.open_entries(stack.db.cursor())
    assert sorted((e.type, e.client_order_id) for e in entries) == sorted(
        (OrderType(o["orderType"].lower()), o["clientAlgoId"]) for o in orders.values())
    stack.cycles(3)  # in step: nothing placed again, nothing cancelled
    assert {o["clientAlgoId"] for o in resting(stack.exchange)} == {o["clientAlgoId"] for o in orders.values()}


def test_a_dca_take_profit_is_the_resting_order_s_not_a_second_market_exit(stack):
    """DCA takes the bot's Take profit %: on futures it rests on the exchange, and the strategy does not
    also close at market when a candle closes past it (an old config's own 1 % parameter is dropped)."""
    bot_id, entry = entered(stack, params={**HOLD_FOREVER, "take_profit_pct": 1})
    stack.exchange.feed.set_price("BTCUSDT", D("20400"))  # 1 % up, short of the resting 5 %
    stack.cycles(1)
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert [(t.side, t.order_type) for t in history] == [(Side.BUY, OrderType.MARKET)]
    assert {o["orderType"] for o in resting(stack.exchange)} == {"TAKE_PROFIT_MARKET", "STOP_MARKET"}
    assert net_position(stack.exchange) == entry.quantity


def test_a_take_profit_that_fires_is_recorded_once_and_its_stop_is_cancelled(stack):
    bot_id, entry = entered(stack)
    take_profit = algos_by_type(stack.exchange)["TAKE_PROFIT_MARKET"]
    stack.exchange.feed.set_price("BTCUSDT", D("21500"))  # the exchange fires it; the engine learns next cycle
    assert net_position(stack.exchange) == 0
    stack.cycles(1)
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert [(t.side, t.order_type) for t in history] == [(Side.BUY, OrderType.MARKET),
                                                         (Side.SELL, OrderType.TAKE_PROFIT_MARKET)]
    exit_trade = history[1]
    assert exit_trade.client_order_id == take_profit["clientAlgoId"]
    assert exit_trade.quantity == entry.quantity
    assert exit_trade.pnl is not None and exit_trade.pnl > 0 and exit_trade.realized_pnl > 0
    assert algos_by_type(stack.exchange)["STOP_MARKET"]["algoStatus"] == "CANCELED"
    assert journal.open_entries(stack.db.cursor()) == []

    stack.cycles(3)
    stack.engine.stop()
    stack.engine = stack.new_engine()
    stack.engine.start()  # a restart settles again: still recorded once
    stack.cycles(2)
    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.RUNNING
    assert len(trades.for_bot(stack.db.cursor(), bot_id)) == 2
    assert positions.of_bot(stack.db.cursor(), bot_id, record.config).quantity == 0
    assert recorded_by_order(stack.db, "futures") == exchange_fills_by_order(stack.exchange, "futures")
    assert resting(stack.exchange) == []


def test_exits_missing_after_a_restart_are_placed_again(stack):
    bot_id, entry = entered(stack)
    with stack.exchange.lock:  # as if they were lost: cancelled outside the console
        for order in stack.exchange.futures.algos.open(None):
            stack.exchange.futures.algos.cancel({"algoId": str(order.algo_id)})
    stack.engine.stop()
    stack.engine = stack.new_engine()
    stack.engine.start()
    stack.cycles(1)
    again = {o["orderType"]: o for o in resting(stack.exchange)}
    assert set(again) == {"TAKE_PROFIT_MARKET", "STOP_MARKET"}
    assert {D(o["quantity"]) for o in again.values()} == {entry.quantity}
    assert len(trades.for_bot(stack.db.cursor(), bot_id)) == 1


def test_a_position_whose_stop_is_missing_and_passed_is_closed_at_market(stack):
    bot_id, entry = entered(stack)
    with stack.exchange.lock:
        for order in stack.exchange.futures.algos.open(None):
            stack.exchange.futures.algos.cancel({"algoId": str(order.algo_id)})
    stack.exchange.feed.set_price("BTCUSDT", D("18500"))  # below the stop, and nothing rests to catch it
    stack.cycles(1)
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert [(t.side, t.order_type) for t in history] == [(Side.BUY, OrderType.MARKET), (Side.SELL, OrderType.MARKET)]
    assert net_position(stack.exchange) == 0 and resting(stack.exchange) == []
    assert bots.get(stack.db.cursor(), bot_id).state is BotState.RUNNING


# --- the console process killed while its position rests protected on the exchange -------------

def read_line(proc: subprocess.Popen, prefix: str, timeout: float) -> str | None:
    from tests.reliability.test_crash_campaign import read_line as read

    return read(proc, prefix, timeout)


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    """Poll the exchange or the store until ``condition`` holds (the console runs in its own process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}; see console.log"
        time.sleep(0.1)


def test_a_stop_fires_while_the_console_is_killed_and_the_restart_records_it_once(tmp_path):
    feed = SyntheticFeed(seed=3)
    feed.set_price("BTCUSDT", D("60000"))
    exchange = PaperExchange(data_dir=tmp_path / "paper", feed=feed)
    exchange.start()
    log = (tmp_path / "console.log").open("ab")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONSOLE_DATA_DIR": str(tmp_path / "console"),
           "CONSOLE_CYCLE_SECONDS": "0.5", "CONSOLE_PAPER_URL": exchange.base_url,
           "CONSOLE_PAPER_API_KEY": "paper-key", "CONSOLE_PAPER_API_SECRET": "paper-secret"}
    db_path = tmp_path / "console" / "console.duckdb"

    def start_console() -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "console"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=log)
        assert read_line(proc, "console running:", timeout=60) is not None, "the console did not start"
        return proc

    try:
        db = Database.open(db_path)
        with db.transaction() as cur:
            bot_id = bots.create(cur, BotConfig(**perp_bot(timeframe="1m", size=D("100"), leverage=5)))
            bots.set_state(cur, bot_id, BotState.RUNNING)
        db.close()

        console = start_console()
        wait_for(lambda: len(resting(exchange)) == 2, "the take-profit and stop-loss to rest")
        console.send_signal(signal.SIGKILL)
        console.wait()

        stop = algos_by_type(exchange)["STOP_MARKET"]
        feed.set_price("BTCUSDT", D(stop["triggerPrice"]) - 100)  # no console runs: the exchange closes
        assert net_position(exchange) == 0
        assert algos_by_type(exchange)["STOP_MARKET"]["algoStatus"] == "FINISHED"
        assert algos_by_type(exchange)["TAKE_PROFIT_MARKET"]["algoStatus"] == "NEW"

        console = start_console()
        wait_for(lambda: algos_by_type(exchange)["TAKE_PROFIT_MARKET"]["algoStatus"] == "CANCELED",
                 "the restarted console to cancel the take-profit")
        console.send_signal(signal.SIGTERM)
        assert console.wait(timeout=60) == 0

        db = Database.open(db_path)
        cur = db.cursor()
        history = trades.for_bot(cur, bot_id)
        assert [(t.side, t.order_type) for t in history] == [(Side.BUY, OrderType.MARKET),
                                                             (Side.SELL, OrderType.STOP_MARKET)]
        exit_trade = history[1]
        assert exit_trade.client_order_id == stop["clientAlgoId"]
        assert exit_trade.pnl is not None and exit_trade.pnl < 0 and exit_trade.realized_pnl < 0
        assert exit_trade.price <= D(stop["triggerPrice"])
        assert recorded_by_order(db, "futures") == exchange_fills_by_order(exchange, "futures")
        assert journal.open_entries(cur) == []
        record = bots.get(cur, bot_id)
        assert record.state is BotState.RUNNING, record.reason
        assert positions.of_bot(cur, bot_id, record.config).quantity == 0
        db.close()
    finally:
        log.close()
        exchange.stop()
