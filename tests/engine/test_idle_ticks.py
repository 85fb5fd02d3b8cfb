"""Routine ticks of a bot with nothing to do skip reading its trades, and still see what changed.

Between candles a bot with nothing resting and nothing to protect only waits; its cycle ticks
skip its trades then (``tick._idle``), for at most ``REREAD_SECONDS`` of the engine's clock.
"""
from __future__ import annotations

from decimal import Decimal

from console.domain import Market, OrderRequest, Side, Venue
from console.engine import positions, tick
from console.engine.recorder import DbJournal, Owner
from console.storage import journal
from tests.engine.conftest import spot_bot

D = Decimal


def reads_of_trades(monkeypatch) -> list[int]:
    seen: list[int] = []
    real = positions.of_bot

    def counting(cur, bot_id, *args, **kwargs):
        seen.append(bot_id)
        return real(cur, bot_id, *args, **kwargs)

    monkeypatch.setattr(positions, "of_bot", counting)
    return seen


def status(stack, bot_id: int):
    return next(s for s in stack.engine.status() if s.bot_id == bot_id)


def a_minute_after_a_close(stack) -> None:
    """Move the clock to a minute past the next hour's close: the clock starts at the real time, and
    the seconds a test idles must not cross a close (a new candle is read whatever the bot holds)."""
    stack.clock.now = (stack.clock() // 3600 + 1) * 3600 + 60


def bought_outside_its_ticks(stack, bot_id: int, quantity: str) -> None:
    """An order of the bot's book filled outside its ticks (as a person's close or a restart's
    reconciliation records one): its trades move while it idles."""
    client = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, quantity=D(quantity)),
                       journal=DbJournal(stack.db, Owner(Venue.PAPER, Market.SPOT, "paper", bot_id)))


def test_an_idle_bot_skips_its_trades_between_candles_and_rereads_them_within_ten_seconds(stack, monkeypatch):
    bot_id = stack.add_bot(**spot_bot(params={"fast": 3, "slow": 400}))  # no crossing: it only holds
    a_minute_after_a_close(stack)
    stack.engine.start_bot(bot_id)
    stack.cycles(1)  # a new candle: the position is read, the strategy holds
    assert status(stack, bot_id).position == 0
    reads = reads_of_trades(monkeypatch)
    bought_outside_its_ticks(stack, bot_id, "0.002")
    for _ in range(3):  # 2 s cycles within the candle: nothing to do, nothing read
        stack.clock.advance(2)
        stack.engine.run_cycle()
    assert reads == [] and status(stack, bot_id).position == 0
    stack.clock.advance(tick.REREAD_SECONDS)
    stack.engine.run_cycle()
    assert reads == [bot_id] and status(stack, bot_id).position > 0


def test_a_bot_holding_a_position_it_protects_reads_it_every_cycle(stack, monkeypatch):
    bot_id = stack.add_bot(**spot_bot(params={"fast": 3, "slow": 400}, take_profit_pct=D("50"),
                                      stop_loss_pct=D("50")))
    a_minute_after_a_close(stack)
    stack.engine.start_bot(bot_id)
    stack.cycles(1)
    bought_outside_its_ticks(stack, bot_id, "0.002")  # unprotected now: the next cycle must see it and rest its OCO
    reads = reads_of_trades(monkeypatch)
    stack.clock.advance(2)
    stack.engine.run_cycle()
    assert reads == []  # flat as last read: read again within REREAD_SECONDS
    stack.clock.advance(tick.REREAD_SECONDS)
    stack.engine.run_cycle()
    assert reads == [bot_id] and status(stack, bot_id).position > 0
    assert [e.type.value for e in journal.open_entries(stack.db.cursor(), bot_id=bot_id)]  # its OCO rests
    before = len(reads)
    stack.clock.advance(2)
    stack.engine.run_cycle()
    assert len(reads) == before + 1  # something rests: every cycle follows it
