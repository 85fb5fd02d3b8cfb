"""Overview: balances, positions, open orders, engine status, today's PnL and the kill switch."""
from datetime import datetime, timezone

import streamlit as st

from console import ui

con = ui.page("Overview")


@st.fragment(run_every=ui.REFRESH_SECONDS)
def live_panel() -> None:
    """Engine status and account state, refreshed every few seconds."""
    status = ui.attempt(con.bot_status)
    running = 0 if status is None or status.empty else int((status["state"] == "running").sum())
    today = datetime.now(timezone.utc).date()
    filters = ui.attempt(con.filters, start=today, end=today)
    today_pnl = ui.attempt(con.analytics, filters) if filters is not None else None
    kpis = today_pnl.kpis if today_pnl is not None else None
    engine = "running" if con.engine_running() else "stopped"
    cols = st.columns(4)
    cols[0].metric("Engine", engine)
    cols[1].metric("Bots running", f"{running} / {0 if status is None else len(status)}")
    cols[2].metric("PnL today, UTC (quote)", ui.money(kpis["net_pnl"]) if kpis else "—")
    cols[3].metric("Trades today", f"{kpis['trades']:,}" if kpis else "—")

    left, right = st.columns(2)
    with left:
        st.subheader("Balances")
        balances = ui.attempt(con.balances)
        if balances is not None:
            st.dataframe(balances, hide_index=True, key="balances")
    with right:
        st.subheader("Open positions (futures)")
        ui.table(ui.attempt(con.positions), "No open positions.")
    st.subheader("Open orders")
    ui.table(ui.attempt(con.open_orders), "No open orders.")
    if status is not None and not status.empty:
        st.subheader("Bots")
        st.dataframe(status[["name", "symbol", "market", "state", "position", "last_signal", "last_error",
                             "trades_today", "pnl_today"]], hide_index=True)


def kill(cancel_orders: bool, flatten: bool) -> None:
    """Stop every bot, then optionally cancel orders and flatten positions."""
    try:
        done = con.kill_switch(cancel_orders=cancel_orders, flatten=flatten)
    except ui.ConsoleError as e:
        ui.note("kill", "error", str(e))
        return
    ui.note("kill", "ok", "Kill switch done: " + "; ".join(done))
    st.session_state["kill_confirm"] = False


live_panel()

st.divider()
st.subheader("Kill switch")
st.caption("Stops every bot at once. Optionally cancels every open order and closes every futures position.")
with st.container(border=True):
    cancel_orders = st.checkbox("Also cancel every open order", key="kill_cancel")
    flatten = st.checkbox("Also close every futures position at market", key="kill_flatten")
    confirmed = st.checkbox("I confirm: stop everything now", key="kill_confirm")
    st.button("Stop all bots", type="primary", disabled=not confirmed, key="kill_button",
              on_click=kill, args=(cancel_orders, flatten))
    ui.show("kill")
