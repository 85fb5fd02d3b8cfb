"""Strategies on real Binance candles, checked against indicators computed here by plain loops."""
from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from console.engine.strategies import (
    STRATEGIES, Action, ParamSpec, PositionView, Signal, get_strategy, indicators,
)
from console.errors import ConfigError

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
FLAT = PositionView()
LONG = PositionView(quantity=Decimal("0.01"), entry_price=Decimal("20000"), last_entry_at=NOW)
WINDOW = 1000  # rows of each file replayed candle by candle


def load(shared_data, name: str) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "candles" / name)
    frame = raw.drop(columns="timestamp").astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    return frame


@pytest.fixture(scope="module")
def btc(shared_data) -> pd.DataFrame:
    return load(shared_data, "binance_spot_BTCUSDT_1h.csv")


# Independent indicators: plain Python over lists, value at i from closes[0..i] only.

def loop_sma(closes: list[float], n: int) -> list[float | None]:
    return [None if i + 1 < n else sum(closes[i + 1 - n:i + 1]) / n for i in range(len(closes))]


def loop_ema(closes: list[float], n: int) -> list[float | None]:
    alpha, out, value = 2 / (n + 1), [], closes[0]
    for i, close in enumerate(closes):
        value = close if i == 0 else alpha * close + (1 - alpha) * value
        out.append(value if i + 1 >= n else None)
    return out


def loop_rsi(closes: list[float], n: int) -> list[float | None]:
    out: list[float | None] = [None] * len(closes)
    changes = [closes[i] - closes[i - 1] for i in range(1, len(closes))]
    gain = sum(max(c, 0) for c in changes[:n]) / n
    loss = sum(max(-c, 0) for c in changes[:n]) / n
    for i in range(n, len(closes)):
        if i > n:
            change = changes[i - 1]
            gain = (gain * (n - 1) + max(change, 0)) / n
            loss = (loss * (n - 1) + max(-change, 0)) / n
        if loss == 0:
            out[i] = 50.0 if gain == 0 else 100.0
        else:
            out[i] = 100 - 100 / (1 + gain / loss)
    return out


def loop_bands(closes: list[float], n: int, k: float) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = []
    for i in range(len(closes)):
        if i + 1 < n:
            out.append(None)
            continue
        window = closes[i + 1 - n:i + 1]
        middle = statistics.fmean(window)
        out.append((middle, middle + k * statistics.pstdev(window)))
    return out


def expected_crosses(a: list, b: list) -> dict[int, Action]:
    """Rows where series a crosses series b (b may be a constant level)."""
    events = {}
    for i in range(1, len(a)):
        if None in (a[i - 1], a[i], b[i - 1], b[i]):
            continue
        if a[i - 1] <= b[i - 1] and a[i] > b[i]:
            events[i] = Action.BUY
        elif a[i - 1] >= b[i - 1] and a[i] < b[i]:
            events[i] = Action.SELL
    return events


def replay(strategy_name: str, params: dict, candles: pd.DataFrame, position=LONG) -> dict[int, Action]:
    """Feed the strategy one more closed candle at a time; return rows where it did not HOLD."""
    strategy = get_strategy(strategy_name)
    valid = strategy.validate(params)
    events = {}
    for i in range(len(candles)):
        action = strategy.signal(candles.iloc[:i + 1], valid, position, NOW).action
        if action is not Action.HOLD:
            events[i] = action
    return events


CANDLE_FILES = ["binance_spot_BTCUSDT_1h.csv", "binance_spot_ETHUSDT_1h.csv", "binance_spot_BTCUSDT_6h.csv"]


@pytest.mark.parametrize("file", CANDLE_FILES)
@pytest.mark.parametrize("ma_type", ["sma", "ema"])
def test_ma_cross_signals_every_crossing_and_nothing_else(shared_data, file, ma_type):
    candles = load(shared_data, file).iloc[:WINDOW]
    closes = candles["close"].tolist()
    average = loop_sma if ma_type == "sma" else loop_ema
    expected = expected_crosses(average(closes, 10), average(closes, 30))
    got = replay("ma_cross", {"fast": 10, "slow": 30, "ma_type": ma_type}, candles)
    assert got == expected
    assert list(got.values()).count(Action.BUY) >= 5 and list(got.values()).count(Action.SELL) >= 5


