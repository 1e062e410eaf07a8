"""Hallucination guard: what Whisper writes where nobody spoke, and loops.

Whisper was trained on subtitled video, so on silence, line noise or hold music it writes the
subtitle credits and sign-offs of Russian YouTube («Спасибо за просмотр!», «Субтитры сделал
DimaTorzok», «Продолжение следует…»). Without the sampled temperature fallback (decoding is
deterministic) a hard window can also come back as a loop («да да да да …», the same phrase
over and over, or the same text in window after window).

- :func:`drop_stock_phrases` drops a segment that is such a phrase (plus at most a short
  credit) when nobody is likely to have said it: Whisper's no-speech probability is high, the
  audio under it is quiet (under 0.3 s louder than −45 dBFS), or it is the only text of its side.
  A manager who really says «спасибо за внимание» on a live line keeps it.
- :func:`collapse_loops` keeps one copy of an n-gram repeated back to back inside a segment
  (a word 6+ times, a 2–6-word phrase 4+ times).
- :func:`drop_repeated_windows` keeps the first of 3+ consecutive segments of one side with the
  same text of 2+ words.

Each returns what it kept and how many it changed; the transcriber flags the call
``asr_hallucination_dropped`` when any did (the UI asks to listen to that part).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

import ingest
from core.types import Segment

SR = 16000
STOCK_NO_SPEECH_PROB = 0.4    # above this Whisper itself doubts anyone spoke
QUIET_SPEECH_S = 0.3          # under this much sound louder than −45 dBFS under the segment
STOCK_EXTRA_WORDS = 5         # «Субтитры сделал DimaTorzok»: the phrase plus a short credit
LOOP_MIN_REPEATS = {1: 6}     # a single word back to back this many times is a loop
LOOP_MIN_REPEATS_PHRASE = 4   # a 2–6-word phrase back to back this many times
LOOP_MAX_N = 6
WINDOW_REPEATS = 3            # the same text in this many consecutive segments of a side
WINDOW_MIN_WORDS = 2

# Whisper's stock phrases on silence (Russian and English training subtitles), as word
# sequences over normalised text (lower case, ё → е, no punctuation).
STOCK_PHRASES: tuple[re.Pattern, ...] = tuple(re.compile(p) for p in (
    r"\bспасибо за просмотр",
    r"\bспасибо за внимание\b",
    r"\bсубтитры (сделал|делал|создавал|создал|подготовил|подогнал|подготовлены|by)\b",
    r"\b(редактор|корректор|автор|переводчик) субтитров\b",
    r"\bпродолжение следует\b",
    r"\bподписывайтесь на (наш |мой )?канал\b",
    r"\bподпишись на (наш |мой )?канал\b",
    r"\bставьте лайки\b",
    r"\bдо новых встреч\b",
    r"\bдо скорой встречи\b",
    r"\bdimatorzok\b",
    r"\bthanks? (you )?for watching\b",
    r"\bsubtitles by\b",
    r"\bamara org\b",
))

_WORD_RE = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


def normalise(text: str) -> str:
    """Lower case, ё → е, words only (punctuation and symbols dropped)."""
    return " ".join(_WORD_RE.findall(text.lower().replace("ё", "е")))


def is_stock_phrase(text: str) -> bool:
    """True when ``text`` is one of Whisper's stock phrases on silence, plus at most a short
    credit — not a longer sentence that happens to contain one."""
    norm = normalise(text)
    if not norm:
        return False
    words = len(norm.split())
    for pattern in STOCK_PHRASES:
        m = pattern.search(norm)
        if m and words <= len(m.group(0).split()) + STOCK_EXTRA_WORDS:
            return True
    return False


def drop_stock_phrases(segments: list[Segment], channels: list[np.ndarray]) -> tuple[list[Segment], int]:
    """Drop stock phrases nobody is likely to have said (see the module doc)."""
    stock = [is_stock_phrase(s.text) for s in segments]
    if not any(stock):
        return segments, 0
    by_side: dict[object, list[bool]] = {}
    for s, is_stock in zip(segments, stock, strict=True):
        by_side.setdefault(s.channel, []).append(is_stock)
    kept, dropped = [], 0
    for s, is_stock in zip(segments, stock, strict=True):
        if is_stock and (
            (s.no_speech_prob is not None and s.no_speech_prob > STOCK_NO_SPEECH_PROB)
            or all(by_side[s.channel])  # the only text of its side
            or _quiet(s, channels)
        ):
            dropped += 1
            continue
        kept.append(s)
    return kept, dropped


def _quiet(seg: Segment, channels: list[np.ndarray]) -> bool:
    if not channels:
        return False
    ch = seg.channel if seg.channel is not None and seg.channel < len(channels) else 0
    part = channels[ch][int(seg.start_s * SR): int(seg.end_s * SR)]
    if part.size == 0:
        return True
    return ingest.speech_energy_seconds(part, SR) < QUIET_SPEECH_S


def collapse_loops(text: str) -> tuple[str, bool]:
    """``text`` with every back-to-back repeated n-gram loop kept once; True when one was."""
    tokens = text.split()
    keys = [normalise(t) for t in tokens]
    changed = False
    i = 0
    out: list[str] = []
    while i < len(tokens):
        best_n, best_reps = 0, 1
        for n in range(1, LOOP_MAX_N + 1):
            if i + 2 * n > len(tokens):
                break
            unit = keys[i:i + n]
            if not all(unit):
                continue
            reps = 1
            while keys[i + reps * n: i + (reps + 1) * n] == unit:
                reps += 1
            need = LOOP_MIN_REPEATS.get(n, LOOP_MIN_REPEATS_PHRASE)
            if reps >= need and reps * n > best_reps * best_n:
                best_n, best_reps = n, reps
        if best_n:
            out.extend(tokens[i:i + best_n])
            i += best_n * best_reps
            changed = True
        else:
            out.append(tokens[i])
            i += 1
    return (" ".join(out), True) if changed else (text, False)


def collapse_segment_loops(segments: list[Segment]) -> tuple[list[Segment], int]:
    out, changed = [], 0
    for s in segments:
        text, looped = collapse_loops(s.text)
        if looped:
            changed += 1
            s = replace(s, text=text)
        out.append(s)
    return out, changed


def drop_repeated_windows(segments: list[Segment]) -> tuple[list[Segment], int]:
    """Keep the first of ``WINDOW_REPEATS`` or more consecutive segments of one side with the
    same text (2+ words): Whisper repeating itself window after window over noise. Segments
    must be in time order; sides are told apart by channel (mono: by speaker)."""
    drop: set[int] = set()
    last: dict[object, tuple[str, list[int]]] = {}
    runs: list[list[int]] = []
    for i, s in enumerate(segments):
        side = s.channel if s.channel is not None else s.speaker
        norm = normalise(s.text)
        prev = last.get(side)
        if prev and prev[0] == norm and len(norm.split()) >= WINDOW_MIN_WORDS:
            prev[1].append(i)
        else:
            run = [i]
            runs.append(run)
            last[side] = (norm, run)
    for run in runs:
        if len(run) >= WINDOW_REPEATS:
            drop.update(run[1:])
    return [s for i, s in enumerate(segments) if i not in drop], len(drop)


def guard(segments: list[Segment], channels: list[np.ndarray]) -> tuple[list[Segment], int]:
    """All three guards over a call's segments in time order; the number of segments dropped
    or cut."""
    ordered = sorted(segments, key=lambda s: (s.start_s, s.end_s))
    ordered, looped = collapse_segment_loops(ordered)
    ordered, repeated = drop_repeated_windows(ordered)
    ordered, stock = drop_stock_phrases(ordered, channels)
    return ordered, looped + repeated + stock
