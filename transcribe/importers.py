"""Transcript importers: callqa JSON v1, faster-whisper / OpenAI Whisper JSON, Yandex
SpeechKit JSON (v2 long-running results and v3 streaming results). Formats are detected
automatically; every error names the file, the field and what was expected.

Every file is read within bounds, so that one hostile or broken file fails alone: at most
``MAX_FILE_BYTES``, nesting at most ``MAX_DEPTH`` deep, no NaN / Infinity / numbers too large
for a float (``1e309``). A ``started_at`` with a UTC offset is converted to the configured
local zone (``ingest.timezone``; callqa stores local times without a zone, as PBX names do)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema

from core.errors import TranscriptFormatError
from core.types import CallMeta, Segment, Transcript
from transcribe.masking import mask_numbers
from transcribe.roles import assign_roles, role_classifier

log = logging.getLogger(__name__)
SCHEMA = resources.files(__package__).joinpath("resources/transcript-v1.schema.json")
MAX_FILE_BYTES = 64 * 1024 * 1024  # a 2-hour call's transcript is well under 5 MB
MAX_DEPTH = 32  # the deepest real format (SpeechKit v3) nests 7 levels


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


def load_transcript_paths(
    paths: Iterable[Path], roles_home: Path | None = None, timezone: tzinfo | None = None,
) -> Iterator[ImportedCall | tuple[Path, TranscriptFormatError]]:
    """Every *.json under ``paths`` (files or folders); a bad file yields (path, error).
    ``roles_home``, ``timezone``: as for :func:`load_transcript_file`."""
    for path in _walk(paths):
        try:
            yield load_transcript_file(path, roles_home=roles_home, timezone=timezone)
        except TranscriptFormatError as exc:
            yield (path, exc)
        except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError,
                AttributeError, OverflowError) as exc:
            # a shape the checks above did not foresee fails this file, not the import
            yield (path, TranscriptFormatError(f"{path}: cannot be read as a transcript "
                                               f"({type(exc).__name__}: {exc})."))


def _walk(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*") if x.is_file() and x.suffix.lower() in (".json", ".jsonl"))
        else:
            yield p


def load_transcript_file(path: Path, mask: bool = True, roles_home: Path | None = None,
                         timezone: tzinfo | None = None) -> ImportedCall:
    """One transcript file, format detected. Mono transcripts get manager/client roles from
    the role model of ``roles_home`` (the one `callqa train` saved there; None: the shipped
    seed model). A ``started_at`` with an offset is converted to ``timezone`` (None: this
    machine's zone)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TranscriptFormatError(f"{path}: {size:,} bytes is more than a transcript can be "
                                        f"({MAX_FILE_BYTES:,}); is it really a transcript?")
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptFormatError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    data = _parse_json(path, raw)
    _check_bounds(path, data)
    fallback_id = "imp-" + hashlib.sha256(raw).hexdigest()[:16]
    if isinstance(data, dict) and data.get("format") == "callqa.transcript":
        call = _from_callqa(path, data, fallback_id, roles_home, timezone)
    elif isinstance(data, dict) and "segments" in data and isinstance(data.get("segments"), list):
        call = _from_whisper(path, data, fallback_id, roles_home)
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
    return _with_confidence(call)


class _NotFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"the number {text} is too large")
    return value


def _no_constant(name: str):
    raise _NotFinite(f"{name} is not a number JSON allows")


def _loads(text: str):
    return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)


