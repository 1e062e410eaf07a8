"""Load the simulated РОП history (``data/demo/review_history.json``) into the store.

Each object of the JSON list becomes a row of ``review_events`` and, by type, of
``overrides`` / ``feedback`` / ``training_items`` / ``objection_labels`` / ``head_log``,
exactly as the review UI would have written it (see docs/demo-data.md for the shape).

Idempotent: every username found in the file has its rows in those tables replaced in one
transaction, so loading twice gives the same store. Only demo users' rows are touched.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from core.errors import CallQAError
from store.review_history import HISTORY_TYPES, replace_review_history

log = logging.getLogger(__name__)


def load_review_history(db_path: str | os.PathLike, path: str | os.PathLike) -> int:
    """Replace the history of the file's users with the file's content; returns rows read."""
    items = _read(Path(path))
    usernames = sorted({str(item["username"]) for item in items})
    replace_review_history(db_path, items)
    log.info("loaded %d РОП history items for %s", len(items), ", ".join(usernames))
    return len(items)


def _read(path: Path) -> list[dict]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CallQAError(f"Cannot read the РОП history {path}: {exc}. Regenerate it with "
                          "tools/demo/generate_transcripts.py.") from exc
    if not isinstance(items, list):
        raise CallQAError(f"{path}: expected a JSON list of history items.")
    for n, item in enumerate(items):
        if item.get("type") not in HISTORY_TYPES or not item.get("username") or not item.get("created_at"):
            raise CallQAError(f"{path}: item {n} needs a known type, username and created_at: {item}")
    return items
