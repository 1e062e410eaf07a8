"""Constructed РОП histories for the owner tests: rows written straight into the tables of
store/migrations, so each test knows its answer by construction (then the rollups derived from
them are rebuilt, as for any store written with its own SQL: store/rollups.py)."""

from __future__ import annotations

import atexit
import itertools
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from core.types import NOT_OBJECTION as NOT_OBJECTION_LABEL
from owner.report import OwnerParams, Week
from store import db, rollups

WEEK = Week.parse("2026-W47")  # Mon 2026-11-16 … Sun 2026-11-22
PREV = WEEK.previous()
MON = WEEK.start
AS_OF = WEEK.end  # the week is judged at its end
PARAMS = OwnerParams()
CRITERIA = ("greeting", "needs_discovery", "next_step", "summary")
ROP, OWNER = "rop", "boss"
_ids = itertools.count(1)
_open: dict[str, object] = {}


@contextmanager
def batch(path: Path) -> Iterator[None]:
    """Group the helpers' writes in one writer transaction (a connection per write is slow)."""
    with db.writer(path) as con:
        _open[str(path)] = con
        try:
            yield
        finally:
            _open.pop(str(path), None)
        _derive(con)


@contextmanager
def _writer(path: Path):
    con = _open.get(str(path))
    if con is not None:
        yield con
    else:
        with db.writer(path) as con:
            yield con
            _derive(con)


def _derive(con) -> None:
    """What store.writes and store.review keep for rows they write: the current-score rollups
    and the reviewed call's start and manager on review rows."""
    rollups.rebuild(con)
    rollups.copy_call_info(con)


def at(day: int, hour: int = 10, minute: int = 0, week: Week = WEEK) -> datetime:
    """Day 0 = Monday of ``week``."""
    return week.start + timedelta(days=day, hours=hour, minutes=minute)


def new_store(tmp_path: Path, managers=("m1", "m2")) -> Path:
    """Rubric versions, ``managers`` and the accounts; the migrated empty store is built once
    per session and copied."""
    path = _copy(_empty_template(), tmp_path)
    with _writer(path) as con:
        con.execute("INSERT INTO rubric_versions (rubric_id, version, yaml, is_current) VALUES"
                    " ('default', 'old', '', FALSE), ('default', 'v1', '', TRUE)")
        for m in managers:
            con.execute("INSERT INTO managers (manager_id, name) VALUES (?, ?)", [m, f"Менеджер {m}"])
        con.execute("INSERT INTO users (username, role, manager_id, password_hash) VALUES"
                    " ('rop', 'head', NULL, 'x'), ('boss', 'owner', NULL, 'x'), ('ivan', 'manager', 'm1', 'x')")
    return path


def add_call(path: Path, manager: str, started_at: datetime, score: float = 80.0,
             verdicts: dict[str, str] | None = None, objections=(), call_id: str | None = None) -> str:
    """A call scored with the current rubric version (plus a stale 'old' score that must be
    ignored); ``verdicts`` default to pass; ``objections`` are (kind, handling) pairs."""
    call_id = call_id or f"c{next(_ids):05d}"
    verdicts = {c: "pass" for c in CRITERIA} | (verdicts or {})
    with _writer(path) as con:
        con.execute("INSERT INTO calls (call_id, started_at, manager_id, duration_s, source)"
                    " VALUES (?, ?, ?, 120, 'import')", [call_id, started_at, manager])
        con.execute("INSERT INTO call_scores (call_id, rubric_id, rubric_version, score_pct, scored_at, started_at)"
                    " VALUES (?, 'default', 'v1', ?, ?, ?), (?, 'default', 'old', 1.0, ?, ?)",
                    [call_id, score, started_at, started_at, call_id, started_at + timedelta(days=30),
                     started_at])
        for crit, verdict in verdicts.items():
            for version in ("v1", "old"):
                con.execute("INSERT INTO criterion_results (call_id, rubric_version, criterion_id, verdict,"
                            " started_at) VALUES (?, ?, ?, ?, ?)",
                            [call_id, version, crit, verdict if version == "v1" else "fail", started_at])
        for n, (kind, handling) in enumerate(objections):
            con.execute("INSERT INTO objections (call_id, rubric_version, n, kind, segment_idx, handling,"
                        " started_at) VALUES (?, 'v1', ?, ?, ?, ?, ?)",
                        [call_id, n, kind, 2 * n + 1, handling, started_at])
    return call_id


