"""Teaching by examples: a criterion or an objection kind lists a handful of utterances
(``examples:``), and a segment passes / fires when it says something close enough in meaning.

A sentence vector is the mean of the navec word vectors of its *content* lemmas (nouns, verbs,
adjectives, adverbs, predicatives, comparatives, numerals — :data:`CONTENT_POS`, minus a few
auxiliary words), unit-normalised; similarity is the cosine. Function words are dropped because
they dominate plain averages («как к вам обращаться» would sit closer to «сколько метров у вас
кухня» than to «подскажите ваше имя»). Hard paraphrases stay low, so examples are an extra path
next to phrases and detectors, never the only signal of a shipped criterion.

The vectors are navec's news embeddings (natasha, MIT licence) cut down to the content lemmas
callqa can look up (``resources/navec_lemmas.tar``, built by ``tools/build_navec_lemmas.py``);
they ship inside the package, so nothing is downloaded at run time. Word vectors are decoded
once per lemma and memoised; a segment's vector is a sum of a few cached arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from scoring import text

NAVEC_PATH = resources.files(__package__).joinpath("resources", "navec_lemmas.tar")
DEFAULT_SIMILARITY = 0.7  # scoring.example_similarity (chosen on the eval dev split)
EXAMPLE_CONFIDENCE = 0.7  # a verdict resting on an example is less certain than a phrase hit
CONTENT_POS = frozenset({"NOUN", "VERB", "INFN", "ADJF", "ADJS", "ADVB", "PRED", "COMP", "NUMR"})
# Content by part of speech but empty in a sales call: pronominal adverbs and adjectives,
# auxiliary verbs.
STOP_LEMMAS = frozenset("""
там тут где туда сюда здесь очень еще вообще быть есть мочь весь свой который такой самый
этот тот сам какой каждый иной никакой некоторый всякий чей так тогда потом ваш наш мой твой
их давать
""".split())


@lru_cache(maxsize=100_000)
def is_content_lemma(lemma: str) -> bool:
    """Whether a lemma carries meaning (by pymorphy3's part of speech of the lemma itself)."""
    if not lemma.isalpha() or lemma in STOP_LEMMAS:
        return False
    return text.morph().parse(lemma)[0].tag.POS in CONTENT_POS


@lru_cache(maxsize=1)
def _navec():
    from navec import Navec

    with resources.as_file(NAVEC_PATH) as path:
        return Navec.load(str(path))


_VECTORS: dict[str, np.ndarray | None] = {}


def word_vector(lemma: str) -> np.ndarray | None:
    """Unit navec vector of a content lemma (None: a function word or unknown to navec)."""
    try:
        return _VECTORS[lemma]
    except KeyError:
        pass
    nv = _navec()
    vec = None
    if lemma in nv.vocab and lemma not in STOP_LEMMAS:  # the archive holds content lemmas only
        v = nv[lemma].astype(np.float32)
        norm = float(np.linalg.norm(v))
        vec = v / norm if norm else None
    _VECTORS[lemma] = vec
    return vec


def known_words(lemmas) -> list[str]:
    """The lemmas that count for similarity (content words navec knows)."""
    return [w for w in lemmas if word_vector(w) is not None]


def sentence_vector(lemmas) -> np.ndarray | None:
    """Mean of the content lemmas' unit vectors, unit-normalised (None when there are none)."""
    vecs = [v for v in map(word_vector, lemmas) if v is not None]
    if not vecs:
        return None
    s = vecs[0] if len(vecs) == 1 else np.add.reduce(vecs)
    norm = float(np.linalg.norm(s))
    return s / norm if norm else None


def similarity(a_lemmas, b_lemmas) -> float:
    a, b = sentence_vector(a_lemmas), sentence_vector(b_lemmas)
    return 0.0 if a is None or b is None else float(a @ b)


@dataclass(frozen=True, slots=True)
class Example:
    """One example utterance as written, with its lemmas."""

    source: str
    lemmas: tuple[str, ...]

    @classmethod
    def of(cls, source: str) -> Example:
        return cls(source.strip(), tuple(w for w in text.lemmatize(source) if w != text.QUESTION))


class ExampleIndex:
    """The vectors of one item's examples (a criterion or an objection kind), built once."""

    def __init__(self, examples: tuple[Example, ...]):
        pairs = [(e, sentence_vector(e.lemmas)) for e in examples]
        self.examples = tuple(e for e, v in pairs if v is not None)
        self.matrix = (np.stack([v for _, v in pairs if v is not None]) if self.examples
                       else np.zeros((0, 300), dtype=np.float32))

    def best_match(self, segment_lemmas) -> tuple[Example | None, float]:
        """The closest example to a segment and the cosine similarity (None, 0.0: no content)."""
        if not self.examples:
            return None, 0.0
        v = sentence_vector(segment_lemmas)
        if v is None:
            return None, 0.0
        sims = self.matrix @ v
        k = int(np.argmax(sims))
        return self.examples[k], float(sims[k])


@lru_cache(maxsize=256)
def index_for(examples: tuple[Example, ...]) -> ExampleIndex:
    """One index per examples list (criteria and kinds are frozen, so this caches per rubric)."""
    return ExampleIndex(examples)


@dataclass(frozen=True, slots=True)
class ExampleMatch:
    example: Example
    similarity: float
    position: int  # index of the matching segment in the list searched


def find_similar(examples: tuple[Example, ...], segments, threshold: float) -> ExampleMatch | None:
    """The best segment (SegmentWords) at or above ``threshold`` similarity to any example."""
    if not examples:
        return None
    index = index_for(examples)
    best: ExampleMatch | None = None
    for pos, sw in enumerate(segments):
        example, sim = index.best_match(sw.words)
        if example is not None and sim >= threshold and (best is None or sim > best.similarity):
            best = ExampleMatch(example, sim, pos)
    return best


def confidence(sim: float, threshold: float) -> float:
    """A verdict resting on an example: below a phrase hit's 0.9, higher the clearer the match."""
    margin = (sim - threshold) / max(1e-6, 1.0 - threshold)
    return round(min(0.85, EXAMPLE_CONFIDENCE + 0.3 * margin), 3)


def quote(match: ExampleMatch) -> str:
    return f"похоже на пример: «{match.example.source}», сходство {match.similarity:.2f}"


def check_examples(items: dict[str, tuple[Example, ...]]) -> tuple[dict[str, list[str]], list[str]]:
    """Problems of examples per item: errors (empty, no content word navec knows) and warnings
    (an example closer to another item's examples than to its own siblings)."""
    errors: dict[str, list[str]] = {}
    for item, exs in items.items():
        for e in exs:
            if not e.source:
                errors.setdefault(item, []).append("example is empty")
            elif not known_words(e.lemmas):
                errors.setdefault(item, []).append(
                    f"example «{e.source}» has no content word known to the embeddings")
    warnings: list[str] = []
    indexes = {item: index_for(exs) for item, exs in items.items() if exs}
    for item, exs in items.items():
        for e in exs:
            own_others = tuple(x for x in exs if x is not e)
            own = index_for(own_others).best_match(e.lemmas)[1] if own_others else None
            for other, index in indexes.items():
                if other == item:
                    continue
                match, sim = index.best_match(e.lemmas)
                if match is not None and own is not None and sim > own:
                    warnings.append(f"{item}: example «{e.source}» is closer to {other}'s "
                                    f"«{match.source}» ({sim:.2f}) than to its own ({own:.2f})")
    return errors, warnings
