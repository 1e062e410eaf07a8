"""Calibration rounds (issue 15, item 8): several people rate the same calls blind.

A **round** is a random sample of scored calls started in a period (optionally of one manager),
drawn with a seed (:func:`create_round`: the same seed over the same calls gives the same
sample), and assigned to two or more **reviewers**. Reviewers are owner or head accounts: a QA
specialist gets a ``head`` account (several heads are allowed), so there is no separate role.
Each reviewer gives every criterion of each call (the criteria of the call's current score)
a verdict: pass, fail or not applicable (:func:`save_verdicts`, a whole call at a time). A
reviewer has **finished** a call when every criterion has his verdict; the round is
**complete** when every reviewer has finished every call.

Blindness is enforced here, not only in the page:

* a reviewer reads back only his own verdicts (:func:`call_sheet`);
* the AI verdicts are in the sheet only when the round shows them (``show_ai``, off by default:
  blind means independent) or once the round is complete;
* other people's verdicts come only out of :func:`round_results`, and only once the round is
  complete -- until then nobody sees them, the round's creator and the owner included;
* :func:`awaits_verdicts` tells the call page to hide verdicts, overrides and feedback of a call
  the user still has to rate.

A reviewer may change his verdicts until the round **ends**: when it is complete, or when its
creator or an owner closes it early (:func:`close_round`); either way ``closed_at`` records when
(``closed_by`` only for an early close), no verdict is taken after it, the round leaves every
reviewer's task list (:func:`assignments`, :func:`awaits_verdicts`) and its results open with
what was rated (:func:`round_results`).

While a round is in progress its creator or an owner may add a reviewer (:func:`add_reviewer`:
he rates every call, blind like the others) or remove one (:func:`remove_reviewer`; at least
two stay). A removed reviewer's verdicts are left out of the round -- its progress, its
completeness and its results count only the people still in it, as QA tools count only a
session's participants -- but they are not deleted: adding him back brings them back. Removing
the last reviewer who had not finished completes the round.

Calibration verdicts are not overrides: they never change a call's score and are not РОП
actions (listening on the page is, as everywhere: the player records ``played``).
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import duckdb
import pandas as pd

from core.errors import AccessDeniedError, CallQAError
from store import db
from store.effective import current_scores

PathLike = str | os.PathLike
CALIBRATION_ROLES = ("owner", "head")  # who creates rounds, rates calls and reads the results
CALIBRATION_VERDICTS = ("pass", "fail", "not_applicable")
MIN_REVIEWERS = 2
MAX_CALLS = 200

# A reviewer as the page shows him: the display name; an account without one is told apart by
# its role word and login (two unnamed РОП accounts must not both read «РОП»).
_PERSON = """coalesce(nullif(trim(u.display_name), ''),
                      CASE u.role WHEN 'owner' THEN 'Владелец' ELSE 'РОП' END || ' (' || u.username || ')')"""

# Progress of every round: ``finished(round_id, call_id, username)`` -- calls a reviewer rated
# in full; ``progress(round_id, username, finished_calls)``; ``sizes(round_id, calls)``;
# ``state(round_id, complete)``.
_PROGRESS = """
    rated AS (SELECT round_id, call_id, username, count(*) AS n FROM calibration_verdicts GROUP BY ALL),
    finished AS (SELECT rt.round_id, rt.call_id, rt.username FROM rated rt
                 JOIN calibration_calls cc USING (round_id, call_id) WHERE rt.n >= cc.criteria),
    progress AS (SELECT rv.round_id, rv.username, count(f.call_id) AS finished_calls
                 FROM calibration_reviewers rv LEFT JOIN finished f
                      ON f.round_id = rv.round_id AND f.username = rv.username
                 GROUP BY ALL),
    sizes AS (SELECT round_id, count(*) AS calls FROM calibration_calls GROUP BY round_id),
    state AS (SELECT p.round_id, bool_and(p.finished_calls >= s.calls) AS complete
              FROM progress p JOIN sizes s USING (round_id) GROUP BY p.round_id)"""


class Actor(Protocol):
    username: str
    role: str


@dataclass(frozen=True, slots=True)
class RoundSpec:
    """What a new round samples and who rates it."""

    period_from: date
    period_to: date  # inclusive
    n_calls: int
    reviewers: tuple[str, ...]  # usernames
    seed: int
    manager_id: str | None = None  # None: calls of every manager
    show_ai: bool = False  # reviewers see the AI verdicts while rating


@dataclass(frozen=True, slots=True)
class Reviewer:
    username: str
    name: str
    finished_calls: int


@dataclass(frozen=True, slots=True)
class Round:
    round_id: int
    period_from: date
    period_to: date
    manager_id: str | None
    manager_name: str | None
    requested: int
    seed: int
    show_ai: bool
    created_by: str
    created_by_name: str
    created_at: datetime
    calls: int
    reviewers: tuple[Reviewer, ...]
    closed_at: datetime | None = None  # when the round ended (complete or closed early)
    closed_by: str | None = None  # who closed it early; None when it ended by being complete
    closed_by_name: str | None = None

    @property
    def complete(self) -> bool:
        """Every reviewer has rated every call."""
        return all(r.finished_calls >= self.calls for r in self.reviewers)

    @property
    def ended(self) -> bool:
        """No more verdicts: complete, or closed early."""
        return self.closed_at is not None or self.complete

    @property
    def ended_early(self) -> bool:
        return self.closed_by is not None

    def reviewer(self, username: str) -> Reviewer | None:
        return next((r for r in self.reviewers if r.username == username), None)


@dataclass(frozen=True, slots=True)
class CallSheet:
    """What a reviewer sees of one call of a round besides the recording and transcript."""

    round: Round
    call_id: str
    criteria: pd.DataFrame  # criterion_id, title, verdict (his own or None), ai_verdict (None: hidden)

    @property
    def finished(self) -> bool:
        return bool(self.criteria["verdict"].notna().all())


def _require_calibrator(user: Actor) -> None:
    if user.role not in CALIBRATION_ROLES:
        raise AccessDeniedError("Калибровка доступна только РОП и владельцу.")


def may_manage(user: Actor, rnd: Round) -> bool:
    """Whether ``user`` may close the round and change its reviewers: its creator or an owner."""
    return user.role in CALIBRATION_ROLES and (user.role == "owner" or user.username == rnd.created_by)


# --- creating a round -----------------------------------------------------------------------

def reviewer_choices(db_path: PathLike) -> list[tuple[str, str]]:
    """``(username, name)`` of the active accounts that may review, by name."""
    return [tuple(row) for row in db.query_rows(
        db_path, f"SELECT u.username, {_PERSON} AS name FROM users u"
                 " WHERE u.role IN ('owner', 'head') AND u.disabled_at IS NULL ORDER BY name, u.username")]


def _candidates(con: duckdb.DuckDBPyConnection, spec: RoundSpec) -> list[tuple[str, str, int]]:
    """``(call_id, rubric_version, criteria)`` of every call the round may draw, by call id:
    started in the period, of the manager if one is given, scored (current score) and
    applicable, with criteria to rate."""
    lo = datetime.combine(spec.period_from, datetime.min.time())
    hi = datetime.combine(spec.period_to + timedelta(days=1), datetime.min.time())
    by_manager = " AND manager_id = $manager" if spec.manager_id else ""
    scope = f"(SELECT call_id FROM calls WHERE started_at >= $lo AND started_at < $hi{by_manager})"
    params: dict = {"lo": lo, "hi": hi} | ({"manager": spec.manager_id} if spec.manager_id else {})
    sql = f"""WITH {current_scores(call_scope=scope, started=("$lo", "$hi"),
                                   columns=("rubric_version", "applicable"))}
        SELECT s.call_id, s.rubric_version, count(*) AS criteria
        FROM score s JOIN criterion_results r
             ON r.call_id = s.call_id AND r.rubric_version = s.rubric_version
        WHERE s.applicable AND r.started_at >= $lo AND r.started_at < $hi
        GROUP BY ALL ORDER BY s.call_id"""
    return [(cid, version, int(n)) for cid, version, n in con.execute(sql, params).fetchall()]


def _check_spec(con: duckdb.DuckDBPyConnection, spec: RoundSpec) -> None:
    if spec.period_from > spec.period_to:
        raise CallQAError("Начало периода позже его конца: поменяйте даты местами.")
    if not 1 <= spec.n_calls <= MAX_CALLS:
        raise CallQAError(f"В раунде может быть от 1 до {MAX_CALLS} звонков.")
    reviewers = list(dict.fromkeys(spec.reviewers))
    if len(reviewers) < MIN_REVIEWERS:
        raise CallQAError("Выберите хотя бы двух проверяющих: согласие считается между людьми.")
    _check_reviewers(con, reviewers)


def _check_reviewers(con: duckdb.DuckDBPyConnection, reviewers: list[str]) -> None:
    """Every one of ``reviewers`` is an active owner or head account."""
    rows = con.execute(f"SELECT u.username, {_PERSON}, u.role, u.disabled_at FROM users u"
                       " WHERE u.username IN (SELECT unnest(?))", [reviewers]).fetchall()
    known = {name: (person, role, disabled) for name, person, role, disabled in rows}
    for username in reviewers:
        if username not in known:
            raise CallQAError("Одного из проверяющих нет среди пользователей: обновите страницу.")
        person, role, disabled = known[username]
        if role not in CALIBRATION_ROLES or disabled is not None:
            raise CallQAError(f"{person} не может проверять: проверяющими бывают РОП и владелец "
                              "с действующей учётной записью.")


def create_round(db_path: PathLike, user: Actor, spec: RoundSpec) -> Round:
    """Draw the sample (``random.Random(spec.seed).sample`` of the candidates ordered by call id)
    and assign it to the reviewers, in one transaction. The sample is smaller than asked when
    the period holds fewer calls; CallQAError when it holds none."""
    _require_calibrator(user)
    with db.writer(db_path) as con:
        _check_spec(con, spec)
        candidates = _candidates(con, spec)
        if not candidates:
            raise CallQAError("В этом периоде нет оценённых звонков"
                              + (" этого менеджера" if spec.manager_id else "")
                              + ": выберите другой период.")
        sample = random.Random(spec.seed).sample(candidates, min(spec.n_calls, len(candidates)))
        round_id = con.execute(
            """INSERT INTO calibration_rounds (period_from, period_to, manager_id, requested, seed,
                                               show_ai, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING round_id""",
            [spec.period_from, spec.period_to, spec.manager_id, spec.n_calls, spec.seed,
             spec.show_ai, user.username]).fetchone()[0]
        con.executemany(
            "INSERT INTO calibration_calls (round_id, call_id, position, rubric_version, criteria)"
            " VALUES (?, ?, ?, ?, ?)",
            [[round_id, cid, pos, version, n] for pos, (cid, version, n) in enumerate(sample)])
        con.executemany("INSERT INTO calibration_reviewers (round_id, username) VALUES (?, ?)",
                        [[round_id, name] for name in dict.fromkeys(spec.reviewers)])
    found = get_round(db_path, user, int(round_id))
    assert found is not None  # just written
    return found


# --- reading rounds -------------------------------------------------------------------------

def _rounds(con: duckdb.DuckDBPyConnection, round_id: int | None = None) -> tuple[Round, ...]:
    one = round_id is not None
    params = {"round_id": round_id} if one else {}
    heads = con.execute(
        f"""WITH {_PROGRESS}
            SELECT r.round_id, r.period_from, r.period_to, r.manager_id, m.name AS manager_name,
                   r.requested, r.seed, r.show_ai, r.created_by,
                   coalesce({_PERSON}, r.created_by) AS created_by_name, r.created_at,
                   coalesce(s.calls, 0) AS calls, r.closed_at, r.closed_by,
                   CASE WHEN r.closed_by IS NOT NULL THEN coalesce(
                       (SELECT {_PERSON} FROM users u WHERE u.username = r.closed_by), r.closed_by)
                   END AS closed_by_name
            FROM calibration_rounds r LEFT JOIN managers m ON m.manager_id = r.manager_id
            LEFT JOIN users u ON u.username = r.created_by
            LEFT JOIN sizes s ON s.round_id = r.round_id
            {"WHERE r.round_id = $round_id" if one else ""}
            ORDER BY r.created_at DESC, r.round_id DESC""", params).fetchall()
    people = con.execute(
        f"""WITH {_PROGRESS}
            SELECT p.round_id, p.username, coalesce({_PERSON}, p.username), p.finished_calls
            FROM progress p LEFT JOIN users u ON u.username = p.username
            {"WHERE p.round_id = $round_id" if one else ""}
            ORDER BY 3, 2""", params).fetchall()
    reviewers: dict[int, list[Reviewer]] = {}
    for rid, username, name, finished in people:
        reviewers.setdefault(int(rid), []).append(Reviewer(username, name, int(finished)))
    return tuple(
        Round(int(rid), period_from, period_to, manager_id, manager_name, int(requested), int(seed),
              bool(show_ai), created_by, created_by_name, created_at, int(calls),
              tuple(reviewers.get(int(rid), ())), closed_at, closed_by, closed_by_name)
        for (rid, period_from, period_to, manager_id, manager_name, requested, seed, show_ai,
             created_by, created_by_name, created_at, calls, closed_at, closed_by, closed_by_name) in heads)


def rounds(db_path: PathLike, user: Actor) -> tuple[Round, ...]:
    """Every round, newest first, with each reviewer's progress (everyone in the calibration
    roles sees every round; what they see of its verdicts is up to :func:`round_results`)."""
    _require_calibrator(user)
    with db.reader(db_path) as con:
        return _rounds(con)


def get_round(db_path: PathLike, user: Actor, round_id: int) -> Round | None:
    _require_calibrator(user)
    with db.reader(db_path) as con:
        found = _rounds(con, int(round_id))
    return found[0] if found else None


def assignments(db_path: PathLike, user: Actor, open_only: bool = True) -> pd.DataFrame:
    """The calls the user is to rate, newest round first, in sample order: ``round_id,
    round_created_at, position, call_id, started_at, manager_name, duration_s, criteria, rated,
    finished``; ``open_only`` leaves out rounds that have ended (complete or closed)."""
    _require_calibrator(user)
    done = "AND r.closed_at IS NULL AND NOT coalesce(st.complete, FALSE)" if open_only else ""
    return db.query_df(
        db_path,
        f"""WITH {_PROGRESS}
            SELECT cc.round_id, r.created_at AS round_created_at, cc.position, cc.call_id,
                   c.started_at, m.name AS manager_name,
                   c.duration_s, cc.criteria, coalesce(rt.n, 0) AS rated,
                   coalesce(rt.n, 0) >= cc.criteria AS finished
            FROM calibration_reviewers rv
            JOIN calibration_rounds r ON r.round_id = rv.round_id
            JOIN calibration_calls cc ON cc.round_id = rv.round_id
            JOIN calls c ON c.call_id = cc.call_id
            LEFT JOIN managers m ON m.manager_id = c.manager_id
            LEFT JOIN rated rt ON rt.round_id = cc.round_id AND rt.call_id = cc.call_id
                 AND rt.username = rv.username
            LEFT JOIN state st ON st.round_id = cc.round_id
            WHERE rv.username = $username {done}
            ORDER BY cc.round_id DESC, cc.position""",
        {"username": user.username})


def awaits_verdicts(db_path: PathLike | duckdb.DuckDBPyConnection, user: Actor, call_id: str) -> bool:
    """Whether ``user`` still has to rate ``call_id`` in some round in progress: then no page
    may show him what others (the AI included) made of the call. ``db_path`` may be an open
    connection (the call page reads everything in one)."""
    if user.role not in CALIBRATION_ROLES:
        return False
    if not isinstance(db_path, duckdb.DuckDBPyConnection):
        with db.reader(db_path) as con:
            return awaits_verdicts(con, user, call_id)
    rows = db_path.execute(
        f"""WITH {_PROGRESS}
            SELECT count(*) FROM calibration_reviewers rv
            JOIN calibration_rounds r ON r.round_id = rv.round_id AND r.closed_at IS NULL
            JOIN calibration_calls cc ON cc.round_id = rv.round_id AND cc.call_id = $call_id
            WHERE rv.username = $username AND NOT EXISTS (
                SELECT 1 FROM finished f WHERE f.round_id = cc.round_id AND f.call_id = cc.call_id
                  AND f.username = rv.username)""",
        {"username": user.username, "call_id": call_id}).fetchall()
    return bool(rows[0][0])


def _round_call(con: duckdb.DuckDBPyConnection, user: Actor, round_id: int,
                call_id: str) -> tuple[Round, str]:
    """The round (the user must be one of its reviewers) and the call's rated rubric version."""
    found = _rounds(con, int(round_id))
    if not found:
        raise CallQAError("Этого раунда калибровки больше нет: обновите страницу.")
    rnd = found[0]
    if rnd.reviewer(user.username) is None:
        raise AccessDeniedError("Вы не проверяющий в этом раунде калибровки.")
    row = con.execute("SELECT rubric_version FROM calibration_calls WHERE round_id = ? AND call_id = ?",
                      [int(round_id), call_id]).fetchone()
    if row is None:
        raise CallQAError("Этого звонка нет в раунде калибровки: обновите страницу.")
    return rnd, row[0]


