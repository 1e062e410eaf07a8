"""The store's connection rules: migrations, one-transaction writes, concurrent processes."""

import multiprocessing as mp
import threading
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
    rows = db.query_rows(path, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] and rows[0][1] == "001_initial.sql"


def test_migration_002_copies_call_start_onto_existing_results(tmp_path):
    """A store made by the first release (schema 1, with scored calls) gets ``started_at`` on
    its result rows when a newer callqa opens it."""
    from importlib import resources

    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(resources.files("store.migrations").joinpath("001_initial.sql").read_text("utf-8"))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (1, '001_initial.sql')")
    con.execute("INSERT INTO calls (call_id, started_at, source) VALUES ('a', TIMESTAMP '2025-03-04 10:00', 'import')")
    con.execute("INSERT INTO call_scores (call_id, rubric_id, rubric_version) VALUES ('a', 'default', 'v1')")
    con.execute("INSERT INTO criterion_results (call_id, rubric_version, criterion_id, verdict)"
                " VALUES ('a', 'v1', 'greeting', 'pass')")
    con.execute("INSERT INTO objections (call_id, rubric_version, n, kind) VALUES ('a', 'v1', 0, 'price')")
    con.close()
    db.init(path)
    for table in ("call_scores", "criterion_results", "objections"):
        assert str(db.query_rows(path, f"SELECT started_at FROM {table}")[0][0]) == "2025-03-04 10:00:00"


def test_result_rows_follow_the_call_start(tmp_path):
    """Scores written with the call carry its start; a later rewrite with a corrected start
    (e.g. a CRM row arrived) moves every stored rubric version's rows along."""
    from datetime import datetime

    from core.types import CallMetrics, CallScore, CriterionResult

    path = tmp_path / "c.duckdb"

    def scored(started: datetime, version: str) -> Call:
        crit = CriterionResult("greeting", "pass", 1.0, 1.0)
        score = CallScore("default", version, 100.0, 1.0, 1.0, (crit,), (), CallMetrics())
        return Call("a", CallMeta(started_at=started), Transcript(()), 10.0, 2, "import", score=score)

    first, fixed = datetime(2025, 3, 4, 10, 0), datetime(2025, 3, 4, 9, 58)
    with db.writer(path) as con:
        writes.write_call(con, scored(first, "v1"))
        writes.write_score(con, "a", scored(first, "v2").score)
    assert db.query_rows(path, "SELECT DISTINCT started_at FROM criterion_results") == [(first,)]
    with db.writer(path) as con:
        writes.write_call(con, scored(fixed, "v2"))
    for table in ("call_scores", "criterion_results"):
        rows = db.query_rows(path, f"SELECT rubric_version, started_at FROM {table} ORDER BY 1")
        assert rows == [("v1", fixed), ("v2", fixed)]


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


def test_a_read_waits_for_a_write_of_the_same_process(tmp_path):
    """Two sessions of one UI process: DuckDB refuses a read-only connection while this
    process has the file open for writing; the read waits for the write instead of failing."""
    path = tmp_path / "c.duckdb"
    db.init(path)
    writing, release = threading.Event(), threading.Event()

    def write():
        with db.writer(path) as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
            writing.set()
            release.wait(30)

    writer = threading.Thread(target=write)
    writer.start()
    assert writing.wait(30)
    threading.Timer(0.3, release.set).start()  # the write ends while the read is retrying
    try:
        assert db.query_rows(path, "SELECT x FROM t") == [(1,)]
    finally:
        release.set()
        writer.join()


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


@pytest.mark.slow  # two processes for 20 s by design
def test_writer_and_reader_processes_share_the_file_for_20s(tmp_path, monkeypatch):
    import sys
    import types

    # spawned children re-run __main__; after an AppTest script ran in this process that is a
    # temporary Streamlit script, so give them a clean one (test order must not matter)
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
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
