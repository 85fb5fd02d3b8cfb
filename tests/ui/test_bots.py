"""Bots: the validated form with a preview, start/stop through callbacks, edit/clone/delete, the log."""
from __future__ import annotations

import pytest

from console.domain import BotState
from console.errors import ConfigError
from tests.ui.conftest import dca_form, frame, run_page, texts


def fill_new_bot(at, name: str = "my dca", strategy: str = "dca") -> None:
    at.selectbox(key="new_strategy").select(strategy).run()
    at.text_input(key="new_name").input(name)


def submit(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def test_preview_shows_the_normalised_first_order_without_saving(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    submit(at, "Preview order")
    assert not at.exception and not at.error
    preview = frame(at, "notional")
    assert preview.loc[0, "symbol"] == "BTC/USDT" and preview.loc[0, "notional"] == "100.00"
    assert preview.loc[0, "fee"].endswith("BTC")
    assert con.bots.all() == []


def test_saving_a_bot_lists_it_stopped_with_a_start_button(con) -> None:
    at = run_page("2_Bots.py")
    assert "No bots yet: create one below." in texts(at.info)
    fill_new_bot(at)
    submit(at, "Save bot")
    assert not at.exception
    assert "Created bot my dca (stopped)" in texts(at.success)
    [record] = con.bots.all()
    assert record.config.strategy == "dca" and record.state is BotState.STOPPED
    assert at.button(key=f"start_{record.id}").label == "▶ Start"


def test_a_bad_size_is_refused_inline_with_the_fix(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.text_input(key="new_size").input("lots")
    submit(at, "Save bot")
    assert "size 'lots' is not a number; write it like 0.001" in texts(at.error)
    assert con.bots.all() == []


def test_strategy_parameters_that_do_not_fit_together_are_refused(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at, strategy="ma_cross")
    at.number_input(key="new_ma_cross_fast").set_value(40)
    at.number_input(key="new_ma_cross_slow").set_value(20)
    submit(at, "Save bot")
    assert "fast period 40 must be below slow period 20; lower fast or raise slow" in texts(at.error)


def test_leverage_on_a_spot_bot_is_refused(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.text_input(key="new_lev").input("5")
    submit(at, "Save bot")
    assert "leverage applies to futures only; set it to 1 for spot" in texts(at.error)


def test_an_order_below_the_minimum_notional_is_refused_with_the_fix(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.text_input(key="new_size").input("0.5")
    submit(at, "Preview order")
    assert "below the minimum order value 5 USDT for BTC/USDT; buy at least" in texts(at.error)
    assert con.bots.all() == []


def test_start_and_stop_go_through_callbacks(con) -> None:
    bot_id = con.bots.create(dca_form())
    at = run_page("2_Bots.py")
    at.button(key=f"start_{bot_id}").click().run()
    assert not at.exception
    assert con.bots.get(bot_id).state is BotState.RUNNING
    assert "Started dca bot" in texts(at.success)
    at.button(key=f"stop_{bot_id}").click().run()
    assert con.bots.get(bot_id).state is BotState.STOPPED
    assert at.button(key=f"start_{bot_id}")


def test_start_all_and_stop_all(con) -> None:
    ids = [con.bots.create(dca_form(f"bot {i}")) for i in range(2)]
    at = run_page("2_Bots.py")
    at.button(key="start_all").click().run()
    assert {con.bots.get(i).state for i in ids} == {BotState.RUNNING}
    at.button(key="stop_all").click().run()
    assert {con.bots.get(i).state for i in ids} == {BotState.STOPPED}


def test_edit_clone_and_delete(con) -> None:
    bot_id = con.bots.create(dca_form("first"))
    at = run_page("2_Bots.py")
    at.text_input(key=f"edit{bot_id}_size").input("150")
    at.button(key=f"FormSubmitter:edit{bot_id}_form-Save bot").click().run()
    assert str(con.bots.get(bot_id).config.size) == "150"
    at.text_input(key=f"clone_name_{bot_id}").input("second")
    at.button(key="clone").click().run()
    assert sorted(r.config.name for r in con.bots.all()) == ["first", "second"]
    at.checkbox(key=f"delete_confirm_{bot_id}").check().run()
    at.button(key="delete").click().run()
    assert [r.config.name for r in con.bots.all()] == ["second"]
    assert "Deleted first." in texts(at.success)


def test_deleting_a_running_bot_is_refused(con) -> None:
    bot_id = con.bots.create(dca_form())
    con.bots.start(bot_id)
    at = run_page("2_Bots.py")
    at.checkbox(key=f"delete_confirm_{bot_id}").check().run()
    at.button(key="delete").click().run()
    assert "is running; stop it before deleting it" in texts(at.error)


def test_the_event_log_lists_a_bot_s_events(con) -> None:
    bot_id = con.bots.create(dca_form())
    at = run_page("2_Bots.py")
    at.selectbox(key="log_bot").select(bot_id).run()
    log = frame(at, "message")
    assert "created" in set(log["message"])


def test_on_the_live_venue_starting_bots_needs_a_confirmation(monkeypatch) -> None:
    monkeypatch.setenv("CONSOLE_VENUE", "live")
    monkeypatch.setenv("CONSOLE_LIVE_CONFIRMED", "yes")
    at = run_page("2_Bots.py")
    assert at.button(key="start_all").disabled
    at.checkbox(key="bots_live").check().run()
    assert not at.button(key="start_all").disabled


def test_an_empty_size_or_max_daily_loss_is_refused_naming_the_field(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.text_input(key="new_size").input("")
    submit(at, "Save bot")
    assert not at.exception
    assert "Size is empty; enter an amount in quote like 100" in texts(at.error)
    at.text_input(key="new_size").input("100")
    at.text_input(key="new_maxl").input("")
    submit(at, "Save bot")
    assert not at.exception
    assert "Max daily loss (quote) is empty; enter an amount in quote like 100" in texts(at.error)
    at.text_input(key="new_maxl").input("100")
    at.text_input(key="new_maxp").input(" ")
    submit(at, "Preview order")
    assert "Max position (quote) is empty" in texts(at.error)
    assert con.bots.all() == []


def test_a_bot_holding_a_position_is_deleted_only_with_its_position_closed(con) -> None:
    bot_id = con.bots.create(dca_form("holder"))
    con.bots.start(bot_id)
    con.engine.run_cycle()  # buys on its first tick
    con.bots.stop(bot_id)
    at = run_page("2_Bots.py")
    at.checkbox(key=f"delete_confirm_{bot_id}").check().run()
    at.button(key="delete").click().run()
    assert "bot holder holds" in texts(at.error) and "close its position and orders first" in texts(at.error)
    assert [r.id for r in con.bots.all()] == [bot_id]
    at.checkbox(key=f"delete_close_{bot_id}").check().run()
    at.button(key="delete").click().run()
    assert not at.exception
    done = texts(at.success)
    assert "Cancelled its orders and sold 0.0" in done and "BTC left over is yours now; deleted holder." in done
    assert con.bots.all() == []
    btc = con.holdings.table().set_index(["market", "holding"]).loc[("spot", "BTC")]
    assert btc["difference"] == "0" and btc["bots"].startswith(f"#{bot_id} (deleted): 0")


def test_futures_leverage_out_of_the_symbol_s_bracket_says_the_range(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.radio(key="new_market").set_value("futures").run()
    at.text_input(key="new_lev").input("500")
    submit(at, "Save bot")
    assert not at.exception
    assert "leverage 500 is out of range: BTC/USDT allows 1\u2013125" in texts(at.error)
    assert con.bots.all() == []


@pytest.mark.parametrize("size, message", [
    ("5000", "size 5,000 USDT is above the max position 1,000 USDT"),
    ("1e309", "size 1e+309 is too large"),
    ("-5", "size -5 must be a positive number"),
    ("nan", "size 'nan' is not a finite number"),
])
def test_sizes_out_of_bounds_are_refused_saying_why(con, size, message) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.text_input(key="new_size").input(size)
    submit(at, "Save bot")
    assert not at.exception
    assert message in texts(at.error)
    assert con.bots.all() == []


def test_a_futures_size_times_leverage_above_the_max_position_is_said(con) -> None:
    form = dca_form() | {"market": "futures", "leverage": "20", "strategy": "ma_cross"}
    with pytest.raises(ConfigError, match="size 100 USDT at 20x is a position of 2,000 USDT, which is above "
                                          "the max position 1,000 USDT"):
        con.bots.config(form)


def test_the_risk_limits_are_edited_in_the_form(con) -> None:
    at = run_page("2_Bots.py")
    fill_new_bot(at)
    at.text_input(key="new_maxt").input("7")
    at.text_input(key="new_maxp").input("2500")
    submit(at, "Save bot")
    [record] = con.bots.all()
    assert record.config.max_trades_per_day == 7 and str(record.config.max_position_quote) == "2500"


def test_a_running_bot_s_market_and_symbol_are_locked(con) -> None:
    bot_id = con.bots.create(dca_form())
    con.bots.start(bot_id)
    at = run_page("2_Bots.py")
    assert at.radio(key=f"edit{bot_id}_market").disabled
    assert at.text_input(key=f"edit{bot_id}_symbol").disabled
    with pytest.raises(ConfigError, match="its market and symbol cannot change while it runs; stop it first"):
        con.bots.update(bot_id, dca_form() | {"symbol": "ETH/USDT"})
    con.bots.update(bot_id, dca_form() | {"size": "120"})  # the rest may change
    assert str(con.bots.get(bot_id).config.size) == "120"


def test_each_bot_links_to_its_page(con) -> None:
    bot_id = con.bots.create(dca_form())
    at = run_page("2_Bots.py")
    assert f"(Bot?bot={bot_id})" in texts(at.markdown)
