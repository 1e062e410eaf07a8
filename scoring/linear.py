"""Small text classifiers: TF-IDF features + logistic regression (scikit-learn fits them),
evaluated in plain Python for one short document at a time.

scikit-learn's per-call overhead (input validation, sparse matrices) is ~1 ms, more than the
arithmetic for a 20-word turn; re-scoring 10,000 calls needs it gone. :class:`FastLinear` gives
the same probabilities as ``pipeline.predict_proba`` for a pipeline of
``TfidfVectorizer(analyzer=…, sublinear_tf=True, norm="l2")`` and a multinomial
``LogisticRegression``.

A *document* is what :func:`turn_doc` makes of one or more segments: their lemmas, a tab, their
word forms as written (lower case), and optionally a tab and extra feature tokens (cues found by
rules). :func:`turn_features` turns it into features: lemma unigrams and bigrams (numbers folded
to one token), a question mark, character 4-grams of the written words (so a one-letter ASR slip
or an unusual inflection still shares most features with the word meant), and the extra tokens.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.types import Segment
from scoring.text import NUM_PREFIX, QUESTION, surface_words

CHAR_N = 4
FEATURES_VERSION = 2  # bump when turn_features changes: shipped models are then retrained


def turn_doc(segments: Iterable[Segment], extra: Iterable[str] = ()) -> str:
    segs = list(segments)
    lemmas = " ".join(" ".join(s.lemmas) for s in segs)
    surface = " ".join(" ".join(surface_words(s.text)) for s in segs)
    tail = " ".join(extra)
    return f"{lemmas}\t{surface}\t{tail}" if tail else f"{lemmas}\t{surface}"


def text_doc(lemmas: Iterable[str], text: str, extra: Iterable[str] = ()) -> str:
    tail = " ".join(extra)
    doc = f"{' '.join(lemmas)}\t{' '.join(surface_words(text))}"
    return f"{doc}\t{tail}" if tail else doc


@lru_cache(maxsize=8192)
def doc_of_text(text: str) -> str:
    """:func:`text_doc` of a written utterance (training data): lemmatised here, cached."""
    from scoring.text import lemmatize

    return text_doc(lemmatize(text), text)


def turn_features(doc: str) -> list[str]:
    parts = doc.split("\t")
    lemmas = parts[0].split()
    words = ["<num>" if w.startswith(NUM_PREFIX) else w for w in lemmas if w != QUESTION]
    out = ["w:" + w for w in words]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    if QUESTION in lemmas:
        out.append("q")
    if len(parts) > 1:
        for w in parts[1].split():
            out += _char_grams(w)
    if len(parts) > 2:
        out += ["x:" + t for t in parts[2].split()]
    return out


@lru_cache(maxsize=100_000)
def _char_grams(word: str) -> tuple[str, ...]:
    if len(word) < CHAR_N - 1 or word.isdigit():
        return ()
    padded = f"<{word}>"
    return tuple("c:" + padded[i:i + CHAR_N] for i in range(len(padded) - CHAR_N + 1))


def fit_pipeline(docs: list[str], labels: list[str], analyzer: Callable[[str], list[str]] = turn_features,
                 c: float = 4.0, min_df: int = 1):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(
        TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=min_df),
        LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
    )
    pipe.fit(docs, labels)
    return pipe


@dataclass(frozen=True)
class FastLinear:
    """``predict(doc)`` → class probabilities, without scikit-learn at prediction time."""

    weights: dict[str, tuple[float, tuple[float, ...]]]
    intercept: tuple[float, ...]
    classes: tuple[str, ...]
    analyzer: Callable[[str], list[str]]

    @classmethod
    def of(cls, pipeline) -> FastLinear | None:
        try:
            tfidf, lr = pipeline.steps[0][1], pipeline.steps[-1][1]
            classes = tuple(str(c) for c in lr.classes_)
            if not (tfidf.sublinear_tf and tfidf.norm == "l2" and tfidf.use_idf):
                return None
            coef, intercept = lr.coef_.tolist(), lr.intercept_.tolist()
            if len(classes) == 2 and len(coef) == 1:  # binary: softmax of (0, z) is the sigmoid of z
                coef, intercept = [[0.0] * len(coef[0]), coef[0]], [0.0, intercept[0]]
            if len(coef) != len(classes):
                return None
            by_term = list(zip(*coef, strict=True))
            weights = {term: (float(tfidf.idf_[col]), tuple(by_term[col])) for term, col in tfidf.vocabulary_.items()}
            return cls(weights, tuple(intercept), classes, tfidf.analyzer)
        except (AttributeError, IndexError, TypeError):
            return None

    def to_json(self) -> dict:
        """Plain JSON (weights rounded to 6 decimals); :meth:`from_json` reads it back with the
        :func:`turn_features` analyzer."""
        return {"classes": list(self.classes), "intercept": [round(x, 6) for x in self.intercept],
                "terms": {t: [round(idf, 6), *(round(c, 6) for c in coef)]
                          for t, (idf, coef) in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: dict) -> FastLinear:
        weights = {t: (float(v[0]), tuple(float(c) for c in v[1:])) for t, v in data["terms"].items()}
        return cls(weights, tuple(float(x) for x in data["intercept"]), tuple(data["classes"]), turn_features)

    def predict(self, doc: str) -> dict[str, float]:
        weights = self.weights
        items = []
        squares = 0.0
        for term, n in Counter(self.analyzer(doc)).items():
            entry = weights.get(term)
            if entry is not None:
                value = entry[0] * (1.0 + math.log(n)) if n > 1 else entry[0]
                squares += value * value
                items.append((value, entry[1]))
        logits = list(self.intercept)
        if items:
            inv = 1.0 / math.sqrt(squares)
            k = range(len(logits))
            for value, coef in items:
                scaled = value * inv
                for j in k:
                    logits[j] += coef[j] * scaled
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}
