"""The vocabulary every strategy shares: actions, signals, the bot's position, parameters."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum

import numpy as np
import pandas as pd

from console.errors import ConfigError

ParamValue = int | float | str


class Action(str, Enum):
    """What a strategy asks the bot to do on this candle."""

    HOLD = "hold"
    BUY = "buy"  # open or increase a long, or close a short
    SELL = "sell"  # close a long, or open a short where the bot allows it


@dataclass(frozen=True)
class Signal:
    """A strategy's answer; ``reason`` is human text for the bot's event log."""

    action: Action
    reason: str


@dataclass(frozen=True)
class PositionView:
    """What a strategy may know of the bot's position.

    ``quantity`` is the signed base quantity held by the bot (negative is short);
    ``entries`` counts the buys since the position was last flat.
    """

    quantity: Decimal = Decimal(0)
    entry_price: Decimal | None = None
    last_entry_at: datetime | None = None
    entries: int = 0

    @property
    def is_long(self) -> bool:
        return self.quantity > 0


FLAT = PositionView()

# Action codes of ``Strategy.signals``: one int8 per candle.
HOLD_CODE, BUY_CODE, SELL_CODE = 0, 1, -1
CODE_ACTIONS = {HOLD_CODE: Action.HOLD, BUY_CODE: Action.BUY, SELL_CODE: Action.SELL}


@dataclass(frozen=True)
class ParamSpec:
    """One strategy parameter: its type, default, inclusive bounds and help text.

    ``kind`` is ``int``, ``float`` or ``str``; a ``str`` parameter takes one of ``choices``.
    """

    name: str
    kind: type
    default: ParamValue
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""
    label: str = ""
    choices: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """The name people read in messages and forms."""
        return self.label or self.name.replace("_", " ")

    def coerce(self, value: object) -> ParamValue:
        """Return ``value`` as this parameter's type within bounds; None means the default."""
        if value is None:
            return self.default
        if self.kind is str:
            text = str(value).strip().lower()
            if text not in self.choices:
                raise ConfigError(f"{self.title} {value!r} must be one of {', '.join(self.choices)}")
            return text
        number = _as_number(value)
        if number is None:
            kind = "whole number" if self.kind is int else "number"
            raise ConfigError(f"{self.title} {value!r} is not a {kind}; write e.g. {self.default}")
        if self.kind is int:
            if number != number.to_integral_value():
                raise ConfigError(f"{self.title} {value!r} is not a whole number; write e.g. {self.default}")
            result: ParamValue = int(number)
        else:
            result = float(number)
        low = -math.inf if self.minimum is None else self.minimum
        high = math.inf if self.maximum is None else self.maximum
        if not low <= result <= high:
            raise ConfigError(
                f"{self.title} {result:g} must be between {low:g} and {high:g}; e.g. {self.default}"
            )
        return result


def _as_number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
    else:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class Strategy:
    """Base of the strategies: validation and the not-enough-candles guard.

    Subclasses set ``name``, ``title``, ``params`` and implement ``min_candles`` and
    ``decide``; they may add cross-parameter checks in ``check``.
    """

    name: str = ""
    title: str = ""
    description: str = ""
    params: tuple[ParamSpec, ...] = ()

    def min_candles(self, params: Mapping[str, ParamValue]) -> int:
        """Return how many closed candles a signal needs."""
        raise NotImplementedError

    def validate(self, raw: Mapping[str, object] | None = None) -> dict[str, ParamValue]:
        """Return complete, typed parameters from ``raw``; raise ConfigError saying the fix."""
        raw = dict(raw or {})
        allowed = [spec.name for spec in self.params]
        unknown = sorted(str(key) for key in raw if key not in allowed)
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise ConfigError(
                f"unknown parameter {names} for {self.name}; use {', '.join(allowed)}"
            )
        values = {spec.name: spec.coerce(raw.get(spec.name)) for spec in self.params}
        self.check(values)
        return values

    def check(self, values: dict[str, ParamValue]) -> None:
        """Raise ConfigError when parameters that are fine alone don't fit together."""

    def signal(
        self,
        candles: pd.DataFrame,
        params: Mapping[str, ParamValue],
        position: PositionView,
        now: datetime,
    ) -> Signal:
        """Return the action for the last closed candle in ``candles`` (oldest first)."""
        need = self.min_candles(params)
        if len(candles) < need:
            return Signal(Action.HOLD, f"waiting for {need} closed candles, have {len(candles)}")
        return self.decide(candles, params, position, now)

    def decide(
        self,
        candles: pd.DataFrame,
        params: Mapping[str, ParamValue],
        position: PositionView,
        now: datetime,
    ) -> Signal:
        """Return the action once there are enough candles; subclasses implement it."""
        raise NotImplementedError

    # A SELL that only closes a long (never opens a short), like Bollinger's middle-band exit.
    sell_closes_only: bool = False
    # The strategy times entries from the position's last one, on candle time (DCA's interval).
    timed_entries: bool = False

    def with_bot(self, params: Mapping[str, ParamValue], take_profit_pct: Decimal | None) -> dict:
        """The validated ``params`` with what the strategy reads of the bot's own settings."""
        return dict(params)

    def signals(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> np.ndarray:
        """Return one action code per candle (``BUY_CODE``, ``SELL_CODE``, ``HOLD_CODE``) over the frame.

        Code ``i`` is what ``decide`` answers on the candles up to row ``i``; rows before
        ``min_candles`` hold. Strategies that depend on the position (DCA) answer HOLD here and
        are driven by the position instead.
        """
        codes = self.raw_signals(candles, params)
        codes[: max(0, self.min_candles(params) - 1)] = HOLD_CODE
        return codes

    def raw_signals(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> np.ndarray:
        """Return the codes of ``signals`` before the not-enough-candles guard; subclasses implement it."""
        return np.zeros(len(candles), dtype=np.int8)

    # Names among ``indicators()`` drawn in a pane of their own under the price (oscillators).
    lower_pane: tuple[str, ...] = ()

    def indicators(self, candles: pd.DataFrame, params: Mapping[str, ParamValue]) -> dict[str, pd.Series]:
        """Return the lines this strategy decides from, one value per candle row, for the price chart."""
        return {}

    def __repr__(self) -> str:
        return f"<strategy {self.name}>"


def closes(candles: pd.DataFrame) -> pd.Series:
    """Return the close column as floats with a plain integer index."""
    return candles["close"].astype("float64").reset_index(drop=True)


def crossing_codes(buy: np.ndarray, sell: np.ndarray) -> np.ndarray:
    """Return int8 codes: BUY where ``buy``, else SELL where ``sell``, else HOLD."""
    return np.where(buy, BUY_CODE, np.where(sell, SELL_CODE, HOLD_CODE)).astype(np.int8)


def crosses_above(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return, per row, whether ``a`` moved from at-or-below ``b`` to above it (False on NaN)."""
    out = np.zeros(len(a), dtype=bool)
    if len(a) > 1:
        with np.errstate(invalid="ignore"):
            out[1:] = (a[:-1] <= b[:-1]) & (a[1:] > b[1:])
    return out


def crosses_below(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return, per row, whether ``a`` moved from at-or-above ``b`` to below it (False on NaN)."""
    out = np.zeros(len(a), dtype=bool)
    if len(a) > 1:
        with np.errstate(invalid="ignore"):
            out[1:] = (a[:-1] >= b[:-1]) & (a[1:] < b[1:])
    return out


def price(value: float) -> str:
    """Format a price or indicator value for an event log line."""
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.8f}".rstrip("0").rstrip(".") or "0"


def as_utc(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