@pytest.mark.parametrize("file", CANDLE_FILES)
def test_rsi_signals_crossings_of_oversold_and_overbought(shared_data, file):
    candles = load(shared_data, file).iloc[:WINDOW]
    rsi = loop_rsi(candles["close"].tolist(), 14)
    up = expected_crosses(rsi, [30.0] * len(rsi))
    down = expected_crosses(rsi, [70.0] * len(rsi))
    expected = {i: a for i, a in up.items() if a is Action.BUY}
    expected |= {i: a for i, a in down.items() if a is Action.SELL}
    got = replay("rsi", {"period": 14, "oversold": 30, "overbought": 70}, candles)
    assert got == expected
    assert Action.BUY in got.values() and Action.SELL in got.values()


@pytest.mark.parametrize("file", CANDLE_FILES)
def test_bollinger_buys_breakouts_and_sells_falls_below_the_middle(shared_data, file):
    candles = load(shared_data, file).iloc[:WINDOW]
    closes = candles["close"].tolist()
    bands = loop_bands(closes, 20, 2.0)
    middle = [None if b is None else b[0] for b in bands]
    upper = [None if b is None else b[1] for b in bands]
    expected = {i: a for i, a in expected_crosses(closes, upper).items() if a is Action.BUY}
    expected |= {i: a for i, a in expected_crosses(closes, middle).items() if a is Action.SELL}
    got = replay("bollinger", {"period": 20, "std": 2}, candles)
    assert got == expected
    assert Action.BUY in got.values() and Action.SELL in got.values()


def test_bollinger_sells_only_a_long(btc):
    got = replay("bollinger", {}, btc.iloc[:300], position=FLAT)
    assert set(got.values()) == {Action.BUY}


def at(candles: pd.DataFrame, when: str) -> pd.DataFrame:
    """Candles up to and including the one that opened at ``when`` (UTC)."""
    return candles[candles["ts"] <= pd.Timestamp(when, tz="UTC")]


def test_ma_cross_at_hand_checked_hours(btc):
    strategy = get_strategy("ma_cross")
    params = strategy.validate({"fast": 10, "slow": 30})
    # On the 17:00 candle SMA10 17818.92 > SMA30 17812.11; at 16:00 SMA10 17786.98 <= SMA30 17821.47.
    buy = strategy.signal(at(btc, "2020-11-19 17:00"), params, FLAT, NOW)
    assert buy.action is Action.BUY
    assert buy.reason == "fast SMA(10) 17818.92 crossed above slow SMA(30) 17812.11"
    assert strategy.signal(at(btc, "2020-11-19 16:00"), params, FLAT, NOW).action is Action.HOLD
    assert strategy.signal(at(btc, "2020-11-19 18:00"), params, FLAT, NOW).action is Action.HOLD
    closes = at(btc, "2020-11-19 16:00")["close"]
    assert closes.tail(10).mean() == pytest.approx(17786.98, abs=0.01)
    assert closes.tail(30).mean() == pytest.approx(17821.47, abs=0.01)


def test_rsi_at_hand_checked_hours(btc):
    strategy = get_strategy("rsi")
    params = strategy.validate({})
    for when, action, level in (("2020-11-17 18:00", Action.SELL, "overbought 70"),
                                ("2020-11-22 12:00", Action.BUY, "oversold 30")):
        candles = at(btc, when)
        prev, last = loop_rsi(candles["close"].tolist(), 14)[-2:]
        signal = strategy.signal(candles, params, LONG, NOW)
        assert signal.action is action
        direction = "down" if action is Action.SELL else "up"
        assert signal.reason == f"RSI(14) {prev:.1f} -> {last:.1f} crossed {direction} through {level}"
        if action is Action.SELL:
            assert prev >= 70 > last
        else:
            assert prev <= 30 < last
        hour_before = strategy.signal(candles.iloc[:-1], params, LONG, NOW)
        assert hour_before.action is Action.HOLD


@pytest.mark.parametrize(
    "indicator",
    [
        lambda c: indicators.sma(c, 30),
        lambda c: indicators.ema(c, 30),
        lambda c: indicators.wilder_rsi(c, 14),
        lambda c: indicators.bollinger(c, 20, 2.0)[1],
    ],
    ids=["sma", "ema", "rsi", "bollinger_upper"],
)
def test_indicator_values_do_not_change_when_later_candles_arrive(btc, indicator):
    close = btc["close"]
    whole = indicator(close)
    for rows in (40, 41, 500, 2000, len(close) - 1):
        pd.testing.assert_series_equal(indicator(close.iloc[:rows]), whole.iloc[:rows])


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_signal_ignores_the_frame_index_and_leaves_the_input_alone(btc, name):
    strategy = STRATEGIES[name]
    params = strategy.validate({})
    window = btc.iloc[1000:1200].copy()
    before = window.copy()
    for end in range(30, 200):
        assert strategy.signal(window.iloc[:end], params, LONG, NOW) == strategy.signal(
            window.iloc[:end].reset_index(drop=True), params, LONG, NOW)
    pd.testing.assert_frame_equal(window, before)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_hold_until_enough_candles(btc, name):
    strategy = STRATEGIES[name]
    params = strategy.validate({})
    need = strategy.min_candles(params)
    for rows in {0, need - 1}:
        signal = strategy.signal(btc.iloc[:rows], params, FLAT, NOW)
        assert signal == Signal(Action.HOLD, f"waiting for {need} closed candles, have {rows}")


