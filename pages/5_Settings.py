"""Settings: the venue, API-key profiles, risk defaults, the paper exchange and the data folder."""
import pandas as pd
import streamlit as st

from console import ui, ui_notify

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


def save_keys(replace: bool = False) -> None:
    """Store the typed keys, then empty the key fields; a name already saved asks to confirm first."""
    state = st.session_state
    name = state["acct_name"].strip()
    state.pop("acct_replace", None)
    try:
        check = con.setup.check_key
        check(state["acct_key"], "API key")
        check(state["acct_secret"], "API secret")
        if not replace and name and con.setup.account_exists(name):
            state["acct_replace"] = name  # the keys stay in the fields until the person decides
            return
        con.setup.save_account(name=name, venue=state["acct_venue"], api_key=state["acct_key"],
                               api_secret=state["acct_secret"], replace=replace)
    except ui.ConsoleError as e:
        ui.note("accounts", "error", str(e))
        return
    ui.note("accounts", "ok", f"{'Replaced' if replace else 'Saved'} the keys of {name} ({state['acct_venue']}).")
    state["acct_key"] = state["acct_secret"] = state["acct_name"] = ""


with st.form("account"):
    cols = st.columns(2)
    cols[0].text_input("Profile name", key="acct_name")
    cols[1].selectbox("Venue", ["demo", "live"], key="acct_venue")
    cols[0].text_input("API key", key="acct_key", help="64 letters and digits, from Binance's API management")
    cols[1].text_input("API secret", type="password", key="acct_secret",
                       help="64 letters and digits (an HMAC key), or the PEM private key of an Ed25519 key")
    st.form_submit_button("Save keys", on_click=save_keys)
if st.session_state.get("acct_replace"):
    taken = st.session_state["acct_replace"]
    st.warning(f"A profile named {taken} exists already. Replace its keys with the ones typed above?",
               icon=":material/warning:")
    cols = st.columns([1, 1, 3])
    cols[0].button(f"Replace the keys of {taken}", type="primary", key="acct_replace_yes", on_click=save_keys,
                   args=(True,))
    cols[1].button("Keep the saved keys", key="acct_replace_no", on_click=st.session_state.pop,
                   args=("acct_replace", None))
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
st.caption("Every new bot starts with these limits; each bot's form can change them, and its "
           "\"Save risk limits as defaults\" button makes its limits these.")
risk = con.setup.risk_defaults()
ui.table(pd.DataFrame({"limit": list(risk), "value": [ui.plain(v) for v in risk.values()]}), key="risk_defaults")

ui_notify.settings_section(con)

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
