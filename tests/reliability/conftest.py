"""Shared pieces of the reliability campaigns: a movable clock, fault counting, figures and comparisons.

Every campaign prints its measured figures and merges them into ``benchmarks/out/reliability.json``
(git-ignored), from which ``benchmarks/out/reliability.md`` is rewritten as a table.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from console.clock import ManualClock
from console.paper.faults import Fault, Faults

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "benchmarks" / "out"


Clock = ManualClock


class CountingFaults(Faults):
    """The paper exchange's faults, counting how many of each kind were applied."""

    def __init__(self) -> None:
        super().__init__()
        self.applied: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def take(self, method: str, path: str) -> Fault | None:
        fault = super().take(method, path)
        if fault is not None:
            with self._count_lock:
                self.applied[f"{method} {path} {fault.kind}"] += 1
        return fault


class SleepLog:
    """An injected sleep that returns at once and adds up what it was asked to wait; given a
    ``clock``, it moves that clock on by the wait (so a limiter waiting on it sees its window pass)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.calls = 0
        self.seconds = 0.0
        self._clock = clock
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.calls += 1
            self.seconds += seconds
        if self._clock is not None:
            self._clock.sleep(seconds)


class SkippedTime:
    """Real time plus every wait asked for: a limiter on this clock counts its windows but never blocks."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def clock(self) -> float:
        return time.time() + self.skipped

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.calls += 1
            self.skipped += max(0.0, seconds)


def fills_by_order(trades: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Exchange fills (myTrades / userTrades JSON) summed per exchange order id."""
    out: dict[str, Decimal] = {}
    for t in trades:
        key = str(t["orderId"])
        out[key] = out.get(key, Decimal(0)) + Decimal(str(t["qty"]))
    return out


def recorded_by_order(cur, market: str) -> tuple[dict[str, Decimal], int]:
    """DuckDB trades of ``market`` per exchange order id, and how many rows shared an id with another."""
    rows = cur.execute("SELECT exchange_order_id, quantity FROM trades WHERE market = ?", [market]).fetchall()
    out: dict[str, Decimal] = {}
    doubled = 0
    for order_id, quantity in rows:
        if order_id in out:
            doubled += 1
        out[order_id] = out.get(order_id, Decimal(0)) + Decimal(str(quantity))
    return out, doubled


def compare_fills(exchange: dict[str, Decimal], recorded: dict[str, Decimal]) -> dict[str, int]:
    """Count fills lost (at the exchange, not recorded), extra (recorded, not at the exchange) and unequal."""
    return {
        "lost": sum(1 for k in exchange if k not in recorded),
        "extra": sum(1 for k in recorded if k not in exchange),
        "quantity_mismatch": sum(1 for k in exchange if k in recorded and recorded[k] != exchange[k]),
    }


def save_figures(campaign: str, figures: dict[str, Any]) -> None:
    """Print the campaign's figures and merge them into benchmarks/out/reliability.{json,md}."""
    print(f"\n[{campaign}]")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "reliability.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[campaign] = figures
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    lines = ["| campaign | figure | value |", "|---|---|---|"]
    for name, values in data.items():
        for key, value in values.items():
            lines.append(f"| {name} | {key} | {value} |")
    (OUT / "reliability.md").write_text("\n".join(lines) + "\n")
