"""Find rubric phrases in a segment: lemmas in free order with small gaps, ordered patterns
(``*`` gaps, ``<num>``, a leading ``=``), `none` phrases on word forms; one-letter ASR slips of
long words count, at a lower confidence.

The rules (see :mod:`scoring.rubric` for the phrase kinds):

* free order (the default): every word of the phrase inside one segment, in any order, the
  whole span at most ``len(phrase) + FREE_EXTRA`` words; a GLUE word («не», a preposition)
  stays in front of its word, «не» right in front.
* ordered: the tokens as written, next to each other; ``*`` skips up to ``GAP_MAX`` words.
* surface (`none` lists): like ordered, on the segment's word forms, never approximate.
* negation agrees: a phrase word matches a text word only if both or neither have «не» right
  before them («дорого» does not find «не дорого», «это позволит» not «это не позволит»).
* one-letter slips (:mod:`scoring.fuzzy`): a text word may stand for a phrase word of 6+
  letters at distance 1 (2 for 9+), except in surface phrases and numbers; such a hit carries
  the text words in :attr:`Hit.fuzzy` and lowers the confidence (:data:`FUZZY_CONFIDENCE`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.types import Segment
from scoring import fuzzy
from scoring.rubric import ANY_NUM, FREE, FREE_EXTRA, GAP, GAP_MAX, NEGATION, SURFACE, Phrase
from scoring.text import _NUMBER_WORDS, NUM_PREFIX, QUESTION, surface_words

FUZZY_CONFIDENCE = 0.8  # a verdict resting on an approximate word is less certain
_GENERATION = fuzzy.GENERATION
_EMPTY: frozenset[str] = frozenset()


@dataclass(slots=True)
class SegmentWords:
    """A segment's lemmas as the matcher needs them: "?" dropped, plus a set for pre-checks.
    Word forms (for `none` lists) and slip variants are derived on first use."""

    segment: Segment
    words: tuple[str, ...]
    vocab: frozenset[str]
    has_number: bool
    question: bool
    _surface: tuple[str, ...] | None = field(default=None, init=False, repr=False)
    _surface_vocab: frozenset[str] = field(default=_EMPTY, init=False, repr=False)
    _slips: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False)
    _match_vocab: frozenset[str] = field(default=_EMPTY, init=False, repr=False)
    _generation: int = field(default=-1, init=False, repr=False)

    @classmethod
    def of(cls, seg: Segment) -> SegmentWords:
        words = tuple(w for w in seg.lemmas if w != QUESTION)
        return cls(
            seg, words, frozenset(words), any(w.startswith(NUM_PREFIX) for w in words),
            QUESTION in seg.lemmas,
        )

    @property
    def surface(self) -> tuple[str, ...]:
        """Word forms of the segment text (lower case, ё → е)."""
        if self._surface is None:
            self._surface = surface_words(self.segment.text)
            self._surface_vocab = frozenset(self._surface)
        return self._surface

    @property
    def surface_vocab(self) -> frozenset[str]:
        self.surface  # noqa: B018 - fills the cache
        return self._surface_vocab

    @property
    def slips(self) -> dict[str, frozenset[str]]:
        """Text word → phrase lemmas it may be a one-letter slip of (only words that have some)."""
        if self._generation != _GENERATION[0]:
            self._refresh()
        return self._slips

    @property
    def match_vocab(self) -> frozenset[str]:
        """The lemmas plus every phrase lemma a slip may stand for."""
        if self._generation != _GENERATION[0]:
            self._refresh()
        return self._match_vocab

    def _refresh(self) -> None:
        slips = {w: frozenset(v) for w in self.vocab if (v := fuzzy.variants(w))}
        self._slips = slips
        self._match_vocab = self.vocab.union(*slips.values()) if slips else self.vocab
        self._generation = _GENERATION[0]


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: Phrase
    segment: Segment
    start: int  # word positions in the segment (lemmas after "?" is dropped; word forms for
    end: int  # surface phrases), end exclusive
    fuzzy: tuple[str, ...] = ()  # text words taken for phrase words they are a slip of


def find(phrase: Phrase, sw: SegmentWords) -> Hit | None:
    """First occurrence of ``phrase`` in the segment, or None."""
    tokens = phrase.tokens
    if not tokens:
        return None
    if phrase.mode == SURFACE:
        words, slips = sw.surface, None
        if not sw.surface_vocab.issuperset(phrase.words):
            return None
    else:
        words = sw.words
        if not sw.vocab.issuperset(phrase.words):
            if not sw.match_vocab.issuperset(phrase.words):
                return None
        slips = sw.slips or None
        if ANY_NUM in tokens and not sw.has_number:
            return None
    if phrase.mode == FREE:
        if len(tokens) == 1:  # the common case: one word
            for i in range(len(words)):
                m = _token_at(tokens, 0, words, i, slips, False)
                if m is not None:
                    return Hit(phrase, sw.segment, i, i + 1, m)
            return None
        found = _find_free(phrase, words, slips)
        if found:
            return Hit(phrase, sw.segment, *found)
        return None
    surface = phrase.mode == SURFACE
    for start in range(len(words)):
        m = _token_at(tokens, 0, words, start, slips, surface)
        if m is None:
            continue
        got = _match_from(tokens, words, 1, start + 1, slips, surface)
        if got is not None:
            end, slipped = got
            return Hit(phrase, sw.segment, start, end, m + slipped)
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
# lemma (or a slip of it; for surface phrases the lemma of the first word form) it contains,
# instead of every phrase of the list.
_Entry = list[tuple[int, Phrase]]
_INDEX: dict[int, tuple[tuple[Phrase, ...], dict[str, _Entry], _Entry]] = {}


def candidates(phrases: tuple[Phrase, ...], sw: SegmentWords) -> list[Phrase]:
    """Phrases of ``phrases`` that could occur in the segment, in list order."""
    cached = _INDEX.get(id(phrases))
    if cached is None or cached[0] is not phrases:
        cached = _build_index(phrases)
    _, by_lemma, always = cached
    vocab = sw._match_vocab if sw._generation == _GENERATION[0] else sw.match_vocab
    found = [entry for w in vocab if (lst := by_lemma.get(w)) for entry in lst]
    if always:
        found.extend(always)
    if len(found) > 1:
        found.sort(key=lambda e: e[0])
    return [p for _, p in found]


def _build_index(phrases: tuple[Phrase, ...]):
    by_lemma: dict[str, _Entry] = {}
    always: _Entry = []
    for n, p in enumerate(phrases):
        literal = [t for t in p.tokens if t not in (GAP, ANY_NUM)]
        key = (p.key or None) if p.mode == SURFACE else literal[0] if literal else None
        if key:
            by_lemma.setdefault(key, []).append((n, p))
        else:
            always.append((n, p))
    entry = (phrases, by_lemma, always)
    _INDEX[id(phrases)] = entry
    return entry


def _token_at(tokens: tuple[str, ...], ti: int, words: tuple[str, ...], wi: int,
              slips: dict[str, frozenset[str]] | None, surface: bool) -> tuple[str, ...] | None:
    """Whether ``tokens[ti]`` matches ``words[wi]``: None if not, else the slipped text words
    (empty for an exact match). Negation must agree (see the module doc)."""
    if wi >= len(words):
        return None
    token, word = tokens[ti], words[wi]
    if token == ANY_NUM:
        if surface:
            return () if word.isdigit() or word in _NUMBER_WORDS else None
        return () if word.startswith(NUM_PREFIX) else None
    if token == word:
        slipped: tuple[str, ...] = ()
    elif slips and token in slips.get(word, _EMPTY):
        slipped = (word,)
    else:
        return None
    if token != NEGATION:
        negated = wi > 0 and words[wi - 1] == NEGATION
        if negated != (ti > 0 and tokens[ti - 1] == NEGATION):
            return None
    return slipped


def _match_from(tokens: tuple[str, ...], words: tuple[str, ...], ti: int, wi: int,
                slips: dict[str, frozenset[str]] | None, surface: bool) -> tuple[int, tuple[str, ...]] | None:
    """(end position, slipped words) if ``tokens[ti:]`` matches ``words`` from ``wi``, else None."""
    slipped: tuple[str, ...] = ()
    while ti < len(tokens):
        if tokens[ti] == GAP:
            for skip in range(GAP_MAX + 1):
                got = _match_from(tokens, words, ti + 1, wi + skip, slips, surface)
                if got is not None:
                    return got[0], slipped + got[1]
            return None
        m = _token_at(tokens, ti, words, wi, slips, surface)
        if m is None:
            return None
        slipped += m
        ti, wi = ti + 1, wi + 1
    return wi, slipped


def _find_free(phrase: Phrase, words: tuple[str, ...],
               slips: dict[str, frozenset[str]] | None) -> tuple[int, int, tuple[str, ...]] | None:
    """(start, end, slipped words) of the first free-order occurrence, else None."""
    n_tokens = len(phrase.tokens)
    extra = FREE_EXTRA if n_tokens > 1 else 0
    span = n_tokens + extra
    places = []
    for block in phrase.blocks:
        found = list(_block_places(block, words, slips, extra))
        if not found:
            return None
        places.append(found)
    if len(places) == 1:
        positions, slipped = places[0][0]
        return positions[0], positions[-1] + 1, slipped

    def combine(i: int, used: frozenset[int], lo: int, hi: int, slipped: tuple[str, ...]):
        if i == len(places):
            return lo, hi + 1, slipped
        for positions, more in places[i]:
            new_lo, new_hi = min(lo, positions[0]), max(hi, positions[-1])
            if new_hi - new_lo + 1 > span or used.intersection(positions):
                continue
            got = combine(i + 1, used.union(positions), new_lo, new_hi, slipped + more)
            if got:
                return got
        return None

    return combine(0, frozenset(), len(words), -1, ())


def _block_places(block: tuple[str, ...], words: tuple[str, ...],
                  slips: dict[str, frozenset[str]] | None, extra: int):
    """Every (positions, slipped words) where ``block`` occurs in order, with at most
    ``extra`` words skipped inside it and none right after «не»."""

    def extend(ti: int, last: int, gaps_left: int, positions: tuple[int, ...], slipped: tuple[str, ...]):
        if ti == len(block):
            yield positions, slipped
            return
        reach = 0 if block[ti - 1] == NEGATION else gaps_left
        for skip in range(reach + 1):
            wi = last + 1 + skip
            m = _token_at(block, ti, words, wi, slips, False)
            if m is not None:
                yield from extend(ti + 1, wi, gaps_left - skip, (*positions, wi), slipped + m)

    for start in range(len(words)):
        m = _token_at(block, 0, words, start, slips, False)
        if m is not None:
            yield from extend(1, start, extra, (start,), m)
