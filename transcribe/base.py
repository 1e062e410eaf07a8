"""The transcription stage's contract: options, the Transcriber protocol, and a fake engine."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np

from core.errors import ConfigError
from core.types import Audio, CallMeta, Segment, Transcript

_CHOICES = {"segmentation": ("turns", "clips", "vad"), "manager_channel": ("left", "right", "auto"),
            "stereo_layout": ("auto", "caller_left", "manager_left", "manager_right"),
            "vocabulary_channel": ("both", "manager")}


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    model: str = "base"
    language: str = "ru"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0 = all cores
    batch_size: int = 8  # windows per Whisper pass (<= 1: one at a time); never changes the words
    beam_size: int = 5  # beam search (1 = greedy); always temperature 0 (no sampled fallback)
    segmentation: str = "turns"  # turns (packed energy turns) | clips (one clip per turn) | vad
    vad_threshold: float = 0.3
    manager_channel: str = "auto"  # auto (decided per call) | left | right (fixed)
    stereo_layout: str = "auto"  # the PBX's channel layout: auto | caller_left | manager_left | manager_right
    word_timestamps: bool = False
    mask_numbers: bool = True
    low_confidence_logprob: float = -1.0
    vocabulary: tuple[str, ...] = ()  # company words passed to Whisper as hotwords
    # both | manager: on stereo calls whose manager channel is known before decoding (fixed
    # manager_channel, or stereo_layout with the call's direction), hotwords on that channel only
    vocabulary_channel: str = "manager"

    @classmethod
    def from_config(cls, cfg) -> TranscribeOptions:
        """Options from the ``asr.*`` keys; a value that cannot work raises ConfigError."""
        values = {f.name: cfg[f"asr.{f.name}"] for f in fields(cls)}
        values["vocabulary"] = vocabulary_terms(values["vocabulary"])
        options = cls(**values)
        options.check()
        return options

    def check(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"asr.{name} = {getattr(self, name)!r} is not one of {', '.join(allowed)}.")
        if not _number_in(self.vad_threshold, 0.0, 1.0, open_low=True):
            raise ConfigError(
                f"asr.vad_threshold = {self.vad_threshold!r}: expected a number between 0 and 1 "
                "(0.3 keeps telephone-band speech)."
            )
        if not _number_in(self.cpu_threads, 0, 1024) or int(self.cpu_threads) != self.cpu_threads:
            raise ConfigError(f"asr.cpu_threads = {self.cpu_threads!r}: expected 0 (all cores) or a whole number.")


def vocabulary_terms(value) -> tuple[str, ...]:
    """``asr.vocabulary`` as a clean tuple of terms (a list, or one comma-separated string)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"asr.vocabulary = {value!r}: expected a list of words, e.g. "
                          '["Окна Комфорт", "Rehau", "пятикамерный"].')
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _number_in(value, low: float, high: float, open_low: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (low < value if open_low else low <= value) and value <= high


class Transcriber(Protocol):
    name: str

    def transcribe(self, audio: Audio, meta: CallMeta | None = None) -> Transcript: ...


_DEFAULT_LINES: tuple[tuple[str, str], ...] = (
    ("manager", "Здравствуйте, компания Окна Комфорт, меня зовут Анна. Как я могу к вам обращаться?"),
    ("client", "Меня зовут Олег. Сколько у вас стоит окно?"),
    ("manager", "Олег, подскажите, какие окна у вас сейчас и что вас в них не устраивает?"),
    ("client", "Старые деревянные, дует. Но у вас дорого."),
    ("manager", "Понимаю. Зато профиль с гарантией десять лет и монтаж в подарок. Когда удобно сделать замер?"),
    ("client", "В четверг в десять."),
    ("manager", "Итак, договорились: замер в четверг в десять утра. Всего доброго, до свидания!"),
)


class FakeTranscriber:
    """A deterministic stand-in for Whisper in tests of other stages (no model, instant).

    Lines are spread evenly over the audio; manager lines on channel 0, client on channel 1.
    Silent audio gives no segments, as a real engine would.
    """

    def __init__(self, lines: tuple[tuple[str, str], ...] | list | None = None, name: str = "fake"):
        self.lines = tuple(lines) if lines else _DEFAULT_LINES
        self.name = name

    def transcribe(self, audio: Audio, meta: CallMeta | None = None) -> Transcript:
        if all(float(np.max(np.abs(ch))) < 1e-4 if ch.size else True for ch in audio.channels):
            return Transcript(segments=(), asr_model=self.name)
        step = max(audio.duration_s, 0.1) / len(self.lines)
        segments = tuple(
            Segment(
                idx=i, speaker=speaker, start_s=round(i * step, 3),
                end_s=round((i + 0.9) * step, 3), text=text,
                channel=0 if speaker == "manager" else 1, avg_logprob=-0.2, no_speech_prob=0.01,
            )
            for i, (speaker, text) in enumerate(self.lines)
        )
        return Transcript(segments=segments, asr_model=self.name)
