"""Backtest page: the stored-data check, a run in the background with its results, saved runs compared."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from console import ui
from tests.ui.conftest import dca_form, frame, run_page, texts
from tests.ui.test_data import local_archive  # noqa: F401 - a fixture

BTC_1H = "candles/binance_spot_BTCUSDT_1h.csv"  # 2020-11-17 -> 2021-05-16


@pytest.fixture
def stored(con, shared_data: Path):
    """BTCUSDT spot 1h candles written into the console's history store."""
    con.history.import_csv((shared_data / BTC_1H).read_bytes(), market="spot", symbol="BTCUSDT", timeframe="1h")
    return con


def pick_range(at, first: date, last: date) -> None:
    at.date_input(key="bt_from").set_value(first)
    at.date_input(key="bt_to").set_value(last)
    at.run()


def run_backtest(at, con, **inputs) -> None:
    for key, value in inputs.items():
        at.text_input(key=f"bt_new_{key}").input(value)
    pick_range(at, date(2020, 12, 1), date(2021, 2, 28))
    at.button(key="bt_run").click().run()
    assert not at.exception and not at.error, texts(at.error)
    view = con.backtests.wait(60)  # the page only started the thread
    assert view is not None and view.state == "done", view
    at.run()


def metric(at, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def test_a_backtest_over_stored_candles_shows_its_metrics_curves_trades_and_chart(stored) -> None:
    at = run_page("7_Backtest.py")
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Run", "Saved runs", "Sweep"]
    run_backtest(at, stored, tp="2", sl="1")

    assert "Stored: 2,155 BTCUSDT spot 1h candles from 2020-12-01 00:00 to 2021-03-01 00:00." in texts(at.success)
    assert re.fullmatch(r"-?[\d,]+\.\d\d USDT", metric(at, "Net profit"))
    assert re.fullmatch(r"-?\d+\.\d%", metric(at, "Return"))
    assert re.fullmatch(r"-?\d+\.\d%", metric(at, "Max drawdown"))
    assert int(metric(at, "Trades")) > 0
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert "Equity" in titles and "Drawdown" in titles
    [price] = [s for s in specs if any(t["type"] == "candlestick" for t in s["data"])]
    names = {t.get("name") for t in price["data"]}
    assert {"entry buy", "exit"} <= names and "BTC/USDT spot 1h · ma_cross backtest" in price["layout"]["title"]["text"]
    trades = frame(at, "exit_reason")
    assert len(trades) == int(metric(at, "Trades"))
    assert set(trades["exit_reason"]) <= {"take-profit", "stop-loss", "signal"}
    assert all(p.endswith(" USDT") for p in trades["pnl"])
    assert "No signal was rejected." in texts(at.caption)


def test_to_before_from_says_so_and_nothing_runs(stored) -> None:
    at = run_page("7_Backtest.py")
    pick_range(at, date(2021, 2, 1), date(2021, 1, 1))
    assert "To 2021-01-01 is before From 2021-02-01; pick a To date on or after From" in texts(at.error)
    assert not at.get("button") or all(b.key != "bt_run" for b in at.button)
    assert stored.backtests.job() is None


def test_missing_history_is_offered_for_download_and_then_runs(local_archive) -> None:  # noqa: F811
    con = ui.console()
    at = run_page("7_Backtest.py")
    pick_range(at, date(2021, 1, 1), date(2021, 1, 31))
    assert "No BTCUSDT spot 1h candles stored from 2021-01-01 00:00 to 2021-02-01 00:00" in texts(at.info)
    assert at.button(key="bt_run").disabled
    at.button(key="bt_download").click().run()
    assert con.history.wait(60).state == "done"
    at.run()
    at.run()  # the progress panel saw the download end
    assert "Stored: 744 BTCUSDT spot 1h candles" in texts(at.success)
    assert not at.button(key="bt_run").disabled


def test_a_running_download_shows_its_progress_and_can_be_cancelled(local_archive) -> None:  # noqa: F811
    local_archive.gate.clear()  # the archive holds every request: the download stays running
    con = ui.console()
    at = run_page("7_Backtest.py")
    pick_range(at, date(2021, 1, 1), date(2021, 1, 31))
    at.button(key="bt_download").click().run()
    assert con.history.running()
    [bar] = at.get("progress")
    assert "Downloading BTCUSDT spot 1h from 2021-01-01 00:00 to 2021-02-01 00:00" in bar.proto.text
    assert at.button(key="bt_download").disabled  # one download at a time
    at.button(key="bt_download_cancel").click().run()
    local_archive.gate.set()
    assert con.history.wait(60).state == "cancelled"
    at.run()
    assert not at.get("progress")
    buttons = {b.key: b for b in at.button}
    # what was in flight when cancelled is kept (the range can run), else the download is offered again
    assert not buttons["bt_run"].disabled or not buttons["bt_download"].disabled


def test_runs_are_saved_compared_side_by_side_and_deleted(stored) -> None:
    at = run_page("7_Backtest.py")
    run_backtest(at, stored, tp="2", sl="1")
    at.button(key="bt_save").click().run()
    assert re.search(r"Saved as backtest #\d+", texts(at.success))
    assert at.button(key="bt_save").disabled  # saved once
    run_backtest(at, stored, tp="3", sl="1.5")
    at.button(key="bt_save").click().run()

    saved = frame(at, "max_drawdown")
    assert len(saved) == 2
    ids = [r.id for r in stored.backtests.saved().itertuples()]
    at.multiselect(key="bt_compare").set_value(ids).run()
    compared = frame(at, "")  # one row per setting or figure, one column per run
    rows = dict(zip(compared[""], compared.drop(columns=[""]).to_numpy().tolist()))
    assert sorted(rows["take profit"]) == ["2.0%", "3.0%"]
    assert all(v.endswith(" USDT") for v in rows["net profit"])

    at.selectbox(key="bt_saved_pick").set_value(ids[0]).run()
    at.checkbox(key=f"bt_delete_sure_{ids[0]}").check().run()
    at.button(key="bt_delete").click().run()
    assert f"Deleted backtest #{ids[0]}" in texts(at.success)
    assert [r.id for r in stored.backtests.saved().itertuples()] == ids[1:]


def test_a_bot_is_created_from_the_runs_config_and_a_taken_name_is_refused(stored) -> None:
    at = run_page("7_Backtest.py")
    run_backtest(at, stored, tp="2", sl="1")
    at.text_input(key="bt_bot_name").input("tested cross").run()
    at.button(key="bt_create").click().run()
    assert "Created bot tested cross (stopped)" in texts(at.success)
    [bot] = [r for r in stored.bots.all() if r.config.name == "tested cross"]
    assert str(bot.config.take_profit_pct) == "2" and bot.config.timeframe == "1h"
    at.button(key="bt_create").click().run()
    assert "a bot named tested cross exists; choose another name" in texts(at.error)


def test_a_saved_bot_is_the_starting_point(stored) -> None:
    bot_id = stored.bots.create(dca_form("stacker") | {"timeframe": "1h"})
    at = run_page("7_Backtest.py")
    at.selectbox(key="bt_bot").set_value(bot_id).run()
    assert at.selectbox(key=f"bt_{bot_id}_strategy").value == "dca"
    assert at.selectbox(key=f"bt_{bot_id}_timeframe").value == "1h"
    pick_range(at, date(2021, 1, 1), date(2021, 1, 31))
    at.button(key="bt_run").click().run()
    assert stored.backtests.wait(60).state == "done"
    at.run()
    assert int(metric(at, "Trades")) >= 0 and not at.exception


def test_the_stored_range_is_offered_and_taken_in_one_click(stored) -> None:
    at = run_page("7_Backtest.py")
    button = at.button(key="bt_stored_range")
    assert button.label == "Use the stored range: 2020-11-17 → 2021-05-15"
    button.click().run()
    assert not at.exception
    assert (at.date_input(key="bt_from").value, at.date_input(key="bt_to").value) == (date(2020, 11, 17),
                                                                                      date(2021, 5, 15))
    assert "Stored: " in texts(at.success), texts(at.warning) + texts(at.info) + texts(at.error)
    assert not [b for b in at.button if b.key == "bt_stored_range"]  # the range in use: nothing to offer
