"""Score one call against a rubric: the public entry of the scoring stage."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import Config
from core.types import CallMeta, CallScore, CriterionResult, Transcript
from scoring import corrections as corrections_mod
from scoring import criteria, examples, text
from scoring.call_type import SALES, classify_call
from scoring.corrections import CorrectionModels
from scoring.matcher import SegmentWords
from scoring.metrics import compute_metrics
from scoring.objections import (
    Catalogue,
    HandlingModel,
    detect_objections,
    load_catalogue,
    load_handling_model,
)
from scoring.rubric import Rubric, load_rubric

log = logging.getLogger(__name__)

FATAL_CONFIDENCE = 0.9  # a fatal fail zeroes the score only this sure (docs/scoring.md)


class Scorer:
    """Loads rubrics, the objection catalogue and the handling model once; scores many calls."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.default = load_rubric(cfg.rubric_path)
        self.by_direction = {k: _load(v) for k, v in (cfg["scoring.rubrics_by_direction"] or {}).items()}
        self.by_team = {k: _load(v) for k, v in (cfg["scoring.rubrics_by_team"] or {}).items()}
        self.catalogue = load_catalogue(cfg.objections_path)
        self.model = load_handling_model(cfg.home, self.catalogue)
        self.known_names = known_names(getattr(cfg, "values", {}).get("asr.vocabulary"))
        self.example_similarity = float(cfg["scoring.example_similarity"])
        self.corrections = corrections_mod.load(cfg.home, bootstrap=bool(cfg["scoring.bootstrap_models"]))
        self.min_confidence = float(cfg["scoring.min_confidence"] or 0.0)
        log.info("scorer ready: rubric %s (%s), handling model %s, criterion models %s", self.default.rubric_id,
                 self.default.version[:12], self.model.version,
                 self.corrections.version if self.corrections else "none")

    def rubric_for(self, meta: CallMeta, team: str | None = None) -> Rubric:
        if team and team in self.by_team:
            return self.by_team[team]
        if meta.direction and meta.direction in self.by_direction:
            return self.by_direction[meta.direction]
        return self.default

    def score(self, transcript: Transcript, meta: CallMeta, duration_s: float, channels: int,
              team: str | None = None) -> CallScore:
        rubric = self.rubric_for(meta, team)
        return score_call(transcript, meta, duration_s, channels, rubric, self.catalogue, self.model,
                          self.corrections.for_rubric(rubric.rubric_id) if self.corrections else None,
                          self.min_confidence,
                          known_names=self.known_names, example_similarity=self.example_similarity)

    def rubric_versions(self) -> list[tuple[str, str, str]]:
        seen: dict[str, Rubric] = {}
        for r in (self.default, *self.by_direction.values(), *self.by_team.values()):
            seen.setdefault(r.version, r)
        return [(r.rubric_id, r.version, r.yaml_text) for r in seen.values()]


def _load(path: str) -> Rubric:
    return load_rubric(Path(path))


def known_names(vocabulary) -> tuple[tuple[str, ...], ...]:
    """The names in the company vocabulary (``asr.vocabulary``) as lemma sequences: the terms
    written with a capital letter («Окна Комфорт», «Rehau», «ул. Ленина»); lower-case terms
    («скидка», «замер») only help the recogniser."""
    from transcribe.base import vocabulary_terms

    return tuple(lem for term in vocabulary_terms(vocabulary or [])
                 if term[:1].isupper() and (lem := tuple(w for w in text.lemmatize(term) if w != "?")))


