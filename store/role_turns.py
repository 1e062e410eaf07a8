"""Role-labelled turns for the mono-call role classifier, read from the store.

Turns of true-stereo audio calls carry reliable roles (the speaker comes from the channel), so
they are the training data that ``callqa train`` adds to the shipped seed turns.
"""

from __future__ import annotations

import os

from store import db

_STEREO_ROLE_TURNS = """
SELECT s.text, s.speaker
FROM segments s JOIN calls c USING (call_id)
WHERE c.source = 'audio' AND c.true_stereo AND s.speaker IN ('manager', 'client')
ORDER BY s.call_id, s.idx
"""


def stereo_role_turns(db_path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """(texts, labels) of every manager/client turn of the true-stereo audio calls stored."""
    rows = db.query_rows(db_path, _STEREO_ROLE_TURNS)
    return [text for text, _ in rows], [speaker for _, speaker in rows]
