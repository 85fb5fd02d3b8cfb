"""Backtests for the pages: run a bot's config over stored history off the script thread, save, compare.

Composed into ``Console`` as ``con.backtests``. A run reads the stored candles (and, for futures,
funding rates) and runs ``console.backtest.run_backtest`` on its own thread, one at a time; the page
polls ``job()`` and may ``cancel()``. The last run stays in ``result()`` until the next one starts,
so the page can draw it, save it or make a bot of its config. Every number shown goes through
``console.fmt``: prices to the tick, quantities to the step, money with its asset.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from console import fmt
from console.backtest import Metrics, Run, metrics, run_backtest, symbol_rules
from console.backtest.inputs import stored_inputs
from console.backtest.metrics import drawdown
from console.backtest.results import Trade
from console.backtest.run import Cancelled
from console.config import Settings, parse_decimal
from console.domain import BotConfig, Market, split_symbol
from console.engine.strategies import get_strategy
from console.errors import ConfigError
from console.exchange.rules import SymbolRules
from console.history import Series, ms_text, to_ms
from console.history.jobs import JobView
from console.history.ranges import subtract
from console.jobs import BackgroundJob
from console.service.bots import Bots
from console.service_history import HistoryService
from console.storage import backtests
from console.storage.backtests import SavedRun
from console.storage.db import Database

CHART_POINTS = 2000  # equity and drawdown points a chart receives
EARLIEST = to_ms("2017-07-01")  # Binance's history starts here
Moment = date | datetime | str | int
DAY_MS = 86_400_000


@dataclass(frozen=True)
class DataStatus:
    """Whether the history a backtest needs is stored for its range, and what is missing."""

    series: str  # what the candles are, for a person: "BTCUSDT spot 1h"
    candles: int  # stored in the range
    expected: int  # candles the range holds
    missing: tuple[tuple[int, int], ...]  # ranges never downloaded (epoch ms)
    funding_missing: bool  # futures: the range's funding rates are not stored
    text: str

    @property
    def stored(self) -> bool:
        """True when every candle of the range (and, for futures, its funding) has been downloaded."""
        return not self.missing and not self.funding_missing

    @property
    def runnable(self) -> bool:
        return self.candles >= 2


@dataclass(frozen=True)
class BacktestView:
    """A snapshot of the running (or last) backtest: ``state`` is running, done, cancelled or failed."""

    title: str
    state: str
    fraction: float
    message: str
    result: str  # the outcome for a person (done, cancelled) or the error with its fix (failed)
    started: float
    finished: float | None

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass
class Result:
    """A finished backtest: its config and range, the run, its metrics and the candles it ran over."""

    config: BotConfig
    start: int
    end: int
    run: Run
    metrics: Metrics
    rules: SymbolRules
    candles: pd.DataFrame
    saved_id: int | None = None

    @property
    def quote(self) -> str:
        return split_symbol(self.config.symbol)[1]


class _Job:
    """``work(progress, cancel)`` on a daemon thread, with the fraction a page polls."""

    def __init__(self, title: str, work: Callable[[Callable[[float, str], None], threading.Event], str],
                 clock: Callable[[], float]) -> None:
        self.title = title

        def run(tell: Callable[[tuple[float, str]], None], cancel: threading.Event) -> tuple[str, str]:
            try:
                return "done", work(lambda fraction, message: tell((fraction, message)), cancel)
            except Cancelled as e:
                return "cancelled", f"Cancelled {title} ({e}); nothing was kept."

        self._job: BackgroundJob[tuple[float, str], tuple[str, str]] = BackgroundJob(
            run, progress=(0.0, "starting…"), ended=lambda outcome: outcome, what="the backtest",
            name="backtest", clock=clock).start()

    def cancel(self) -> None:
        self._job.cancel()

    def join(self, timeout: float | None) -> None:
        self._job.join(timeout)

    def view(self) -> BacktestView:
        snap = self._job.snapshot()
        fraction, message = snap.progress
        if snap.state != "running":
            message = ""
        elif snap.cancelling:
            message = "cancelling…"
        return BacktestView(self.title, snap.state, 1.0 if snap.state == "done" else fraction, message, snap.text,
                            snap.started, snap.finished)


class Backtests:
    """Backtests of bot configs over stored history; built once per Console."""

    def __init__(self, settings: Settings, *, db: Database, bots: Bots, history: HistoryService,
                 default_config: Callable[[], BotConfig], clock: Callable[[], float] = time.time,
                 inputs: Callable[..., tuple[pd.DataFrame, pd.DataFrame | None]] = stored_inputs) -> None:
        """``inputs(settings, config, start, end)`` reads a run's candles and funding (the history store's)."""
        self.settings = settings
        self._inputs = inputs
        self._db = db
        self._bots = bots
        self._history = history
        self._default_config = default_config
        self._clock = clock
        self._job: _Job | None = None
        self._result: Result | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job.join(10)

    # -- what to run ------------------------------------------------------------------------
    def base_config(self, bot_id: int | None = None) -> BotConfig:
        """The config of saved bot ``bot_id``, or a new bot's defaults on this console's venue."""
        return self._default_config() if bot_id is None else self._bots.get(bot_id).config

    def config(self, form: dict) -> BotConfig:
        """Build and validate a config from form values, as the Bots page does."""
        return self._bots.config(form)

    def days(self, first: date, last: date) -> tuple[int, int]:
        """The days ``first`` to ``last`` (both included, UTC) as ``[start, end)`` epoch ms."""
        if last < first:
            raise ConfigError(f"To {last:%Y-%m-%d} is before From {first:%Y-%m-%d}; pick a To date on or after From")
        return self.span(first, last + timedelta(days=1))

    def span(self, start: Moment, end: Moment) -> tuple[int, int]:
        """``[start, end)`` as epoch ms; raise ConfigError when the end is not after the start."""
        lo, hi = to_ms(start), to_ms(end)
        if hi <= lo:
            raise ConfigError(f"To ({ms_text(hi)}) is before From ({ms_text(lo)}); pick a To date on or after From")
        if lo < EARLIEST:
            raise ConfigError("Binance's history starts in July 2017; pick a later From date")
        return lo, hi

    def stored_days(self, config: BotConfig) -> tuple[date, date] | None:
        """The first and last whole day (UTC) of ``config``'s stored candles; None when not a day is stored."""
        series = Series.klines(config.market, config.symbol, config.timeframe)
        ts = self._history.store.timestamps(series)
        if len(ts) == 0:
            return None
        first = -(-int(ts[0]) // DAY_MS)  # the first midnight at or after the first candle
        last = (int(ts[-1]) + (series.step or 60_000)) // DAY_MS - 1  # the last day whose every candle closed
        if last < first:
            return None
        return tuple(datetime.fromtimestamp(d * 86_400, tz=UTC).date() for d in (first, last))  # type: ignore[return-value]

    def data_status(self, config: BotConfig, start: Moment, end: Moment) -> DataStatus:
        """What of ``[start, end)`` is stored for ``config``'s candles (and funding rates, on futures)."""
        lo, hi = self.span(start, end)
        series = Series.klines(config.market, config.symbol, config.timeframe)
        step = series.step or 60_000
        hi = min(hi, (int(self._clock() * 1000) // step) * step)  # candles that have closed
        store = self._history.store
        ts = store.timestamps(series)
        have = int(np.searchsorted(ts, hi) - np.searchsorted(ts, lo))
        expected = max(0, (hi - lo + step - 1) // step)
        missing = tuple(subtract([(lo, hi)], store.covered(series))) if hi > lo else ()
        funding_missing = False
        if config.market is Market.FUTURES and hi > lo:
            funding = Series.funding(config.symbol)
            funding_missing = bool(subtract([(lo, hi)], store.covered(funding)))
        label = series.label
        if not missing:
            text = f"Stored: {have:,} {label} candles from {ms_text(lo)} to {ms_text(hi)}."
        elif have:
            lacking = sum(b - a for a, b in missing) // step
            text = (f"Partly stored: {have:,} of {expected:,} {label} candles; {lacking:,} never downloaded "
                    f"(from {ms_text(missing[0][0])}). Download them to backtest the whole range.")
        else:
            text = f"No {label} candles stored from {ms_text(lo)} to {ms_text(hi)}; download them first."
        if funding_missing:
            text += " The funding rates of the range are not stored: without them the run pays no funding."
        return DataStatus(label, have, expected, missing, funding_missing, text)

    def download(self, config: BotConfig, start: Moment, end: Moment) -> JobView:
        """Start downloading (through ``con.history``) the candles missing in the range, then its funding rates."""
        status = self.data_status(config, start, end)
        if status.missing:
            lo, hi = status.missing[0][0], status.missing[-1][1]
            return self._history.download(market=config.market.value, symbol=config.symbol, start=lo, end=hi,
                                          data="klines", timeframe=config.timeframe)
        if status.funding_missing:
            lo, hi = self.span(start, end)
            return self._history.download(market="futures", symbol=config.symbol, start=lo, end=hi, data="funding")
        raise ConfigError(f"every {status.series} candle of the range is stored already; run the backtest")

    # -- running ----------------------------------------------------------------------------
    def start(self, config: BotConfig, start: Moment, end: Moment, *, balance: object = "10000") -> BacktestView:
        """Start backtesting ``config`` over ``[start, end)`` on a background thread (one at a time)."""
        lo, hi = self.span(start, end)
        starting = balance if isinstance(balance, Decimal) else parse_decimal(balance, "starting balance")
        if not starting.is_finite() or starting <= 0:
            raise ConfigError(f"starting balance {balance} must be a positive amount, e.g. 10000")
        if config.strategy == "dca" and config.stop_loss_pct:
            raise ConfigError("a DCA backtest exits at the bot's Take profit % only; clear Stop loss %")
        rules = symbol_rules(config.symbol, config.market)
        with self._lock:
            if self.running():
                raise ConfigError("a backtest is running; wait for it or cancel it first")
            title = (f"{config.strategy} on {config.symbol} {config.market.value} {config.timeframe}, "
                     f"{ms_text(lo)} → {ms_text(hi)}")
            self._result = None

            def work(tell: Callable[[float, str], None], cancel: threading.Event) -> str:
                tell(0.0, "reading the stored candles…")
                candles, funding = self._inputs(self.settings, config, lo, hi)
                if cancel.is_set():
                    raise Cancelled("cancelled before the first candle")
                tell(0.0, f"running over {len(candles):,} candles…")
                run = run_backtest(config, candles, rules, starting_balance=starting, funding=funding,
                                   progress=lambda f: tell(f, f"running over {len(candles):,} candles…"),
                                   cancel=cancel.is_set)
                self._result = Result(config, lo, hi, run, metrics(run), rules, candles)
                return f"Backtested {title}: {len(run.trades)} trade(s) over {len(candles):,} candles."

            self._job = _Job(title, work, self._clock)
            return self._job.view()

    def job(self) -> BacktestView | None:
        """The running or last backtest, or None."""
        return self._job.view() if self._job is not None else None

    def running(self) -> bool:
        return self._job is not None and self._job.view().running

    def cancel(self) -> None:
        """Stop the running backtest at its next few thousand candles; nothing is kept."""
        if self._job is not None:
            self._job.cancel()

    def wait(self, timeout: float | None = None) -> BacktestView | None:
        """Wait for the running backtest to end (for the command line and tests)."""
        if self._job is not None:
            self._job.join(timeout)
        return self.job()

    def result(self) -> Result:
        """The last finished backtest; raise ConfigError when there is none."""
        if self._result is None:
            raise ConfigError("no backtest has finished yet; run one first")
        return self._result

    # -- the result as a trader reads it ----------------------------------------------------
    def summary(self, result: Result | None = None) -> list[tuple[str, str]]:
        """The headline figures as (label, text): money with its asset, percentages with one decimal."""
        result = result or self.result()
        m, quote = result.metrics, result.quote
        return [
            ("Net profit", fmt.money(m.net_profit, quote)),
            ("Return", _pct(m.return_pct)),
            ("Buy and hold", _pct(m.buy_and_hold_pct)),
            ("Max drawdown", _pct(-m.max_drawdown_pct)),
            ("Trades", f"{m.trades:,}"),
            ("Win rate", _pct(m.win_rate_pct)),
            ("Profit factor", _ratio(m.profit_factor)),
            ("Sharpe", _ratio(m.sharpe)),
            ("Final equity", fmt.money(result.run.final_equity, quote)),
            ("Fees paid", fmt.money(m.fees_paid, quote)),
            ("Funding paid", fmt.money(m.funding_paid, quote)),
            ("Exposure", _pct(m.exposure_pct)),
        ]

    def equity(self, result: Result | None = None) -> pd.DataFrame:
        """Equity at each candle's close (ts, equity), fitted to ``CHART_POINTS`` points."""
        result = result or self.result()
        run = result.run
        frame = pd.DataFrame({"ts": pd.to_datetime(run.ts, unit="ms", utc=True), "equity": run.equity})
        return _thin(frame, "equity", last=True)

    def drawdown(self, result: Result | None = None) -> pd.DataFrame:
        """Drawdown below the running peak in percent (ts, drawdown_pct), the deepest point of each bucket kept."""
        result = result or self.result()
        run = result.run
        below = drawdown(np.asarray(run.equity, dtype=float)) * 100
        frame = pd.DataFrame({"ts": pd.to_datetime(run.ts, unit="ms", utc=True), "drawdown_pct": below})
        return _thin(frame, "drawdown_pct", last=False)

    def chart(self, result: Result | None = None) -> dict:
        """What ``charts.price_chart`` draws for the run: candles, entries and exits, the strategy's lines."""
        result = result or self.result()
        config, run = result.config, result.run
        exits = iter(run.trades)
        rows = []
        for f in run.fills:
            kind = "entry" if f.reason == "entry" else "exit"
            pnl = float(next(exits).pnl) if kind == "exit" else float("nan")
            rows.append({"ts": pd.Timestamp(f.ts, unit="ms", tz="UTC"), "side": f.side, "price": float(f.price),
                         "quantity": float(f.quantity), "pnl": pnl, "kind": kind})
        trades = pd.DataFrame(rows, columns=["ts", "side", "price", "quantity", "pnl", "kind"])
        candles = result.candles.reset_index(drop=True)
        strategy = get_strategy(config.strategy)
        lines = strategy.indicators(candles, strategy.validate(config.params)) if len(candles) else {}
        return {"frame": candles, "trades": trades,
                "indicators": {k: v for k, v in lines.items() if k not in strategy.lower_pane},
                "oscillators": {k: v for k, v in lines.items() if k in strategy.lower_pane},
                "title": f"{config.symbol} {config.market.value} {config.timeframe} · {config.strategy} backtest"}

    def trades(self, result: Result | None = None) -> pd.DataFrame:
        """The run's round trips, prices to the tick, quantities to the step, money with its asset."""
        result = result or self.result()
        return _trade_table(result.run.trades, result.rules, result.quote)

    def rejections(self, result: Result | None = None) -> pd.DataFrame:
        """The signals the run did not act on, with the reason (the engine's own words)."""
        result = result or self.result()
        rows = [{"ts": pd.Timestamp(r.ts, unit="ms", tz="UTC"), "reason": r.reason} for r in result.run.rejections]
        return pd.DataFrame(rows, columns=["ts", "reason"])

    # -- saved runs -------------------------------------------------------------------------
    def save(self) -> int:
        """Save the last backtest (once: saving it again returns the same id)."""
        result = self.result()
        if result.saved_id is None:
            with self._db.transaction() as cur:
                result.saved_id = backtests.save(cur, result.run, result.metrics)
        return result.saved_id

    def saved(self) -> pd.DataFrame:
        """Every saved run, newest first: what ran, over which range, and its headline figures."""
        rows = []
        for r in backtests.list(self._db.cursor()):
            quote = split_symbol(r.config.symbol)[1]
            m = r.metrics
            rows.append({"id": r.id, "run": _label(r), "symbol": r.config.symbol, "market": r.config.market.value,
                         "timeframe": r.config.timeframe, "strategy": r.config.strategy,
                         "from": r.data_start, "to": r.data_end,
                         "net_profit": fmt.money(m.get("net_profit"), quote), "return": _pct(m.get("return_pct")),
                         "max_drawdown": _pct(_neg(m.get("max_drawdown_pct"))), "trades": m.get("trades"),
                         "saved": r.created_at})
        return pd.DataFrame(rows, columns=["id", "run", "symbol", "market", "timeframe", "strategy", "from", "to",
                                           "net_profit", "return", "max_drawdown", "trades", "saved"])

    def get(self, run_id: int) -> SavedRun:
        """One saved run; raise InvalidInput when there is none with this id."""
        return backtests.get(self._db.cursor(), run_id)

    def saved_trades(self, run_id: int) -> pd.DataFrame:
        """A saved run's round trips, shown as ``trades`` shows the last run's."""
        saved = self.get(run_id)
        return _trade_table(backtests.trades(self._db.cursor(), run_id), _rules(saved.config),
                            split_symbol(saved.config.symbol)[1])

    def delete(self, run_id: int) -> str:
        """Delete a saved run and its trades; return what was done."""
        saved = self.get(run_id)
        with self._db.transaction() as cur:
            backtests.delete(cur, run_id)
        if self._result is not None and self._result.saved_id == run_id:
            self._result.saved_id = None
        return f"Deleted backtest {_label(saved)}."

    def compare(self, run_ids: Sequence[int]) -> pd.DataFrame:
        """Two or more saved runs side by side: one row per setting or figure, one column per run."""
        if len(run_ids) < 2:
            raise ConfigError("pick two or more saved runs to compare")
        runs = [self.get(i) for i in run_ids]
        columns = {}
        for r in runs:
            c, m = r.config, r.metrics
            quote = split_symbol(c.symbol)[1]
            columns[_label(r)] = {
                "symbol": f"{c.symbol} {c.market.value} {c.timeframe}", "strategy": c.strategy,
                "parameters": _params(c),
                "sizing": f"{c.sizing.value} {fmt.plain(c.size)}", "leverage": f"{c.leverage}x",
                "take profit": _pct(c.take_profit_pct), "stop loss": _pct(c.stop_loss_pct),
                "range (UTC)": f"{r.data_start:%Y-%m-%d} → {r.data_end:%Y-%m-%d}", "candles": f"{r.candles:,}",
                "starting balance": fmt.money(r.starting_balance, quote),
                "final equity": fmt.money(r.final_equity, quote),
                "net profit": fmt.money(m.get("net_profit"), quote), "return": _pct(m.get("return_pct")),
                "CAGR": _pct(m.get("cagr_pct")), "max drawdown": _pct(_neg(m.get("max_drawdown_pct"))),
                "Sharpe": _ratio(m.get("sharpe")), "Sortino": _ratio(m.get("sortino")),
                "Calmar": _ratio(m.get("calmar")), "trades": f"{m.get('trades', 0):,}",
                "win rate": _pct(m.get("win_rate_pct")), "profit factor": _ratio(m.get("profit_factor")),
                "expectancy": fmt.money(m.get("expectancy"), quote), "exposure": _pct(m.get("exposure_pct")),
                "fees paid": fmt.money(m.get("fees_paid"), quote),
                "funding paid": fmt.money(m.get("funding_paid"), quote),
                "rejected signals": f"{m.get('rejected_signals', 0):,}",
                "buy and hold": _pct(m.get("buy_and_hold_pct")),
            }
        frame = pd.DataFrame(columns)
        frame.insert(0, "", frame.index)
        return frame.reset_index(drop=True)

    def trades_csv(self, run_id: int | None = None) -> bytes:
        """The trades of saved run ``run_id`` (None: the last backtest) as CSV, exact plain decimals."""
        trades = self.result().run.trades if run_id is None else backtests.trades(self._db.cursor(), run_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["direction", "entry_time", "exit_time", "quantity", "entry_price", "exit_price", "fees",
                         "funding", "pnl", "exit_reason"])
        for t in trades:
            writer.writerow([t.direction, _iso(t.entry_ts), _iso(t.exit_ts), fmt.plain(t.quantity),
                             fmt.plain(t.entry_price), fmt.plain(t.exit_price), fmt.plain(t.fees),
                             fmt.plain(t.funding), fmt.plain(t.pnl), t.exit_reason])
        return out.getvalue().encode()

    def create_bot(self, name: str, run_id: int | None = None) -> int:
        """Store a new (stopped) bot named ``name`` with the config of saved run ``run_id`` (None: the last
        backtest), validated and previewed as the Bots page does; a taken name is refused with the fix."""
        config = self.result().config if run_id is None else self.get(run_id).config
        name = str(name).strip()
        if any(r.config.name == name for r in self._bots.all()):
            raise ConfigError(f"a bot named {name} exists; choose another name for the bot made from this backtest")
        form = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)} | {"name": name}
        return self._bots.create(form)


def _label(run: SavedRun) -> str:
    return f"#{run.id} {run.config.name} · {run.config.strategy} {run.config.symbol} {run.config.timeframe}"


def _params(config: BotConfig) -> str:
    """The strategy's parameters, defaults filled in: ``fast=5, slow=20``."""
    try:
        params = get_strategy(config.strategy).validate(config.params)
    except ConfigError:
        params = config.params
    return ", ".join(f"{k}={fmt.plain(v) or v}" for k, v in sorted(params.items())) or "—"


def _rules(config: BotConfig) -> SymbolRules | None:
    try:
        return symbol_rules(config.symbol, config.market)
    except ConfigError:
        return None  # a symbol the built-in rules lack: numbers shown as stored


def _trade_table(trades: Sequence[Trade], rules: SymbolRules | None, quote: str) -> pd.DataFrame:
    rows = [{"direction": t.direction, "entry": pd.Timestamp(t.entry_ts, unit="ms", tz="UTC"),
             "exit": pd.Timestamp(t.exit_ts, unit="ms", tz="UTC"), "quantity": fmt.qty(t.quantity, rules),
             "entry_price": fmt.price(t.entry_price, rules), "exit_price": fmt.price(t.exit_price, rules),
             "fees": fmt.money(t.fees, quote), "funding": fmt.money(t.funding, quote), "pnl": fmt.money(t.pnl, quote),
             "exit_reason": t.exit_reason} for t in trades]
    return pd.DataFrame(rows, columns=["direction", "entry", "exit", "quantity", "entry_price", "exit_price", "fees",
                                       "funding", "pnl", "exit_reason"])


def _thin(frame: pd.DataFrame, column: str, *, last: bool) -> pd.DataFrame:
    """At most ``CHART_POINTS`` rows: each bucket's last value (``last``) or its lowest."""
    if len(frame) <= CHART_POINTS:
        return frame
    size = -(-len(frame) // CHART_POINTS)
    bucket = np.arange(len(frame)) // size
    grouped = frame.groupby(bucket)
    picked = grouped.tail(1).index if last else grouped[column].idxmin().to_numpy()
    return frame.loc[np.sort(picked)].reset_index(drop=True)


def _pct(value: object) -> str:
    """A percentage (12.34 means 12.34 %) with one decimal; '—' for none."""
    found = fmt.number(value)
    return "—" if found is None else fmt.pct(found / 100)


def _neg(value: object) -> object:
    found = fmt.number(value)
    return None if found is None else -found


def _ratio(value: object) -> str:
    if isinstance(value, float) and value == float("inf"):
        return "∞ (no losses)"
    found = fmt.number(value)
    return "—" if found is None else f"{fmt.to_unit(found, Decimal('0.01')):f}"


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
