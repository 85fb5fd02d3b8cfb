"""con.backtests: the stored-data check, a run off the caller's thread with progress and cancel, saved runs,
comparison, the trades CSV and a bot made from a run's config."""
from __future__ import annotations

import csv
import io
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from console.backtest import metrics, run_backtest, symbol_rules
from console.backtest.inputs import stored_inputs
from console.backtest.run import PROGRESS_EVERY, Cancelled
from console.config import load_settings
from console.domain import Market
from console.errors import ConfigError, InvalidInput
from console.service import Console
from console.service.backtests import CHART_POINTS, Backtests
from tests.backtest.test_run import bot

BTC_1H = "candles/binance_spot_BTCUSDT_1h.csv"  # 2020-11-17 -> 2021-05-16, 7 real outages
EXPONENT = "E-"


@pytest.fixture
def con(tmp_path: Path, shared_data: Path):
    console = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path / "data")}), start_engine=False)
    console.history.import_csv((shared_data / BTC_1H).read_bytes(), market="spot", symbol="BTCUSDT",
                               timeframe="1h")
    yield console
    console.close()


def config(con, **changes):
    return replace(con.backtests.base_config(), **({"take_profit_pct": Decimal("2"), "stop_loss_pct": Decimal("1")}
                                                   | changes))


def finished(con, cfg, first="2020-12-01", end="2021-03-01"):
    view = con.backtests.start(cfg, first, end)
    assert view.title.startswith(f"{cfg.strategy} on BTC/USDT spot {cfg.timeframe}, ")
    done = con.backtests.wait(60)
    assert done.state == "done", done.result
    return con.backtests.result()


def test_the_data_check_says_what_is_stored_for_the_range(con) -> None:
    bt, cfg = con.backtests, config(con)
    status = bt.data_status(cfg, "2020-12-01", "2021-03-01")
    assert status.stored and status.runnable and status.candles == 2155 and status.expected == 2160  # outages
    partly = bt.data_status(cfg, "2020-11-01", "2021-01-01")
    assert not partly.stored and partly.runnable
    assert partly.missing == ((pd.Timestamp("2020-11-01", tz="UTC").value // 10**6,
                               pd.Timestamp("2020-11-17", tz="UTC").value // 10**6),)
    assert partly.text.startswith("Partly stored: 1,075 of 1,464 BTCUSDT spot 1h candles; 384 never downloaded")
    none = bt.data_status(replace(cfg, timeframe="4h"), "2020-12-01", "2021-03-01")
    assert not none.runnable and none.text.startswith("No BTCUSDT spot 4h candles stored from 2020-12-01 00:00")
    futures = bt.data_status(replace(cfg, market=Market.FUTURES), "2020-12-01", "2021-03-01")
    assert futures.funding_missing and "funding rates of the range are not stored" in futures.text


def test_a_range_ending_before_it_starts_is_refused_with_the_fix(con) -> None:
    with pytest.raises(ConfigError, match="To 2021-01-01 is before From 2021-02-01; pick a To date on or after From"):
        con.backtests.days(date(2021, 2, 1), date(2021, 1, 1))
    assert con.backtests.days(date(2021, 1, 1), date(2021, 1, 1)) == (1609459200000, 1609545600000)
    with pytest.raises(ConfigError, match="history starts in July 2017"):
        con.backtests.days(date(2016, 1, 1), date(2021, 1, 1))
    con.backtests.start(config(con, timeframe="4h"), "2020-12-01", "2021-03-01")
    view = con.backtests.wait(60)
    assert view.state == "failed" and "no BTC/USDT spot 4h candles in the history store" in view.result
    assert "download them on the Data page" in view.result


def test_a_run_in_the_background_gives_what_the_backtest_gives(con) -> None:
    cfg = config(con)
    result = finished(con, cfg)
    candles, funding = stored_inputs(con.settings, cfg, result.start, result.end)
    direct = run_backtest(cfg, candles, symbol_rules("BTC/USDT", Market.SPOT), funding=funding)
    assert result.run.trades == direct.trades and result.run.final_equity == direct.final_equity
    assert result.metrics == metrics(direct)
    assert "43 trade(s) over 2,155 candles" in con.backtests.job().result
    summary = dict(con.backtests.summary())
    assert summary["Net profit"].endswith(" USDT") and summary["Final equity"] == \
        f"{direct.final_equity.quantize(Decimal('0.01')):,.2f} USDT"
    assert summary["Return"].endswith("%") and len(summary["Return"].split(".")[1]) == 2  # one decimal and "%"
    trades = con.backtests.trades()
    assert len(trades) == 43 and all(len(p.split(".")[1]) <= 2 for p in trades["entry_price"])  # tick 0.01
    assert all(len(q.split(".")[1]) <= 5 for q in trades["quantity"])  # step 0.00001
    equity, dd = con.backtests.equity(), con.backtests.drawdown()
    assert len(equity) == len(dd) <= CHART_POINTS < len(result.run.equity)  # a chart gets at most 2,000 points
    assert equity["equity"].iloc[-1] == result.run.equity[-1] and (dd["drawdown_pct"] <= 0).all()
    deepest = -metrics(direct).max_drawdown_pct
    assert dd["drawdown_pct"].min() == pytest.approx(deepest) or dd["drawdown_pct"].min() <= deepest
    chart = con.backtests.chart()
    assert (chart["trades"]["kind"] == "exit").sum() == 43 and list(chart["indicators"]) == ["fast SMA(10)",
                                                                                              "slow SMA(30)"]


def test_the_loop_reports_progress_every_few_thousand_candles_and_stops_when_cancelled() -> None:
    n = 3 * PROGRESS_EVERY + 100
    rng = np.random.default_rng(3)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    candles = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC"), "open": close,
                            "high": close * 1.001, "low": close * 0.999, "close": close})
    cfg = bot(timeframe="1m", params={"fast": 5, "slow": 20}, max_trades_per_day=10_000)
    rules = symbol_rules("BTC/USDT", Market.SPOT)
    told: list[float] = []
    plain = run_backtest(cfg, candles, rules)
    reported = run_backtest(cfg, candles, rules, progress=told.append)
    assert reported.trades == plain.trades
    assert 1 <= len(told) <= n // PROGRESS_EVERY and told == sorted(told) and 0 < told[0] < told[-1] < 1
    with pytest.raises(Cancelled, match="cancelled at"):
        run_backtest(cfg, candles, rules, cancel=lambda: True)


