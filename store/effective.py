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
    where = []
    if call_scope:
        where.append(f"cs.call_id IN {call_scope}")
    if started:
        lo, hi = started
        where.append(f"cs.started_at >= {lo} AND cs.started_at < {hi}")
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    # arg_max_null: a NULL in the current row (no score for a not-applicable call) stays NULL
    # instead of falling back to an older version's value.
    picked = ", ".join(f"arg_max_null(cs.{col}, {_CURRENT_FIRST}) AS {col}" for col in columns)
    keyword = " MATERIALIZED" if materialized else ""
    return (f"cur AS (SELECT version FROM rubric_versions WHERE is_current),\n"
            f"    {name} AS{keyword} (SELECT cs.call_id, {picked}\n"
            f"        FROM call_scores cs{cond} GROUP BY cs.call_id)")


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


def labelled_handlings(db_path: str | os.PathLike) -> list[tuple[str, int, str]]:
    """``(call_id, segment_idx, handling)``: the РОП's latest label of every labelled objection
    (the training data of the handling classifier)."""
    return db.query_rows(db_path, latest_labels(columns="call_id, segment_idx, handling"))
