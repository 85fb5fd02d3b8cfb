from decimal import Decimal
from pathlib import Path

import pytest

from console.config import load_settings, parse_decimal
from console.domain import Venue
from console.errors import ConfigError


def test_defaults_are_paper_with_synthetic_feed(tmp_path):
    s = load_settings({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert s.venue is Venue.PAPER
    assert s.paper.feed == "synthetic"
    assert s.data_dir == tmp_path / "xdg" / "binance-console"


def test_data_dir_from_env(tmp_path):
    s = load_settings({"CONSOLE_DATA_DIR": str(tmp_path / "d")})
    assert s.console_db == tmp_path / "d" / "console.duckdb"


@pytest.mark.parametrize(
    "env, fix",
    [
        ({"CONSOLE_VENUE": "moon"}, "use paper, demo or live"),
        ({"CONSOLE_VENUE": "live"}, "CONSOLE_LIVE_CONFIRMED=yes"),
        ({"CONSOLE_PAPER_FEED": "magic"}, "use one of synthetic, replay, live"),
        ({"CONSOLE_PAPER_FEED": "replay"}, "set CONSOLE_PAPER_CANDLES"),
        ({"CONSOLE_PAPER_CANDLES": "/nope.csv"}, "does not exist"),
        ({"CONSOLE_PAPER_SPEED": "fast"}, "is not a number"),
        ({"CONSOLE_PAPER_SPEED": "-3"}, "must be a positive number"),
        ({"CONSOLE_PAPER_SPEED": "nan"}, "must be a positive number"),
        ({"CONSOLE_PAPER_PORT": "70000"}, "1-65535"),
        ({"CONSOLE_SYNC_INTENTS": "always"}, "must be yes or no"),
        ({"CONSOLE_SWEEP_SCHEDULER": "10.0.0.5:8786"}, "like tcp://10.0.0.5:8786"),
    ],
)
def test_bad_environment_says_the_fix(env, fix):
    with pytest.raises(ConfigError, match=fix.replace("(", r"\(")):
        load_settings(env)


def test_live_needs_confirmation():
    assert load_settings({"CONSOLE_VENUE": "live", "CONSOLE_LIVE_CONFIRMED": "yes"}).venue is Venue.LIVE


@pytest.mark.parametrize("raw", ["abc", "", "nan", "inf", "1,5"])
def test_parse_decimal_refuses_non_numbers(raw):
    with pytest.raises(ConfigError, match="0.001"):
        parse_decimal(raw, "amount")


def test_parse_decimal_keeps_exact_value():
    assert parse_decimal(" 0.10 ", "amount") == Decimal("0.10")


def test_shared_data_fixture_finds_real_files(shared_data: Path):
    assert (shared_data / "exchange_info" / "binance_spot_exchangeInfo_2025-08-07.json").is_file()
