"""What the batch and the transcript import share: registering the rubric versions a scorer
uses, and turning a transcript + metadata into a scored :class:`core.types.Call`."""

from __future__ import annotations

from pathlib import Path

from core.config import Config
from core.types import Call, CallMeta, Recording, Transcript, manager_id_for_extension
from store import db, writes


def register_rubrics(db_path: Path, scorer) -> None:
    """Store the rubric versions the scorer may use (before any score refers to them)."""
    if scorer is None or not hasattr(scorer, "rubric_versions"):
        return
    with db.writer(db_path) as con:
        writes.register_rubric_versions(con, list(scorer.rubric_versions()))


def resolve_manager(cfg: Config, meta: CallMeta, explicit_id: str | None = None,
                    explicit_extension: str | None = None,
                    explicit_team: str | None = None) -> tuple[str | None, str | None]:
    """(manager id, team): the transcript's own manager if it names one, else the configured
    manager of the call's extension."""
    if explicit_id or explicit_extension:
        return explicit_id or manager_id_for_extension(explicit_extension), explicit_team
    m = cfg.manager_for_extension(meta.manager_ext)
    return (m.manager_id, m.team) if m else (None, None)


def assemble_call(cfg: Config, *, call_id: str, meta: CallMeta, transcript: Transcript,
                  duration_s: float, channels: int, source: str, scorer,
                  manager: tuple[str | None, str | None] | None = None,
                  recording: Recording | None = None, true_stereo: bool = False) -> Call:
    """Fill lemmas, score with the rubric of the call's team/direction, and build the Call."""
    import scoring

    manager_id, team = manager if manager is not None else resolve_manager(cfg, meta)
    score = None
    if scorer is not None:
        transcript = scoring.prepare_transcript(transcript)
        score = scorer.score(transcript, meta, duration_s, channels, team=team)
    return Call(call_id=call_id, meta=meta, transcript=transcript, duration_s=duration_s,
                channels=channels, source=source, recording=recording, true_stereo=true_stereo,
                manager_id=manager_id, score=score)
