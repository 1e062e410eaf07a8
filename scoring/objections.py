"""Objections: find the client's objection (catalogue triggers) and classify how the manager
answered it (TF-IDF on lemmas + logistic regression, rules kept as the explanation).

The handling model is bootstrapped from the catalogue's example answers; ``callqa train``
retrains it from the РОП's labels and saves ``<home>/models/handling-<timestamp>.joblib`` with a
pointer file ``handling-current.txt``; :func:`load_handling_model` prefers that one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from core.errors import RubricError
from core.types import HANDLINGS, ObjectionResult, Segment
from scoring import examples as example_index
from scoring import objection_cues
from scoring.examples import Example, check_examples
from scoring.matcher import FUZZY_CONFIDENCE, Hit, SegmentWords, find, find_any
from scoring.rubric import LineFinder, Phrase
from scoring.text import lemmatize

log = logging.getLogger(__name__)

RESOURCES = resources.files(__package__).joinpath("resources")
SCHEMA = RESOURCES.joinpath("objections.schema.json")
DEFAULT_CATALOGUE = RESOURCES.joinpath("objections.yaml")  # used when scoring.objections is empty
POINTER = "handling-current.txt"
RESPONSE_TURNS = 2  # the manager's answer is the next 1–2 manager turns
RESPONSE_MAX_DELAY_S = 30.0  # a later manager turn is not an answer any more
RULE_BONUS = 0.12  # each rule hit nudges its class; the model still decides


@dataclass(frozen=True, slots=True)
class ObjectionKind:
    id: str
    title: str
    triggers: tuple[Phrase, ...]
    examples: tuple[Example, ...] = ()  # client utterances matched by meaning (scoring.examples)
    min_similarity: float | None = None  # default: scoring.example_similarity


@dataclass(frozen=True, slots=True)
class HandlingClass:
    id: str
    title: str
    rules: tuple[Phrase, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    kinds: tuple[ObjectionKind, ...]
    handling: tuple[HandlingClass, ...]
    version: str
    path: str = ""

    def title(self, kind: str) -> str:
        return next((k.title for k in self.kinds if k.id == kind), kind)


@dataclass(frozen=True)
class HandlingModel:
    """A fitted scikit-learn pipeline over space-joined lemma strings."""

    pipeline: object
    version: str  # "bootstrap-<catalogue sha[:12]>" or "handling-<timestamp>"
    classes: tuple[str, ...]

    def predict_proba(self, docs: list[str]) -> list[dict[str, float]]:
        if not docs:
            return []
        fast = self._fast()
        if fast is not None:
            return [fast.predict(doc) for doc in docs]
        probs = self.pipeline.predict_proba(docs)
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in probs]

    def _fast(self) -> _FastLinear | None:
        cached = _FAST.get(id(self.pipeline))
        if cached is None or cached[0] is not self.pipeline:
            cached = (self.pipeline, _FastLinear.of(self.pipeline, self.classes))
            _FAST[id(self.pipeline)] = cached
        return cached[1]


_FAST: dict[int, tuple[object, _FastLinear | None]] = {}


class _FastLinear:
    """TF-IDF + multinomial logistic regression evaluated in plain Python for one short doc.

    scikit-learn's per-call overhead (input validation, sparse matrices) is ~1 ms, more than
    the arithmetic for a 20-word answer; re-scoring 10,000 calls needs it gone. Equivalent to
    ``pipeline.predict_proba`` for the pipeline built by :func:`make_pipeline`.
    """

    def __init__(self, weights: dict[str, tuple[float, list[float]]], intercept: list[float], classes):
        self.weights, self.intercept, self.classes = weights, intercept, classes

    @classmethod
    def of(cls, pipeline, classes) -> _FastLinear | None:
        try:
            tfidf, lr = pipeline.steps[0][1], pipeline.steps[-1][1]
            if not (tfidf.sublinear_tf and tfidf.norm == "l2" and tfidf.use_idf) or lr.coef_.shape[0] != len(classes):
                return None
            coef = lr.coef_.T.tolist()
            weights = {term: (float(tfidf.idf_[col]), coef[col]) for term, col in tfidf.vocabulary_.items()}
            return cls(weights, lr.intercept_.tolist(), classes)
        except (AttributeError, IndexError, TypeError):
            return None

    def predict(self, doc: str) -> dict[str, float]:
        import math
        from collections import Counter

        counts = Counter(_word_ngrams(doc))
        values = [(1.0 + math.log(n)) * self.weights[t][0] for t, n in counts.items() if t in self.weights]
        terms = [t for t in counts if t in self.weights]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        logits = list(self.intercept)
        for term, value in zip(terms, values, strict=True):
            for k, w in enumerate(self.weights[term][1]):
                logits[k] += w * value / norm
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


# --- catalogue ---------------------------------------------------------------------------

def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the objection catalogue (None: the one shipped with callqa);
    RubricError with line numbers on problems."""
    path = Path(str(DEFAULT_CATALOGUE)) if path is None else Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(raw_text)
    except (OSError, yaml.YAMLError) as exc:
        raise RubricError(f"Cannot read objection catalogue {path}: {exc}") from exc
    return _catalogue_cached(str(path), raw_text) if data is not None else _invalid(path, ["empty file"])


