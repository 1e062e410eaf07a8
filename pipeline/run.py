"""The nightly batch: discover → skip done → decode → transcribe → score → store.

Each call is written in one short transaction, so a run killed at any point is resumed by
simply running again: finished calls are skipped by content hash, nothing is duplicated.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import inspect
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from filelock import FileLock, Timeout

import ingest
from core.config import Config
from core.errors import (
    ENVIRONMENT_ERRORS,
    CallQAError,
    ConfigError,
    FileChangingError,
    RunLockedError,
    StoreError,
)
from core.types import Call, Recording, Transcript, display_path, display_text
from pipeline.assemble import assemble_call, register_rubrics
from store import db, runs, writes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOptions:
    folder: Path
    since: date | None = None
    limit: int | None = None
    dry_run: bool = False


@dataclass(slots=True)
class RunSummary:
    found: int = 0
    new: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0
    status: str = "running"
    message: str | None = None  # why a run failed or stopped
    run_id: int | None = None
    planned: list[str] = dataclasses.field(default_factory=list)
    nodes: dict = dataclasses.field(default_factory=dict)  # engine ray: node IP → its throughput

    @property
    def rtf(self) -> float | None:
        return self.wall_s / self.audio_s if self.audio_s > 0 else None


Progress = Callable[[str, int, int], None]  # (file name, index, total)


def _run_lock(cfg: Config) -> FileLock:
    return FileLock(str(cfg.home / "run.lock"))


def run_in_progress(cfg: Config) -> bool:
    """Whether a `callqa run` holds the run lock now (its ``running`` row is alive)."""
    if not (cfg.home / "run.lock").exists():
        return False
    lock = _run_lock(cfg)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def run(cfg: Config, opts: RunOptions, transcriber=None, scorer=None, progress: Progress | None = None,
        engine=None) -> RunSummary:
    """Run one batch over ``opts.folder``. Raises RunLockedError if another run is active.

    ``engine`` processes the new recordings instead of this process (None: ``cluster.engine``
    decides; ``local`` is this loop, ``ray`` is :class:`pipeline.ray_engine.RayEngine`)."""
    if engine is None and not opts.dry_run:
        engine = configured_engine(cfg)
    lock = _run_lock(cfg)
    try:
        cfg.home.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout as exc:  # before OSError: filelock's Timeout is a TimeoutError (an OSError)
        raise RunLockedError(
            f"Another `callqa run` is already processing calls (lock {cfg.home / 'run.lock'}). "
            "Wait for it to finish; if no callqa process is running, delete the lock file."
        ) from exc
    except OSError as exc:  # a read-only or full home: say so instead of a traceback
        raise db.store_error(cfg.home / "run.lock", exc) from exc
    try:
        return _run_locked(cfg, opts, transcriber, scorer, progress, engine)
    finally:
        lock.release()


def _run_locked(cfg, opts, transcriber, scorer, progress, engine=None) -> RunSummary:
    t0 = time.monotonic()
    summary = RunSummary()
    found = ingest.find_recordings(opts.folder, min_age_s=float(cfg["ingest.min_age_s"]))
    summary.found = len(found)
    todo, summary.skipped = _select_work(cfg, found, opts)
    summary.new = len(todo)
    if opts.dry_run:
        summary.planned = [display_path(item.path) for item in todo]
        summary.status = "dry-run"
        return summary
    summary.run_id = runs.start_run(cfg.db_path, opts.folder)
    # From here on the run row is finished whatever happens: a run that stops on an error must
    # not stay `running` in `callqa status`.
    try:
        runs.forget_unreadable_except(cfg.db_path, {_key(i) for i in found if isinstance(i, ingest.Unreadable)})
        crm = _load_crm(todo)  # a broken CRM file stops the run here, before any file is touched
        if todo and engine is not None:  # hook: another engine runs the calls (see "engines")
            engine.process(cfg, todo, summary, scorer or _default_scorer(cfg), progress)
            todo = []
        if todo:
            transcriber = transcriber or _default_transcriber(cfg)
            scorer = scorer or _default_scorer(cfg)
            register_rubrics(cfg.db_path, scorer)
        for i, item in enumerate(todo):
            if progress:
                progress(display_path(item.path.name), i, len(todo))
            ok, audio_s = _process_one(cfg, item, transcriber, scorer, crm)
            summary.audio_s += audio_s
            if ok is None:  # still being written: skipped, not failed, no attempt used
                summary.skipped += 1
            elif ok:
                summary.done += 1
            else:
                summary.failed += 1
        summary.status = "completed"
    except KeyboardInterrupt:
        summary.status, summary.message = "interrupted", "stopped by the user (Ctrl-C)"
        raise
    except BaseException as exc:
        summary.status, summary.message = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        summary.wall_s = time.monotonic() - t0
        _finish_run(cfg, summary)
    return summary


# --- selection ---------------------------------------------------------------------------

def _select_work(cfg: Config, found, opts: RunOptions) -> tuple[list, int]:
    """Keep new recordings and failed ones with attempts left; count the rest as skipped."""
    known = runs.recording_states(cfg.db_path)
    max_attempts = int(cfg["ingest.max_attempts"])
    todo, skipped, seen = [], 0, set()
    for item in found:
        if isinstance(item, ingest.TooFresh):
            skipped += 1
            continue
        key = _key(item)
        if key in seen:  # the same content twice in the folder is one call
            skipped += 1
            continue
        seen.add(key)
        status, attempts = known.get(key, ("new", 0))
        if status == "done" or (status == "failed" and attempts >= max_attempts):
            skipped += 1
            continue
        if opts.since and isinstance(item, Recording) and _call_date(cfg, item) < opts.since:
            skipped += 1
            continue
        todo.append(item)
    if opts.limit is not None:
        if opts.limit < 0:
            raise ValueError(f"limit must be 0 or more, not {opts.limit}")
        skipped += max(0, len(todo) - opts.limit)
        todo = todo[: opts.limit]
    return todo, skipped


def _key(item) -> str:
    if isinstance(item, Recording):
        return item.sha256
    # Unreadable files have no content hash; key them by path so retries are counted.
    return "unreadable:" + hashlib.sha256(os.fsencode(item.path)).hexdigest()[:48]


TIME_FROM_MTIME = "time_from_mtime"


def _call_date(cfg: Config, rec: Recording) -> date:
    meta = _parse_meta(cfg, rec.path)
    if meta.started_at:
        return meta.started_at.date()
    return datetime.fromtimestamp(rec.mtime).date()


def _parse_meta(cfg: Config, path: Path):
    return ingest.parse_filename(
        path, templates=tuple(cfg["ingest.templates"]), custom_regex=cfg["ingest.custom_regex"]
    )


# --- one call ----------------------------------------------------------------------------

def _process_one(cfg: Config, item, transcriber, scorer, crm: dict) -> tuple[bool | None, float]:
    """Process one recording; a problem of this file becomes a failed row and the batch goes
    on. A problem of the environment (ENVIRONMENT_ERRORS, a full or read-only disk) stops the
    batch instead, before the file's attempt is counted. None: the file changed while it was
    read (the PBX still writes it) and is skipped, no attempt used."""
    if not isinstance(item, Recording):
        rec = Recording(item.path, _key(item), 0, 0.0)
        _record_failure(cfg, rec, item.error)
        return False, 0.0
    try:
        call = build_call(cfg, item, transcriber, scorer, meta=call_meta(cfg, item, crm))
        store_call(cfg, call)
    except FileChangingError as exc:
        log.info("skipped %s: %s", display_path(item.path), exc)
        return None, 0.0
    except ENVIRONMENT_ERRORS:
        raise
    except OSError as exc:
        if exc.errno in _ENVIRONMENT_ERRNOS:
            raise StoreError(f"{exc.strerror} while processing {display_path(item.path)}: free space "
                             "or make the folder writable, then run again") from exc
        _record_failure(cfg, item, f"cannot process the file: {exc.strerror or exc}")
        return False, 0.0
    except CallQAError as exc:
        _record_failure(cfg, item, str(exc))
        return False, 0.0
    except Exception as exc:  # a bug must not stop the batch; keep the reason for `callqa status`
        log.exception("unexpected error on %s", display_path(item.path))
        _record_failure(cfg, item, f"internal error ({type(exc).__name__}: {exc}); please report it")
        return False, 0.0
    log.info("done %s (%s, %.0f s)", display_path(item.path.name), call.call_id, call.duration_s)
    return True, call.duration_s


_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def build_call(cfg: Config, rec: Recording, transcriber, scorer, *, meta=None,
               audio_bytes: bytes | None = None) -> Call:
    """Decode → transcribe → score one recording. A worker without the calls folder
    (``pipeline.ray_engine``) passes the ``meta`` the head read (:func:`call_meta`) and the
    file's ``audio_bytes`` (the head checked them against the hash it found)."""
    meta = meta if meta is not None else call_meta(cfg, rec)
    max_s = float(cfg["ingest.max_duration_h"]) * 3600
    if audio_bytes is None:
        ingest.check_unchanged(rec)  # the file found and hashed is the file decoded, whole
        audio = ingest.decode(rec.path, max_duration_s=max_s)
        ingest.check_unchanged(rec)
    else:
        audio = ingest.decode_bytes(audio_bytes, rec.path.name, max_duration_s=max_s)
    flags = list(audio.flags)
    if meta.started_at is None and rec.mtime:
        # Neither the name nor a CRM row dates the call: the file's time is the best guess,
        # and without a date the call would be missing from every weekly figure.
        meta = dataclasses.replace(meta, started_at=datetime.fromtimestamp(rec.mtime))
        flags.append(TIME_FROM_MTIME)
    if ingest.is_silent(audio):
        flags.append("silent")
        transcript = Transcript(segments=(), asr_model=getattr(transcriber, "name", ""))
    else:
        transcript = _transcribe(transcriber, audio, _with_roster_name(cfg, meta))
    transcript = dataclasses.replace(transcript, flags=tuple(dict.fromkeys([*transcript.flags, *flags])))
    call = assemble_call(cfg, call_id=rec.call_id, meta=meta, transcript=transcript,
                         duration_s=audio.duration_s, channels=len(audio.channels), source="audio",
                         scorer=scorer, recording=rec, true_stereo=audio.true_stereo)
    # the stored channel count is the file's; scoring above looked at the decoded channels
    return dataclasses.replace(call, channels=audio.source_channels)


