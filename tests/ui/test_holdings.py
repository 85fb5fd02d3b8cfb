"""The Overview's positions table (the account against the bots and the manual book), resolving a
difference each way, and the paper reset clearing the books."""
from __future__ import annotations

from decimal import Decimal

from console.domain import BotState, Market
from console.exchange.connect import make_ccxt
from tests.ui.conftest import dca_form, frame, run_page, texts


def outside_buy(con, quantity: float = 0.0005) -> None:
    """Buy on the paper account as another program would, past the console."""
    key, secret = con.paper.keys()
    raw = make_ccxt(Market.SPOT, base_url=con.paper.base_url, api_key=key, api_secret=secret)
    raw.load_markets()
    raw.create_order("BTC/USDT", "market", "buy", quantity)


def btc(con):
    return con.holdings.table().set_index(["market", "holding"]).loc[("spot", "BTC")]


def test_the_overview_shows_each_bot_and_the_manual_book_against_the_account(con) -> None:
    bot_id = con.bots.create(dca_form("stacker"))
    con.bots.start(bot_id)
    con.engine.run_cycle()
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="60", amount_in="quote")
    at = run_page("1_Overview.py")
    assert not at.exception
    table = frame(at, "difference").set_index(["market", "holding"])
    row = table.loc[("spot", "BTC")]
    assert row["state"] == "agrees" and row["difference"] == "0"
    assert row["bots"].startswith("stacker: 0.00") and Decimal(row["by hand"]) > 0
    assert Decimal(row["on the account"]) == Decimal(row["bots"].split(": ")[1]) + Decimal(row["by hand"])


def test_a_difference_is_accepted_on_the_overview_and_the_suspended_bot_runs_again(con) -> None:
    bot_id = con.bots.create(dca_form("watched"))
    con.bots.start(bot_id)
    con.engine.run_cycle()
    outside_buy(con)
    con.client(Market.SPOT).forget_balances()  # as when the balances the console keeps for a few seconds expire
    for _ in range(2):  # seen twice in a row: the engine suspends the bot
        con.engine.holdings.run(force=True)
    assert con.bots.get(bot_id).state is BotState.SUSPENDED
    at = run_page("1_Overview.py")
    assert btc(con)["state"] == "differs: bots suspended"
    assert "spot BTC: 0.0004995 (paper)" in at.selectbox(key="diff_pick").options
    at.radio(key="diff_way").set_value("accept").run()
    at.checkbox(key="diff_confirm").check().run()
    at.button(key="diff_resolve").click().run()
    assert not at.exception
    assert "accepted 0.0004995 BTC as yours" in texts(at.success)
    assert con.bots.get(bot_id).state is BotState.RUNNING
    assert btc(con)["state"] == "agrees" and btc(con)["outside (yours)"] == "0.0004995"


def test_a_difference_assigned_to_a_bot_becomes_its_position(con) -> None:
    con.bots.create(dca_form("first"))
    second = con.bots.create(dca_form("second"))
    outside_buy(con)  # BTC is not tracked yet: what the account holds is the person's
    assert btc(con)["outside (yours)"] == "0.0004995"
    outside_buy(con)
    con.client(Market.SPOT).forget_balances()  # as when the balances kept for a few seconds expire
    [difference] = con.holdings.differences()
    assert {name for _, name in difference.bots} == {"first", "second"}
    assert "assigned 0.0004995 BTC to second" == con.holdings.assign_difference("spot", "BTC", second)
    assert con.bots.get(second).config.name == "second"
    row = btc(con)
    assert row["state"] == "agrees" and "second: 0.0004995" in row["bots"] and "first: 0" in row["bots"]


def test_a_difference_closed_at_market_is_sold_by_hand(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="60", amount_in="quote")
    before = btc(con)
    outside_buy(con, 0.001)
    done = con.holdings.close_difference("spot", "BTC")
    assert done.startswith("sold 0.0009") and done.endswith("BTC/USDT at market")
    after = btc(con)
    assert after["state"] == "agrees"
    assert Decimal(after["on the account"]) - Decimal(before["on the account"]) < Decimal("0.00001")


def test_the_paper_reset_stops_the_bots_and_clears_their_positions(con) -> None:
    spot = con.bots.create(dca_form("spot bot"))
    futures = con.bots.create({**dca_form("futures bot"), "market": "futures", "size": "200"})
    for bot_id in (spot, futures):
        con.bots.start(bot_id)
    con.engine.run_cycle()
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="60", amount_in="quote")
    at = run_page("5_Settings.py")
    at.checkbox(key="reset_confirm").check().run()
    at.button(key="reset").click().run()
    assert "The paper exchange is back to its starting wallet." in texts(at.success)
    assert {con.bots.get(spot).state, con.bots.get(futures).state} == {BotState.STOPPED}
    table = con.holdings.table()
    assert set(table["state"]) == {"agrees"}
    assert set(table["on the account"]) == {"0"} and set(table["by hand"]) == {"0"}
    assert all(part.endswith(": 0") for cell in table["bots"] for part in cell.split(" · "))
