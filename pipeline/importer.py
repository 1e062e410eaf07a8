"""`callqa import-transcripts`: bring ready transcripts (callqa JSON, Whisper JSON, Yandex
SpeechKit JSON) into the store, score them, and report bad files without stopping.

A manager named in a file never renames a manager callqa already knows (from callqa.toml /
managers.csv or the store): the known name is kept and a warning says which file disagreed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from core.config import Config
from core.errors import CallQAError
from core.types import Call
from pipeline.assemble import assemble_call, register_rubrics, resolve_manager
from store import db, writes

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ImportSummary:
    imported: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_transcripts(cfg: Config, paths: list[Path], scorer=None, batch_size: int = 200) -> ImportSummary:
    """Import every transcript under ``paths``; calls already stored are replaced as a whole."""
    import scoring
    from transcribe.importers import load_transcript_paths

    scorer = scorer or scoring.Scorer(cfg)
    register_rubrics(cfg.db_path, scorer)
    summary = ImportSummary()
    pending: list[tuple[Call, object]] = []
    for item in load_transcript_paths(paths, roles_home=cfg.home, timezone=cfg.timezone):
        if isinstance(item, tuple):
            path, exc = item
            summary.errors.append((str(path), str(exc)))
            continue
        try:
            pending.append((_to_call(cfg, item, scorer), item.manager))
        except (ValueError, TypeError, OverflowError) as exc:  # this file, not the whole import
            summary.errors.append((str(getattr(item, "call_id", "?")), f"cannot score it ({exc})"))
            continue
        except CallQAError as exc:
            summary.errors.append((str(getattr(item, "call_id", "?")), str(exc)))
            continue
        if len(pending) >= batch_size:
            summary.imported += _flush(cfg, pending, summary.warnings)
    summary.imported += _flush(cfg, pending, summary.warnings)
    return summary


def _to_call(cfg: Config, item, scorer) -> Call:
    named = item.manager
    manager = resolve_manager(cfg, item.meta, named.id if named else None,
                              named.extension if named else None, named.team if named else None)
    return assemble_call(cfg, call_id=item.call_id, meta=item.meta, transcript=item.transcript,
                         duration_s=item.duration_s, channels=item.channels, source="import",
                         scorer=scorer, manager=manager, true_stereo=item.channels == 2)


def _flush(cfg: Config, pending: list, warnings: list[str]) -> int:
    if not pending:
        return 0
    with db.writer(cfg.db_path) as con:
        for call, manager in pending:
            if manager is not None and call.manager_id:
                _keep_known_manager(cfg, con, call, manager, warnings)
            writes.write_call(con, call)
    n = len(pending)
    pending.clear()
    return n


def _keep_known_manager(cfg: Config, con, call: Call, named, warnings: list[str]) -> None:
    configured = cfg.manager_for_id(call.manager_id)
    if configured is not None:
        writes.upsert_manager(con, configured.manager_id, configured.name, configured.extension, configured.team)
        known = configured.name
    else:
        known = writes.add_manager_if_new(con, call.manager_id, named.name or call.manager_id,
                                          named.extension, named.team)
    if named.name and known is not None and known != named.name:
        warnings.append(f"call {call.call_id}: the file names manager {call.manager_id} "
                        f"'{named.name}'; kept the known name '{known}' (change it in callqa.toml "
                        "or managers.csv if the file is right)")
