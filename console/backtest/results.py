"""What a backtest produces: its fills, round trips, rejected signals and equity."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import numpy as np

from console.domain import BotConfig

ZERO = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class Fill:
    """One order's execution."""

    index: int
    ts: int  # epoch ms
    side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_asset: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Trade:
    """One round trip: an entry (DCA: several) and the exit that flattened it."""

    direction: str  # long / short
    entry_index: int
    exit_index: int
    entry_ts: int
    exit_ts: int
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    fees: Decimal  # in the quote asset
    funding: Decimal  # paid (negative: received)
    pnl: Decimal  # net of fees and funding
    exit_reason: str


@dataclass(frozen=True, kw_only=True)
class Rejection:
    index: int
    ts: int
    reason: str


@dataclass(kw_only=True)
class Run:
    """What a backtest produced; ``console.backtest.metrics`` turns it into figures."""

    config: BotConfig
    starting_balance: Decimal
    ts: np.ndarray  # candle open times, epoch ms
    close: np.ndarray
    equity: np.ndarray  # at each candle's close, in the quote asset
    exposed: np.ndarray  # bool: a position was open at the candle's close
    fills: list[Fill] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    fees_paid: Decimal = ZERO
    funding_paid: Decimal = ZERO
    final_equity: Decimal = ZERO


def utc(ms: int) -> datetime:
    """Return an epoch-ms time as a UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
