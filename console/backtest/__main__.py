"""The backtest command line: ``python -m console.backtest --help``.

Runs one bot config (from flags, or ``--bot NAME`` from the console's database) over the
history stored by ``python -m console.history`` (or a candle CSV), prints the metrics, and
optionally writes the trades and metrics as JSON (``--json``) or saves the run (``--save``).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from console.backtest import metrics, run_backtest, symbol_rules
from console.backtest.metrics import Metrics
from console.backtest.results import Run, utc
from console.config import Settings, load_settings
from console.domain import TIMEFRAMES, BotConfig, Market, Sizing
from console.engine.strategies import STRATEGIES, get_strategy
from console.errors import ConfigError, ConsoleError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m console.backtest",
        description="Backtest a bot over stored candles with the bots' own code: the strategy's signals, the "
                    "engine's sizing and daily limits, the exchange's precision rules and the paper exchange's "
                    "fills and fees. Candles come from the history store (python -m console.history download) "
                    "or from --candles FILE.csv.")
    bot = parser.add_argument_group("the bot (or --bot NAME)")
    bot.add_argument("--bot", default=None, help="use the config of the saved bot NAME from the console's database")
    bot.add_argument("--symbol", default=None, help="e.g. BTC/USDT (required without --bot)")
    bot.add_argument("--market", choices=[m.value for m in Market], default=None, help="spot (default) or futures")
    bot.add_argument("--timeframe", choices=TIMEFRAMES, default=None, help="candle interval (default 1h)")
    bot.add_argument("--strategy", choices=list(STRATEGIES), default=None, help="default ma_cross")
    bot.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                     help="a strategy parameter, e.g. --param fast=5 --param slow=20 (repeat)")
    bot.add_argument("--sizing", choices=[s.value for s in Sizing], default=None, help="default fixed_quote")
    bot.add_argument("--size", default=None, help="quote per entry, or a fraction in (0, 1] (default 100)")
    bot.add_argument("--tp", default=None, help="take-profit, percent above (long) the entry")
    bot.add_argument("--sl", default=None, help="stop-loss, percent below (long) the entry")
    bot.add_argument("--leverage", type=int, default=None, help="futures leverage (default 1)")
    bot.add_argument("--allow-short", action="store_true", default=None, help="futures: SELL signals open shorts")
    bot.add_argument("--max-position", default=None, help="largest position in quote (default 1000)")
    bot.add_argument("--max-trades-per-day", type=int, default=None, help="default 20")
    bot.add_argument("--max-daily-loss", default=None, help="in quote (default 100)")
    data = parser.add_argument_group("the candles")
    data.add_argument("--from", dest="start", default=None, help="first day, e.g. 2024-01-01 (UTC; default: all)")
    data.add_argument("--to", dest="end", default=None, help="day after the last, e.g. 2024-07-01 (default: all)")
    data.add_argument("--candles", type=Path, default=None,
                      help="a candle CSV (timestamp,open,high,low,close,volume) instead of the history store")
    data.add_argument("--exchange-info", type=Path, default=None,
                      help="Binance exchangeInfo JSON for the symbol's rules (default: the paper exchange's)")
    data.add_argument("--balance", default="10000", help="starting quote balance (default 10000)")
    out = parser.add_argument_group("output")
    out.add_argument("--json", type=Path, default=None, metavar="FILE", help="write the metrics and trades as JSON")
    out.add_argument("--save", action="store_true", help="store the run in the console's database")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status (2 with a message on stderr for a usage or data error)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sweep"]:  # python -m console.backtest sweep --help
        from console.backtest.sweep_cli import main as sweep_main

        return sweep_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        config = _config(args, settings)
        candles, funding = _candles(args, settings, config)
        rules = symbol_rules(config.symbol, config.market, args.exchange_info)
        run = run_backtest(config, candles, rules, starting_balance=_decimal(args.balance, "--balance"),
                           funding=funding)
        figures = metrics(run)
        print(table(run, figures))
        if args.json is not None:
            args.json.write_text(json.dumps(report(run, figures), indent=2, default=str))
            print(f"wrote {args.json}")
        if args.save:
            print(f"saved as backtest run {_save(settings, run, figures)}")
        return 0
    except ConsoleError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _decimal(raw: str, flag: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{flag} {raw!r} is not a number; write it like 2.5") from None
    if not value.is_finite():
        raise ConfigError(f"{flag} {raw!r} is not a number; write it like 2.5")
    return value


def _params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param {pair!r} must look like KEY=VALUE, e.g. --param fast=5")
        out[key.strip()] = value.strip()
    return out


def _config(args, settings: Settings) -> BotConfig:
    if args.bot:
        config = _saved_bot(settings, args.bot)
    else:
        if not args.symbol:
            raise ConfigError("name the symbol (--symbol BTC/USDT) or a saved bot (--bot NAME)")
        config = BotConfig(name="backtest", symbol=args.symbol.upper(), timeframe="1h")
    changes: dict = {}
    for flag, field in (("symbol", "symbol"), ("timeframe", "timeframe"), ("strategy", "strategy"),
                        ("leverage", "leverage"), ("allow_short", "allow_short"),
                        ("max_trades_per_day", "max_trades_per_day")):
        value = getattr(args, flag)
        if value is not None:
            changes[field] = value.upper() if flag == "symbol" else value
    if args.market is not None:
        changes["market"] = Market(args.market)
    if args.sizing is not None:
        changes["sizing"] = Sizing(args.sizing)
    for flag, field in (("size", "size"), ("tp", "take_profit_pct"), ("sl", "stop_loss_pct"),
                        ("max_position", "max_position_quote"), ("max_daily_loss", "max_daily_loss")):
        raw = getattr(args, flag)
        if raw is not None:
            changes[field] = _decimal(raw, "--" + flag.replace("_", "-"))
    strategy = get_strategy(changes.get("strategy", config.strategy))
    if args.param or "strategy" in changes:
        base = config.params if strategy.name == config.strategy else {}
        changes["params"] = strategy.validate({**base, **_params(args.param)})
    return replace(config, **changes) if changes else config


def _saved_bot(settings: Settings, name: str) -> BotConfig:
    from console.storage import bots
    from console.storage.db import Database

    if not settings.console_db.exists():
        raise ConfigError(f"there is no console database at {settings.console_db}; set CONSOLE_DATA_DIR, "
                          "or give the bot with flags instead of --bot")
    db = Database.open(settings.console_db)
    try:
        for record in bots.list(db.cursor()):
            if record.config.name == name:
                return record.config
        names = ", ".join(r.config.name for r in bots.list(db.cursor())) or "none"
    finally:
        db.close()
    raise ConfigError(f"there is no bot named {name!r}; saved bots: {names}")


def _candles(args, settings: Settings, config: BotConfig) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from console.backtest.inputs import require_candles, stored_inputs
    from console.history import to_ms

    start = to_ms(args.start) if args.start else None
    end = to_ms(args.end) if args.end else None
    if args.candles is None:
        return stored_inputs(settings, config, start, end)
    candles = read_csv(args.candles)
    keep = pd.Series(True, index=candles.index)
    if start is not None:
        keep &= candles["ts"] >= pd.Timestamp(start, unit="ms", tz="UTC")
    if end is not None:
        keep &= candles["ts"] < pd.Timestamp(end, unit="ms", tz="UTC")
    candles = candles[keep].reset_index(drop=True)
    require_candles(candles, config, str(args.candles), args.start)
    return candles, None


def read_csv(path: Path) -> pd.DataFrame:
    """Read a candle CSV (timestamp in epoch ms, open, high, low, close[, volume]) as a backtest frame."""
    try:
        raw = pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read the candle file {path}: {e}; give a CSV with "
                          "timestamp,open,high,low,close,volume") from None
    missing = [c for c in ("timestamp", "open", "high", "low", "close") if c not in raw.columns]
    if missing:
        raise ConfigError(f"the candle file {path} has no {', '.join(missing)} column; its header must be "
                          "timestamp,open,high,low,close,volume")
    frame = raw[["open", "high", "low", "close"]].astype("float64")
    frame.insert(0, "ts", pd.to_datetime(raw["timestamp"].astype("int64"), unit="ms", utc=True))
    return frame


def table(run: Run, figures: Metrics) -> str:
    """The run's config, data range and metrics as aligned text."""
    config = run.config
    first, last = utc(int(run.ts[0])), utc(int(run.ts[-1]))
    lines = [f"{config.strategy} {dict(config.params)} on {config.symbol} {config.market.value} {config.timeframe}",
             f"{len(run.ts)} candles, {first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} UTC", ""]
    quote = config.symbol.split("/")[-1]
    for key, value in asdict(figures).items():
        if isinstance(value, Decimal):
            value = f"{value.quantize(Decimal('0.00000001')).normalize():,f} {quote}"
        elif isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {n}" for k, n in value.items()) or "-"
        lines.append(f"{key.replace('_', ' '):<26} {value}")
    return "\n".join(lines)


def report(run: Run, figures: Metrics) -> dict:
    """The run as JSON-ready values: config, metrics, trades and fills (Decimal as strings)."""
    from console.storage.bots import config_to_json

    return {"config": json.loads(config_to_json(run.config)),
            "candles": {"first": utc(int(run.ts[0])).isoformat(), "last": utc(int(run.ts[-1])).isoformat(),
                        "count": len(run.ts)},
            "starting_balance": str(run.starting_balance), "final_equity": str(run.final_equity),
            "metrics": figures.as_dict(),
            "trades": [_json(asdict(t)) for t in run.trades],
            "fills": [_json(asdict(f)) for f in run.fills]}


def _json(values: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def _save(settings: Settings, run: Run, figures: Metrics) -> int:
    from console.config import ensure_private_dir
    from console.storage import backtests
    from console.storage.db import Database

    ensure_private_dir(settings.data_dir)
    db = Database.open(settings.console_db)
    try:
        with db.transaction() as cur:
            return backtests.save(cur, run, figures)
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