def score_call(transcript: Transcript, meta: CallMeta, duration_s: float, channels: int,
               rubric: Rubric, catalogue: Catalogue, model: HandlingModel,
               corrections: CorrectionModels | None = None, min_confidence: float = 0.0,
               known_names: tuple[tuple[str, ...], ...] = (),
               example_similarity: float = examples.DEFAULT_SIMILARITY) -> CallScore:
    """Verdicts, objections and metrics of one call. Uses stored lemmas when present.

    ``corrections`` (per-criterion models learned from the РОП) replace rule verdicts where they
    exist; a pass/fail verdict less sure than ``min_confidence`` becomes ``insufficient``;
    ``known_names`` (see :func:`known_names`) are the company's brand names."""
    ctx, early = call_context(transcript, meta, duration_s, channels, rubric, catalogue, model,
                              known_names, example_similarity)
    if early is not None:
        return early
    results = criteria.abstain_below(criteria.evaluate(rubric, ctx, corrections), min_confidence)
    uncertain = "low_confidence" in transcript.flags or any(r.verdict == "insufficient" for r in results)
    return _score(rubric, results, ctx.objections, ctx.metrics, uncertain=uncertain)


def call_context(transcript: Transcript, meta: CallMeta, duration_s: float, channels: int,
                 rubric: Rubric, catalogue: Catalogue, model: HandlingModel,
                 known_names: tuple[tuple[str, ...], ...] = (),
                 example_similarity: float = examples.DEFAULT_SIMILARITY,
                 ) -> tuple[criteria.CallContext | None, CallScore | None]:
    """What criteria look at, or the finished score of a call that is not assessed."""
    segments = sorted(
        (text.segment_with_lemmas(s) for s in transcript.segments if s.text.strip()),
        key=lambda s: (s.start_s, s.idx),
    )
    words = tuple(SegmentWords.of(s) for s in segments)
    metrics = compute_metrics(transcript, duration_s, channels)
    call_type = classify_call(words, transcript, duration_s, channels, rubric.not_applicable_phrases)
    if not call_type.applicable:
        return None, _score(rubric, criteria.not_applicable_all(rubric, call_type.reason_ru), (), metrics,
                            applicable=False, call_type=call_type.kind)
    if not any(w.segment.speaker == "manager" for w in words if w.words):
        reason = "Роли не определены: нет канала менеджера, оценка невозможна"
        return None, _score(rubric, criteria.insufficient_all(rubric, reason), (), metrics, uncertain=True)
    objections = detect_objections(list(words), catalogue, model, example_similarity)
    classifiers = {"value_statement": model.value} if model.value is not None else {}
    return criteria.CallContext(words, meta, metrics, objections, channels, known_names,
                                example_similarity, classifiers), None


def zeroes_score(rubric: Rubric, r: CriterionResult) -> bool:
    """A fatal fail zeroes the score only when it is sure: confidence ≥ FATAL_CONFIDENCE (a
    word form of the `none` list found in the manager's own speech, never a loosened lemma or a
    learned guess). A less sure one fails the criterion and marks the call for the РОП."""
    if not (r.fatal and r.verdict == "fail" and r.confidence >= FATAL_CONFIDENCE):
        return False
    c = next((c for c in rubric.criteria if c.id == r.criterion_id), None)
    return c is not None and c.speaker == "manager"


def _score(rubric: Rubric, results: tuple[CriterionResult, ...], objections, metrics,
           applicable: bool = True, uncertain: bool = False, call_type: str = SALES) -> CallScore:
    points = sum(r.points for r in results)
    max_points = sum(r.max_points for r in results)
    fatal_failed = tuple(r.criterion_id for r in results if zeroes_score(rubric, r))
    if any(r.fatal and r.verdict == "fail" and r.criterion_id not in fatal_failed for r in results):
        uncertain = True  # a fatal error the РОП must confirm before it counts
    score_pct = round(100.0 * points / max_points, 1) if applicable and max_points > 0 else None
    if fatal_failed and rubric.fatal_policy == "zero" and score_pct is not None:
        score_pct, points = 0.0, 0.0
    return CallScore(
        rubric_id=rubric.rubric_id, rubric_version=rubric.version, score_pct=score_pct,
        points=points, max_points=max_points, criteria=results, objections=objections,
        metrics=metrics, fatal_failed=fatal_failed, applicable=applicable, uncertain=uncertain,
        call_type=call_type,
    )
