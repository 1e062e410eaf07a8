"""Named read queries for the review UI; each returns a DataFrame (the store → UI edge).

Roles are enforced here, not only in menus: every query that returns calls or feedback takes
the viewer (anything with ``role`` and ``manager_id``, e.g. ``store.users.User``) and restricts a
manager to calls with ``calls.manager_id = viewer.manager_id``. A manager asking for another
manager's call gets :class:`~core.errors.AccessDeniedError`.

The "current" score of a call is the one scored with its rubric's current version
(``rubric_versions.is_current``), falling back to the latest scored version
(:func:`store.effective.current_scores`). Scores, verdicts and objection handling shown to
users are *effective*: the latest РОП override / label wins and the score is recomputed from the
effective verdicts (:func:`store.effective.effective_scores`). A call is «разобран» by the one
definition of :func:`store.effective.reviews_cte` (the owner's pages use it too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import duckdb
import pandas as pd

from core.errors import AccessDeniedError
from core.types import NOT_OBJECTION
from store import calibration, db
from store.effective import (
    EVER,
    effective_scores,
    latest_labels,
    latest_overrides,
    reviews_cte,
)

PathLike = str | os.PathLike


class Viewer(Protocol):
    role: str
    manager_id: str | None


SORT_COLUMNS = {
    "started_at": "f.started_at",
    "score": "f.score_pct",
    "duration": "f.duration_s",
    "manager": "f.manager_name",
}

@dataclass(frozen=True, slots=True)
class CallFilters:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    manager_ids: tuple[str, ...] = ()
    score_min: float | None = None
    score_max: float | None = None
    objection_kind: str | None = None
    handling: str | None = None
    fatal_only: bool = False
    low_confidence_only: bool = False
    not_reviewed_only: bool = False
    phrase_lemmas: tuple[str, ...] = ()  # lemma sequence of the search phrase
    phrase_text: str = ""  # the raw phrase, lower-cased substring fallback


@dataclass(frozen=True, slots=True)
class CallPage:
    rows: pd.DataFrame
    total: int


def _scope(viewer: Viewer, alias: str = "c") -> tuple[str, list]:
    """SQL condition limiting a manager to own calls; everyone else sees all."""
    if viewer.role == "manager":
        return f"{alias}.manager_id = ?", [viewer.manager_id]
    if viewer.role in ("head", "owner"):
        return "TRUE", []
    raise AccessDeniedError(f"Role {viewer.role!r} may not read calls.")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filter_sql(f: CallFilters) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if f.date_from:
        where.append("c.started_at >= ?")
        params.append(f.date_from)
    if f.date_to:
        where.append("c.started_at < ?")
        params.append(f.date_to + timedelta(days=1))
    if f.manager_ids:
        where.append(f"c.manager_id IN ({', '.join('?' * len(f.manager_ids))})")
        params.extend(f.manager_ids)
    if f.score_min is not None:
        where.append("s.score_pct >= ?")
        params.append(f.score_min)
    if f.score_max is not None:
        where.append("s.score_pct <= ?")
        params.append(f.score_max)
    if f.objection_kind or f.handling:
        cond = ["o.call_id = c.call_id", "o.rubric_version = s.rubric_version"]
        if f.objection_kind:
            cond.append("o.kind = ?")
            params.append(f.objection_kind)
        if f.handling:  # the effective handling: the РОП's latest label wins, as on the call page
            cond.append("coalesce(lb.handling, o.handling) = ?")
            params.append(f.handling)
        cond.append(f"coalesce(lb.handling, '') <> '{NOT_OBJECTION}'")  # the РОП: no objection
        labels = latest_labels(columns="call_id, segment_idx, handling")
        where.append(f"EXISTS (SELECT 1 FROM objections o LEFT JOIN ({labels}) lb"
                     f" ON lb.call_id = o.call_id AND lb.segment_idx = o.segment_idx"
                     f" WHERE {' AND '.join(cond)})")
    if f.fatal_only:
        where.append("coalesce(s.fatal_failed, '') <> ''")
    if f.low_confidence_only:
        where.append(
            "(list_contains(string_split(coalesce(c.flags, ''), ','), 'low_confidence')"
            " OR coalesce(s.uncertain, FALSE)"
            " OR EXISTS (SELECT 1 FROM segments lc WHERE lc.call_id = c.call_id AND lc.low_confidence))"
        )
    if f.not_reviewed_only:
        where.append("c.call_id NOT IN (SELECT call_id FROM reviewed)")
    return where, params


def _phrase_sql(f: CallFilters) -> tuple[str, list]:
    """Match a segment by lemma sequence (word-bounded) or, failing lemmas, by raw text."""
    parts, params = [], []
    if f.phrase_lemmas:
        parts.append("(' ' || coalesce(sg.lemmas, '') || ' ') LIKE ? ESCAPE '\\'")
        params.append(f"% {_like_escape(' '.join(f.phrase_lemmas))} %")
    if f.phrase_text.strip():
        parts.append("lower(sg.text) LIKE ? ESCAPE '\\'")
        params.append(f"%{_like_escape(f.phrase_text.strip().lower())}%")
    return (f"({' OR '.join(parts)})" if parts else ""), params


# The reviewed calls of ``rev`` for IN / NOT IN: a note about a manager without a call (a
# loaded review history) is no call, and a NULL in NOT IN would leave no call unreviewed.
_REVIEWED = "reviewed AS (SELECT call_id FROM rev WHERE call_id IS NOT NULL)"


def list_calls(
    db_path: PathLike,
    viewer: Viewer,
    filters: CallFilters = CallFilters(),
    sort: str = "started_at",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> CallPage:
    """One page of calls (LIMIT/OFFSET in SQL) and the total count under the filters.

    One query: the page and the count come from one pass over the filtered calls (the count
    as a window over them); the objections and «разобран» of the page's rows are looked up for
    those rows only. Scores come from the ``current_scores`` rollup and «разобран» from the
    ``review_days`` rollup (store/rollups.py: the same calls as the raw tables give). A phrase
    is searched in one scan of the segments, which also gives each call's first matching line.
    """
    scope, params = _scope(viewer)
    where, fparams = _filter_sql(filters)
    order = SORT_COLUMNS.get(sort, SORT_COLUMNS["started_at"])
    direction = "DESC" if descending else "ASC"
    phrase_sql, phrase_params = _phrase_sql(filters)
    hits, hit_join, match = "", "", "NULL"
    if phrase_sql:
        hits = f""",
        hits AS (SELECT sg.call_id, arg_min(sg.text, sg.idx) AS match FROM segments sg
                 WHERE {phrase_sql} GROUP BY sg.call_id)"""
        hit_join, match = "JOIN hits h ON h.call_id = c.call_id", "h.match"
    base = f"""
        WITH {effective_scores(rollup=True)}, {reviews_cte(None, *EVER, rollup=True)}, {_REVIEWED}{hits},
        filtered AS (
            SELECT c.call_id, c.started_at, c.direction, c.duration_s, c.client_masked,
                   c.manager_id, m.name AS manager_name, c.source, c.path, c.flags,
                   s.score_pct, s.auto_score_pct, s.corrected, s.fatal_failed, s.uncertain,
                   s.rubric_version, {match} AS match
            FROM calls c {hit_join}
            LEFT JOIN managers m ON m.manager_id = c.manager_id
            LEFT JOIN score s ON s.call_id = c.call_id
            WHERE {' AND '.join([scope, *where])}
        )"""
    page_sql = f"""{base},
        f AS (SELECT *, count(*) OVER () AS total FROM filtered f
              ORDER BY {order} {direction} NULLS LAST, f.call_id LIMIT ? OFFSET ?),
        found AS (SELECT o.call_id, o.rubric_version, count(*) AS n FROM objections o
                  WHERE o.call_id IN (SELECT call_id FROM f) GROUP BY ALL)
        SELECT f.* EXCLUDE (match, total), coalesce(found.n, 0) AS objections,
            f.call_id IN (SELECT call_id FROM reviewed) AS reviewed,
            f.match, f.total
        FROM f LEFT JOIN found ON found.call_id = f.call_id AND found.rubric_version = f.rubric_version
        ORDER BY {order} {direction} NULLS LAST, f.call_id"""
    all_params = [*phrase_params, *params, *fparams]
    with db.reader(db_path) as con:
        rows = con.execute(page_sql, [*all_params, int(limit), int(offset)]).df()
        if len(rows):
            total = int(rows["total"].iloc[0])
        elif offset == 0:
            total = 0
        else:  # past the last page: the count alone
            total = con.execute(f"{base} SELECT count(*) FROM filtered", all_params).fetchone()[0]
    return CallPage(rows.drop(columns="total"), int(total))


def managers(db_path: PathLike, viewer: Viewer) -> pd.DataFrame:
    """Managers the viewer may see (a manager: only self)."""
    if viewer.role == "manager":
        return db.query_df(
            db_path, "SELECT manager_id, name, team FROM managers WHERE manager_id = ?",
            [viewer.manager_id],
        )
    return db.query_df(db_path, "SELECT manager_id, name, team FROM managers ORDER BY name")


# --- one call ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CallView:
    """Everything the call page shows, read in one short connection after one access check."""

    call: dict
    segments: pd.DataFrame
    criteria: pd.DataFrame  # ``verdict`` = latest override, ``auto_verdict`` = the scorer's
    objections: pd.DataFrame  # ``handling`` = latest РОП label, ``auto_handling`` = the model's
    metrics: pd.DataFrame
    feedback: pd.DataFrame
    training_items: pd.DataFrame
    review: dict  # opened, played_s, reviewed_at
    # the viewer still has to rate the call in a calibration round: the page shows the
    # recording and the transcript only (store.calibration.awaits_verdicts)
    awaits_verdicts: bool = False


def call_view(db_path: PathLike, viewer: Viewer, call_id: str) -> CallView | None:
    """The call page's data; None when unknown; AccessDeniedError for another manager's call."""
    with db.reader(db_path) as con:
        call = _get_call(con, viewer, call_id)
        if call is None:
            return None
        version = call["rubric_version"]
        return CallView(
            awaits_verdicts=calibration.awaits_verdicts(con, viewer, call_id),
            call=call,
            segments=_segments(con, call_id),
            criteria=_criteria(con, call_id, version),
            objections=_objections(con, call_id, version),
            metrics=con.execute(
                "SELECT * EXCLUDE (call_id) FROM call_metrics WHERE call_id = ?", [call_id]).df(),
            feedback=_call_feedback(con, viewer, call),
            training_items=con.execute(
                "SELECT * FROM training_items WHERE call_id = ? ORDER BY start_s", [call_id]).df(),
            review=_review_summary(con, call_id),
        )


def get_call(db_path: PathLike, viewer: Viewer, call_id: str) -> dict | None:
    """The call with its current score; None when unknown; AccessDeniedError when not allowed."""
    with db.reader(db_path) as con:
        return _get_call(con, viewer, call_id)


def _get_call(con, viewer: Viewer, call_id: str) -> dict | None:
    _scope(viewer)
    df = con.execute(
        f"""WITH {effective_scores(call_scope="(SELECT $call_id)")}
            SELECT c.*, m.name AS manager_name, s.rubric_id, s.rubric_version, s.score_pct,
                   s.points, s.max_points, s.fatal_failed, s.applicable, s.uncertain,
                   s.auto_score_pct, s.corrected
            FROM calls c LEFT JOIN managers m ON m.manager_id = c.manager_id
            LEFT JOIN score s ON s.call_id = c.call_id
            WHERE c.call_id = $call_id""",
        {"call_id": call_id},
    ).df()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    flags = row.get("flags")
    row["flags"] = frozenset(flags.split(",")) if isinstance(flags, str) and flags else frozenset()
    if viewer.role == "manager" and row["manager_id"] != viewer.manager_id:
        raise AccessDeniedError("Этот звонок другого менеджера: доступ только к своим звонкам.")
    return row


def _segments(con, call_id: str) -> pd.DataFrame:
    return con.execute(
        "SELECT idx, speaker, start_s, end_s, text, low_confidence, avg_logprob FROM segments"
        " WHERE call_id = ? ORDER BY idx",
        [call_id],
    ).df()


def _criteria(con, call_id: str, version: str | None) -> pd.DataFrame:
    return con.execute(
        f"""WITH ov AS ({latest_overrides("call_id = ?")})
           SELECT r.criterion_id, r.stage, r.title, coalesce(ov.verdict, r.verdict) AS verdict,
                  r.verdict AS auto_verdict, ov.reason AS override_reason,
                  (SELECT {PERSON_NAME} FROM users u
                    LEFT JOIN managers um ON um.manager_id = u.manager_id
                    WHERE u.username = ov.username) AS override_by_name,
                  ov.username AS override_by, ov.created_at AS override_at, r.points,
                  r.max_points, r.fatal, r.confidence, r.reason, r.evidence_idx,
                  r.evidence_start_s, r.evidence_end_s, r.evidence_quote
           FROM criterion_results r LEFT JOIN ov ON ov.criterion_id = r.criterion_id
           WHERE r.call_id = ? AND r.rubric_version = ?
           ORDER BY r.rowid""",
        [call_id, call_id, version],
    ).df()


def _objections(con, call_id: str, version: str | None) -> pd.DataFrame:
    return con.execute(
        f"""WITH lb AS ({latest_labels("call_id = ?")})
           SELECT o.n, o.kind, o.segment_idx, o.start_s, o.quote,
                  coalesce(lb.handling, o.handling) AS handling, o.handling AS auto_handling,
                  lb.username AS labelled_by,
                  (SELECT {PERSON_NAME} FROM users u
                    LEFT JOIN managers um ON um.manager_id = u.manager_id
                    WHERE u.username = lb.username) AS labelled_by_name, o.response_idx, o.response_quote, o.confidence
           FROM objections o LEFT JOIN lb ON lb.segment_idx = o.segment_idx
           WHERE o.call_id = ? AND o.rubric_version = ? ORDER BY o.n""",
        [call_id, call_id, version],
    ).df()


# A person's name as the UI shows it: the display name, else the manager's name, else the role
# («РОП», «Владелец»); never the login.
PERSON_NAME = """coalesce(nullif(trim(u.display_name), ''), um.name,
                      CASE u.role WHEN 'owner' THEN 'Владелец' WHEN 'manager' THEN 'Менеджер'
                                  ELSE 'РОП' END)"""
PERSON_JOIN = """LEFT JOIN users u ON u.username = {alias}.username
                  LEFT JOIN managers um ON um.manager_id = u.manager_id"""


def _call_feedback(con, viewer: Viewer, call: dict) -> pd.DataFrame:
    sql = (f"SELECT f.*, {PERSON_NAME} AS sender FROM feedback f {PERSON_JOIN.format(alias='f')}"
           " WHERE f.call_id = ?")
    params: list = [call["call_id"]]
    if viewer.role == "manager":
        sql += " AND f.manager_id = ?"
        params.append(viewer.manager_id)
    return con.execute(sql + " ORDER BY f.created_at DESC", params).df()


def _review_summary(con, call_id: str) -> dict:
    opened, played_s, reviewed_at = con.execute(
        """SELECT count(*) FILTER (WHERE kind = 'opened'),
                  coalesce(sum(played_s) FILTER (WHERE kind = 'played'), 0),
                  max(created_at) FILTER (WHERE kind = 'reviewed')
           FROM review_events WHERE call_id = ?""",
        [call_id],
    ).fetchone()
    return {"opened": int(opened), "played_s": float(played_s), "reviewed_at": reviewed_at}



# --- feedback and training library ---------------------------------------------------------

def feedback_for_manager(db_path: PathLike, viewer: Viewer, manager_id: str | None = None) -> pd.DataFrame:
    """Feedback addressed to a manager; a manager always gets only their own."""
    if viewer.role == "manager":
        manager_id = viewer.manager_id
    sql = f"""SELECT f.feedback_id, f.call_id, f.manager_id, m.name AS manager_name,
                    f.criterion_id, f.objection_kind, f.text, f.username, {PERSON_NAME} AS sender,
                    f.created_at, f.acknowledged_at, c.started_at AS call_started_at
             FROM feedback f LEFT JOIN managers m ON m.manager_id = f.manager_id
             LEFT JOIN calls c ON c.call_id = f.call_id {PERSON_JOIN.format(alias='f')}"""
    params: list = []
    if manager_id is not None or viewer.role == "manager":
        sql += " WHERE f.manager_id = ?"
        params.append(manager_id)
    return db.query_df(db_path, sql + " ORDER BY f.created_at DESC", params)


def unread_feedback(db_path: PathLike, viewer: Viewer) -> int:
    """How many feedback notes the manager has not acknowledged (0 for other roles)."""
    if viewer.role != "manager":
        return 0
    return int(db.query_rows(
        db_path, "SELECT count(*) FROM feedback WHERE manager_id = ? AND acknowledged_at IS NULL",
        [viewer.manager_id])[0][0])


def feedback_replies(db_path: PathLike, viewer: Viewer, feedback_ids) -> pd.DataFrame:
    """Replies to these feedback notes, oldest first, with the sender's name; a manager gets
    only the threads of notes addressed to him."""
    ids = [int(i) for i in feedback_ids]
    if not ids:
        return pd.DataFrame(columns=["reply_id", "feedback_id", "text", "sender", "created_at"])
    sql = f"""SELECT r.reply_id, r.feedback_id, r.text, {PERSON_NAME} AS sender, r.created_at
              FROM feedback_replies r JOIN feedback f ON f.feedback_id = r.feedback_id
              {PERSON_JOIN.format(alias='r')}
              WHERE r.feedback_id IN ({', '.join('?' * len(ids))})"""
    params: list = list(ids)
    if viewer.role == "manager":
        sql += " AND f.manager_id = ?"
        params.append(viewer.manager_id)
    return db.query_df(db_path, sql + " ORDER BY r.created_at, r.reply_id", params)


def training_library(db_path: PathLike, viewer: Viewer, label: str | None = None) -> pd.DataFrame:
    """Saved clips; a manager sees clips of own calls only."""
    scope, params = _scope(viewer)
    sql = f"""SELECT t.item_id, t.call_id, t.start_s, t.end_s, t.label, t.note, t.username,
                     t.created_at, c.manager_id, m.name AS manager_name, c.started_at, c.path,
                     (SELECT string_agg(sg.text, ' ' ORDER BY sg.idx) FROM segments sg
                       WHERE sg.call_id = t.call_id AND sg.end_s > t.start_s
                         AND sg.start_s < t.end_s) AS text
              FROM training_items t JOIN calls c ON c.call_id = t.call_id
              LEFT JOIN managers m ON m.manager_id = c.manager_id
              WHERE {scope}"""
    if label:
        sql += " AND t.label = ?"
        params.append(label)
    return db.query_df(db_path, sql + " ORDER BY t.created_at DESC", params)


# --- managers page ------------------------------------------------------------------------
#
# The page's figures come from the rollups of each call's current score (store/rollups.py: the
# same rows as joining every call's versions, without grouping them) with the РОП's corrections
# applied, and all five tables from one short connection: DuckDB's cache lives as long as the
# connection, so the later queries read what the first one loaded.

@dataclass(frozen=True, slots=True)
class ManagersOverview:
    """Everything the «Менеджеры» page shows (see the functions of the same names)."""

    summary: pd.DataFrame
    trend: pd.DataFrame
    criteria: pd.DataFrame
    handling: pd.DataFrame
    metrics: pd.DataFrame


def managers_overview(db_path: PathLike, viewer: Viewer, min_calls: int = 5) -> ManagersOverview:
    """The «Менеджеры» page's tables, read in one short connection: per manager ``summary``
    (calls, scored calls, mean effective score, fatal calls, ``low_data`` below ``min_calls``
    scored calls), ``trend`` (mean effective score and scored calls per manager and week),
    ``criteria`` (:func:`criteria_pass_rates`), ``handling`` (:func:`handling_mix`) and
    ``metrics`` (mean conversation metrics per manager, ``calls`` with metrics)."""
    with db.reader(db_path) as con:
        per_manager, per_week = _manager_figures(con, viewer)
        summary = per_manager[["manager_id", "manager_name", "calls", "scored", "mean_score", "fatal_calls"]]
        measured = per_manager[per_manager["measured"] > 0]
        return ManagersOverview(
            summary=summary.assign(low_data=summary["scored"] < min_calls).reset_index(drop=True),
            trend=per_week[["manager_id", "manager_name", "week", "mean_score", "scored"]]
            .rename(columns={"scored": "calls"}).reset_index(drop=True),
            criteria=criteria_pass_rates(con, viewer), handling=handling_mix(con, viewer),
            metrics=measured[["manager_id", "manager_name", "measured", *_METRICS]]
            .rename(columns={"measured": "calls"}).reset_index(drop=True))


# the page's mean conversation metrics: column of the result <- column of call_metrics
_METRICS = {"talk_ratio": "manager_talk_ratio", "questions": "manager_questions",
            "longest_monologue_s": "longest_manager_monologue_s", "interruptions": "interruptions",
            "patience_s": "patience_s", "words_per_min": "manager_words_per_min"}


def _manager_figures(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per manager and per manager and week, in one pass over the calls (grouping sets):
    calls, ``scored`` (with an effective score), ``mean_score``, ``fatal_calls``, ``measured``
    (with conversation metrics) and the metrics' means. Per week only weeks with a current
    score row (a not-applicable call has one, with no score), as the trend showed them."""
    scope, params = _scope(viewer)
    means = ", ".join(f"avg(x.{col}) AS {name}" for name, col in _METRICS.items())
    rows = con.execute(
        f"""WITH {effective_scores(rollup=True)}
            SELECT c.manager_id, date_trunc('week', c.started_at) AS week, GROUPING(week) = 1 AS whole,
                   any_value(m.name) AS manager_name, count(*) AS calls,
                   count(s.score_pct) AS scored, avg(s.score_pct) AS mean_score,
                   count(*) FILTER (WHERE coalesce(s.fatal_failed, '') <> '') AS fatal_calls,
                   count(s.call_id) AS score_rows, count(x.call_id) AS measured, {means}
            FROM calls c LEFT JOIN managers m ON m.manager_id = c.manager_id
            LEFT JOIN score s ON s.call_id = c.call_id
            LEFT JOIN call_metrics x ON x.call_id = c.call_id
            WHERE {scope}
            GROUP BY GROUPING SETS ((c.manager_id), (c.manager_id, week))
            ORDER BY whole DESC, manager_name, week""",
        params,
    ).df()
    whole = rows["whole"].astype(bool)
    weeks = rows[~whole & rows["week"].notna() & (rows["score_rows"] > 0)]
    return rows[whole], weeks.sort_values("week", kind="stable")


