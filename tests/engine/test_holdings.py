"""The account held against the bots' and the manual book, checked by the engine every cycle."""
from __future__ import annotations

from decimal import Decimal

from console.domain import BotState, Market, OrderRequest, Side, Venue
from console.engine import holdings, positions
from console.engine.recorder import DbJournal, Owner
from console.engine.tick import _close
from console.exchange.connect import make_ccxt
from console.storage import books, bots, trades
from tests.engine.conftest import spot_bot

SPOT, FUTURES = Market.SPOT, Market.FUTURES


def dca(name: str, **overrides) -> dict:
    """A bot that buys once on its first tick and then holds."""
    return spot_bot(name=name, strategy="dca", params={"interval_hours": 1000, "max_entries": 1,
                                                       "take_profit_pct": 500}, **overrides)


def read(stack, market: Market = SPOT, name: str = "BTC") -> holdings.Holding:
    client = stack.clients.get(Venue.PAPER, market, "paper")
    found = holdings.read(stack.db, client, venue=Venue.PAPER, market=market, account="paper")
    return next(h for h in found if h.name == name)


def outside_order(stack, market: Market, side: str, quantity: str, **params) -> Decimal:
    """Trade on the account as another program would (not through the console); return the base it moved."""
    raw = make_ccxt(market, base_url=stack.exchange.base_url, api_key="paper-key", api_secret="paper-secret")
    raw.milliseconds = lambda: int(stack.clock() * 1000)  # the exchange runs on the test's clock
    raw.load_markets()
    symbol = "BTC/USDT" if market is SPOT else "BTC/USDT:USDT"
    info = raw.create_order(symbol, "market", side, float(quantity), None, params)["info"]
    if market is FUTURES:
        return Decimal(info["executedQty"])
    fee = sum(Decimal(f["commission"]) for f in info["fills"] if f["commissionAsset"] == "BTC")
    return Decimal(info["executedQty"]) - fee


def state(stack, bot_id: int) -> BotState:
    return bots.get(stack.db.cursor(), bot_id).state


def test_two_bots_and_a_manual_order_on_one_symbol_add_up_to_the_account(stack) -> None:
    first, second = stack.add_bot(**dca("first")), stack.add_bot(**dca("second"))
    for bot_id in (first, second):
        stack.engine.start_bot(bot_id)
    stack.cycles(2)
    stack.engine.gateway.place(Owner(Venue.PAPER, SPOT, "paper", None), OrderRequest(
        symbol="BTC/USDT", market=SPOT, side=Side.BUY, quote_quantity=Decimal("50")))
    btc = read(stack)
    shares = {s.name: s.quantity for s in btc.bots}
    assert set(shares) == {"first", "second"} and all(q > 0 for q in shares.values())
    assert btc.manual > 0 and btc.outside == 0 and btc.difference == 0 and not btc.settling
    cur = stack.db.cursor()
    lots = sum(positions.of_bot(cur, i, bots.get(cur, i).config).quantity for i in (first, second))
    assert lots == sum(shares.values()), "the bots' own view (their lots) is what the books count"


def test_a_fill_outside_the_console_suspends_the_bots_on_it_until_it_is_assigned(stack) -> None:
    first, second = stack.add_bot(**dca("first")), stack.add_bot(**dca("second"))
    other = stack.add_bot(**dca("other", market=FUTURES, size=Decimal("200")))
    for bot_id in (first, second, other):
        stack.engine.start_bot(bot_id)
    stack.cycles(2)
    received = outside_order(stack, SPOT, "buy", "0.0005")
    stack.cycles(1)
    assert read(stack).difference == received
    assert state(stack, first) is BotState.RUNNING, "one sighting is not enough: a fill may be on its way"
    stack.cycles(1)
    assert {state(stack, first), state(stack, second)} == {BotState.SUSPENDED}
    assert state(stack, other) is BotState.RUNNING, "a futures bot is not on the spot BTC holding"
    reason = bots.get(stack.db.cursor(), first).reason
    assert reason.startswith(f"the spot account holds {received.normalize()} BTC more than the bots and the manual book")
    assert reason.endswith("resolve it on the Overview: assign it to a bot, close it or accept it as yours")

    holdings.adjust(stack.db, venue=Venue.PAPER, market=SPOT, account="paper", bot_id=first, symbol="BTC/USDT",
                    quantity=received, price=Decimal("60000"), note="assigned in a test")
    stack.engine.holdings.run(force=True)
    assert {state(stack, first), state(stack, second)} == {BotState.RUNNING}
    [adjustment] = [t for t in trades.for_bot(stack.db.cursor(), first) if t.adjustment]
    assert adjustment.quantity == received and adjustment.pnl == 0
    assert read(stack).difference == 0


