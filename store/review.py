"""Writes of РОП actions and of listening, each in one short writer transaction.

Every action also appends a ``review_events`` row (user, call, kind, JSON payload, time) in
the same transaction, so the owner's view of the РОП reads one append-only log. Annotations
(override, label, feedback, training clip, reviewed) are for the head of sales (role
``head``); listening events (``opened``, ``played``) are recorded for every role. A manager
may only acknowledge feedback addressed to them. РОП data is never deleted here.
"""

from __future__ import annotations

import json
import os
from typing import Protocol

import duckdb

from core.errors import AccessDeniedError, CallQAError
from core.types import HANDLINGS, NOT_OBJECTION, VERDICTS
from store import db, rollups

PathLike = str | os.PathLike
ANNOTATOR_ROLES = ("head",)
ROLE_SWAPPER_ROLES = ("head", "owner")  # who may swap a call's manager and client
ROLES_SWAPPED = "roles_swapped"  # call flag: a person swapped the roles (toggles)
ROLES_UNCERTAIN = "roles_uncertain"  # call flag: the role decision was weak (a person checked it)
TRAINING_LABELS = ("example", "mistake")


class Actor(Protocol):
    username: str
    role: str
    manager_id: str | None


def _require_annotator(user: Actor) -> None:
    if user.role not in ANNOTATOR_ROLES:
        raise AccessDeniedError("Отмечать звонки может только РОП.")


def require_role_swapper(user: Actor) -> None:
    if user.role not in ROLE_SWAPPER_ROLES:
        raise AccessDeniedError("Менять роли в звонке может только РОП или владелец.")


def _call_manager(con: duckdb.DuckDBPyConnection, call_id: str) -> str | None:
    row = con.execute("SELECT manager_id FROM calls WHERE call_id = ?", [call_id]).fetchone()
    if row is None:
        raise CallQAError(f"Call {call_id} is not in the store; reload the calls list.")
    return row[0]


def _check_call_access(con: duckdb.DuckDBPyConnection, user: Actor, call_id: str) -> str | None:
    manager_id = _call_manager(con, call_id)
    if user.role == "manager" and manager_id != user.manager_id:
        raise AccessDeniedError("Этот звонок другого менеджера: доступ только к своим звонкам.")
    return manager_id


def log_event(
    con: duckdb.DuckDBPyConnection,
    username: str,
    call_id: str | None,
    kind: str,
    payload: dict | None = None,
    played_s: float | None = None,
) -> None:
    call = rollups.call_info(con, call_id)
    created_at = con.execute(
        "INSERT INTO review_events (username, call_id, kind, payload, played_s, call_started_at, call_manager_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING created_at",
        [username, call_id, kind, json.dumps(payload or {}, ensure_ascii=False), played_s, *call],
    ).fetchone()[0]
    rollups.count_review(con, username, call_id, kind, played_s, created_at, call)


def record_opened(db_path: PathLike, user: Actor, call_id: str) -> None:
    with db.writer(db_path) as con:
        _check_call_access(con, user, call_id)
        log_event(con, user.username, call_id, "opened")


def record_played(db_path: PathLike, user: Actor, call_id: str, played_s: float,
                  position_s: float | None = None) -> None:
    """Seconds of audio actually played (reported by the player), not page opens."""
    if played_s <= 0:
        return
    with db.writer(db_path) as con:
        _check_call_access(con, user, call_id)
        log_event(con, user.username, call_id, "played", {"position_s": position_s}, float(played_s))


def override_verdict(db_path: PathLike, user: Actor, call_id: str, criterion_id: str,
                     verdict: str, reason: str) -> None:
    _require_annotator(user)
    if verdict not in VERDICTS:
        raise CallQAError(f"Unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}.")
    with db.writer(db_path) as con:
        _call_manager(con, call_id)
        con.execute(
            "INSERT INTO overrides (call_id, criterion_id, verdict, reason, username, call_started_at,"
            " call_manager_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [call_id, criterion_id, verdict, reason, user.username, *rollups.call_info(con, call_id)],
        )
        log_event(con, user.username, call_id, "override",
                  {"criterion_id": criterion_id, "verdict": verdict, "reason": reason})


