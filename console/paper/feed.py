"""Price feeds of the paper exchange: a seeded synthetic walk, a replayed candle file, live Binance.

Every feed has native candles on a virtual timeline; a price inside a candle walks
open -> low/high -> high/low -> close at thirds of the candle, so klines of any interval
are resampled from the same path the exchange fills against. ``set_price`` pins a symbol.

Every feed also has a USD-M funding-rate series: Binance's 8-hour grid (00:00, 08:00, 16:00
UTC of the feed's time) at ``DEFAULT_FUNDING_RATE`` (0.01 %, Binance's rate with a zero premium),
unless a replay is given recorded rates (``ReplayFeed(funding=...)``).
"""
from __future__ import annotations

import bisect
import csv
import json
import math
import random
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from console.futures_model import DEFAULT_FUNDING_RATE, funding_times

Clock = Callable[[], float]
Candle = tuple[int, float, float, float, float, float]  # open ms, o, h, l, c, volume

BASE_PRICES = {"BTCUSDT": 60000.0, "ETHUSDT": 3000.0, "BNBUSDT": 600.0, "SOLUSDT": 150.0, "XRPUSDT": 0.6,
               "ETHBTC": 0.05, "BNBBTC": 0.01, "LTCUSDT": 80.0, "ADAUSDT": 0.45, "LINKUSDT": 15.0}


def base_price(symbol: str) -> float:
    """A plausible starting price for a symbol."""
    if symbol in BASE_PRICES:
        return BASE_PRICES[symbol]
    return 0.001 if symbol.endswith(("BTC", "ETH")) else 10.0


def to_decimal(value: float) -> Decimal:
    return Decimal(f"{value:.10g}")