Source = PathLike | duckdb.DuckDBPyConnection  # a store path, or a connection several queries share


def _read(source: Source, sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.execute(sql, params or []).df()
    return db.query_df(source, sql, params)


def criteria_pass_rates(db_path: Source, viewer: Viewer) -> pd.DataFrame:
    """Pass rate per manager and criterion over pass/fail verdicts (overrides applied), from the
    verdict rows of each call's current score (the ``current_verdicts`` rollup)."""
    scope, params = _scope(viewer, "r")
    return _read(
        db_path,
        f"""WITH ov AS ({latest_overrides(columns="call_id, criterion_id, verdict")}),
            v AS (SELECT r.manager_id, r.criterion_id, coalesce(ov.verdict, r.verdict) AS verdict
                  FROM current_verdicts r
                  LEFT JOIN ov ON ov.call_id = r.call_id AND ov.criterion_id = r.criterion_id
                  WHERE {scope})
            SELECT v.manager_id, any_value(m.name) AS manager_name, v.criterion_id,
                   count(*) FILTER (WHERE verdict IN ('pass', 'fail')) AS n,
                   count(*) FILTER (WHERE verdict = 'pass') AS passed,
                   passed / nullif(n, 0) AS pass_rate
            FROM v LEFT JOIN managers m ON m.manager_id = v.manager_id
            GROUP BY v.manager_id, v.criterion_id ORDER BY manager_name, v.criterion_id""",
        params,
    )


def handling_mix(db_path: Source, viewer: Viewer) -> pd.DataFrame:
    """Objections per manager, kind and handling class (РОП labels applied), from the objection
    rows of each call's current score (the ``current_objections`` rollup)."""
    scope, params = _scope(viewer, "o")
    return _read(
        db_path,
        f"""WITH lb AS ({latest_labels(columns="call_id, segment_idx, handling")})
            SELECT o.manager_id, any_value(m.name) AS manager_name, o.kind,
                   coalesce(lb.handling, o.handling) AS handling, count(*) AS n
            FROM current_objections o
            LEFT JOIN lb ON lb.call_id = o.call_id AND lb.segment_idx = o.segment_idx
            LEFT JOIN managers m ON m.manager_id = o.manager_id
            WHERE {scope} AND coalesce(lb.handling, '') <> '{NOT_OBJECTION}'
            GROUP BY o.manager_id, o.kind, coalesce(lb.handling, o.handling)
            ORDER BY manager_name, o.kind, handling""",
        params,
    )


# --- rubric -------------------------------------------------------------------------------

def rubric_versions(db_path: PathLike) -> pd.DataFrame:
    """Every stored version, newest first; ``number`` counts a rubric's versions in the order
    they were loaded (1, 2, 3…), which people can say aloud where the sha256 is unreadable."""
    return db.query_df(
        db_path,
        """SELECT v.rubric_id, v.version, v.loaded_at, v.is_current,
                  row_number() OVER (PARTITION BY v.rubric_id ORDER BY v.loaded_at, v.rowid) AS number,
                  (SELECT count(*) FROM call_scores s WHERE s.rubric_version = v.version) AS calls_scored
           FROM rubric_versions v ORDER BY v.loaded_at DESC, number DESC, v.rubric_id""",
    )


def current_rubrics(db_path: PathLike) -> pd.DataFrame:
    return db.query_df(
        db_path,
        "SELECT rubric_id, version, yaml, loaded_at FROM rubric_versions WHERE is_current ORDER BY rubric_id",
    )


# --- the РОП's queue -------------------------------------------------------------------------

QUEUE_DAYS = 30
_FOREVER = "TIMESTAMP '9999-12-31'"


def review_queue(db_path: PathLike, viewer: Viewer, low_score: float, days: int = QUEUE_DAYS,
                 limit: int = 100) -> pd.DataFrame:
    """Calls waiting for the РОП, newest first: not reviewed yet (the one definition,
    :func:`store.effective.reviews_cte`) and with a reason for a human look -- an effective
    score below ``low_score``, a fatal error, a criterion judged «недостаточно данных», the
    ``roles_uncertain`` flag, or an objection answered with a discount or ignored (the РОП's
    labels applied). Covers the ``days`` days up to the newest call in the store.

    Columns: call_id, started_at, manager_id, manager_name, score_pct, fatal_failed,
    roles_uncertain, insufficient (criterion ids), mishandled (``kind:handling`` pairs).
    """
    if viewer.role not in ("head", "owner"):
        raise AccessDeniedError("Очередь разбора доступна только РОП и владельцу.")
    since = f"((SELECT max(started_at) FROM calls) - INTERVAL {int(days)} DAY)"
    # the current score's rows and the РОП's reviews of the window from the rollups (store/rollups.py)
    sql = f"""
    WITH {effective_scores(started=(since, _FOREVER), rollup=True)},
    {reviews_cte(None, since, _FOREVER, rollup=True)}, {_REVIEWED},
    ov AS ({latest_overrides(columns="call_id, criterion_id, verdict")}),
    lb AS ({latest_labels(columns="call_id, segment_idx, handling")}),
    ins AS (SELECT r.call_id, list(r.criterion_id ORDER BY r.criterion_id) AS insufficient
            FROM current_verdicts r
            LEFT JOIN ov ON ov.call_id = r.call_id AND ov.criterion_id = r.criterion_id
            WHERE r.started_at >= {since} AND coalesce(ov.verdict, r.verdict) = 'insufficient'
            GROUP BY r.call_id),
    bad AS (SELECT o.call_id, list(DISTINCT o.kind || ':' || coalesce(lb.handling, o.handling))
                       AS mishandled
            FROM current_objections o
            LEFT JOIN lb ON lb.call_id = o.call_id AND lb.segment_idx = o.segment_idx
            WHERE o.started_at >= {since}
              AND coalesce(lb.handling, o.handling) IN ('discount', 'ignored')
            GROUP BY o.call_id)
    SELECT c.call_id, c.started_at, c.manager_id, m.name AS manager_name, s.score_pct,
           s.fatal_failed,
           list_contains(string_split(coalesce(c.flags, ''), ','), 'roles_uncertain') AS roles_uncertain,
           ins.insufficient, bad.mishandled
    FROM calls c LEFT JOIN score s ON s.call_id = c.call_id
    LEFT JOIN managers m ON m.manager_id = c.manager_id
    LEFT JOIN ins ON ins.call_id = c.call_id LEFT JOIN bad ON bad.call_id = c.call_id
    WHERE c.started_at >= {since} AND c.call_id NOT IN (SELECT call_id FROM reviewed)
      AND (s.score_pct < ? OR coalesce(s.fatal_failed, '') <> '' OR ins.call_id IS NOT NULL
           OR bad.call_id IS NOT NULL
           OR list_contains(string_split(coalesce(c.flags, ''), ','), 'roles_uncertain'))
    ORDER BY c.started_at DESC, c.call_id LIMIT ?"""
    return db.query_df(db_path, sql, [float(low_score), int(limit)])


# --- «Мой прогресс» ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Progress:
    """A manager's weeks against the team's: ``scores`` (week, own, mean_score, calls) and
    ``criteria`` (week, criterion_id, own, passed, n); ``own`` false rows are the whole team."""

    scores: pd.DataFrame
    criteria: pd.DataFrame


def manager_progress(db_path: PathLike, viewer: Viewer, manager_id: str | None = None,
                     weeks: int = 8) -> Progress:
    """The last ``weeks`` weeks up to the newest call in the store: the manager's effective
    mean score and each criterion's effective pass rate per week, and the team's (every
    manager, the manager included). A manager always gets his own."""
    if viewer.role == "manager":
        manager_id = viewer.manager_id
    elif viewer.role not in ("head", "owner"):
        raise AccessDeniedError(f"Role {viewer.role!r} may not read calls.")
    since = (f"(date_trunc('week', (SELECT max(started_at) FROM calls))"
             f" - INTERVAL {int(weeks) - 1} WEEK)")
    base = f"""WITH {effective_scores(started=(since, _FOREVER))},
    base AS (SELECT c.call_id, c.manager_id = $manager AS own,
                    date_trunc('week', c.started_at) AS week, s.score_pct, s.rubric_version
             FROM calls c JOIN score s ON s.call_id = c.call_id
             WHERE c.started_at >= {since})"""
    scores = f"""{base}
    SELECT week, own, avg(score_pct) AS mean_score, count(score_pct) AS calls FROM base
    WHERE own GROUP BY week, own
    UNION ALL
    SELECT week, FALSE, avg(score_pct), count(score_pct) FROM base GROUP BY week
    ORDER BY week, own"""
    criteria = f"""{base},
    ov AS ({latest_overrides(columns="call_id, criterion_id, verdict")}),
    v AS (SELECT b.week, b.own, r.criterion_id, coalesce(ov.verdict, r.verdict) AS verdict
          FROM base b JOIN criterion_results r
               ON r.call_id = b.call_id AND r.rubric_version = b.rubric_version
          LEFT JOIN ov ON ov.call_id = r.call_id AND ov.criterion_id = r.criterion_id
          WHERE r.started_at >= {since})
    SELECT week, criterion_id, own, count(*) FILTER (WHERE verdict = 'pass') AS passed,
           count(*) FILTER (WHERE verdict IN ('pass', 'fail')) AS n
    FROM (SELECT week, own, criterion_id, verdict FROM v WHERE own
          UNION ALL SELECT week, FALSE, criterion_id, verdict FROM v)
    GROUP BY ALL ORDER BY week, criterion_id, own"""
    with db.reader(db_path) as con:
        params = {"manager": manager_id}
        return Progress(con.execute(scores, params).df(), con.execute(criteria, params).df())