@lru_cache(maxsize=8)
def _catalogue_cached(path: str, raw_text: str) -> Catalogue:
    data = yaml.safe_load(raw_text)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    lines = LineFinder(yaml.compose(raw_text))
    errors = [f"{path}:{lines.line(list(e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    if errors:
        _invalid(path, errors)
    kinds = tuple(
        ObjectionKind(k["id"], k["title"], tuple(Phrase.of(t) for t in k["triggers"]),
                      tuple(Example.of(str(e)) for e in k.get("examples", [])),
                      float(k["min_similarity"]) if "min_similarity" in k else None)
        for k in data["kinds"]
    )
    bad, _ = check_examples({k.id: k.examples for k in kinds if k.examples})
    errors = [f"{path}: kind '{kind}': {m}" for kind, messages in bad.items() for m in messages]
    if errors:
        _invalid(path, errors)
    handling = tuple(
        HandlingClass(
            cls, spec.get("title", cls),
            tuple(Phrase.of(r) for r in spec.get("rules", [])),
            tuple(spec["examples"]),
        )
        for cls, spec in data["handling"].items()
    )
    version = hashlib.sha256(raw_text.encode("utf-8")).hexdigest()
    return Catalogue(kinds, handling, version, path)


def _invalid(path, errors: list[str]):
    raise RubricError(f"Objection catalogue {path} is invalid:\n" + "\n".join(errors))


# --- the handling model --------------------------------------------------------------------

def _split(doc: str) -> list[str]:
    return doc.split()


def make_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline as sk_pipeline

    return sk_pipeline(
        TfidfVectorizer(analyzer=_word_ngrams, sublinear_tf=True, min_df=1),
        LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced"),
    )


def _word_ngrams(doc: str) -> list[str]:
    words = doc.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def catalogue_training_set(cat: Catalogue) -> tuple[list[str], list[str]]:
    docs, labels = [], []
    for cls in cat.handling:
        for example in cls.examples:
            docs.append(" ".join(lemmatize(example)))
            labels.append(cls.id)
    return docs, labels


def train_model(docs: list[str], labels: list[str], version: str) -> HandlingModel:
    pipe = make_pipeline()
    pipe.fit(docs, labels)
    return HandlingModel(pipe, version, tuple(pipe.classes_))


@lru_cache(maxsize=4)
def bootstrap_model(cat: Catalogue) -> HandlingModel:
    docs, labels = catalogue_training_set(cat)
    return train_model(docs, labels, f"bootstrap-{cat.version[:12]}")


def save_model(model: HandlingModel, home: Path, meta: dict | None = None) -> Path:
    import joblib

    folder = home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model.version}.joblib"
    joblib.dump({"pipeline": model.pipeline, "version": model.version, "classes": model.classes,
                 "meta": meta or {}}, path)
    (folder / POINTER).write_text(path.name + "\n", encoding="utf-8")
    return path


def new_model_version() -> str:
    return "handling-" + datetime.now().strftime("%Y%m%d-%H%M%S")


def load_handling_model(home: Path, cat: Catalogue) -> HandlingModel:
    """The model `callqa train` made (pointer in <home>/models), else the bootstrap model."""
    pointer = home / "models" / POINTER
    if pointer.exists():
        path = pointer.parent / pointer.read_text(encoding="utf-8").strip()
        try:
            import joblib

            data = joblib.load(path)
            return HandlingModel(data["pipeline"], data["version"], tuple(data["classes"]))
        except Exception as exc:  # a broken model file must not stop scoring
            log.warning("handling model %s unusable (%s); using the bootstrap model", path, exc)
    return bootstrap_model(cat)


# --- detection -----------------------------------------------------------------------------

def response_segments(segments: list[Segment], trigger_pos: int) -> list[Segment]:
    """The manager's answer: the next 1–2 manager turns after the trigger (within 30 s)."""
    trigger = segments[trigger_pos]
    out: list[Segment] = []
    for seg in segments[trigger_pos + 1:]:
        if seg.speaker == "manager":
            if seg.start_s - trigger.end_s > RESPONSE_MAX_DELAY_S and not out:
                break
            out.append(seg)
            if len(out) >= RESPONSE_TURNS:
                break
        elif out and seg.speaker == "client" and len(seg.lemmas) > 2:
            break  # the client took the floor again: the answer is over
    return out


def response_doc(segments: list[Segment]) -> str:
    return " ".join(" ".join(s.lemmas) for s in segments)


def catalogue_warnings(cat: Catalogue) -> list[str]:
    """Kind examples closer to another kind's examples than to their own."""
    return check_examples({k.id: k.examples for k in cat.kinds if k.examples})[1]


def _example_kind(sw: SegmentWords, cat: Catalogue, threshold: float):
    """(kind, note) of the kind whose example is closest to the turn, if close enough."""
    best = None
    for kind in cat.kinds:
        if not kind.examples:
            continue
        limit = kind.min_similarity if kind.min_similarity is not None else threshold
        match = example_index.find_similar(kind.examples, [sw], limit)
        if match is not None and (best is None or match.similarity > best[1].similarity):
            best = (kind, match)
    return None if best is None else (best[0], EXAMPLE_PREFIX + example_index.quote(best[1]))


