"""Entry point: `streamlit run streamlit_app.py`."""
import streamlit as st

st.set_page_config(page_title="Binance console", layout="wide")
st.title("Binance console")
st.info("Starting up: the paper exchange and the pages arrive here.")
