"""Overview: balances, positions, open orders, the account against the books, engine status, today's PnL
and the kill switch."""
from datetime import datetime, timezone

import streamlit as st

from console import ui

con = ui.page("Overview")


@st.fragment(run_every=ui.REFRESH_SECONDS)
def live_panel() -> None:
    """Engine status and account state, refreshed every few seconds."""
    status = ui.attempt(con.bots.status)
    running = 0 if status is None or status.empty else int((status["state"] == "running").sum())
    today = datetime.now(timezone.utc).date()
    filters = ui.attempt(con.analytics.filters, start=today, end=today)
    today_pnl = ui.attempt(con.analytics.bundle, filters) if filters is not None else None
    kpis = today_pnl.kpis if today_pnl is not None else None
    engine = "running" if con.overview.engine_running() else "stopped"
    cols = st.columns(4)
    cols[0].metric("Engine", engine)
    cols[1].metric("Bots running", f"{running} / {0 if status is None else len(status)}")
    cols[2].metric("PnL today, UTC (quote)", ui.money(kpis["net_pnl"]) if kpis else "—")
    cols[3].metric("Trades today", f"{kpis['trades']:,}" if kpis else "—")

    if not ui.account_missing(con):  # else the banner says where to add the keys
        left, right = st.columns(2)
        with left:
            st.subheader("Balances")
            ui.table(ui.attempt(con.overview.balances), "Nothing held.", key="balances")
        with right:
            st.subheader("Open positions (futures)")
            ui.table(ui.attempt(con.overview.positions), "No open positions.")
        st.subheader("Open orders")
        ui.table(ui.attempt(con.overview.open_orders), "No open orders.")
    st.subheader("Positions: the account against the bots and the manual book")
    held = ui.attempt(con.holdings.table)
    ui.table(held, "Nothing held or traded yet.", key="holdings")
    ui.show("holdings")
    if held is not None and held["state"].str.startswith("differs").any():
        ui.difference_resolver(con)
    if status is not None and not status.empty:
        st.subheader("Bots")
        ui.table(status[["name", "symbol", "market", "state", "position", "last_signal", "last_error",
                         "trades_today", "pnl_today"]], key="bot_status")


def kill(sell_spot: bool) -> None:
    """Press the kill switch; show what it did and what still stands, with the fix."""
    try:
        report = con.kill_switch(sell_spot=sell_spot)
    except ui.ConsoleError as e:
        ui.note("kill", "error", str(e))
        return
    waited = " (after the press already running)" if report.waited else ""
    verb = "done" if report.complete else "did"
    ui.note("kill", "ok", f"Kill switch {verb}{waited}: " + "; ".join(report.done))
    for item in report.standing:
        ui.note("kill", "error", f"Still standing: {item}")
    st.session_state["kill_confirm"] = False


live_panel()

st.divider()
st.subheader("Kill switch")
st.caption("Stops every bot, cancels every open order (OCOs as lists, futures stop-loss / take-profit orders "
           "too) and closes every futures position at market, each bot's part as that bot's order. It goes on "
           "past a failure and says what still stands.")
with st.container(border=True):
    sell_spot = st.checkbox("Also sell what the bots bought on spot (not your other coins)", key="kill_sell_spot")
    confirmed = st.checkbox("I confirm: stop everything now", key="kill_confirm")
    st.button("Stop everything", type="primary", disabled=not confirmed, key="kill_button",
              on_click=kill, args=(sell_spot,))
    ui.show("kill")
