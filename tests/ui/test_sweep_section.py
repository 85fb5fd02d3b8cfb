"""The Sweep section: ranges in, a sweep on the console's own LocalCluster (one worker per core), the
sortable results, the heatmap, and a bot created from the best parameters."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from console import ui
from console.history.importer import import_csv
from tests.ui.conftest import texts


def section() -> None:
    from console import ui
    from console.ui_sweep import sweep_section

    sweep_section(ui.console())


@pytest.fixture
def console_on_cluster(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    # no scheduler address: the console starts its own LocalCluster, as a person's console does; AppTest
    # has made the page the main module, which spawned workers must not run again
    monkeypatch.delenv("CONSOLE_SWEEP_SCHEDULER", raising=False)
    con = ui.console()
    import_csv(con.history.store, "spot", "BTC/USDT", shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv", "1h")
    return con


def test_a_sweep_runs_from_the_section_and_its_best_parameters_become_a_bot(console_on_cluster) -> None:
    con = console_on_cluster
    at = AppTest.from_function(section, default_timeout=60).run()
    assert not at.exception
    assert "No sweeps yet" in texts(at.caption)
    at.text_input(key="sweep_range_ma_cross_fast").set_value("5:15:5")
    at.text_input(key="sweep_range_ma_cross_slow").set_value("30,50")
    at.date_input(key="sweep_start").set_value(date(2020, 11, 17))
    at.date_input(key="sweep_end").set_value(date(2021, 1, 15))
    at.button(key="sweep_start_button").click().run()
    assert not at.exception and not at.error, texts(at.error)

    view = con.sweeps.wait(300)  # the page only started the thread
    assert view is not None and view.state == "done", view
    assert (view.done, view.total) == (6, 6)
    at.run()
    assert not at.exception
    assert "Sweep" in texts(at.success) and "6 trials run" in texts(at.success)

    table = next(d.value for d in at.dataframe if "net_profit" in d.value.columns)
    assert len(table) == 6
    assert sorted(zip(table["fast"], table["slow"])) == sorted(
        (f, s) for f in ("5", "10", "15") for s in ("30", "50"))
    stored = con.sweeps.results(view.sweep_id)
    assert list(table["trades"]) == [str(int(t)) for t in stored.sort_values("score", ascending=False)["trades"]]

    at.selectbox(key="sweep_sort").select("trades").run()
    at.toggle(key="sweep_ascending").set_value(True).run()
    table = next(d.value for d in at.dataframe if "net_profit" in d.value.columns)
    trades = [int(t) for t in table["trades"]]
    assert trades == sorted(trades)
    assert at.get("plotly_chart")  # the fast x slow heatmap

    best = at.selectbox(key="sweep_bot_params").value
    at.text_input(key="sweep_bot_name").set_value("from sweep")
    at.button(key="sweep_create_bot").click().run()
    assert not at.exception and not at.error, texts(at.error)
    created = [b for b in con.bots.all() if b.config.name == "from sweep"]
    assert len(created) == 1
    import json

    chosen = json.loads(best)
    assert {k: created[0].config.params[k] for k in chosen} == chosen
    assert created[0].config.timeframe == "1h" and created[0].config.symbol == "BTC/USDT"
