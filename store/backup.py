"""Backups of the DuckDB file: ``callqa backup DIR`` and ``callqa restore FILE``.

A backup is a byte copy of the database file taken while holding the writer lock of
:mod:`store.db`: no callqa process writes while the lock is held (every write goes through
:func:`store.db.writer`), and readers — the UI — only read, so the copy is one consistent state
even while the UI runs. Each write closes its connection, which checkpoints the file, so there
is normally no ``.wal`` beside it; one left by a killed writer is copied with the file. The copy
is opened before it is kept, so a damaged database is reported instead of backed up. Backup
files are written 0600: they hold every transcript.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from core.errors import StoreError
from store import db

PathLike = str | os.PathLike
PREFIX = "callqa-"


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    rows: dict[str, int]  # table → row count, as found in the copy
    removed: tuple[Path, ...] = ()  # older backups pruned past ``keep``


def table_counts(db_path: PathLike) -> dict[str, int]:
    """Row count of every table of a callqa database file (opened read-only)."""
    path = Path(db_path)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise db.store_error(path, exc) from exc
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        if "schema_migrations" not in tables:
            raise StoreError(f"{path} is a DuckDB file but not a callqa database (no schema_migrations).")
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    except duckdb.Error as exc:
        raise db.store_error(path, exc) from exc
    finally:
        con.close()


def backup(db_path: PathLike, folder: PathLike, keep: int | None = None) -> BackupResult:
    """Copy the database into ``folder`` as ``callqa-YYYYmmdd-HHMMSS.duckdb``; keep the newest
    ``keep`` backups there (None: all)."""
    src, folder = Path(db_path), Path(folder)
    if not src.exists():
        raise StoreError(f"There is no callqa database at {src} to back up (see `callqa config show`).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the backup folder {folder}: {exc.strerror}.") from exc
    target = folder / f"{PREFIX}{datetime.now():%Y%m%d-%H%M%S}.duckdb"
    tmp = folder / f".{target.name}.{os.getpid()}.tmp"
    try:
        with db.writer_lock(src):
            _copy(src, tmp)
            wal = Path(str(src) + ".wal")
            if wal.exists():
                _copy(wal, Path(str(tmp) + ".wal"))
        if Path(str(tmp) + ".wal").exists():
            _checkpoint(tmp)  # fold the copied .wal into the copy: the backup is one file
        rows = table_counts(tmp)  # proves the copy opens
        os.replace(tmp, target)
    except OSError as exc:
        raise db.store_error(folder / target.name, exc) from exc
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
    return BackupResult(target, rows, _prune(folder, keep))


def restore(backup_file: PathLike, db_path: PathLike) -> tuple[dict[str, int], Path | None]:
    """Replace the database with ``backup_file``; the current file is kept beside it as
    ``<name>.before-restore-<time>``. Returns the restored row counts and that kept file. The
    caller makes sure no batch run is active (the writer lock only keeps out writes)."""
    src, dest = Path(backup_file), Path(db_path)
    rows = table_counts(src)  # a damaged or foreign file is refused before anything moves
    kept = None
    dest.parent.mkdir(parents=True, exist_ok=True)
    with db.writer_lock(dest):
        tmp = dest.with_name(f".{dest.name}.restore.tmp")
        try:
            _copy(src, tmp)
            if dest.exists():
                kept = dest.with_name(f"{dest.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
                os.replace(dest, kept)
            Path(str(dest) + ".wal").unlink(missing_ok=True)  # it belongs to the replaced file
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise db.store_error(dest, exc) from exc
    db.forget_migrated(dest)  # an older backup may lack later migrations
    return rows, kept


def _checkpoint(path: Path) -> None:
    try:
        con = duckdb.connect(str(path))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except duckdb.Error as exc:
        raise db.store_error(path, exc) from exc


def _copy(src: Path, dest: Path) -> None:
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
        shutil.copyfileobj(inp, out, 8 * 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())


def _prune(folder: Path, keep: int | None) -> tuple[Path, ...]:
    if keep is None:
        return ()
    backups = sorted(folder.glob(f"{PREFIX}*.duckdb"))
    old = backups[: max(0, len(backups) - keep)]
    for path in old:
        path.unlink()
    return tuple(old)
