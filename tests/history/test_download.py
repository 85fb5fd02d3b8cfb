"""Downloads against a local archive and the paper exchange's REST: fresh, incremental, refused, gaps, 404s."""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from console.errors import Banned, CorruptDownload, UnknownSymbol
from console.history.download import Progress
from console.history.http import Http
from console.history.series import Series, month_bounds, to_ms
from tests.history.archive_server import all_months, write_klines, zip_path
from tests.history.conftest import candles, downloader, same_candles, stored

SPOT_BTC = Series.klines("spot", "BTC/USDT", "1h")
ARCHIVED = ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03", "2021-04"]
MAY_DAYS = [f"2021-05-{d:02d}" for d in range(1, 16)]  # the 16th has not ended at the test's "now"


@pytest.fixture
def btc_archive(archive_root: Path, btc_1h: pd.DataFrame) -> Path:
    write_klines(archive_root, SPOT_BTC, btc_1h, monthly=ARCHIVED, daily=MAY_DAYS)
    return archive_root


def test_a_fresh_download_takes_whole_months_and_days_from_the_archive_and_the_tail_from_rest(
        store, archive, btc_archive, replay, btc_1h) -> None:
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    seen: list[Progress] = []
    report = downloader(store, archive.base_url, rest_url, now).download(
        SPOT_BTC, to_ms("2020-11-01"), progress=seen.append)

    same_candles(stored(store, SPOT_BTC), btc_1h)
    assert report.archive_files == len(ARCHIVED) + len(MAY_DAYS)
    assert report.rest_pages == 1 and report.rows == len(btc_1h)  # the 16th: one candle from REST
    assert not archive.asked("/2021-05.zip")  # a month that has not ended has no monthly file to ask for
    assert seen[-1].fraction == 1.0 and seen[-1].rows == len(btc_1h)
    assert any("monthly archive file" in p.message for p in seen) and any("REST" in p.message for p in seen)
    assert store.info(SPOT_BTC, "2021-01").sources == ("archive",)


def test_an_update_fetches_only_what_is_missing(store, archive, btc_archive, replay, btc_1h) -> None:
    write_klines(btc_archive, SPOT_BTC, btc_1h, daily=[f"2021-03-{d:02d}" for d in range(1, 10)])
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    downloader(store, archive.base_url, rest_url, "2021-03-10T12:00:30").download(SPOT_BTC, to_ms("2020-11-01"))
    assert store.summary(SPOT_BTC).last == to_ms("2021-03-10T11:00")  # the last closed candle then
    archive.paths.clear()

    report = downloader(store, archive.base_url, rest_url, now).download(SPOT_BTC, to_ms("2020-11-01"))

    same_candles(stored(store, SPOT_BTC), btc_1h)
    assert report.up_to_date == 4  # 2020-11 .. 2021-02 were complete: not asked for again
    for month in ("2020-11", "2020-12", "2021-01", "2021-02"):
        assert not archive.asked(month)
    assert archive.asked("BTCUSDT-1h-2021-03.zip")  # the month has ended since: its monthly file now
    asked = len(archive.paths)
    again = downloader(store, archive.base_url, rest_url, now).download(SPOT_BTC, to_ms("2020-11-01"))
    assert again.up_to_date == again.months and again.rest_pages == 0 and len(archive.paths) == asked


def test_a_file_that_does_not_match_its_checksum_is_refused_and_nothing_of_it_stored(
        store, archive, btc_archive, replay, btc_1h) -> None:
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    checksum = zip_path(btc_archive, SPOT_BTC, "2021-01").with_suffix(".zip.CHECKSUM")
    checksum.write_text("0" * 64 + "  BTCUSDT-1h-2021-01.zip\n")
    fetch = downloader(store, archive.base_url, rest_url, now, workers=1)

    with pytest.raises(CorruptDownload, match="does not match its published checksum.*nothing from it was stored"):
        fetch.download(SPOT_BTC, to_ms("2020-11-01"))

    assert store.info(SPOT_BTC, "2021-01") is None
    assert [p.stem for p in store.month_files(SPOT_BTC)] == ["2020-11", "2020-12"]  # verified months stay
    assert len(archive.asked("BTCUSDT-1h-2021-01.zip.CHECKSUM")) == 2  # one fresh try before refusing
    write_klines(btc_archive, SPOT_BTC, btc_1h, monthly=["2021-01"])
    fetch.download(SPOT_BTC, to_ms("2020-11-01"))
    same_candles(stored(store, SPOT_BTC), btc_1h)