def event(path: Path, call_id: str | None, kind: str, when: datetime, played_s: float | None = None,
          username: str = ROP) -> None:
    with _writer(path) as con:
        con.execute("INSERT INTO review_events (username, call_id, kind, created_at, played_s)"
                    " VALUES (?, ?, ?, ?, ?)", [username, call_id, kind, when, played_s])


def override(path: Path, call_id: str, criterion_id: str, verdict: str, when: datetime) -> None:
    with _writer(path) as con:
        con.execute("INSERT INTO overrides (call_id, criterion_id, verdict, username, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", [call_id, criterion_id, verdict, ROP, when])
        con.execute("INSERT INTO review_events (username, call_id, kind, created_at)"
                    " VALUES (?, ?, 'override', ?)", [ROP, call_id, when])


def feedback(path: Path, manager: str, when: datetime, call_id: str | None = None,
             criterion_id: str | None = None, objection_kind: str | None = None,
             acknowledged_at: datetime | None = None) -> None:
    with _writer(path) as con:
        con.execute("INSERT INTO feedback (call_id, manager_id, criterion_id, objection_kind, text,"
                    " username, created_at, acknowledged_at) VALUES (?, ?, ?, ?, 'сделай иначе', ?, ?, ?)",
                    [call_id, manager, criterion_id, objection_kind, ROP, when, acknowledged_at])


def label(path: Path, call_id: str, segment_idx: int, handling: str, when: datetime) -> None:
    with _writer(path) as con:
        con.execute("INSERT INTO objection_labels (call_id, segment_idx, handling, username, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", [call_id, segment_idx, handling, ROP, when])


def head_log(path: Path, kind: str, held_on: date, manager_id: str | None = None) -> None:
    with _writer(path) as con:
        con.execute("INSERT INTO head_log (kind, held_on, manager_id, username) VALUES (?, ?, ?, ?)",
                    [kind, held_on, manager_id, ROP])


def training_clip(path: Path, call_id: str, when: datetime) -> None:
    with _writer(path) as con:
        con.execute("INSERT INTO training_items (call_id, start_s, end_s, label, username, created_at)"
                    " VALUES (?, 0, 10, 'example', ?, ?)", [call_id, ROP, when])


def healthy_store(tmp_path: Path) -> Path:
    """Two managers, 6 calls each in this and last week; the РОП listens 36 min, reviews
    everybody, holds his meetings and trainings; nothing repeats; discounts are rare.
    No red flag is on for ``WEEK``. Built once per session, then copied into ``tmp_path``."""
    return _copy(_healthy_template(), tmp_path)


