"""The backtest loop on real candles: the paper's fill numbers, exits, refusals, daily limits."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from console.backtest import fills, metrics, run_backtest, symbol_rules
from console.domain import BotConfig, Market
from console.engine.strategies import BUY_CODE, get_strategy
from console.paper import book, futures, spot


def load(shared_data, name: str) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "candles" / name)
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    return frame


def bot(**overrides) -> BotConfig:
    fields = dict(name="bt", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross", params={"fast": 5, "slow": 20},
                  size=Decimal("100"))
    fields.update(overrides)
    return BotConfig(**fields)


def test_fill_numbers_are_the_paper_exchanges():
    assert fills.HALF_SPREAD == book.HALF_SPREAD
    assert fills.SPOT_FEE == spot.FEE
    assert fills.FUTURES_TAKER == futures.TAKER


def test_entries_fill_at_the_next_open_plus_half_spread(shared_data):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv")
    rules = symbol_rules("BTC/USDT", Market.SPOT)
    run = run_backtest(bot(), candles, rules)
    assert run.trades
    for fill in run.fills:
        feed = Decimal(repr(float(candles["open"].iloc[fill.index])))
        expected = fills.ask(feed, rules.tick_size) if fill.side == "buy" else fills.bid(feed, rules.tick_size)
        assert fill.price == expected
        assert fill.quantity == fills.floor_step(fill.quantity, rules.step_size)
        fee = fill.quantity * (1 if fill.side == "buy" else fill.price) * fills.SPOT_FEE
        assert fill.fee == fills.round8(fee)


def test_take_profit_and_stop_loss_fill_on_the_candle_that_crosses_them(shared_data):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv")
    run = run_backtest(bot(take_profit_pct=Decimal("2"), stop_loss_pct=Decimal("1")), candles,
                       symbol_rules("BTC/USDT", Market.SPOT))
    kinds = {t.exit_reason for t in run.trades}
    assert {"take-profit", "stop-loss"} <= kinds
    for trade in run.trades:
        j = trade.exit_index
        if trade.exit_reason == "stop-loss":
            assert candles["low"].iloc[j] <= float(trade.entry_price) * 0.99 + 0.02
            assert candles["high"].iloc[j] < float(trade.entry_price) * 1.02  # the take-profit would have come first
        if trade.exit_reason == "take-profit":
            assert candles["high"].iloc[j] >= float(trade.exit_price)


def test_an_order_below_the_minimum_is_rejected_with_the_reason(shared_data):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv")
    run = run_backtest(bot(size=Decimal("1")), candles, symbol_rules("BTC/USDT", Market.SPOT))
    assert not run.trades and run.rejections
    assert "minimum" in run.rejections[0].reason
    assert metrics(run).rejected_signals == len(run.rejections)


def test_daily_trade_limit_pauses_until_midnight(shared_data):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv")
    run = run_backtest(bot(params={"fast": 2, "slow": 3}, max_trades_per_day=2), candles,
                       symbol_rules("BTC/USDT", Market.SPOT))
    per_day = pd.Series([f.ts // 86_400_000 for f in run.fills if f.reason == "entry"]).value_counts()
    assert per_day.max() <= 1  # an entry and its exit are two trades: the next entry waits for tomorrow
    assert any(r.reason.startswith("paused: daily trade limit") for r in run.rejections)


def test_futures_pays_funding_and_can_be_liquidated(shared_data):
    candles = load(shared_data, "binance_usdm_BTCUSDT_1d.csv")
    raw = pd.read_csv(shared_data / "candles" / "binance_usdm_BTCUSDT_funding_rate.csv")
    funding = pd.DataFrame({"ts": raw["fundingTime"].astype("int64"), "rate": raw["fundingRate"].astype(float)})
    config = bot(market=Market.FUTURES, timeframe="1d", leverage=50, allow_short=True, params={"fast": 3, "slow": 8})
    run = run_backtest(config, candles, symbol_rules("BTC/USDT", Market.FUTURES), funding=funding)
    assert run.trades
    assert any(t.exit_reason == "liquidation" for t in run.trades)
    paid = sum((t.funding for t in run.trades), Decimal(0))
    assert run.funding_paid != 0 and paid != 0
    liquidated = next(t for t in run.trades if t.exit_reason == "liquidation")
    assert liquidated.pnl < 0


def test_warmup_candles_are_read_but_not_traded(shared_data):
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv").iloc[:600]
    rules = symbol_rules("BTC/USDT", Market.SPOT)
    warmed = run_backtest(bot(), candles, rules, warmup=300)
    strategy = get_strategy("ma_cross")
    codes = strategy.signals(candles, strategy.validate({"fast": 5, "slow": 20}))
    first_buy = next(k for k in range(300, len(codes)) if codes[k] == BUY_CODE)
    assert warmed.fills[0].index == first_buy + 1, "the first buy signal from candle 300 on, filled at the next open"
