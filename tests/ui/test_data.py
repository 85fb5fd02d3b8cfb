"""Data page: where downloads come from, a download in the background with its report, the stored table, delete."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from console import ui
from console.history.series import Series
from tests.history.archive_server import ArchiveServer, write_klines
from tests.history.conftest import BTC_1H, candles
from tests.ui.conftest import frame, run_page, texts

SPOT_BTC = Series.klines("spot", "BTCUSDT", "1h")


@pytest.fixture
def local_archive(tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArchiveServer]:
    """Point the console's history settings at an archive of two real months on this machine."""
    write_klines(tmp_path / "archive", SPOT_BTC, candles(shared_data / BTC_1H), monthly=["2021-01", "2021-02"])
    server = ArchiveServer(tmp_path / "archive").start()
    monkeypatch.setenv("CONSOLE_HISTORY_ARCHIVE_URL", server.base_url)
    monkeypatch.setenv("CONSOLE_HISTORY_REST_URL", "http://127.0.0.1:9")
    yield server
    server.stop()


def download(at, start: date, end: date) -> None:
    at.selectbox(key="history_timeframe").select("1h")
    at.date_input(key="history_start").set_value(start)
    at.date_input(key="history_end").set_value(end)
    next(b for b in at.button if b.label == "Download").click().run()


def test_a_download_runs_in_the_background_and_lands_in_the_stored_table(local_archive) -> None:
    at = run_page("6_Data.py")
    assert not at.exception
    assert f"Downloads come from this machine: archive {local_archive.base_url}" in texts(at.info)
    assert "Nothing stored yet" in texts(at.caption)

    download(at, date(2021, 1, 1), date(2021, 2, 28))  # the last day is included
    assert not at.exception and not at.error
    view = ui.console().history.wait(60)  # the page only started the thread
    assert view is not None and view.state == "done"
    at.run()

    assert "Downloaded BTCUSDT spot 1h, 2021-01-01 00:00 → 2021-03-01 00:00" in texts(at.success)
    assert "1 gap(s) Binance has no data for (outages)" in texts(at.success)
    table = frame(at, "outages")
    assert table.loc[0, "symbol"] == "BTCUSDT" and table.loc[0, "data"] == "1h"
    assert table.loc[0, "rows"] == 1415 and table.loc[0, "outages"] == 1
    assert len(local_archive.asked(".zip.CHECKSUM")) == 2
    gaps = frame(at, "missing")
    assert gaps.loc[0, "kind"] == "Binance has no data (outage)"
    assert at.get("plotly_chart")  # the series' chart


def test_a_running_download_shows_its_progress_and_can_be_cancelled(local_archive) -> None:
    local_archive.gate.clear()  # the archive holds every request: the download stays running
    at = run_page("6_Data.py")
    download(at, date(2021, 1, 1), date(2021, 2, 28))
    con = ui.console()
    assert con.history.running()
    assert at.get("progress") and "BTCUSDT spot 1h from 2021-01-01 00:00" in at.get("progress")[0].proto.text
    at.run()
    assert next(b for b in at.button if b.label == "Download").disabled  # one download at a time
    at.button(key="history_cancel").click().run()
    local_archive.gate.set()
    view = con.history.wait(60)
    assert view.state == "cancelled" and "what was fetched is kept" in view.result
    at.run()
    assert "Cancelled BTCUSDT spot 1h" in texts(at.warning)
    assert not next(b for b in at.button if b.label == "Download").disabled


def test_a_stored_series_is_deleted_after_a_confirmation(local_archive) -> None:
    con = ui.console()
    con.history.download(market="spot", symbol="BTCUSDT", timeframe="1h", start=date(2021, 1, 1),
                         end=date(2021, 2, 1))
    assert con.history.wait(60).state == "done"
    at = run_page("6_Data.py")
    assert at.button(key="history_delete").disabled
    at.checkbox(key=f"history_delete_sure_{SPOT_BTC.key}").check().run()
    at.button(key="history_delete").click().run()
    assert "Deleted BTCUSDT spot 1h" in texts(at.success)
    assert "Nothing stored yet" in texts(at.caption)
    assert con.history.store.all_series() == []


def test_a_bad_download_request_is_refused_inline_with_the_fix(local_archive) -> None:
    at = run_page("6_Data.py")
    at.text_input(key="history_symbol").input("BTC USDT")
    download(at, date(2021, 1, 1), date(2021, 1, 31))
    assert "is not a Binance symbol; write it like BTCUSDT or BTC/USDT" in texts(at.error)
    at.text_input(key="history_symbol").input("BTCUSDT")
    at.selectbox(key="history_data").select("funding")
    download(at, date(2021, 1, 1), date(2021, 1, 31))
    assert "funding rates exist for USD-M futures only" in texts(at.error)
    assert ui.console().history.job() is None


def test_downloading_from_binance_needs_the_person_to_choose_it() -> None:
    at = run_page("6_Data.py")  # the default settings: Binance's public servers
    assert "Downloads reach Binance's public servers (archive https://data.binance.vision" in texts(at.warning)
    assert next(b for b in at.button if b.label == "Download").disabled
    at.checkbox(key="history_consent").check().run()
    assert not next(b for b in at.button if b.label == "Download").disabled


def test_the_bots_page_draws_a_bots_chart_with_its_trades(con) -> None:
    from tests.ui.conftest import dca_form

    bot_id = con.bots.create(dca_form("chart bot"))
    con.bots.start(bot_id)
    con.engine.run_cycle()  # the DCA bot buys on its first tick
    con.engine.writer.flush()
    at = run_page("2_Bots.py")
    assert not at.exception
    [chart] = [c for c in at.get("plotly_chart") if "candlestick" in c.proto.spec]
    spec = json.loads(chart.proto.spec)
    kinds = [trace["type"] for trace in spec["data"]]
    assert kinds[0] == "candlestick" and "bar" in kinds
    [entry] = [t for t in spec["data"] if t.get("name") == "entry buy"]
    assert entry["text"][0].startswith("entry buy ") and " @ " in entry["text"][0]
    assert "chart bot · BTC/USDT spot 1m" in spec["layout"]["title"]["text"]
