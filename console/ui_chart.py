"""The price chart panel of the Bots page: one bot at a time, its candles, indicators, trades and TP/SL.

One chart at a time (picked by bot), so a console with hundreds of bots draws one figure per run;
it refreshes on its own every ``REFRESH_SECONDS`` from the engine's shared candle cache.
"""
from __future__ import annotations

import streamlit as st

from console import charts, ui
from console.service import Console
from console.service_history import WINDOWS

REFRESH_SECONDS = 10


def price_panel(con: Console) -> None:
    """An expander with a bot picker, a window picker and the bot's price chart."""
    records = ui.attempt(con.bots.all, default=[]) or []
    if not records:
        return
    with st.expander("Price chart", icon=":material/candlestick_chart:"):
        names = {r.id: f"{r.config.name} · {r.config.symbol} {r.config.market.value} {r.config.timeframe}"
                 for r in records}
        left, right = st.columns([3, 2])
        bot_id = left.selectbox("Bot", list(names), format_func=names.get, key="chart_bot")
        window = right.selectbox("Window", list(WINDOWS), key="chart_window",
                                 help="live: the candles the bot decides from; longer windows read the history "
                                      "stored on the Data page")
        _chart(con, bot_id, window)


@st.fragment(run_every=REFRESH_SECONDS)
def _chart(con: Console, bot_id: int, window: str) -> None:
    data = ui.attempt(con.history.bot_chart, bot_id, window)
    if data is None:
        return
    figure = charts.price_chart(data.candles, data.trades, data.levels, data.indicators, data.oscillators,
                                title=data.title)
    st.plotly_chart(figure, key="bot_price_chart")
    if data.note:
        st.caption(data.note)