def call_sheet(db_path: PathLike, user: Actor, round_id: int, call_id: str) -> CallSheet:
    """The criteria of one call of a round with the reviewer's own verdicts; the AI's verdicts
    only when the round shows them or has ended (``ai_verdict`` None otherwise)."""
    _require_calibrator(user)
    with db.reader(db_path) as con:
        rnd, version = _round_call(con, user, round_id, call_id)
        criteria = con.execute(
            """SELECT r.criterion_id, r.title, v.verdict,
                      CASE WHEN $show_ai THEN r.verdict END AS ai_verdict
               FROM criterion_results r
               LEFT JOIN calibration_verdicts v ON v.round_id = $round_id AND v.call_id = r.call_id
                    AND v.criterion_id = r.criterion_id AND v.username = $username
               WHERE r.call_id = $call_id AND r.rubric_version = $version
               ORDER BY r.rowid""",
            {"show_ai": rnd.show_ai or rnd.ended, "round_id": int(round_id), "call_id": call_id,
             "username": user.username, "version": version}).df()
    criteria = criteria.astype(object).where(criteria.notna(), None)
    return CallSheet(rnd, call_id, criteria)


# --- rating ---------------------------------------------------------------------------------

def save_verdicts(db_path: PathLike, user: Actor, round_id: int, call_id: str,
                  verdicts: Mapping[str, str]) -> None:
    """The reviewer's verdicts on every criterion of one call of the round (replacing his
    earlier ones). Refused when a criterion is missing or unknown, a verdict is not pass /
    fail / not applicable, the user is not a reviewer of the round, or the round has ended.
    The verdicts that complete the round end it (``closed_at``)."""
    _require_calibrator(user)
    with db.writer(db_path) as con:
        rnd, version = _round_call(con, user, round_id, call_id)
        _require_in_progress(rnd)
        criteria = {row[0] for row in con.execute(
            "SELECT criterion_id FROM criterion_results WHERE call_id = ? AND rubric_version = ?",
            [call_id, version]).fetchall()}
        missing = criteria - set(verdicts)
        if missing:
            raise CallQAError(f"Оцените все критерии: без оценки осталось {len(missing)}.")
        if set(verdicts) - criteria:
            raise CallQAError("Среди оценок есть критерий, которого в звонке нет: обновите страницу.")
        if any(v not in CALIBRATION_VERDICTS for v in verdicts.values()):
            raise CallQAError("Оценка критерия может быть только «выполнено», «не выполнено» или "
                              "«неприменимо»: обновите страницу.")
        con.executemany(
            """INSERT INTO calibration_verdicts (round_id, call_id, criterion_id, username, verdict)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (round_id, call_id, criterion_id, username)
               DO UPDATE SET verdict = excluded.verdict, saved_at = now()""",
            [[int(round_id), call_id, cid, user.username, verdict] for cid, verdict in verdicts.items()])
        _end_if_complete(con, int(round_id))


