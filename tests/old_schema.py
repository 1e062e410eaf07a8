"""A store as an older callqa left it: the migrations up to a schema version, applied by hand."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb


def store_at_schema(path: Path, version: int) -> duckdb.DuckDBPyConnection:
    """A fresh DuckDB file at ``path`` with migrations 001…``version`` applied and recorded;
    returns the open connection (the caller adds rows and closes it)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    for entry in sorted(resources.files("store.migrations").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql") and int(entry.name[:3]) <= version:
            con.execute(entry.read_text("utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [int(entry.name[:3]), entry.name])
    return con
