"""The vectorised signals over a whole frame equal the live ``decide`` on every prefix window."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from console.engine.strategies import CODE_ACTIONS, Action, PositionView, get_strategy

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
LONG = PositionView(quantity=Decimal("0.01"), entry_price=Decimal("20000"), last_entry_at=NOW, entries=1)
ROWS = 600

CASES = [
    ("ma_cross", {"fast": 5, "slow": 20}, "binance_spot_BTCUSDT_1h.csv"),
    ("ma_cross", {"fast": 4, "slow": 12, "ma_type": "ema"}, "binance_spot_ETHUSDT_1h.csv"),
    ("rsi", {"period": 6, "oversold": 35, "overbought": 65}, "binance_spot_BTCUSDT_1h.csv"),
    ("rsi", {"period": 14}, "binance_usdm_LTCUSDT_5m.csv"),
    ("bollinger", {"period": 10, "std": 1.5}, "binance_spot_BTCUSDT_1h.csv"),
    ("bollinger", {"period": 20, "std": 1.0}, "binance_spot_BTCUSDT_1m_2020-05-06.csv"),
]


def load(shared_data, name: str) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "candles" / name).head(ROWS)
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    return frame


@pytest.mark.parametrize("name,raw,file", CASES)
def test_decide_on_every_prefix_equals_signals_at_that_candle(shared_data, name, raw, file):
    strategy = get_strategy(name)
    params = strategy.validate(raw)
    candles = load(shared_data, file)
    codes = strategy.signals(candles, params)
    assert codes.dtype == np.int8 and len(codes) == len(candles)
    seen = set()
    for i in range(len(candles)):
        window = candles.iloc[: i + 1]
        live = strategy.signal(window, params, LONG, NOW).action
        assert live is CODE_ACTIONS[int(codes[i])], f"{name} differs at candle {i} ({candles['ts'].iloc[i]})"
        seen.add(live)
    assert {Action.BUY, Action.SELL} <= seen  # the file exercises both crossings


def test_signals_hold_before_enough_candles(shared_data):
    strategy = get_strategy("ma_cross")
    params = strategy.validate({"fast": 3, "slow": 8})
    codes = strategy.signals(load(shared_data, "binance_spot_BTCUSDT_1h.csv"), params)
    assert not codes[: strategy.min_candles(params) - 1].any()


def test_bollinger_middle_band_exit_needs_a_long(shared_data):
    strategy = get_strategy("bollinger")
    params = strategy.validate({"period": 10, "std": 1.5})
    candles = load(shared_data, "binance_spot_BTCUSDT_1h.csv")
    sells = np.flatnonzero(strategy.signals(candles, params) == -1)
    assert strategy.sell_closes_only and len(sells)
    flat = strategy.signal(candles.iloc[: sells[0] + 1], params, PositionView(), NOW)
    assert flat.action is Action.HOLD


def test_dca_has_no_candle_signals_it_follows_the_position(shared_data):
    strategy = get_strategy("dca")
    params = strategy.validate({})
    assert not strategy.signals(load(shared_data, "binance_spot_BTCUSDT_1h.csv"), params).any()