class Feed:
    """Base of every feed: pinned prices, listeners, klines resampled from native candles."""

    kind = "base"
    candle_ms = 60_000

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or time.time
        self.start_time = self.clock()
        self._pinned: dict[str, Decimal] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.RLock()

    def describe(self) -> str:
        raise NotImplementedError

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Call listener(symbol) whenever set_price moves a symbol."""
        self._listeners.append(listener)

    def set_price(self, symbol: str, price: Decimal | None) -> None:
        """Pin a symbol's price (None releases it back to the feed) and let listeners match."""
        with self._lock:
            if price is None:
                self._pinned.pop(symbol, None)
            else:
                self._pinned[symbol] = Decimal(price)
        for listener in list(self._listeners):
            listener(symbol)

    def price(self, symbol: str) -> Decimal:
        """The current price of a raw Binance symbol."""
        pinned = self._pinned.get(symbol)
        if pinned is not None:
            return pinned
        with self._lock:
            return to_decimal(self._path(symbol, self.virtual_ms()))

    def range(self, symbol: str, start_ms: int, end_ms: int) -> tuple[Decimal, Decimal, bool]:
        """Lowest and highest price on the path between two feed times, and whether the path was
        continuous (False for a pinned price, which jumps)."""
        pinned = self._pinned.get(symbol)
        if pinned is not None:
            return pinned, pinned, False
        with self._lock:
            if end_ms <= start_ms:
                price = to_decimal(self._path(symbol, end_ms))
                return price, price, True
            _, _, high, low, _, _ = self._bucket(self.candles(symbol), start_ms, end_ms)
            return to_decimal(low), to_decimal(high), True

    def virtual_ms(self) -> int:
        """The feed's own time (equals wall time unless replaying faster)."""
        return int(self.clock() * 1000)

    def price_at(self, symbol: str, at_ms: int) -> Decimal:
        """The price of a raw symbol at feed time ``at_ms`` on the candle path (a pinned price if pinned)."""
        pinned = self._pinned.get(symbol)
        if pinned is not None:
            return pinned
        with self._lock:
            return to_decimal(self._path(symbol, at_ms))

    def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[tuple[int, Decimal]]:
        """The funding times of a raw symbol in (start_ms, end_ms] of feed time, with their rates."""
        return [(t, DEFAULT_FUNDING_RATE) for t in funding_times(start_ms, end_ms)]

    def candles(self, symbol: str) -> list[Candle]:
        raise NotImplementedError

    def _path(self, symbol: str, at_ms: int) -> float:
        candles = self.candles(symbol)
        i = bisect.bisect_right(candles, (at_ms, math.inf)) - 1
        if i < 0:
            return candles[0][1]
        if i >= len(candles) - 1 and at_ms >= candles[-1][0] + self.candle_ms:
            return candles[-1][4]
        return _within(candles[i], (at_ms - candles[i][0]) / self.candle_ms)

    def klines(self, symbol: str, interval_ms: int, start_ms: int | None = None, end_ms: int | None = None,
               limit: int = 500) -> list[tuple[int, float, float, float, float, float]]:
        """Candles of interval_ms ending now (or within [start_ms, end_ms]), oldest first."""
        with self._lock:
            now = self.virtual_ms()
            candles = self.candles(symbol)
            first = candles[0][0] // interval_ms * interval_ms
            last = min(now, end_ms if end_ms is not None else now) // interval_ms * interval_ms
            if start_ms is not None:
                begin = max(first, -(-start_ms // interval_ms) * interval_ms)
                buckets = range(begin, last + 1, interval_ms)[:limit]
            else:
                buckets = range(max(first, last - (limit - 1) * interval_ms), last + 1, interval_ms)
            rows = [self._bucket(candles, b, min(b + interval_ms, now)) for b in buckets]
            pinned = self._pinned.get(symbol)
            if pinned is not None and rows:
                o, h, low, _, v = rows[-1][1:]
                p = float(pinned)
                rows[-1] = (rows[-1][0], o, max(h, p), min(low, p), p, v)
            return rows

    def _bucket(self, candles: list[Candle], begin: int, end: int) -> tuple[int, float, float, float, float, float]:
        step = self.candle_ms
        i = max(0, bisect.bisect_right(candles, (begin, math.inf)) - 1)
        points = [self._point(candles, begin, left=False), self._point(candles, end, left=True)]
        volume = 0.0
        j = i
        while j < len(candles) and candles[j][0] < end:
            c = candles[j]
            for k, frac in ((1, 1 / 3), (2, 2 / 3), (3, 1.0)):
                at = c[0] + frac * step
                if begin < at < end:
                    points.append(_vertex(c, k))
            overlap = min(end, c[0] + step) - max(begin, c[0])
            volume += c[5] * max(0.0, overlap) / step
            j += 1
        return begin, points[0], max(points), min(points), points[1], volume

    def _point(self, candles: list[Candle], at_ms: int, left: bool) -> float:
        i = bisect.bisect_right(candles, (at_ms - 1 if left else at_ms, math.inf)) - 1
        if i < 0:
            return candles[0][1]
        if at_ms > candles[i][0] + self.candle_ms:
            return candles[i][4]
        return _within(candles[i], (at_ms - candles[i][0]) / self.candle_ms)


def _vertex(c: Candle, k: int) -> float:
    o, h, low, close = c[1], c[2], c[3], c[4]
    bullish = close >= o
    return (o, low if bullish else h, h if bullish else low, close)[k]


def _within(c: Candle, frac: float) -> float:
    frac = min(max(frac, 0.0), 1.0)
    k = min(int(frac * 3), 2)
    a, b = _vertex(c, k), _vertex(c, k + 1)
    return a + (b - a) * (frac * 3 - k)


class SyntheticFeed(Feed):
    """A seeded random walk of one-minute candles per symbol, with history before the start."""

    kind = "synthetic"

    def __init__(self, seed: int = 7, clock: Clock | None = None, history_minutes: int = 10_080,
                 volatility: float = 0.0008) -> None:
        super().__init__(clock)
        self.seed = seed
        self.volatility = volatility
        self._origin = (int(self.start_time * 1000) // 60_000 - history_minutes) * 60_000
        self._series: dict[str, tuple[list[Candle], random.Random]] = {}

    def describe(self) -> str:
        return f"synthetic walk (seed {self.seed})"

    def candles(self, symbol: str) -> list[Candle]:
        entry = self._series.get(symbol)
        if entry is None:
            rng = random.Random(self.seed * 1_000_003 + zlib.crc32(symbol.encode()))
            entry = self._series[symbol] = ([], rng)
        series, rng = entry
        upto = self.virtual_ms()
        while not series or series[-1][0] + self.candle_ms <= upto:
            o = series[-1][4] if series else base_price(symbol)
            c = o * math.exp(rng.gauss(0.0, self.volatility))
            h = max(o, c) * (1 + abs(rng.gauss(0.0, self.volatility / 2)))
            low = min(o, c) * (1 - abs(rng.gauss(0.0, self.volatility / 2)))
            at = series[-1][0] + self.candle_ms if series else self._origin
            series.append((at, o, h, low, c, rng.uniform(5, 50) * 60000 / base_price(symbol) / 100))
        return series


class ReplayFeed(Feed):
    """Replay a candle CSV (timestamp,open,high,low,close,volume) at ``speed`` candle-seconds per second.

    The file's timestamps are shifted so that candle ``history`` (default: half the file, at most
    1000) opens at the start time: klines have that much history, and the rest unfolds at speed.
    Other symbols follow the same path scaled from their base price, unless ``symbols`` maps a
    symbol to its own scale factor. ``funding`` is a recorded funding-rate CSV
    (``fundingTime,symbol,fundingRate``, the columns of Binance's /fapi/v1/fundingRate answer): its times are shifted with the candles and its symbols pay those rates only; every
    other symbol pays the default rate on the 8-hour grid.
    """

    kind = "replay"

    def __init__(self, path: Path, speed: float = 60.0, symbols: Mapping[str, float] | None = None,
                 clock: Clock | None = None, history: int | None = None, funding: Path | None = None) -> None:
        super().__init__(clock)
        self.path = Path(path)
        self.speed = float(speed)
        rows = list(csv.DictReader(self.path.open()))
        raw = [(int(float(r["timestamp"])), float(r["open"]), float(r["high"]), float(r["low"]),
                float(r["close"]), float(r["volume"])) for r in rows]
        gaps = sorted(b[0] - a[0] for a, b in zip(raw, raw[1:]))
        self.candle_ms = gaps[len(gaps) // 2] if gaps else 60_000
        anchor = min(len(raw) - 1, history if history is not None else min(len(raw) // 2, 1000))
        self._start_ms = int(self.start_time * 1000)
        shift = self._start_ms // self.candle_ms * self.candle_ms - raw[anchor][0]
        self._base = [(t + shift, o, h, low, c, v) for t, o, h, low, c, v in raw]
        self._anchor_close = raw[anchor][1]
        self.own_symbol = next((part for part in self.path.stem.split("_") if part.endswith(("USDT", "BUSD", "USD"))), "")
        self._scales = dict(symbols or {})
        self._scaled: dict[str, list[Candle]] = {}
        self.shift_ms = shift
        self._funding = _load_funding(Path(funding), shift) if funding is not None else {}

    def describe(self) -> str:
        return f"replay of {self.path.name} at {self.speed:g}x"

    def virtual_ms(self) -> int:
        return self._start_ms + int((self.clock() * 1000 - self._start_ms) * self.speed)

    def scale(self, symbol: str) -> float:
        if symbol in self._scales:
            return float(self._scales[symbol])
        if symbol == self.own_symbol:
            return 1.0
        return base_price(symbol) / self._anchor_close

    def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[tuple[int, Decimal]]:
        recorded = self._funding.get(symbol)
        if recorded is None:
            return super().funding_rates(symbol, start_ms, end_ms)
        lo = bisect.bisect_right(recorded, (start_ms, Decimal("Infinity")))
        hi = bisect.bisect_right(recorded, (end_ms, Decimal("Infinity")))
        return recorded[lo:hi]

    def candles(self, symbol: str) -> list[Candle]:
        series = self._scaled.get(symbol)
        if series is None:
            k = self.scale(symbol)
            series = [(t, o * k, h * k, low * k, c * k, v / k) for t, o, h, low, c, v in self._base]
            self._scaled[symbol] = series
        return series


def _load_funding(path: Path, shift_ms: int) -> dict[str, list[tuple[int, Decimal]]]:
    """Recorded funding rates per symbol, their times shifted by ``shift_ms``, oldest first."""
    out: dict[str, list[tuple[int, Decimal]]] = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            out.setdefault(row["symbol"], []).append((int(row["fundingTime"]) + shift_ms, Decimal(row["fundingRate"])))
    return {symbol: sorted(rows) for symbol, rows in out.items()}


class LiveFeed(Feed):
    """Live public Binance prices over REST; opens connections only when chosen by the user."""

    kind = "live"

    def __init__(self, clock: Clock | None = None, base_url: str = "https://api.binance.com",
                 max_age: float = 2.0) -> None:
        super().__init__(clock)
        self.base_url = base_url
        self.max_age = max_age
        self._prices: dict[str, tuple[float, Decimal]] = {}
        self._klines: dict[tuple[str, int], tuple[float, list]] = {}

    def describe(self) -> str:
        return "live Binance prices"

    def _get(self, path: str) -> object:
        with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
            return json.loads(response.read())

    def price(self, symbol: str) -> Decimal:
        pinned = self._pinned.get(symbol)
        if pinned is not None:
            return pinned
        cached = self._prices.get(symbol)
        now = self.clock()
        if cached is None or now - cached[0] > self.max_age:
            data = self._get(f"/api/v3/ticker/price?symbol={symbol}")
            cached = self._prices[symbol] = (now, Decimal(data["price"]))  # type: ignore[index]
        return cached[1]

    def range(self, symbol: str, start_ms: int, end_ms: int) -> tuple[Decimal, Decimal, bool]:
        price = self.price(symbol)
        return price, price, False

    def price_at(self, symbol: str, at_ms: int) -> Decimal:
        """The current price: a live feed keeps no path (funding settles at the price of the moment)."""
        return self.price(symbol)

    def klines(self, symbol: str, interval_ms: int, start_ms: int | None = None, end_ms: int | None = None,
               limit: int = 500) -> list[tuple[int, float, float, float, float, float]]:
        names = {60_000: "1m", 180_000: "3m", 300_000: "5m", 900_000: "15m", 1_800_000: "30m", 3_600_000: "1h",
                 7_200_000: "2h", 14_400_000: "4h", 21_600_000: "6h", 43_200_000: "12h", 86_400_000: "1d"}
        query = f"/api/v3/klines?symbol={symbol}&interval={names.get(interval_ms, '1m')}&limit={limit}"
        if start_ms is not None:
            query += f"&startTime={start_ms}"
        if end_ms is not None:
            query += f"&endTime={end_ms}"
        rows = self._get(query)
        return [(int(r[0]), *(float(v) for v in r[1:6])) for r in rows]  # type: ignore[union-attr, misc]
