"""Find rubric phrases (lemma sequences with ``*`` gaps and ``<num>``) in segment lemmas."""

from __future__ import annotations

from dataclasses import dataclass

from core.types import Segment
from scoring.rubric import ANY_NUM, GAP, GAP_MAX, Phrase
from scoring.text import NUM_PREFIX, QUESTION


@dataclass(frozen=True, slots=True)
class SegmentWords:
    """A segment's lemmas as the matcher needs them: "?" dropped, plus a set for pre-checks."""

    segment: Segment
    words: tuple[str, ...]
    vocab: frozenset[str]
    has_number: bool
    question: bool

    @classmethod
    def of(cls, seg: Segment) -> SegmentWords:
        words = tuple(w for w in seg.lemmas if w != QUESTION)
        return cls(
            seg, words, frozenset(words), any(w.startswith(NUM_PREFIX) for w in words),
            QUESTION in seg.lemmas,
        )


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: Phrase
    segment: Segment
    start: int  # word positions in the segment (after "?" is dropped)
    end: int


def find(phrase: Phrase, sw: SegmentWords) -> Hit | None:
    """First occurrence of ``phrase`` in the segment, or None."""
    tokens = phrase.tokens
    if not tokens or not sw.vocab.issuperset(phrase.words):
        return None
    if ANY_NUM in tokens and not sw.has_number:
        return None
    first = tokens[0]
    for start, word in enumerate(sw.words):
        if _same(first, word):
            end = _match_from(tokens, sw.words, 1, start + 1)
            if end >= 0:
                return Hit(phrase, sw.segment, start, end)
    return None


def find_any(phrases: tuple[Phrase, ...], segments: list[SegmentWords]) -> Hit | None:
    """The earliest segment hit of any phrase (phrases in file order within a segment)."""
    for sw in segments:
        for p in phrases:
            hit = find(p, sw)
            if hit:
                return hit
    return None


def find_all_distinct(phrases: tuple[Phrase, ...], segments: list[SegmentWords]) -> list[Hit]:
    """One hit (the first) for each phrase that occurs anywhere in ``segments``."""
    hits = []
    for p in phrases:
        for sw in segments:
            hit = find(p, sw)
            if hit:
                hits.append(hit)
                break
    return hits


def _same(token: str, word: str) -> bool:
    return word.startswith(NUM_PREFIX) if token == ANY_NUM else token == word


def _match_from(tokens: tuple[str, ...], words: tuple[str, ...], ti: int, wi: int) -> int:
    """End position if ``tokens[ti:]`` matches ``words`` from ``wi``, else -1."""
    while ti < len(tokens):
        token = tokens[ti]
        if token == GAP:
            for skip in range(GAP_MAX + 1):
                end = _match_from(tokens, words, ti + 1, wi + skip)
                if end >= 0:
                    return end
            return -1
        if wi >= len(words) or not _same(token, words[wi]):
            return -1
        ti, wi = ti + 1, wi + 1
    return wi