def _require_in_progress(rnd: Round) -> None:
    if rnd.ended_early:
        raise CallQAError(f"Раунд завершён досрочно {rnd.closed_at:%d.%m.%Y}: оценки больше не принимаются.")
    if rnd.ended:
        raise CallQAError("Раунд завершён: оценки уже сравнены, менять их нельзя.")


def _end_if_complete(con: duckdb.DuckDBPyConnection, round_id: int) -> None:
    """Record when a round became complete (in the transaction of the change that did it)."""
    (rnd,) = _rounds(con, round_id)
    if rnd.complete and rnd.closed_at is None:
        con.execute("UPDATE calibration_rounds SET closed_at = current_timestamp WHERE round_id = ?",
                    [round_id])


# --- managing a round in progress -----------------------------------------------------------

def _managed_round(con: duckdb.DuckDBPyConnection, user: Actor, round_id: int) -> Round:
    """The round, in progress, when ``user`` may manage it."""
    found = _rounds(con, int(round_id))
    if not found:
        raise CallQAError("Этого раунда калибровки больше нет: обновите страницу.")
    rnd = found[0]
    if not may_manage(user, rnd):
        raise AccessDeniedError("Завершить раунд и сменить проверяющих может тот, кто создал раунд, "
                                "или владелец.")
    if rnd.ended:
        raise CallQAError(f"Раунд уже завершён {rnd.closed_at:%d.%m.%Y}." if rnd.closed_at
                          else "Раунд уже завершён.")
    return rnd


