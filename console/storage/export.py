"""Export of the selected trades, every column at full precision, oldest first."""
from __future__ import annotations

import io
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

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

    Accepts a path, a binary buffer (``io.BytesIO``) or a text buffer (``io.StringIO``).
    """
    table = trades_table(cur, filters)
    out = io.BytesIO()
    pa_csv.write_csv(table, out)
    data = out.getvalue()
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).write_bytes(data)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(data.decode())
    else:
        path_or_buffer.write(data)
    return table.num_rows


def to_parquet(cur: Cursor, filters: Filters, path: Path | str | IO[bytes]) -> int:
    """Write the selected trades as Parquet; return the number of trades written."""
    table = trades_table(cur, filters)
    pq.write_table(table, path)
    return table.num_rows
