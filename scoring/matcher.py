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
        for phrase in candidates(phrases, sw):
            hit = find(phrase, sw)
            if hit:
                return hit
    return None


def find_all_distinct(phrases: tuple[Phrase, ...], segments: list[SegmentWords]) -> list[Hit]:
    """One hit (the first) for each phrase that occurs anywhere in ``segments``."""
    first: dict[int, Hit] = {}
    order = {id(p): n for n, p in enumerate(phrases)}
    for sw in segments:
        for phrase in candidates(phrases, sw):
            n = order[id(phrase)]
            if n not in first and (hit := find(phrase, sw)):
                first[n] = hit
    return [first[n] for n in sorted(first)]


# Phrase lists live as long as their rubric / catalogue, so an index keyed by the list's id
# (checked by identity) is built once: a segment then only tries phrases whose first literal
# lemma it contains, instead of every phrase of the list.
_INDEX: dict[int, tuple[tuple[Phrase, ...], dict[str, list[tuple[int, Phrase]]], list[tuple[int, Phrase]]]] = {}


def candidates(phrases: tuple[Phrase, ...], sw: SegmentWords) -> list[Phrase]:
    """Phrases of ``phrases`` that could occur in the segment, in list order."""
    cached = _INDEX.get(id(phrases))
    if cached is None or cached[0] is not phrases:
        cached = _build_index(phrases)
    _, by_word, always = cached
    found = [entry for w in sw.vocab if (lst := by_word.get(w)) for entry in lst]
    if always:
        found.extend(always)
    if len(found) > 1:
        found.sort(key=lambda e: e[0])
    return [p for _, p in found]


def _build_index(phrases: tuple[Phrase, ...]):
    by_word: dict[str, list[tuple[int, Phrase]]] = {}
    always: list[tuple[int, Phrase]] = []
    for n, p in enumerate(phrases):
        literal = [t for t in p.tokens if t not in (GAP, ANY_NUM)]
        if literal:
            by_word.setdefault(literal[0], []).append((n, p))
        else:
            always.append((n, p))
    entry = (phrases, by_word, always)
    _INDEX[id(phrases)] = entry
    return entry


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
