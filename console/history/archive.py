"""Binance's public data archive (data.binance.vision): monthly and daily zips, each with a CHECKSUM.

Layout (``{base}/data/...``)::

    spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip           whole months, from the next month on
    spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01-05.zip          single days, from the next day on
    futures/um/monthly/klines/...                                   USD-M, the same names
    futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip

Facts the parser relies on (each held by a test):
- every zip has ``<zip>.CHECKSUM`` holding ``<sha256 hex>  <file name>``; a file that does not
  match is refused (after one fresh try) and nothing of it is stored;
- a file that does not exist is a 404: the month is not published yet, or the symbol did not
  trade then; the caller falls back to daily files and REST;
- spot timestamps are in microseconds from 2025-01-01 (milliseconds before); they are told apart
  by magnitude and stored in milliseconds;
- USD-M files carry a header row (those from mid-2022 on), spot files do not; a first line that
  does not start with a digit is a header.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from console.domain import Market
from console.errors import CorruptDownload, ExchangeUnavailable
from console.history.http import Http
from console.history.series import Kind, Series

KLINE_COLUMNS = ("ts", "open", "high", "low", "close", "volume", "quote_volume", "trades")
FUNDING_COLUMNS = ("ts", "funding_rate", "interval_hours", "mark_price")
MICROSECONDS_FROM = 10 ** 14  # ms reach this in the year 5138; µs passed it in 1973


@dataclass(frozen=True)
class ArchiveFile:
    url: str
    sha256: str
    frame: pd.DataFrame


class Archive:
    """Fetch, verify and parse archive files under ``base_url``."""

    def __init__(self, base_url: str, http: Http) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    def url(self, series: Series, period: str) -> str:
        """The zip of ``period`` ("YYYY-MM" monthly, "YYYY-MM-DD" daily)."""
        cadence = "daily" if len(period) == 10 else "monthly"
        root = "spot" if series.market is Market.SPOT else "futures/um"
        if series.kind is Kind.FUNDING:
            return (f"{self.base_url}/data/{root}/{cadence}/fundingRate/{series.symbol}/"
                    f"{series.symbol}-fundingRate-{period}.zip")
        return (f"{self.base_url}/data/{root}/{cadence}/klines/{series.symbol}/{series.timeframe}/"
                f"{series.symbol}-{series.timeframe}-{period}.zip")

    def fetch(self, series: Series, period: str) -> ArchiveFile | None:
        """The verified, parsed file of ``period``; None when the archive has none (404)."""
        url = self.url(series, period)
        for attempt in range(2):
            zipped = self.http.get(url)
            if zipped.status == 404:
                return None
            _expect_ok(zipped.status, url)
            listed = self.http.get(url + ".CHECKSUM")
            if listed.status == 404:
                raise CorruptDownload(f"{url} has no CHECKSUM file, so it cannot be verified; it was not "
                                      "stored. Run the download again later")
            _expect_ok(listed.status, url + ".CHECKSUM")
            expected = listed.body.decode("ascii", "replace").split()[0].lower() if listed.body.strip() else ""
            actual = hashlib.sha256(zipped.body).hexdigest()
            if actual == expected:
                frame = parse(series, unzip(zipped.body, url))
                return ArchiveFile(url, actual, frame)
        raise CorruptDownload(f"{url} does not match its published checksum (sha256 {actual[:12]}…, "
                              f"CHECKSUM says {expected[:12] or 'nothing'}…); it was refused and nothing from it "
                              "was stored. Run the download again later")


def _expect_ok(status: int, url: str) -> None:
    if not 200 <= status < 300:
        raise ExchangeUnavailable(f"{url} answered {status}; run the download again later")


def unzip(data: bytes, url: str = "") -> bytes:
    """The one CSV inside an archive zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise CorruptDownload(f"{url} holds no CSV file; it was not stored")
            return archive.read(names[0])
    except zipfile.BadZipFile as e:
        raise CorruptDownload(f"{url} is not a readable zip ({e}); it was not stored") from e


def parse(series: Series, csv: bytes) -> pd.DataFrame:
    """An archive CSV as the stored frame (klines or funding columns, ts in ms, sorted, unique)."""
    return parse_funding(csv) if series.kind is Kind.FUNDING else parse_klines(csv)


def has_header(csv: bytes) -> bool:
    first = csv.lstrip()[:1]
    return bool(first) and not first.isdigit()


def parse_klines(csv: bytes) -> pd.DataFrame:
    """Binance kline CSV (open time, o, h, l, c, volume, close time, quote volume, trades, ...)."""
    if not csv.strip():
        return empty(Kind.KLINES)
    raw = pd.read_csv(io.BytesIO(csv), header=None, skiprows=1 if has_header(csv) else 0,
                      usecols=range(9), names=["ts", "open", "high", "low", "close", "volume",
                                                             "close_ts", "quote_volume", "trades"],
                      dtype={"ts": "int64", "trades": "int64"}, engine="c")
    raw["ts"] = to_milliseconds(raw["ts"].to_numpy())
    return tidy(raw[list(KLINE_COLUMNS)], Kind.KLINES)


def parse_funding(csv: bytes) -> pd.DataFrame:
    """Binance funding-rate CSV (calc_time, funding_interval_hours, last_funding_rate)."""
    if not csv.strip():
        return empty(Kind.FUNDING)
    raw = pd.read_csv(io.BytesIO(csv), header=None, skiprows=1 if has_header(csv) else 0,
                      usecols=[0, 1, 2], names=["ts", "interval_hours", "funding_rate"], dtype={"ts": "int64"})
    raw["ts"] = to_milliseconds(raw["ts"].to_numpy())
    raw["mark_price"] = np.nan
    return tidy(raw[list(FUNDING_COLUMNS)], Kind.FUNDING)


def to_milliseconds(ts: np.ndarray) -> np.ndarray:
    """Epoch times in ms; microsecond values (spot from 2025 on) divided by 1000."""
    ts = ts.astype("int64")
    return np.where(ts >= MICROSECONDS_FROM, ts // 1000, ts)


def empty(kind: Kind) -> pd.DataFrame:
    columns = KLINE_COLUMNS if kind is Kind.KLINES else FUNDING_COLUMNS
    return tidy(pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}), kind)


def tidy(frame: pd.DataFrame, kind: Kind) -> pd.DataFrame:
    """The stored column types, sorted by ts, one row per ts (the last one wins)."""
    if kind is Kind.KLINES:
        types = {"ts": "int64", "open": "float64", "high": "float64", "low": "float64", "close": "float64",
                 "volume": "float64", "quote_volume": "float64", "trades": "Int64"}
    else:
        types = {"ts": "int64", "funding_rate": "float64", "interval_hours": "Int64", "mark_price": "float64"}
    frame = frame.assign(**{c: float("nan") for c in types if c not in frame})[list(types)].astype(types)
    frame = frame.drop_duplicates("ts", keep="last").sort_values("ts", kind="stable")
    return frame.reset_index(drop=True)