def call_meta(cfg: Config, rec: Recording, crm: dict | None = None):
    """What the file name and a CRM sidecar in the recording's folder tell about the call
    (``crm``: the rows read once for the run, :func:`_load_crm`)."""
    meta = _parse_meta(cfg, rec.path)
    rows = (crm if crm is not None else _load_crm([rec])).get(rec.path.parent)
    return ingest.match_crm(rows, rec.path, meta) if rows else meta


def store_call(cfg: Config, call: Call) -> None:
    """Write one finished call (and its configured manager) in one transaction."""
    with db.writer(cfg.db_path) as con:
        if call.manager_id:
            m = cfg.manager_for_extension(call.meta.manager_ext)
            if m:
                writes.upsert_manager(con, m.manager_id, m.name, m.extension, m.team)
        writes.write_call(con, call)


def _load_crm(todo) -> dict[Path, list]:
    """The CRM rows of every folder with work, read before any file is processed: a CRM file
    that cannot be read raises ConfigError (file and line) rather than quietly losing the
    managers and dates of its calls."""
    rows: dict[Path, list] = {}
    for folder in dict.fromkeys(item.path.parent for item in todo):
        rows[folder] = [row for csv_path in ingest.find_sidecars(folder) for row in ingest.load_crm_csv(csv_path)]
    return rows


