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


# One row per true-stereo audio call: its direction, the channel of its manager's words, and
# whether the roles were unsure (flag roles_uncertain) or set by a person (roles_swapped).
_STEREO_ROLE_SIDES = """
SELECT c.direction,
       min(s.channel) FILTER (WHERE s.speaker = 'manager') AS manager_channel,
       coalesce(list_contains(string_split(any_value(c.flags), ','), 'roles_uncertain'), FALSE) AS uncertain,
       coalesce(list_contains(string_split(any_value(c.flags), ','), 'roles_swapped'), FALSE) AS swapped
FROM calls c JOIN segments s USING (call_id)
WHERE c.source = 'audio' AND c.true_stereo AND s.channel IS NOT NULL
GROUP BY c.call_id, c.direction
HAVING count(*) FILTER (WHERE s.speaker = 'manager') > 0
   AND count(DISTINCT s.channel) FILTER (WHERE s.speaker = 'manager') = 1
"""


def stereo_role_sides(db_path: str | os.PathLike) -> list[tuple[str | None, int, bool, bool]]:
    """(direction, manager channel 0 left / 1 right, roles unsure, roles set by a person) of every
    true-stereo audio call stored whose manager speaks on one channel."""
    return [(d, int(ch), bool(u), bool(sw)) for d, ch, u, sw in db.query_rows(db_path, _STEREO_ROLE_SIDES)]
