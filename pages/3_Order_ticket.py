"""Order ticket: a manual market order with a preview and a confirmation; OCO, leverage, close, cancel."""
import streamlit as st

from console import ui

con = ui.page("Order ticket")
if ui.account_missing(con):
    st.stop()  # the banner says where to add the keys


def place(ticket: dict) -> None:
    """Send the previewed order."""
    try:
        done = con.orders.summary(con.orders.place(**ticket))
    except ui.ConsoleError as e:
        ui.note("ticket", "error", str(e))
        return
    ui.note("ticket", "ok", done)
    st.session_state.pop("ticket_preview", None)


@st.fragment(run_every=ui.REFRESH_SECONDS)
def open_panel() -> None:
    """Open positions and orders with close/cancel buttons, refreshed every few seconds."""
    ui.show("open")
    st.subheader("Futures positions")
    positions = ui.attempt(con.overview.positions)
    if positions is not None and positions.empty:
        st.caption("No open positions.")
    for row in [] if positions is None else positions.itertuples():
        cols = st.columns([3, 1], vertical_alignment="center")
        cols[0].markdown(f"**{row.symbol}** {row.side} {ui.plain(row.quantity)} @ {ui.plain(row.entry_price)} · "
                         f"uPnL {ui.money(row.unrealized_pnl)} · {row.leverage}x")
        cols[1].button("Close", key=f"close_{row.symbol}", on_click=ui.callback(
            "open", con.orders.close_position, row.symbol, done=f"Closed the {row.symbol} position"))
    st.subheader("Open orders")
    orders = ui.attempt(con.overview.open_orders)
    if orders is not None and orders.empty:
        st.caption("No open orders.")
    for row in [] if orders is None else orders.itertuples():
        cols = st.columns([3, 1], vertical_alignment="center")
        stop = f" (stop {ui.plain(row.stop_price)})" if row.stop_price is not None else ""
        limit = f" @ {ui.plain(row.price)}" if row.price is not None else ""
        cols[0].markdown(f"**{row.symbol}** {row.market} {row.side} {row.type.replace('_', ' ')} "
                         f"{ui.plain(row.quantity)}{limit}{stop}")
        cols[1].button("Cancel", key=f"cancel_{row.client_order_id}", on_click=ui.callback(
            "open", con.orders.cancel, row.market, row.symbol, row.client_order_id,
            done=f"Cancelled {row.client_order_id}"))


ticket_col, open_col = st.columns([1, 1], gap="large")
with ticket_col:
    st.subheader("Market order")
    market = st.radio("Market", ["spot", "futures"], horizontal=True, key="ticket_market")
    symbol = ui.symbol_picker(con, market, "ticket_symbol")
    side = st.radio("Side", ["buy", "sell"], horizontal=True, key="ticket_side")
    base, quote = symbol.split("/")[0], (symbol.split("/") + [""])[1]
    amount_in = st.radio("Amount in", ["base", "quote"], horizontal=True, key="ticket_in",
                         format_func=lambda a: f"{base} (base)" if a == "base" else f"{quote} (quote)")
    amount = st.text_input("Amount", key="ticket_amount", placeholder="e.g. 0.001 or 100")
    reduce_only = market == "futures" and st.checkbox("Reduce only", key="ticket_reduce")
    ticket = {"market": market, "symbol": symbol, "side": side, "amount": amount,
              "amount_in": amount_in, "reduce_only": reduce_only}
    if st.button("Preview", key="ticket_preview_button"):
        preview = ui.attempt(con.orders.preview, **ticket)
        if preview is not None:
            st.session_state["ticket_preview"] = (ticket, preview)
    ui.show("ticket")
    stored = st.session_state.get("ticket_preview")
    if stored and stored[0] == ticket:
        ui.show_preview(stored[1], key="ticket_preview_table")
        st.button(f"Confirm {side} {symbol}", type="primary", key="ticket_confirm",
                  disabled=not ui.live_confirmed(con, "ticket"), on_click=place, args=(ticket,))
    elif stored:
        st.caption("The ticket changed since the preview: preview it again.")

    oco_tab, lev_tab = st.tabs(["Spot OCO take-profit / stop-loss", "Futures leverage"])
    with oco_tab, st.form("oco"):
        oco_symbol = st.text_input("Symbol", value=symbol, key="oco_symbol").strip().upper()
        cols = st.columns(3)
        quantity = cols[0].text_input("Quantity (base)", key="oco_qty")
        take_profit = cols[1].text_input("Take-profit price", key="oco_tp")
        stop_loss = cols[2].text_input("Stop-loss price", key="oco_sl")
        if st.form_submit_button("Place OCO sell"):
            oco = ui.attempt(con.orders.place_oco, symbol=oco_symbol, quantity=quantity,
                             take_profit=take_profit, stop_loss=stop_loss)
            if oco is not None:
                st.success(f"OCO {oco.list_id} placed: take-profit {take_profit}, stop-loss {stop_loss}")
    with lev_tab, st.form("leverage"):
        lev_symbol = st.text_input("Symbol", value=symbol, key="lev_symbol").strip().upper()
        leverage = st.number_input("Leverage", 1, 125, value=1, key="lev_value")
        if st.form_submit_button("Set leverage") and ui.succeeded(con.orders.set_leverage, lev_symbol, leverage):
            st.success(f"{lev_symbol} futures leverage set to {leverage}x")

with open_col:
    open_panel()
