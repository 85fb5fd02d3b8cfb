"""Order ticket: market, limit and stop orders, futures take-profit / stop-loss, spot OCO, leverage; each
previewed in full before its Confirm. Positions (with their owner) close whole or in part; open
orders cancel; every action says what it did; the order history below."""
import streamlit as st

from console import ui, ui_ticket

con = ui.page("Order ticket")
if ui.account_missing(con):
    st.stop()  # the banner says where to add the keys


@st.fragment(run_every=ui.REFRESH_SECONDS)
def open_panel() -> None:
    """Open positions and orders with close/cancel, refreshed every few seconds."""
    ui.show("open")
    st.subheader("Futures positions")
    positions = ui.attempt(con.orders.positions)
    if positions is not None and positions.empty:
        st.caption("No open positions.")
    for row in [] if positions is None else positions.itertuples():
        st.markdown(ui_ticket.position_line(row))
        cols = st.columns([2, 1], vertical_alignment="bottom")
        amount = cols[0].text_input("Close (quantity or %; empty closes all)", key=f"close_amount_{row.symbol}",
                                    placeholder="all")
        name, values = f"close_{row.symbol}", {"symbol": row.symbol, "amount": amount}
        if cols[1].button("Preview close", key=f"close_{row.symbol}"):
            ui_ticket.preview(name, values, lambda: con.orders.check_close(row.symbol, amount))
        check, current = ui_ticket.stored(name, values)
        if check is not None and current:
            ui_ticket.show_check(check, key=f"close_preview_{row.symbol}")
            st.button(f"Confirm {check.title}", type="primary", key=f"close_confirm_{row.symbol}",
                      disabled=not ui.live_confirmed(con, f"close_{row.symbol}"),
                      on_click=ui_ticket.act("open", name, con.orders.close, row.symbol, amount))
    st.subheader("Open orders")
    orders = ui.attempt(con.orders.open_orders)
    if orders is not None and not orders:
        st.caption("No open orders.")
    for row in orders or []:
        cols = st.columns([3, 1], vertical_alignment="center")
        cols[0].markdown(f"{row['text']} · {row['market']} · {row['owner']}")
        cols[1].button("Cancel", key=f"cancel_{row['client_order_id']}", on_click=ui_ticket.act(
            "open", "", con.orders.cancel_said, row["market"], row["symbol"], row["client_order_id"]))


def ticket_form() -> str:
    """The order ticket: values, Preview, the full check, Confirm."""
    st.subheader("New order")
    market = st.radio("Market", ["spot", "futures"], horizontal=True, key="ticket_market")
    symbol = ui.symbol_picker(con, market, "ticket_symbol")
    side = st.radio("Side", ["buy", "sell"], horizontal=True, key="ticket_side")
    kinds = con.orders.kinds(market)
    kind = st.radio("Order type", list(kinds), horizontal=True, key=f"ticket_kind_{market}",
                    format_func=kinds.get)
    base, quote = symbol.split("/")[0], (symbol.split("/") + [""])[1]
    amount_in = st.radio("Amount in", ["base", "quote"], horizontal=True, key="ticket_in",
                         format_func=lambda a: f"{base} (base)" if a == "base" else f"{quote} (quote)")
    amount = st.text_input("Amount", key="ticket_amount", placeholder="e.g. 0.001 or 100")
    ticket = {"market": market, "symbol": symbol, "side": side, "kind": kind, "amount": amount,
              "amount_in": amount_in}
    if kind != "market" and kind != "limit":
        ticket["stop_price"] = st.text_input("Trigger (stop) price", key="ticket_stop")
    if kind in ("limit", "stop_limit", "take_profit_limit"):
        ticket["price"] = st.text_input("Limit price", key="ticket_price")
    if market == "futures":
        ticket["reduce_only"] = st.checkbox("Reduce only", key="ticket_reduce")
        if kind == "market" and not ticket["reduce_only"]:
            cols = st.columns(2)
            ticket["take_profit"] = cols[0].text_input("Take-profit price (optional)", key="ticket_tp")
            ticket["stop_loss"] = cols[1].text_input("Stop-loss price (optional)", key="ticket_sl")
    ui_ticket.preview_and_confirm(con, "ticket", ticket, preview_label="Preview", check=con.orders.check,
                                  confirm=con.orders.confirm, title=lambda c: f"{c.title} · {symbol} {market}",
                                  changed="The ticket changed since the preview: preview it again.")
    return symbol


def oco_form(symbol: str) -> None:
    """A spot OCO sell: take-profit above, stop-loss below; previewed, then confirmed."""
    oco_symbol = st.text_input("Symbol", value=symbol, key="oco_symbol").strip().upper()
    cols = st.columns(3)
    values = {"symbol": oco_symbol, "quantity": cols[0].text_input("Quantity (base)", key="oco_qty"),
              "take_profit": cols[1].text_input("Take-profit price", key="oco_tp"),
              "stop_loss": cols[2].text_input("Stop-loss price", key="oco_sl")}
    ui_ticket.preview_and_confirm(con, "oco", values, preview_label="Preview OCO sell", check=con.orders.check_oco,
                                  confirm=con.orders.confirm_oco, title=lambda c: c.title,
                                  changed="The OCO changed since the preview: preview it again.")


ticket_col, open_col = st.columns([1, 1], gap="large")
with ticket_col:
    symbol = ticket_form()
    oco_tab, lev_tab = st.tabs(["Spot OCO take-profit / stop-loss", "Futures leverage"])
    with oco_tab:
        oco_form(symbol)
    with lev_tab, st.form("leverage"):
        lev_symbol = st.text_input("Symbol", value=symbol, key="lev_symbol").strip().upper()
        leverage = st.text_input("Leverage", value="1", key="lev_value",
                                 help="a whole number within the symbol's leverage bracket")
        if st.form_submit_button("Set leverage") and ui.succeeded(con.orders.set_leverage, lev_symbol, leverage):
            st.success(f"{lev_symbol} futures leverage set to {leverage}x")

with open_col:
    open_panel()

st.subheader("Order history")
ui.table(ui.attempt(con.orders.history), empty="No orders yet.", key="ticket_history")
