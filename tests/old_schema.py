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


def add_two_scored_versions(con: duckdb.DuckDBPyConnection, t) -> None:
    """Calls a (scored by rubric versions v1 and v2, v2 current), b (v1 only) and c (no
    results), started an hour apart from ``t``, with a greeting verdict per scored version."""
    from datetime import timedelta

    con.execute("INSERT INTO rubric_versions (rubric_id, version, yaml, is_current) VALUES"
                " ('default', 'v1', '', FALSE), ('default', 'v2', '', TRUE)")
    con.execute("INSERT INTO calls (call_id, started_at, manager_id, source) VALUES ('a', ?, 'm1', 'import'),"
                " ('b', ?, 'm2', 'import'), ('c', ?, 'm2', 'import')", [t, t + timedelta(hours=1), t + timedelta(hours=2)])
    con.execute("INSERT INTO call_scores (call_id, rubric_id, rubric_version, started_at) VALUES"
                " ('a', 'default', 'v1', ?), ('a', 'default', 'v2', ?), ('b', 'default', 'v1', ?)",
                [t, t, t + timedelta(hours=1)])
    con.execute("INSERT INTO criterion_results (call_id, rubric_version, criterion_id, verdict, started_at) VALUES"
                " ('a', 'v1', 'greeting', 'pass', ?), ('a', 'v2', 'greeting', 'fail', ?),"
                " ('b', 'v1', 'greeting', 'pass', ?)", [t, t, t + timedelta(hours=1)])
