"""The store: CSV import, funding rates, reads resampled in DuckDB, verification, the command line, settings."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from console.config import load_settings
from console.errors import ConfigError
from console.history.archive import parse_klines
from console.history.importer import import_csv
from console.history.series import Series, to_ms
from console.history.verify import problems
from tests.history.archive_server import write_funding, write_klines
from tests.history.conftest import candles, downloader, same_candles, stored

ROOT = Path(__file__).resolve().parents[2]
WEEK_CSV = "candles/binance_spot_BTCUSDT_1h_2022-12-31_2023-01-08.csv"


def test_a_candle_csv_is_imported_month_by_month_with_its_timeframe_inferred(store, shared_data) -> None:
    done = import_csv(store, "spot", "BTC/USDT", shared_data / WEEK_CSV)

    series = Series.klines("spot", "BTCUSDT", "1h")
    assert done.series == series and done.rows == 176 and done.months == 2
    same_candles(stored(store, series), candles(shared_data / WEEK_CSV))
    assert [p.stem for p in store.month_files(series)] == ["2022-12", "2023-01"]
    assert store.info(series, "2023-01").sources == ("csv",)
    assert "Imported 176 candles of BTCUSDT spot 1h" in done.text()


@pytest.mark.parametrize("text, fix", [
    (b"time,open,high,low,close\n1,2,3,1,2\n", "lacks the column(s) volume"),
    (b"timestamp,open,high,low,close,volume\n1672531200000,2,1,3,2,5\n1672534800000,2,3,1,2,5\n",
     "line 2: high must be the highest price"),
    (b"timestamp,open,high,low,close,volume\n1672531200000,2,3,1,x,5\n", "line 2 has a value that is not a number"),
    (b"timestamp,open,high,low,close,volume\n1672531200000,2,3,1,2,5\n1672531207000,2,3,1,2,5\n",
     "candles 7 s apart are not a Binance interval"),
])
def test_a_bad_csv_is_refused_with_what_to_fix(store, text: bytes, fix: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fix)):
        import_csv(store, "spot", "BTCUSDT", text)
    assert store.all_series() == []


def test_funding_rates_come_from_monthly_files_and_rest(store, archive, archive_root, shared_data) -> None:
    raw = pd.read_csv(shared_data / "candles/binance_usdm_BTCUSDT_funding_rate.csv")
    rates = pd.DataFrame({"ts": raw.fundingTime.astype("int64"), "funding_rate": raw.fundingRate})
    series = Series.funding("BTCUSDT")
    write_funding(archive_root, series, rates, ["2020-09"])
    archive.funding["BTCUSDT"] = rates  # REST /fapi/v1/fundingRate answers from the same rows
    fetch = downloader(store, archive.base_url, archive.base_url, "2020-10-31T12:00")

    report = fetch.download(series, to_ms("2020-09-01"))

    got = stored(store, series)
    want = rates[(rates.ts >= to_ms("2020-09-01")) & (rates.ts < to_ms("2020-10-31T12:00"))]
    assert got.ts.tolist() == want.ts.tolist()
    assert np.allclose(got.funding_rate, want.funding_rate, rtol=0, atol=1e-12)
    assert report.archive_files == 1 and report.rest_pages == 1
    september, october = got[got.ts < to_ms("2020-10-01")], got[got.ts >= to_ms("2020-10-01")]
    assert (september.interval_hours == 8).all() and september.mark_price.isna().all()  # the archive's columns
    assert (october.mark_price == 10000).all()  # REST's
    assert not archive.asked("2020-10.zip.CHECKSUM")  # the month has not ended: no monthly file to check
    with pytest.raises(ConfigError, match="funding rates exist for USD-M futures only"):
        Series(series.kind, Series.klines("spot", "BTCUSDT", "1m").market, "BTCUSDT")


def test_a_year_of_minutes_reads_whole_or_resampled_to_fit_a_chart(store) -> None:
    series = Series.klines("spot", "BTCUSDT", "1m")
    ts = np.arange(to_ms("2024-01-01"), to_ms("2025-01-01"), 60_000, dtype="int64")
    close = 40_000 + np.cumsum(np.random.default_rng(3).normal(0, 5, len(ts)))
    frame = pd.DataFrame({"ts": ts, "open": close, "high": close + 1, "low": close - 1, "close": close,
                          "volume": 1.0, "quote_volume": close, "trades": 1})
    for month in [f"2024-{m:02d}" for m in range(1, 13)]:
        store.merge(series, month, frame, [(0, 2 ** 62)], "test")

    whole = store.read(series)
    assert len(whole) == 527_040 and whole.attrs["timeframe"] == "1m" and str(whole.ts.dt.tz) == "UTC"
    fitted = store.read(series, max_candles=5000)
    assert fitted.attrs["timeframe"] == "2h" and len(fitted) == 366 * 12
    first = frame[frame.ts < to_ms("2024-01-01T02:00")]
    assert fitted.open.iloc[0] == first.open.iloc[0] and fitted.close.iloc[0] == first.close.iloc[-1]
    assert fitted.high.iloc[0] == first.high.max() and fitted.volume.iloc[0] == 120
    window = store.read(series, to_ms("2024-06-01"), to_ms("2024-06-02"))
    assert len(window) == 1440 and window.ts.iloc[0] == pd.Timestamp("2024-06-01", tz="UTC")
    summary = store.summary(series)
    assert summary.rows == 527_040 and summary.months == 12 and summary.gaps == ()


def test_verify_finds_a_damaged_file(store, shared_data) -> None:
    import_csv(store, "spot", "BTCUSDT", shared_data / WEEK_CSV)
    series = Series.klines("spot", "BTCUSDT", "1h")
    assert problems(store, series) == []
    store.path(series, "2023-01").write_bytes(b"not parquet")
    [problem] = problems(store, series)
    assert "2023-01: unreadable" in problem and "download it again" in problem


def test_the_command_line_lists_imports_and_verifies(tmp_path, shared_data) -> None:
    env = {**os.environ, "CONSOLE_DATA_DIR": str(tmp_path / "data")}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "console.history", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert "list,download,import,verify" in cli("--help").stdout
    assert "nothing stored yet" in cli("list").stdout
    imported = cli("import", str(shared_data / WEEK_CSV), "--symbol", "BTC/USDT")
    assert imported.returncode == 0 and "Imported 176 candles" in imported.stdout
    listed = cli("list").stdout
    assert "klines/spot/BTCUSDT/1h" in listed and "2022-12-31 20:00" in listed and "176" in listed
    checked = cli("verify")
    assert checked.returncode == 0 and "klines/spot/BTCUSDT/1h: ok, 0 gap(s)" in checked.stdout
    refused = cli("download", "BTCUSDT", "--from", "yesterday")
    assert refused.returncode == 2 and "is not a date; write it like 2024-01-31" in refused.stderr


def test_the_command_line_downloads_from_the_urls_in_the_settings(tmp_path, archive, archive_root, btc_1h) -> None:
    series = Series.klines("spot", "BTCUSDT", "1h")
    write_klines(archive_root, series, btc_1h, monthly=["2021-01", "2021-02"])
    env = {**os.environ, "CONSOLE_DATA_DIR": str(tmp_path / "data"), "CONSOLE_HISTORY_ARCHIVE_URL": archive.base_url,
           "CONSOLE_HISTORY_REST_URL": "http://127.0.0.1:9"}
    run = subprocess.run([sys.executable, "-m", "console.history", "download", "BTCUSDT", "--timeframe", "1h",
                          "--from", "2021-01-01", "--to", "2021-03-01"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"from archive {archive.base_url}" in run.stderr and "Binance's public servers" not in run.stderr
    assert "Downloaded BTCUSDT spot 1h" in run.stdout and "1 gap(s) Binance has no data for" in run.stdout
    assert "gap 2021-02-11 04:00 → 2021-02-11 05:00: 1 missing (Binance has no data)" in run.stdout


@pytest.mark.parametrize("name, value, fix", [
    ("CONSOLE_HISTORY_ARCHIVE_URL", "data.binance.vision", "is not a base URL; write it like https://host"),
    ("CONSOLE_HISTORY_REST_URL", "ftp://127.0.0.1:9", "is not a base URL"),
    ("CONSOLE_HISTORY_ARCHIVE_URL", " ", "CONSOLE_HISTORY_ARCHIVE_URL is empty"),
])
def test_history_urls_are_settings_checked_at_start(tmp_path, name: str, value: str, fix: str) -> None:
    with pytest.raises(ConfigError, match=fix):
        load_settings({"CONSOLE_DATA_DIR": str(tmp_path), name: value})
    defaults = load_settings({"CONSOLE_DATA_DIR": str(tmp_path)}).history
    assert defaults.archive_url == "https://data.binance.vision"
    assert (defaults.rest_base("spot"), defaults.rest_base("futures")) == ("https://api.binance.com",
                                                                          "https://fapi.binance.com")
    local = load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_HISTORY_REST_URL": "http://127.0.0.1:8765/"})
    assert local.history.rest_base("futures") == "http://127.0.0.1:8765"


def test_spot_files_without_a_header_and_usdm_files_with_one_parse_alike() -> None:
    row = b"1704067200000,42283.58,42298.62,42261.02,42298.61,35.92724,1704067259999,1519348.7,1327,17.1,723416.1,0"
    header = b"open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume," \
             b"taker_buy_quote_volume,ignore\n"
    plain, headed = parse_klines(row + b"\n"), parse_klines(header + row + b"\n")
    pd.testing.assert_frame_equal(plain, headed)
    assert plain.ts.iloc[0] == 1704067200000 and plain.trades.iloc[0] == 1327
    micro = parse_klines(b"1735689600000000" + row[13:].replace(b"1704067259999", b"1735689659999999") + b"\n")
    assert micro.ts.iloc[0] == 1735689600000
