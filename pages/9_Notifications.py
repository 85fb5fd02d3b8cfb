"""Notifications: what needed a person (bot halted, fill, daily limit, position mismatch, venue ban), newest first."""
import streamlit as st

from console import ui, ui_notify

con = ui.page("Notifications")
st.caption("Set up a webhook or a Telegram chat to receive them on the Settings page.")
ui_notify.notification_list(con)
