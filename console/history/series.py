"""What a stored series is (klines of a market, symbol and timeframe, or funding rates) and its time arithmetic.

Times are epoch milliseconds (UTC) throughout the package; a range is half-open ``[start, end)``
over candle open times (funding times for funding rates).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum

from console.domain import Market
from console.errors import ConfigError

MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
WEEK_OFFSET = 4 * DAY  # Binance's weekly candles open on Mondays; 1970-01-01 was a Thursday

# Binance's intervals (the archive's names; REST calls a month "1M"); None: a calendar month.
TIMEFRAMES: dict[str, int | None] = {
    "1s": 1000, "1m": MINUTE, "3m": 3 * MINUTE, "5m": 5 * MINUTE, "15m": 15 * MINUTE, "30m": 30 * MINUTE,
    "1h": HOUR, "2h": 2 * HOUR, "4h": 4 * HOUR, "6h": 6 * HOUR, "8h": 8 * HOUR, "12h": 12 * HOUR,
    "1d": DAY, "3d": 3 * DAY, "1w": 7 * DAY, "1mo": None,
}
_SYMBOL = re.compile(r"^[A-Z0-9]{2,30}$")


class Kind(str, Enum):
    KLINES = "klines"
    FUNDING = "funding"


@dataclass(frozen=True, order=True)
class Series:
    """One stored series: klines of (market, symbol, timeframe), or the funding rates of a USD-M symbol."""

    kind: Kind
    market: Market
    symbol: str  # Binance's raw form, BTCUSDT
    timeframe: str = ""  # empty for funding rates

    def __post_init__(self) -> None:
        if not _SYMBOL.match(self.symbol):
            raise ConfigError(f"symbol {self.symbol!r} is not a Binance symbol; write it like BTCUSDT or BTC/USDT")
        if self.kind is Kind.KLINES and self.timeframe not in TIMEFRAMES:
            raise ConfigError(f"timeframe {self.timeframe!r} is not a Binance interval; use one of "
                              f"{', '.join(TIMEFRAMES)}")
        if self.kind is Kind.KLINES and self.timeframe == "1s" and self.market is Market.FUTURES:
            raise ConfigError("USD-M futures have no 1s candles; use 1m or a spot symbol")
        if self.kind is Kind.FUNDING and (self.market is not Market.FUTURES or self.timeframe):
            raise ConfigError("funding rates exist for USD-M futures only; choose the futures market")

    @classmethod
    def klines(cls, market: Market | str, symbol: str, timeframe: str) -> Series:
        return cls(Kind.KLINES, _market(market), raw_symbol(symbol), timeframe.strip())

    @classmethod
    def funding(cls, symbol: str) -> Series:
        return cls(Kind.FUNDING, Market.FUTURES, raw_symbol(symbol))

    @property
    def key(self) -> str:
        """The series' folder under the history root, also its id on the pages: klines/spot/BTCUSDT/1m."""
        parts = [self.kind.value, self.market.value, self.symbol] + ([self.timeframe] if self.timeframe else [])
        return "/".join(parts)

    @classmethod
    def from_key(cls, key: str) -> Series:
        parts = key.strip("/").split("/")
        try:
            kind = Kind(parts[0])
            if kind is Kind.FUNDING and len(parts) == 3:
                return cls(kind, Market(parts[1]), parts[2])
            if kind is Kind.KLINES and len(parts) == 4:
                return cls(kind, Market(parts[1]), parts[2], parts[3])
        except (ValueError, IndexError):
            pass
        raise ConfigError(f"{key!r} is not a stored series; pick one from the list of stored data")

    @property
    def label(self) -> str:
        what = self.timeframe if self.kind is Kind.KLINES else "funding rates"
        return f"{self.symbol} {self.market.value} {what}"

    @property
    def step(self) -> int | None:
        """Milliseconds between candles (None for calendar months; funding: 8 h, Binance's longest)."""
        return TIMEFRAMES[self.timeframe] if self.kind is Kind.KLINES else 8 * HOUR


