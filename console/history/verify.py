"""Check stored month files: readable, rows in their month, sorted and unique, prices consistent."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from console.history.series import Kind, Series, month_bounds
from console.history.store import HistoryStore


def problems(store: HistoryStore, series: Series) -> list[str]:
    """What is wrong with the stored files of ``series`` (empty when every file is sound)."""
    found: list[str] = []
    for path in store.month_files(series):
        name = f"{series.label} {path.stem}"
        try:
            table = pq.read_table(path)
            info = store.info(series, path.stem)
        except (OSError, pa.ArrowException, ValueError) as e:
            found.append(f"{name}: unreadable ({e}); delete the series and download it again")
            continue
        ts = table.column("ts").to_numpy()
        lo, hi = month_bounds(path.stem)
        if len(ts) and (ts.min() < lo or ts.max() >= hi):
            found.append(f"{name}: rows outside the month")
        if len(ts) > 1 and not (np.diff(ts) > 0).all():
            found.append(f"{name}: rows not sorted or repeated")
        if info is not None and not info.coverage and len(ts):
            found.append(f"{name}: no record of what it covers; download the month again")
        if series.kind is Kind.KLINES and len(ts):
            high, low = (table.column(c).to_numpy(zero_copy_only=False) for c in ("high", "low"))
            opens, closes = (table.column(c).to_numpy(zero_copy_only=False) for c in ("open", "close"))
            if (high < np.maximum(opens, closes)).any() or (low > np.minimum(opens, closes)).any() or (low <= 0).any():
                found.append(f"{name}: a candle's high is not its highest price or its low not its lowest")
    return found