def test_binance_outages_are_reported_as_gaps_and_a_range_never_downloaded_as_not_downloaded(
        store, archive, btc_archive, replay, btc_1h) -> None:
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    fetch = downloader(store, archive.base_url, rest_url, now)
    fetch.download(SPOT_BTC, to_ms("2020-12-01"), to_ms("2021-01-01"))
    report = fetch.download(SPOT_BTC, to_ms("2021-02-01"), to_ms("2021-03-01"))

    gaps = store.gaps(SPOT_BTC)
    outages = [(g.start, g.end, g.missing) for g in gaps if g.downloaded]
    assert outages == [(to_ms("2020-12-21T15:00"), to_ms("2020-12-21T18:00"), 3),
                       (to_ms("2020-12-25T02:00"), to_ms("2020-12-25T03:00"), 1),
                       (to_ms("2021-02-11T04:00"), to_ms("2021-02-11T05:00"), 1)]
    [hole] = [g for g in gaps if not g.downloaded]
    assert (hole.start, hole.end) == (to_ms("2021-01-01"), to_ms("2021-02-01"))
    assert [(g.start, g.missing) for g in report.gaps if g.downloaded] == [(to_ms("2021-02-11T04:00"), 1)]
    assert "1 gap(s) Binance has no data for (outages)" in report.text()


def test_a_month_the_archive_lacks_is_a_404_and_comes_from_daily_files_then_rest(
        store, archive, archive_root, replay, btc_1h) -> None:
    april = [f"2021-04-{d:02d}" for d in range(1, 11)]
    write_klines(archive_root, SPOT_BTC, btc_1h, monthly=["2021-03"], daily=april)
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")

    report = downloader(store, archive.base_url, rest_url, now).download(
        SPOT_BTC, to_ms("2021-03-01"), to_ms("2021-05-01"))

    want = btc_1h[(btc_1h.ts >= to_ms("2021-03-01")) & (btc_1h.ts < to_ms("2021-05-01"))]
    got = stored(store, SPOT_BTC)
    # The paper exchange fills an outage with flat candles where Binance's REST leaves it out.
    same_candles(got[got.ts.isin(want.ts)], want)
    assert archive.asked("BTCUSDT-1h-2021-04.zip") == ["/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-04.zip"]
    assert report.not_in_archive == 1 + 3  # the month, then three days in a row before REST takes over
    assert report.archive_files == 1 + 10 and report.rest_pages >= 1
    assert store.info(SPOT_BTC, "2021-04").sources == ("archive", "rest")


def test_rest_pages_are_stored_as_they_come_and_a_cancel_keeps_them(store, archive, replay, btc_1h) -> None:
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    cancel = threading.Event()
    pages = []

    def progress(p: Progress) -> None:
        if "REST" in p.message:
            pages.append(p)
            if len(pages) == 12:  # after ten pages were written to the month's file
                cancel.set()

    fetch = downloader(store, archive.base_url, rest_url, now, use_archive=False, workers=1,
                       pages={"spot": 24, "futures": 24})
    report = fetch.download(SPOT_BTC, to_ms("2021-04-01"), to_ms("2021-05-01"), progress=progress, cancel=cancel)

    assert report.cancelled and "Cancelled" in report.text()
    kept = stored(store, SPOT_BTC)
    assert 10 * 24 <= len(kept) < 720
    resumed = fetch.download(SPOT_BTC, to_ms("2021-04-01"), to_ms("2021-05-01"))
    assert resumed.rest_pages < 30 - 9  # resumed where the file ends
    want = btc_1h[(btc_1h.ts >= to_ms("2021-04-01")) & (btc_1h.ts < to_ms("2021-05-01"))]
    got = stored(store, SPOT_BTC)
    same_candles(got[got.ts.isin(want.ts)], want)


