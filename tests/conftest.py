"""Shared fixtures. Real Binance data is read from ../shared/data through `shared_data` only."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real Binance candles, exchange rules and responses.

    Absent in a user's own clone: the test is skipped and says why. Under CI it must exist.
    """
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    reason = f"real Binance data folder {SHARED_DATA} is absent (it sits beside the project in CI)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; CI needs it")
    pytest.skip(reason)