def test_a_futures_position_closed_outside_is_a_difference_until_accepted(stack) -> None:
    bot_id = stack.add_bot(**dca("long", market=FUTURES, size=Decimal("200")))
    stack.engine.start_bot(bot_id)
    stack.cycles(2)
    held = read(stack, FUTURES, "BTC/USDT")
    assert held.bots[0].quantity > 0 and held.difference == 0
    outside_order(stack, FUTURES, "sell", str(held.bots[0].quantity), reduceOnly=True)  # like a liquidation
    stack.cycles(2)
    assert state(stack, bot_id) is BotState.SUSPENDED
    gone = read(stack, FUTURES, "BTC/USDT")
    assert gone.on_account == 0 and gone.difference == -held.bots[0].quantity
    with stack.db.transaction() as cur:
        books.add_outside(cur, Venue.PAPER, FUTURES, "paper", "BTC/USDT", gone.difference, "accepted in a test")
    stack.engine.holdings.run(force=True)
    assert state(stack, bot_id) is BotState.RUNNING


def test_what_the_account_held_before_the_console_tracked_it_is_the_person_s(stack) -> None:
    outside_order(stack, SPOT, "buy", "0.0007")
    bot_id = stack.add_bot(**dca("late"))
    stack.engine.start_bot(bot_id)
    stack.cycles(3)
    btc = read(stack)
    assert btc.outside > 0 and btc.difference == 0
    assert state(stack, bot_id) is BotState.RUNNING


def test_an_order_in_flight_is_not_judged(stack) -> None:
    bot_id = stack.add_bot(**dca("first"))
    stack.engine.start_bot(bot_id)
    stack.cycles(2)
    book = DbJournal(stack.db, Owner(Venue.PAPER, SPOT, "paper", None))
    book.pending("cc-in-flight-0001", OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.BUY,
                                                   quote_quantity=Decimal("20")))
    assert read(stack).settling == "an order on it is being placed"


def test_a_spot_exit_after_its_oco_filled_leaves_dust_and_does_not_halt(stack) -> None:
    bot_id = stack.add_bot(**dca("protected", take_profit_pct=Decimal("2"), stop_loss_pct=Decimal("2")))
    stack.engine.start_bot(bot_id)
    stack.cycles(2)
    cur = stack.db.cursor()
    config = bots.get(cur, bot_id).config
    [entry] = trades.for_bot(cur, bot_id)
    stack.exchange.feed.set_price("BTCUSDT", (entry.price * Decimal("1.03")).quantize(Decimal("0.01")))
    # the take-profit leg fills on the exchange; the bot's exit signal comes before it noticed
    held = positions.of_bot(cur, bot_id, config)
    client = stack.clients.get(Venue.PAPER, SPOT, "paper")
    orders_before = len(stack.exchange.exchange_orders("spot"))
    _close(stack.engine._ctx, client, None, config, bot_id, held, client.ticker("BTC/USDT").last, "exit signal")
    stack.engine.writer.flush()
    left = positions.of_bot(stack.db.cursor(), bot_id, config).quantity
    assert 0 < left and positions.is_dust(left, entry.price, client.rules("BTC/USDT"))
    assert len(stack.exchange.exchange_orders("spot")) == orders_before, "no order for the dust"
    assert [t.order_type.value for t in trades.for_bot(stack.db.cursor(), bot_id)] == ["market", "limit_maker"]


def test_commissions_paid_in_bnb_are_valued_in_the_quote_asset(stack) -> None:
    stack.exchange.feed.set_price("BNBUSDT", Decimal("600"))
    manual = Owner(Venue.PAPER, SPOT, "paper", None)
    gateway = stack.engine.gateway
    gateway.place(manual, OrderRequest(symbol="BNB/USDT", market=SPOT, side=Side.BUY, quantity=Decimal("1")))
    stack.exchange.spot.bnb_fees = True
    buy = gateway.place(manual, OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.BUY,
                                             quote_quantity=Decimal("200")))
    sell = gateway.place(manual, OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.SELL, quantity=buy.filled))
    rows = {r[0]: r for r in stack.db.cursor().execute(
        "SELECT client_order_id, commission, commission_asset, commission_quote, pnl, quote_quantity "
        "FROM trades").fetchall()}
    _, fee_buy, asset_buy, quote_buy, _, spent = rows[buy.client_order_id]
    _, fee_sell, asset_sell, quote_sell, pnl, got = rows[sell.client_order_id]
    assert (asset_buy, asset_sell) == ("BNB", "BNB")
    assert quote_buy == fee_buy * 600 and quote_sell == fee_sell * 600, "valued at the BNB/USDT price"
    assert quote_buy > 0
    assert pnl == got - quote_sell - (spent + quote_buy), "both commissions count against the PnL"
