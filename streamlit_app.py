"""Entry point: `streamlit run streamlit_app.py` opens the console on http://127.0.0.1:8501."""
import streamlit as st

from console import ui

st.set_page_config(page_title="Binance console", page_icon=":material/candlestick_chart:", layout="wide")

ui.console()  # start the engine (and, on paper, the paper exchange) once; a bad setting stops here with the fix

pages = [
    st.Page("pages/1_Overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/2_Bots.py", title="Bots", icon=":material/smart_toy:"),
    st.Page("pages/3_Order_ticket.py", title="Order ticket", icon=":material/receipt_long:"),
    st.Page("pages/4_Trades_and_PnL.py", title="Trades & PnL", icon=":material/monitoring:"),
    st.Page("pages/5_Settings.py", title="Settings", icon=":material/settings:"),
    st.Page("pages/6_Data.py", title="Data", icon=":material/database:"),
    st.Page("pages/7_Backtest.py", title="Backtest", icon=":material/history:"),
    st.Page("pages/8_Bot.py", title="Bot", icon=":material/smart_toy:"),
    st.Page("pages/9_Notifications.py", title="Notifications", icon=":material/notifications:"),
]
st.navigation(pages).run()
