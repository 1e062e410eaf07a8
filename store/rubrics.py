"""Stored rubric versions: which one is current, a version from the prefix a user typed, the
list ``callqa rubric versions`` prints, and the verdicts that flipped between two versions.

A version is the sha256 of the rubric YAML; old versions and their results are never
overwritten (see :func:`store.writes.register_rubric_version`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from core.errors import RubricError
from store import db

PathLike = str | os.PathLike


@dataclass(frozen=True, slots=True)
class RubricVersion:
    rubric_id: str
    version: str
    loaded_at: datetime
    is_current: bool


def current_version(db_path: PathLike, rubric_id: str) -> str | None:
    """The current version of ``rubric_id``; None before it was ever stored."""
    rows = db.query_rows(db_path, "SELECT version FROM rubric_versions WHERE rubric_id = ? AND is_current",
                         [rubric_id])
    return rows[0][0] if rows else None


def list_versions(db_path: PathLike) -> list[RubricVersion]:
    """Every stored version, oldest first."""
    rows = db.query_rows(
        db_path, "SELECT rubric_id, version, loaded_at, is_current FROM rubric_versions ORDER BY loaded_at"
    )
    return [RubricVersion(*row) for row in rows]


def resolve_version(db_path: PathLike, prefix: str) -> str:
    """Full version hash from a unique prefix (users type the first 8–12 hex digits)."""
    rows = db.query_rows(db_path, "SELECT DISTINCT version FROM rubric_versions WHERE version LIKE ?",
                         [prefix + "%"])
    if len(rows) != 1:
        known = [v.version[:12] for v in list_versions(db_path)]
        what = "matches no" if not rows else "matches several"
        raise RubricError(f"Version '{prefix}' {what} stored rubric version. Known: {', '.join(known) or 'none'}.")
    return rows[0][0]


def diff_versions(db_path: PathLike, old: str, new: str) -> pd.DataFrame:
    """Criteria whose verdict differs between two rubric versions (calls scored under both)."""
    return db.query_df(
        db_path,
        """
        SELECT o.call_id, o.criterion_id, o.verdict AS old_verdict, n.verdict AS new_verdict,
               o.reason AS old_reason, n.reason AS new_reason, c.manager_id, c.started_at
        FROM criterion_results o
        JOIN criterion_results n
          ON n.call_id = o.call_id AND n.criterion_id = o.criterion_id AND n.rubric_version = ?
        LEFT JOIN calls c ON c.call_id = o.call_id
        WHERE o.rubric_version = ? AND o.verdict <> n.verdict
        ORDER BY o.criterion_id, o.call_id
        """,
        [new, old],
    )
