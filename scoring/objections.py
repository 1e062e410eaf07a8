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
import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from core.errors import RubricError
from core.types import HANDLINGS, ObjectionResult, Segment
from scoring import examples as example_index
from scoring import objection_cues, objection_model
from scoring.detectors import AGREES
from scoring.examples import Example, check_examples
from scoring.linear import (
    FEATURES_VERSION,
    FastLinear,
    doc_of_text,
    text_doc,
    turn_doc,
    turn_features,
)
from scoring.matcher import FUZZY_CONFIDENCE, Hit, SegmentWords, find, find_any
from scoring.objection_model import TurnModel
from scoring.rubric import LineFinder, Phrase, reading_warnings
from scoring.text import lemmatize

log = logging.getLogger(__name__)

RESOURCES = resources.files(__package__).joinpath("resources")
SCHEMA = RESOURCES.joinpath("objections.schema.json")
DEFAULT_CATALOGUE = RESOURCES.joinpath("objections.yaml")  # used when scoring.objections is empty
TRAINING = RESOURCES.joinpath("training")
SHIPPED_MODELS = RESOURCES.joinpath("objection-models.json")
TRAINING_FILES = ("objection_turns", "client_turns", "handling_answers", "manager_value")  # what they learn from
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
        found = self.kind(kind)
        return found.title if found else kind

    def kind(self, kind_id: str | None) -> ObjectionKind | None:
        """The catalogue's kind of that id (None: the catalogue has no such kind)."""
        return next((k for k in self.kinds if k.id == kind_id), None) if kind_id else None


@dataclass(frozen=True)
class HandlingModel:
    """A fitted scikit-learn pipeline over space-joined lemma strings, and the objection-turn
    classifier (:mod:`scoring.objection_model`) that goes with the same catalogue."""

    pipeline: object
    version: str  # "bootstrap-<catalogue sha[:12]>" or "handling-<timestamp>"
    classes: tuple[str, ...]
    turns: TurnModel | None = None
    fast: FastLinear | None = None  # the shipped model: weights only, no scikit-learn pipeline
    value: FastLinear | None = None  # manager turns: a value statement («yes») or not — rubric `classifier: value_statement`

    def predict_proba(self, docs: list[str]) -> list[dict[str, float]]:
        if not docs:
            return []
        fast = self._fast()
        if fast is not None:
            return [fast.predict(doc) for doc in docs]
        probs = self.pipeline.predict_proba(docs)
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in probs]

    def _fast(self) -> FastLinear | None:
        if self.fast is not None:
            return self.fast
        cached = _FAST.get(id(self.pipeline))
        if cached is None or cached[0] is not self.pipeline:
            cached = (self.pipeline, FastLinear.of(self.pipeline))
            _FAST[id(self.pipeline)] = cached
        return cached[1]


_FAST: dict[int, tuple[object, FastLinear | None]] = {}


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


HANDLING_C = 4.0


