"""The page of one bot: chosen by ?bot=<id> or by name; state, position, orders, round trips, chart, log, actions."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from console.domain import BotState
from tests.ui.conftest import ROOT, dca_form, frame, texts


def bot_page(bot_id: int | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "8_Bot.py"), default_timeout=30)
    if bot_id is not None:
        at.query_params["bot"] = str(bot_id)
    return at.run()


def test_the_query_parameter_picks_the_bot(con) -> None:
    con.bots.create(dca_form("first"))
    second = con.bots.create(dca_form("second"))
    at = bot_page(second)
    assert not at.exception
    assert at.selectbox(key="bot_pick").value == second
    assert "**second** · BTC/USDT spot 1m · `stopped`" in texts(at.markdown)
    settings = frame(at, "setting").set_index("setting")["value"]
    assert settings["name"] == "second" and settings["strategy"] == "dca"


def test_start_buy_then_position_round_trip_log_and_stop(con) -> None:
    bot_id = con.bots.create(dca_form("holder"))
    at = bot_page(bot_id)
    at.button(key="bot_start").click().run()
    assert con.bots.get(bot_id).state is BotState.RUNNING
    con.engine.run_cycle()  # buys on its first tick
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Position"].startswith("0.0") and metrics["Position"].endswith("BTC")
    assert metrics["Unrealised PnL"].endswith("USDT")
    trips = frame(at, "direction")
    assert list(trips["direction"]) == ["long"] and trips.loc[0, "closed"] == ""
    assert "entry decided on the candle opening" in " ".join(frame(at, "message")["message"])
    assert at.radio(key=f"bot{bot_id}_market").disabled  # running: market and symbol locked
    at.button(key="bot_stop").click().run()
    assert con.bots.get(bot_id).state is BotState.STOPPED


def test_edit_and_clone_from_the_bot_page(con) -> None:
    bot_id = con.bots.create(dca_form("first"))
    at = bot_page(bot_id)
    at.text_input(key=f"bot{bot_id}_size").input("150")
    at.button(key=f"FormSubmitter:bot{bot_id}_form-Save bot").click().run()
    assert not at.exception and str(con.bots.get(bot_id).config.size) == "150"
    at.text_input(key=f"bot_clone_name_{bot_id}").input("second")
    at.button(key="bot_clone").click().run()
    assert not at.exception
    clone = next(r for r in con.bots.all() if r.config.name == "second")
    assert at.selectbox(key="bot_pick").value == clone.id
    assert "Cloned first into second (stopped)." in texts(at.success)


def test_a_bot_is_found_by_name_too(con) -> None:
    bot_id = con.bots.create(dca_form("by name"))
    assert con.bots.find("by name").id == bot_id and con.bots.find(str(bot_id)).id == bot_id
