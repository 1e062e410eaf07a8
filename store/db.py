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

Faults of the file or its disk (damaged or truncated file, disk full, read-only folder) come
out of :func:`writer` and :func:`reader` as a :class:`~core.errors.StoreError` whose message says
what happened and what to do (:func:`store_error`), never as a raw DuckDB exception.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import threading
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
    # «different configuration than existing connections»: this process holds the file the
    # other way (a write of one UI session while another reads): wait for it like for a lock
    return ("lock" in text or "conflicting" in text or "being used" in text
            or "different configuration" in text)


# DuckDB exceptions that mean the file or its disk is at fault (not a bug in a query).
FILE_FAULTS: tuple[type[Exception], ...] = (
    duckdb.IOException, duckdb.InternalException, duckdb.SerializationException,
    duckdb.FatalException, OSError,
)
_DAMAGED = ("not a valid duckdb database", "corrupt", "checksum", "could not read enough bytes",
            "failed to read", "block", "serializ", "internal error", "invalid unicode", "magic bytes")


_DISK_WORDS = ("corrupt", "no space left", "disk full", "could not write file", "read-only file system")


def is_file_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is a fault of the file or its disk (DuckDB raises a damaged block as
    its base ``duckdb.Error``), as opposed to a wrong query or a constraint."""
    if isinstance(exc, StoreError):
        return False
    text = str(exc).lower()
    # a full disk at commit reaches us as a TransactionException «Failed to commit: Could not
    # write file …wal: No space left on device»
    return isinstance(exc, FILE_FAULTS) or type(exc) is duckdb.Error or (
        isinstance(exc, duckdb.Error) and any(w in text for w in _DISK_WORDS))


def store_error(path: Path, exc: BaseException) -> StoreError:
    """A fault of the database file or its disk, in words: what happened and what to do."""
    text = str(exc).lower()
    first_line = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT) or "no space left" in text or "disk full" in text:
        return StoreError(
            f"The disk holding the callqa database {path} is full; the last change was not saved. "
            f"Free some space (`df -h {path.parent}`) and run the command again.")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "read-only file system" in text \
            or "permission denied" in text:
        return StoreError(
            f"The callqa database {path} (or its folder) cannot be written by this user: "
            f"{first_line}. Make {path.parent} writable for the callqa user (or remount it "
            "read-write), or set CALLQA_HOME / CALLQA_DB to a writable place.")
    if path.exists() and path.stat().st_size == 0:
        return StoreError(
            f"The callqa database {path} is an empty (0-byte) file, probably cut off by a full disk "
            "or a copy that failed. Restore the latest backup (`callqa restore FILE`), or move the "
            "empty file away to start a new database.")
    if any(word in text for word in _DAMAGED):
        return StoreError(
            f"The callqa database {path} is damaged ({first_line}). Stop the UI and the timers, "
            "keep the damaged file for inspection, and restore the latest backup: "
            "`callqa restore FILE` (backups are made by `callqa backup DIR`, nightly by "
            "deploy/callqa-backup.timer).")
    return StoreError(f"The callqa database {path} cannot be used: {first_line}. Check the disk "
                      "and the file, then run again.")


def _connect_retrying(path: Path, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not isinstance(exc, (duckdb.IOException, duckdb.ConnectionException)) or not _is_lock_error(exc):
                raise store_error(path, exc) from exc
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
    with writer_lock(path, timeout_s):
        con = _connect_retrying(path, read_only=False, deadline=deadline)
        try:
            with _faults_in_words(path):
                _ensure_migrated(con, path)
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    _rollback(con)
                    raise
                con.execute("COMMIT")
        finally:
            _close(con)


@contextmanager
def _faults_in_words(path: Path) -> Iterator[None]:
    """A fault of the database file (damaged, full disk, read-only) as a StoreError that says
    what happened and what to do; any other error unchanged."""
    try:
        yield
    except Exception as exc:
        if is_file_fault(exc):
            raise store_error(path, exc) from exc
        raise


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:  # the connection is already unusable (a damaged file, a full disk)
        log.debug("rollback failed", exc_info=True)


def _close(con) -> None:
    try:
        con.close()
    except duckdb.Error:
        log.debug("close failed", exc_info=True)


@contextmanager
def writer_lock(db_path: str | os.PathLike, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """The cross-process writer lock alone: while it is held no callqa process writes the file
    (readers may still read it), so a byte copy of it is consistent (:mod:`store.backup`)."""
    path = Path(db_path)
    lock = FileLock(str(lock_path(path)))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout as exc:
        raise StoreBusyError(
            f"Another callqa process has been writing to {path} for more than {timeout_s:.0f} s. "
            "Wait for it to finish (see `callqa status`) and try again."
        ) from exc
    except OSError as exc:  # the lock file cannot be created: read-only folder, full disk
        raise store_error(path, exc) from exc
    try:
        yield
    finally:
        lock.release()


@contextmanager
def reader(db_path: str | os.PathLike, timeout_s: float = DEFAULT_TIMEOUT_S, threads: int | None = None,
           close_in_background: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection, retried while a writer holds the file.

    ``threads`` caps DuckDB's threads while it is open (a caller running several queries at
    once on its cursors gives each one thread: less merging of per-thread hash tables).
    ``close_in_background`` returns without waiting for the close (~70 ms on a 20 GB store;
    it releases the GIL and a writer retries until it is done)."""
    path = Path(db_path)
    if not path.exists():
        init(path)
    con = _connect_retrying(path, read_only=True, deadline=time.monotonic() + timeout_s)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        yield con
    except Exception as exc:
        if is_file_fault(exc):
            raise store_error(path, exc) from exc
        raise
    finally:
        if close_in_background:
            threading.Thread(target=_release, args=(con, bool(threads)), name=_CLOSING).start()
        else:
            _release(con, bool(threads))


def wait_closed() -> None:
    """Wait for the connections :func:`reader` is closing in the background (a benchmark's
    next run must open the file afresh, as a page view some seconds later does)."""
    for thread in threading.enumerate():
        if thread.name == _CLOSING and thread is not threading.current_thread():
            thread.join()


_CLOSING = "callqa-reader-close"


def _release(con, reset_threads: bool) -> None:
    """Close ``con``; other connections of this process may share its database instance, so
    a thread cap goes back to the default first."""
    if reset_threads:
        try:
            con.execute("RESET threads")
        except duckdb.Error:
            log.debug("reset threads failed", exc_info=True)
    _close(con)


def version(db_path: str | os.PathLike) -> tuple[int, ...]:
    """A value that changes with every write to the store: inode, size and modification time
    of the file and of its write-ahead log (a commit grows the log, the checkpoint at close
    rewrites the file; a restored copy is another inode). Costs two ``stat`` calls and no
    connection, so the UI can key cached read results on it: an equal version means the
    same data."""
    parts: list[int] = []
    for name in (str(db_path), str(db_path) + ".wal"):
        try:
            info = os.stat(name)
        except FileNotFoundError:
            parts += [0, 0, 0]
        else:
            parts += [info.st_ino, info.st_size, info.st_mtime_ns]
    return tuple(parts)


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


def forget_migrated(db_path: str | os.PathLike) -> None:
    """Check migrations again on the next write (the file was replaced, e.g. by a restore)."""
    _migrated.discard(str(Path(db_path).resolve()))