def test_usdm_rest_pages_hold_1500_and_usdm_files_carry_a_header(store, archive, archive_root, replay,
                                                                  shared_data) -> None:
    ada = candles(shared_data / "candles/binance_usdm_ADAUSDT_1m_2022-12-13.csv")
    morning = ada[ada.ts < to_ms("2022-12-13T12:00")]
    series = Series.klines("futures", "ADAUSDT", "1m")
    rest_url, now = replay(ada, "ADAUSDT", "1m")
    fetch = downloader(store, archive.base_url, rest_url, now)

    report = fetch.download(series, to_ms("2022-12-13"), to_ms("2022-12-13T12:00"))
    assert report.archive_files == 0 and report.not_in_archive == 1  # no daily file: REST
    assert report.rest_pages == 1  # 720 candles, one USD-M page of up to 1500
    same_candles(stored(store, series), morning)

    [path] = write_klines(archive_root, series, morning, daily=["2022-12-13"])
    from zipfile import ZipFile

    assert ZipFile(path).read("ADAUSDT-1m-2022-12-13.csv").startswith(b"open_time,open,high")
    store.delete(series)
    report = fetch.download(series, to_ms("2022-12-13"), to_ms("2022-12-13T12:00"))
    assert report.archive_files == 1 and report.rest_pages == 0  # the day's file, header and all
    same_candles(stored(store, series), morning)


def test_spot_timestamps_switch_to_microseconds_in_2025_and_are_stored_in_milliseconds(
        store, archive, archive_root, shared_data) -> None:
    day = candles(shared_data / "candles/binance_spot_BTCBUSD_1m_2022-12-13.csv")
    shift = to_ms("2024-12-31") - to_ms("2022-12-13")
    two_days = pd.concat([day.assign(ts=day.ts + shift), day.assign(ts=day.ts + shift + 86_400_000)])
    series = Series.klines("spot", "BTCBUSD", "1m")
    write_klines(archive_root, series, two_days, monthly=["2024-12"], daily=["2025-01-01"])
    from zipfile import ZipFile

    raw = ZipFile(zip_path(archive_root, series, "2025-01-01")).read("BTCBUSD-1m-2025-01-01.csv")
    assert raw.startswith(b"1735689600000000,")  # 16 digits: microseconds
    assert ZipFile(zip_path(archive_root, series, "2024-12")).read("BTCBUSD-1m-2024-12.csv").startswith(b"1735603200000,")

    report = downloader(store, archive.base_url, "http://127.0.0.1:9", "2025-01-02T00:00:30").download(
        series, to_ms("2024-12-31"), to_ms("2025-01-02"))

    got = stored(store, series)
    same_candles(got, two_days)
    assert report.gaps == () and got.ts.diff().dropna().eq(60_000).all()  # no jump at the switch


def test_an_unknown_symbol_is_refused_with_the_fix(store, archive, replay, btc_1h) -> None:
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    with pytest.raises(UnknownSymbol, match="Binance lists no spot symbol NOPEUSDT.*check the symbol"):
        downloader(store, archive.base_url, rest_url, now).download(
            Series.klines("spot", "NOPEUSDT", "1h"), to_ms("2021-05-01"))
    assert store.all_series() == []


def test_months_of_a_range_are_whole_utc_months() -> None:
    assert month_bounds("2024-02") == (to_ms("2024-02-01"), to_ms("2024-03-01"))
    assert month_bounds("2024-12") == (to_ms("2024-12-01"), to_ms("2025-01-01"))
    assert all_months(pd.DataFrame({"ts": [to_ms("2024-11-30"), to_ms("2025-01-01")]})) == \
        ["2024-11", "2024-12", "2025-01"]



def test_temporary_rest_errors_are_retried_and_a_ban_stops_at_once(store, archive, replay, btc_1h) -> None:
    rest_url, now = replay(btc_1h, "BTCUSDT", "1h")
    exchange = replay.exchanges[-1]
    exchange.faults.add(path="/api/v3/klines", kind="error_5xx", count=2)
    exchange.faults.add(path="/api/v3/klines", kind="rate_limit", seconds=7, count=1)
    pauses: list[float] = []
    fetch = downloader(store, archive.base_url, rest_url, now, use_archive=False, http=Http(sleep=pauses.append))

    report = fetch.download(SPOT_BTC, to_ms("2021-05-01"))

    assert pauses == [0.5, 1.0, 7.0] and report.rest_pages == 1  # 503, 503, then 429 with Retry-After 7 s
    same_candles(stored(store, SPOT_BTC), btc_1h[btc_1h.ts >= to_ms("2021-05-01")])
    store.delete(SPOT_BTC)
    exchange.faults.add(path="/api/v3/klines", kind="ban", seconds=120, count=1)
    with pytest.raises(Banned, match="banned this IP for too many requests"):
        fetch.download(SPOT_BTC, to_ms("2021-05-01"))
    assert pauses == [0.5, 1.0, 7.0] and store.all_series() == []
