"""`callqa train`: retrain the objection-handling classifier, the objection-turn classifier and
the per-criterion correction models from the РОП's labels and overrides.

Handling: the catalogue's example answers + the shipped training answers + every labelled
objection in the store (latest label per call and segment wins); the answer text is rebuilt
from stored lemmas exactly as scoring sees it. Objection turns: the shipped training turns + the
catalogue's kind examples + every turn the РОП labelled as an objection of a kind. Both are
saved together, versioned, in <home>/models/ with a pointer.

Correction models (:mod:`scoring.corrections`): every override (latest per call and criterion)
is an example labelled with the РОП's verdict; every call he marked reviewed adds its other
pass/fail verdicts as confirmed. Saved as ``<home>/models/criteria-<timestamp>.joblib``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from core.config import Config
from core.errors import CallQAError
from core.types import CallMeta
from pipeline.rescore import stored_transcript
from scoring import corrections, objection_model
from scoring.linear import text_doc
from scoring.objections import (
    bootstrap_model,
    catalogue_training_set,
    kind_examples,
    load_catalogue,
    new_model_version,
    response_doc,
    response_segments,
    save_model,
    train_model,
)
from store import db, effective, transcripts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainReport:
    version: str
    path: Path
    store_labels: int
    catalogue_examples: int
    cv_accuracy: float | None
    cv_folds: int
    class_counts: dict[str, int]


def train(cfg: Config) -> TrainReport:
    cat = load_catalogue(cfg.objections_path)
    docs, labels = catalogue_training_set(cat)
    n_catalogue = len(docs)
    calls = _StoredCalls(cfg.db_path)
    store_docs, store_labels = labelled_answers(cfg.db_path, calls)
    docs += store_docs
    labels += store_labels
    counts = Counter(labels)
    if len(counts) < 2:
        raise CallQAError("Not enough labelled answers to train: need at least two handling classes.")
    accuracy, folds = cross_validated_accuracy(docs, labels)
    model = train_model(docs, labels, new_model_version())
    turns = labelled_turns(cfg.db_path, calls)
    model = replace(model, turns=objection_model.train(kind_examples(cat), turns, model.version),
                    value=bootstrap_model(cat).value)
    path = save_model(model, cfg.home, meta={"store_labels": len(store_docs), "catalogue": cat.version,
                                             "cv_accuracy": accuracy})
    log.info("trained %s on %d answers (cv accuracy %s) and %d labelled objection turns",
             model.version, len(docs), accuracy, len(turns))
    return TrainReport(model.version, path, len(store_docs), n_catalogue, accuracy, folds, dict(counts))


def labelled_turns(db_path, calls: _StoredCalls) -> tuple[tuple[str, str], ...]:
    """(client turn doc, kind) for every objection the РОП labelled, read from stored text."""
    out = []
    for call_id, segment_idx, kind in effective.labelled_objection_kinds(db_path):
        segs = calls.segments(call_id)
        seg = next((s for s in segs if s.idx == segment_idx), None)
        if seg is not None and seg.text.strip():
            out.append((text_doc(seg.lemmas, seg.text), kind))
    return tuple(out)


def labelled_answers(db_path, calls: _StoredCalls) -> tuple[list[str], list[str]]:
    """(answer doc, handling) for every labelled objection in the store."""
    docs, out = [], []
    for call_id, segment_idx, handling, kind in effective.labelled_handlings(db_path):
        segs = calls.segments(call_id)
        pos = next((i for i, s in enumerate(segs) if s.idx == segment_idx), None)
        if pos is None:
            continue
        doc = response_doc(response_segments(segs, pos), segs[pos], kind or "")
        if doc.split():  # an unanswered objection is "ignored" by rule, nothing to learn
            docs.append(doc)
            out.append(handling)
    return docs, out


class _StoredCalls:
    """The stored transcripts of labelled calls, read from the store once for both trainers."""

    def __init__(self, db_path):
        self._db_path, self._rows = db_path, None

    def segments(self, call_id: str) -> list:
        """The call's segments in time order, rebuilt exactly as scoring sees them."""
        if self._rows is None:
            self._rows = transcripts.stored_segments(self._db_path)
        transcript, _ = stored_transcript(self._rows.get(call_id, []))
        return sorted(transcript.segments, key=lambda s: (s.start_s, s.idx))


def cross_validated_accuracy(docs: list[str], labels: list[str]) -> tuple[float | None, int]:
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from scoring.objections import make_pipeline

    folds = min(5, min(Counter(labels).values()))
    if folds < 2:
        return None, 0
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return float(cross_val_score(make_pipeline(), docs, labels, cv=cv).mean()), folds


@dataclass(frozen=True, slots=True)
class CriteriaReport:
    version: str | None  # None: no criterion had enough examples, nothing saved
    path: Path | None
    overrides: int
    reviewed_calls: int
    criteria: list[corrections.CriterionReport]

    def accuracy(self) -> tuple[float | None, float | None, int]:
        """Rules alone vs rules + models over every example (cross-validated where trained)."""
        n = sum(r.examples for r in self.criteria)
        if not n:
            return None, None, 0
        rules = sum(r.rules_accuracy * r.examples for r in self.criteria) / n
        model = sum((r.model_accuracy if r.model_accuracy is not None else r.rules_accuracy) * r.examples
                    for r in self.criteria) / n
        return rules, model, n


def train_criteria(cfg: Config) -> CriteriaReport:
    """Fit the correction models from the store; the previous model file is kept."""
    from scoring import Scorer
    from scoring.scorer import call_context

    overrides = db.query_rows(cfg.db_path, effective.latest_overrides(columns="call_id, criterion_id, verdict"))
    reviewed = {r[0] for r in db.query_rows(
        cfg.db_path, "SELECT DISTINCT call_id FROM review_events WHERE kind = 'reviewed' AND call_id IS NOT NULL")}
    gold: dict[str, dict[str, str]] = {}
    for call_id, criterion_id, verdict in overrides:
        gold.setdefault(call_id, {})[criterion_id] = verdict
    wanted = set(gold) | reviewed
    examples: list[corrections.Example] = []
    if wanted:
        scorer = Scorer(cfg)
        segments = transcripts.stored_segments(cfg.db_path)
        for call in transcripts.stored_calls(cfg.db_path):
            if call.call_id not in wanted:
                continue
            transcript, _ = stored_transcript(segments.get(call.call_id, []))
            meta = CallMeta(direction=call.direction)
            rubric = scorer.rubric_for(meta, call.team)
            ctx, early = call_context(transcript, meta, call.duration_s or 0.0, call.channels or 2,
                                      rubric, scorer.catalogue, scorer.model)
            if ctx is not None:
                examples += corrections.call_examples(rubric, ctx, gold.get(call.call_id, {}),
                                                      confirmed=call.call_id in reviewed)
    models, reports = corrections.train_models(examples)
    path = None
    if models.models:
        path = corrections.save(models, cfg.home, meta={
            "examples": len(examples), "criteria": {r.criterion_id: [r.rules_accuracy, r.model_accuracy]
                                                    for r in reports}})
        log.info("trained %s: %s", models.version, ", ".join(models.models))
    return CriteriaReport(models.version if path else None, path, len(overrides), len(reviewed), reports)
