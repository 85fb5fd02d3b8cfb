"""Market history for the pages: what is stored, downloads in the background, the bots' price charts.

Composed into ``Console`` as ``con.history``. A download runs on its own thread (one at a time);
the page polls ``job()`` and may ``cancel()``. Nothing here runs on the page's script thread for
longer than a read of the store.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pandas as pd

from console import history
from console.config import Settings
from console.domain import Market, Side
from console.engine import positions, risk
from console.engine.clients import Clients
from console.engine.marketdata import MarketData
from console.engine.strategies import get_strategy
from console.errors import ConfigError
from console.history import Kind, Series, ms_text, to_ms
from console.history.importer import import_csv
from console.history.jobs import Job, JobView
from console.history.resample import MAX_CANDLES
from console.history.series import DAY, TIMEFRAMES
from console.storage import bots, trades
from console.storage.db import Database

WINDOWS: dict[str, int | None] = {"live": None, "1 day": DAY, "1 week": 7 * DAY, "1 month": 30 * DAY,
                                  "3 months": 91 * DAY, "1 year": 365 * DAY, "all stored": 0}
STORED_COLUMNS = ["series", "symbol", "market", "data", "from", "to", "rows", "gaps", "outages", "size_mb"]
READ_LIMIT = 50 * MAX_CANDLES  # raw candles a chart window reads before it reads resampled ones


@dataclass(frozen=True)
class BotChart:
    """What the price chart of one bot shows; every frame is ready for ``charts.price_chart``."""

    title: str
    candles: pd.DataFrame
    trades: pd.DataFrame
    levels: dict[str, float] = field(default_factory=dict)
    indicators: dict[str, pd.Series] = field(default_factory=dict)
    oscillators: dict[str, pd.Series] = field(default_factory=dict)
    note: str = ""


class HistoryService:
    """Stored history, downloads and bot charts; built once per Console."""

    def __init__(self, settings: Settings, *, db: Database, clients: Clients, market_data: MarketData,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._db = db
        self._clients = clients
        self._market_data = market_data
        self._clock = clock
        self.store = history.open_store(settings)
        self._job: Job | None = None

    def close(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job.join(10)
        self.store.close()

    # -- where downloads come from ----------------------------------------------------------
    def sources(self) -> str:
        return history.sources(self.settings)

    def leaves_machine(self) -> bool:
        return history.leaves_machine(self.settings)

    # -- what is stored ---------------------------------------------------------------------
    def stored(self) -> pd.DataFrame:
        """One row per stored series: range, rows, gaps (outages among them), size on disk."""
        rows = []
        for series in self.store.all_series():
            s = self.store.summary(series)
            rows.append({
                "series": series.key, "symbol": series.symbol, "market": series.market.value,
                "data": series.timeframe if series.kind is Kind.KLINES else "funding",
                "from": _time(s.first), "to": _time(s.last), "rows": s.rows, "gaps": len(s.gaps),
                "outages": sum(g.downloaded for g in s.gaps), "size_mb": round(s.bytes / 1e6, 3),
            })
        return pd.DataFrame(rows, columns=STORED_COLUMNS)

    def gaps(self, key: str) -> pd.DataFrame:
        """The gaps of one series: from, to, missing candles, and whether Binance has no data there."""
        series = Series.from_key(key)
        rows = [{"from": _time(g.start), "to": _time(g.end), "missing": g.missing,
                 "kind": "Binance has no data (outage)" if g.downloaded else "not downloaded yet"}
                for g in self.store.gaps(series)]
        return pd.DataFrame(rows, columns=["from", "to", "missing", "kind"])

    def preview(self, key: str, max_candles: int = 2000) -> pd.DataFrame:
        """The whole series fitted to ``max_candles`` (klines), or every funding rate."""
        return self.store.read(Series.from_key(key), max_candles=max_candles)

    def delete(self, key: str) -> str:
        series = Series.from_key(key)
        if self.running():
            raise ConfigError("a download is running; cancel it or wait for it before deleting stored data")
        freed = self.store.delete(series)
        return f"Deleted {series.label} ({freed / 1e6:.2f} MB)."

    def import_csv(self, data: bytes, *, market: str, symbol: str, timeframe: str = "") -> str:
        """Store a candle CSV's rows; return what was imported."""
        return import_csv(self.store, market, symbol, data, timeframe).text()

    # -- downloads --------------------------------------------------------------------------
    def series_for(self, *, market: str, symbol: str, data: str = "klines", timeframe: str = "1m") -> Series:
        if data == "funding":
            if str(market) not in ("futures", Market.FUTURES):
                raise ConfigError("funding rates exist for USD-M futures only; choose the futures market")
            return Series.funding(symbol)
        return Series.klines(market, symbol, timeframe)

    def download(self, *, market: str, symbol: str, start: date | datetime | str, end: date | datetime | str | None = None,
                 data: str = "klines", timeframe: str = "1m") -> JobView:
        """Start downloading what is missing in ``[start, end)`` (end: now) on a background thread."""
        series = self.series_for(market=market, symbol=symbol, data=data, timeframe=timeframe)
        start_ms = to_ms(start)
        end_ms = to_ms(end) if end not in (None, "") else None
        if end_ms is not None and end_ms <= start_ms:
            raise ConfigError(f"the end {ms_text(end_ms)} is not after the start {ms_text(start_ms)}; "
                              "pick a later end")
        if start_ms < to_ms("2017-07-01"):
            raise ConfigError("Binance's history starts in July 2017; pick a later start")
        return self._start(series, start_ms, end_ms)

    def update(self, key: str) -> JobView:
        """Start downloading a stored series from its last candle up to now."""
        series = Series.from_key(key)
        summary = self.store.summary(series)
        if summary.last is None:
            raise ConfigError(f"{series.label} holds nothing yet; download it with a start date")
        return self._start(series, summary.last, None)

    def _start(self, series: Series, start: int, end: int | None) -> JobView:
        if self.running():
            raise ConfigError("a download is already running; wait for it or cancel it first")
        fetch = history.downloader(self.settings, self.store, clock=self._clock)
        title = f"{series.label} from {ms_text(start)}" + (f" to {ms_text(end)}" if end else " to now")
        self._job = Job(title, lambda tell, cancel: fetch.download(series, start, end, progress=tell, cancel=cancel))
        self._job.start()
        return self._job.view()

    def job(self) -> JobView | None:
        """The running or last download, or None."""
        return self._job.view() if self._job is not None else None

    def running(self) -> bool:
        return self._job is not None and self._job.view().running

    def cancel(self) -> None:
        """Stop the running download at its next file or page; what is stored stays."""
        if self._job is not None:
            self._job.cancel()

    def wait(self, timeout: float | None = None) -> JobView | None:
        """Wait for the running download to end (for the command line and tests)."""
        if self._job is not None:
            self._job.join(timeout)
        return self.job()

    # -- the bots' price charts -------------------------------------------------------------
    def bot_chart(self, bot_id: int, window: str = "live") -> BotChart:
        """The bot's candles (live from the engine's cache, or stored history), trades, TP/SL and indicators."""
        if window not in WINDOWS:
            raise ConfigError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
        config = bots.get(self._db.cursor(), bot_id).config
        client = self._clients.get(config.venue, config.market, config.account)
        key = (config.venue.value, config.market.value, config.symbol, config.timeframe)
        live = self._market_data.candles(key, client.candles)
        candles, note = live, ""
        if window != "live":
            candles, note = self._stored(config, window, live)
        title = f"{config.name} · {config.symbol} {config.market.value} {candles.attrs.get('timeframe', config.timeframe)}"
        strategy = get_strategy(config.strategy)
        lines = strategy.indicators(candles.reset_index(drop=True), strategy.validate(config.params)) \
            if not candles.empty else {}
        oscillators = {k: v for k, v in lines.items() if k in strategy.lower_pane}
        indicators = {k: v for k, v in lines.items() if k not in strategy.lower_pane}
        first = candles["ts"].iloc[0] if not candles.empty else None
        return BotChart(title, candles, self._trades(bot_id, config, first), self._levels(bot_id, config),
                        indicators, oscillators, note)

    def _stored(self, config, window: str, live: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        series = Series.klines(config.market, config.symbol, config.timeframe)
        span = WINDOWS[window]
        start = int(self._clock() * 1000) - span if span else None
        stored = self.store.read(series, start, max_candles=READ_LIMIT)
        if stored.empty:
            return live, (f"No stored {series.label} history for this window: download it on the Data page. "
                          "Showing the live candles.")
        if stored.attrs["timeframe"] == config.timeframe and not live.empty:
            newer = live[live["ts"] > stored["ts"].iloc[-1]]
            stored = pd.concat([stored[live.columns.intersection(stored.columns)], newer], ignore_index=True)
            stored.attrs["timeframe"] = config.timeframe
            return stored, ""
        return stored, (f"Stored history resampled to {stored.attrs['timeframe']} candles; indicators are "
                        "computed on them.")

    def _trades(self, bot_id: int, config, since: pd.Timestamp | None) -> pd.DataFrame:
        rows, held = [], 0
        for t in trades.for_bot(self._db.cursor(), bot_id):
            signed = t.quantity if t.side is Side.BUY else -t.quantity
            if config.market is Market.SPOT:
                kind = "entry" if t.side is Side.BUY else "exit"
            else:
                kind = "entry" if held == 0 or (held > 0) == (signed > 0) else "exit"
            held += signed
            rows.append({"ts": pd.Timestamp(t.ts).tz_localize("UTC") if t.ts.tzinfo is None else pd.Timestamp(t.ts),
                         "side": t.side.value, "price": float(t.price), "quantity": float(t.quantity),
                         "pnl": float(t.pnl) if t.pnl is not None and kind == "exit" else float("nan"),
                         "kind": kind})
        frame = pd.DataFrame(rows, columns=["ts", "side", "price", "quantity", "pnl", "kind"])
        if since is not None and not frame.empty:
            frame = frame[frame["ts"] >= since]
        return frame.reset_index(drop=True)

    def _levels(self, bot_id: int, config) -> dict[str, float]:
        held = positions.of_bot(self._db.cursor(), bot_id, config)
        if not held.quantity or held.entry_price is None:
            return {}
        take_profit, stop_loss = risk.exit_prices(config, held.entry_price, held.quantity > 0)
        levels = {"entry": float(held.entry_price)}
        if take_profit is not None:
            levels["take profit"] = float(take_profit)
        if stop_loss is not None:
            levels["stop loss"] = float(stop_loss)
        return levels


def timeframes() -> list[str]:
    """Binance's intervals, finest first."""
    return list(TIMEFRAMES)


def _time(ms: int | None) -> pd.Timestamp | None:
    return None if ms is None else pd.Timestamp(datetime.fromtimestamp(ms / 1000, tz=timezone.utc))
