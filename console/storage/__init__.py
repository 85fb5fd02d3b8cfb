"""DuckDB storage: the schema and its migrations (``schema``), the connection (``db``),
one repository module per table, the analytics SQL and the trade export."""
