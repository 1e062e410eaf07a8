"""`callqa import-transcripts`: bring ready transcripts (callqa JSON, Whisper JSON, Yandex
SpeechKit JSON) into the store, score them, and report bad files without stopping."""

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


def import_transcripts(cfg: Config, paths: list[Path], scorer=None, batch_size: int = 200) -> ImportSummary:
    """Import every transcript under ``paths``; calls already stored are replaced as a whole."""
    import scoring
    from transcribe.importers import load_transcript_paths

    scorer = scorer or scoring.Scorer(cfg)
    register_rubrics(cfg.db_path, scorer)
    summary = ImportSummary()
    pending: list[tuple[Call, object]] = []
    for item in load_transcript_paths(paths, roles_home=cfg.home):
        if isinstance(item, tuple):
            path, exc = item
            summary.errors.append((str(path), str(exc)))
            continue
        try:
            pending.append((_to_call(cfg, item, scorer), item.manager))
        except CallQAError as exc:
            summary.errors.append((str(getattr(item, "call_id", "?")), str(exc)))
            continue
        if len(pending) >= batch_size:
            summary.imported += _flush(cfg, pending)
    summary.imported += _flush(cfg, pending)
    return summary


def _to_call(cfg: Config, item, scorer) -> Call:
    named = item.manager
    manager = resolve_manager(cfg, item.meta, named.id if named else None,
                              named.extension if named else None, named.team if named else None)
    return assemble_call(cfg, call_id=item.call_id, meta=item.meta, transcript=item.transcript,
                         duration_s=item.duration_s, channels=item.channels, source="import",
                         scorer=scorer, manager=manager, true_stereo=item.channels == 2)


def _flush(cfg: Config, pending: list) -> int:
    if not pending:
        return 0
    with db.writer(cfg.db_path) as con:
        for call, manager in pending:
            if manager is not None and call.manager_id:
                writes.upsert_manager(con, call.manager_id, manager.name or call.manager_id,
                                      manager.extension, manager.team)
            writes.write_call(con, call)
    n = len(pending)
    pending.clear()
    return n
