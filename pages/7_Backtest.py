"""Backtest: a bot's config over stored history (in the background, with progress), its results, saved runs
compared side by side, and parameter sweeps."""
import streamlit as st

from console import ui, ui_backtest
from console.ui_sweep import sweep_section

con = ui.page("Backtest")
run_tab, saved_tab, sweep_tab = st.tabs(["Run", "Saved runs", "Sweep"])

with run_tab:
    config, span, balance = ui_backtest.config_form(con)
    if config is not None and span is not None:
        ready = ui_backtest.data_panel(con, config, span)
        ui_backtest.run_button(con, config, span, balance, ready)
    ui.show("backtest")
    ui_backtest.progress_panel(con)
    ui_backtest.results(con)

with saved_tab:
    ui_backtest.saved_runs(con)

with sweep_tab:
    sweep_section(con)
