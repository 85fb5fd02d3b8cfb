"""Export of the selected trades, every column at full precision, oldest first."""
from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from console import fmt
from console.storage.db import Cursor
from console.storage.filters import Filters

_COLUMNS = (
    "id, ts, bot_id, account, venue, market, symbol, side, order_type, price, quantity, quote_quantity, "
    "commission, commission_asset, commission_quote, pnl, realized_pnl, exchange_order_id, client_order_id"
)


def trades_table(cur: Cursor, filters: Filters) -> pa.Table:
    """The selected trades as an Arrow table (money as decimal128(38, 18), ts naive UTC)."""
    where, params = filters.where()
    return cur.sql(f"SELECT {_COLUMNS} FROM trades WHERE {where} ORDER BY ts, id", params=params).to_arrow_table()


def to_csv(cur: Cursor, filters: Filters, path_or_buffer: Path | str | IO[str] | IO[bytes]) -> int:
    """Write the selected trades as CSV with a header; return the number of trades written.

    Beside ``bot_id`` stands the bot's name (blank for a trade by hand); ``ts`` is UTC written
    ``2026-12-02T10:00:00.123456Z``; numbers are plain decimals at full precision, without exponent or
    trailing zeros (``9382.5``, ``0``). Accepts a path, a binary buffer (``io.BytesIO``) or a text
    buffer (``io.StringIO``).
    """
    table = trades_table(cur, filters).to_pandas()
    table.insert(3, "bot", bot_names(cur, table["bot_id"]))
    table["bot_id"] = ["" if pd.isna(b) else str(int(b)) for b in table["bot_id"]]
    table["ts"] = [f"{ts:%Y-%m-%dT%H:%M:%S.%f}Z" for ts in table["ts"]]
    for name in table.columns:
        if any(isinstance(v, Decimal) for v in table[name]):
            table[name] = [fmt.plain(v) for v in table[name]]
    data = table.to_csv(index=False, lineterminator="\n").encode()
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).write_bytes(data)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(data.decode())
    else:
        path_or_buffer.write(data)
    return len(table)


def bot_names(cur: Cursor, ids: Iterable[object]) -> list[str]:
    """The name of each bot id in ``ids``: '' for none (a trade by hand), ``bot 7 (deleted)`` for a
    deleted bot."""
    names = dict(cur.execute("SELECT id, name FROM bots").fetchall())
    out = []
    for bot_id in ids:
        if bot_id is None or pd.isna(bot_id) or int(bot_id) == 0:  # type: ignore[call-overload]
            out.append("")
        else:
            out.append(names.get(int(bot_id), f"bot {int(bot_id)} (deleted)"))  # type: ignore[call-overload]
    return out


def to_parquet(cur: Cursor, filters: Filters, path: Path | str | IO[bytes]) -> int:
    """Write the selected trades as Parquet; return the number of trades written."""
    table = trades_table(cur, filters)
    pq.write_table(table, path)
    return table.num_rows
