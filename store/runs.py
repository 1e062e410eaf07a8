"""Batch-run bookkeeping: the ``runs`` rows behind ``callqa status``, the state of each
recording (done, failed with its reason and attempts) and the imported calls, which tell the
next run or demo seed what to skip.

A run row starts as ``running`` and is finished with ``completed``, ``interrupted`` (Ctrl-C)
or ``failed`` and the reason. A process killed outright cannot finish its row: the next run
(which holds the run lock, so no other run is alive) marks such rows failed, and
``callqa status`` shows them failed while no run holds the lock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from core.types import display_path
from store import db

PathLike = str | os.PathLike
DEAD_RUN_MESSAGE = "the process ended without finishing the run"


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What one run did, as written into its row when it finishes."""

    found: int = 0
    new: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: int
    folder: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | completed | interrupted | failed
    counts: RunCounts
    message: str | None


@dataclass(frozen=True, slots=True)
class FailedRecording:
    path: str
    attempts: int
    error: str | None


@dataclass(frozen=True, slots=True)
class StoreTotals:
    recordings_done: int
    recordings_failed: int
    calls: int


def start_run(db_path: PathLike, folder: str | os.PathLike) -> int:
    """A new ``running`` row; rows still ``running`` are marked failed first. Call it only
    while holding the run lock: then no other run is alive to own those rows."""
    with db.writer(db_path) as con:
        con.execute(
            "UPDATE runs SET status = 'failed', message = ?, finished_at = coalesce(finished_at, now())"
            " WHERE status = 'running'", [DEAD_RUN_MESSAGE],
        )
        return con.execute(
            "INSERT INTO runs (folder) VALUES (?) RETURNING run_id", [display_path(folder)]
        ).fetchone()[0]


def finish_run(db_path: PathLike, run_id: int, status: str, counts: RunCounts,
               message: str | None = None) -> None:
    """Close a run row with its final status, counts and (for a failed run) the reason."""
    c = counts
    with db.writer(db_path) as con:
        con.execute(
            """UPDATE runs SET finished_at = now(), status = ?, found = ?, new = ?, done = ?,
               failed = ?, skipped = ?, audio_s = ?, wall_s = ?, message = ? WHERE run_id = ?""",
            [status, c.found, c.new, c.done, c.failed, c.skipped, c.audio_s, c.wall_s, message, run_id],
        )


def recent_runs(db_path: PathLike, limit: int = 5) -> list[RunRecord]:
    """The last ``limit`` runs, newest first."""
    rows = db.query_rows(
        db_path,
        "SELECT run_id, folder, started_at, finished_at, status, found, new, done, failed, skipped,"
        " audio_s, wall_s, message FROM runs ORDER BY run_id DESC LIMIT ?", [limit],
    )
    return [RunRecord(run_id, folder, started, finished, status,
                      RunCounts(*(0 if v is None else v for v in counts)), message)
            for run_id, folder, started, finished, status, *counts, message in rows]


def recording_states(db_path: PathLike) -> dict[str, tuple[str, int]]:
    """``sha256 → (status, attempts)`` of every recording the store knows."""
    rows = db.query_rows(db_path, "SELECT sha256, status, attempts FROM recordings")
    return {sha: (status, attempts) for sha, status, attempts in rows}


def failed_recordings(db_path: PathLike) -> list[FailedRecording]:
    """Recordings whose last attempt failed, with the reason, by path."""
    rows = db.query_rows(
        db_path, "SELECT path, attempts, error FROM recordings WHERE status = 'failed' ORDER BY path"
    )
    return [FailedRecording(*row) for row in rows]


def store_totals(db_path: PathLike) -> StoreTotals:
    """Recordings done and failed, and calls stored (imported calls included)."""
    with db.reader(db_path) as con:
        counts = dict(con.execute("SELECT status, count(*) FROM recordings GROUP BY 1").fetchall())
        calls = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    return StoreTotals(int(counts.get("done", 0)), int(counts.get("failed", 0)), int(calls))


def imported_call_ids(db_path: PathLike) -> set[str]:
    """Call ids of calls brought in as ready transcripts (``callqa import-transcripts``)."""
    return {row[0] for row in db.query_rows(db_path, "SELECT call_id FROM calls WHERE source = 'import'")}


def forget_unreadable_except(db_path: PathLike, keys: set[str]) -> None:
    """Drop the failed rows of files and folders that could not be read last time and are
    not unreadable now (readable again, or gone): readable ones come back under their hash."""
    with db.writer(db_path) as con:
        stale = [row[0] for row in con.execute(
            "SELECT sha256 FROM recordings WHERE status = 'failed' AND sha256 LIKE 'unreadable:%'"
        ).fetchall() if row[0] not in keys]
        if stale:
            con.execute("DELETE FROM recordings WHERE list_contains(?, sha256)", [stale])


def reset_attempts(db_path: PathLike, paths: list[str] | None = None) -> list[str]:
    """Give failed recordings their retries back (all of them, or those at ``paths`` as
    `callqa status` shows them); returns the paths reset, sorted."""
    with db.writer(db_path) as con:
        if paths is None:
            rows = con.execute(
                "UPDATE recordings SET attempts = 0, updated_at = now() WHERE status = 'failed' RETURNING path"
            ).fetchall()
        else:
            rows = con.execute(
                "UPDATE recordings SET attempts = 0, updated_at = now()"
                " WHERE status = 'failed' AND list_contains(?, path) RETURNING path", [list(paths)],
            ).fetchall()
    return sorted(row[0] for row in rows)


def processed_folders(db_path: PathLike) -> list[str]:
    """Every folder a batch run was started on: with ``paths.calls_folder`` these are the
    recordings folders the UI's player may serve files from (``ui.player.read_recording``)."""
    rows = db.query_rows(db_path, "SELECT DISTINCT folder FROM runs WHERE folder IS NOT NULL")
    return sorted(row[0] for row in rows)
