"""Stored calls and segments read back for re-scoring and training (no ASR, no spaCy: the
lemmas were stored with the text)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from store import db

PathLike = str | os.PathLike


@dataclass(frozen=True, slots=True)
class StoredCall:
    """What scoring needs of a stored call besides its segments."""

    call_id: str
    direction: str | None
    duration_s: float | None
    channels: int | None
    team: str | None
    language: str | None = None  # calls.language: a non-Russian call stays not applicable


@dataclass(frozen=True, slots=True)
class StoredSegment:
    call_id: str
    idx: int
    speaker: str
    channel: int | None
    start_s: float
    end_s: float
    text: str
    lemmas: str | None  # space-separated; None when stored without lemmas
    avg_logprob: float | None
    no_speech_prob: float | None
    low_confidence: bool | None


def stored_calls(db_path: PathLike) -> list[StoredCall]:
    """Every stored call in time order (so re-scored results stay in time order on disk)."""
    rows = db.query_rows(
        db_path,
        """SELECT c.call_id, c.direction, c.duration_s, c.channels, m.team, c.language
           FROM calls c LEFT JOIN managers m ON m.manager_id = c.manager_id
           ORDER BY c.started_at NULLS LAST, c.call_id""",
    )
    return [StoredCall(*row) for row in rows]


def stored_call(db_path: PathLike, call_id: str) -> StoredCall | None:
    """One stored call (None when it is not in the store)."""
    rows = db.query_rows(
        db_path,
        """SELECT c.call_id, c.direction, c.duration_s, c.channels, m.team
           FROM calls c LEFT JOIN managers m ON m.manager_id = c.manager_id WHERE c.call_id = ?""",
        [call_id],
    )
    return StoredCall(*rows[0]) if rows else None


def stored_segments(db_path: PathLike, call_id: str | None = None) -> dict[str, list[StoredSegment]]:
    """Every stored segment (or one call's), per call id, in segment order."""
    rows = db.query_rows(
        db_path,
        """SELECT call_id, idx, speaker, channel, start_s, end_s, text, lemmas, avg_logprob,
                  no_speech_prob, low_confidence FROM segments
           WHERE ? IS NULL OR call_id = ? ORDER BY call_id, idx""",
        [call_id, call_id],
    )
    out: dict[str, list[StoredSegment]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(StoredSegment(*row))
    return out