def test_min_candles_follow_the_parameters():
    assert get_strategy("ma_cross").min_candles({"fast": 5, "slow": 50, "ma_type": "sma"}) == 51
    assert get_strategy("rsi").min_candles({"period": 14, "oversold": 30, "overbought": 70}) == 16
    assert get_strategy("bollinger").min_candles({"period": 20, "std": 2.0}) == 21


# DCA: interval 24 h, at most 3 entries, take profit 3 % (the bot's); the last close is 17969.40.
# Its clock is the candles': NOW_CANDLE is the open time of the last candle of the frame.

DCA = get_strategy("dca").with_bot(get_strategy("dca").validate({"interval_hours": 24, "max_entries": 3}),
                                   Decimal("3"))
NOW_CANDLE = datetime(2020, 11, 19, 17, tzinfo=timezone.utc)


def dca(candles: pd.DataFrame, position: PositionView, now: datetime = NOW) -> Signal:
    return get_strategy("dca").signal(candles, DCA, position, now)


def held(entries: int, hours_ago: float, entry: str = "18000") -> PositionView:
    return PositionView(quantity=Decimal("0.01") * entries, entry_price=Decimal(entry),
                        last_entry_at=NOW_CANDLE - timedelta(hours=hours_ago), entries=entries)


@pytest.mark.parametrize(
    "position, action, reason",
    [
        (FLAT, Action.BUY, "first DCA entry at 17969.40"),
        (held(1, 23), Action.HOLD, "next DCA entry in 1.0 h"),
        (held(1, 24), Action.BUY, "DCA entry 2 of 3 at 17969.40: 24.0 h since the last buy"),
        (held(2, 30), Action.BUY, "DCA entry 3 of 3"),
        (held(3, 100), Action.HOLD, "all 3 entries made; waiting for take profit"),
        (held(5, 100), Action.HOLD, "5 entries made (at most 3); waiting for take profit"),
        # 17446 x 1.03 = 17969.38, just under the close; 17447 x 1.03 = 17970.41, just over.
        (held(1, 1, entry="17446"), Action.SELL,
         "close 17969.40 reached take profit 17969.38 (3% above entry 17446.00)"),
        (held(1, 1, entry="17447"), Action.HOLD, "next DCA entry in 23.0 h"),
        (held(3, 100, entry="17446"), Action.SELL, "reached take profit"),
        (PositionView(last_entry_at=NOW_CANDLE - timedelta(hours=2)), Action.HOLD, "next DCA entry in 22.0 h"),
        (PositionView(quantity=Decimal(1), entry_price=Decimal(20000)), Action.HOLD, "no known last entry"),
    ],
)
def test_dca_timing_and_take_profit(btc, position, action, reason):
    candles = at(btc, "2020-11-19 17:00")
    assert candles["close"].iloc[-1] == 17969.40
    signal = dca(candles, position)
    assert signal.action is action
    assert reason in signal.reason


def test_dca_runs_on_candle_time_not_the_wall_clock(btc):
    """A replay far ahead of (or behind) the wall clock buys on the same candles: ``now`` is not read."""
    candles = at(btc, "2020-11-19 17:00")
    for wall in (NOW, NOW_CANDLE - timedelta(days=400), NOW_CANDLE + timedelta(hours=1800)):
        assert dca(candles, held(1, 23), wall).action is Action.HOLD
        assert dca(candles, held(1, 24), wall).action is Action.BUY


def test_dca_takes_the_bot_s_take_profit_and_none_without_it(btc):
    candles = at(btc, "2020-11-19 17:00")
    strategy = get_strategy("dca")
    plain = strategy.validate({"interval_hours": 24, "max_entries": 3})
    assert "take_profit_pct" not in plain
    without = strategy.with_bot(plain, None)
    signal = strategy.signal(candles, without, held(3, 100, entry="17446"), NOW)
    assert signal.action is Action.HOLD and "all 3 entries made; no take profit set" in signal.reason


