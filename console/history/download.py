"""Download a series for a date range: archive zips first, REST pages for the tail, only what is missing.

For each month of the range that its file does not cover yet:

1. a month that has ended: its monthly zip (verified against its CHECKSUM);
2. no monthly zip (404: not published yet, or not traded then): the daily zips of the days that
   have ended (klines only; after three 404s in a row the month goes to REST);
3. whatever is still missing (today, the days the archive lacks): REST pages.

Months run on a few threads; each month's file is rewritten atomically after each archive file
and every few REST pages, so a kill loses at most those pages and the next run resumes where the
files end. ``cancel`` (a threading.Event) is checked between files and pages. Gaps left inside
the range are found and reported: Binance had outages, and an archive file has them too.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from console.domain import Market
from console.history import ranges
from console.history.archive import Archive, empty
from console.history.http import Http
from console.history.ranges import Range
from console.history.rest import FUNDING_PAGE, PAGE, Rest
from console.history.series import (
    DAY, TIMEFRAMES, Kind, Series, days, floor_open, month_bounds, months, ms_text, next_open,
)
from console.history.store import Gap, HistoryStore

CLOSE_MARGIN_MS = 2_000  # a candle counts as closed this long after its end: room for clock skew
FLUSH_PAGES = 10  # REST pages held in memory before the month's file is rewritten
DAILY_MISSES = 3  # daily 404s in a row before a month goes to REST


@dataclass(frozen=True)
class Progress:
    """What a download is doing: ``done`` of ``total`` months (fractions for months in work)."""

    series: str
    done: float
    total: int
    message: str
    rows: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


@dataclass(frozen=True)
class Report:
    """What a download did."""

    series: Series
    start: int
    end: int
    months: int  # months in the range
    up_to_date: int  # months that needed nothing
    archive_files: int  # monthly and daily zips stored
    not_in_archive: int  # zips the archive does not have (404)
    rest_pages: int
    rows: int  # rows fetched and stored
    gaps: tuple[Gap, ...] = ()
    cancelled: bool = False
    seconds: float = 0.0

    def text(self) -> str:
        """One paragraph for a person."""
        what = f"{self.series.label}, {ms_text(self.start)} → {ms_text(self.end)}"
        if self.cancelled:
            head = f"Cancelled {what}: what was fetched is kept; run it again to resume."
        else:
            head = f"Downloaded {what} in {self.seconds:.1f} s."
        body = (f" {self.rows:,} rows from {self.archive_files} archive file(s) and {self.rest_pages} REST page(s); "
                f"{self.up_to_date} of {self.months} month(s) were already stored")
        outages = [g for g in self.gaps if g.downloaded]
        holes = len(self.gaps) - len(outages)
        tail = ""
        if outages:
            tail += f"; {len(outages)} gap(s) Binance has no data for (outages)"
        if holes:
            tail += f"; {holes} range(s) not downloaded yet"
        return head + body + tail + "."


class _Cancelled(Exception):
    """Raised inside a month's work when the download is cancelled."""


@dataclass
class _Run:
    series: Series
    total: int
    callback: Callable[[Progress], None] | None
    cancel: threading.Event
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    partial: dict[str, float] = field(default_factory=dict)
    done: int = 0
    rows: int = 0
    archive_files: int = 0
    not_in_archive: int = 0
    rest_pages: int = 0

    def stopped(self) -> bool:
        return self.cancel.is_set() or self.stop.is_set()

    def check(self) -> None:
        if self.stopped():
            raise _Cancelled()

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def announce(self, message: str) -> None:
        if self.callback is not None:
            self.callback(Progress(self.series.label, 0.0, self.total, message, 0))

    def tell(self, month: str, fraction: float, message: str) -> None:
        with self.lock:
            if fraction >= 1.0:
                self.partial.pop(month, None)
                self.done += 1
            else:
                self.partial[month] = fraction
            progress = Progress(self.series.label, self.done + sum(self.partial.values()), self.total, message,
                                self.rows)
        if self.callback is not None:
            self.callback(progress)


class Downloader:
    """Fill a store from Binance's archive and REST endpoints (base URLs from the settings)."""

    def __init__(self, store: HistoryStore, *, archive_url: str, rest_url: Callable[[Market], str],
                 clock: Callable[[], float] = time.time, workers: int = 4, http: Http | None = None,
                 use_archive: bool = True, pages: Mapping[Market | str, int] | None = None) -> None:
        self.store = store
        self.archive_url = archive_url
        self.rest_url = rest_url
        self.clock = clock
        self.workers = max(1, workers)
        self.http = http
        self.use_archive = use_archive
        self.pages = {**PAGE, **{Market(k): int(v) for k, v in (pages or {}).items()}}

    def download(self, series: Series, start: int, end: int | None = None, *,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None) -> Report:
        """Fetch what the store lacks of ``series`` in ``[start, end)`` (end: now) and return a Report."""
        began = time.monotonic()
        cancel = cancel or threading.Event()
        now = int(self.clock() * 1000)
        edge = floor_open(now - CLOSE_MARGIN_MS, series.timeframe) if series.kind is Kind.KLINES else now + 1
        end = edge if end is None else min(end, edge)
        if end <= start:
            return Report(series, start, max(start, end), 0, 0, 0, 0, 0, 0)
        self.store.clean_temporary(series)
        plan: list[tuple[str, list[Range]]] = []
        span = months(start, end)
        for month in span:
            lo, hi = month_bounds(month)
            missing = ranges.subtract([(max(start, lo), min(end, hi))], self.store.coverage(series, month))
            if missing:
                plan.append((month, missing))
        run = _Run(series, len(plan), progress, cancel)
        http = self.http or Http(sleep=lambda seconds: _pause(run, seconds))
        work = _Work(self.store, Archive(self.archive_url, http), Rest(self.rest_url, http), run, now, edge,
                     self.use_archive, self.pages)
        errors: list[BaseException] = []
        if plan:
            run.announce(f"{series.label}: {len(plan)} month(s) to fetch")
            with ThreadPoolExecutor(max_workers=min(self.workers, len(plan)), thread_name_prefix="history") as pool:
                futures = [pool.submit(work.month, month, missing) for month, missing in plan]
                for future in futures:
                    try:
                        future.result()
                    except BaseException as e:
                        errors.append(e)
        if errors:
            raise errors[0]
        gaps = tuple(g for g in self.store.gaps(series) if g.end > start and g.start < end)
        return Report(series, start, end, len(span), len(span) - len(plan), run.archive_files, run.not_in_archive,
                      run.rest_pages, run.rows, gaps, cancel.is_set(), time.monotonic() - began)


