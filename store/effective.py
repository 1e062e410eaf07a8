"""The one wording of "what the РОП said last" for every query that applies his corrections.

An override or an objection label is an append-only event; the effective one for a
(call, criterion) or (call, segment) is the latest, ties broken by the later id. Each function
returns a SELECT (to use as a CTE or subquery) with the columns of its table; ``where`` narrows
it (a call, a time bound ``created_at < $as_of`` for a past week, a scope of calls).
"""

from __future__ import annotations


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
