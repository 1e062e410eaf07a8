"""Issue 14, row 8: faults of the database file or its disk are answered in words, and
`callqa backup` / `callqa restore` bring every row back."""

from __future__ import annotations

import os
import stat
import threading

import duckdb
import pytest
from click.testing import CliRunner

from cli.main import main
from core.errors import StoreError
from store import backup, db
from tests.ui_data import build_store


def _cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture()
def filled(cfg):
    build_store(cfg.db_path, n_calls=6)
    return cfg.db_path


def _assert_worded(result, *phrases):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "_duckdb" not in result.output
    for phrase in phrases:
        assert phrase in result.output


def test_a_0_byte_database_says_it_is_empty_and_how_to_restore(cfg):
    cfg.home.mkdir(parents=True)
    cfg.db_path.write_bytes(b"")
    _assert_worded(_cli("status"), "is an empty (0-byte) file", "callqa restore FILE")


def test_a_database_cut_in_half_says_it_is_damaged(filled):
    with duckdb.connect(str(filled)) as con:  # enough rows that the second half holds data
        con.execute("CREATE TABLE filler AS SELECT i, repeat('x', 300) AS t FROM range(60000) r(i)")
    data = filled.read_bytes()
    filled.write_bytes(data[: len(data) // 2])
    db.forget_migrated(filled)
    with pytest.raises(StoreError, match="is damaged .*Could not read enough bytes.*restore the latest backup"):
        db.query_rows(filled, "SELECT max(t) FROM filler")


def test_a_database_with_broken_blocks_says_it_is_damaged(filled):
    data = bytearray(filled.read_bytes())
    for offset in range(12288, len(data), 4096):
        data[offset + 100: offset + 200] = b"\xa5" * 100
    filled.write_bytes(bytes(data))
    db.forget_migrated(filled)
    _assert_worded(_cli("status"), "is damaged", "callqa restore FILE")


@pytest.mark.parametrize("fault", [
    duckdb.IOException('Could not write file "x": No space left on device'),
    # what DuckDB really raises when the disk fills at commit (seen on a full tmpfs)
    duckdb.TransactionException('TransactionContext Error: Failed to commit: Could not write file '
                                '"/h/callqa.duckdb.wal": No space left on device'),
])
def test_a_full_disk_during_a_write_is_a_store_error_in_words(store, fault):
    with pytest.raises(StoreError, match="is full; the last change was not saved. Free some space"):
        with db.writer(store) as con:
            con.execute("SELECT 1")
            raise fault
    assert db.query_rows(store, "SELECT 1") == [(1,)]  # the transaction was rolled back cleanly


def test_a_read_only_home_is_a_store_error_in_words(cfg, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system", str(cfg.home))

    monkeypatch.setattr(os, "open", read_only)  # where FileLock creates its lock file
    with pytest.raises(StoreError, match="cannot be written by this user.*Make .* writable"):
        with db.writer(cfg.db_path):
            pass


def test_backup_while_reading_then_restore_finds_every_row(filled, tmp_path):
    before = backup.table_counts(filled)
    assert before["calls"] == 6 and before["segments"] > 0
    folder = tmp_path / "backups"
    stop = threading.Event()

    def ui_reader():  # the UI keeps reading while the backup is taken
        while not stop.is_set():
            db.query_rows(filled, "SELECT count(*) FROM calls")

    reader = threading.Thread(target=ui_reader)
    reader.start()
    try:
        result = _cli("backup", str(folder))
    finally:
        stop.set()
        reader.join()
    assert result.exit_code == 0, result.output
    [made] = folder.glob("callqa-*.duckdb")
    assert "6 calls" in result.output and str(made) in result.output
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    with db.writer(filled) as con:  # later changes the restore must undo
        con.execute("DELETE FROM segments")
    restored = _cli("restore", str(made), "--yes")
    assert restored.exit_code == 0, restored.output
    assert backup.table_counts(filled) == before
    assert "the previous database is kept as" in restored.output
    [kept] = filled.parent.glob("callqa.duckdb.before-restore-*")
    assert backup.table_counts(kept)["segments"] == 0


def test_restore_refuses_a_file_that_is_not_a_callqa_database(filled, tmp_path):
    before = backup.table_counts(filled)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database at all" * 100)
    _assert_worded(_cli("restore", str(junk), "--yes"), "is damaged")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    _assert_worded(_cli("restore", str(other), "--yes"), "not a callqa database")
    assert backup.table_counts(filled) == before


def test_backup_keeps_the_newest_n(filled, tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    for stamp in ("20260101-000000", "20260102-000000"):
        (folder / f"callqa-{stamp}.duckdb").write_bytes(b"old")
    result = _cli("backup", str(folder), "--keep", "2")
    assert result.exit_code == 0, result.output
    assert len(list(folder.glob("callqa-*.duckdb"))) == 2
    assert not (folder / "callqa-20260101-000000.duckdb").exists()


def test_a_reader_closing_in_background_lets_a_writer_in_and_resets_its_thread_cap(store):
    with db.reader(store) as con:
        default = con.execute("SELECT current_setting('threads')").fetchone()[0]
    with db.reader(store, threads=1, close_in_background=True) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
    # the writer retries while the close runs; then the file is free
    with db.writer(store, timeout_s=30) as con:
        con.execute("SELECT 1").fetchall()
    db.wait_closed()
    with db.reader(store) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == default