EXAMPLE_PREFIX = "example: "


def detect_objections(
    words: list[SegmentWords], cat: Catalogue, model: HandlingModel,
    example_similarity: float = example_index.DEFAULT_SIMILARITY,
) -> tuple[ObjectionResult, ...]:
    """Every client objection in the call with the class of the manager's answer."""
    segments = [sw.segment for sw in words]
    found: list[tuple[int, ObjectionKind, Hit]] = []
    for pos, sw in enumerate(words):
        if sw.segment.speaker != "client":
            continue
        for kind in cat.kinds:
            hit = find_any(kind.triggers, [sw])
            if hit:
                cue = objection_cues.cue_kind(sw) if kind.id == "price" else None
                better = next((k for k in cat.kinds if cue and cue[0] == "competitor_cheaper" == k.id), None)
                if better is not None:  # «дорого … в соседнем на 800 дешевле»: the comparison says more
                    found.append((pos, better, f"{cue[1]} (по смыслу)"))  # noqa: B023
                else:
                    found.append((pos, kind, hit))
                break
        else:  # no catalogue trigger: the cues by meaning (scoring.objection_cues)
            cue = objection_cues.cue_kind(sw)
            kind = next((k for k in cat.kinds if cue and k.id == cue[0]), None)
            if kind is not None:
                found.append((pos, kind, f"{cue[1]} (по смыслу)"))  # noqa: B023
            elif (by_example := _example_kind(sw, cat, example_similarity)) is not None:
                found.append((pos, *by_example))
    if not found:
        return ()
    answers = [response_segments(segments, pos) for pos, _, _ in found]
    docs = [response_doc(a) for a in answers]
    probs = model.predict_proba([d for d in docs if d.split()])
    prob_iter = iter(probs)
    results = []
    for (pos, kind, trigger), answer, doc in zip(found, answers, docs, strict=True):
        p = next(prob_iter) if doc.split() else None
        results.append(_result(segments[pos], kind, trigger, answer, p, cat))
    return tuple(results)


# Lemmas of a reply that only acknowledges and retreats (docs/labelling.md: `other`).
ACKNOWLEDGEMENTS = frozenset("""
хорошо ладно понятно понять ясно ок окей конечно думать подумать да ну а тогда жаль что ж
договориться давать понимать ага угу так вот это ничего страшный бывать
""".split())


def _result(seg: Segment, kind: ObjectionKind, trigger: Hit | str, answer: list[Segment],
            probs: dict[str, float] | None, cat: Catalogue) -> ObjectionResult:
    """``trigger``: the catalogue phrase that fired, or the description of a cue by meaning."""
    fuzzy = trigger.fuzzy if isinstance(trigger, Hit) else ()
    if isinstance(trigger, Hit):
        heard = f" (≈ {', '.join(fuzzy)})" if fuzzy else ""
        hits = [f"trigger: {trigger.phrase.source}{heard}"]
    elif trigger.startswith(EXAMPLE_PREFIX):
        hits = [trigger]
    else:
        hits = [f"cue: {trigger}"]
    doc = response_doc(answer).split()
    if doc and set(doc) <= ACKNOWLEDGEMENTS:
        # «ну ладно», «хорошо», «ну думайте»: the manager heard it and retreated — not ignored
        handling, confidence = "other", 0.85
        hits.append("other: согласился без отработки")
    elif probs is None or len(doc) < 2:
        handling, confidence = "ignored", 0.9
        hits.append("ignored: нет ответа менеджера")
    else:
        handling, confidence, rule_hits = _decide(answer, probs, cat)
        hits.extend(rule_hits)
    if fuzzy:  # the trigger word was heard only approximately
        confidence *= FUZZY_CONFIDENCE
    elif isinstance(trigger, str) and trigger.startswith(EXAMPLE_PREFIX):
        confidence *= example_index.EXAMPLE_CONFIDENCE  # found by an example, not a phrase
    first = answer[0] if answer else None
    return ObjectionResult(
        kind=kind.id, segment_idx=seg.idx, start_s=seg.start_s, quote=seg.text,
        handling=handling, response_idx=first.idx if first else None,
        response_quote=" ".join(s.text for s in answer), confidence=round(confidence, 3),
        rule_hits=tuple(hits),
    )


def _decide(answer: list[Segment], probs: dict[str, float], cat: Catalogue) -> tuple[str, float, list[str]]:
    scores = {c: probs.get(c, 0.0) for c in HANDLINGS}
    rule_hits = []
    sws = [SegmentWords.of(s) for s in answer]
    for cls in cat.handling:
        for rule in cls.rules:
            if any(find(rule, sw) for sw in sws):
                rule_hits.append(f"{cls.id}: {rule.source}")
                scores[cls.id] = scores.get(cls.id, 0.0) + RULE_BONUS
    best = max(scores, key=scores.get)
    return best, scores[best] / sum(scores.values()), rule_hits