def _pause(run: _Run, seconds: float) -> None:
    """Sleep between retries, waking (and stopping the month) when the download is cancelled."""
    if run.cancel.wait(seconds) or run.stop.is_set():
        raise _Cancelled()


@dataclass
class _Work:
    store: HistoryStore
    archive: Archive
    rest: Rest
    run: _Run
    now: int
    edge: int  # nothing at or after this is asked for: the forming candle (klines), the future (funding)
    use_archive: bool
    pages: dict[Market, int]

    @property
    def series(self) -> Series:
        return self.run.series

    def month(self, month: str, missing: list[Range]) -> None:
        try:
            self._month(month, missing)
        except _Cancelled:
            return
        except BaseException:
            self.run.stop.set()  # the other months stop at their next file or page
            raise
        self.run.tell(month, 1.0, f"{self.series.label} {month}: stored")

    def _month(self, month: str, missing: list[Range]) -> None:
        run, series = self.run, self.series
        lo, hi = month_bounds(month)
        run.check()
        if self.use_archive and hi <= self.edge:
            run.tell(month, 0.0, f"{series.label} {month}: monthly archive file")
            found = self.archive.fetch(series, month)
            if found is not None:
                self._store(month, found.frame, [(lo, hi)], "archive", found.sha256)
                run.add(archive_files=1)
                return
            run.add(not_in_archive=1)
        if self.use_archive and series.kind is Kind.KLINES:
            self._daily(month, missing)
            missing = ranges.subtract(missing, self.store.coverage(series, month))
        total = max(1, ranges.total(missing))
        fetched = 0
        for a, b in missing:
            fetched = self._rest(month, a, b, fetched, total)

    def _daily(self, month: str, missing: list[Range]) -> None:
        run, series = self.run, self.series
        misses = 0
        for day, d0, d1 in days(missing[0][0], missing[-1][1]):
            if d1 > self.edge or misses >= DAILY_MISSES:
                return
            if not ranges.clip(missing, d0, d1):
                continue
            run.check()
            run.tell(month, (d0 - month_bounds(month)[0]) / (31 * DAY), f"{series.label}: daily archive file {day}")
            found = self.archive.fetch(series, day)
            if found is None:
                misses += 1
                run.add(not_in_archive=1)
                continue
            misses = 0
            self._store(month, found.frame, [(d0, d1)], "archive", found.sha256)
            run.add(archive_files=1)

    def _rest(self, month: str, a: int, b: int, fetched: int, total: int) -> int:
        """Page ``[a, b)`` from REST into the month's file; return the ms fetched so far in this month."""
        run, series = self.run, self.series
        klines = series.kind is Kind.KLINES
        limit = self.pages[series.market] if klines else FUNDING_PAGE
        pending: list[pd.DataFrame] = []
        since, cursor, last = a, a, None
        try:
            while cursor < b:
                run.check()
                run.tell(month, min(0.99, (fetched + cursor - a) / total),
                         f"{series.label}: REST from {ms_text(cursor)}")
                page = self.rest.klines(series, cursor, b, limit) if klines else self.rest.funding(series, cursor, b)
                run.add(rest_pages=1)
                if page.empty:
                    cursor = b
                    break
                pending.append(page)
                last = int(page["ts"].iloc[-1])
                cursor = b if len(page) < limit else _after(series, last)
                if len(pending) >= FLUSH_PAGES:
                    self._store(month, pd.concat(pending), [(since, cursor)], "rest")
                    pending, since = [], cursor
        except _Cancelled:
            self._flush(month, pending, since, cursor, last)
            raise
        self._flush(month, pending, since, cursor, last)
        return fetched + (b - a)

    def _flush(self, month: str, pending: list[pd.DataFrame], since: int, cursor: int, last: int | None) -> None:
        series = self.series
        if cursor >= self.edge - self._settle():
            # At the edge of now an empty answer may only mean "not yet": cover what was answered.
            cursor = min(cursor, _after(series, last) if last is not None else since)
        if pending or cursor > since:
            frame = pd.concat(pending) if pending else empty(series.kind)
            self._store(month, frame, [(since, cursor)] if cursor > since else [], "rest")

    def _settle(self) -> int:
        if self.series.kind is Kind.FUNDING:
            return 8 * 3_600_000
        step = TIMEFRAMES[self.series.timeframe] or 31 * DAY
        return 2 * step + 60_000

    def _store(self, month: str, frame: pd.DataFrame, covered: list[Range], source: str,
               sha256: str | None = None) -> None:
        self.store.merge(self.series, month, frame, covered, source, sha256)
        self.run.add(rows=len(frame))


def _after(series: Series, last: int) -> int:
    return next_open(last, series.timeframe) if series.kind is Kind.KLINES else last + 1