def make_pipeline():
    """TF-IDF over :func:`scoring.linear.turn_features` + logistic regression (unfitted)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline as sk_pipeline

    return sk_pipeline(
        TfidfVectorizer(analyzer=turn_features, sublinear_tf=True, min_df=2),
        LogisticRegression(C=HANDLING_C, max_iter=3000, class_weight="balanced"),
    )


def _word_ngrams(doc: str) -> list[str]:
    """The analyzer of handling models saved before 2026-11 (kept so their files still load)."""
    words = doc.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@lru_cache(maxsize=1)
def shipped_pairs() -> tuple[tuple[str, str, str, str], ...]:
    """(objection, answer, handling, objection kind or "") of ``resources/training/handling_answers.yaml`` (written
    for the purpose) and ``handling_answers_calls.yaml`` (the labelled answers of whole calls,
    generated by ``tools/eval/export_training_turns.py``)."""
    out = []
    for name in ("handling_answers.yaml", CALL_ANSWERS):
        entry = TRAINING.joinpath(name)
        if not entry.is_file():
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        out += [(str(pair.get("objection") or ""), str(pair["answer"]), str(cls), str(pair.get("kind") or ""))
                for cls, pairs in data.items() for pair in pairs or ()
                if isinstance(pair, dict) and pair.get("answer")]
    return tuple(out)


CALL_ANSWERS = "handling_answers_calls.yaml"


def _answer_doc(text: str, objection: str = "", kind: str = "") -> str:
    """An example answer as the handling model reads it, with its relation to ``objection`` (of
    ``kind``, where known)."""
    if not objection:
        return doc_of_text(text)
    lemmas = lemmatize(text)
    return text_doc(lemmas, text, answer_context(lemmatize(objection), lemmas, kind))


# Lemmas that open an answer by acknowledging what the client said.
ACK_OPENERS = frozenset("понимать понятно понять согласный согласиться хорошо ладно да конечно ясно "
                        "верно правильно слышать ок окей действительно".split())
CONTINUERS = frozenset("также тоже кстати еще плюс".split())
_FUNCTION_POS = ("PREP", "CONJ", "PRCL", "NPRO", "INTJ", "PRED", "ADVB", "NUMR")


def answer_context(objection: tuple[str, ...], answer: tuple[str, ...], kind: str = "") -> tuple[str, ...]:
    """Tokens relating the answer to the objection it follows (the handling model's context
    features): does it open by acknowledging it (``ack``), does it go on with the pitch
    (``cont``: «тоже», «кстати», «ещё»), does it take up one of its content words (``echo``) or
    neither (``noecho``: the manager went on with something else); with the objection's
    ``kind`` also the kind and each of those per kind («кстати, у нас акция» after «я на работе»
    is the pitch going on, after «дорого» it may be the answer)."""
    words = [w for w in answer if w != "?"]
    out = ["ack"] if any(w in ACK_OPENERS for w in words[:3]) else []
    if any(w in CONTINUERS for w in words[:4]):
        out.append("cont")  # «Котёл тоже можем поставить», «У нас, кстати, акция»: the pitch goes on
    said = {w for w in objection if _content(w)}
    out.append("echo" if said & {w for w in words if _content(w)} else "noecho")
    if kind:
        out += [f"k_{kind}"] + [f"k_{kind}_{c}" for c in out]
    return tuple(out)


@lru_cache(maxsize=50_000)
def _content(lemma: str) -> bool:
    if len(lemma) < 4 or lemma.startswith("<") or lemma in ACK_OPENERS:
        return False
    from scoring.text import morph

    tag = morph().parse(lemma)[0].tag
    return not any(pos in tag for pos in _FUNCTION_POS)


def catalogue_training_set(cat: Catalogue) -> tuple[list[str], list[str]]:
    """The catalogue's example answers plus the shipped ones (of the classes it has)."""
    docs, labels = [], []
    for cls in cat.handling:
        for example in cls.examples:
            docs.append(_answer_doc(example))
            labels.append(cls.id)
    classes = {cls.id for cls in cat.handling}
    for objection, answer, cls, kind in shipped_pairs():
        if cls in classes:
            docs.append(_answer_doc(answer, objection, kind))
            labels.append(cls)
    return docs, labels


def train_model(docs: list[str], labels: list[str], version: str) -> HandlingModel:
    pipe = make_pipeline()
    pipe.fit(docs, labels)
    return HandlingModel(pipe, version, tuple(pipe.classes_))


@lru_cache(maxsize=4)
def bootstrap_model(cat: Catalogue) -> HandlingModel:
    """The models before any `callqa train`: the shipped weights
    (``resources/objection-models.json``) when they were fitted on exactly this catalogue's
    examples and the shipped training files, else fitted now (a few seconds, once per process)."""
    version = f"bootstrap-{cat.version[:12]}"
    shipped = _shipped_models()
    if shipped and shipped.get("source") == training_source(cat):
        turns = TurnModel(FastLinear.from_json(shipped["turns"]), version) if shipped.get("turns") else None
        fast = FastLinear.from_json(shipped["handling"])
        value = FastLinear.from_json(shipped["value"]) if shipped.get("value") else None
        return HandlingModel(None, version, fast.classes, turns, fast, value)
    docs, labels = catalogue_training_set(cat)
    model = train_model(docs, labels, version)
    return replace(model, turns=bootstrap_turns(cat), value=value_model(cat))


@lru_cache(maxsize=1)
def _shipped_models() -> dict | None:
    entry = SHIPPED_MODELS
    if not entry.is_file():
        return None
    return json.loads(entry.read_text(encoding="utf-8"))


