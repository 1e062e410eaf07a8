"""Every call's automatic objection handling in one string beside ``call_verdicts``
(``call_handlings``, ``handling_letters``, the copy on ``review_days``; store/rollups.py,
migration 013): kept by the writer exactly as a rebuild makes them, built by the migration for
an existing store, and the AI–РОП agreement on objection handling that reads them equal to the
plain answer from the objection rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pandas as pd
import pytest

from core.types import HANDLINGS, NOT_OBJECTION
from store import db, review, rollups, writes
from store import owner_queries as q
from store.effective import current_scores, latest_labels, reviews_cte
from tests.old_schema import add_two_scored_versions, store_at_schema
from tests.owner_data import MON
from tests.test_store_rollups import ROLLUP_SQL, _migrate, call, score
from tests.ui_data import user

HANDLING_SQL = {
    **ROLLUP_SQL,
    "call_handlings": "SELECT * FROM call_handlings ORDER BY ALL",
    "handling_letters": "SELECT * FROM handling_letters ORDER BY ALL",
}


def handling_rows(con) -> dict[str, list[tuple]]:
    return {name: con.execute(sql).fetchall() for name, sql in HANDLING_SQL.items()}


def assert_as_rebuilt(path) -> dict[str, list[tuple]]:
    """What the writer kept (call_handlings, its letters, the copies on review_days included) is
    what a rebuild from the result and review tables makes."""
    with db.writer(path) as con:
        kept = handling_rows(con)
        rollups.rebuild(con)
        assert handling_rows(con) == kept
    return kept


def scored(version: str, objections, verdicts=None):
    """A score with ``objections`` as (kind, turn, handling) triples."""
    return score(version, {"greeting": "pass"} if verdicts is None else verdicts, objections)


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "callqa.duckdb"
    with db.writer(path) as con:
        writes.register_rubric_version(con, "default", "v1", "rubric: 1")
    return path


def test_the_writer_keeps_every_calls_handling_string(path):
    """New calls (objections with a handling the letters do not know yet, one without a
    handling, one without a turn, two on one turn), a version stored but not current, a new
    current version, a bulk re-score and a call that moves: after each write call_handlings
    holds one row per call with objections: the letters, ':' and the turns in the objections'
    order."""
    t1, t2 = MON + timedelta(hours=9), MON + timedelta(hours=10)
    with db.writer(path) as con:
        writes.write_call(con, call("a", t1, "m1", scored("v1", [("price", 3, "value"), ("time", 7, "discount"),
                                                                   ("price", 7, None)])))
        writes.write_call(con, call("b", t2, "m2", scored("v1", [("price", None, "later"), ("price", 2, "ignored")])))
        writes.write_call(con, call("c", t2, "m2", scored("v1", [])))  # scored without objections: no row
        writes.write_call(con, call("d", t2, "m1"))  # not scored: no row
    kept = assert_as_rebuilt(path)
    assert kept["call_handlings"] == [("a", t1, "vd-:3,7,7"), ("b", t2, "Ai:,2")]
    assert ("later", "A") in kept["handling_letters"]
    assert {h: letter for h, letter in kept["handling_letters"]} == {
        **rollups.HANDLING_LETTERS, "later": "A"}

    with db.writer(path) as con:  # v2 is stored but v1 stays current
        writes.write_score(con, "a", scored("v2", [("price", 1, "question")]))
    assert assert_as_rebuilt(path)["call_handlings"][0] == ("a", t1, "vd-:3,7,7")

    with db.writer(path) as con:  # v2 becomes current: a falls to v2, b keeps v1
        writes.register_rubric_versions(con, [("default", "v2", "rubric: 2")])
    assert assert_as_rebuilt(path)["call_handlings"] == [("a", t1, "q:1"), ("b", t2, "Ai:,2")]

    writes.write_scores(path, [("b", scored("v2", [("price", 4, "sometimes"), ("price", 5, "other")])),
                               ("c", scored("v2", [("time", 0, "value")])),
                               ("a", scored("v2", []))])  # a's objections are gone
    kept = assert_as_rebuilt(path)
    assert kept["call_handlings"] == [("b", t2, "Bo:4,5"), ("c", t2, "v:0")]
    assert ("sometimes", "B") in kept["handling_letters"]

    later = t1 + timedelta(days=3)  # CRM data arrived: another start and another manager
    with db.writer(path) as con:
        writes.write_call(con, call("b", later, "m3"))
    kept = assert_as_rebuilt(path)
    assert [r for r in kept["call_handlings"] if r[0] == "b"] == [("b", later, "Bo:4,5")]


def test_review_days_carry_the_handling_string_with_the_verdicts(path):
    """A review day gets the call's handling string with its verdict string when it is first
    written, a re-score replaces both, and days written before the call was stored get them
    when it is."""
    started = MON + timedelta(hours=9)
    with db.writer(path) as con:
        writes.write_call(con, call("a", started, "m1", scored("v1", [("price", 3, "value"), ("time", 5, "ignored")])))
        writes.write_call(con, call("b", started, "m1", scored("v1", [])))
        review.log_event(con, "rop", "c", "played", played_s=30.0)  # c is not stored yet
    rop = user("rop")
    review.record_played(path, rop, "a", 12.0)
    review.mark_reviewed(path, rop, "b")
    days = {d[1]: d for d in assert_as_rebuilt(path)["review_days"]}
    assert days["a"][9:] == ("p", "vi:3,5")
    assert days["b"][9:] == ("p", None)  # no objections
    assert days["c"][9:] == (None, None)

    writes.write_scores(path, [("a", scored("v1", [("price", 3, "discount")])),
                               ("b", scored("v1", [("price", 1, "question")], {"greeting": "fail"}))])
    with db.writer(path) as con:
        writes.write_call(con, call("c", started, "m2", scored("v1", [("time", 2, "other")])))
    days = {d[1]: d for d in assert_as_rebuilt(path)["review_days"]}
    assert [days[c][9:] for c in "abc"] == [("p", "d:3"), ("f", "q:1"), ("p", "o:2")]


@pytest.mark.parametrize("schema", [9, 12])
def test_migration_builds_the_handling_strings_of_an_existing_store(tmp_path, schema):
    """A store of schema 12 (or 9: no rollups at all) with scored calls, objections with an
    unknown handling and without one, and reviews gets call_handlings, its letters and the
    copies on review_days when a newer callqa opens it, the same a rebuild makes."""
    path = tmp_path / "old.duckdb"
    con = store_at_schema(path, 9)
    t = datetime(2026, 11, 16, 9)
    add_two_scored_versions(con, t)
    con.execute("INSERT INTO objections (call_id, rubric_version, n, kind, segment_idx, handling, started_at) VALUES"
                " ('a', 'v1', 0, 'price', 1, 'value', ?), ('a', 'v2', 0, 'price', 4, 'discount', ?),"
                " ('a', 'v2', 1, 'time', 6, NULL, ?), ('b', 'v1', 0, 'price', 2, 'later', ?)",
                [t, t, t, t + timedelta(hours=1)])
    con.execute("INSERT INTO review_events (username, call_id, kind, played_s, created_at) VALUES"
                " ('rop', 'a', 'reviewed', NULL, ?), ('rop', 'b', 'opened', NULL, ?), ('rop', 'b', 'played', 12, ?)",
                [t + timedelta(days=1)] * 3)
    _migrate(con, 10, schema)
    con.close()
    db.init(path)
    assert db.schema_version(path) >= 13
    kept = assert_as_rebuilt(path)
    assert kept["call_handlings"] == [("a", t, "d-:4,6"), ("b", t + timedelta(hours=1), "A:2")]
    assert ("later", "A") in kept["handling_letters"]
    assert [(d[1], d[9], d[10]) for d in kept["review_days"]] == [("a", "f", "d-:4,6"), ("b", "p", "A:2")]


# --- the agreement on objection handling -----------------------------------------------------

def plain_handling(path, since: datetime, as_of: datetime) -> list[tuple]:
    """(automatic handling, РОП handling, objections) of the calls reviewed in ``[since,
    as_of)``, straight from the objection rows of each call's current score and the РОП's
    latest labels (no rollups)."""
    sql = f"""
    WITH {reviews_cte(None, '$since')},
    {current_scores("pick", columns=("rubric_version",))},
    lab AS ({latest_labels("created_at < $as_of")})
    SELECT o.handling AS auto, coalesce(l.handling, o.handling) AS head, count(*) AS n
    FROM objections o JOIN pick p ON p.call_id = o.call_id AND p.rubric_version = o.rubric_version
    JOIN calls c ON c.call_id = o.call_id AND c.started_at < $as_of
    LEFT JOIN lab l ON l.call_id = o.call_id AND l.segment_idx = o.segment_idx
    WHERE o.call_id IN (SELECT call_id FROM rev) AND l.handling IS DISTINCT FROM '{NOT_OBJECTION}'
    GROUP BY ALL"""
    with db.reader(path) as con:
        return sorted(con.execute(sql, {"since": since, "as_of": as_of}).fetchall(), key=str)


def handling_table(path, since: datetime, as_of: datetime) -> list[tuple]:
    rows = q.objection_agreement_pairs(path, since, as_of)
    return sorted(((None if pd.isna(a) else a, None if pd.isna(h) else h, int(n))
                   for a, h, n in rows.itertuples(index=False)), key=str)


def test_the_handling_agreement_equals_the_plain_answer_on_a_random_history(path):
    """Seeded calls with 0–3 objections (unknown handlings, none, turns shared or missing),
    reviews by listening and by actions, labels (relabelled, «не возражение», on turns without
    an objection), reviews of calls not yet stored, re-scores and a moved call after the
    reviews: for windows whose ends fall inside a day and on whole days, the agreement's
    handling table is what the objection rows say."""
    rng = random.Random(16)
    now = datetime.now().replace(microsecond=0)
    rop = user("rop")
    handlings = (*HANDLINGS, None, "later")

    def objections():
        turns = [rng.choice((None, 1, 2, 3, 3, 5)) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
        return [(rng.choice(("price", "time")), t, rng.choice(handlings)) for t in turns]

    calls = [f"k{i:02d}" for i in range(60)]
    starts = {c: now - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 600)) for c in calls}
    with db.writer(path) as con:
        for c in calls[:50]:
            verdicts = None if rng.random() < 0.9 else {}
            writes.write_call(con, call(c, starts[c], "m1", scored("v1", objections(), verdicts)))
        for c in calls[50:]:  # reviewed before they are stored
            review.log_event(con, "rop", c, "played", played_s=15.0)
    for c in calls[:50]:
        r = rng.random()
        if r < 0.3:
            review.record_played(path, rop, c, rng.choice((5.0, 12.0)))
        elif r < 0.5:
            review.mark_reviewed(path, rop, c)
        elif r < 0.8:
            for _ in range(rng.randint(1, 2)):
                review.label_objection(path, rop, c, rng.choice((1, 2, 3, 4)), "price",
                                       rng.choice((*HANDLINGS, NOT_OBJECTION)))
    with db.writer(path) as con:
        for c in calls[50:]:
            writes.write_call(con, call(c, starts[c], "m2", scored("v1", objections())))
        writes.write_call(con, call(calls[0], starts[calls[0]] - timedelta(days=2), "m3"))  # moved
    writes.write_scores(path, [(c, scored("v1", objections())) for c in calls[10:20]])
    assert_as_rebuilt(path)

    windows = [(now - timedelta(days=91, hours=5), now + timedelta(seconds=1)),   # today a part-day
               (now - timedelta(days=91, hours=5), now + timedelta(days=1, hours=7)),  # today a whole day
               (now - timedelta(hours=3), now + timedelta(days=1, hours=7)),
               (now - timedelta(days=3), now - timedelta(days=2))]  # nothing reviewed
    seen = 0
    for since, as_of in windows:
        want = plain_handling(path, since, as_of)
        assert handling_table(path, since, as_of) == want, (since, as_of)
        seen += sum(n for _, _, n in want)
    assert seen > 40
