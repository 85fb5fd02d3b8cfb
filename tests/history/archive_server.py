"""A copy of Binance's public data archive on 127.0.0.1, built from candle frames, for tests and benchmarks.

``write_klines`` lays zips + CHECKSUM files out as data.binance.vision does (spot files without a
header and with microsecond timestamps from 2025-01-01, USD-M files with a header row);
``ArchiveServer`` serves the folder (404 for what is absent), logs every path asked for, and
answers ``/fapi/v1/fundingRate`` from a funding frame as Binance's REST does.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from console.domain import Market
from console.history.series import TIMEFRAMES, Series, month_bounds, months, to_ms

HEADER = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume," \
         "taker_buy_quote_volume,ignore"
MICROSECONDS_FROM = to_ms("2025-01-01")


def kline_csv(frame: pd.DataFrame, timeframe: str, *, header: bool, microseconds: bool) -> bytes:
    """Binance's 12-column kline CSV of ``frame`` (ts in ms, open, high, low, close, volume)."""
    step = TIMEFRAMES[timeframe] or 0
    scale = 1000 if microseconds else 1
    lines = [HEADER] if header else []
    for row in frame.itertuples(index=False):
        ts = int(row.ts)
        close_ts = (ts + step) * scale - 1
        quote = row.volume * row.close
        lines.append(f"{ts * scale},{row.open:.8f},{row.high:.8f},{row.low:.8f},{row.close:.8f},{row.volume:.8f},"
                     f"{close_ts},{quote:.8f},{7},{row.volume / 2:.8f},{quote / 2:.8f},0")
    return ("\n".join(lines) + "\n").encode()


def funding_csv(frame: pd.DataFrame) -> bytes:
    """Binance's funding-rate CSV (with its header) of ``frame`` (ts, funding_rate)."""
    lines = ["calc_time,funding_interval_hours,last_funding_rate"]
    lines += [f"{int(r.ts)},8,{r.funding_rate:.8f}" for r in frame.itertuples(index=False)]
    return ("\n".join(lines) + "\n").encode()


def put_zip(path: Path, csv_name: str, csv: bytes) -> Path:
    """Write ``path`` (a zip holding ``csv_name``) and its ``.CHECKSUM`` (sha256, two spaces, name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(csv_name, csv)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    (path.parent / (path.name + ".CHECKSUM")).write_text(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    return path


def zip_path(root: Path, series: Series, period: str) -> Path:
    """Where data.binance.vision keeps the zip of ``period`` under ``root``."""
    from console.history.archive import Archive

    url = Archive("http://x", http=None).url(series, period)  # type: ignore[arg-type]
    return root / url.removeprefix("http://x/")


def write_klines(root: Path, series: Series, frame: pd.DataFrame, *, monthly: Iterable[str] = (),
                 daily: Iterable[str] = ()) -> list[Path]:
    """Zips of ``frame``'s candles for the given months ("YYYY-MM") and days ("YYYY-MM-DD")."""
    written = []
    futures = series.market is Market.FUTURES
    for period in [*monthly, *daily]:
        if len(period) == 7:
            lo, hi = month_bounds(period)
        else:
            lo = to_ms(period)
            hi = lo + 86_400_000
        rows = frame[(frame["ts"] >= lo) & (frame["ts"] < hi)]
        csv = kline_csv(rows, series.timeframe, header=futures,
                        microseconds=not futures and lo >= MICROSECONDS_FROM)
        name = f"{series.symbol}-{series.timeframe}-{period}"
        written.append(put_zip(zip_path(root, series, period), name + ".csv", csv))
    return written


def write_funding(root: Path, series: Series, frame: pd.DataFrame, monthly: Iterable[str]) -> list[Path]:
    written = []
    for month in monthly:
        lo, hi = month_bounds(month)
        rows = frame[(frame["ts"] >= lo) & (frame["ts"] < hi)]
        written.append(put_zip(zip_path(root, series, month), f"{series.symbol}-fundingRate-{month}.csv",
                               funding_csv(rows)))
    return written


def all_months(frame: pd.DataFrame) -> list[str]:
    return months(int(frame["ts"].iloc[0]), int(frame["ts"].iloc[-1]) + 1)


class ArchiveServer:
    """Serve ``root`` on 127.0.0.1 like data.binance.vision; ``paths`` logs every request."""

    def __init__(self, root: Path, funding: dict[str, pd.DataFrame] | None = None) -> None:
        self.root = Path(root)
        self.funding = funding or {}
        self.paths: list[str] = []
        self.gate = threading.Event()  # cleared: requests wait until it is set again
        self.gate.set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each kept-alive answer waits ~40 ms for an ACK

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                server.paths.append(split.path)
                server.gate.wait(30)
                if split.path == "/fapi/v1/fundingRate":
                    self._send(200, server.funding_page(parse_qs(split.query)), "application/json")
                    return
                target = (server.root / split.path.lstrip("/")).resolve()
                if server.root.resolve() not in target.parents or not target.is_file():
                    self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
                    return
                self._send(200, target.read_bytes(), "application/zip")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def funding_page(self, query: dict[str, list[str]]) -> bytes:
        symbol = query["symbol"][0]
        frame = self.funding.get(symbol)
        if frame is None:
            return json.dumps({"code": -1121, "msg": "Invalid symbol."}).encode()
        start = int(query.get("startTime", ["0"])[0])
        end = int(query.get("endTime", [str(2 ** 62)])[0])
        limit = int(query.get("limit", ["100"])[0])
        rows = frame[(frame["ts"] >= start) & (frame["ts"] <= end)].head(limit)
        return json.dumps([{"symbol": symbol, "fundingTime": int(r.ts), "fundingRate": f"{r.funding_rate:.8f}",
                            "markPrice": "10000.00000000"} for r in rows.itertuples(index=False)]).encode()

    def asked(self, fragment: str) -> list[str]:
        """The logged paths containing ``fragment``."""
        return [p for p in self.paths if fragment in p]

    def start(self) -> ArchiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
