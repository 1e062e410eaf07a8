"""DuckDB store: short connections, numbered migrations, write functions, named read queries."""

from store.db import init, query_df, query_rows, reader, writer
from store.writes import write_call, write_score

__all__ = ["init", "query_df", "query_rows", "reader", "writer", "write_call", "write_score"]