def _parse_json(path: Path, raw: bytes):
    """One JSON document, or JSON Lines (SpeechKit v3 getRecognition prints one object a line)."""
    try:
        text = raw.decode("utf-8-sig")
        return _loads(text)
    except UnicodeDecodeError as exc:
        raise TranscriptFormatError(f"{path}: not valid UTF-8 JSON ({exc}). Export the transcript as JSON again.") from exc
    except _NotFinite as exc:
        raise TranscriptFormatError(f"{path}: {exc}; numbers must be finite. Fix the file.") from exc
    except RecursionError as exc:
        raise TranscriptFormatError(f"{path}: nested more than {MAX_DEPTH} levels deep; not a transcript.") from exc
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            try:
                return [_loads(line) for line in lines]
            except (json.JSONDecodeError, _NotFinite, RecursionError):
                pass
        raise TranscriptFormatError(
            f"{path}: not valid UTF-8 JSON ({exc}). Export the transcript as JSON again."
        ) from exc


def _check_bounds(path: Path, data) -> None:
    """Nesting depth and integer size, checked without recursion (a 100 000-deep array must
    fail this file, not the whole import with a RecursionError)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TranscriptFormatError(f"{path}: nested more than {MAX_DEPTH} levels deep; not a transcript.")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            raise TranscriptFormatError(f"{path}: the number {value} is too large; numbers must be finite.")


# --- callqa JSON v1 ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _schema_errors(data: dict) -> list:
    """jsonschema errors of a callqa file. Segments, the bulk of a file, are checked by a small
    exact interpreter of their (simple) item schema first; jsonschema re-checks the whole file,
    for its precise messages, only when one fails."""
    validator = _validator()
    items = _fast_items_schema(json.dumps(validator.schema))
    segs = data.get("segments")
    if items is not None and isinstance(segs, list) and all(_fast_valid(items, s) for s in segs):
        return list(validator.iter_errors({**data, "segments": []}))
    return list(validator.iter_errors(data))


_FAST_KEYWORDS = {"type", "required", "properties", "additionalProperties", "enum", "minimum", "description"}
_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@lru_cache(maxsize=2)
def _fast_items_schema(schema_text: str) -> dict | None:
    """The segments' item schema if it uses only keywords _fast_valid implements exactly."""
    seg_schema = json.loads(schema_text).get("properties", {}).get("segments", {})
    if set(seg_schema) - {"type", "items", "description"} or seg_schema.get("type") != "array":
        return None
    items = seg_schema.get("items")
    return items if isinstance(items, dict) and _fast_supported(items) else None


def _fast_supported(schema: dict) -> bool:
    if set(schema) - _FAST_KEYWORDS or schema.get("additionalProperties", False) is not False:
        return False
    enum = schema.get("enum", ())
    if any(isinstance(v, (bool, int, float)) for v in enum):  # Python's 1 == True; keep jsonschema's rules
        return False
    return all(isinstance(sub, dict) and _fast_supported(sub) for sub in schema.get("properties", {}).values())


def _fast_valid(schema: dict, value) -> bool:
    kinds = schema.get("type")
    if kinds is not None and not any(_JSON_TYPES[k](value) for k in ([kinds] if isinstance(kinds, str) else kinds)):
        return False
    if "enum" in schema and (isinstance(value, (bool, int, float)) or value not in schema["enum"]):
        return False
    if "minimum" in schema and _JSON_TYPES["number"](value) and value < schema["minimum"]:
        return False
    if not isinstance(value, dict):
        return True
    props = schema.get("properties", {})
    if any(k not in value for k in schema.get("required", ())):
        return False
    if "additionalProperties" in schema and any(k not in props for k in value):
        return False
    return all(_fast_valid(props[k], v) for k, v in value.items() if k in props)