def _market(market: Market | str) -> Market:
    if isinstance(market, Market):
        return market
    text = str(market).strip().lower()
    text = {"usdm": "futures", "usd-m": "futures", "um": "futures"}.get(text, text)
    try:
        return Market(text)
    except ValueError:
        raise ConfigError(f"market {market!r} is not spot or futures (USD-M)") from None


def raw_symbol(symbol: str) -> str:
    """BTC/USDT, BTC/USDT:USDT, btcusdt -> BTCUSDT."""
    text = str(symbol).strip().upper().split(":")[0].replace("/", "").replace("-", "")
    if not _SYMBOL.match(text):
        raise ConfigError(f"symbol {symbol!r} is not a Binance symbol; write it like BTCUSDT or BTC/USDT")
    return text


# -- time arithmetic ------------------------------------------------------------------------------

def to_ms(moment: datetime | date | int | float | str) -> int:
    """Epoch ms of a datetime (naive = UTC), a date (its 00:00 UTC), an ISO string or a number of ms."""
    if isinstance(moment, bool):
        raise ConfigError(f"{moment!r} is not a date")
    if isinstance(moment, (int, float)):
        return int(moment)
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.strip())
        except ValueError:
            raise ConfigError(f"{moment!r} is not a date; write it like 2024-01-31 or 2024-01-31T12:00") from None
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return int(aware.timestamp() * 1000)
    return int(datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc).timestamp() * 1000)


def ms_text(ms: int) -> str:
    """2024-01-31 12:00 (UTC) for messages."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


def month_of(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return f"{moment.year:04d}-{moment.month:02d}"


def month_bounds(month: str) -> tuple[int, int]:
    """[start, end) of a month "YYYY-MM" in ms."""
    year, number = int(month[:4]), int(month[5:7])
    start = datetime(year, number, 1, tzinfo=timezone.utc)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=timezone.utc)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def months(start: int, end: int) -> list[str]:
    """The months that ``[start, end)`` touches, oldest first."""
    if end <= start:
        return []
    found, cursor = [], start
    while cursor < end:
        month = month_of(cursor)
        found.append(month)
        cursor = month_bounds(month)[1]
    return found


def days(start: int, end: int) -> list[tuple[str, int, int]]:
    """(YYYY-MM-DD, day start, day end) of the UTC days that ``[start, end)`` touches."""
    found, cursor = [], start - start % DAY
    while cursor < end:
        found.append((datetime.fromtimestamp(cursor / 1000, tz=timezone.utc).strftime("%Y-%m-%d"),
                      cursor, cursor + DAY))
        cursor += DAY
    return found


def floor_open(ms: int, timeframe: str) -> int:
    """The open time of the candle of ``timeframe`` that contains ``ms``."""
    step = TIMEFRAMES[timeframe]
    if step is None:
        return month_bounds(month_of(ms))[0]
    offset = WEEK_OFFSET if timeframe == "1w" else 0
    return ms - (ms - offset) % step


def next_open(ms: int, timeframe: str) -> int:
    """The open time of the candle after the one opened at ``ms``."""
    step = TIMEFRAMES[timeframe]
    return month_bounds(month_of(ms))[1] if step is None else ms + step


def coarser(timeframe: str, count: int, max_candles: int) -> str:
    """The finest Binance interval at or above ``timeframe`` that draws ``count`` candles in ``max_candles``."""
    step = TIMEFRAMES.get(timeframe)
    if step is None or count <= max_candles:
        return timeframe
    for name, size in TIMEFRAMES.items():
        if size is not None and size >= step and size % step == 0 and math.ceil(count * step / size) <= max_candles:
            return name
    return "1w"


def bucket(timeframe: str) -> tuple[int, int]:
    """(step, offset) in ms on which open times of ``timeframe`` are aligned."""
    step = TIMEFRAMES[timeframe]
    if step is None:
        raise ConfigError("calendar months have no fixed step; resample to 1w or finer")
    return step, (WEEK_OFFSET if timeframe == "1w" else 0)
