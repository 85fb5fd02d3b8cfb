"""Half-open ranges ``[start, end)`` of epoch ms: what a month file covers, what is still missing."""
from __future__ import annotations

from collections.abc import Iterable

Range = tuple[int, int]


def union(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, merged ranges (touching ranges join)."""
    merged: list[list[int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def subtract(wanted: Iterable[Range], have: Iterable[Range]) -> list[Range]:
    """The parts of ``wanted`` not in ``have``."""
    have = union(have)
    missing: list[Range] = []
    for start, end in union(wanted):
        cursor = start
        for a, b in have:
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                missing.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end:
            missing.append((cursor, end))
    return missing


def clip(ranges: Iterable[Range], start: int, end: int) -> list[Range]:
    """The parts of ``ranges`` inside ``[start, end)``."""
    return [(max(a, start), min(b, end)) for a, b in union(ranges) if min(b, end) > max(a, start)]


def total(ranges: Iterable[Range]) -> int:
    return sum(b - a for a, b in union(ranges))
