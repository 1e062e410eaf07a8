"""Re-score every stored call from stored lemmas (no ASR, no spaCy) under a rubric version.

Old versions' results are kept (rows are keyed by rubric_version); the new version becomes
current; the report counts the criteria whose verdict flipped against the previous version.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import types
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from core.config import Config
from core.errors import CallQAError
from core.types import CallMeta, Segment, Transcript
from pipeline.assemble import register_rubrics
from scoring import Scorer, load_rubric
from store import rubrics, transcripts, writes
from store.transcripts import StoredSegment

log = logging.getLogger(__name__)

BATCH_CALLS = 500  # calls per writer transaction: short locks, few round trips
PARALLEL_MIN_CALLS = 2000  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True, slots=True)
class RescoreReport:
    rubric_id: str
    old_version: str | None
    new_version: str
    calls: int
    flips: int
    flips_by_criterion: dict[str, int] = field(default_factory=dict)
    nlp_fallback_segments: int = 0  # segments stored without lemmas (lemmatised now)
    wall_s: float = 0.0

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.wall_s if self.wall_s > 0 else 0.0


def rescore(cfg: Config, rubric_path: str | Path | None = None, batch_size: int = BATCH_CALLS,
            workers: int | None = None) -> RescoreReport:
    """Re-evaluate every stored call; with ``rubric_path`` that rubric is used for all calls.

    Scoring runs in ``workers`` processes (default: one per CPU core, up to 4, for 2,000 calls
    or more); this process reads the store and writes each batch in one transaction, in order,
    so the result is the same whatever the number of workers."""
    t0 = time.monotonic()
    scorer = _scorer(cfg, rubric_path)
    rubric = scorer.default
    old = rubrics.current_version(cfg.db_path, rubric.rubric_id)
    register_rubrics(cfg.db_path, scorer)
    calls = transcripts.stored_calls(cfg.db_path)
    segments = transcripts.stored_segments(cfg.db_path)
    batches = [[(call, segments.get(call.call_id, [])) for call in calls[start:start + batch_size]]
               for start in range(0, len(calls), batch_size)]
    n_workers = workers if workers is not None else (
        min(os.cpu_count() or 1, 4) if len(calls) >= PARALLEL_MIN_CALLS else 1)
    fallback = 0
    done = 0
    for scores, n_missing in _scored_batches(cfg, rubric_path, scorer, batches, n_workers):
        writes.write_scores(cfg.db_path, scores)
        fallback += n_missing
        done += len(scores)
        log.info("rescored %d/%d calls", done, len(calls))
    flips = rubrics.diff_versions(cfg.db_path, old, rubric.version) if old and old != rubric.version else pd.DataFrame()
    by_criterion = dict(Counter(flips["criterion_id"])) if len(flips) else {}
    return RescoreReport(rubric.rubric_id, old, rubric.version, len(calls), len(flips), by_criterion,
                         fallback, time.monotonic() - t0)


def _scorer(cfg: Config, rubric_path: str | Path | None) -> Scorer:
    scorer = Scorer(cfg)
    if rubric_path is not None:
        scorer.default = load_rubric(rubric_path)
        scorer.by_direction, scorer.by_team = {}, {}
    return scorer


def _scored_batches(cfg, rubric_path, scorer, batches, n_workers):
    """(scores, segments without stored lemmas) per batch, in batch order."""
    if n_workers <= 1 or len(batches) < 2:
        for batch in batches:
            yield _score_batch(scorer, batch)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: this process has used DuckDB (threads), a forked child must not inherit them
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(n_workers, mp_context=context, initializer=_init_worker,
                             initargs=(cfg, rubric_path)) as pool:
        with _plain_main():  # map() submits every batch (and starts the workers) right here
            results = pool.map(_score_batch_in_worker, batches)
        yield from results


@contextmanager
def _plain_main():
    """A spawned worker re-runs the parent's ``__main__`` file before anything else; when that is
    a generated script (Streamlit's AppTest, a notebook) it fails there. The workers need nothing
    from ``__main__``, so they are started while an empty module stands in for it."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


_WORKER_SCORER: Scorer | None = None


def _init_worker(cfg: Config, rubric_path) -> None:
    global _WORKER_SCORER
    _WORKER_SCORER = _scorer(cfg, rubric_path)


def _score_batch_in_worker(batch):
    assert _WORKER_SCORER is not None
    return _score_batch(_WORKER_SCORER, batch)


def _score_batch(scorer: Scorer, batch) -> tuple[list, int]:
    scores, fallback = [], 0
    for call, rows in batch:
        transcript, n_missing = stored_transcript(rows)
        if call.language:  # the detected language, so a non-Russian call stays not applicable
            transcript = replace(transcript, language=call.language)
        fallback += n_missing
        meta = CallMeta(direction=call.direction)
        scores.append((call.call_id, scorer.score(transcript, meta, call.duration_s or 0.0,
                                                  call.channels or 2, team=call.team)))
    return scores, fallback


def stored_transcript(rows: list[StoredSegment]) -> tuple[Transcript, int]:
    """A call's transcript from its stored segments, and how many of them had no stored lemmas
    (lemmatised now)."""
    from scoring.text import lemmatize

    segs, missing = [], 0
    for r in rows:
        if r.lemmas:
            lem = tuple(r.lemmas.split(" "))
        elif r.text.strip():
            lem, missing = lemmatize(r.text), missing + 1
        else:
            lem = ()
        segs.append(Segment(r.idx, r.speaker, r.start_s, r.end_s, r.text, r.channel, lem,
                            r.avg_logprob, r.no_speech_prob, bool(r.low_confidence), r.call_id))
    return Transcript(tuple(segs)), missing


def swap_roles(cfg: Config, user, call_id: str):
    """The РОП / owner swaps manager and client in a call: the stored segments swap speakers
    and the call is re-scored at once with the swapped transcript (same rubric choice as the
    batch: the call's team / direction). Audited as a ``swap_roles`` review event; the
    segments stay swapped, so `callqa rescore` keeps the swap. Returns the new score."""
    from store import review

    review.require_role_swapper(user)
    call = transcripts.stored_call(cfg.db_path, call_id)
    if call is None:
        raise CallQAError(f"Call {call_id} is not in the store; reload the calls list.")
    was_swapped = review.roles_swapped(cfg.db_path, call_id)
    transcript, _ = stored_transcript(transcripts.stored_segments(cfg.db_path, call_id).get(call_id, []))
    swap = {"manager": "client", "client": "manager"}
    transcript = replace(transcript, segments=tuple(
        replace(s, speaker=swap.get(s.speaker, s.speaker)) for s in transcript.segments))
    scorer = Scorer(cfg)
    register_rubrics(cfg.db_path, scorer)
    score = scorer.score(transcript, CallMeta(direction=call.direction), call.duration_s or 0.0,
                         call.channels or 2, team=call.team)
    review.swap_roles(cfg.db_path, user, call_id, score, was_swapped)
    return score
