"""The Sweep section of the Backtest page."""
from __future__ import annotations

import streamlit as st


def sweep_section(con) -> None:
    """Draw the Sweep section (parameter ranges, progress, results) for the console ``con``."""
    st.info("Parameter sweeps are not available yet.")
