"""The store's connection rules: migrations, one-transaction writes, concurrent processes."""

import multiprocessing as mp
import time

import pytest

from core.errors import StoreBusyError
from core.types import Call, CallMeta, Segment, Transcript
from store import db, writes


def _call(call_id: str, n_segments: int = 3) -> Call:
    segs = tuple(
        Segment(i, "manager" if i % 2 == 0 else "client", i * 2.0, i * 2.0 + 1.5, f"фраза {i}")
        for i in range(n_segments)
    )
    return Call(call_id, CallMeta(), Transcript(segs), 10.0, 2, "import")


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "c.duckdb"
    db.init(path)
    db._migrated.clear()  # a new process would check again
    db.init(path)
    rows = db.query_rows(path, "SELECT version, name FROM schema_migrations")
    assert rows == [(1, "001_initial.sql")]


def test_write_is_one_transaction(tmp_path):
    path = tmp_path / "c.duckdb"
    with pytest.raises(RuntimeError), db.writer(path) as con:
        writes.write_call(con, _call("a"))
        raise RuntimeError("crash in the middle")
    assert db.query_rows(path, "SELECT count(*) FROM calls")[0][0] == 0
    assert db.query_rows(path, "SELECT count(*) FROM segments")[0][0] == 0


def test_rewriting_a_call_replaces_it_whole(tmp_path):
    path = tmp_path / "c.duckdb"
    with db.writer(path) as con:
        writes.write_call(con, _call("a", 5))
    with db.writer(path) as con:
        writes.write_call(con, _call("a", 2))
    assert db.query_rows(path, "SELECT count(*) FROM calls")[0][0] == 1
    assert db.query_rows(path, "SELECT count(*) FROM segments")[0][0] == 2


def test_busy_store_raises_clear_error(tmp_path):
    path = tmp_path / "c.duckdb"
    db.init(path)
    lock = db.FileLock(str(db.lock_path(path)))
    lock.acquire()
    try:
        with pytest.raises(StoreBusyError, match="try again"), db.writer(path, timeout_s=0.3):
            pass
    finally:
        lock.release()


def _writer_proc(path, seconds, out):
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with db.writer(path) as con:
            writes.write_call(con, _call(f"w{n}"))
        n += 1
    out.put(n)


def _reader_proc(path, seconds, out):
    reads, errors = 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            db.query_rows(path, "SELECT count(*) FROM calls")
            reads += 1
        except Exception:  # any error reaching the user is a failure of the store rules
            errors += 1
    out.put((reads, errors))


def test_writer_and_reader_processes_share_the_file_for_20s(tmp_path):
    path = tmp_path / "c.duckdb"
    db.init(path)
    ctx = mp.get_context("spawn")
    q_w, q_r = ctx.Queue(), ctx.Queue()
    pw = ctx.Process(target=_writer_proc, args=(path, 20, q_w))
    pr = ctx.Process(target=_reader_proc, args=(path, 20, q_r))
    pw.start()
    pr.start()
    written = q_w.get(timeout=120)
    reads, errors = q_r.get(timeout=120)
    pw.join()
    pr.join()
    assert errors == 0
    assert reads > 0 and written > 0
    assert db.query_rows(path, "SELECT count(*) FROM calls")[0][0] == written
