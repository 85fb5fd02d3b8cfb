"""The engine against the paper exchange over real HTTP, on replayed real candles."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from console.domain import BotState, Market, OrderRequest, Side, Venue
from console.engine.recorder import DbJournal, Owner
from console.storage import bots, events, journal, trades
from tests.engine.conftest import spot_bot


def exchange_fills_by_order(exchange, market: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for t in exchange.exchange_trades(market):
        out[str(t["orderId"])] = out.get(str(t["orderId"]), Decimal(0)) + Decimal(str(t["qty"]))
    return out


def recorded_by_order(db, market: str) -> dict[str, Decimal]:
    rows = db.cursor().execute(
        "SELECT exchange_order_id, quantity FROM trades WHERE market = ?", [market]).fetchall()
    return {r[0]: Decimal(str(r[1])) for r in rows}


def test_bot_trades_on_replayed_candles_and_every_fill_lands_once(stack):
    bot_id = stack.add_bot(**spot_bot())
    stack.engine.start_bot(bot_id)
    stack.cycles(60)
    recorded = recorded_by_order(stack.db, "spot")
    assert len(recorded) >= 2, "a 3/8 MA cross on 60 hours of BTC should trade"
    assert recorded == exchange_fills_by_order(stack.exchange, "spot")
    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.RUNNING
    history = trades.for_bot(stack.db.cursor(), bot_id)
    # The clock starts at the real time of day, so the 60 hours end anywhere in a UTC day: today's
    # counter holds the trades of the day of the last one (no daily job runs here to start a new day).
    assert record.day == history[-1].ts.date()
    assert record.trades_today == sum(1 for t in history if t.ts.date() == record.day) >= 1
    sides = [t.side for t in history]
    assert sides[0] is Side.BUY
    assert all(a != b for a, b in zip(sides, sides[1:])), "entries never stack: buy, sell, buy, ..."


def test_spot_take_profit_and_stop_loss_rest_as_oco_and_the_exit_is_recorded(stack):
    bot_id = stack.add_bot(**spot_bot(take_profit_pct=Decimal("2"), stop_loss_pct=Decimal("2")))
    stack.engine.start_bot(bot_id)
    for _ in range(80):
        stack.cycles(1)
        if trades.for_bot(stack.db.cursor(), bot_id):
            break
    entry = trades.for_bot(stack.db.cursor(), bot_id)[0]
    legs = [e for e in journal.open_entries(stack.db.cursor()) if e.bot_id == bot_id]
    assert sorted(e.type.value for e in legs) == ["limit_maker", "stop_loss_limit"]
    assert sum(1 for o in stack.exchange.exchange_orders("spot") if o["status"] == "NEW") == 2

    stack.exchange.feed.set_price("BTCUSDT", (entry.price * Decimal("1.03")).quantize(Decimal("0.01")))
    stack.engine.run_cycle()
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert [t.side for t in history] == [Side.BUY, Side.SELL]
    exit_trade = history[1]
    assert exit_trade.order_type.value == "limit_maker"
    target = entry.price * Decimal("1.02")
    assert target <= exit_trade.price < target + Decimal("0.01"), "take-profit at 2 %, on the tick above"
    assert exit_trade.quantity <= entry.quantity - entry.commission
    assert exit_trade.pnl > 0
    assert [e for e in journal.open_entries(stack.db.cursor()) if e.bot_id == bot_id] == []
    assert recorded_by_order(stack.db, "spot") == exchange_fills_by_order(stack.exchange, "spot")


def test_restarted_engine_records_fills_made_while_down_exactly_once(stack):
    bot_id = stack.add_bot(**spot_bot())
    client = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    owner = Owner(Venue.PAPER, Market.SPOT, "paper", bot_id)

    class Crash(Exception):
        pass

    class CrashAfterSend(DbJournal):
        def resolved(self, order):  # the process dies before the answer is written
            raise Crash

    request = OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY, quote_quantity=Decimal("50"))
    try:
        client.place_order(request, journal=CrashAfterSend(stack.db, owner))
    except Crash:
        pass
    assert [e.status.value for e in journal.open_entries(stack.db.cursor())] == ["pending"]
    assert trades.for_bot(stack.db.cursor(), bot_id) == []

    stack.engine = stack.new_engine()
    stack.engine.start()
    assert stack.engine.reconciled == 1
    assert len(trades.for_bot(stack.db.cursor(), bot_id)) == 1
    assert journal.open_entries(stack.db.cursor()) == []
    stack.engine.stop()

    stack.engine = stack.new_engine()
    stack.engine.start()
    assert stack.engine.reconciled == 0
    assert recorded_by_order(stack.db, "spot") == exchange_fills_by_order(stack.exchange, "spot")


def test_running_bots_resume_after_restart(stack):
    running = stack.add_bot(**spot_bot(name="runs"))
    stopped = stack.add_bot(**spot_bot(name="rests"))
    stack.engine.start_bot(running)
    stack.cycles(3)
    stack.engine.stop()
    stack.engine = stack.new_engine()
    stack.cycles(40)
    assert bots.get(stack.db.cursor(), running).state is BotState.RUNNING
    assert len(trades.for_bot(stack.db.cursor(), running)) >= 1
    assert trades.for_bot(stack.db.cursor(), stopped) == []


def test_daily_trade_limit_pauses_and_the_daily_job_reactivates(stack):
    bot_id = stack.add_bot(**spot_bot(max_trades_per_day=1))
    stack.engine.start_bot(bot_id)
    stack.engine.daily_check()
    for _ in range(80):
        stack.cycles(1)
        if bots.get(stack.db.cursor(), bot_id).state is BotState.PAUSED:
            break
    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.PAUSED
    assert "daily trade limit 1 reached" in record.reason
    stack.clock.advance(timedelta(days=1).total_seconds())
    assert stack.engine.daily_check() == [bot_id]
    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.RUNNING and record.trades_today == 0


def test_an_error_that_needs_a_person_halts_one_bot_and_the_others_keep_trading(stack):
    bad = stack.add_bot(**spot_bot(name="bad keys", account="wrong-keys"))
    good = stack.add_bot(**spot_bot(name="good"))
    stack.engine.start_bot(bad)
    stack.engine.start_bot(good)
    stack.cycles(40)
    halted = bots.get(stack.db.cursor(), bad)
    assert halted.state is BotState.HALTED
    assert "API key" in halted.reason or "key" in halted.reason.lower()
    assert bots.get(stack.db.cursor(), good).state is BotState.RUNNING
    assert len(trades.for_bot(stack.db.cursor(), good)) >= 1
    kinds = set(events.recent(stack.db.cursor(), bot_id=bad)["kind"])
    assert "halted" in kinds


def test_futures_bot_sets_leverage_once_and_closes_reduce_only(stack):
    bot_id = stack.add_bot(**spot_bot(name="perp", market=Market.FUTURES, leverage=3, allow_short=True,
                                      size=Decimal("50")))
    stack.engine.start_bot(bot_id)
    stack.cycles(60)
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert len(history) >= 2
    assert recorded_by_order(stack.db, "futures") == exchange_fills_by_order(stack.exchange, "futures")
    leverage_calls = stack.exchange.stats.requests("/fapi/v1/leverage")
    assert leverage_calls == 1


def test_balance_snapshots_feed_the_equity_curve(stack):
    from console.storage import analytics

    bot_id = stack.add_bot(**spot_bot())
    stack.engine.start_bot(bot_id)
    stack.cycles(30)
    assert stack.engine.snapshot_balances() == 2  # the wallets in use: spot USDT and BTC
    stack.clock.advance(60)
    stack.engine.snapshot_balances()
    curve = analytics.equity_curve(stack.db.cursor(), analytics.Filters())
    assert len(curve) == 2
    spot = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    held = spot.balances(fresh=True)
    price = spot.ticker("BTC/USDT").last
    expected = held["USDT"].total + held["BTC"].total * price
    assert abs(Decimal(str(curve["equity"].iloc[-1])) - expected) < Decimal("0.5")


def test_records_written_behind_the_order_land_once_and_flush_waits_for_them(stack):
    from console.engine.writer import Writer

    writer = Writer()
    owner = Owner(Venue.PAPER, Market.SPOT, "paper", None)
    client = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    book = DbJournal(stack.db, owner, writer=writer)
    for _ in range(5):
        client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY,
                                        quote_quantity=Decimal("20")), journal=book)
    writer.flush()
    assert len(recorded_by_order(stack.db, "spot")) == 5
    assert recorded_by_order(stack.db, "spot") == exchange_fills_by_order(stack.exchange, "spot")
    assert journal.open_entries(stack.db.cursor()) == []
    writer.close()


def test_a_record_lost_with_the_writer_is_recovered_at_start(stack):
    from console.engine.writer import Writer

    class DiesBeforeWriting(Writer):
        def submit(self, write):  # the process is killed before the writer gets to it
            pass

    writer = DiesBeforeWriting()
    book = DbJournal(stack.db, Owner(Venue.PAPER, Market.SPOT, "paper", None), writer=writer)
    client = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.BUY,
                                    quote_quantity=Decimal("20")), journal=book)
    assert recorded_by_order(stack.db, "spot") == {}
    stack.engine = stack.new_engine()
    stack.engine.start()
    assert stack.engine.reconciled == 1
    assert recorded_by_order(stack.db, "spot") == exchange_fills_by_order(stack.exchange, "spot")
    writer.close()


def test_a_futures_close_is_reduce_only_only_when_the_account_position_covers_the_bot(stack):
    from console.engine.positions import Held
    from console.engine.tick import _account_position, _reduces

    client = stack.clients.get(Venue.PAPER, Market.FUTURES, "paper")
    client.prepare_futures("BTC/USDT", 2)
    client.place_order(OrderRequest(symbol="BTC/USDT", market=Market.FUTURES, side=Side.BUY, quantity=Decimal("0.01")),
                       journal=DbJournal(stack.db, Owner(Venue.PAPER, Market.FUTURES, "paper", None)))
    account = _account_position(client, "BTC/USDT")
    assert account == Decimal("0.01")

    def held(quantity: str) -> Held:
        return Held(Decimal(quantity), Decimal("1"), None, 1)

    assert _reduces(account, held("0.004")) is True   # this bot's long is inside the account's long
    assert _reduces(account, held("0.02")) is False   # others sold part of it: not all reducible
    assert _reduces(account, held("-0.004")) is False  # a short bot while the account is net long
    assert _reduces(_account_position(client, "ETH/USDT"), held("0.004")) is False  # no position there


def _protected_bot_whose_oco_is_lost(stack):
    """A spot bot holding a position whose OCO exit the exchange no longer has (as if lost before a crash)."""
    bot_id = stack.add_bot(**spot_bot(take_profit_pct=Decimal("2"), stop_loss_pct=Decimal("2")))
    stack.engine.start_bot(bot_id)
    for _ in range(80):
        stack.cycles(1)
        if trades.for_bot(stack.db.cursor(), bot_id):
            break
    legs = [e for e in journal.open_entries(stack.db.cursor()) if e.bot_id == bot_id]
    assert len(legs) == 2
    client = stack.clients.get(Venue.PAPER, Market.SPOT, "paper")
    client.cancel_order("BTC/USDT", client_order_id=legs[0].client_order_id)  # as if lost before a crash
    return bot_id, client


def test_a_spot_position_left_without_its_oco_is_protected_again(stack):
    bot_id, client = _protected_bot_whose_oco_is_lost(stack)
    stack.engine.run_cycle()  # notices the cancelled legs
    stack.engine.run_cycle()  # places the exit again
    legs = [e for e in journal.open_entries(stack.db.cursor()) if e.bot_id == bot_id]
    assert sorted(e.type.value for e in legs) == ["limit_maker", "stop_loss_limit"]
    assert sum(1 for o in stack.exchange.exchange_orders("spot") if o["status"] == "NEW") == 2
    assert "placing it again" in " ".join(events.recent(stack.db.cursor(), bot_id=bot_id)["message"])


def test_a_sell_on_the_tick_that_protects_a_position_again_cancels_that_exit_first(stack, monkeypatch):
    """Found by the crash campaign: a position left without its OCO gets it again, and the same tick's
    candle says sell. The exit just placed holds the coins; the close must cancel it, not try to sell
    coins that are locked (the exchange refuses, and the bot halted on "0 BTC is free")."""
    from console.engine import positions
    from console.engine import tick as tick_module
    from console.engine.strategies import Action, Signal

    bot_id, client = _protected_bot_whose_oco_is_lost(stack)

    class Sells:
        timed_entries = False

        def signal(self, candles, params, position, now):
            return Signal(Action.SELL, "the test's strategy sells")

    monkeypatch.setattr(tick_module, "get_strategy", lambda name: Sells())
    stack.cycles(1)  # a new candle: the tick finds the exit gone, places it again, and the candle says sell
    stack.cycles(2)
    record = bots.get(stack.db.cursor(), bot_id)
    assert record.state is BotState.RUNNING, record.reason
    history = trades.for_bot(stack.db.cursor(), bot_id)
    assert history[-1].side is Side.SELL
    held = positions.of_bot(stack.db.cursor(), bot_id, record.config)
    assert positions.is_dust(held.quantity, history[-1].price, client.rules("BTC/USDT"))  # flat but the fee's dust
    assert not [o for o in stack.exchange.exchange_orders("spot") if o["status"] == "NEW"]
