"""`callqa train`: retrain the objection-handling classifier from the РОП's labels.

Training data = the catalogue's example answers + every labelled objection in the store
(latest label per call and segment wins); the answer text is rebuilt from stored lemmas
exactly as scoring sees it. The model is saved versioned in <home>/models/ with a pointer.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.config import Config
from core.errors import CallQAError
from pipeline.rescore import stored_transcript
from scoring.objections import (
    catalogue_training_set,
    load_catalogue,
    new_model_version,
    response_doc,
    response_segments,
    save_model,
    train_model,
)
from store import effective, transcripts

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
    store_docs, store_labels = labelled_answers(cfg.db_path)
    docs += store_docs
    labels += store_labels
    counts = Counter(labels)
    if len(counts) < 2:
        raise CallQAError("Not enough labelled answers to train: need at least two handling classes.")
    accuracy, folds = cross_validated_accuracy(docs, labels)
    model = train_model(docs, labels, new_model_version())
    path = save_model(model, cfg.home, meta={"store_labels": len(store_docs), "catalogue": cat.version,
                                             "cv_accuracy": accuracy})
    log.info("trained %s on %d answers (cv accuracy %s)", model.version, len(docs), accuracy)
    return TrainReport(model.version, path, len(store_docs), n_catalogue, accuracy, folds, dict(counts))


def labelled_answers(db_path) -> tuple[list[str], list[str]]:
    """(answer lemma string, handling) for every labelled objection in the store."""
    labels = effective.labelled_handlings(db_path)
    if not labels:
        return [], []
    segments = transcripts.stored_segments(db_path)
    docs, out = [], []
    for call_id, segment_idx, handling in labels:
        transcript, _ = stored_transcript(segments.get(call_id, []))
        segs = sorted(transcript.segments, key=lambda s: (s.start_s, s.idx))
        pos = next((i for i, s in enumerate(segs) if s.idx == segment_idx), None)
        if pos is None:
            continue
        doc = response_doc(response_segments(segs, pos))
        if doc.split():  # an unanswered objection is "ignored" by rule, nothing to learn
            docs.append(doc)
            out.append(handling)
    return docs, out


def cross_validated_accuracy(docs: list[str], labels: list[str]) -> tuple[float | None, int]:
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from scoring.objections import make_pipeline

    folds = min(5, min(Counter(labels).values()))
    if folds < 2:
        return None, 0
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return float(cross_val_score(make_pipeline(), docs, labels, cv=cv).mean()), folds
