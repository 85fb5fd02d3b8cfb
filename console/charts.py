"""Plotly figures from the console's DataFrames. Each function takes a DataFrame, returns a Figure.

Every figure uses the ``plotly_dark`` template, profit in ``PROFIT`` green and loss in ``LOSS``
red, and turns an empty (or None) DataFrame into an empty figure that says so.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from console.history import resample

TEMPLATE = "plotly_dark"
PROFIT = "#26a69a"
LOSS = "#ef5350"
NEUTRAL = "#90caf9"
NO_TRADES = "No trades yet for these filters"
NO_CANDLES = "No candles yet for this symbol and timeframe"


DAY_MS = 86_400_000


def daily_pnl_bars(daily: pd.DataFrame | None) -> go.Figure:
    """Bar per day of net PnL: green for a profitable day, red for a losing one."""
    if _is_empty(daily):
        return empty_figure("Daily PnL")
    _require(daily, ("day", "pnl", "fees", "trades"), "daily_pnl_bars")
    pnl = daily["pnl"].astype(float)
    figure = go.Figure(go.Bar(
        x=daily["day"], y=pnl, marker_color=sign_colours(pnl), name="PnL",
        width=DAY_MS * 0.8,
        customdata=daily[["fees", "trades"]].to_numpy(),
        hovertemplate="%{x|%Y-%m-%d}<br>PnL %{y:,.2f}<br>fees %{customdata[0]:,.2f}"
                      "<br>trades %{customdata[1]}<extra></extra>",
    ))
    figure.update_xaxes(type="date", tickformat="%b %d", dtick=DAY_MS if len(daily) <= 14 else None)
    return _layout(figure, "Daily PnL", y_title="PnL (quote)")


def cumulative_pnl(cumulative: pd.DataFrame | None) -> go.Figure:
    """Line of cumulative PnL over time, green when it ends in profit, red when in loss."""
    if _is_empty(cumulative):
        return empty_figure("Cumulative PnL")
    _require(cumulative, ("ts", "cum_pnl"), "cumulative_pnl")
    values = cumulative["cum_pnl"].astype(float)
    colour = PROFIT if values.iloc[-1] >= 0 else LOSS
    figure = go.Figure(go.Scatter(
        x=cumulative["ts"], y=values, mode="lines", name="cumulative PnL",
        line={"color": colour, "width": 2},
        hovertemplate="%{x}<br>cumulative PnL %{y:,.2f}<extra></extra>",
    ))
    figure.add_hline(y=0, line={"color": "grey", "width": 1, "dash": "dot"})
    return _layout(figure, "Cumulative PnL", y_title="PnL (quote)")


def drawdown(frame: pd.DataFrame | None) -> go.Figure:
    """Red area of the drawdown from the running equity peak (values at or below zero)."""
    if _is_empty(frame):
        return empty_figure("Drawdown")
    _require(frame, ("ts", "equity", "peak", "drawdown"), "drawdown")
    figure = go.Figure(go.Scatter(
        x=frame["ts"], y=frame["drawdown"].astype(float), mode="lines", name="drawdown",
        fill="tozeroy", line={"color": LOSS, "width": 1}, fillcolor=_translucent(LOSS),
        customdata=frame[["equity", "peak"]].to_numpy(dtype=float),
        hovertemplate="%{x}<br>drawdown %{y:,.2f}<br>equity %{customdata[0]:,.2f}"
                      "<br>peak %{customdata[1]:,.2f}<extra></extra>",
    ))
    return _layout(figure, "Drawdown", y_title="below peak (quote)")


def pnl_by_bot(per_bot: pd.DataFrame | None) -> go.Figure:
    """Horizontal bar of net PnL per bot, best at the top."""
    if _is_empty(per_bot):
        return empty_figure("PnL by bot")
    _require(per_bot, ("bot", "trades", "net_pnl"), "pnl_by_bot")
    return _ranked_bars(per_bot, per_bot["bot"].astype(str), "PnL by bot")


def pnl_by_symbol(per_symbol: pd.DataFrame | None) -> go.Figure:
    """Horizontal bar of net PnL per symbol and market, best at the top."""
    if _is_empty(per_symbol):
        return empty_figure("PnL by symbol")
    _require(per_symbol, ("symbol", "market", "trades", "net_pnl"), "pnl_by_symbol")
    labels = per_symbol["symbol"].astype(str) + " " + per_symbol["market"].astype(str)
    return _ranked_bars(per_symbol, labels, "PnL by symbol")


def equity_curve(equity: pd.DataFrame | None) -> go.Figure:
    """Line of account equity over time."""
    if _is_empty(equity):
        return empty_figure("Equity")
    _require(equity, ("ts", "equity"), "equity_curve")
    figure = go.Figure(go.Scatter(
        x=equity["ts"], y=equity["equity"].astype(float), mode="lines", name="equity",
        line={"color": NEUTRAL, "width": 2},
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>equity %{y:,.2f}<extra></extra>",
    ))
    figure.update_yaxes(tickformat=",.2f")  # money as money, not "19.995k"
    return _layout(figure, "Equity", x_title="time (UTC)", y_title="equity (quote)")


def candles(frame: pd.DataFrame | None, trades: pd.DataFrame | None = None,
            title: str = "Price") -> go.Figure:
    """Candlestick chart with the trades on it: green triangles up for buys, red down for sells."""
    if _is_empty(frame):
        return empty_figure(title, NO_CANDLES)
    _require(frame, ("ts", "open", "high", "low", "close"), "candles")
    figure = go.Figure(go.Candlestick(
        x=frame["ts"], open=frame["open"], high=frame["high"], low=frame["low"],
        close=frame["close"], name="price",
        increasing={"line": {"color": PROFIT}, "fillcolor": PROFIT},
        decreasing={"line": {"color": LOSS}, "fillcolor": LOSS},
    ))
    if not _is_empty(trades):
        _require(trades, ("ts", "side", "price"), "candles")
        side = trades["side"].astype(str).str.lower()
        for name, symbol, colour in (("buy", "triangle-up", PROFIT), ("sell", "triangle-down", LOSS)):
            chosen = trades[side == name]
            if chosen.empty:
                continue
            figure.add_trace(go.Scatter(
                x=chosen["ts"], y=chosen["price"].astype(float), mode="markers", name=name,
                marker={"symbol": symbol, "color": colour, "size": 12,
                        "line": {"color": "white", "width": 1}},
                hovertemplate=f"{name} %{{y:,.2f}}<br>%{{x}}<extra></extra>",
            ))
    figure.update_layout(xaxis_rangeslider_visible=False)
    return _layout(figure, title, y_title="price")


MAX_CANDLES = 5000
LINE_COLOURS = ("#ffb74d", "#ba68c8", "#4dd0e1", "#aed581", "#f06292", "#fff176")


def price_chart(frame: pd.DataFrame | None, trades: pd.DataFrame | None = None,
                levels: Mapping[str, float] | None = None, indicators: Mapping[str, pd.Series] | None = None,
                oscillators: Mapping[str, pd.Series] | None = None, title: str = "Price",
                max_candles: int = MAX_CANDLES) -> go.Figure:
    """Candles with volume, indicators, entry/exit markers and resting levels: a bot's or a backtest's chart.

    ``frame``: ts, open, high, low, close (volume optional). ``trades``: ts, side, price, quantity,
    optional pnl and kind ("entry" / "exit"; without it a buy is an entry and a sell an exit).
    ``levels``: name -> price drawn as horizontal lines (take profit, stop loss). ``indicators``
    are drawn over the price and ``oscillators`` in a pane below, each aligned with ``frame``'s rows.
    More than ``max_candles`` candles are resampled to a coarser interval first.
    """
    if _is_empty(frame):
        return empty_figure(title, NO_CANDLES)
    _require(frame, ("ts", "open", "high", "low", "close"), "price_chart")
    lines = {**(indicators or {}), **(oscillators or {})}
    native = resample.timeframe_of(frame)
    frame, lines, timeframe = resample.fit(frame, max_candles, lines)
    if timeframe != native:
        title = f"{title} · {timeframe} candles (resampled from {native})"
    below = [name for name in (oscillators or {}) if name in lines]
    has_volume = "volume" in frame
    rows = 1 + has_volume + bool(below)
    heights = [0.62, 0.18, 0.2][:rows] if rows == 3 else ([0.75, 0.25] if rows == 2 else [1.0])
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.02, row_heights=heights)
    figure.add_trace(go.Candlestick(
        x=frame["ts"], open=frame["open"], high=frame["high"], low=frame["low"], close=frame["close"],
        name="price", increasing={"line": {"color": PROFIT}, "fillcolor": PROFIT},
        decreasing={"line": {"color": LOSS}, "fillcolor": LOSS},
    ), row=1, col=1)
    for i, (name, values) in enumerate(lines.items()):
        row = rows if name in below else 1
        figure.add_trace(go.Scatter(
            x=frame["ts"], y=values.astype(float), mode="lines", name=name,
            line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 1.4},
            hovertemplate=f"{name} %{{y:,.4~f}}<extra></extra>",
        ), row=row, col=1)
    if has_volume:
        rising = frame["close"].astype(float) >= frame["open"].astype(float)
        figure.add_trace(go.Bar(
            x=frame["ts"], y=frame["volume"].astype(float), name="volume", showlegend=False,
            marker_color=[_translucent(PROFIT if up else LOSS, 0.6) for up in rising],
            hovertemplate="volume %{y:,.4~f}<extra></extra>",
        ), row=2, col=1)
    if not _is_empty(trades):
        _trade_markers(figure, trades)
    for name, value in (levels or {}).items():
        if value is None or value != value:
            continue
        colour = PROFIT if "profit" in name.lower() else LOSS if "stop" in name.lower() else NEUTRAL
        figure.add_hline(y=float(value), line={"color": colour, "width": 1, "dash": "dash"}, row=1, col=1,
                         annotation_text=f"{name} {float(value):,.2f}", annotation_position="top left",
                         annotation_font_color=colour)
    figure.update_layout(xaxis_rangeslider_visible=False, uirevision=title, hovermode="x unified",
                         height=520 if rows == 1 else 640)
    figure.update_xaxes(rangeslider_visible=False)
    _layout(figure, title, y_title="price")
    figure.update_layout(showlegend=len(figure.data) > 1 + has_volume,
                         legend={"orientation": "h", "y": 1.0, "x": 1.0, "yanchor": "bottom", "xanchor": "right"})
    return figure


def _trade_markers(figure: go.Figure, trades: pd.DataFrame) -> None:
    _require(trades, ("ts", "side", "price", "quantity"), "price_chart")
    side = trades["side"].astype(str).str.lower()
    if "kind" in trades:
        kind = trades["kind"].astype(str).str.lower()
    else:
        kind = side.map({"buy": "entry", "sell": "exit"}).fillna("entry")
    pnl = trades["pnl"].astype(float) if "pnl" in trades else pd.Series(float("nan"), index=trades.index)
    text = [f"{k} {s} {_number(q)} @ {_number(p)}" + ("" if v != v else f"<br>PnL {v:+,.2f}")
            for k, s, q, p, v in zip(kind, side, trades["quantity"], trades["price"], pnl)]
    for name, chosen, symbol, colours in (
        ("entry buy", (kind == "entry") & (side == "buy"), "triangle-up", None),
        ("entry sell", (kind == "entry") & (side == "sell"), "triangle-down", None),
        ("exit", kind == "exit", "x", "pnl"),
    ):
        if not chosen.any():
            continue
        picked = trades[chosen.to_numpy()]
        if colours == "pnl":
            colour = [NEUTRAL if v != v else PROFIT if v >= 0 else LOSS for v in pnl[chosen.to_numpy()]]
        else:
            colour = PROFIT if name == "entry buy" else LOSS
        figure.add_trace(go.Scatter(
            x=picked["ts"], y=picked["price"].astype(float), mode="markers", name=name,
            marker={"symbol": symbol, "color": colour, "size": 12, "line": {"color": "white", "width": 1}},
            text=[t for t, c in zip(text, chosen) if c], hovertemplate="%{text}<br>%{x}<extra></extra>",
        ), row=1, col=1)


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.8f}".rstrip("0").rstrip(".") if abs(number) < 1000 else f"{number:,.2f}"


def empty_figure(title: str, message: str = NO_TRADES) -> go.Figure:
    """Return a blank figure carrying ``message`` in its middle."""
    figure = go.Figure()
    figure.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper",
                          showarrow=False, font={"size": 16, "color": "grey"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return _layout(figure, title)


def sign_colours(values: Iterable[float]) -> list[str]:
    """Return PROFIT for each value at or above zero and LOSS for each below."""
    return [PROFIT if value >= 0 else LOSS for value in values]


def _ranked_bars(frame: pd.DataFrame, labels: pd.Series, title: str) -> go.Figure:
    order = frame["net_pnl"].astype(float).sort_values(kind="stable").index
    net = frame.loc[order, "net_pnl"].astype(float)
    extra = [column for column in ("win_rate", "profit_factor", "fees") if column in frame]
    hover = "%{y}<br>net PnL %{x:,.2f}<br>trades %{customdata[0]}"
    hover += "".join(f"<br>{column.replace('_', ' ')} %{{customdata[{i + 1}]:,.2f}}"
                     for i, column in enumerate(extra))
    figure = go.Figure(go.Bar(
        x=net, y=labels.loc[order], orientation="h", marker_color=sign_colours(net),
        name="net PnL", customdata=frame.loc[order, ["trades", *extra]].to_numpy(dtype=float),
        hovertemplate=hover + "<extra></extra>",
    ))
    figure.update_layout(height=max(300, 40 * len(frame) + 120))
    return _layout(figure, title, x_title="net PnL (quote)")


def _layout(figure: go.Figure, title: str, x_title: str = "", y_title: str = "") -> go.Figure:
    figure.update_layout(
        template=TEMPLATE, title={"text": title}, showlegend=len(figure.data) > 1,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title=x_title or None, yaxis_title=y_title or None,
    )
    return figure


def _is_empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or frame.empty


def _require(frame: pd.DataFrame, columns: Sequence[str], chart: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{chart} needs columns {', '.join(columns)}; missing {', '.join(missing)} "
            f"(got {', '.join(map(str, frame.columns))})"
        )


def _translucent(hex_colour: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def equity_chart(equity: pd.DataFrame | None, asset: str = "", title: str = "Equity") -> go.Figure:
    """Line of a backtest's equity (ts, equity) in ``asset``, green when it ends above where it began."""
    if _is_empty(equity):
        return empty_figure(title, "No equity to draw: run a backtest")
    _require(equity, ("ts", "equity"), "equity_chart")
    values = equity["equity"].astype(float)
    colour = PROFIT if values.iloc[-1] >= values.iloc[0] else LOSS
    figure = go.Figure(go.Scatter(
        x=equity["ts"], y=values, mode="lines", name="equity", line={"color": colour, "width": 2},
        hovertemplate=f"%{{x|%Y-%m-%d %H:%M}} UTC<br>equity %{{y:,.2f}} {asset}<extra></extra>",
    ))
    figure.add_hline(y=float(values.iloc[0]), line={"color": "grey", "width": 1, "dash": "dot"})
    figure.update_yaxes(tickformat=",.2f")
    return _layout(figure, title, x_title="time (UTC)", y_title=f"equity ({asset or 'quote'})")


def drawdown_chart(frame: pd.DataFrame | None, title: str = "Drawdown") -> go.Figure:
    """Red area of a backtest's drawdown below its running peak (ts, drawdown_pct: 0 or negative, in %)."""
    if _is_empty(frame):
        return empty_figure(title, "No drawdown to draw: run a backtest")
    _require(frame, ("ts", "drawdown_pct"), "drawdown_chart")
    figure = go.Figure(go.Scatter(
        x=frame["ts"], y=frame["drawdown_pct"].astype(float), mode="lines", name="drawdown",
        fill="tozeroy", line={"color": LOSS, "width": 1}, fillcolor=_translucent(LOSS),
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>drawdown %{y:.1f}%<extra></extra>",
    ))
    figure.update_yaxes(ticksuffix="%")
    return _layout(figure, title, x_title="time (UTC)", y_title="below peak (%)")
