"""The РОП's review history written as a whole: each item (a dict of the demo history file,
``data/demo/review_history.json``) becomes a row of ``review_events`` and, by type, of
``overrides`` / ``feedback`` / ``training_items`` / ``objection_labels`` / ``head_log``, exactly
as the review UI would have written it (see docs/demo-data.md for the shape).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, datetime

import duckdb

from store import db, rollups

_TABLES = ("review_events", "overrides", "feedback", "training_items", "objection_labels", "head_log")
# review_events.kind of each JSON type (head_log entries are not call events)
_EVENT_KIND = {"objection_label": "label"}


def replace_review_history(db_path: str | os.PathLike, items: list[dict]) -> None:
    """In one transaction, drop every row of the items' users from the РОП's tables and write
    the items instead (so loading the same items twice gives the same store)."""
    usernames = sorted({str(item["username"]) for item in items})
    with db.writer(db_path) as con:
        for table in _TABLES:
            con.execute(f"DELETE FROM {table} WHERE list_contains(?, username)", [usernames])
        for item in items:
            _WRITERS[item["type"]](con, item)
            if item["type"] != "head_log":
                _event(con, item)
        rollups.copy_call_info(con)  # the reviewed calls' start and manager on the new rows
        rollups.rebuild_reviews(con, usernames)


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _event(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    kind = _EVENT_KIND.get(item["type"], item["type"])
    payload = {k: v for k, v in item.items()
               if k not in ("type", "username", "call_id", "created_at", "played_s")}
    con.execute(
        "INSERT INTO review_events (username, call_id, kind, payload, created_at, played_s)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [item["username"], item.get("call_id"), kind, json.dumps(payload, ensure_ascii=False),
         _at(item["created_at"]), item.get("played_s")],
    )


def _override(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    con.execute(
        "INSERT INTO overrides (call_id, criterion_id, verdict, reason, username, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [item["call_id"], item["criterion_id"], item["verdict"], item.get("reason"),
         item["username"], _at(item["created_at"])],
    )


def _feedback(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    con.execute(
        "INSERT INTO feedback (call_id, manager_id, criterion_id, objection_kind, text, username,"
        " created_at, acknowledged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [item.get("call_id"), item["manager_id"], item.get("criterion_id"), item.get("objection_kind"),
         item["text"], item["username"], _at(item["created_at"]), _at(item.get("acknowledged_at"))],
    )


def _training(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    con.execute(
        "INSERT INTO training_items (call_id, start_s, end_s, label, note, username, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [item["call_id"], float(item["start_s"]), float(item["end_s"]), item["label"],
         item.get("note"), item["username"], _at(item["created_at"])],
    )


def _label(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    con.execute(
        "INSERT INTO objection_labels (call_id, segment_idx, kind, handling, username, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [item["call_id"], int(item["segment_idx"]), item.get("kind"), item["handling"],
         item["username"], _at(item["created_at"])],
    )


def _head_log(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    con.execute(
        "INSERT INTO head_log (kind, held_on, manager_id, note, username, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [item["kind"], date.fromisoformat(item["held_on"]), item.get("manager_id"), item.get("note"),
         item["username"], _at(item["created_at"])],
    )


def _nothing(con: duckdb.DuckDBPyConnection, item: dict) -> None:
    """opened / played live in review_events only."""


_WRITERS: dict[str, Callable[[duckdb.DuckDBPyConnection, dict], None]] = {
    "opened": _nothing,
    "played": _nothing,
    "override": _override,
    "feedback": _feedback,
    "training": _training,
    "objection_label": _label,
    "head_log": _head_log,
}

# The item types a history may hold.
HISTORY_TYPES = frozenset(_WRITERS)