def test_an_old_dca_config_moves_its_take_profit_to_the_bot(tmp_path):
    from console.domain import BotConfig
    from console.engine.strategies import upgraded
    from console.storage import bots
    old = BotConfig(name="old", symbol="BTC/USDT", strategy="dca",
                    params={"interval_hours": 12, "max_entries": 3, "take_profit_pct": 1.5})
    new = upgraded(old)
    assert new.take_profit_pct == Decimal("1.5") and "take_profit_pct" not in new.params
    saved = bots.config_from_json(bots.config_to_json(old))  # a bot stored before the change
    assert saved.take_profit_pct == Decimal("1.5") and saved.params == {"interval_hours": 12, "max_entries": 3}
    kept = upgraded(BotConfig(name="b", symbol="BTC/USDT", strategy="dca", take_profit_pct=Decimal("2"),
                              params={"take_profit_pct": 1.5}))
    assert kept.take_profit_pct == Decimal("2")


def test_dca_treats_a_naive_last_entry_as_utc(btc):
    position = PositionView(quantity=Decimal("0.01"), entry_price=Decimal("18000"),
                            last_entry_at=(NOW_CANDLE - timedelta(hours=24)).replace(tzinfo=None), entries=1)
    assert dca(at(btc, "2020-11-19 17:00"), position).action is Action.BUY


def test_dca_on_real_candles_buys_on_schedule_and_takes_profit(btc):
    """Replay 60 days hour by hour as a bot would, keeping the position the signals imply."""
    strategy = get_strategy("dca")
    params = strategy.with_bot(strategy.validate({"interval_hours": 12, "max_entries": 4}), Decimal("2"))
    quantity, cost, entries, last_at = Decimal(0), Decimal(0), 0, None
    buys, sells = [], []
    for i in range(24 * 60):
        candles = btc.iloc[:i + 1]
        candle = candles["ts"].iloc[-1].to_pydatetime()
        position = PositionView(quantity, cost / quantity if quantity else None, last_at, entries)
        signal = strategy.signal(candles, params, position, NOW)
        close = Decimal(str(candles["close"].iloc[-1]))
        if signal.action is Action.BUY:
            quantity, cost, entries, last_at = quantity + 1, cost + close, entries + 1, candle
            buys.append(candle)
        elif signal.action is Action.SELL:
            assert close >= cost / quantity * Decimal("1.02")
            quantity, cost, entries = Decimal(0), Decimal(0), 0
            sells.append(candle)
    assert len(sells) >= 3 and len(buys) > len(sells)
    assert all(b - a >= timedelta(hours=12) for a, b in zip(buys, buys[1:]))


# Parameters.

@pytest.mark.parametrize(
    "name, raw, fragment",
    [
        ("ma_cross", {"fast": 50, "slow": 20}, "fast period 50 must be below slow period 20; lower fast or raise slow"),
        ("ma_cross", {"fast": 30}, "fast period 30 must be below slow period 30"),
        ("ma_cross", {"fats": 5}, "unknown parameter 'fats' for ma_cross; use fast, slow, ma_type"),
        ("ma_cross", {"ma_type": "wma"}, "average type 'wma' must be one of sma, ema"),
        ("ma_cross", {"slow": 5000}, "slow period 5000 must be between 3 and 1000"),
        ("rsi", {"period": "abc"}, "rsi period 'abc' is not a whole number; write e.g. 14"),
        ("rsi", {"period": 14.5}, "rsi period 14.5 is not a whole number"),
        ("rsi", {"period": True}, "rsi period True is not a whole number"),
        ("rsi", {"period": 1}, "rsi period 1 must be between 2 and 200"),
        ("rsi", {"oversold": 70, "overbought": 30}, "oversold 70 must be below overbought 30; lower oversold or raise overbought"),
        ("rsi", {"oversold": 0}, "oversold 0 must be between 1 and 99"),
        ("rsi", {"overbought": "100"}, "overbought 100 must be between 1 and 99"),
        ("bollinger", {"std": "nan"}, "std multiplier 'nan' is not a number; write e.g. 2.0"),
        ("bollinger", {"std": -1}, "std multiplier -1 must be between 0.1 and 10"),
        ("bollinger", {"period": [20]}, "band period [20] is not a whole number"),
        ("dca", {"interval_hours": 0}, "interval hours 0 must be between 0.1 and 8760"),
        ("dca", {"max_entries": "many"}, "max entries 'many' is not a whole number; write e.g. 10"),
        ("dca", {"interval": 24, "tp": 3}, "unknown parameter 'interval', 'tp' for dca; use interval_hours, max_entries"),
    ],
)
def test_bad_parameters_say_the_fix(name, raw, fragment):
    with pytest.raises(ConfigError) as caught:
        get_strategy(name).validate(raw)
    assert fragment in str(caught.value)


