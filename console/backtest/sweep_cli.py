"""The sweep command line: ``python -m console.backtest sweep --help``.

Runs a parameter sweep (a grid, or an optuna search of N trials; optionally walk-forward) with
the engine the Backtest page uses, on a LocalCluster of this machine's cores or on the dask
scheduler of ``--scheduler`` / ``CONSOLE_SWEEP_SCHEDULER``. Trials are stored in the console's
database as they finish; the same command run again resumes the sweep. Prints progress, writes
the results as JSON with ``--json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from console.backtest.sweep import (
    SEARCHES, Constraints, Objective, Outcome, ParamRange, Progress, SweepSpec, SymbolInputs, WalkForward,
    ranking, run_stored,
)
from console.backtest.cluster import cluster_client
from console.config import Settings, ensure_private_dir, load_settings
from console.domain import TIMEFRAMES, Market, Sizing
from console.engine.strategies import STRATEGIES
from console.errors import ConfigError, ConsoleError

DAY_MS = 86_400_000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m console.backtest sweep",
        description="Sweep a bot's strategy parameters over stored candles: every combination of a grid, or N "
                    "trials of an optuna search (tpe, random), each a full backtest, run in parallel on dask. "
                    "Trials are stored as they finish; run the same command again to resume. Start a cluster of "
                    "several machines with `dask scheduler` on one and `dask worker tcp://HOST:8786` on each "
                    "(in this project's environment), then pass --scheduler tcp://HOST:8786.")
    bot = parser.add_argument_group("the bot (or --bot NAME)")
    bot.add_argument("--bot", default=None, help="start from the config of the saved bot NAME")
    bot.add_argument("--symbol", action="append", default=[], help="e.g. BTC/USDT; repeat or comma-separate for several")
    bot.add_argument("--market", choices=[m.value for m in Market], default=None, help="spot (default) or futures")
    bot.add_argument("--timeframe", choices=TIMEFRAMES, default=None, help="candle interval (default 1h)")
    bot.add_argument("--strategy", choices=list(STRATEGIES), default=None, help="default ma_cross")
    bot.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                     help="a parameter held fixed, e.g. --param ma_type=ema")
    bot.add_argument("--sizing", choices=[s.value for s in Sizing], default=None, help="default fixed_quote")
    bot.add_argument("--size", default=None, help="quote per entry, or a fraction in (0, 1] (default 100)")
    bot.add_argument("--tp", default=None, help="take-profit percent")
    bot.add_argument("--sl", default=None, help="stop-loss percent")
    bot.add_argument("--leverage", type=int, default=None, help="futures leverage (default 1)")
    bot.add_argument("--allow-short", action="store_true", default=None, help="futures: SELL signals open shorts")
    bot.add_argument("--max-position", default=None, help="largest position in quote (default 1000)")
    bot.add_argument("--max-trades-per-day", type=int, default=None, help="default 20")
    bot.add_argument("--max-daily-loss", default=None, help="in quote (default 100)")
    sweep = parser.add_argument_group("the sweep")
    sweep.add_argument("--range", action="append", default=[], metavar="NAME=SPEC", required=True,
                       help="a swept parameter: values (fast=5,10,20), low:high:step (fast=5:50:5) or, for a "
                            "search, low:high (any value between); repeat for each parameter")
    sweep.add_argument("--search", choices=SEARCHES, default="grid", help="grid (default), tpe or random")
    sweep.add_argument("--trials", type=int, default=0, help="a search's number of trials")
    sweep.add_argument("--seed", type=int, default=7, help="the sampler's seed (default 7)")
    sweep.add_argument("--objective", choices=[o.value for o in Objective], default="net_profit",
                       help="what to maximise (default net_profit)")
    sweep.add_argument("--min-trades", type=int, default=0, help="a trial counts only with this many round trips")
    sweep.add_argument("--max-drawdown", type=float, default=None, help="a trial counts only below this drawdown %%")
    sweep.add_argument("--walk-forward", default=None, metavar="TRAIN,TEST,STEP",
                       help="walk-forward in days, e.g. 90,30,30: tune on 90 days, test the best on the next 30, "
                            "move by 30")
    sweep.add_argument("--id", default="", help="name the sweep (default: a hash of its definition)")
    data = parser.add_argument_group("the candles")
    data.add_argument("--from", dest="start", required=True, help="first day, e.g. 2024-01-01 (UTC)")
    data.add_argument("--to", dest="end", required=True, help="day after the last, e.g. 2025-01-01")
    data.add_argument("--candles", type=Path, default=None, help="a candle CSV instead of the history store (one symbol)")
    data.add_argument("--balance", default="10000", help="starting quote balance (default 10000)")
    run = parser.add_argument_group("where it runs, where it goes")
    run.add_argument("--scheduler", default=None,
                     help="a dask scheduler, e.g. tcp://10.0.0.5:8786 (default CONSOLE_SWEEP_SCHEDULER, else a "
                          "LocalCluster)")
    run.add_argument("--workers", type=int, default=None, help="LocalCluster processes (default: this machine's cores)")
    run.add_argument("--db", type=Path, default=None, help="the DuckDB file for the trials (default the console's)")
    run.add_argument("--json", default=None, metavar="FILE", help="write the results as JSON (- for stdout)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the sweep; return the exit status (2 with a message on stderr for a usage or data error)."""
    args = build_parser().parse_args(argv)
    say = (lambda text: print(text, file=sys.stderr)) if args.json == "-" else print
    try:
        settings = load_settings()
        spec = _spec(args, settings)
        inputs = _inputs(args, settings, spec)
        outcome = _run(args, settings, spec, inputs, say)
    except ConsoleError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    say(summary(outcome))
    if args.json is not None:
        text = json.dumps(report(spec, outcome), indent=2, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text)
            say(f"wrote {args.json}")
    return 0


