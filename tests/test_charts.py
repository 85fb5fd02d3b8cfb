"""Charts: what each figure plots, its colours, and the empty state."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import plotly.graph_objects as go
import pytest

from console import charts
from console.charts import LOSS, NO_CANDLES, NO_TRADES, PROFIT


def ts(*hours: int) -> list[datetime]:
    return [datetime(2024, 3, 1, hour, tzinfo=timezone.utc) for hour in hours]


DAILY = pd.DataFrame({
    "day": [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)],
    "pnl": [12.5, -4.25, 0.0],
    "fees": [0.4, 0.3, 0.1],
    "trades": [5, 3, 1],
})
CUMULATIVE = pd.DataFrame({"ts": ts(1, 2, 3), "cum_pnl": [5.0, -2.0, 7.5]})
DRAWDOWN = pd.DataFrame({
    "ts": ts(1, 2, 3), "equity": [1000.0, 950.0, 1010.0],
    "peak": [1000.0, 1000.0, 1010.0], "drawdown": [0.0, -50.0, 0.0],
})
PER_BOT = pd.DataFrame({
    "bot_id": [1, 2, 3], "bot": ["rsi btc", "ma eth", "dca sol"], "trades": [10, 4, 7],
    "net_pnl": [25.0, -8.0, 3.0], "win_rate": [0.6, 0.25, 0.5], "profit_factor": [2.1, 0.4, 1.2],
    "avg_win": [6.0, 2.0, 1.0], "avg_loss": [-2.0, -3.0, -0.5], "fees": [1.0, 0.5, 0.7],
})
PER_SYMBOL = pd.DataFrame({
    "symbol": ["BTC/USDT", "BTC/USDT", "ETH/USDT"], "market": ["spot", "futures", "spot"],
    "trades": [6, 2, 4], "net_pnl": [-3.0, 11.0, 0.5], "win_rate": [0.3, 1.0, 0.5],
})
EQUITY = pd.DataFrame({"ts": ts(1, 2, 3), "equity": [1000.0, 990.0, 1020.0]})
CANDLES = pd.DataFrame({
    "ts": ts(1, 2, 3), "open": [100.0, 104.0, 101.0], "high": [105.0, 106.0, 103.0],
    "low": [99.0, 100.0, 98.0], "close": [104.0, 101.0, 102.0], "volume": [1.0, 2.0, 3.0],
})
TRADES = pd.DataFrame({"ts": ts(1, 3, 2), "side": ["buy", "sell", "BUY"], "price": [100.5, 102.0, 103.0]})

CHARTS = [
    (charts.daily_pnl_bars, DAILY),
    (charts.cumulative_pnl, CUMULATIVE),
    (charts.drawdown, DRAWDOWN),
    (charts.pnl_by_bot, PER_BOT),
    (charts.pnl_by_symbol, PER_SYMBOL),
    (charts.equity_curve, EQUITY),
]
NAMES = [chart.__name__ for chart, _ in CHARTS]


def times(values) -> list[pd.Timestamp]:
    """Plotly keeps UTC wall-clock times without the zone; read them back as UTC."""
    return list(pd.to_datetime(list(values), utc=True))


def annotation_texts(figure: go.Figure) -> list[str]:
    return [annotation.text for annotation in figure.layout.annotations]


@pytest.mark.parametrize("chart, frame", CHARTS, ids=NAMES)
def test_every_chart_is_dark_and_has_data(chart, frame):
    figure = chart(frame)
    assert isinstance(figure, go.Figure)
    assert figure.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"  # plotly_dark
    assert figure.data and NO_TRADES not in annotation_texts(figure)


@pytest.mark.parametrize("chart, frame", CHARTS, ids=NAMES)
def test_every_chart_says_no_trades_for_an_empty_frame(chart, frame):
    for empty in (frame.iloc[0:0], pd.DataFrame(), None):
        figure = chart(empty)
        assert figure.data == ()
        assert annotation_texts(figure) == [NO_TRADES]
        assert figure.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"


def test_daily_bars_are_green_for_profit_and_red_for_loss():
    bar, = charts.daily_pnl_bars(DAILY).data
    assert bar.type == "bar"
    assert list(bar.x) == list(DAILY["day"])
    assert list(bar.y) == [12.5, -4.25, 0.0]
    assert list(bar.marker.color) == [PROFIT, LOSS, PROFIT]
    assert [list(row) for row in bar.customdata] == [[0.4, 5], [0.3, 3], [0.1, 1]]


def test_cumulative_pnl_is_a_line_coloured_by_where_it_ends():
    line, = charts.cumulative_pnl(CUMULATIVE).data
    assert line.type == "scatter" and line.mode == "lines"
    assert list(line.y) == [5.0, -2.0, 7.5]
    assert times(line.x) == list(CUMULATIVE["ts"])
    assert line.line.color == PROFIT
    losing = charts.cumulative_pnl(CUMULATIVE.assign(cum_pnl=[1.0, -1.0, -3.0]))
    assert losing.data[0].line.color == LOSS


def test_drawdown_is_a_red_area_below_zero():
    area, = charts.drawdown(DRAWDOWN).data
    assert area.type == "scatter" and area.fill == "tozeroy"
    assert list(area.y) == [0.0, -50.0, 0.0]
    assert area.line.color == LOSS
    assert [list(row) for row in area.customdata][1] == [950.0, 1000.0]


def test_pnl_by_bot_ranks_horizontal_bars_best_on_top():
    bar, = charts.pnl_by_bot(PER_BOT).data
    assert bar.type == "bar" and bar.orientation == "h"
    # Plotly draws the first category at the bottom.
    assert list(bar.y) == ["ma eth", "dca sol", "rsi btc"]
    assert list(bar.x) == [-8.0, 3.0, 25.0]
    assert list(bar.marker.color) == [LOSS, PROFIT, PROFIT]
    assert [row[0] for row in bar.customdata] == [4, 7, 10]


def test_pnl_by_symbol_labels_symbol_and_market():
    bar, = charts.pnl_by_symbol(PER_SYMBOL).data
    assert bar.orientation == "h"
    assert list(bar.y) == ["BTC/USDT spot", "ETH/USDT spot", "BTC/USDT futures"]
    assert list(bar.x) == [-3.0, 0.5, 11.0]
    assert list(bar.marker.color) == [LOSS, PROFIT, PROFIT]


def test_equity_curve_plots_equity_over_time():
    line, = charts.equity_curve(EQUITY).data
    assert line.type == "scatter"
    assert list(line.y) == [1000.0, 990.0, 1020.0]
    assert times(line.x) == list(EQUITY["ts"])


def test_candles_carry_buy_and_sell_markers():
    figure = charts.candles(CANDLES, TRADES)
    candle, buys, sells = figure.data
    assert candle.type == "candlestick"
    assert list(candle.close) == [104.0, 101.0, 102.0]
    assert candle.increasing.line.color == PROFIT and candle.decreasing.line.color == LOSS
    assert buys.name == "buy" and list(buys.y) == [100.5, 103.0]
    assert buys.marker.symbol == "triangle-up" and buys.marker.color == PROFIT
    assert times(buys.x) == [TRADES["ts"][0], TRADES["ts"][2]]
    assert sells.name == "sell" and list(sells.y) == [102.0]
    assert sells.marker.symbol == "triangle-down" and sells.marker.color == LOSS
    assert figure.layout.xaxis.rangeslider.visible is False


def test_candles_without_trades_or_without_candles():
    for trades in (None, TRADES.iloc[0:0]):
        assert [trace.type for trace in charts.candles(CANDLES, trades).data] == ["candlestick"]
    only_buys = charts.candles(CANDLES, TRADES[TRADES["side"] != "sell"])
    assert [trace.name for trace in only_buys.data] == ["price", "buy"]
    empty = charts.candles(CANDLES.iloc[0:0], TRADES)
    assert empty.data == () and annotation_texts(empty) == [NO_CANDLES]


def test_candles_from_real_binance_data(shared_data):
    raw = pd.read_csv(shared_data / "candles" / "binance_spot_BTCUSDT_1h_2018-05.csv")
    frame = raw.assign(ts=pd.to_datetime(raw["timestamp"], unit="ms", utc=True))
    candle, = charts.candles(frame).data
    assert len(candle.x) == len(frame) == 120
    assert list(candle.high) == frame["high"].tolist()


def test_a_missing_column_is_named():
    with pytest.raises(ValueError, match="daily_pnl_bars needs columns day, pnl, fees, trades; missing pnl"):
        charts.daily_pnl_bars(DAILY.drop(columns="pnl"))


def test_the_equity_axis_shows_money_with_two_decimals():
    figure = charts.equity_curve(pd.DataFrame({"ts": ts(1, 2), "equity": [19995.0, 20010.5]}))
    assert figure.layout.yaxis.tickformat == ",.2f"  # 19,995.00, not 19.995k
    assert figure.layout.xaxis.title.text == "time (UTC)"
