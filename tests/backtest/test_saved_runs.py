"""Backtest runs saved in the console's DuckDB: config, data range, metrics and trades come back."""
from __future__ import annotations

from decimal import Decimal

import pytest

from console.backtest import metrics, run_backtest, symbol_rules
from console.domain import Market
from console.errors import InvalidInput
from console.storage import backtests
from console.storage.db import Database
from tests.backtest.test_run import bot, load


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "console.duckdb")
    yield database
    database.close()


def test_a_saved_run_comes_back_with_its_trades(shared_data, db):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv").iloc[:1500]
    config = bot(take_profit_pct=Decimal("2"), stop_loss_pct=Decimal("1"))
    run = run_backtest(config, candles, symbol_rules("BTC/USDT", Market.SPOT))
    figures = metrics(run)
    with db.transaction() as cur:
        run_id = backtests.save(cur, run, figures)

    saved = backtests.get(db.cursor(), run_id)
    assert saved.config == config
    assert saved.data_start == candles["ts"].iloc[0].to_pydatetime()
    assert saved.data_end == candles["ts"].iloc[-1].to_pydatetime()
    assert saved.candles == 1500
    assert saved.final_equity == run.final_equity
    assert saved.metrics["trades"] == figures.trades
    assert Decimal(saved.metrics["net_profit"]) == figures.net_profit
    stored = backtests.trades(db.cursor(), run_id)
    assert len(stored) == len(run.trades) > 0
    for got, made in zip(stored, run.trades):
        assert (got.entry_ts, got.exit_ts, got.quantity, got.entry_price, got.exit_price, got.fees, got.pnl,
                got.exit_reason) == (made.entry_ts, made.exit_ts, made.quantity, made.entry_price,
                                     made.exit_price, made.fees, made.pnl, made.exit_reason)


def test_runs_are_listed_newest_first_and_deleted_with_their_trades(shared_data, db):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv").iloc[:800]
    rules = symbol_rules("BTC/USDT", Market.SPOT)
    ids = []
    for fast in (3, 5):
        run = run_backtest(bot(params={"fast": fast, "slow": 20}), candles, rules)
        with db.transaction() as cur:
            ids.append(backtests.save(cur, run, metrics(run)))
    assert [r.id for r in backtests.list(db.cursor())] == ids[::-1]
    assert backtests.list(db.cursor(), symbol="ETH/USDT") == []

    with db.transaction() as cur:
        backtests.delete(cur, ids[0])
    assert [r.id for r in backtests.list(db.cursor())] == ids[1:]
    assert backtests.trades(db.cursor(), ids[0]) == []
    with pytest.raises(InvalidInput, match="no saved backtest"):
        backtests.get(db.cursor(), ids[0])
