"""Per-criterion correction models learned from the РОП's overrides.

Every override is a training example (the РОП's verdict is the label), and so is every verdict
of a call he marked reviewed without overriding it (the machine was right). For each criterion
with at least :data:`MIN_EXAMPLES` examples of both classes, ``callqa train`` fits a logistic
regression on features of the call as the rules saw it:

* the rule verdict and its confidence, which phrase / detector / violation decided, whether a
  metric sat at its threshold or only part of what was needed was found;
* the criterion's metrics (standardised);
* lemma TF-IDF of the speaker's turns inside the criterion's window.

At scoring time, where a model exists for a criterion, its probability of «pass» replaces the
rule verdict and its confidence (``max(p, 1 - p)``); the abstention threshold then applies as
to any verdict. The prediction is a plain dot product over the few features a call has (no
scikit-learn call per verdict), so re-scoring stays fast.

Models are saved as ``<home>/models/criteria-<timestamp>.joblib`` with a pointer file
``criteria-current.txt``; older files are kept, so rolling back is pointing the file at one of
them (or deleting it: rules alone).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from core.types import CriterionResult
from scoring import criteria
from scoring.rubric import Criterion

log = logging.getLogger(__name__)

POINTER = "criteria-current.txt"
PREFIX = "criteria-"
MIN_EXAMPLES = 10  # per criterion, with both classes present
FATAL_MODEL_CAP = 0.89  # a learned fatal «fail» never zeroes a score by itself (< 0.9)
C_REGULARISATION = 10.0  # few examples per criterion: let them speak


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled verdict: the features of the call and the РОП's (or confirmed) verdict."""

    criterion_id: str
    features: dict[str, float]
    lemmas: tuple[str, ...]
    rule_verdict: str
    label: str  # pass | fail


def features(c: Criterion, result: CriterionResult, trace: criteria.Trace) -> tuple[dict[str, float], tuple[str, ...]]:
    """Structured features and window lemmas of one rule verdict."""
    out = trace.outcome
    f: dict[str, float] = {
        f"rule={result.verdict}": 1.0,
        "num:confidence": result.confidence,
        "num:low_share": trace.low_share,
    }
    for h in out.hits:
        f[f"hit={h.phrase.source}"] = 1.0
    if out.violation is not None:
        f[f"violation={out.violation.phrase.source}"] = 1.0
    if out.detection is not None:
        f[f"detector={c.detect}"] = 1.0
    if out.missing:
        f[f"missing={out.missing}"] = 1.0
    if out.borderline:
        f["borderline"] = 1.0
    if out.near_miss:
        f["near_miss"] = 1.0
    if c.metrics:
        values = criteria.metric_values(list(trace.segments), trace.ctx)
        for cond in c.metrics:
            v = values.get(cond.metric)
            if v is not None:
                f[f"num:{cond.metric}"] = float(v)
    f["num:words"] = float(sum(len(sw.words) for sw in trace.segments))
    if unpunctuated(trace.ctx):
        # phone ASR text (no punctuation, no «?»): the rules see less there — the same
        # features once more under their own names, so a model learns how far to trust them
        f.update({f"{k}@asr": v for k, v in list(f.items()) if not k.startswith("num:confidence")})
        f["asr"] = 1.0
    lemmas = tuple(w for sw in trace.segments for w in sw.words if len(w) > 1)
    return f, lemmas


PUNCTUATED_SHARE = 0.2  # below this share of turns with punctuation the call reads as raw ASR


def unpunctuated(ctx: criteria.CallContext) -> bool:
    """Whether the call's text is raw phone-ASR style: almost no turn has punctuation."""
    turns = [sw.segment.text for sw in ctx.words if len(sw.words) > 3]
    if not turns:
        return False
    marked = sum(1 for t in turns if any(ch in t for ch in ",.?!"))
    return marked / len(turns) < PUNCTUATED_SHARE


