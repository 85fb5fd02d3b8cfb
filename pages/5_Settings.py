"""Settings: the venue, API-key profiles, risk defaults, the paper exchange and the data folder."""
import pandas as pd
import streamlit as st

from console import ui

con = ui.page("Settings")

st.subheader("Venue")
st.markdown(f"The console trades on **{con.venue.value.upper()}**. Change it with `CONSOLE_VENUE` "
            "(`paper`, `demo` or `live`; live also needs `CONSOLE_LIVE_CONFIRMED=yes`) and restart.")

st.subheader("API keys")
st.caption("Stored encrypted in the data folder; only a masked key is ever shown.")
profiles = ui.attempt(con.setup.accounts)
paper = con.setup.paper_running()
ui.table(profiles, "No API keys saved. The paper venue needs none." if paper else
         f"No API keys saved: add your {con.venue.value} keys below to trade on {con.venue.value}.", key="profiles")


def save_keys() -> None:
    """Store the typed keys, then empty the key fields."""
    state = st.session_state
    name = state["acct_name"].strip()
    try:
        con.setup.save_account(name=name, venue=state["acct_venue"], api_key=state["acct_key"],
                         api_secret=state["acct_secret"])
    except ui.ConsoleError as e:
        ui.note("accounts", "error", str(e))
        return
    ui.note("accounts", "ok", f"Saved the keys of {name} ({state['acct_venue']}).")
    state["acct_key"] = state["acct_secret"] = state["acct_name"] = ""


with st.form("account"):
    cols = st.columns(2)
    cols[0].text_input("Profile name", key="acct_name")
    cols[1].selectbox("Venue", ["demo", "live"], key="acct_venue")
    cols[0].text_input("API key", key="acct_key")
    cols[1].text_input("API secret", type="password", key="acct_secret")
    st.form_submit_button("Save keys", on_click=save_keys)
ui.show("accounts")
names = [*(["paper"] if paper else []), *([] if profiles is None else profiles["name"].tolist())]
if names:
    cols = st.columns([2, 1, 1], vertical_alignment="bottom")
    chosen = cols[0].selectbox("Profile", names, key="acct_chosen")
    if cols[1].button("Test connection", key="acct_test"):
        with st.spinner(f"Signing in with {chosen}…"):
            report = ui.attempt(con.setup.test_account, chosen)
        for line in report or []:
            (st.error if "cannot" in line else st.success)(line)
    if cols[2].button("Delete", key="acct_delete", disabled=chosen == "paper") and ui.succeeded(
            con.setup.delete_account, chosen):
        ui.done("accounts", f"Deleted the keys of {chosen}.")

st.subheader("Risk defaults")
st.caption("Every new bot starts with these limits; each bot's form can change them.")
risk = con.setup.risk_defaults()
ui.table(pd.DataFrame({"limit": list(risk), "value": [ui.plain(v) for v in risk.values()]}), key="risk_defaults")

st.subheader("Paper exchange")
if not paper:
    st.info(f"Not started: this console trades on {con.venue.value.upper()}, and the paper exchange runs only "
            "on the paper venue. Start the console with `CONSOLE_VENUE=paper` to trade on it.",
            icon=":material/info:")
else:
    st.markdown(f"Prices: **{ui.attempt(con.setup.paper_feed, default='unknown')}**. "
                "Choose the feed with `CONSOLE_PAPER_FEED` (`synthetic`, `replay` with `CONSOLE_PAPER_CANDLES`, "
                "or `live` public Binance prices).")
    wallet = ui.attempt(con.setup.paper_wallet)
    if wallet is not None:
        st.caption("Starting wallet, restored by a reset:")
        ui.table(wallet, "The wallet is empty.", key="paper_wallet")
    sure = st.checkbox("I want to stop every bot and wipe the paper exchange's orders, trades and positions "
                       "(the bots' positions are cleared too)", key="reset_confirm")
    if st.button("Reset the paper exchange", disabled=not sure, key="reset"):
        with st.spinner("Resetting the paper exchange…"):
            if ui.succeeded(con.setup.reset_paper):
                st.success("The paper exchange is back to its starting wallet.")

st.subheader("Data folder")
st.code(str(con.setup.data_folder()), language=None)
st.caption("Holds the database, the key file and the paper exchange's state. Set it with `CONSOLE_DATA_DIR`.")
