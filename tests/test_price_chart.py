"""The price chart: candles, volume, each strategy's indicators, entry/exit markers, TP/SL lines, resampling."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from console import charts
from console.engine.strategies import STRATEGIES
from console.history.resample import fit

CANDLES = "candles/binance_spot_BTCUSDT_1h.csv"


@pytest.fixture(scope="module")
def hourly(shared_data: Path) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / CANDLES)
    frame["ts"] = pd.to_datetime(frame.pop("timestamp"), unit="ms", utc=True)
    return frame[["ts", "open", "high", "low", "close", "volume"]]


def trades_of(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"ts": [frame.ts.iloc[40], frame.ts.iloc[90]], "side": ["buy", "sell"],
                         "price": [frame.close.iloc[40], frame.close.iloc[90]], "quantity": [0.0015, 0.0015],
                         "pnl": [float("nan"), -3.25], "kind": ["entry", "exit"]})


def test_candles_volume_trades_and_levels_are_drawn_with_the_trade_in_the_hover(hourly) -> None:
    window = hourly.head(200)
    figure = charts.price_chart(window, trades_of(window), {"take profit": 19500.0, "stop loss": 17000.0},
                                title="bot")
    kinds = [t.type for t in figure.data]
    assert kinds[0] == "candlestick" and "bar" in kinds
    entry = next(t for t in figure.data if t.name == "entry buy")
    exit_ = next(t for t in figure.data if t.name == "exit")
    assert entry.text[0] == f"entry buy 0.0015 @ {window.close.iloc[40]:,.2f}"
    assert exit_.text[0].endswith("PnL -3.25") and exit_.marker.color[0] == charts.LOSS
    lines = {shape.y0 for shape in figure.layout.shapes}
    assert {19500.0, 17000.0} <= lines
    assert [a.text for a in figure.layout.annotations] == ["take profit 19,500.00", "stop loss 17,000.00"]


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_declares_what_it_draws(hourly, name: str) -> None:
    strategy = STRATEGIES[name]
    params = strategy.validate({})
    lines = strategy.indicators(hourly.head(300), params)
    for series in lines.values():
        assert len(series) == 300 and series.notna().iloc[-1]
    assert set(strategy.lower_pane) <= set(lines)
    over = {k: v for k, v in lines.items() if k not in strategy.lower_pane}
    below = {k: v for k, v in lines.items() if k in strategy.lower_pane}
    figure = charts.price_chart(hourly.head(300), indicators=over, oscillators=below)
    names = [t.name for t in figure.data]
    assert set(lines) <= set(names)
    if below:  # RSI: its own pane under the volume
        axis = next(t for t in figure.data if t.name == next(iter(below))).yaxis
        assert axis == "y3"


def test_the_indicators_follow_the_strategys_own_numbers(hourly) -> None:
    lines = STRATEGIES["ma_cross"].indicators(hourly, {"fast": 10, "slow": 30, "ma_type": "sma"})
    assert lines["fast SMA(10)"].iloc[-1] == pytest.approx(hourly.close.tail(10).mean())
    bands = STRATEGIES["bollinger"].indicators(hourly, {"period": 20, "std": 2.0})
    assert (bands["upper band"].dropna() >= bands["lower band"].dropna()).all()


def test_more_than_5000_candles_are_resampled_before_they_reach_the_chart() -> None:
    ts = pd.date_range("2024-01-01", periods=20_000, freq="1min", tz="UTC")
    close = 100 + np.cumsum(np.random.default_rng(1).normal(0, 0.1, len(ts)))
    frame = pd.DataFrame({"ts": ts, "open": close, "high": close + 0.5, "low": close - 0.5, "close": close,
                          "volume": 1.0})
    sma = frame.close.rolling(50).mean()
    figure = charts.price_chart(frame, indicators={"SMA(50)": sma}, title="long")
    candles = figure.data[0]
    assert len(candles.x) == 4000  # 5-minute candles
    assert "5m candles (resampled from 1m)" in figure.layout.title.text
    fitted, lines, timeframe = fit(frame, 5000, {"SMA(50)": sma})
    assert timeframe == "5m" and fitted.volume.iloc[0] == 5 and fitted.high.iloc[0] == frame.high.head(5).max()
    assert fitted.open.iloc[0] == frame.open.iloc[0] and fitted.close.iloc[0] == frame.close.iloc[4]
    assert lines["SMA(50)"].iloc[-1] == sma.iloc[-1]


def test_no_candles_make_an_empty_chart_that_says_so() -> None:
    figure = charts.price_chart(None, title="nothing")
    assert figure.layout.annotations[0].text == charts.NO_CANDLES