def test_validate_fills_defaults_and_coerces_text():
    ma = get_strategy("ma_cross")
    params = ma.validate({"fast": "5", "slow": "20.0", "ma_type": " EMA "})
    assert params == {"fast": 5, "slow": 20, "ma_type": "ema"}
    assert type(params["slow"]) is int
    assert ma.validate(params) == params
    assert ma.validate({}) == {"fast": 10, "slow": 30, "ma_type": "sma"}
    assert ma.validate({"fast": None}) == ma.validate({})
    rsi = get_strategy("rsi").validate({"oversold": "25.5", "overbought": Decimal("75")})
    assert rsi == {"period": 14, "oversold": 25.5, "overbought": 75.0}
    assert type(rsi["overbought"]) is float


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_describes_sound_parameters(name):
    strategy = STRATEGIES[name]
    assert strategy.name == name and strategy.title
    assert all(isinstance(spec, ParamSpec) and spec.help for spec in strategy.params)
    defaults = strategy.validate({})
    assert defaults == {spec.name: spec.default for spec in strategy.params}


def test_the_four_strategies_and_unknown_names():
    assert list(STRATEGIES) == ["ma_cross", "rsi", "bollinger", "dca"]
    assert get_strategy("rsi") is STRATEGIES["rsi"]
    with pytest.raises(ConfigError, match="unknown strategy 'macd'; use one of ma_cross, rsi, bollinger, dca"):
        get_strategy("macd")


def test_dca_counts_the_entries_the_bot_made_not_a_difference_assigned_to_it(tmp_path):
    """An adjustment (a difference in the account assigned to the bot's book) is no DCA entry."""
    from console.domain import BotConfig, Market, OrderType, Side, Venue
    from console.engine import positions
    from console.storage import trades
    from console.storage.db import Database

    db = Database.open(tmp_path / "console.duckdb")
    config = BotConfig(name="dca", symbol="BTC/USDT", strategy="dca")

    def trade(n: int, adjustment: bool = False) -> trades.TradeRecord:
        return trades.TradeRecord(
            bot_id=1, account="paper", venue=Venue.PAPER, market=Market.SPOT, exchange_order_id=str(n),
            client_order_id=f"c{n}", symbol="BTC/USDT", side=Side.BUY, order_type=OrderType.MARKET,
            price=Decimal("20000"), quantity=Decimal("0.005"), quote_quantity=Decimal("100"),
            commission=Decimal(0), commission_asset="USDT", ts=NOW + timedelta(hours=n), adjustment=adjustment)
    try:
        with db.transaction() as cur:
            trades.record(cur, trade(1))
            trades.record(cur, trade(2))
            trades.record(cur, trade(3, adjustment=True))
        held = positions.of_bot(db.cursor(), 1, config)
        assert held.entries == 2 and held.last_entry_at == NOW + timedelta(hours=2)
        assert held.quantity == Decimal("0.015")
    finally:
        db.close()


def test_dca_leaves_the_take_profit_to_an_order_resting_for_it():
    from console.domain import BotConfig, Market
    from console.engine.strategies import bot_params
    spot = BotConfig(name="d", symbol="BTC/USDT", strategy="dca", take_profit_pct=Decimal("2"))
    assert bot_params(spot)["take_profit_pct"] == 2.0  # no order rests for a spot take-profit alone
    with_stop = BotConfig(name="d", symbol="BTC/USDT", strategy="dca", take_profit_pct=Decimal("2"),
                          stop_loss_pct=Decimal("2"))
    futures = BotConfig(name="d", symbol="BTC/USDT", strategy="dca", market=Market.FUTURES,
                        take_profit_pct=Decimal("2"))
    assert bot_params(with_stop)["take_profit_pct"] is None  # an OCO rests
    assert bot_params(futures)["take_profit_pct"] is None  # a reduce-only take-profit rests
    legacy = BotConfig(name="d", symbol="BTC/USDT", strategy="dca", params={"take_profit_pct": 1000})
    from console.engine.strategies import upgraded
    assert upgraded(legacy).take_profit_pct is None and upgraded(legacy).params == {}  # 1000 %: never
