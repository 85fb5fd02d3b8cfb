"""Data: stored market history (klines, funding rates), downloads in the background with progress, update,
delete, gaps, CSV import."""
from datetime import date, timedelta

import streamlit as st

from console import charts, ui
from console.service_history import timeframes

con = ui.page("Data")
hist = con.history
RUNNING = "_history_was_running"


@st.fragment(run_every=1)
def progress_panel() -> None:
    """The running download's progress with a Cancel button; the last one's report when it has ended."""
    view = hist.job()
    if view is None:
        return
    if view.running:
        st.session_state[RUNNING] = True
        st.progress(view.fraction, text=f"{view.title}: {view.message}")
        st.button("Cancel download", key="history_cancel", on_click=hist.cancel,
                  help="stops at the next file or page; what is stored stays, and the next download resumes")
        return
    if st.session_state.pop(RUNNING, False):
        st.rerun(scope="app")  # the download ended: redraw the stored table
    show = {"done": st.success, "cancelled": st.warning}.get(view.state, st.error)
    show(view.result, icon=":material/download_done:" if view.state == "done" else None)


if hist.leaves_machine():
    st.warning(f"Downloads reach Binance's public servers ({hist.sources()}); only public market data is "
               "requested and no key is sent.", icon=":material/public:")
    allowed = st.checkbox("I choose to download from Binance", key="history_consent")
else:
    st.info(f"Downloads come from this machine: {hist.sources()}.", icon=":material/lan:")
    allowed = True
busy = hist.running()
ui.show("history")

with st.form("history_download", border=True):
    st.markdown("**Download** · whole months and days from the archive (checked against their checksums), "
                "the rest from REST; only what is missing is fetched")
    cols = st.columns([1, 1, 1, 1, 1, 1])
    data = cols[0].selectbox("Data", ["klines", "funding"], key="history_data",
                             help="funding: USD-M funding rates (futures only)")
    market = cols[1].selectbox("Market", ["spot", "futures"], key="history_market", help="futures: USD-M")
    symbol = cols[2].text_input("Symbol", value="BTCUSDT", key="history_symbol")
    timeframe = cols[3].selectbox("Timeframe", timeframes(), index=timeframes().index("1m"), key="history_timeframe")
    start = cols[4].date_input("From", value=date.today() - timedelta(days=30), key="history_start")
    end = cols[5].date_input("To", value=None, key="history_end", help="the last day (UTC); empty: up to now")
    fetch = st.form_submit_button("Download", type="primary", disabled=busy or not allowed)
if fetch and ui.attempt(hist.download, market=market, symbol=symbol, start=start, data=data, timeframe=timeframe,
                        end=end + timedelta(days=1) if end else None) is not None:
    st.session_state[RUNNING] = True

progress_panel()

st.subheader("Stored")
stored = ui.attempt(hist.stored)
if stored is not None and stored.empty:
    st.caption("Nothing stored yet: download a symbol above, or import a candle CSV below.")
elif stored is not None:
    st.dataframe(stored.drop(columns=["series"]), hide_index=True, key="history_table", column_config={
        "from": st.column_config.DatetimeColumn("from (UTC)", format="YYYY-MM-DD HH:mm"),
        "to": st.column_config.DatetimeColumn("last (UTC)", format="YYYY-MM-DD HH:mm"),
        "rows": st.column_config.NumberColumn("rows", format="%d"),
        "gaps": st.column_config.NumberColumn("gaps", help="missing candles between stored ones"),
        "outages": st.column_config.NumberColumn("outages", help="gaps Binance itself has no data for"),
        "size_mb": st.column_config.NumberColumn("size", format="%.2f MB"),
    })
    keys = list(stored["series"])
    labels = dict(zip(keys, stored["symbol"] + " " + stored["market"] + " " + stored["data"]))
    chosen = st.selectbox("Series", keys, format_func=labels.get, key="history_series")
    cols = st.columns([1, 2, 1])
    cols[0].button("Update to now", key="history_update", disabled=busy or not allowed,
                   on_click=ui.callback("history", hist.update, chosen))
    sure = cols[1].checkbox(f"I want to delete {labels[chosen]}", key=f"history_delete_sure_{chosen}")
    cols[2].button("Delete", key="history_delete", disabled=busy or not sure,
                   on_click=ui.callback("history", hist.delete, chosen, done="{result}"))
    with st.expander("Gaps"):
        ui.table(ui.attempt(hist.gaps, chosen), "No gaps: every candle between the first and the last is stored.",
                 key="history_gaps")
    if not chosen.startswith("funding/"):
        with st.expander("Chart"):
            preview = ui.attempt(hist.preview, chosen)
            if preview is not None:
                st.plotly_chart(charts.price_chart(preview, title=labels[chosen]), key="history_chart")

st.subheader("Import a candle CSV")
with st.form("history_import", border=True):
    upload = st.file_uploader("CSV with timestamp,open,high,low,close,volume (timestamp: open time in ms)",
                              type=["csv"], key="history_file")
    cols = st.columns(3)
    imp_market = cols[0].selectbox("Market", ["spot", "futures"], key="history_import_market")
    imp_symbol = cols[1].text_input("Symbol", value="BTCUSDT", key="history_import_symbol")
    imp_timeframe = cols[2].selectbox("Timeframe", ["inferred", *timeframes()], key="history_import_timeframe")
    imported = st.form_submit_button("Import")
if imported:
    if upload is None:
        st.error("Choose a CSV file first.", icon=":material/error:")
    else:
        text = ui.attempt(hist.import_csv, upload.getvalue(), market=imp_market, symbol=imp_symbol,
                          timeframe="" if imp_timeframe == "inferred" else imp_timeframe)
        if text is not None:
            ui.done("history", text)
