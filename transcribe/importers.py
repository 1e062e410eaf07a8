"""Transcript importers: callqa JSON v1, faster-whisper / OpenAI Whisper JSON, Yandex
SpeechKit JSON (v2 long-running results and v3 streaming results). Formats are detected
automatically; every error names the file, the field and what was expected."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import jsonschema

from core.config import DATA_DIR
from core.errors import TranscriptFormatError
from core.types import CallMeta, Segment, Transcript
from transcribe.masking import mask_numbers

log = logging.getLogger(__name__)
SCHEMA_PATH = DATA_DIR / "schemas" / "transcript-v1.schema.json"


@dataclass(frozen=True, slots=True)
class ImportedManager:
    id: str | None = None
    name: str | None = None
    extension: str | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class ImportedCall:
    call_id: str
    meta: CallMeta
    transcript: Transcript
    duration_s: float
    channels: int
    manager: ImportedManager | None = None
    audio_path: Path | None = None
    labels: dict | None = None


def load_transcript_paths(paths: Iterable[Path]) -> Iterator[ImportedCall | tuple[Path, TranscriptFormatError]]:
    """Every *.json under ``paths`` (files or folders); a bad file yields (path, error)."""
    for path in _walk(paths):
        try:
            yield load_transcript_file(path)
        except TranscriptFormatError as exc:
            yield (path, exc)


def _walk(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*.json") if x.is_file())
        else:
            yield p


def load_transcript_file(path: Path, mask: bool = True) -> ImportedCall:
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise TranscriptFormatError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranscriptFormatError(
            f"{path}: not valid UTF-8 JSON ({exc}). Export the transcript as JSON again."
        ) from exc
    fallback_id = "imp-" + hashlib.sha256(raw).hexdigest()[:16]
    if isinstance(data, dict) and data.get("format") == "callqa.transcript":
        call = _from_callqa(path, data, fallback_id)
    elif isinstance(data, dict) and "segments" in data and isinstance(data.get("segments"), list):
        call = _from_whisper(path, data, fallback_id)
    elif _looks_like_speechkit(data):
        call = _from_speechkit(path, data, fallback_id)
    else:
        raise TranscriptFormatError(
            f"{path}: unknown transcript format. Expected callqa JSON (\"format\": "
            "\"callqa.transcript\"), Whisper JSON (a \"segments\" list) or Yandex SpeechKit JSON "
            "(\"response\": {\"chunks\": …} or results with \"channelTag\")."
        )
    if mask:
        segs = tuple(_replace_text(s, mask_numbers(s.text)) for s in call.transcript.segments)
        call = _with_segments(call, segs)
    return call


# --- callqa JSON v1 ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _from_callqa(path: Path, data: dict, fallback_id: str) -> ImportedCall:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise TranscriptFormatError(f"{path}: field {where}: {e.message}{more}.")
    started = None
    if data.get("started_at"):
        try:
            started = datetime.fromisoformat(data["started_at"])
        except ValueError as exc:
            raise TranscriptFormatError(
                f"{path}: field $.started_at: {data['started_at']!r} is not an ISO 8601 date-time "
                "(expected e.g. 2026-09-01T10:15:00)."
            ) from exc
    m = data.get("manager") or {}
    manager = ImportedManager(m.get("id"), m.get("name"), m.get("extension"), m.get("team")) if m else None
    meta = CallMeta(
        started_at=started, direction=data.get("direction"),
        manager_ext=m.get("extension"), client_number_masked=_mask_client(data.get("client_number")),
        external_id=data.get("call_id"), deal_id=data.get("deal_id"), manager_name=m.get("name"),
        template="callqa-json",
    )
    segments = []
    for i, s in enumerate(data["segments"]):
        if s["end"] < s["start"]:
            raise TranscriptFormatError(
                f"{path}: field $.segments[{i}]: end {s['end']} is before start {s['start']}."
            )
        segments.append(Segment(
            idx=0, speaker=s["speaker"], start_s=float(s["start"]), end_s=float(s["end"]),
            text=s["text"].strip(), channel=s.get("channel"), avg_logprob=s.get("avg_logprob"),
            no_speech_prob=s.get("no_speech_prob"),
        ))
    segs = _renumber(segments)
    duration = float(data.get("duration_s") or (max((s.end_s for s in segs), default=0.0)))
    audio = data.get("audio_file")
    return ImportedCall(
        call_id=data.get("call_id") or fallback_id, meta=meta,
        transcript=Transcript(segs, language=data.get("language", "ru"), asr_model=data.get("asr_model", "import")),
        duration_s=duration, channels=int(data.get("channels") or (2 if _has_both(segs) else 1)),
        manager=manager, audio_path=(path.parent / audio) if audio else None, labels=data.get("labels"),
    )


# --- Whisper JSON ------------------------------------------------------------------------

def _from_whisper(path: Path, data: dict, fallback_id: str) -> ImportedCall:
    segments = []
    for i, s in enumerate(data["segments"]):
        if not isinstance(s, dict):
            raise TranscriptFormatError(f"{path}: field $.segments[{i}]: expected an object with start, end, text.")
        for key in ("start", "end", "text"):
            if key not in s:
                raise TranscriptFormatError(f"{path}: field $.segments[{i}].{key} is missing (Whisper segments need start, end, text).")
        try:
            start, end = float(s["start"]), float(s["end"])
        except (TypeError, ValueError) as exc:
            raise TranscriptFormatError(f"{path}: field $.segments[{i}].start/end: expected numbers of seconds.") from exc
        speaker = s.get("speaker") if s.get("speaker") in ("manager", "client") else "unknown"
        segments.append(Segment(
            idx=0, speaker=speaker, start_s=start, end_s=end, text=str(s["text"]).strip(),
            avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob"),
        ))
    segs = _assign_roles(_renumber(segments))
    duration = float(data.get("duration") or max((s.end_s for s in segs), default=0.0))
    meta = CallMeta(template="whisper-json")
    return ImportedCall(
        call_id=fallback_id, meta=meta,
        transcript=Transcript(segs, language=data.get("language") or "ru", asr_model="whisper-import",
                              flags=("roles_guessed",) if segs else ()),
        duration_s=duration, channels=1,
    )


def _assign_roles(segs: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Give mono segments manager/client roles with the text role classifier, if installed."""
    if not segs or all(s.speaker != "unknown" for s in segs):
        return segs
    try:
        from transcribe.roles import assign_roles
    except ImportError:
        return segs
    return tuple(assign_roles(segs))


