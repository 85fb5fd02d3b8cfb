"""Security: loopback only, secrets encrypted and never logged or shown, owner-only data files."""
from __future__ import annotations

import logging
import stat
import tomllib
from pathlib import Path

import pytest

from console import redact
from console.config import load_settings
from console.errors import ConsoleError
from console.service import Console

ROOT = Path(__file__).resolve().parent.parent
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    c = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path_factory.mktemp("security"))}))
    yield c
    c.close()


def test_streamlit_and_the_paper_exchange_listen_on_loopback_only(console):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False
    assert console.paper.base_url.startswith("http://127.0.0.1:")


def test_keys_are_stored_encrypted_and_shown_masked(console):
    console.setup.save_account(name="main", venue="live", api_key=KEY, api_secret=SECRET)
    shown = console.setup.accounts()
    assert list(shown["api_key"]) == [f"{KEY[:4]}…{KEY[-4:]}"]
    console.db.cursor().execute("CHECKPOINT")
    data = b"".join(p.read_bytes() for p in console.settings.data_dir.glob("console.duckdb*"))
    assert KEY.encode() not in data and SECRET.encode() not in data
    assert SECRET[:16].encode() not in data
    console.setup.delete_account("main")


def test_data_files_are_owner_only(console):
    folder = console.settings.data_dir
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("console.duckdb", "secret.key"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(console.settings.paper_dir.stat().st_mode) == 0o700


def test_the_redaction_filter_masks_secrets_signatures_and_key_headers():
    redact.remember(KEY, SECRET)
    record = logging.LogRecord("ccxt", logging.INFO, __file__, 1,
                               "POST /api/v3/order?symbol=BTCUSDT&signature=%s headers %s secret=%s",
                               ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                {"X-MBX-APIKEY": KEY}, SECRET), None, None)
    redact.RedactingFilter().filter(record)
    text = record.getMessage()
    assert KEY not in text and SECRET not in text
    assert "9f86d081884c7d659a2f" not in text
    assert "signature=***" in text


def test_nothing_secret_reaches_the_logs_while_trading(console, caplog):
    key, secret = console.paper.keys()
    with caplog.at_level(logging.DEBUG):
        console.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.001")
        logging.getLogger("console").warning("keys in use %s %s", key, secret)
    for handler in logging.getLogger().handlers:
        assert any(isinstance(f, redact.RedactingFilter) for f in handler.filters)
    formatted = "\n".join(redact.mask(r.getMessage()) for r in caplog.records)
    assert key not in formatted and secret not in formatted


def test_a_wrong_key_error_does_not_repeat_the_key(console):
    from console.domain import Market, Venue
    from console.engine.clients import Clients, Credentials

    clients = Clients(lambda venue, account: Credentials(KEY, SECRET, base_url=console.paper.base_url))
    with pytest.raises(ConsoleError) as caught:
        clients.get(Venue.PAPER, Market.SPOT, "wrong").balances()
    message = str(caught.value)
    assert "key" in message.lower()
    assert KEY not in message and SECRET not in message and KEY[:12] not in message


def test_the_live_venue_needs_an_explicit_confirmation():
    with pytest.raises(ConsoleError, match="CONSOLE_LIVE_CONFIRMED=yes"):
        load_settings({"CONSOLE_VENUE": "live"})


def test_git_ignores_secrets_and_data():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".streamlit/secrets.toml" in ignored
    assert "*.duckdb" in ignored
