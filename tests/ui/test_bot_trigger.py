"""The bot form sets what a futures bot's resting take-profit / stop-loss trigger on."""
from __future__ import annotations

from console.domain import WorkingType
from tests.ui.conftest import run_page


def test_the_trigger_price_of_futures_exits_is_chosen_in_the_bot_form(con) -> None:
    at = run_page("2_Bots.py")
    at.selectbox(key="new_strategy").select("dca").run()
    at.radio(key="new_market").set_value("futures").run()
    at.text_input(key="new_name").input("perp")
    at.text_input(key="new_lev").input("3")
    trigger = at.selectbox(key="new_wt")
    assert trigger.value == "mark_price", "mark price by default"
    trigger.select("contract_price")
    next(b for b in at.button if b.label == "Save bot").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [record] = con.bots.all()
    assert record.config.working_type is WorkingType.CONTRACT_PRICE