def _with_roster_name(cfg: Config, meta):
    """The call's metadata for the recogniser: when neither the file name nor the CRM names
    the manager, the name the managers list gives the call's extension (the recogniser adds
    it to the call's vocabulary: ``transcribe.engine.call_vocabulary``). Only the transcriber
    sees it; what is stored is unchanged."""
    if meta.manager_name:
        return meta
    m = cfg.manager_for_extension(meta.manager_ext)
    return dataclasses.replace(meta, manager_name=m.name) if m and m.name else meta


def _transcribe(transcriber, audio, meta) -> Transcript:
    """The engine's transcript; the call's metadata (direction, file-name template) goes along
    for the stereo role decision when the engine takes it (a plug-in engine may not)."""
    try:
        takes_meta = "meta" in inspect.signature(transcriber.transcribe).parameters
    except (TypeError, ValueError):
        takes_meta = False
    return transcriber.transcribe(audio, meta) if takes_meta else transcriber.transcribe(audio)


def _record_failure(cfg: Config, rec: Recording, error: str) -> None:
    error = display_text(error)
    log.warning("failed %s: %s", display_path(rec.path), error)
    with db.writer(cfg.db_path) as con:
        writes.mark_recording_failed(con, rec, error)


# --- stages wiring -----------------------------------------------------------------------

def _default_transcriber(cfg: Config):
    import transcribe

    return transcribe.make_transcriber(cfg)


def _default_scorer(cfg: Config):
    import scoring

    return scoring.Scorer(cfg)


# --- engines -----------------------------------------------------------------------------
# The loop in _run_locked is the local engine. Another engine gets the selected recordings
# and processes them with build_call on its workers, storing each result with store_call /
# record_failure and counting it in the summary (pipeline.ray_engine).

def configured_engine(cfg: Config):
    """None for ``cluster.engine = "local"``; a RayEngine for ``"ray"``."""
    name = str(cfg["cluster.engine"]).strip().lower()
    if name in ("", "local"):
        return None
    if name == "ray":
        from pipeline.ray_engine import RayEngine

        return RayEngine.from_config(cfg)
    raise ConfigError(f"cluster.engine = {cfg['cluster.engine']!r} is not one of local, ray.")


def process_here(cfg: Config, item, transcriber=None, scorer=None) -> tuple[bool | None, float]:
    """One item as the local loop does it (an engine's head records unreadable files so)."""
    return _process_one(cfg, item, transcriber, scorer, _load_crm([item]))


def record_failure(cfg: Config, rec: Recording, error: str) -> None:
    """Store a recording as failed with the reason (retried on later runs)."""
    _record_failure(cfg, rec, error)


def failure_reason(exc: Exception) -> str:
    """What a failed recording's row says, as _process_one words it."""
    if isinstance(exc, CallQAError):
        return str(exc)
    return f"internal error ({type(exc).__name__}: {exc}); please report it"


# --- run bookkeeping ---------------------------------------------------------------------

def _finish_run(cfg: Config, s: RunSummary) -> None:
    if s.run_id is None:
        return
    counts = runs.RunCounts(s.found, s.new, s.done, s.failed, s.skipped, s.audio_s, s.wall_s)
    runs.finish_run(cfg.db_path, s.run_id, s.status, counts, s.message)