@dataclass(frozen=True)
class CriterionModel:
    """A logistic regression flattened to weights: p(pass) = σ(b + Σ wᵢ xᵢ)."""

    criterion_id: str
    weights: dict[str, float]
    intercept: float
    idf: dict[str, float]
    scale: dict[str, tuple[float, float]]  # numeric feature → (mean, std)
    n_examples: int

    def vector(self, feats: dict[str, float], lemmas: tuple[str, ...]) -> dict[str, float]:
        x = {}
        for k, v in feats.items():
            if k.startswith("num:"):
                mean, std = self.scale.get(k, (0.0, 1.0))
                x[k] = (v - mean) / std
            else:
                x[k] = v
        tf = Counter(w for w in lemmas if w in self.idf)
        vals = {f"w:{w}": n * self.idf[w] for w, n in tf.items()}
        norm = math.sqrt(sum(v * v for v in vals.values())) or 1.0
        x.update({k: v / norm for k, v in vals.items()})
        return x

    def proba_pass(self, feats: dict[str, float], lemmas: tuple[str, ...]) -> float:
        z = self.intercept + sum(v * self.weights.get(k, 0.0) for k, v in self.vector(feats, lemmas).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class CorrectionModels:
    version: str
    models: dict[str, CriterionModel] = field(default_factory=dict)
    rubric_id: str | None = None  # the rubric the models were learned for (None: any)

    def for_rubric(self, rubric_id: str) -> CorrectionModels | None:
        """These models where they fit the rubric being scored, else None (rules alone)."""
        return self if self.rubric_id in (None, rubric_id) else None

    def to_json(self) -> dict:
        return {"version": self.version, "rubric_id": self.rubric_id,
                "models": {k: {"weights": m.weights, "intercept": m.intercept, "idf": m.idf,
                               "scale": {f: list(v) for f, v in m.scale.items()},
                               "n_examples": m.n_examples} for k, m in self.models.items()}}

    @classmethod
    def from_json(cls, data: dict) -> CorrectionModels:
        models = {k: CriterionModel(k, dict(m["weights"]), float(m["intercept"]), dict(m["idf"]),
                                    {f: (float(a), float(b)) for f, (a, b) in m["scale"].items()},
                                    int(m["n_examples"])) for k, m in data["models"].items()}
        return cls(str(data["version"]), models, data.get("rubric_id"))

    def adjust(self, c: Criterion, result: CriterionResult, trace: criteria.Trace) -> CriterionResult:
        """The model's verdict in place of the rules' (pass/fail verdicts only)."""
        model = self.models.get(c.id)
        if model is None or result.verdict not in ("pass", "fail"):
            return result
        p = model.proba_pass(*features(c, result, trace))
        verdict = "pass" if p >= 0.5 else "fail"
        confidence = round(max(p, 1.0 - p), 3)
        if c.fatal and verdict == "fail" and result.verdict != "fail":
            confidence = min(confidence, FATAL_MODEL_CAP)
        if verdict == result.verdict:
            reason = result.reason
        else:
            base = (c.pass_reason or "Выполнено") if verdict == "pass" else (c.fail_reason or "Не выполнено")
            rule = "выполнено" if result.verdict == "pass" else "не выполнено"
            reason = f"{base} (по исправлениям РОП: вероятность {p:.2f}; по правилам — {rule})"
        return criteria.result_of(c, verdict, reason, result.evidence, confidence=confidence)


# --- training ------------------------------------------------------------------------------

def fit(examples: list[Example], criterion_id: str) -> CriterionModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    n = len(examples)
    df = Counter(w for e in examples for w in set(e.lemmas))
    idf = {w: math.log((1 + n) / (1 + d)) + 1.0 for w, d in df.items()}
    nums = {k for e in examples for k in e.features if k.startswith("num:")}
    scale = {}
    for k in nums:
        vals = [e.features.get(k, 0.0) for e in examples]
        mean = sum(vals) / n
        std = math.sqrt(sum((v - mean) ** 2 for v in vals) / n) or 1.0
        scale[k] = (mean, std)
    proto = CriterionModel(criterion_id, {}, 0.0, idf, scale, n)
    rows = [proto.vector(e.features, e.lemmas) for e in examples]
    dv = DictVectorizer()
    x = dv.fit_transform(rows)
    y = [1 if e.label == "pass" else 0 for e in examples]
    lr = LogisticRegression(C=C_REGULARISATION, max_iter=1000)
    lr.fit(x, y)
    weights = {name: float(w) for name, w in zip(dv.feature_names_, lr.coef_[0], strict=True) if w}
    return CriterionModel(criterion_id, weights, float(lr.intercept_[0]), idf, scale, n)


def trainable(examples: list[Example]) -> bool:
    counts = Counter(e.label for e in examples)
    return len(examples) >= MIN_EXAMPLES and len(counts) == 2


@dataclass(frozen=True, slots=True)
class CriterionReport:
    criterion_id: str
    examples: int
    overrides: int  # examples where the РОП disagreed with the rules
    rules_accuracy: float
    model_accuracy: float | None  # cross-validated; None when not validated
    folds: int
    trained: bool = False


def cross_validated(examples: list[Example], criterion_id: str) -> tuple[float | None, int]:
    """Accuracy of rules + model on held-out folds (stratified, up to 5)."""
    from sklearn.model_selection import StratifiedKFold

    labels = [e.label for e in examples]
    folds = min(5, min(Counter(labels).values()))
    if folds < 2:
        return None, 0
    ok = 0
    for train_idx, test_idx in StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(labels, labels):
        model = fit([examples[i] for i in train_idx], criterion_id)
        for i in test_idx:
            e = examples[i]
            ok += (model.proba_pass(e.features, e.lemmas) >= 0.5) == (e.label == "pass")
    return ok / len(examples), folds


def train_models(examples: list[Example], version: str | None = None,
                 validate: bool = True) -> tuple[CorrectionModels, list[CriterionReport]]:
    by_crit: dict[str, list[Example]] = {}
    for e in examples:
        by_crit.setdefault(e.criterion_id, []).append(e)
    models, reports = {}, []
    for crit, ex in sorted(by_crit.items()):
        rules = sum(e.rule_verdict == e.label for e in ex) / len(ex)
        overrides = sum(e.rule_verdict != e.label for e in ex)
        if not trainable(ex):
            reports.append(CriterionReport(crit, len(ex), overrides, rules, None, 0))
            continue
        acc, folds = cross_validated(ex, crit) if validate else (None, 0)
        models[crit] = fit(ex, crit)
        reports.append(CriterionReport(crit, len(ex), overrides, rules, acc, folds, trained=True))
    return CorrectionModels(version or new_version(), models), reports


def new_version() -> str:
    return PREFIX + datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def save(models: CorrectionModels, home: Path, meta: dict | None = None) -> Path:
    """``<home>/models/<version>.joblib`` and the pointer; earlier files stay for a rollback."""
    import joblib

    folder = Path(home) / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{models.version}.joblib"
    joblib.dump({"version": models.version, "models": models.models, "meta": meta or {}}, path)
    (folder / POINTER).write_text(path.name, encoding="utf-8")
    return path


# Shipped with callqa: models learned from the evaluation corpus's dev split for the default
# rubric (tools/eval/train_bootstrap.py); plain JSON, so no pickle crosses library versions.
BOOTSTRAP = resources.files("scoring").joinpath("resources/criteria-bootstrap.json")


def load_bootstrap() -> CorrectionModels | None:
    try:
        return CorrectionModels.from_json(json.loads(BOOTSTRAP.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as e:
        log.warning("bootstrap correction models not loaded (%s); rules alone", e)
        return None


def load(home: Path | None, bootstrap: bool = False) -> CorrectionModels | None:
    """The current correction models of ``home``; else, with ``bootstrap``, the models shipped
    with callqa; else None (rules alone)."""
    pointer = Path(home) / "models" / POINTER if home is not None else None
    if pointer is None or not pointer.exists():
        return load_bootstrap() if bootstrap else None
    path = pointer.parent / pointer.read_text(encoding="utf-8").strip()
    try:
        import joblib

        data = joblib.load(path)
        return CorrectionModels(data["version"], dict(data["models"]))
    except Exception as e:  # a broken or missing file: score by the rules, say so
        log.warning("criterion correction models %s not loaded (%s); rules alone", path, e)
        return None


def call_examples(rubric, ctx: criteria.CallContext, gold: dict[str, str],
                  confirmed: bool = False) -> list[Example]:
    """Training examples of one call: ``gold`` maps criterion → the РОП's verdict; with
    ``confirmed`` (he reviewed the call) every other pass/fail verdict counts as right."""
    out = []
    for c in rubric.criteria:
        if c.id not in gold and not confirmed:
            continue
        result, trace = criteria.evaluate_traced(c, ctx)
        if trace is None or result.verdict not in ("pass", "fail"):
            continue  # not applicable / insufficient: nothing a verdict model can fix
        label = gold.get(c.id, result.verdict)
        if label not in ("pass", "fail"):
            continue
        feats, lemmas = features(c, result, trace)
        out.append(Example(c.id, feats, lemmas, result.verdict, label))
    return out