def label_objection(db_path: PathLike, user: Actor, call_id: str, segment_idx: int,
                    kind: str | None, handling: str) -> None:
    """The РОП's handling class for an objection, or ``NOT_OBJECTION`` for a turn that is no
    objection, with the objection ``kind`` he sees in it (training data for `callqa train`)."""
    _require_annotator(user)
    if handling not in (*HANDLINGS, NOT_OBJECTION):
        raise CallQAError(f"Unknown handling {handling!r}; use one of {', '.join((*HANDLINGS, NOT_OBJECTION))}.")
    with db.writer(db_path) as con:
        _call_manager(con, call_id)
        con.execute(
            "INSERT INTO objection_labels (call_id, segment_idx, kind, handling, username, call_started_at,"
            " call_manager_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [call_id, int(segment_idx), kind, handling, user.username, *rollups.call_info(con, call_id)],
        )
        log_event(con, user.username, call_id, "label",
                  {"segment_idx": int(segment_idx), "kind": kind, "handling": handling})


def give_feedback(db_path: PathLike, user: Actor, call_id: str, text: str,
                  criterion_id: str | None = None, objection_kind: str | None = None) -> int:
    """Feedback to the call's manager; returns its id."""
    _require_annotator(user)
    if not text.strip():
        raise CallQAError("Feedback text is empty; write what the manager should change.")
    with db.writer(db_path) as con:
        manager_id = _call_manager(con, call_id)
        if manager_id is None:
            raise CallQAError("The call has no manager; feedback has nobody to go to.")
        feedback_id = con.execute(
            """INSERT INTO feedback (call_id, manager_id, criterion_id, objection_kind, text, username,
                                    call_started_at, call_manager_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING feedback_id""",
            [call_id, manager_id, criterion_id, objection_kind, text.strip(), user.username,
             *rollups.call_info(con, call_id)],
        ).fetchone()[0]
        log_event(con, user.username, call_id, "feedback",
                  {"feedback_id": feedback_id, "manager_id": manager_id,
                   "criterion_id": criterion_id, "objection_kind": objection_kind})
    return int(feedback_id)


def acknowledge_feedback(db_path: PathLike, user: Actor, feedback_id: int) -> None:
    """The addressed manager confirms they read the feedback (acknowledged_at + ``ack``)."""
    with db.writer(db_path) as con:
        row = con.execute(
            "SELECT manager_id, call_id, acknowledged_at FROM feedback WHERE feedback_id = ?",
            [int(feedback_id)],
        ).fetchone()
        if row is None:
            raise CallQAError(f"Feedback {feedback_id} does not exist.")
        manager_id, call_id, acknowledged_at = row
        if user.role != "manager" or user.manager_id != manager_id:
            raise AccessDeniedError("Подтвердить отзыв может только менеджер, которому он адресован.")
        if acknowledged_at is not None:
            return
        con.execute(
            "UPDATE feedback SET acknowledged_at = current_timestamp WHERE feedback_id = ?",
            [int(feedback_id)],
        )
        log_event(con, user.username, call_id, "ack", {"feedback_id": int(feedback_id)})


def add_training_item(db_path: PathLike, user: Actor, call_id: str, start_s: float, end_s: float,
                      label: str, note: str = "") -> int:
    """Save a clip of the call to the training library; returns its id."""
    _require_annotator(user)
    if label not in TRAINING_LABELS:
        raise CallQAError(f"Unknown label {label!r}; use one of {', '.join(TRAINING_LABELS)}.")
    if end_s <= start_s:
        raise CallQAError("The clip must end after it starts.")
    with db.writer(db_path) as con:
        _call_manager(con, call_id)
        item_id = con.execute(
            """INSERT INTO training_items (call_id, start_s, end_s, label, note, username, call_started_at,
                                          call_manager_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING item_id""",
            [call_id, float(start_s), float(end_s), label, note, user.username, *rollups.call_info(con, call_id)],
        ).fetchone()[0]
        log_event(con, user.username, call_id, "training",
                  {"item_id": item_id, "start_s": start_s, "end_s": end_s, "label": label})
    return int(item_id)


