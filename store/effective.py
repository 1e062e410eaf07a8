"""The one wording of "the current score of a call" and of "what the РОП said last", for every
query that shows a call's score or applies his corrections.

The current score of a call is the row of ``call_scores`` scored with its rubric's current
version (``rubric_versions.is_current``), falling back to the latest scored version (ties broken
by the later version id): see :func:`current_scores`.

An override or an objection label is an append-only event; the effective one for a
(call, criterion) or (call, segment) is the latest, ties broken by the later id. Each function
returns a SELECT (to use as a CTE or subquery) with the columns of its table; ``where`` narrows
it (a call, a time bound ``created_at < $as_of`` for a past week, a scope of calls).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from core.types import NOT_OBJECTION
from store import db

# The columns of a call's current score that queries read.
SCORE_COLUMNS = ("rubric_id", "rubric_version", "score_pct", "points", "max_points",
                 "fatal_failed", "applicable", "uncertain")
# Which scored version is current: the current rubric version first, then the latest scored.
_CURRENT_FIRST = "((cs.rubric_version IN (SELECT version FROM cur)), cs.scored_at, cs.rubric_version)"


def current_scores(name: str = "score", *, call_scope: str | None = None,
                   started: tuple[str, str] | None = None,
                   columns: Sequence[str] = SCORE_COLUMNS, materialized: bool = False) -> str:
    """Two CTEs, ``cur`` (the current rubric versions) and ``name(call_id, *columns)``: the
    current score of each scored call.

    ``call_scope`` is a SQL set of call ids (``(?)`` for one call, a subquery for a week);
    ``started`` = ``(lo, hi)`` keeps scores of calls started in ``[lo, hi)``: result tables
    carry the call's start (migration 002) and fill in time order, so DuckDB skips whole row
    groups. ``materialized`` computes the CTE once for queries that use it several times.
    """
    cond = _scope_condition(call_scope, started)
    # arg_max_null: a NULL in the current row (no score for a not-applicable call) stays NULL
    # instead of falling back to an older version's value.
    # The ordering key is computed once per row (one membership test, not one per column).
    picked = ", ".join(f"arg_max_null(cs.{col}, cs.pick) AS {col}" for col in columns)
    keyword = " MATERIALIZED" if materialized else ""
    return (f"cur AS (SELECT version FROM rubric_versions WHERE is_current),\n"
            f"    {name} AS{keyword} (SELECT cs.call_id, {picked}\n"
            f"        FROM (SELECT cs.*, {_CURRENT_FIRST} AS pick FROM call_scores cs{cond}) cs GROUP BY cs.call_id)")


_FATAL_LIST = r"regexp_matches(yaml, '(?m)^fatal_policy:\s*.?list')"


def effective_scores(name: str = "score", *, call_scope: str | None = None,
                     started: tuple[str, str] | None = None, materialized: bool = False,
                     fixes_where: str = "", rollup: bool = False) -> str:
    """``cur`` and ``name(call_id, *SCORE_COLUMNS, auto_score_pct, corrected)``: the
    **effective score** of each scored call -- the one number the calls list, the call page,
    the managers' pages, the owner's KPIs and the exports show.

    It is the current score (:func:`current_scores`) with the РОП's latest overrides applied:
    for a call with overrides, points, max points and the fatal errors are recomputed from its
    criterion rows with the effective verdicts (a criterion's weight is its ``max_points``, or,
    for a row the scorer judged not applicable / insufficient, the largest ``max_points`` the
    criterion has in that rubric version); a failed fatal criterion makes the score 0 unless
    the rubric says ``fatal_policy: list``. Calls without overrides keep the scorer's row.
    ``auto_score_pct`` is the scorer's number, ``corrected`` whether the overrides changed it.
    Criterion rows without points (results stored without them) keep the scorer's number.
    ``fixes_where`` narrows the overrides read (``created_at < $as_of`` for a past week).
    ``rollup`` reads the current scores from their rollup (``current_scores``, store/rollups.py:
    the same rows, without grouping every call's versions).
    """
    if rollup:
        base = _current_from_rollup(f"{name}_auto", call_scope, started)
    else:
        base = current_scores(f"{name}_auto", call_scope=call_scope, started=started, materialized=True)
    fix_cond = [f"call_id IN {call_scope}"] if call_scope else []
    if fixes_where:
        fix_cond.append(fixes_where)
    fixes = latest_overrides(" AND ".join(fix_cond), "call_id, criterion_id, verdict")
    in_period = ""
    if started:
        lo, hi = started
        in_period = f" AND r.started_at >= {lo} AND r.started_at < {hi}"
    keyword = " MATERIALIZED" if materialized else ""
    kept = [c for c in SCORE_COLUMNS if c not in ("score_pct", "points", "max_points", "fatal_failed")]
    cols = ", ".join(kept)
    e_cols = ", ".join(f"e.{c}" for c in kept)
    return f"""{base},
    {name}_fix AS MATERIALIZED ({fixes}),
    {name}_rows AS (
        SELECT r.call_id, r.criterion_id, r.rowid AS pos, r.fatal, r.max_points, r.rubric_version,
               coalesce(f.verdict, r.verdict) AS verdict, f.verdict IS NOT NULL AS fixed
        FROM criterion_results r
        JOIN (SELECT * FROM {name}_auto WHERE call_id IN (SELECT call_id FROM {name}_fix)) a  -- the few corrected
             ON a.call_id = r.call_id AND a.rubric_version = r.rubric_version
        LEFT JOIN {name}_fix f ON f.call_id = r.call_id AND f.criterion_id = r.criterion_id
        WHERE r.call_id IN (SELECT call_id FROM {name}_fix){in_period}),
    {name}_wt AS (
        SELECT r.rubric_version, r.criterion_id, max(r.max_points) AS weight
        FROM criterion_results r
        WHERE (r.rubric_version, r.criterion_id) IN (
            SELECT rubric_version, criterion_id FROM {name}_rows WHERE fixed AND max_points = 0)
        GROUP BY ALL),
    {name}_calc AS (
        SELECT x.call_id,
               sum(CASE WHEN x.verdict = 'pass' THEN x.w ELSE 0 END) AS points,
               sum(CASE WHEN x.verdict IN ('pass', 'fail') THEN x.w ELSE 0 END) AS max_points,
               string_agg(x.criterion_id, ',' ORDER BY x.pos)
                   FILTER (WHERE x.fatal AND x.verdict = 'fail') AS fatal_failed,
               count(x.max_points) AS known
        FROM (SELECT r.*, CASE WHEN r.max_points > 0 THEN r.max_points
                               ELSE coalesce(w.weight, 0) END AS w
              FROM {name}_rows r LEFT JOIN {name}_wt w
                   ON w.rubric_version = r.rubric_version AND w.criterion_id = r.criterion_id) x
        GROUP BY x.call_id),
    {name}_policy AS (SELECT version, bool_or({_FATAL_LIST}) AS fatal_list
                      FROM rubric_versions GROUP BY version),
    {name}_eff AS (
        SELECT a.*, coalesce(k.known > 0, FALSE) AS fixed, k.points AS k_points, k.max_points AS k_max,
               k.fatal_failed AS k_fatal,
               k.fatal_failed IS NOT NULL AND NOT coalesce(p.fatal_list, FALSE) AS zeroed
        FROM {name}_auto a LEFT JOIN {name}_calc k ON k.call_id = a.call_id
        LEFT JOIN {name}_policy p ON p.version = a.rubric_version),
    {name} AS{keyword} (
        SELECT call_id, {cols}, score_pct, points, max_points, fatal_failed, auto_score_pct,
               score_pct IS DISTINCT FROM auto_score_pct AS corrected
        FROM (SELECT e.call_id, {e_cols},
                     CASE WHEN NOT e.fixed THEN e.score_pct
                          WHEN NOT e.applicable OR e.k_max <= 0 THEN NULL
                          WHEN e.zeroed THEN 0.0
                          ELSE round(100.0 * e.k_points / e.k_max, 1) END AS score_pct,
                     CASE WHEN NOT e.fixed THEN e.points WHEN e.zeroed AND e.applicable THEN 0.0
                          ELSE e.k_points END AS points,
                     CASE WHEN e.fixed THEN e.k_max ELSE e.max_points END AS max_points,
                     CASE WHEN e.fixed THEN e.k_fatal ELSE e.fatal_failed END AS fatal_failed,
                     e.score_pct AS auto_score_pct
              FROM {name}_eff e))"""


def _scope_condition(call_scope: str | None, started: tuple[str, str] | None) -> str:
    """`` WHERE …`` keeping the calls of ``call_scope`` started in ``[lo, hi)`` (or '')."""
    where = []
    if call_scope:
        where.append(f"cs.call_id IN {call_scope}")
    if started:
        lo, hi = started
        where.append(f"cs.started_at >= {lo} AND cs.started_at < {hi}")
    return f" WHERE {' AND '.join(where)}" if where else ""


def _current_from_rollup(name: str, call_scope: str | None, started: tuple[str, str] | None) -> str:
    """``cur`` and ``name``: :func:`current_scores` read from the ``current_scores`` rollup."""
    cond = _scope_condition(call_scope, started)
    return (f"cur AS (SELECT version FROM rubric_versions WHERE is_current),\n"
            f"    {name} AS MATERIALIZED (SELECT cs.call_id, {', '.join(f'cs.{c}' for c in SCORE_COLUMNS)}\n"
            f"        FROM current_scores cs{cond})")


def _latest(table: str, key: str, id_col: str, columns: str, where: str) -> str:
    cond = f"WHERE {where}" if where else ""
    return (f"SELECT {columns} FROM {table} {cond} "
            f"QUALIFY row_number() OVER (PARTITION BY call_id, {key} "
            f"ORDER BY created_at DESC, {id_col} DESC) = 1")


def latest_overrides(where: str = "", columns: str = "*") -> str:
    """The РОП's latest override per (call, criterion)."""
    return _latest("overrides", "criterion_id", "override_id", columns, where)


def latest_labels(where: str = "", columns: str = "*") -> str:
    """The РОП's latest handling label per (call, objection segment)."""
    return _latest("objection_labels", "segment_idx", "label_id", columns, where)


# --- reviewed calls -------------------------------------------------------------------------
#
# The one meaning of «разобран»: the РОП played the call for >= MIN_PLAYED_S seconds in total,
# overrode a verdict, commented, gave feedback on it, labelled an objection, clipped it for the
# training library or pressed «Разобран». Actions count as the РОП's when their ``username`` is
# not an owner or manager account (so the demo history counts even before its user exists).

MIN_PLAYED_S = 10.0
REVIEW_KINDS = ("override", "comment", "reviewed", "feedback", "label", "training", "tag")
_REVIEW_KINDS = "(" + ", ".join(f"'{k}'" for k in REVIEW_KINDS) + ")"
_NOT_HEAD = "(SELECT username FROM users WHERE role IN ('owner', 'manager'))"
# Tables where each row is one РОП action on a call (besides review_events' kinds).
_ACTION_TABLES = ("overrides", "feedback", "objection_labels", "training_items")
_REVIEW_SOURCES = ("review_events", *_ACTION_TABLES)
EVER = ("TIMESTAMP '1900-01-01'", "TIMESTAMP '9999-12-31'")  # no time bound


def head_actions(lo: str, call_scope: str | None = None, hi: str = "$as_of", alias: str = "") -> str:
    """WHERE condition of the РОП's rows in ``[lo, hi)`` (of calls in ``call_scope``); ``alias``
    qualifies the columns (``"t."``)."""
    a = alias
    in_scope = f" AND {a}call_id IN {call_scope}" if call_scope else ""
    return f"{a}created_at >= {lo} AND {a}created_at < {hi}{in_scope} AND {a}username NOT IN {_NOT_HEAD}"


def review_rows(where: str, call: bool = False) -> str:
    """The review rows matching ``where`` (of the five review tables) as ``(call_id, username,
    created_at, first_action_at, last_action_at, played_s, last_played_at)`` (and the copies of
    the call's start and manager with ``call``): an action (a kind of ``_REVIEW_KINDS`` or a row
    of an action table) has its time as first and last action; a 'played' event its seconds and
    time; other events are left out. Summed per call over a window they say whether it is
    reviewed there (:func:`reviews_cte`); per day they are the ``review_days`` rollup."""
    copies = ", call_started_at, call_manager_id" if call else ""
    actions = "".join(f"""
        UNION ALL
        SELECT call_id, username, created_at, created_at, created_at, NULL, NULL{copies} FROM {t} WHERE {where}"""
                      for t in _ACTION_TABLES)
    return f"""
        SELECT call_id, username, created_at,
               CASE WHEN kind IN {_REVIEW_KINDS} THEN created_at END,
               CASE WHEN kind IN {_REVIEW_KINDS} THEN created_at END,
               CASE WHEN kind = 'played' THEN played_s END,
               CASE WHEN kind = 'played' THEN created_at END{copies}
        FROM review_events WHERE {where} AND (kind IN {_REVIEW_KINDS} OR kind = 'played'){actions}"""


_ROW_COLUMNS = "call_id, username, created_at, first_action_at, last_action_at, played_s, last_played_at"


def review_day_edges(lo: str, hi: str) -> tuple[str, str, str]:
    """SQL times splitting a window ``[lo, hi)`` for ``review_days``: its whole days are
    ``[first_day, last_day)``; the review rows of ``[lo, edge)`` and ``[greatest(last_day,
    edge), hi)`` are the part-days at its ends (``edge`` = ``first_day``, or ``hi`` when the
    window ends within its first day)."""
    first_day = f"(CASE WHEN {lo} = date_trunc('day', {lo}) THEN {lo} ELSE date_trunc('day', {lo}) + INTERVAL 1 DAY END)::TIMESTAMP"
    last_day = f"date_trunc('day', {hi})::TIMESTAMP"
    return first_day, last_day, f"least({first_day}, {hi})"


def reviews_cte(call_scope: str | None, lo: str, hi: str = "$as_of", with_call: bool = False,
                rollup: bool = False, verdicts: bool = False) -> str:
    """``rev(call_id, reviewed_at, last_review_at)``: calls the РОП reviewed in ``[lo, hi)``
    (also the CTEs ``hev``, ``rev_raw``, ``rev_calls`` and ``rev_all``).

    ``call_scope`` is a SQL set of call ids the caller cares about (None: every call); ``lo`` a
    SQL time no review of them can precede (the earliest call start in scope: nobody reviews a
    call before it happens). Review tables fill in time order, so ``lo`` lets DuckDB skip older
    row groups. ``EVER`` gives bounds for "reviewed at all" (the calls list).

    ``with_call`` adds the reviewed call's ``call_started_at`` and ``call_manager_id`` (copied
    onto review rows, :mod:`store.rollups`; rows written without them are looked up in
    ``calls``) and keeps only calls in the store. ``rollup`` reads the whole days of the window
    from the ``review_days`` rollup (one row per call, day and user instead of an event per 10 s
    of listening) and only its first and last part-days from the review tables.

    ``verdicts`` (with ``rollup``) adds the reviewed call's verdict string (``call_verdicts``,
    copied onto ``review_days``), its handling string (``call_handlings``, copied with it) and
    ``verdicts_at``, the call's start copied with them; the review rows of the part-days get
    them from their day's ``review_days`` row (written with the same event). NULL for a call
    without verdicts, or whose review days have no copy of its start or no row (the caller
    looks those up).
    """
    copies = ", call_started_at, call_manager_id" if with_call else ""
    carried = ", verdicts, handlings, verdicts_at" if verdicts else ""
    named = f"SELECT * FROM ({{rows}}) x({_ROW_COLUMNS}{copies}{carried})"
    if rollup:
        first_day, last_day, edge = review_day_edges(lo, hi)
        in_scope = f" AND call_id IN {call_scope}" if call_scope else ""
        day_verdicts = ", verdicts, handlings, call_started_at" if verdicts else ""

        def part_day(where: str, day: str) -> str:
            """The review rows of a part-day (with the copies on their ``review_days`` row of
            that day: it holds the same copies as the call's whole days)."""
            rows = review_rows(where, with_call)
            if not verdicts:
                return rows
            return f"""SELECT r.*, d.verdicts, d.handlings, d.call_started_at FROM ({rows}) r
                LEFT JOIN review_days d ON d.day = {day}::DATE AND d.call_id = r.call_id AND d.username = r.username"""

        rows = f"""SELECT call_id, username, NULL::TIMESTAMP, first_action_at, last_action_at, played_s, last_played_at{copies}{day_verdicts}
            FROM review_days WHERE day >= {first_day}::DATE AND day < {last_day}::DATE
              AND username NOT IN {_NOT_HEAD}{in_scope}
            UNION ALL {part_day(head_actions(lo, call_scope, edge), lo)}
            UNION ALL {part_day(head_actions(f"greatest({last_day}, {edge})", call_scope, hi), last_day)}"""
    else:
        rows = review_rows(head_actions(lo, call_scope, hi), with_call)
    max_copies = ", max(call_started_at) AS call_started_at, max(call_manager_id) AS call_manager_id" if with_call else ""
    if verdicts:
        max_copies += ", max(verdicts) AS verdicts, max(handlings) AS handlings, max(verdicts_at) AS verdicts_at"
    # a call is reviewed by an action, or by >= MIN_PLAYED_S played in the window (then at its
    # last 'played' event)
    rev = f"""rev_calls AS (SELECT call_id, min(first_action_at) AS first_action, max(last_action_at) AS last_action,
                   CASE WHEN sum(played_s) >= {MIN_PLAYED_S} THEN max(last_played_at) END AS played_at{max_copies}
            FROM rev_raw GROUP BY call_id),
    rev_all AS (SELECT call_id, least(first_action, played_at) AS reviewed_at,
                       greatest(last_action, played_at) AS last_review_at{copies}{carried}
                FROM rev_calls WHERE first_action IS NOT NULL OR played_at IS NOT NULL),"""
    if with_call:
        rev += f"""
    rev AS (SELECT * FROM rev_all WHERE call_started_at IS NOT NULL
            UNION ALL
            SELECT r.call_id, r.reviewed_at, r.last_review_at, c.started_at, c.manager_id{", r.verdicts, r.handlings, r.verdicts_at" if verdicts else ""}
            FROM rev_all r JOIN calls c ON c.call_id = r.call_id WHERE r.call_started_at IS NULL)"""
    else:
        rev += """
    rev AS (SELECT * FROM rev_all)"""
    return f"""
    hev AS (SELECT call_id, kind, created_at, played_s{copies} FROM review_events
            WHERE {head_actions(lo, call_scope, hi)}),
    rev_raw AS ({named.format(rows=rows)}),
    {rev}"""


def with_call_info(table: str, where: str, columns: str) -> str:
    """``columns`` of the rows of a review ``table`` matching ``where`` plus ``started_at`` and
    ``manager_id`` of their call: the copies on the row (:mod:`store.rollups`), or for a row
    written without them a look-up in ``calls``; rows of calls not in the store are left out."""
    return f"""SELECT {columns}, t.call_started_at AS started_at, t.call_manager_id AS manager_id
        FROM {table} t WHERE {where} AND t.call_started_at IS NOT NULL
        UNION ALL
        SELECT {columns}, c.started_at, c.manager_id
        FROM {table} t JOIN calls c ON c.call_id = t.call_id WHERE {where} AND t.call_started_at IS NULL"""


def labelled_handlings(db_path: str | os.PathLike) -> list[tuple[str, int, str, str | None]]:
    """``(call_id, segment_idx, handling, kind)``: the РОП's latest label of every labelled
    objection (the training data of the handling classifier; turns he marked as no objection
    left out)."""
    return db.query_rows(db_path, f"SELECT call_id, segment_idx, handling, kind FROM ({latest_labels()})"
                                  f" WHERE handling <> '{NOT_OBJECTION}'")


def labelled_objection_kinds(db_path: str | os.PathLike) -> list[tuple[str, int, str]]:
    """``(call_id, segment_idx, kind)``: the objection kind of every turn the РОП labelled (his
    latest label; the training data of the objection-turn classifier)."""
    return db.query_rows(db_path, f"SELECT call_id, segment_idx, CASE WHEN handling = '{NOT_OBJECTION}'"
                                  f" THEN '{NOT_OBJECTION}' ELSE kind END FROM ({latest_labels()}) "
                                  f"WHERE kind IS NOT NULL OR handling = '{NOT_OBJECTION}'")