# --- Yandex SpeechKit JSON ---------------------------------------------------------------

def _looks_like_speechkit(data) -> bool:
    if isinstance(data, dict) and isinstance(data.get("response"), dict) and "chunks" in data["response"]:
        return True
    if isinstance(data, dict) and "chunks" in data:
        return True
    items = data if isinstance(data, list) else (data.get("results") if isinstance(data, dict) else None)
    return isinstance(items, list) and any(isinstance(x, dict) and ("result" in x or "final" in x) for x in items)


def _seconds(value, path: Path, where: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            pass
    raise TranscriptFormatError(f"{path}: field {where}: expected a time like \"1.200s\", got {value!r}.")


def _speaker_for_tag(tag) -> str:
    # SpeechKit numbers channels from "1"; PBX stereo puts the manager on the first (left).
    return {"1": "manager", "2": "client"}.get(str(tag), "unknown")


def _from_speechkit(path: Path, data, fallback_id: str) -> ImportedCall:
    segments: list[Segment] = []
    if isinstance(data, dict) and ("response" in data or "chunks" in data):
        chunks = data["response"]["chunks"] if "response" in data else data["chunks"]
        for i, ch in enumerate(chunks):
            alts = ch.get("alternatives") if isinstance(ch, dict) else None
            if not alts:
                raise TranscriptFormatError(f"{path}: field $.response.chunks[{i}].alternatives: expected a non-empty list.")
            segments.append(_speechkit_segment(path, alts[0], ch.get("channelTag"), f"$.response.chunks[{i}]", ms=False))
    else:
        items = data if isinstance(data, list) else data["results"]
        for i, item in enumerate(items):
            body = item.get("result", item)
            final = body.get("final") or body.get("finalRefinement", {}).get("normalizedText")
            if not final:
                continue
            alts = final.get("alternatives") or []
            if alts:
                segments.append(_speechkit_segment(path, alts[0], final.get("channelTag"), f"$[{i}].result.final", ms=True))
    segs = _renumber(segments)
    return ImportedCall(
        call_id=fallback_id, meta=CallMeta(template="speechkit-json"),
        transcript=Transcript(segs, asr_model="yandex-speechkit"),
        duration_s=max((s.end_s for s in segs), default=0.0),
        channels=2 if _has_both(segs) else 1,
    )


def _speechkit_segment(path: Path, alt: dict, tag, where: str, ms: bool) -> Segment:
    text = alt.get("text")
    if not isinstance(text, str):
        raise TranscriptFormatError(f"{path}: field {where}.alternatives[0].text: expected a string.")
    words = alt.get("words") or []
    if ms:
        start = float(alt.get("startTimeMs", words[0].get("startTimeMs", 0) if words else 0)) / 1000
        end = float(alt.get("endTimeMs", words[-1].get("endTimeMs", 0) if words else 0)) / 1000
    elif words:
        start = _seconds(words[0].get("startTime"), path, f"{where}.alternatives[0].words[0].startTime")
        end = _seconds(words[-1].get("endTime"), path, f"{where}.alternatives[0].words[-1].endTime")
    else:
        raise TranscriptFormatError(f"{path}: field {where}.alternatives[0].words: expected word timings.")
    conf = alt.get("confidence")
    return Segment(idx=0, speaker=_speaker_for_tag(tag), start_s=start, end_s=max(end, start),
                   text=text.strip(), channel=(int(tag) - 1) if str(tag).isdigit() else None,
                   low_confidence=isinstance(conf, (int, float)) and 0 < conf < 0.5)


# --- helpers -----------------------------------------------------------------------------

def _renumber(segments: list[Segment]) -> tuple[Segment, ...]:
    ordered = sorted((s for s in segments if s.text), key=lambda s: (s.start_s, s.end_s))
    return tuple(_with_idx(s, i) for i, s in enumerate(ordered))


def _with_idx(s: Segment, idx: int) -> Segment:
    return replace(s, idx=idx)


def _replace_text(s: Segment, text: str) -> Segment:
    return s if text == s.text else replace(s, text=text, lemmas=())


def _with_segments(call: ImportedCall, segs: tuple[Segment, ...]) -> ImportedCall:
    return replace(call, transcript=replace(call.transcript, segments=segs))


def _has_both(segs) -> bool:
    speakers = {s.speaker for s in segs}
    return {"manager", "client"} <= speakers


def _mask_client(number: str | None) -> str | None:
    if not number:
        return None
    from ingest import mask_phone

    return mask_phone(number)