def mark_reviewed(db_path: PathLike, user: Actor, call_id: str, note: str = "") -> None:
    _require_annotator(user)
    with db.writer(db_path) as con:
        _call_manager(con, call_id)
        log_event(con, user.username, call_id, "reviewed", {"note": note} if note else None)


def swap_roles(db_path: PathLike, user: Actor, call_id: str, score, was_swapped: bool) -> None:
    """Swap «менеджер» and «клиент» in every segment of the call and store ``score`` (the call
    re-scored with the swapped speakers) in one transaction, audited as a ``swap_roles`` event.

    The call's flags get ``roles_swapped`` toggled (swapping twice restores the original) and
    lose ``roles_uncertain`` (a person has checked). ``was_swapped`` is the flag as the caller
    read it before scoring: if another swap got in between, nothing is written."""
    from store import writes

    require_role_swapper(user)
    with db.writer(db_path) as con:
        _call_manager(con, call_id)
        flags = _flags(con, call_id)
        if (ROLES_SWAPPED in flags) != was_swapped:
            raise CallQAError("Роли в этом звонке только что поменяли: обновите страницу.")
        con.execute(
            """UPDATE segments SET speaker = CASE speaker WHEN 'manager' THEN 'client'
                   WHEN 'client' THEN 'manager' ELSE speaker END WHERE call_id = ?""",
            [call_id],
        )
        flags = [f for f in flags if f not in (ROLES_SWAPPED, ROLES_UNCERTAIN)]
        if not was_swapped:
            flags.append(ROLES_SWAPPED)
        con.execute("UPDATE calls SET flags = ? WHERE call_id = ?", [",".join(flags) or None, call_id])
        if score is not None:
            writes.write_score(con, call_id, score)
        log_event(con, user.username, call_id, "swap_roles",
                  {"swapped": not was_swapped,
                   "score_pct": getattr(score, "score_pct", None),
                   "rubric_version": getattr(score, "rubric_version", None)})


def _flags(con: duckdb.DuckDBPyConnection, call_id: str) -> list[str]:
    row = con.execute("SELECT flags FROM calls WHERE call_id = ?", [call_id]).fetchone()
    return [f for f in (row[0] or "").split(",") if f] if row else []


def roles_swapped(db_path: PathLike, call_id: str) -> bool:
    """Whether a person has swapped the call's roles (an odd number of times)."""
    rows = db.query_rows(db_path, "SELECT flags FROM calls WHERE call_id = ?", [call_id])
    return bool(rows) and ROLES_SWAPPED in (rows[0][0] or "").split(",")


def reply_feedback(db_path: PathLike, user: Actor, feedback_id: int, text: str) -> int:
    """A reply in a feedback thread by the manager it is addressed to or by the РОП; the
    manager's reply also acknowledges the note. Returns the reply's id."""
    if not text.strip():
        raise CallQAError("Напишите текст ответа.")
    with db.writer(db_path) as con:
        row = con.execute("SELECT manager_id, call_id, acknowledged_at FROM feedback WHERE feedback_id = ?",
                          [int(feedback_id)]).fetchone()
        if row is None:
            raise CallQAError("Этого отзыва больше нет: обновите страницу.")
        manager_id, call_id, acknowledged_at = row
        is_addressee = user.role == "manager" and user.manager_id == manager_id
        if not is_addressee and user.role not in ANNOTATOR_ROLES:
            raise AccessDeniedError("Ответить на отзыв может менеджер, которому он адресован, или РОП.")
        reply_id = con.execute(
            "INSERT INTO feedback_replies (feedback_id, text, username) VALUES (?, ?, ?) RETURNING reply_id",
            [int(feedback_id), text.strip(), user.username]).fetchone()[0]
        log_event(con, user.username, call_id, "reply", {"feedback_id": int(feedback_id), "reply_id": reply_id})
        if is_addressee and acknowledged_at is None:
            con.execute("UPDATE feedback SET acknowledged_at = current_timestamp WHERE feedback_id = ?",
                        [int(feedback_id)])
            log_event(con, user.username, call_id, "ack", {"feedback_id": int(feedback_id)})
    return int(reply_id)
