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


def test_the_bot_form_saves_its_risk_limits_as_the_defaults_of_new_bots(con) -> None:
    at = run_page("2_Bots.py")
    at.text_input(key="new_maxt").input("7")
    at.text_input(key="new_maxl").input("55.5")
    at.text_input(key="new_maxp").input("750")
    at.button(key="FormSubmitter:new_form-Save risk limits as defaults").click().run()
    assert not at.exception and not texts(at.error), texts(at.error)
    assert "New bots start with at most 7 trades a day, a daily loss of 55.50 and a position of 750.00" in texts(at.success)
    assert con.bots.all() == []  # only the defaults were saved, no bot
    assert at.text_input(key="new_maxt").value == "7"
    settings = run_page("5_Settings.py")
    shown = frame(settings, "limit").set_index("limit")["value"]
    assert shown["max trades per day"] == "7" and shown["max daily loss (quote)"] == "55.5"
    assert shown["max position (quote)"] == "750"
    fresh = run_page("2_Bots.py")  # a new form starts with them
    assert fresh.text_input(key="new_maxl").value == "55.5" and fresh.text_input(key="new_maxp").value == "750"
    assert con.backtests.base_config(None).max_trades_per_day == 7


def test_risk_defaults_out_of_range_are_refused_in_words(con) -> None:
    at = run_page("2_Bots.py")
    at.text_input(key="new_maxt").input("0")
    at.button(key="FormSubmitter:new_form-Save risk limits as defaults").click().run()
    assert "max trades per day 0 must be at least 1; write e.g. 20" in texts(at.error)
    at.text_input(key="new_maxt").input("5")
    at.text_input(key="new_maxp").input("-1")
    at.button(key="FormSubmitter:new_form-Save risk limits as defaults").click().run()
    assert "max position -1 must be above zero" in texts(at.error)
    assert con.setup.risk_defaults()["max position (quote)"] == 1000