def _from_callqa(path: Path, data: dict, fallback_id: str, roles_home: Path | None,
                 timezone: tzinfo | None = None) -> ImportedCall:
    errors = sorted(_schema_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
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
        if started.tzinfo is not None:  # stored times are local wall-clock times, like PBX names
            started = started.astimezone(timezone).replace(tzinfo=None)
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
    guessed = any(s.speaker == "unknown" for s in segs)
    segs = _assign_roles(segs, roles_home)
    duration = float(data.get("duration_s") or (max((s.end_s for s in segs), default=0.0)))
    audio = data.get("audio_file")
    return ImportedCall(
        call_id=data.get("call_id") or fallback_id, meta=meta,
        transcript=Transcript(segs, language=data.get("language", "ru"), asr_model=data.get("asr_model", "import"),
                              flags=("roles_guessed",) if guessed else ()),
        duration_s=duration, channels=int(data.get("channels") or (1 if guessed or not _has_both(segs) else 2)),
        manager=manager, audio_path=(path.parent / audio) if audio else None, labels=data.get("labels"),
    )


# --- Whisper JSON ------------------------------------------------------------------------

def _from_whisper(path: Path, data: dict, fallback_id: str, roles_home: Path | None) -> ImportedCall:
    segments = [_whisper_segment(path, s, i) for i, s in enumerate(data["segments"])]
    segs = _renumber(segments)
    guessed = any(s.speaker == "unknown" for s in segs)
    segs = _assign_roles(segs, roles_home)
    duration = _number(data.get("duration"), path, "$.duration") or max((s.end_s for s in segs), default=0.0)
    return ImportedCall(
        call_id=fallback_id, meta=CallMeta(template="whisper-json"),
        transcript=Transcript(segs, language=_language(data.get("language")), asr_model="whisper-import",
                              flags=("roles_guessed",) if guessed else ()),
        duration_s=duration, channels=1,
    )


def _whisper_segment(path: Path, s, i: int) -> Segment:
    where = f"$.segments[{i}]"
    if not isinstance(s, dict):
        raise TranscriptFormatError(f"{path}: field {where}: expected an object with start, end, text.")
    for key in ("start", "end", "text"):
        if s.get(key) is None:
            raise TranscriptFormatError(f"{path}: field {where}.{key} is missing (Whisper segments need start, end, text).")
    if not isinstance(s["text"], str):
        raise TranscriptFormatError(f"{path}: field {where}.text: expected a string.")
    start, end = _number(s["start"], path, f"{where}.start"), _number(s["end"], path, f"{where}.end")
    if end < start:
        raise TranscriptFormatError(f"{path}: field {where}: end {end} is before start {start}.")
    speaker = s.get("speaker") if s.get("speaker") in ("manager", "client") else "unknown"
    return Segment(
        idx=0, speaker=speaker, start_s=start, end_s=end, text=s["text"].strip(),
        avg_logprob=_number(s.get("avg_logprob"), path, f"{where}.avg_logprob"),
        no_speech_prob=_number(s.get("no_speech_prob"), path, f"{where}.no_speech_prob"),
    )


def _number(value, path: Path, where: str) -> float | None:
    """A JSON number (or None when absent); anything else names the field."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise TranscriptFormatError(f"{path}: field {where}: expected a number (seconds or score), got {value!r}.")


def _language(value) -> str:
    """Whisper JSON says "ru"; OpenAI's verbose_json says "russian"."""
    names = {"russian": "ru", "english": "en", "ukrainian": "uk", "kazakh": "kk"}
    value = str(value or "ru").strip().lower()
    return names.get(value, value)


def _assign_roles(segs: tuple[Segment, ...], roles_home: Path | None) -> tuple[Segment, ...]:
    """Give mono segments manager/client roles with the text role classifier of ``roles_home``
    (loaded only when some segment has no role)."""
    if not segs or all(s.speaker != "unknown" for s in segs):
        return segs
    return tuple(assign_roles(segs, role_classifier(roles_home)))


# --- Yandex SpeechKit JSON ---------------------------------------------------------------
#
# v2 (longRunningRecognize, operation result): {"response": {"chunks": [{"channelTag": "1",
#   "alternatives": [{"text", "confidence", "words": [{"startTime": "1.200s", ...}]}]}]}};
#   channel tags count from "1" (left = manager, "2" = client).
# v3 (recognizeFileAsync + getRecognition): a stream of StreamingResponse objects, saved as a
#   JSON array or one object a line, each maybe wrapped in {"result": ...}; utterances come as
#   "final" and, with text normalisation on, again as "finalRefinement.normalizedText" (the
#   refined text wins); channel tags count from "0" (left = manager, "1" = client).

_V3_EVENTS = ("final", "finalRefinement", "partial", "eouUpdate", "statusCode")


def _looks_like_speechkit(data) -> bool:
    if isinstance(data, dict) and isinstance(data.get("response"), dict) and "chunks" in data["response"]:
        return True
    if isinstance(data, dict) and "chunks" in data:
        return True
    if isinstance(data, dict) and ("result" in data or any(k in data for k in _V3_EVENTS)):
        return True  # a one-line v3 stream
    items = data if isinstance(data, list) else (data.get("results") if isinstance(data, dict) else None)
    return isinstance(items, list) and any(
        isinstance(x, dict) and ("result" in x or any(k in x for k in _V3_EVENTS)) for x in items
    )


def _from_speechkit(path: Path, data, fallback_id: str) -> ImportedCall:
    if isinstance(data, dict) and ("response" in data or "chunks" in data):
        segments = _speechkit_v2(path, data)
        model = "yandex-speechkit-v2"
    else:
        items = data if isinstance(data, list) else data.get("results", [data])
        segments = _speechkit_v3(path, items)
        model = "yandex-speechkit-v3"
    segs = _renumber(segments)
    return ImportedCall(
        call_id=fallback_id, meta=CallMeta(template="speechkit-json"),
        transcript=Transcript(segs, asr_model=model),
        duration_s=max((s.end_s for s in segs), default=0.0),
        channels=2 if _has_both(segs) else 1,
    )


def _speechkit_v2(path: Path, data: dict) -> list[Segment]:
    base = "$.response.chunks" if "response" in data else "$.chunks"
    chunks = data["response"]["chunks"] if "response" in data else data["chunks"]
    if not isinstance(chunks, list):
        raise TranscriptFormatError(f"{path}: field {base}: expected a list of recognised chunks.")
    segments = []
    for i, ch in enumerate(chunks):
        alts = ch.get("alternatives") if isinstance(ch, dict) else None
        if not alts or not isinstance(alts, list):
            raise TranscriptFormatError(f"{path}: field {base}[{i}].alternatives: expected a non-empty list.")
        tag = str(ch.get("channelTag", "1"))
        speaker = {"1": "manager", "2": "client"}.get(tag, "unknown")
        channel = int(tag) - 1 if tag.isdigit() else None
        segments.append(_v2_segment(path, alts[0], speaker, channel, f"{base}[{i}].alternatives[0]"))
    return segments


def _v2_segment(path: Path, alt, speaker: str, channel: int | None, where: str) -> Segment:
    text = _alt_text(path, alt, where)
    words = alt.get("words") or []
    if not words:
        raise TranscriptFormatError(f"{path}: field {where}.words: expected word timings (startTime, endTime).")
    start = _seconds(words[0].get("startTime"), path, f"{where}.words[0].startTime")
    end = _seconds(words[-1].get("endTime"), path, f"{where}.words[{len(words) - 1}].endTime")
    conf = alt.get("confidence")
    return Segment(idx=0, speaker=speaker, start_s=start, end_s=max(end, start), text=text.strip(),
                   channel=channel, low_confidence=isinstance(conf, (int, float)) and 0 < conf < 0.5)


def _speechkit_v3(path: Path, items: list) -> list[Segment]:
    slots: dict[tuple, int] = {}  # (channel, final index) and (channel, start, end) -> position
    segments: list[Segment] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise TranscriptFormatError(f"{path}: field $[{i}]: expected a SpeechKit response object.")
        body = item.get("result", item)
        found = _v3_utterance(body)
        if found is None:
            continue  # partial results, EOU updates, status messages
        update, index, refined, key = found
        where = f"$[{i}]" + (".result" if "result" in item else "") + key
        alts = update.get("alternatives")
        if not isinstance(alts, list) or not alts:
            raise TranscriptFormatError(f"{path}: field {where}.alternatives: expected a non-empty list.")
        tag = str(update.get("channelTag", body.get("channelTag", "0")))
        seg = _v3_segment(path, alts[0], tag, f"{where}.alternatives[0]")
        keys = [(tag, seg.start_s, seg.end_s)] + ([(tag, "final", str(index))] if index is not None else [])
        pos = next((slots[k] for k in keys if k in slots), None)
        if pos is None:
            pos = len(segments)
            segments.append(seg)
        elif refined:
            segments[pos] = seg
        slots.update(dict.fromkeys(keys, pos))
    return segments


def _v3_utterance(body: dict):
    """(alternative update, final index, is refinement, JSON key) of a final result, else None."""
    if isinstance(body.get("final"), dict):
        index = (body.get("audioCursors") or {}).get("finalIndex")
        return body["final"], index, False, ".final"
    refinement = body.get("finalRefinement")
    if isinstance(refinement, dict) and isinstance(refinement.get("normalizedText"), dict):
        return refinement["normalizedText"], refinement.get("finalIndex"), True, ".finalRefinement.normalizedText"
    return None


def _v3_segment(path: Path, alt, tag: str, where: str) -> Segment:
    text = _alt_text(path, alt, where)
    words = alt.get("words") or []
    start = alt.get("startTimeMs", words[0].get("startTimeMs") if words else None)
    end = alt.get("endTimeMs", words[-1].get("endTimeMs") if words else None)
    start_s = _milliseconds(start, path, f"{where}.startTimeMs")
    end_s = _milliseconds(end, path, f"{where}.endTimeMs")
    speaker = {"0": "manager", "1": "client"}.get(tag, "unknown")
    return Segment(idx=0, speaker=speaker, start_s=start_s, end_s=max(end_s, start_s), text=text.strip(),
                   channel=int(tag) if tag.isdigit() else None)


def _alt_text(path: Path, alt, where: str) -> str:
    if not isinstance(alt, dict) or not isinstance(alt.get("text"), str):
        raise TranscriptFormatError(f"{path}: field {where}.text: expected a string.")
    return alt["text"]


def _seconds(value, path: Path, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            pass
    raise TranscriptFormatError(f"{path}: field {where}: expected a time like \"1.200s\", got {value!r}.")


def _milliseconds(value, path: Path, where: str) -> float:
    try:
        if not isinstance(value, bool):
            return float(value) / 1000
    except (TypeError, ValueError):
        pass
    raise TranscriptFormatError(f"{path}: field {where}: expected milliseconds like \"1200\", got {value!r}.")


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


LOW_LOGPROB = -1.0  # the default of asr.low_confidence_logprob
HIGH_NO_SPEECH = 0.6


def _with_confidence(call: ImportedCall) -> ImportedCall:
    """Mark low-confidence segments (Whisper scores) and flag the call when most speech is."""
    segs = tuple(
        replace(s, low_confidence=True) if not s.low_confidence and _is_low(s) else s
        for s in call.transcript.segments
    )
    speech = sum(s.end_s - s.start_s for s in segs)
    low = sum(s.end_s - s.start_s for s in segs if s.low_confidence)
    flags = call.transcript.flags
    if speech > 0 and low / speech > 0.5 and "low_confidence" not in flags:
        flags += ("low_confidence",)
    return replace(call, transcript=replace(call.transcript, segments=segs, flags=flags))


def _is_low(s: Segment) -> bool:
    return (s.avg_logprob is not None and s.avg_logprob < LOW_LOGPROB) or (
        s.no_speech_prob is not None and s.no_speech_prob > HIGH_NO_SPEECH
    )


def _has_both(segs) -> bool:
    speakers = {s.speaker for s in segs}
    return {"manager", "client"} <= speakers


def _mask_client(number: str | None) -> str | None:
    if not number:
        return None
    from ingest import mask_phone

    return mask_phone(number)