def close_round(db_path: PathLike, user: Actor, round_id: int) -> Round:
    """End a round in progress now (its creator or an owner): no more verdicts, it leaves the
    reviewers' task lists, and its results open with the verdicts given so far."""
    _require_calibrator(user)
    with db.writer(db_path) as con:
        _managed_round(con, user, round_id)
        con.execute("UPDATE calibration_rounds SET closed_at = current_timestamp, closed_by = ?"
                    " WHERE round_id = ?", [user.username, int(round_id)])
    found = get_round(db_path, user, round_id)
    assert found is not None  # just written
    return found


def add_reviewer(db_path: PathLike, user: Actor, round_id: int, username: str) -> Round:
    """Add an active owner or head account to a round in progress; he rates every call blind.
    Verdicts he gave before being removed from this round count again."""
    _require_calibrator(user)
    with db.writer(db_path) as con:
        rnd = _managed_round(con, user, round_id)
        _check_reviewers(con, [username])
        present = rnd.reviewer(username)
        if present is not None:
            raise CallQAError(f"{present.name} уже проверяет этот раунд.")
        con.execute("INSERT INTO calibration_reviewers (round_id, username) VALUES (?, ?)",
                    [int(round_id), username])
        _end_if_complete(con, int(round_id))  # he may have rated every call before his removal
    found = get_round(db_path, user, round_id)
    assert found is not None
    return found


