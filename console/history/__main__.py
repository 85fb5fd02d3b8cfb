"""The history command line: ``python -m console.history list|download|import|verify``.

Downloads reach Binance's public servers (data.binance.vision and the REST API) unless
CONSOLE_HISTORY_ARCHIVE_URL / CONSOLE_HISTORY_REST_URL point elsewhere; no API key is sent.
"""
from __future__ import annotations

import argparse
import sys

from console.config import load_settings
from console.errors import ConsoleError
from console.history import (
    TIMEFRAMES, Series, downloader, leaves_machine, ms_text, open_store, sources, to_ms,
)
from console.history.importer import import_csv
from console.history.jobs import Job
from console.history.verify import problems


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m console.history",
        description="Binance market history in the console's data folder: klines (spot, USD-M) and USD-M "
                    "funding rates. Downloads come from Binance's public data archive (whole months and days, "
                    "checked against their checksums) and its REST API for the rest; this reaches Binance's "
                    "servers unless CONSOLE_HISTORY_ARCHIVE_URL / CONSOLE_HISTORY_REST_URL say otherwise.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="what is stored: series, range, rows, gaps, size")
    get = commands.add_parser("download", help="download what is missing of a series for a date range")
    get.add_argument("symbol", help="BTCUSDT or BTC/USDT")
    get.add_argument("--market", choices=("spot", "futures"), default="spot", help="futures: USD-M")
    get.add_argument("--timeframe", default="1m", choices=list(TIMEFRAMES), help="Binance interval (default 1m)")
    get.add_argument("--funding", action="store_true", help="USD-M funding rates instead of klines")
    get.add_argument("--from", dest="start", required=True, help="first day, e.g. 2024-01-01 (UTC)")
    get.add_argument("--to", dest="end", default=None, help="day after the last, e.g. 2024-07-01 (default: now)")
    get.add_argument("--workers", type=int, default=4, help="months fetched at once (default 4)")
    get.add_argument("--quiet", action="store_true", help="print the report only")
    load = commands.add_parser("import", help="import a candle CSV (timestamp,open,high,low,close,volume)")
    load.add_argument("file")
    load.add_argument("--symbol", required=True)
    load.add_argument("--market", choices=("spot", "futures"), default="spot")
    load.add_argument("--timeframe", default="", help="default: inferred from the candles' spacing")
    check = commands.add_parser("verify", help="check the stored files and report gaps")
    check.add_argument("symbol", nargs="?", default="", help="only this symbol")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        store = open_store(settings)
        if args.command == "list":
            return _list(store)
        if args.command == "download":
            return _download(args, settings, store)
        if args.command == "import":
            print(import_csv(store, args.market, args.symbol, args.file, args.timeframe).text())
            return 0
        return _verify(store, args.symbol)
    except ConsoleError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _list(store) -> int:
    rows = [store.summary(s) for s in store.all_series()]
    if not rows:
        print("nothing stored yet; download with: python -m console.history download BTCUSDT --from 2024-01-01")
        return 0
    print(f"{'series':<34} {'from':<17} {'to':<17} {'rows':>11} {'gaps':>5} {'size':>10}")
    for s in rows:
        first = ms_text(s.first) if s.first is not None else "—"
        last = ms_text(s.last) if s.last is not None else "—"
        print(f"{s.series.key:<34} {first:<17} {last:<17} {s.rows:>11,} {len(s.gaps):>5} {s.bytes / 1e6:>8.2f} MB")
    return 0


def _download(args, settings, store) -> int:
    series = Series.funding(args.symbol) if args.funding else Series.klines(args.market, args.symbol, args.timeframe)
    start, end = to_ms(args.start), (to_ms(args.end) if args.end else None)
    where = "Binance's public servers: " if leaves_machine(settings) else ""
    print(f"downloading {series.label} from {where}{sources(settings)}", file=sys.stderr)
    fetch = downloader(settings, store, workers=args.workers)
    job = Job(series.label, lambda tell, cancel: fetch.download(series, start, end, progress=tell, cancel=cancel))
    job.start()
    shown = ""
    try:
        while not job.join(0.5):
            view = job.view()
            line = f"{view.fraction:6.1%}  {view.message}"
            if not args.quiet and line != shown:
                print(line, file=sys.stderr, flush=True)
                shown = line
    except KeyboardInterrupt:
        print("cancelling: what is fetched is kept…", file=sys.stderr, flush=True)
        job.cancel()
        job.join()
    view = job.view()
    print(view.result)
    if view.report is not None:
        for gap in view.report.gaps[:20]:
            kind = "Binance has no data" if gap.downloaded else "not downloaded"
            print(f"  gap {ms_text(gap.start)} → {ms_text(gap.end)}: {gap.missing} missing ({kind})")
    return {"done": 0, "cancelled": 130}.get(view.state, 2)


def _verify(store, symbol: str) -> int:
    wanted = [s for s in store.all_series() if not symbol or s.symbol == symbol.upper().replace("/", "")]
    bad = 0
    for series in wanted:
        found = problems(store, series)
        bad += len(found)
        gaps = store.gaps(series)
        state = "ok" if not found else f"{len(found)} problem(s)"
        print(f"{series.key}: {state}, {len(gaps)} gap(s)")
        for line in found:
            print(f"  {line}")
    if not wanted:
        print("nothing stored" + (f" for {symbol}" if symbol else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
