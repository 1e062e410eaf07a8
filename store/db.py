"""DuckDB connection rules.

DuckDB lets only one process open a file read-write, and while it does no other process can
open the file at all (not even read-only). So every connection is short:

* writes go through :func:`writer`: a file lock (``filelock``) serialises writers across
  processes, then ``duckdb.connect`` + one transaction + close; lock errors from a reader that
  happens to hold the file are retried with backoff;
* reads go through :func:`reader` / :func:`query_df`: a read-only connection, retried with
  backoff while a writer holds the file;
* after ``timeout_s`` a :class:`~core.errors.StoreBusyError` says who to wait for.

Nobody keeps a connection open (the UI included): open, do the work, close.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from core.errors import StoreBusyError, StoreError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
_migrated: set[str] = set()


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "being used" in text


def _connect_retrying(path: Path, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc):
                raise StoreError(
                    f"Cannot open the callqa database {path}: {exc}. Check that the folder "
                    "exists and is writable by this user, or point CALLQA_DB elsewhere."
                ) from exc
            if time.monotonic() > deadline:
                raise StoreBusyError(
                    f"The callqa database {path} stayed locked by another process for too "
                    "long. A batch run or another UI write is holding it; try again in a "
                    "minute, or check `callqa status` for a stuck run."
                ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.6, 0.5)


def lock_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".lock")


@contextmanager
def writer(db_path: str | os.PathLike, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction: file lock + short connection + BEGIN/COMMIT + close."""
    path = Path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder for the callqa database {path}: {exc.strerror}. "
            "Set CALLQA_HOME / CALLQA_DB to a writable place."
        ) from exc
    deadline = time.monotonic() + timeout_s
    lock = FileLock(str(lock_path(path)))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout as exc:
        raise StoreBusyError(
            f"Another callqa process has been writing to {path} for more than {timeout_s:.0f} s. "
            "Wait for it to finish (see `callqa status`) and try again."
        ) from exc
    try:
        con = _connect_retrying(path, read_only=False, deadline=deadline)
        try:
            _ensure_migrated(con, path)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()
    finally:
        lock.release()


@contextmanager
def reader(db_path: str | os.PathLike, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection, retried while a writer holds the file."""
    path = Path(db_path)
    if not path.exists():
        init(path)
    con = _connect_retrying(path, read_only=True, deadline=time.monotonic() + timeout_s)
    try:
        yield con
    finally:
        con.close()


def query_df(db_path: str | os.PathLike, sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    """Run one read query and return a DataFrame (the store → UI edge)."""
    with reader(db_path) as con:
        return con.execute(sql, params or []).df()


def query_rows(db_path: str | os.PathLike, sql: str, params: list | tuple | None = None) -> list[tuple]:
    with reader(db_path) as con:
        return con.execute(sql, params or []).fetchall()


def init(db_path: str | os.PathLike) -> None:
    """Create the database file and apply pending migrations."""
    with writer(db_path):
        pass


# --- migrations -------------------------------------------------------------------------

def _migration_files() -> list[tuple[int, str, str]]:
    out = []
    for entry in resources.files("store.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            out.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def _ensure_migrated(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    key = str(path.resolve())
    if key in _migrated:
        return
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, sql in _migration_files():
        if version in applied:
            continue
        log.info("applying migration %s to %s", name, path)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    _migrated.add(key)


def schema_version(db_path: str | os.PathLike) -> int:
    rows = query_rows(db_path, "SELECT max(version) FROM schema_migrations")
    return int(rows[0][0] or 0)