def remove_reviewer(db_path: PathLike, user: Actor, round_id: int, username: str) -> Round:
    """Take a reviewer out of a round in progress (at least two stay). His verdicts stay in the
    store but leave the round's progress and results; when everyone left has finished, the
    round is complete."""
    _require_calibrator(user)
    with db.writer(db_path) as con:
        rnd = _managed_round(con, user, round_id)
        if rnd.reviewer(username) is None:
            raise CallQAError("Его уже нет среди проверяющих этого раунда: обновите страницу.")
        if len(rnd.reviewers) <= MIN_REVIEWERS:
            raise CallQAError("В раунде должно остаться хотя бы двое проверяющих: сначала добавьте "
                              "другого.")
        con.execute("DELETE FROM calibration_reviewers WHERE round_id = ? AND username = ?",
                    [int(round_id), username])
        _end_if_complete(con, int(round_id))
    found = get_round(db_path, user, round_id)
    assert found is not None
    return found


# --- results --------------------------------------------------------------------------------

def round_results(db_path: PathLike, user: Actor, round_id: int) -> pd.DataFrame | None:
    """Every verdict of the round's reviewers once it has ended, one row per call, criterion and
    reviewer: ``call_id, position, started_at, manager_name, criterion_id, title, ai_verdict,
    username, reviewer_name, verdict``; None while it is in progress (blind). A round closed
    early has the calls each reviewer rated (whole calls: verdicts are saved a call at a time)."""
    _require_calibrator(user)
    with db.reader(db_path) as con:
        found = _rounds(con, int(round_id))
        if not found or not found[0].ended:
            return None
        return con.execute(
            f"""SELECT cc.call_id, cc.position, c.started_at, m.name AS manager_name, r.criterion_id,
                       r.title, r.verdict AS ai_verdict, v.username,
                       coalesce({_PERSON}, v.username) AS reviewer_name, v.verdict
                FROM calibration_calls cc
                JOIN calls c ON c.call_id = cc.call_id
                LEFT JOIN managers m ON m.manager_id = c.manager_id
                JOIN criterion_results r ON r.call_id = cc.call_id AND r.rubric_version = cc.rubric_version
                JOIN calibration_verdicts v ON v.round_id = cc.round_id AND v.call_id = cc.call_id
                     AND v.criterion_id = r.criterion_id
                JOIN calibration_reviewers rv ON rv.round_id = v.round_id AND rv.username = v.username
                LEFT JOIN users u ON u.username = v.username
                WHERE cc.round_id = ?
                ORDER BY cc.position, r.rowid, reviewer_name, v.username""",
            [int(round_id)]).df()
