"""Run the paper exchange standalone: ``python -m console.paper --port 8765``."""
from __future__ import annotations

import argparse
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

from console.lifecycle import serve_until_stopped
from console.paper.feed import Feed, LiveFeed, ReplayFeed, SyntheticFeed
from console.paper.server import PaperExchange


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m console.paper", description="Binance-compatible paper exchange")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PAPER_PORT", "8765")))
    parser.add_argument("--rules-spot", type=Path, help="raw /api/v3/exchangeInfo JSON (default: built-in rules)")
    parser.add_argument("--rules-futures", type=Path, help="raw /fapi/v1/exchangeInfo JSON (default: built-in rules)")
    parser.add_argument("--feed", choices=("synthetic", "replay", "live"),
                        default=os.environ.get("CONSOLE_PAPER_FEED", "synthetic"))
    parser.add_argument("--candles", type=Path, default=os.environ.get("CONSOLE_PAPER_CANDLES") or None,
                        help="candle CSV for --feed replay")
    parser.add_argument("--speed", type=float, default=float(os.environ.get("CONSOLE_PAPER_SPEED", "60")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CONSOLE_PAPER_SEED", "7")))
    parser.add_argument("--data-dir", type=Path, default=None, help="folder for paper.duckdb (default: in memory)")
    parser.add_argument("--sync-writes", action="store_true",
                        help="sync every change to disk before answering (survives power cuts; slower)")
    parser.add_argument("--partial-fills", type=_fraction, default=None, metavar="FRACTION",
                        help="fill resting orders in parts of FRACTION of their quantity, one part per price "
                             "touch (e.g. 0.25: four parts); default: whole")
    parser.add_argument("--api-key", default=os.environ.get("CONSOLE_PAPER_API_KEY", "paper-key"))
    parser.add_argument("--api-secret", default=os.environ.get("CONSOLE_PAPER_API_SECRET", "paper-secret"))
    return parser


def _fraction(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction above 0 and at most 1; write e.g. 0.25")
    return value


def make_feed(args: argparse.Namespace) -> Feed:
    if args.feed == "replay":
        if args.candles is None:
            raise SystemExit("--feed replay needs --candles FILE.csv (timestamp,open,high,low,close,volume)")
        return ReplayFeed(args.candles, speed=args.speed)
    if args.feed == "live":
        return LiveFeed()
    return SyntheticFeed(seed=args.seed)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    exchange = PaperExchange(data_dir=args.data_dir, spot_rules=args.rules_spot, futures_rules=args.rules_futures,
                             feed=make_feed(args), api_key=args.api_key, api_secret=args.api_secret,
                             sync_writes=args.sync_writes, partial_fills=args.partial_fills)
    try:
        url = exchange.start(host=args.host, port=args.port)
    except OSError as e:
        exchange.stop()
        raise SystemExit(f"cannot serve on {args.host}:{args.port}: {e.strerror}; choose another --port, "
                         "or 0 for any free one") from None
    line = f"paper exchange at {url} ({exchange.feed.describe()}); Ctrl-C stops it"
    serve_until_stopped(exchange.stop, ready=lambda: print(line, flush=True))


if __name__ == "__main__":
    main()
