"""Bots: status with one-click start/stop, create/edit/clone/delete through a validated form, event log."""
import streamlit as st

from console import ui, ui_chart
from console.domain import BotState

con = ui.page("Bots")

COLUMNS = ["name", "symbol", "market", "state", "position", "entry_price", "last_price", "pnl_today",
           "trades_today", "last_signal", "last_order", "last_error", "reason", "next_run"]


@st.fragment(run_every=ui.REFRESH_SECONDS)
def bot_panel() -> None:
    """Every bot's live state with start/stop controls, refreshed every few seconds."""
    armed = ui.live_confirmed(con, "bots")  # on the live venue, starting needs a confirmation
    top = st.columns([1, 1, 4])
    top[0].button("▶ Start all", key="start_all", disabled=not armed,
                  on_click=ui.callback("bots", con.bots.start_all, done="Started all bots"))
    top[1].button("■ Stop all", key="stop_all",
                  on_click=ui.callback("bots", con.bots.stop_all, done="Stopped all bots"))
    ui.show("bots")
    status = ui.attempt(con.bots.status)
    if status is None:
        return
    if status.empty:
        st.info("No bots yet: create one below.")
        return
    ui.table(status[[c for c in COLUMNS if c in status]], key="bot_table")
    for row in status.itertuples():
        cols = st.columns([3, 2, 1], vertical_alignment="center")
        held = f" @ {ui.plain(row.entry_price)}" if row.position and row.entry_price is not None else ""
        cols[0].markdown(f"**[{row.name}](Bot?bot={row.bot_id})** · {row.symbol} {row.market} · position {ui.plain(row.position)}{held} · "
                         f"trades today: {row.trades_today} · PnL today: {ui.money(row.pnl_today)}")
        cols[1].markdown(f"`{row.state}`" + (f" · {row.reason}" if row.reason else ""))
        if row.state == "running":
            cols[2].button("■ Stop", key=f"stop_{row.bot_id}",
                           on_click=ui.callback("bots", con.bots.stop, row.bot_id, done=f"Stopped {row.name}"))
        else:
            cols[2].button("▶ Start", key=f"start_{row.bot_id}", type="primary", disabled=not armed,
                           on_click=ui.callback("bots", con.bots.start, row.bot_id, done=f"Started {row.name}"))


def validated(form: dict, action: str, key: str) -> bool:
    """Validate the form and preview the first order; True when it is fine to save."""
    return ui.bot_form_ready(con, form, action, key)


bot_panel()
ui_chart.price_panel(con)
st.divider()
records = ui.attempt(con.bots.all, default=[]) or []
names = {r.id: r.config.name for r in records}
new_tab, edit_tab, log_tab = st.tabs(["New bot", "Edit, clone or delete", "Event log"])

with new_tab:
    ui.show("new")
    form, action = ui.bot_form(con, "new")
    if action and validated(form, action, "new") and ui.attempt(con.bots.create, form) is not None:
        ui.done("new", f"Created bot {form['name']} (stopped): start it from the table above.")

with edit_tab:
    ui.show("edit")
    if not records:
        st.caption("No bots to edit yet.")
    else:
        chosen = st.selectbox("Bot", list(names), format_func=names.get, key="edit_bot")
        record = next(r for r in records if r.id == chosen)
        running = record.state is BotState.RUNNING
        if running:
            st.caption("The bot is running: its market and symbol are locked until it is stopped.")
        form, action = ui.bot_form(con, f"edit{chosen}", record.config, running=running)
        if action and validated(form, action, "edit") and ui.succeeded(con.bots.update, chosen, form):
            ui.done("edit", f"Saved {form['name']}.")
        clone_col, delete_col = st.columns(2)
        with clone_col:
            clone_name = st.text_input("Clone as", value=f"{record.config.name} copy", key=f"clone_name_{chosen}")
            if st.button("Clone", key="clone") and ui.succeeded(con.bots.clone, chosen, clone_name):
                ui.done("edit", f"Cloned {record.config.name} into {clone_name}.")
        with delete_col:
            sure = st.checkbox(f"I want to delete {record.config.name}", key=f"delete_confirm_{chosen}")
            close = st.checkbox("Close its position and cancel its orders at market first", key=f"delete_close_{chosen}",
                                help="a bot holding a position or with open orders is deleted only with this")
            if st.button("Delete", key="delete", disabled=not sure):
                deleted = ui.attempt(con.bots.delete, chosen, close=close)
                if deleted is not None:
                    ui.done("edit", deleted[:1].upper() + deleted[1:] + ".")

with log_tab:
    options = [None, *names]
    which = st.selectbox("Bot", options, format_func=lambda i: "every bot" if i is None else names[i], key="log_bot")
    ui.table(ui.attempt(con.bots.events, which, 200), "No events yet.", key="event_log")
