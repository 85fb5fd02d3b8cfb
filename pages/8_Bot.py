"""One bot: its settings, state, position with unrealised PnL, resting orders, round trips, chart and log;
start, stop, edit and clone from here. Chosen by name, or by ``?bot=<id>`` in the address."""
import streamlit as st

from console import charts, fmt, ui
from console.domain import BotState

con = ui.page("Bot")

records = ui.attempt(con.bots.all, default=[]) or []
if not records:
    st.info("No bots yet: create one on the Bots page.")
    st.stop()
names = {r.id: r.config.name for r in records}
wanted = st.query_params.get("bot")
chosen = ui.attempt(con.bots.find, wanted) if wanted else None
ids = list(names)
if "bot_next" in st.session_state:  # a clone just made: show it
    st.session_state["bot_pick"] = st.session_state.pop("bot_next")
bot_id = st.selectbox("Bot", ids, index=ids.index(chosen.id) if chosen else 0, format_func=names.get, key="bot_pick")
if str(bot_id) != wanted:
    st.query_params["bot"] = str(bot_id)


@st.fragment(run_every=ui.REFRESH_SECONDS)
def state_panel() -> None:
    """The bot's state and position, with start and stop, refreshed every few seconds."""
    record = ui.attempt(con.bots.get, bot_id)
    if record is None:
        return
    ui.show("bot")
    armed = ui.live_confirmed(con, "bot")
    cols = st.columns([3, 1], vertical_alignment="center")
    cols[0].markdown(f"**{record.config.name}** · {record.config.symbol} {record.config.market.value} "
                     f"{record.config.timeframe} · `{record.state.value}`"
                     + (f" · {record.reason}" if record.reason else ""))
    if record.state is BotState.RUNNING:
        cols[1].button("■ Stop", key="bot_stop", on_click=ui.callback("bot", con.bots.stop, bot_id,
                                                                     done=f"Stopped {record.config.name}"))
    else:
        cols[1].button("▶ Start", key="bot_start", type="primary", disabled=not armed,
                       on_click=ui.callback("bot", con.bots.start, bot_id, done=f"Started {record.config.name}"))
    held = ui.attempt(con.bots.position, bot_id)
    if held is not None:
        base = record.config.symbol.split("/")[0]
        metrics = [*st.columns(2), *st.columns(2)]  # two a row: a quantity to the satoshi fits
        metrics[0].metric("Position", f"{fmt.qty(held.quantity, held.step) or '0'} {base}")
        metrics[1].metric("Unrealised PnL", ui.money(held.unrealized_pnl, held.quote))
        metrics[2].metric("Entry price", fmt.price(held.entry_price, held.tick) or "—")
        metrics[3].metric("Last price", fmt.price(held.last_price, held.tick) or "—")
    quote = record.config.symbol.split("/")[1]
    st.caption(f"Trades today: {record.trades_today} · PnL today: {ui.money(record.pnl_today, quote)}")
    st.markdown("**Resting orders**")
    ui.table(ui.attempt(con.bots.resting_orders, bot_id), "No resting orders.", key="bot_orders")


state_panel()
record = con.bots.get(bot_id)
chart_tab, trips_tab, log_tab, settings_tab, edit_tab = st.tabs(
    ["Price chart", "Round trips", "Event log", "Settings", "Edit or clone"])

with chart_tab:
    data = ui.attempt(con.history.bot_chart, bot_id)
    if data is not None:
        st.plotly_chart(charts.price_chart(data.candles, data.trades, data.levels, data.indicators, data.oscillators,
                                           title=data.title), key="bot_page_chart")
        if data.note:
            st.caption(data.note)

with trips_tab:
    ui.table(ui.attempt(con.bots.round_trips, bot_id), "No round trips yet.", key="bot_trips")

with log_tab:
    ui.table(ui.attempt(con.bots.events, bot_id, 200), "No events yet.", key="bot_events")

with settings_tab:
    ui.table(ui.attempt(con.bots.settings, bot_id), key="bot_settings")

with edit_tab:
    ui.show("bot_edit")
    running = record.state is BotState.RUNNING
    if running:
        st.caption("The bot is running: its market and symbol are locked until it is stopped.")
    form, action = ui.bot_form(con, f"bot{bot_id}", record.config, running=running)
    if action and ui.bot_form_ready(con, form, action, "bot_edit") and ui.succeeded(con.bots.update, bot_id, form):
        ui.done("bot_edit", f"Saved {form['name']}.")
    clone_name = st.text_input("Clone as", value=f"{record.config.name} copy", key=f"bot_clone_name_{bot_id}")
    if st.button("Clone", key="bot_clone"):
        new_id = ui.attempt(con.bots.clone, bot_id, clone_name)
        if new_id is not None:
            st.session_state["bot_next"] = new_id
            ui.done("bot_edit", f"Cloned {record.config.name} into {clone_name} (stopped).")