def _copy(template: Path, tmp_path: Path) -> Path:
    """A copy of a session-wide template store as ``tmp_path``/callqa.duckdb."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "callqa.duckdb"
    shutil.copyfile(template, path)
    return path


def _template_folder(prefix: str) -> Path:
    """A temporary folder for a template store, removed when the test session ends."""
    folder = Path(tempfile.mkdtemp(prefix=f"callqa-{prefix}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@lru_cache(maxsize=1)
def _empty_template() -> Path:
    path = _template_folder("empty") / "callqa.duckdb"
    db.init(path)
    assert not path.with_name(path.name + ".wal").exists()
    return path


@lru_cache(maxsize=1)
def _healthy_template() -> Path:
    path = new_store(_template_folder("healthy"))
    with batch(path):
        _healthy_rows(path)
    assert not path.with_name(path.name + ".wal").exists()  # everything is in the one file
    return path


def _healthy_rows(path: Path) -> None:
    for week in (PREV, WEEK):
        for m in ("m1", "m2"):
            for i in range(6):
                failed = {CRITERIA[i % len(CRITERIA)]: "fail"} if i % 2 else {}
                handling = "discount" if i == 0 else "value"
                cid = add_call(path, m, at(i % 5, 9 + i, week=week), 80, failed,
                               objections=[("price", handling)])
                event(path, cid, "opened", at(i % 5, 17, week=week))
                event(path, cid, "played", at(i % 5, 17, 5, week=week), played_s=180)
    for m in ("m1", "m2"):
        head_log(path, "one_to_one", (MON + timedelta(days=2)).date(), m)
    head_log(path, "planning", MON.date())
    head_log(path, "training", (MON + timedelta(days=3)).date())


# --- a busy history: every kind of row the owner's queries read, many weeks ----------------

BUSY_MANAGERS = ("m1", "m2", "m3", "m4", "m5")
BUSY_KINDS = ("price", "no_time", "think_later")
BUSY_WEEKS = 20  # weeks of calls before WEEK's end


def busy_store(tmp_path: Path) -> Path:
    """A seeded random history over ``BUSY_WEEKS`` weeks up to ``WEEK`` (and a few days after):
    five managers (m5 calls rarely), calls scored with the current version and a stale one,
    calls scored only with the stale version or not at all, not-applicable calls, objections,
    the РОП's overrides (some changed later, some after the week), labels (some «не
    возражение»), feedback on criteria and objections, listening and reviews (also of old
    calls), the owner's and a manager's own actions. Built once per session, then copied."""
    return _copy(_busy_template(), tmp_path)


@lru_cache(maxsize=1)
def _busy_template() -> Path:
    path = new_store(_template_folder("busy"), managers=BUSY_MANAGERS)
    with db.writer(path) as con:
        _busy_rows(con, random.Random(2026))
    return path


def _busy_rows(con, rng: random.Random) -> None:
    first = WEEK.end - timedelta(weeks=BUSY_WEEKS)
    calls, scores, verdicts, objections = [], [], [], []
    t = first
    n = 0
    while t < WEEK.end + timedelta(days=3):
        t += timedelta(minutes=rng.randint(20, 160))
        if not 8 <= t.hour < 20:
            continue
        n += 1
        manager = rng.choice(BUSY_MANAGERS[:4]) if rng.random() > 0.04 else "m5"
        if rng.random() < 0.01:
            manager = None
        cid = f"b{n:05d}"
        calls.append((cid, t, manager))
        kind = rng.random()
        versions = () if kind < 0.03 else ("old",) if kind < 0.08 else ("v1", "old")
        applicable = rng.random() > 0.05
        for version in versions:
            score = round(rng.uniform(20, 100), 1) if applicable else None
            scored_at = t + timedelta(days=30 if version == "old" else 1)
            scores.append((cid, version, score, applicable, scored_at, t))
            for crit in CRITERIA:
                verdict = rng.choices(("pass", "fail", "not_applicable", "insufficient"), (6, 3, 1, 0.5))[0]
                verdicts.append((cid, version, crit, verdict, t))
            for k in range(rng.choice((0, 0, 1, 1, 2))):
                objections.append((cid, version, k, rng.choice(BUSY_KINDS), 2 * k + 1,
                                   rng.choice(("value", "question", "discount", "ignored", "other")), t))
    con.executemany("INSERT INTO calls (call_id, started_at, manager_id, duration_s, source)"
                    " VALUES (?, ?, ?, 120, 'import')", calls)
    con.executemany("INSERT INTO call_scores (call_id, rubric_id, rubric_version, score_pct, applicable,"
                    " scored_at, started_at) VALUES (?, 'default', ?, ?, ?, ?, ?)", scores)
    con.executemany("INSERT INTO criterion_results (call_id, rubric_version, criterion_id, verdict, started_at)"
                    " VALUES (?, ?, ?, ?, ?)", verdicts)
    con.executemany("INSERT INTO objections (call_id, rubric_version, n, kind, segment_idx, handling, started_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", objections)
    _busy_actions(con, rng, calls, objections)
    _derive(con)
    # every 10th review row as if written before its call was stored: the queries look it up
    for table in rollups.REVIEW_TABLES:
        con.execute(f"UPDATE {table} SET call_started_at = NULL, call_manager_id = NULL WHERE hash(call_id) % 10 = 0")


def _busy_actions(con, rng: random.Random, calls, objections) -> None:
    events, overrides, labels, feedback_rows, clips, log = [], [], [], [], [], []
    by_call = {}
    for cid, _, _, _, seg, _, _ in objections:
        by_call.setdefault(cid, []).append(seg)
    for cid, started, manager in calls:
        r = rng.random()
        if r > 0.45:
            continue
        user = ROP if rng.random() > 0.08 else rng.choice((OWNER, "ivan"))
        when = started + timedelta(hours=rng.randint(1, 60))
        if rng.random() < 0.03:  # an old call reviewed much later
            when = started + timedelta(days=rng.randint(20, 100))
        events.append((user, cid, "opened", when, None))
        for k in range(rng.choice((0, 1, 1, 2, 4))):
            events.append((user, cid, "played", when + timedelta(seconds=10 * (k + 1)),
                           rng.choice((3.0, 6.0, 10.0, 30.0))))
        if rng.random() < 0.3:
            events.append((user, cid, rng.choice(("reviewed", "comment", "tag")), when + timedelta(minutes=5), None))
        if rng.random() < 0.25:
            crit = rng.choice(CRITERIA)
            for later in range(rng.choice((1, 1, 2))):
                at_ = when + timedelta(minutes=6, days=later * rng.choice((0, 3, 9)))
                overrides.append((cid, crit, rng.choice(("pass", "fail", "not_applicable")), user, at_))
                events.append((user, cid, "override", at_, None))
        if cid in by_call and rng.random() < 0.3:
            seg = rng.choice(by_call[cid])
            for later in range(rng.choice((1, 1, 2))):
                handling = rng.choice(("value", "discount", "question", NOT_OBJECTION_LABEL))
                labels.append((cid, seg, rng.choice(BUSY_KINDS + (None,)), handling, user,
                               when + timedelta(minutes=7, days=later * 4)))
        if manager and rng.random() < 0.2:
            crit, kind = (rng.choice(CRITERIA), None) if rng.random() < 0.7 else (None, rng.choice(BUSY_KINDS))
            ack = when + timedelta(hours=rng.randint(1, 90)) if rng.random() < 0.6 else None
            feedback_rows.append((cid if rng.random() < 0.8 else None, manager, crit, kind,
                                  user if user != "ivan" else ROP, when + timedelta(minutes=9), ack))
        if rng.random() < 0.02:
            clips.append((cid, user, when + timedelta(minutes=11)))
    for i in range(BUSY_WEEKS * 3):
        day = (WEEK.end - timedelta(days=2 * i + 1)).date()
        log.append((("planning", "one_to_one", "training")[i % 3], day,
                    BUSY_MANAGERS[i % 5] if i % 3 == 1 else None))
    con.executemany("INSERT INTO review_events (username, call_id, kind, created_at, played_s)"
                    " VALUES (?, ?, ?, ?, ?)", events)
    con.executemany("INSERT INTO overrides (call_id, criterion_id, verdict, username, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", overrides)
    con.executemany("INSERT INTO objection_labels (call_id, segment_idx, kind, handling, username, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)", labels)
    con.executemany("INSERT INTO feedback (call_id, manager_id, criterion_id, objection_kind, text, username,"
                    " created_at, acknowledged_at) VALUES (?, ?, ?, ?, 'сделай иначе', ?, ?, ?)", feedback_rows)
    con.executemany("INSERT INTO training_items (call_id, start_s, end_s, label, username, created_at)"
                    " VALUES (?, 0, 10, 'example', ?, ?)", clips)
    con.executemany("INSERT INTO head_log (kind, held_on, manager_id, username) VALUES (?, ?, ?, 'rop')", log)
