"""Trades & PnL: filters, KPIs, cumulative/daily/per-bot/per-symbol PnL, drawdown, equity, trades, CSV."""
import streamlit as st

from console import charts, ui

con = ui.page("Trades & PnL")
TABLE_ROWS = 500

bots = {r.id: r.config.name for r in ui.attempt(con.bots.all, default=[]) or []}
with st.container(border=True):
    cols = st.columns(4)  # a quarter of the page each: room for a whole date
    start = cols[0].date_input("From", value=None, key="pnl_start", help="empty: since the first trade")
    end = cols[1].date_input("To", value=None, key="pnl_end", help="empty: up to now")
    market = cols[2].selectbox("Market", ["all", "spot", "futures"], key="pnl_market")
    venue = cols[3].selectbox("Venue", ["all", "paper", "demo", "live"], key="pnl_venue")
    cols = st.columns(2)
    chosen_bots = cols[0].multiselect("Bots", list(bots), format_func=lambda i: bots.get(i, str(i)), key="pnl_bots")
    symbols = cols[1].multiselect("Symbols", ui.attempt(con.analytics.symbols, default=[]) or [], key="pnl_symbols")

filters = ui.attempt(con.analytics.filters, start=start, end=end, bots=tuple(chosen_bots), symbols=tuple(symbols),
                     market=None if market == "all" else market, venue=None if venue == "all" else venue)
if filters is None:
    st.stop()
with st.spinner("Computing PnL…"):
    bundle = ui.attempt(con.analytics.bundle, filters)
if bundle is None:
    st.stop()

kpis = bundle.kpis
cols = st.columns(6)
cols[0].metric("Net PnL", ui.money(kpis["net_pnl"]))
cols[1].metric("Trades", f"{kpis['trades']:,}")
cols[2].metric("Win rate", ui.pct(kpis["win_rate"]))
cols[3].metric("Profit factor", ui.money(kpis["profit_factor"]))
cols[4].metric("Fees", ui.money(kpis["fees"]))
cols[5].metric("Max drawdown", ui.money(kpis["max_drawdown"]))

left, right = st.columns(2)
left.plotly_chart(charts.cumulative_pnl(bundle.cumulative), key="chart_cumulative")
right.plotly_chart(charts.daily_pnl_bars(bundle.daily), key="chart_daily")
left.plotly_chart(charts.pnl_by_bot(bundle.per_bot), key="chart_bots")
right.plotly_chart(charts.pnl_by_symbol(bundle.per_symbol), key="chart_symbols")
left.plotly_chart(charts.drawdown(bundle.drawdown), key="chart_drawdown")
right.plotly_chart(charts.equity_curve(ui.attempt(con.analytics.equity, filters)), key="chart_equity")
if chosen_bots or symbols:
    right.caption("Equity of the chosen bots and symbols: the running net PnL of their trades (a wallet "
                  "belongs to no bot).")

st.subheader("Trades")
table = ui.attempt(con.analytics.trades, filters, TABLE_ROWS)
if table is not None:
    if len(table) == TABLE_ROWS:
        st.caption(f"The latest {TABLE_ROWS} trades; download the CSV for all {kpis['trades']:,}.")
    ui.table(table, "No trades for these filters.", key="trade_table")
st.download_button("Download trades as CSV", data=lambda: con.analytics.trades_csv(filters), file_name="trades.csv",
                   mime="text/csv", key="trades_csv", on_click="ignore")