def training_source(cat: Catalogue) -> str:
    """Hash of everything the bootstrap models learn from: the shipped training files, the
    catalogue's kind and handling examples and the feature version."""
    h = hashlib.sha256(f"features {FEATURES_VERSION}\n".encode())
    for entry in sorted(TRAINING.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml") and entry.name.startswith(TRAINING_FILES):
            h.update(entry.name.encode() + b"\n" + entry.read_bytes())
    h.update(json.dumps([kind_examples(cat), [(c.id, list(c.examples)) for c in cat.handling]],
                        ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def value_training_set(cat: Catalogue) -> tuple[list[str], list[str]]:
    """Manager turns that present value («yes») or not («no»): ``training/manager_value_turns.yaml``
    plus every example answer — the value ones are value statements, the others are not."""
    docs, labels = [], []
    entry = TRAINING.joinpath("manager_value_turns.yaml")
    data = yaml.safe_load(entry.read_text(encoding="utf-8")) if entry.is_file() else {}
    for key, label in (("value", "yes"), ("no_value", "no")):
        for text in (data or {}).get(key) or ():
            docs.append(_answer_doc(str(text)))
            labels.append(label)
    answers = [(a, c) for _, a, c, _ in shipped_pairs()] + [(e, cls.id) for cls in cat.handling for e in cls.examples]
    for answer, cls in answers:
        docs.append(_answer_doc(answer))
        labels.append("yes" if cls == "value" else "no")
    return docs, labels


def value_model(cat: Catalogue) -> FastLinear | None:
    docs, labels = value_training_set(cat)
    if set(labels) != {"yes", "no"}:
        return None
    from scoring.linear import fit_pipeline

    return FastLinear.of(fit_pipeline(docs, labels, c=HANDLING_C, min_df=2))


def shipped_models_json(cat: Catalogue) -> dict:
    """Fit both bootstrap models on ``cat`` and the training files; the content of
    ``resources/objection-models.json`` (tools/train_objection_models.py writes it)."""
    docs, labels = catalogue_training_set(cat)
    handling = FastLinear.of(train_model(docs, labels, "shipped").pipeline)
    turns = bootstrap_turns(cat)
    value = value_model(cat)
    return {"source": training_source(cat), "handling": handling.to_json(),
            "turns": turns.fast.to_json() if turns else None, "value": value.to_json() if value else None}


def kind_examples(cat: Catalogue) -> dict[str, tuple[str, ...]]:
    return {k.id: tuple(e.source for e in k.examples) for k in cat.kinds}


def bootstrap_turns(cat: Catalogue) -> TurnModel | None:
    """The objection-turn classifier from the shipped turns and the catalogue's examples."""
    return objection_model.bootstrap(tuple(kind_examples(cat).items()))


def save_model(model: HandlingModel, home: Path, meta: dict | None = None) -> Path:
    import joblib

    folder = home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model.version}.joblib"
    joblib.dump({"pipeline": model.pipeline, "version": model.version, "classes": model.classes,
                 "turns": model.turns, "value": model.value, "meta": meta or {}}, path)
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
            turns = data.get("turns") or bootstrap_turns(cat)
            value = data.get("value") or bootstrap_model(cat).value
            return HandlingModel(data["pipeline"], data["version"], tuple(data["classes"]), turns, value=value)
        except Exception as exc:  # a broken model file must not stop scoring
            log.warning("handling model %s unusable (%s); using the bootstrap model", path, exc)
    return bootstrap_model(cat)


# --- detection -----------------------------------------------------------------------------

GOODBYE_LEMMAS = frozenset("весь добрый хороший до свидание спасибо пока удача день вечер встреча связь "
                           "счастливо благо всего доброе".split())


def response_segments(segments: list[Segment], trigger_pos: int) -> list[Segment]:
    """The manager's answer: the next 1–2 manager turns after the trigger (within 30 s); a
    second turn that is only a goodbye is not part of it."""
    trigger = segments[trigger_pos]
    out: list[Segment] = []
    for seg in segments[trigger_pos + 1:]:
        if seg.speaker == "manager":
            if seg.start_s - trigger.end_s > RESPONSE_MAX_DELAY_S and not out:
                break
            if out and seg.lemmas and set(seg.lemmas) <= GOODBYE_LEMMAS:
                break  # «Всего доброго, до свидания!» after the answer: a goodbye, not more of it
            out.append(seg)
            if len(out) >= RESPONSE_TURNS:
                break
        elif out and seg.speaker == "client" and len(seg.lemmas) > 2:
            break  # the client took the floor again: the answer is over
    return out


def response_doc(segments: list[Segment], objection: Segment | None = None, kind: str = "") -> str:
    """The answer as the handling model reads it (:func:`scoring.linear.turn_doc`), with its
    relation to the ``objection`` turn of ``kind`` (:func:`answer_context`)."""
    context = (answer_context(objection.lemmas, tuple(w for s in segments for w in s.lemmas), kind)
               if objection else ())
    return turn_doc(segments, context)


def catalogue_warnings(cat: Catalogue) -> list[str]:
    """Kind examples closer to another kind's examples than to their own, and one-word triggers
    read as another word."""
    return (check_examples({k.id: k.examples for k in cat.kinds if k.examples})[1]
            + reading_warnings((k.id, k.triggers) for k in cat.kinds))


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


SIGN_OFF_MANAGER_WORDS = 12  # after «всё, мне бежать надо» the manager only says goodbye
SIGN_OFF_OPENERS = AGREES | {"ага", "угу"}  # a client's yes, as the next-step detector reads it
SIGN_OFF_SHORT = 6  # words: a yes and «всё, бегу» …
SIGN_OFF_LATE = 0.6  # … in the last 40 % of the call's turns


def _signing_off(words: list[SegmentWords], pos: int) -> bool:
    """«да всё давайте мне бежать надо», «ну всё, мне бежать надо, до свидания» at the very end —
    opening with a yes or «всё», nothing but a short goodbye after: the client closes a finished
    call, he does not resist the offer."""
    if not (set(words[pos].words[:3]) & SIGN_OFF_OPENERS or {"всё", "все"} & set(words[pos].surface[:2])):
        return False  # «слушайте, я на совещании» ends the talk without agreeing: a brush-off
    after = [w for w in words[pos + 1:] if w.words]
    if len(words[pos].words) <= SIGN_OFF_SHORT and pos >= SIGN_OFF_LATE * len(words):
        return True  # «Скину. Всё, бегу.» late in the call: the manager may still recap before goodbye
    return len(after) <= 2 and all(w.segment.speaker != "client" or len(w.words) <= 3 for w in after) and sum(
        len(w.words) for w in after if w.segment.speaker == "manager") <= SIGN_OFF_MANAGER_WORDS


# Kinds said together in one turn often enough to look for the second: «я подумаю, с женой
# посоветуюсь», «пришлите, я мужу покажу», «дорого, надо подумать», «некогда, пришлите на почту»,
# «для нас неподъёмно, а коллеги за девять делают».
SECOND_KINDS = frozenset(frozenset(p) for p in (
    ("need_consult", "think_later"), ("need_consult", "send_offer"), ("price", "think_later"),
    ("no_time", "send_offer"), ("no_time", "think_later"), ("competitor_cheaper", "price"),
    ("send_offer", "think_later"),
))


def _second_kind(sw: SegmentWords, first: str, cat: Catalogue, manager: SegmentWords | None):
    """(kind, trigger) of a second objection voiced in the same turn, by its own trigger phrase
    or (need_consult, send_offer, no_time) its cue: only for kinds often said together
    (:data:`SECOND_KINDS`)."""
    for kind in cat.kinds:
        if kind.id == first or frozenset((first, kind.id)) not in SECOND_KINDS:
            continue
        if objection_cues.answers_the_manager(kind.id, manager, by_trigger=True):
            continue
        if kind.id == "price" and first == "competitor_cheaper":  # «дорого, у конкурентов дешевле»: one
            if objection_cues.price_said(sw):
                return kind, "дорого (по смыслу)"  # «мы в восемьдесят думали уложиться, а на «Авито» по шестьдесят»
            continue
        if (hit := find_any(kind.triggers, [sw])) is not None and objection_cues.trigger_stands(kind.id, sw):
            return kind, hit
        if kind.id == "price" and objection_cues.price_words(sw):
            return kind, "дорого (по смыслу)"  # «девять четыреста, это ж полпенсии, подумаю»
        if kind.id == "need_consult" and (cue := objection_cues.consult_cue(sw)) is not None:
            return kind, f"{cue} (по смыслу)"
        if kind.id == "send_offer" and objection_cues.send_cue(sw):
            return kind, "прислать (по смыслу)"  # «я посмотрю подумаю, скинь мне в вотсап каталог»
        if kind.id == "think_later" and objection_cues.puts_off_to(sw):
            return kind, "позже (по смыслу)"  # «всё равно дорого, я ближе к весне решу»
        if kind.id == "no_time" and objection_cues.busy_cue(sw) and not objection_cues.not_now_but_later(sw):
            return kind, "нет времени (по смыслу)"  # «я подумаю ещё, ой, у меня там на плите, бегу»
    return None


EXAMPLE_PREFIX = "example: "
MODEL_PREFIX = "model: "


def _model_kind(sw: SegmentWords, cat: Catalogue, turns: TurnModel | None, minimum: float):
    """(kind, note) when the turn classifier is sure enough of a kind the catalogue has."""
    if turns is None or len(sw.words) < objection_model.MIN_WORDS:
        return None
    kind_id, p = turns.kind(sw.segment)
    kind = cat.kind(kind_id)
    if kind is None or p < minimum or not objection_cues.trigger_stands(kind.id, sw):
        return None  # «говорите, у меня есть минут десять»: the words that rule a kind out rule it out here too
    return kind, f"{MODEL_PREFIX}{p:.2f}"


def detect_objections(
    words: list[SegmentWords], cat: Catalogue, model: HandlingModel,
    example_similarity: float = example_index.DEFAULT_SIMILARITY,
    turn_min: float = objection_model.DEFAULT_MIN_PROBABILITY,
    veto_none: float = objection_model.DEFAULT_VETO_NONE,
) -> tuple[ObjectionResult, ...]:
    """Every client objection in the call with the class of the manager's answer.

    Per client turn: the catalogue's triggers, else the cues by meaning, else the kinds'
    examples, else the objection-turn classifier at ``turn_min`` probability or more. A trigger
    or cue in a turn that the classifier reads as no objection (``veto_none`` or more) is
    dropped (:func:`_denied_by_classifier`)."""
    segments = [sw.segment for sw in words]
    found: list[tuple[int, ObjectionKind, Hit]] = []
    manager: SegmentWords | None = None  # the manager's last turn (what the client answers)
    quoted: frozenset[float] = frozenset()  # amounts he named in that turn
    earlier: frozenset[float] = frozenset()  # amounts he quoted before it
    after_quote: set[int] = set()  # client turns right after the manager said a price
    for pos, sw in enumerate(words):
        if sw.segment.speaker != "client":
            if sw.segment.speaker == "manager":
                earlier |= quoted
                manager, quoted = sw, objection_cues.quoted_amounts(sw)
            continue
        for kind in cat.kinds:
            hit = find_any(kind.triggers, [sw])
            if hit and not objection_cues.trigger_stands(kind.id, sw):
                continue  # «ему некогда», «я в дороге, но говорите», «я вам в вотсапе скину»
            if hit and kind.id == "no_time" and objection_cues.not_now_but_later(sw):
                kind = cat.kind("think_later") or kind  # noqa: PLW2901 — «ближе к осени, сейчас не до того»
            if hit and objection_cues.answers_the_manager(kind.id, manager, by_trigger=True, client=sw):
                break  # «Кто ещё участвует в выборе?» — «Мы с мужем решаем»: an answer
            if hit:
                cue = (objection_cues.best_cue(sw, manager, earlier) if kind.id == "price" else
                       objection_cues.context_cue(sw, manager, earlier) if kind.id == "think_later" else None)
                better = cat.kind("competitor_cheaper") if cue and cue[0] == "competitor_cheaper" else None
                if better is not None:  # «дорого … в соседнем на 800 дешевле», «я ещё не решила, на Авито
                    # за сорок продают»: the comparison says more
                    found.append((pos, better, f"{cue[1]} (по смыслу)"))  # noqa: B023
                else:
                    found.append((pos, kind, hit))
                break
        else:  # no catalogue trigger: the cues by meaning (scoring.objection_cues)
            cue = objection_cues.best_cue(sw, manager, earlier)
            kind = cat.kind(cue[0]) if cue else None
            if kind is not None and objection_cues.answers_the_manager(kind.id, manager, by_trigger=False, client=sw):
                continue  # «Какой бюджет закладываете?» — «Пока не знаю»: an answer, not «подумаю»
            if kind is not None:
                found.append((pos, kind, f"{cue[1]} (по смыслу)"))  # noqa: B023
            elif (by_example := _example_kind(sw, cat, example_similarity)) is not None:
                found.append((pos, *by_example))
            elif (by_model := _model_kind(sw, cat, model.turns, turn_min)) is not None and not (
                    by_model[0].id == "competitor_cheaper" and objection_cues.own_past_purchase(sw)) and not (
                    by_model[0].id == "price"  # a budget stated when asked, as for the cues
                    and objection_cues.answers_the_manager("price", manager, by_trigger=False, client=sw)):
                found.append((pos, *by_model))  # not «за три тысячи брала, на рынке»: her own purchase
            elif (yours := objection_cues.against_yours(sw)) is not None and (kind := cat.kind(yours[0])):
                found.append((pos, kind, f"{yours[1]} (по смыслу)"))  # «на 30 рассчитывал, а у вас 42»
        if quoted:
            after_quote.add(pos)
        if found and found[-1][0] == pos and not str(found[-1][2]).startswith((EXAMPLE_PREFIX, MODEL_PREFIX)):
            if (second := _second_kind(sw, found[-1][1].id, cat, manager)) is not None:
                found.append((pos, *second))
    found = [f for f in found if not (f[1].id == "no_time" and _signing_off(words, f[0]))
             and not _denied_by_classifier(words[f[0]], f[1].id, f[2], model.turns, veto_none, f[0] in after_quote)]
    if not found:
        return ()
    answers = [response_segments(segments, pos) for pos, _, _ in found]
    docs = [response_doc(a, segments[pos], kind.id) for (pos, kind, _), a in zip(found, answers, strict=True)]
    probs = model.predict_proba([d for d, a in zip(docs, answers, strict=True) if _answer_lemmas(a)])
    prob_iter = iter(probs)
    results = []
    for (pos, kind, trigger), answer in zip(found, answers, strict=True):
        p = next(prob_iter) if _answer_lemmas(answer) else None
        results.append(_result(segments[pos], kind, trigger, answer, p, cat))
    return _without_unanswered_repeats(results)


PRICE_KINDS = frozenset({"price", "competitor_cheaper"})


def _denied_by_classifier(sw: SegmentWords, kind_id: str, trigger: Hit | str, turns: TurnModel | None,
                          veto: float, after_quote: bool = False) -> bool:
    """A phrase or cue matched words of a turn that, read whole, voices no objection: a story
    («у мамы пианино стоит, может, его забрать?»), a relative helping out, someone else's
    arrangement. The classifier reads the whole turn; phrases and cues read a few words. Only
    for the kinds its hand-written turns teach and turns long enough to read
    (:data:`objection_model.MIN_WORDS`); what the classifier or an example found stays, and so
    does a price reaction right after the manager said a price (``after_quote``: «вы там золотом
    печатаете?» is read against the quote, which the classifier does not see)."""
    if after_quote and kind_id in PRICE_KINDS:
        return False
    if turns is None or (isinstance(trigger, str) and trigger.startswith((EXAMPLE_PREFIX, MODEL_PREFIX))):
        return False
    if kind_id not in objection_model.taught_kinds() or len(sw.words) < objection_model.MIN_WORDS:
        return False
    return turns.none_probability(sw.segment) >= veto


REPEAT_WITHIN = 2  # segments (the client's next turn): «я за рулём» — (the manager pitches on) — «я говорю, я за рулём»
# The client saying outright that he repeats himself («я же говорю», «я вам говорю», «повторяю»):
# the same objection however many turns later, when the manager ignored it.
# Being busy, once ignored, is the same objection wherever it comes again («я ж за рулём, давайте
# быстрее» ten turns later): the client's situation has not changed.
REPEATED_ANYWHERE = frozenset({"no_time"})
REPEAT_MARKER = re.compile(r"(?<!\w)(?:я\s+(?:же\s+|ж\s+|вам\s+|тебе\s+|ведь\s+)*говорю|говорю\s+(?:же|ж|вам|тебе)"
                           r"|повторяю|ещё\s+раз\s+говорю|еще\s+раз\s+говорю)(?!\w)")


def _without_unanswered_repeats(results: list[ObjectionResult]) -> tuple[ObjectionResult, ...]:
    """docs/labelling.md: an objection said again is a new one only if the manager answered the
    first; said again right after the manager ignored it, it is the same objection."""
    kept: list[ObjectionResult] = []
    last: dict[str, ObjectionResult] = {}
    for r in results:
        first = last.get(r.kind)
        if (first is not None and first.handling == "ignored" and r.segment_idx > first.segment_idx
                and (r.segment_idx - first.segment_idx <= REPEAT_WITHIN or r.kind in REPEATED_ANYWHERE
                     or REPEAT_MARKER.search(r.quote.lower()))):
            continue
        last[r.kind] = r
        kept.append(r)
    return tuple(kept)


# Lemmas of a reply that only acknowledges and retreats (docs/labelling.md: `other`).
ACKNOWLEDGEMENTS = frozenset("""
хорошо ладно ладный понятно понять ясно ок окей конечно думать подумать да ну а тогда жаль что ж
договориться давать понимать ага угу так вот это ничего страшный бывать
""".split())


# What a manager says when he has heard that the client is busy: he acknowledges, promises to be
# brief, or offers another time («понял, тогда коротко», «когда удобно перезвонить?»).
BUSY_HEARD = frozenset("""
понять понимать понятно хорошо ладно ладный извинить извините прощение прошу коротко кратко
быстро быстренько буквально пара минута минутка секунда два слово удобно удобный перезвонить
набрать позвонить звонить созвониться когда время отнять задержать занятой занять спешить
неудобно уложиться существо суть сразу главный
""".split())


def _result(seg: Segment, kind: ObjectionKind, trigger: Hit | str, answer: list[Segment],
            probs: dict[str, float] | None, cat: Catalogue) -> ObjectionResult:
    """``trigger``: the catalogue phrase that fired, or the description of a cue by meaning."""
    fuzzy = trigger.fuzzy if isinstance(trigger, Hit) else ()
    if isinstance(trigger, Hit):
        heard = f" (≈ {', '.join(fuzzy)})" if fuzzy else ""
        hits = [f"trigger: {trigger.phrase.source}{heard}"]
    elif trigger.startswith((EXAMPLE_PREFIX, MODEL_PREFIX)):
        hits = [trigger]
    else:
        hits = [f"cue: {trigger}"]
    doc = _answer_lemmas(answer)
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
        if kind.id == "no_time" and handling in ("value", "question") and not set(doc) & BUSY_HEARD:
            # «у меня покупатели, давайте побыстрее» — «комплект выходит 1990 в месяц…»: the
            # pitch goes on as if the client had not said it
            handling, confidence = "ignored", 0.8
            hits.append("ignored: продолжил, не услышав, что клиенту некогда")
    if fuzzy:  # the trigger word was heard only approximately
        confidence *= FUZZY_CONFIDENCE
    elif isinstance(trigger, str) and trigger.startswith(EXAMPLE_PREFIX):
        confidence *= example_index.EXAMPLE_CONFIDENCE  # found by an example, not a phrase
    elif isinstance(trigger, str) and trigger.startswith(MODEL_PREFIX):
        confidence *= float(trigger[len(MODEL_PREFIX):])  # found by the turn classifier
    first = answer[0] if answer else None
    return ObjectionResult(
        kind=kind.id, segment_idx=seg.idx, start_s=seg.start_s, quote=seg.text,
        handling=handling, response_idx=first.idx if first else None,
        response_quote=" ".join(s.text for s in answer), confidence=round(confidence, 3),
        rule_hits=tuple(hits),
    )


def _answer_lemmas(answer: list[Segment]) -> list[str]:
    return [w for s in answer for w in s.lemmas]


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