def _spec(args, settings: Settings) -> SweepSpec:
    from console.backtest.__main__ import _config
    from console.history import to_ms

    symbols = tuple(s.strip().upper() for raw in args.symbol for s in raw.split(",") if s.strip())
    if not symbols and not args.bot:
        raise ConfigError("name the symbol (--symbol BTC/USDT) or a saved bot (--bot NAME)")
    config = _config(argparse.Namespace(**{**vars(args), "symbol": symbols[0] if symbols else None}), settings)
    ranges = []
    for raw in args.range:
        name, sep, text = raw.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--range {raw!r} must look like NAME=SPEC, e.g. --range fast=5:50:5")
        ranges.append(ParamRange.parse(name.strip(), text))
    walk = None
    if args.walk_forward:
        parts = args.walk_forward.split(",")
        try:
            train, test, step = (float(p) for p in parts)
        except ValueError:
            raise ConfigError(f"--walk-forward {args.walk_forward!r} must be three numbers of days, e.g. 90,30,30") from None
        walk = WalkForward(train_ms=int(train * DAY_MS), test_ms=int(test * DAY_MS), step_ms=int(step * DAY_MS))
    from console.backtest.__main__ import _decimal

    return SweepSpec(config=config, ranges=tuple(ranges), symbols=symbols or (config.symbol,),
                     start_ms=to_ms(args.start), end_ms=to_ms(args.end), objective=Objective(args.objective),
                     constraints=Constraints(min_trades=args.min_trades, max_drawdown_pct=args.max_drawdown),
                     search=args.search, trials=args.trials, seed=args.seed,
                     starting_balance=_decimal(args.balance, "--balance"), walk_forward=walk, id=args.id)


def _inputs(args, settings: Settings, spec: SweepSpec) -> dict[str, SymbolInputs]:
    from console.backtest.inputs import stored_inputs
    from console.backtest.rules import symbol_rules

    out = {}
    for symbol in spec.symbols:
        config = dataclasses.replace(spec.config, symbol=symbol)
        rules = symbol_rules(symbol, config.market)
        if args.candles is not None:
            if len(spec.symbols) > 1:
                raise ConfigError("--candles holds one symbol's candles; sweep one --symbol with it, or use the "
                                  "history store for several")
            from console.backtest.__main__ import read_csv

            out[symbol] = SymbolInputs(candles=read_csv(args.candles), funding=None, rules=rules)
        else:
            candles, funding = stored_inputs(settings, config, spec.start_ms, spec.end_ms)
            out[symbol] = SymbolInputs(candles=candles, funding=funding, rules=rules)
    return out


def _run(args, settings: Settings, spec: SweepSpec, inputs: dict, say) -> Outcome:
    from console.storage.db import Database

    path = args.db or settings.console_db
    if args.db is None:
        ensure_private_dir(settings.data_dir)
    db = Database.open(path)
    every = 1
    try:
        address = settings.sweep_scheduler if args.scheduler is None else args.scheduler
        say(f"sweep {spec.sweep_id}: {spec.config.strategy} on {', '.join(spec.symbols)}, "
            f"on {address or 'a LocalCluster'}")
        with cluster_client(address, n_workers=args.workers) as client:
            def progress(p: Progress) -> None:
                nonlocal every
                every = max(1, p.total // 50)
                if p.done % every == 0 or p.done == p.total:
                    say(progress_line(p, spec))
            return run_stored(db, spec, inputs, client=client, progress=progress)
    finally:
        db.close()


def progress_line(p: Progress, spec: SweepSpec) -> str:
    """One line of progress: trials done of the total, the best so far, the time left."""
    best = "-" if p.best is None else f"{p.best.score:.6g} {p.best.params} on {p.best.symbol}"
    eta = "" if p.eta_seconds is None else f", about {p.eta_seconds:.0f} s left"
    return f"trial {p.done}/{p.total}: best {spec.objective.value} {best}{eta}"


def summary(outcome: Outcome) -> str:
    """The closing lines: trials run and reused, the best set (or, walk-forward, each window's in/out of sample)."""
    state = "cancelled" if outcome.cancelled else "done"
    head = f"sweep {outcome.sweep_id} {state}: {outcome.ran} trials run, {outcome.reused} found stored"
    if outcome.walk_forward:
        lines = [head]
        for row in outcome.walk_forward:
            lines.append(f"window {row['window']}: {row['params'] or 'no set met the constraints'}; net profit "
                         f"in-sample {_text(row['is_net_profit'])}, out-of-sample {_text(row['oos_net_profit'])}")
        return "\n".join(lines)
    best = ranking([r for r in outcome.results if r.stage != "test"])
    top = f"; best {best[0][0]} ({best[0][1]:.6g})" if best and best[0][1] is not None else ""
    return head + top


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def report(spec: SweepSpec, outcome: Outcome) -> dict:
    """The sweep as JSON-ready values: definition, ranked parameter sets, trials, walk-forward rows."""
    return {"sweep_id": outcome.sweep_id, "definition": spec.definition(), "cancelled": outcome.cancelled,
            "ran": outcome.ran, "reused": outcome.reused,
            "ranking": [{"params": p, "score": s} for p, s in ranking([r for r in outcome.results
                                                                     if r.stage != "test"])],
            "trials": [dataclasses.asdict(r) for r in outcome.results],
            "walk_forward": outcome.walk_forward}


if __name__ == "__main__":
    sys.exit(main())
