"""Rollups of each call's current score and the call's start and manager on review rows
(store/rollups.py, migration 010): kept by the writer exactly as a rebuild makes them."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources

import pytest

from core.types import (
    Call,
    CallMeta,
    CallMetrics,
    CallScore,
    CriterionResult,
    ObjectionResult,
    Transcript,
)
from store import db, review, rollups, writes
from store.review_history import replace_review_history
from tests.old_schema import add_two_scored_versions, store_at_schema
from tests.owner_data import MON
from tests.ui_data import user

ROLLUP_SQL = {
    "current_scores": "SELECT call_id, started_at, manager_id, rubric_version, rubric_id, score_pct, points, "
                      "max_points, fatal_failed, applicable, uncertain FROM current_scores ORDER BY ALL",
    "current_verdicts": "SELECT call_id, started_at, manager_id, rubric_version, criterion_id, verdict "
                        "FROM current_verdicts ORDER BY ALL",
    "current_objections": "SELECT call_id, started_at, manager_id, rubric_version, n, kind, segment_idx, handling "
                          "FROM current_objections ORDER BY ALL",
    "review_days": "SELECT * FROM review_days ORDER BY ALL",
    "call_verdicts": "SELECT * FROM call_verdicts ORDER BY ALL",
    "criterion_positions": "SELECT * FROM criterion_positions ORDER BY ALL",
    "verdict_letters": "SELECT * FROM verdict_letters ORDER BY ALL",
}


def rollup_rows(con) -> dict[str, list[tuple]]:
    return {name: con.execute(sql).fetchall() for name, sql in ROLLUP_SQL.items()}


def assert_as_rebuilt(path) -> dict[str, list[tuple]]:
    """The rollups the writer kept are what a rebuild from the result tables makes."""
    with db.writer(path) as con:
        kept = rollup_rows(con)
        rollups.rebuild(con)
        assert rollup_rows(con) == kept
    return kept


def score(version: str, verdicts: dict[str, str], objections=()) -> CallScore:
    criteria = tuple(CriterionResult(c, v, 1.0 if v == "pass" else 0.0, 1.0) for c, v in verdicts.items())
    found = tuple(ObjectionResult(kind, seg, 0.0, "", handling) for kind, seg, handling in objections)
    return CallScore("default", version, 50.0, 1.0, 2.0, criteria, found, CallMetrics())


def call(call_id: str, started: datetime, manager: str | None, scored: CallScore | None = None):
    return Call(call_id, CallMeta(started_at=started), Transcript(()), 60.0, 2, "import",
                manager_id=manager, score=scored)


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "callqa.duckdb"
    with db.writer(path) as con:
        writes.register_rubric_version(con, "default", "v1", "rubric: 1")
    return path


def test_the_writer_keeps_the_rollups_of_current_scores(path):
    """New calls, a second version (current only once registered), a bulk re-score, and a call
    whose start and manager change later: after each write the rollups hold exactly the rows of
    each call's current score, with the call's start and manager."""
    t1, t2 = MON + timedelta(hours=9), MON + timedelta(hours=10)
    with db.writer(path) as con:
        writes.write_call(con, call("a", t1, "m1", score("v1", {"greeting": "pass", "summary": "fail"},
                                                          [("price", 3, "discount")])))
        writes.write_call(con, call("b", t2, "m2", score("v1", {"greeting": "fail"})))
        writes.write_call(con, call("c", t2, "m2"))  # not scored: no rows
    kept = assert_as_rebuilt(path)
    assert kept["current_verdicts"] == [("a", t1, "m1", "v1", "greeting", "pass"), ("a", t1, "m1", "v1", "summary", "fail"),
                                        ("b", t2, "m2", "v1", "greeting", "fail")]
    assert kept["current_objections"] == [("a", t1, "m1", "v1", 0, "price", 3, "discount")]
    # one row per call, scored or not: the letters of its verdicts by criterion position
    assert kept["criterion_positions"] == [("greeting", 1), ("summary", 2)]
    assert kept["call_verdicts"] == [("a", t1, "m1", "pf"), ("b", t2, "m2", "f"), ("c", t2, "m2", None)]

    with db.writer(path) as con:  # v2 is stored but v1 stays current
        writes.write_score(con, "a", score("v2", {"greeting": "fail"}))
    assert {r[3] for r in assert_as_rebuilt(path)["current_verdicts"]} == {"v1"}

    with db.writer(path) as con:  # v2 becomes current: a falls to v2, b keeps its only score v1
        writes.register_rubric_versions(con, [("default", "v2", "rubric: 2")])
    kept = assert_as_rebuilt(path)
    assert [(r[0], r[3]) for r in kept["current_verdicts"]] == [("a", "v2"), ("b", "v1")]
    assert kept["current_objections"] == []

    writes.write_scores(path, [("b", score("v2", {"greeting": "pass", "next_step": "pass", "farewell": "later"}))])
    kept = assert_as_rebuilt(path)
    assert [(r[0], r[3], r[4]) for r in kept["current_verdicts"]] == [
        ("a", "v2", "greeting"), ("b", "v2", "farewell"), ("b", "v2", "greeting"), ("b", "v2", "next_step")]
    # new criteria take the next positions (a gap where the call has no row), a verdict
    # other than the four its own letter
    assert kept["criterion_positions"] == [("farewell", 3), ("greeting", 1), ("next_step", 4), ("summary", 2)]
    assert ("later", "A") in kept["verdict_letters"]
    assert [(r[0], r[3]) for r in kept["call_verdicts"]] == [("a", "f"), ("b", "p-Ap"), ("c", None)]

    later = t1 + timedelta(days=3)  # CRM data arrived: another start and another manager
    with db.writer(path) as con:
        writes.write_call(con, call("a", later, "m3"))
    kept = assert_as_rebuilt(path)
    assert [r[:3] for r in kept["current_verdicts"] if r[0] == "a"] == [("a", later, "m3")]
    assert [r for r in kept["call_verdicts"] if r[0] == "a"] == [("a", later, "m3", "f")]

    with db.writer(path) as con:  # a new call without results has its row too
        writes.write_call(con, call("d", later, "m1"))
    assert ("d", later, "m1", None) in assert_as_rebuilt(path)["call_verdicts"]


def test_review_rows_carry_the_calls_start_and_manager(path):
    started = MON + timedelta(hours=9)
    with db.writer(path) as con:
        writes.write_call(con, call("a", started, "m1", score("v1", {"greeting": "pass"},
                                                               [("price", 3, "discount")])))
    rop = user("rop")
    review.record_opened(path, rop, "a")
    review.record_played(path, rop, "a", 12.0)
    review.override_verdict(path, rop, "a", "greeting", "fail", "нет")
    review.label_objection(path, rop, "a", 3, "price", "value")
    review.give_feedback(path, rop, "a", "Назовите компанию.", "greeting")
    review.add_training_item(path, rop, "a", 0.0, 5.0, "example")
    review.mark_reviewed(path, rop, "a")
    review.record_played(path, rop, "a", 5.0)
    days = assert_as_rebuilt(path)["review_days"]  # the events summed per call and day as they came
    assert [(d[1], d[2], d[7], d[9]) for d in days] == [("a", "rop", 17.0, "p")]  # with the call's verdicts
    copies = "SELECT DISTINCT call_started_at, call_manager_id FROM {}"
    for table in rollups.REVIEW_TABLES:
        assert db.query_rows(path, copies.format(table)) == [(started, "m1")], table
    later = started + timedelta(days=1)
    with db.writer(path) as con:
        writes.write_call(con, call("a", later, "m2"))
    for table in rollups.REVIEW_TABLES:
        assert db.query_rows(path, copies.format(table)) == [(later, "m2")], table


def test_review_history_gets_the_copies_of_stored_calls(path):
    started = MON + timedelta(hours=9)
    with db.writer(path) as con:
        writes.write_call(con, call("a", started, "m1"))
    replace_review_history(path, [
        {"type": "played", "username": "rop", "call_id": "a", "created_at": "2026-11-16T12:00:00", "played_s": 30},
        {"type": "played", "username": "rop", "call_id": "gone", "created_at": "2026-11-16T12:00:00", "played_s": 30},
    ])
    rows = db.query_rows(path, "SELECT call_id, call_started_at, call_manager_id FROM review_events ORDER BY 1")
    assert rows == [("a", started, "m1"), ("gone", None, None)]
    assert [(d[1], d[7], d[9]) for d in assert_as_rebuilt(path)["review_days"]] == [("a", 30.0, None),
                                                                                    ("gone", 30.0, None)]
    with db.writer(path) as con:  # the reviewed call is stored and scored later: its verdicts join its reviews
        writes.write_call(con, call("gone", started, "m2", score("v1", {"greeting": "fail"})))
    assert [(d[1], d[9]) for d in assert_as_rebuilt(path)["review_days"]] == [("a", None), ("gone", "f")]


def _migrate(con, first: int, last: int) -> None:
    for entry in sorted(resources.files("store.migrations").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql") and first <= int(entry.name[:3]) <= last:
            con.execute(entry.read_text("utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [int(entry.name[:3]), entry.name])


@pytest.mark.parametrize("schema", [9, 10, 11])
def test_migrations_build_the_rollups_of_an_existing_store(tmp_path, schema):
    """A store of schema 9 (no rollups), 10 or 11 (no call_verdicts) with two scored versions, a
    call without results and reviews gets its rollups and copies when a newer callqa opens
    it, the same a rebuild makes."""
    path = tmp_path / "old.duckdb"
    con = store_at_schema(path, 9)
    t = datetime(2026, 11, 16, 9)
    add_two_scored_versions(con, t)
    con.execute("INSERT INTO objections (call_id, rubric_version, n, kind, started_at) VALUES ('b', 'v1', 0, 'price', ?)",
                [t + timedelta(hours=1)])
    con.execute("INSERT INTO review_events (username, call_id, kind, played_s) VALUES ('rop', 'b', 'opened', NULL),"
                " ('rop', 'b', 'played', 12)")
    _migrate(con, 10, schema)  # the rollups of schema 10 built from these rows (11: calibration)
    con.close()
    db.init(path)
    kept = assert_as_rebuilt(path)
    assert kept["call_verdicts"] == [("a", t, "m1", "f"), ("b", t + timedelta(hours=1), "m2", "p"),
                                     ("c", t + timedelta(hours=2), "m2", None)]
    assert [(r[0], r[2], r[3], r[5]) for r in kept["current_verdicts"]] == [("a", "m1", "v2", "fail"),
                                                                            ("b", "m2", "v1", "pass")]
    assert [r[:4] for r in kept["current_objections"]] == [("b", t + timedelta(hours=1), "m2", "v1")]
    assert db.query_rows(path, "SELECT DISTINCT call_started_at, call_manager_id FROM review_events") == [
        (t + timedelta(hours=1), "m2")]
    assert [(d[1], d[3], d[7]) for d in kept["review_days"]] == [("b", t + timedelta(hours=1), 12.0)]
