"""Streamlit pieces of the order ticket: a checked ticket shown before its Confirm, and the callbacks
that act and report in words.

A check (``con.orders.check``, ``check_oco``, ``check_close``) is kept in session state with the
values it was made from; its Confirm button shows only while the values are unchanged, so what is
confirmed is what was previewed (placing checks it once more against the moving price).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from console import fmt, ui
from console.errors import ConsoleError

_CHECKS = "_ticket_checks"


def check_table(check: Any) -> pd.DataFrame:
    """A ticket check as two text columns, ``what`` and ``value``: nothing is cut to fit a column."""
    return pd.DataFrame([{"what": label, "value": value} for label, value in check.rows], columns=["what", "value"])


def show_check(check: Any, key: str) -> None:
    """Show a checked ticket: its rows, then its warnings."""
    st.dataframe(check_table(check), hide_index=True, key=key, width="stretch",
                 column_config={"what": st.column_config.TextColumn("", width="small"),
                                "value": st.column_config.TextColumn("preview", width="large")})
    for warning in check.warnings:
        st.warning(warning, icon=":material/info:")


def preview(name: str, values: dict[str, Any], make: Callable[[], Any]) -> None:
    """Run the check ``make`` for ``values`` and keep it under ``name``; a refusal is shown inline."""
    found = ui.attempt(make)
    checks = st.session_state.setdefault(_CHECKS, {})
    if found is None:
        checks.pop(name, None)
    else:
        checks[name] = (dict(values), found)


def stored(name: str, values: dict[str, Any]) -> tuple[Any | None, bool]:
    """(the check kept under ``name``, whether it was made from ``values``)."""
    kept = st.session_state.get(_CHECKS, {}).get(name)
    if kept is None:
        return None, False
    return kept[1], kept[0] == values


def preview_and_confirm(con: Any, name: str, values: dict[str, Any], *, preview_label: str,
                        check: Callable[..., Any], confirm: Callable[..., Any], title: Callable[[Any], str],
                        changed: str) -> None:
    """The Preview button, the stored preview while ``values`` still match it, and its Confirm button;
    ``changed`` is said when the form moved on since the preview."""
    if st.button(preview_label, key=f"{name}_preview_button"):
        preview(name, values, lambda: check(**values))
    ui.show(name)
    found, current = stored(name, values)
    if found is not None and current:
        show_check(found, key=f"{name}_preview_table")
        st.button(f"Confirm {title(found)}", type="primary", key=f"{name}_confirm",
                  disabled=not ui.live_confirmed(con, name), on_click=act(name, name, confirm, **values))
    elif found is not None:
        st.caption(changed)


def forget(name: str) -> None:
    """Drop the check kept under ``name`` (after its Confirm)."""
    st.session_state.get(_CHECKS, {}).pop(name, None)


def act(area: str, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], None]:
    """A Confirm callback: run ``fn`` and report its words (``.text`` or the string it returns) in ``area``;
    a refusal is reported there in words too. The kept check ``name`` is dropped either way."""
    def run() -> None:
        forget(name)
        try:
            result = fn(*args, **kwargs)
        except ConsoleError as e:
            ui.note(area, "error", str(e))
            return
        ui.note(area, "ok", getattr(result, "text", result))
    return run


def position_line(row: Any) -> str:
    """One futures position in words: side, quantity, owner, entry, mark, margin, liquidation, uPnL."""
    liquidation = fmt.plain(row.liquidation_price) or "—"
    quantity = f"{row.quantity:f}" if row.quantity is not None else "—"  # already to the step: keep its zeros
    return (f"**{row.symbol}** {row.side} {quantity} @ {fmt.plain(row.entry_price)} · {row.owner} · mark "
            f"{fmt.plain(row.mark_price)} · margin {ui.money(row.margin, 'USDT')} · {row.leverage}x · liquidation "
            f"{liquidation} · uPnL {ui.money(row.unrealized_pnl, 'USDT')}")
