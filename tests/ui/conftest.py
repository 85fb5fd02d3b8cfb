"""AppTest fixtures: every test gets its own data folder and a fresh Console (closed afterwards)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from console import ui
from console.service import Console

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = ("CONSOLE_VENUE", "CONSOLE_LIVE_CONFIRMED", "CONSOLE_PAPER_FEED", "CONSOLE_PAPER_CANDLES",
             "CONSOLE_PAPER_SPEED", "CONSOLE_PAPER_SEED", "CONSOLE_PAPER_PORT")


@pytest.fixture(autouse=True)
def console_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the console at a temporary data folder and the synthetic paper feed."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("CONSOLE_DATA_DIR", str(data))
    st.cache_resource.clear()
    yield data
    st.cache_resource.clear()  # closes the Console: engine, paper exchange, database


@pytest.fixture
def con() -> Console:
    """The Console the pages will share (built now, so a test can arrange state through it)."""
    return ui.console()


def run_page(name: str) -> AppTest:
    """Run ``pages/<name>`` (or the entry script) once and return the AppTest."""
    path = ROOT / name if name.endswith("streamlit_app.py") else ROOT / "pages" / name
    at = AppTest.from_file(str(path), default_timeout=30)
    return at.run()


def texts(elements) -> str:
    """Join the values of AppTest elements (errors, successes, markdown) into one string."""
    return "\n".join(str(e.value) for e in elements)


def frame(at: AppTest, column: str):
    """The first table on the page that has ``column`` (AppTest tables carry no key), as a person reads
    it: the text the Styler writes in each cell (``values`` gives the numbers behind it)."""
    return next(displayed(d) for d in at.dataframe if column in d.value.columns)


def values(at: AppTest, column: str):
    """The first table on the page that has ``column``, with the values behind the text (numbers sort)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def displayed(element):
    """The cells of a shown table as written on the page: the Styler's text where it gives one."""
    from streamlit import dataframe_util

    value = element.value
    text = element.proto.arrow_data.styler.display_values
    if not text:
        return value
    written = dataframe_util.convert_arrow_bytes_to_pandas_df(text)
    written.columns, written.index = value.columns, value.index
    return written


def dca_form(name: str = "dca bot") -> dict:
    """Form values of a spot DCA bot that buys on its first tick."""
    return {"name": name, "symbol": "BTC/USDT", "strategy": "dca", "market": "spot", "size": "100"}