def test_a_running_backtest_is_cancelled_and_one_runs_at_a_time(con) -> None:
    gate = threading.Event()

    def held_inputs(*args):
        gate.wait(60)  # the run stays running until the test lets it read
        return stored_inputs(*args)

    bt = Backtests(con.settings, db=con.db, bots=con.bots, history=con.history,
                   default_config=con.backtests.base_config, inputs=held_inputs)
    cfg = config(con)
    view = bt.start(cfg, "2020-12-01", "2021-03-01")
    assert view.running and view.fraction == 0.0 and bt.job().message == "reading the stored candles…"
    with pytest.raises(ConfigError, match="a backtest is running; wait for it or cancel it first"):
        bt.start(cfg, "2020-12-01", "2021-03-01")
    bt.cancel()
    assert bt.job().message == "cancelling…"
    gate.set()
    view = bt.wait(60)
    assert view.state == "cancelled" and "nothing was kept" in view.result
    with pytest.raises(ConfigError, match="no backtest has finished yet"):
        bt.result()
    bt.start(cfg, "2020-12-01", "2021-03-01")  # the next one runs
    assert bt.wait(60).state == "done" and len(bt.result().run.trades) == 43


def test_runs_are_saved_listed_compared_exported_and_deleted(con) -> None:
    bt = con.backtests
    finished(con, config(con))
    first = bt.save()
    assert bt.save() == first  # once
    finished(con, config(con, params={"fast": 5, "slow": 30}))
    second = bt.save()
    listed = bt.saved()
    assert list(listed["id"]) == [second, first]
    assert all(v.endswith(" USDT") for v in listed["net_profit"]) and all(v.endswith("%") for v in listed["return"])

    compared = bt.compare([first, second])
    rows = dict(zip(compared[""], compared.drop(columns=[""]).to_numpy().tolist()))
    assert rows["parameters"] == ["fast=10, ma_type=sma, slow=30", "fast=5, ma_type=sma, slow=30"]
    assert rows["trades"][0] == "43" and rows["take profit"] == ["2.0%", "2.0%"]
    assert all(v.endswith(" USDT") for v in rows["final equity"])
    text = " ".join(str(v) for v in compared.to_numpy().ravel())
    assert "None" not in text and "nan" not in text and EXPONENT not in text
    with pytest.raises(ConfigError, match="pick two or more saved runs"):
        bt.compare([first])

    rows = list(csv.DictReader(io.StringIO(bt.trades_csv(first).decode())))
    assert len(rows) == 43 and rows[0]["entry_time"].endswith("Z")
    for row in rows:
        for name in ("quantity", "entry_price", "exit_price", "fees", "funding", "pnl"):
            value = row[name]
            assert EXPONENT not in value and Decimal(value).is_finite()
            assert value == "0" or "." not in value or not value.endswith("0"), (name, value)
    assert bt.trades_csv() == bt.trades_csv(second)

    assert bt.delete(first).startswith(f"Deleted backtest #{first}")
    assert list(bt.saved()["id"]) == [second]
    with pytest.raises(InvalidInput, match="no saved backtest"):
        bt.get(first)


def test_a_bot_is_made_from_a_runs_config_through_the_bots_validation(con) -> None:
    bt = con.backtests
    cfg = config(con)
    finished(con, cfg)
    run_id = bt.save()
    bot_id = bt.create_bot("from the backtest", run_id)
    made = con.bots.get(bot_id).config
    assert replace(made, name=cfg.name) == replace(cfg, params=made.params) and made.params["fast"] == 10
    with pytest.raises(ConfigError, match="a bot named from the backtest exists; choose another name"):
        bt.create_bot("from the backtest")
    with pytest.raises(ConfigError, match="give the bot a name"):
        bt.create_bot("  ")
