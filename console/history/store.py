"""Stored history: one Parquet file per (series, month), scanned by DuckDB.

Layout under ``Settings.history_dir``::

    klines/spot/BTCUSDT/1m/2024-01.parquet      ts (open, ms), open, high, low, close, volume, quote_volume, trades
    funding/futures/BTCUSDT/2024-01.parquet     ts (funding time, ms), funding_rate, interval_hours, mark_price

Why files and not a table in console.duckdb: a month is written whole to a temporary file and
renamed over the old one, so a download killed at any moment leaves every verified month intact
and no half-written one; the console's database file takes one writing process, while these files
let the command line download while the console runs; and DuckDB scans a year of 1m candles
(525,600 rows in 12 files) in milliseconds. Each file's footer carries what the month covers (the
ranges asked for and answered, with or without candles: an outage stays known as one), where it
came from and the archive's sha256, so an update fetches only what is missing.

Prices are DOUBLE: the charts and strategies read floats, and a price of Binance's 8 decimals and
up to 15 significant digits comes back exactly with ``Decimal(repr(x))``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from console.errors import StorageError
from console.history import ranges
from console.history.archive import empty, tidy
from console.history.ranges import Range
from console.history.series import Kind, Series, bucket, coarser, month_bounds, next_open

META_KEY = b"console.history"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class MonthInfo:
    month: str
    rows: int
    first: int | None
    last: int | None
    coverage: tuple[Range, ...]
    sources: tuple[str, ...]
    sha256: tuple[str, ...]
    bytes: int


@dataclass(frozen=True)
class Gap:
    """Missing candles (or funding times) between two stored ones.

    ``downloaded``: the range was asked for and Binance had nothing (a real outage); otherwise it
    was never downloaded and an update can fill it.
    """

    start: int  # first missing open time
    end: int  # the next stored open time
    missing: int  # candles missing (funding: approximate)
    downloaded: bool


@dataclass(frozen=True)
class Summary:
    series: Series
    first: int | None
    last: int | None  # open time of the last stored candle
    rows: int
    months: int
    bytes: int
    gaps: tuple[Gap, ...] = field(default=())


class HistoryStore:
    """Read and write the stored series under ``root`` (created owner-only)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._db = duckdb.connect()
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._gap_cache: dict[str, tuple[tuple, tuple[Gap, ...]]] = {}

    def close(self) -> None:
        self._db.close()

    # -- files --------------------------------------------------------------------------------
    def folder(self, series: Series) -> Path:
        return self.root / series.key

    def path(self, series: Series, month: str) -> Path:
        return self.folder(series) / f"{month}.parquet"

    def month_files(self, series: Series, start: int | None = None, end: int | None = None) -> list[Path]:
        """The series' month files, oldest first, limited to those that ``[start, end)`` touches."""
        folder = self.folder(series)
        if not folder.is_dir():
            return []
        found = sorted(p for p in folder.glob("*.parquet") if _MONTH.match(p.stem))
        lo = start if start is not None else -2 ** 62
        hi = end if end is not None else 2 ** 62
        return [p for p in found if month_bounds(p.stem)[1] > lo and month_bounds(p.stem)[0] < hi]

    def info(self, series: Series, month: str) -> MonthInfo | None:
        """What the month's file holds and covers; None when there is no file."""
        path = self.path(series, month)
        try:
            metadata = pq.read_metadata(path)
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        except (OSError, pa.ArrowException) as e:
            raise StorageError(f"cannot read {path} ({e}); delete this series on the Data page and "
                               "download it again") from e
        extra = json.loads((metadata.metadata or {}).get(META_KEY, b"{}"))
        first, last = extra.get("first"), extra.get("last")
        coverage = tuple(tuple(r) for r in extra.get("coverage", ()))
        if not extra and metadata.num_rows:  # a file written elsewhere: it covers what it holds
            ts = pq.read_table(path, columns=["ts"]).column("ts").to_numpy()
            first, last = int(ts.min()), int(ts.max())
            coverage = ((first, _after(series, last)),)
        return MonthInfo(month, metadata.num_rows, first, last, coverage, tuple(extra.get("sources", ())),
                         tuple(extra.get("sha256", ())), size)

    def coverage(self, series: Series, month: str) -> list[Range]:
        info = self.info(series, month)
        return list(info.coverage) if info else []

    def _lock(self, series: Series, month: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((series.key, month), threading.Lock())

    # -- writing ------------------------------------------------------------------------------
    def merge(self, series: Series, month: str, frame: pd.DataFrame, covered: list[Range], source: str,
              sha256: str | None = None) -> MonthInfo:
        """Add ``frame``'s rows of ``month`` (new rows win) and mark ``covered`` as asked for; write atomically."""
        lo, hi = month_bounds(month)
        with self._lock(series, month):
            old = self.info(series, month)
            rows = frame[(frame["ts"] >= lo) & (frame["ts"] < hi)]
            if old is not None and old.rows:
                rows = pd.concat([self._read_file(self.path(series, month)), rows], ignore_index=True)
            rows = tidy(rows, series.kind) if len(rows) else empty(series.kind)
            coverage = ranges.clip(list(old.coverage if old else ()) + list(covered), lo, hi)
            sources = sorted(set(old.sources if old else ()) | {source})
            hashes = sorted(set(old.sha256 if old else ()) | ({sha256} if sha256 else set()))
            self._write(self.path(series, month), rows, {
                "coverage": coverage, "sources": sources, "sha256": hashes,
                "first": int(rows["ts"].iloc[0]) if len(rows) else None,
                "last": int(rows["ts"].iloc[-1]) if len(rows) else None,
            })
            self._gap_cache.pop(series.key, None)
        info = self.info(series, month)
        assert info is not None
        return info

    def _write(self, path: Path, frame: pd.DataFrame, extra: dict) -> None:
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   META_KEY: json.dumps(extra).encode()})
            temporary = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
            pq.write_table(table, temporary, compression="zstd")
            os.chmod(temporary, 0o600)
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            os.replace(temporary, path)
        except OSError as e:
            raise StorageError(f"cannot write {path}: {e.strerror or e}; free some disk space or set "
                               "CONSOLE_DATA_DIR to a writable folder") from e

    def delete(self, series: Series) -> int:
        """Remove every stored month of ``series``; return the bytes freed."""
        folder = self.folder(series)
        if not folder.is_dir():
            return 0
        freed = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        self._gap_cache.pop(series.key, None)
        for parent in list(folder.parents)[: len(series.key.split("/")) - 1]:
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
        return freed

    def clean_temporary(self, series: Series) -> None:
        """Remove temporary files a killed run left behind."""
        folder = self.folder(series)
        if folder.is_dir():
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)

    # -- reading ------------------------------------------------------------------------------
    def _read_file(self, path: Path) -> pd.DataFrame:
        return pq.read_table(path).to_pandas()

    def read(self, series: Series, start: int | None = None, end: int | None = None, *,
             max_candles: int | None = None, every_column: bool = False) -> pd.DataFrame:
        """Stored rows in ``[start, end)``, ts as UTC datetimes, oldest first.

        Klines come as ts, open, high, low, close, volume (``every_column``: quote_volume and
        trades too). More than ``max_candles`` come resampled to the finest coarser Binance
        interval that fits, aggregated in DuckDB; ``frame.attrs["timeframe"]`` names what was returned.
        """
        files = [str(p) for p in self.month_files(series, start, end)]
        lo, hi = (start if start is not None else -2 ** 62), (end if end is not None else 2 ** 62)
        timeframe = series.timeframe
        where = "FROM read_parquet(?) WHERE ts >= ? AND ts < ?"
        if not files:
            frame = empty(series.kind)
        elif series.kind is Kind.FUNDING:
            frame = self._query(f"SELECT * {where}", [files, lo, hi])
        else:
            target = timeframe
            if max_candles:
                target = coarser(timeframe, self._count(series, files, lo, hi), max_candles)
            if target == timeframe:
                columns = "ts, open, high, low, close, volume" + (", quote_volume, trades" if every_column else "")
                # Files are read in month order and each is sorted: DuckDB keeps that order without a sort.
                frame = self._query(f"SELECT {columns} {where}", [files, lo, hi])
            else:
                step, offset = bucket(target)
                extra = ", sum(quote_volume) AS quote_volume, sum(trades)::BIGINT AS trades" if every_column else ""
                frame = self._query(
                    f"SELECT (ts - {offset}) // {step} * {step} + {offset} AS ts, arg_min(open, ts) AS open, "
                    "max(high) AS high, min(low) AS low, arg_max(close, ts) AS close, sum(volume) AS volume"
                    f"{extra} {where} GROUP BY 1 ORDER BY 1", [files, lo, hi])
                timeframe = target
        ts = frame["ts"].to_numpy().astype("int64")
        if len(ts) > 1 and not (ts[1:] > ts[:-1]).all():
            frame = frame.sort_values("ts", kind="stable").drop_duplicates("ts", keep="last")
            ts = frame["ts"].to_numpy().astype("int64")
        frame = frame.reset_index(drop=True)
        frame["ts"] = pd.to_datetime(ts, unit="ms", utc=True)
        frame.attrs["timeframe"] = timeframe
        return frame

    def _count(self, series: Series, files: list[str], lo: int, hi: int) -> int:
        """Rows in ``[lo, hi)``: whole files from their footers, the others counted by DuckDB."""
        total, partial = 0, []
        for path in files:
            info = self.info(series, Path(path).stem)
            if info is not None and info.first is not None and lo <= info.first and info.last < hi:
                total += info.rows
            elif info is not None and info.rows:
                partial.append(path)
        if partial:
            total += int(self._query("SELECT count(*) AS n FROM read_parquet(?) WHERE ts >= ? AND ts < ?",
                                     [partial, lo, hi])["n"].iloc[0])
        return total

    def timestamps(self, series: Series) -> np.ndarray:
        """Every stored ts (ms), sorted."""
        files = [str(p) for p in self.month_files(series)]
        if not files:
            return np.array([], dtype="int64")
        with self._guard:
            cursor = self._db.cursor()
        try:
            return cursor.execute("SELECT ts FROM read_parquet(?) ORDER BY ts", [files]).fetchnumpy()["ts"]
        finally:
            cursor.close()

    def _query(self, sql: str, params: list) -> pd.DataFrame:
        with self._guard:
            cursor = self._db.cursor()
        try:
            return cursor.sql(sql, params=params).to_arrow_table().to_pandas()  # faster than .df() here
        except duckdb.Error as e:
            raise StorageError(f"cannot read the stored history ({e}); delete the series on the Data page "
                               "and download it again") from e
        finally:
            cursor.close()

    # -- what is stored -----------------------------------------------------------------------
    def all_series(self) -> list[Series]:
        """Every series with at least one month file."""
        found = []
        for kind, depth in ((Kind.KLINES, 3), (Kind.FUNDING, 2)):
            base = self.root / kind.value
            if not base.is_dir():
                continue
            for folder in sorted(base.glob("/".join(["*"] * depth))):
                if folder.is_dir() and any(folder.glob("*.parquet")):
                    try:
                        found.append(Series.from_key(folder.relative_to(self.root).as_posix()))
                    except Exception:  # a folder the console did not make
                        continue
        return found

    def summary(self, series: Series) -> Summary:
        infos = [i for i in (self.info(series, p.stem) for p in self.month_files(series)) if i is not None]
        firsts = [i.first for i in infos if i.first is not None]
        lasts = [i.last for i in infos if i.last is not None]
        return Summary(series, min(firsts) if firsts else None, max(lasts) if lasts else None,
                       sum(i.rows for i in infos), len(infos), sum(i.bytes for i in infos), self.gaps(series))

    def covered(self, series: Series) -> list[Range]:
        ranges_: list[Range] = []
        for path in self.month_files(series):
            ranges_ += self.coverage(series, path.stem)
        return ranges.union(ranges_)

    def gaps(self, series: Series) -> tuple[Gap, ...]:
        """Missing candles between the first and the last stored one (funding: missed funding times)."""
        signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in self.month_files(series))
        cached = self._gap_cache.get(series.key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        found = find_gaps(series, self.timestamps(series), self.covered(series))
        self._gap_cache[series.key] = (signature, found)
        return found


def find_gaps(series: Series, ts: np.ndarray, covered: list[Range]) -> tuple[Gap, ...]:
    """Gaps in sorted ``ts``; each says whether it lies inside what was downloaded."""
    if len(ts) < 2:
        return ()
    diffs = np.diff(ts)
    if series.kind is Kind.FUNDING:
        usual = float(np.median(diffs))
        where = np.flatnonzero(diffs > usual * 1.5)
        step = usual
    elif series.step is None:  # calendar months
        where = np.array([i for i in range(len(ts) - 1) if next_open(int(ts[i]), "1mo") < ts[i + 1]], dtype=int)
        step = 30.44 * 86_400_000
    else:
        step = series.step
        where = np.flatnonzero(diffs > step)
    found = []
    for i in where:
        start = int(ts[i] + step) if series.kind is Kind.KLINES and series.step else _after(series, int(ts[i]))
        end = int(ts[i + 1])
        inside = not ranges.subtract([(start, end)], covered)
        found.append(Gap(start, end, max(1, round((end - start) / step)), inside))
    return tuple(found)


def _after(series: Series, last: int) -> int:
    if series.kind is Kind.FUNDING:
        return last + 1
    return next_open(last, series.timeframe)

