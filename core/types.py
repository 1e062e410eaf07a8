"""Core domain types passed between stages (frozen dataclasses, no dicts between stages)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np

Speaker = Literal["manager", "client", "unknown"]
Direction = Literal["in", "out"]
Verdict = Literal["pass", "fail", "insufficient", "not_applicable"]
Handling = Literal["value", "question", "discount", "ignored", "other"]

VERDICTS: tuple[str, ...] = ("pass", "fail", "insufficient", "not_applicable")
HANDLINGS: tuple[str, ...] = ("value", "question", "discount", "ignored", "other")
# The РОП's label for a turn the machine took for an objection that is none: stored as the
# handling of that objection; it drops out of every objection figure and teaches `callqa train`.
NOT_OBJECTION = "none"


@dataclass(frozen=True, slots=True)
class Recording:
    """An audio file found in the PBX folder; identity is the content hash."""

    path: Path
    sha256: str
    size: int
    mtime: float

    @property
    def call_id(self) -> str:
        return call_id_for_sha(self.sha256)


def display_path(path: str | os.PathLike) -> str:
    """``path`` as text that can be stored and printed: a name whose bytes are not UTF-8 (a
    cp1251 name from an SMB share arrives as surrogate escapes) shows those bytes as ``\\xff``.
    UTF-8 names are unchanged."""
    return display_text(os.fspath(path))


def display_text(text: str) -> str:
    """``text`` with surrogate escapes (bytes of a non-UTF-8 file name quoted in a message)
    shown as ``\\xff``, so that it can be stored and printed."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no byte escaped
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def manager_id_for_extension(extension: str) -> str:
    """The manager id callqa gives an extension that no config or CRM names: ``m101``."""
    return f"m{extension}"


def call_id_for_sha(sha256: str) -> str:
    """Call ids of audio calls are the first 16 hex digits of the recording's sha256."""
    return sha256[:16]


@dataclass(frozen=True, slots=True)
class CallMeta:
    """What the file name or a CRM sidecar tells about a call. Every field may be unknown."""

    started_at: datetime | None = None
    direction: str | None = None  # "in" | "out" | None
    manager_ext: str | None = None
    client_number_masked: str | None = None
    external_id: str | None = None
    deal_id: str | None = None
    manager_name: str | None = None
    template: str | None = None  # name of the file-name template that matched


@dataclass(frozen=True, slots=True)
class Audio:
    """Decoded audio: float32 mono arrays at ``sample_rate`` (16 kHz), one per channel kept.

    ``source_channels`` is the channel count of the file; ``true_stereo`` is False for mono
    files and for stereo files whose two channels carry the same signal (then ``channels``
    holds just one array).
    """

    channels: list[np.ndarray]
    sample_rate: int
    duration_s: float
    source_channels: int
    true_stereo: bool = False
    flags: tuple[str, ...] = ()  # e.g. "more_than_2_channels", "silent", "resampled_from_8k"


@dataclass(frozen=True, slots=True)
class Segment:
    """One speaker turn (or ASR segment) of a call."""

    idx: int
    speaker: str  # Speaker
    start_s: float
    end_s: float
    text: str
    channel: int | None = None
    lemmas: tuple[str, ...] = ()
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    low_confidence: bool = False
    call_id: str = ""


@dataclass(frozen=True, slots=True)
class Transcript:
    segments: tuple[Segment, ...]
    language: str = "ru"
    asr_model: str = ""
    flags: tuple[str, ...] = ()  # e.g. "low_confidence", "vad_retry", "mono_roles_guessed"
    # Whisper's language detection: the probability of ``language`` (speech-weighted over the
    # channels) and each channel's own top language and probability; None / () when not detected
    language_probability: float | None = None
    channel_languages: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    segment_idx: int
    start_s: float
    end_s: float
    quote: str


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion_id: str
    verdict: str  # Verdict
    points: float
    max_points: float
    evidence: Evidence | None = None
    confidence: float = 1.0
    reason: str = ""
    stage: str = ""
    title: str = ""
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class ObjectionResult:
    kind: str
    segment_idx: int
    start_s: float
    quote: str
    handling: str  # Handling
    response_idx: int | None = None
    response_quote: str = ""
    confidence: float = 0.0
    rule_hits: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CallMetrics:
    manager_talk_ratio: float | None = None
    longest_manager_monologue_s: float | None = None
    manager_questions: int = 0
    manager_questions_per_min: float | None = None
    interruptions: int = 0
    overlap_s: float = 0.0
    silence_share: float | None = None
    longest_silence_s: float | None = None
    patience_s: float | None = None
    manager_words_per_min: float | None = None
    client_words_per_min: float | None = None


@dataclass(frozen=True, slots=True)
class CallScore:
    rubric_id: str
    rubric_version: str
    score_pct: float | None  # None when the call is not applicable (IVR, voicemail)
    points: float
    max_points: float
    criteria: tuple[CriterionResult, ...]
    objections: tuple[ObjectionResult, ...] = ()
    metrics: CallMetrics = field(default_factory=CallMetrics)
    fatal_failed: tuple[str, ...] = ()
    applicable: bool = True
    uncertain: bool = False
    call_type: str = "sales"  # scoring.call_type: sales, ivr, voicemail, too_short …


@dataclass(frozen=True, slots=True)
class Call:
    """Everything the batch writes for one call, in one transaction."""

    call_id: str
    meta: CallMeta
    transcript: Transcript
    duration_s: float
    channels: int
    source: str  # "audio" | "import"
    recording: Recording | None = None
    true_stereo: bool = False
    manager_id: str | None = None
    score: CallScore | None = None
