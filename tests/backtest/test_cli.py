"""``python -m console.backtest``: flags or a saved bot, stored history or a CSV, metrics, JSON, saved runs."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from console.backtest import metrics, run_backtest, symbol_rules
from console.backtest.__main__ import main
from console.config import load_settings
from console.domain import BotConfig, Market
from console.history import open_store
from console.history.importer import import_csv
from console.storage import backtests, bots
from console.storage.db import Database
from tests.backtest.test_run import load

CSV = "binance_spot_BTCUSDT_1h.csv"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSOLE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_help_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "console.backtest", "--help"], capture_output=True, text=True,
                          check=True)
    assert "--bot" in done.stdout and "--candles" in done.stdout and "--save" in done.stdout


def test_a_csv_run_prints_the_metrics_and_writes_the_trades(shared_data, data_dir, tmp_path, capsys):
    out = tmp_path / "run.json"
    status = main(["--candles", str(shared_data / "candles" / CSV), "--symbol", "BTC/USDT", "--param", "fast=5",
                   "--param", "slow=20", "--tp", "2", "--sl", "1", "--from", "2021-01-01", "--json", str(out)])
    assert status == 0
    candles = load(shared_data, CSV)
    candles = candles[candles["ts"] >= "2021-01-01"].reset_index(drop=True)
    config = BotConfig(name="backtest", symbol="BTC/USDT", timeframe="1h", params={"fast": 5, "slow": 20,
                       "ma_type": "sma"}, take_profit_pct=Decimal("2"), stop_loss_pct=Decimal("1"))
    run = run_backtest(config, candles, symbol_rules("BTC/USDT", Market.SPOT))
    expected = metrics(run)
    printed = capsys.readouterr().out
    assert f"trades                     {expected.trades}" in printed
    written = json.loads(out.read_text())
    assert written["metrics"]["trades"] == expected.trades == len(written["trades"])
    assert Decimal(written["final_equity"]) == run.final_equity
    assert written["candles"]["count"] == len(candles)
    assert [t["exit_reason"] for t in written["trades"]] == [t.exit_reason for t in run.trades]


def test_a_saved_bot_over_stored_history_is_saved_as_a_run(shared_data, data_dir, capsys):
    settings = load_settings()
    store = open_store(settings)
    import_csv(store, "spot", "BTC/USDT", shared_data / "candles" / CSV, "1h")
    store.close()
    config = BotConfig(name="swing", symbol="BTC/USDT", timeframe="1h", strategy="rsi", params={"period": 7})
    db = Database.open(settings.console_db)
    with db.transaction() as cur:
        bots.create(cur, config)
    db.close()

    status = main(["--bot", "swing", "--from", "2021-03-01", "--to", "2021-04-01", "--save"])
    assert status == 0, capsys.readouterr().err
    assert "saved as backtest run 1" in capsys.readouterr().out
    db = Database.open(settings.console_db)
    saved = backtests.list(db.cursor())
    db.close()
    assert len(saved) == 1
    assert saved[0].config.strategy == "rsi" and saved[0].config.params["period"] == 7
    candles = load(shared_data, CSV)
    assert saved[0].candles == ((candles["ts"] >= "2021-03-01") & (candles["ts"] < "2021-04-01")).sum() > 700
    assert saved[0].data_start.isoformat() == "2021-03-01T00:00:00+00:00"


@pytest.mark.parametrize("argv, message", [
    (["--bot", "nobody"], "no console database"),
    (["--symbol", "BTC/USDT", "--from", "2021-01-01"], "python -m console.history download BTCUSDT"),
    (["--symbol", "BTC/USDT", "--param", "fast"], "KEY=VALUE"),
    (["--symbol", "BTC/USDT", "--tp", "two"], "--tp 'two' is not a number"),
])
def test_a_bad_command_says_the_fix(data_dir, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
