"""Re-score every stored call from stored lemmas (no ASR, no spaCy) under a rubric version.

Old versions' results are kept (rows are keyed by rubric_version); the new version becomes
current; the report counts the criteria whose verdict flipped against the previous version.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.config import Config
from core.types import CallMeta, CallScore, Segment, Transcript
from scoring import Scorer, load_rubric
from store import db, writes
from store.writes import CRITERION_COLUMNS, OBJECTION_COLUMNS

log = logging.getLogger(__name__)

BATCH_CALLS = 500  # calls per writer transaction: short locks, few round trips


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


def rescore(cfg: Config, rubric_path: str | Path | None = None, batch_size: int = BATCH_CALLS) -> RescoreReport:
    """Re-evaluate every stored call; with ``rubric_path`` that rubric is used for all calls."""
    t0 = time.monotonic()
    scorer = Scorer(cfg)
    if rubric_path is not None:
        scorer.default = load_rubric(rubric_path)
        scorer.by_direction, scorer.by_team = {}, {}
    rubric = scorer.default
    old = current_version(cfg.db_path, rubric.rubric_id)
    with db.writer(cfg.db_path) as con:
        for rubric_id, version, text in scorer.rubric_versions():
            writes.register_rubric_version(con, rubric_id, version, text)
    calls = _stored_calls(cfg.db_path)
    segments = _stored_segments(cfg.db_path)
    fallback = 0
    for start in range(0, len(calls), batch_size):
        batch = calls[start:start + batch_size]
        scores = []
        for call_id, direction, duration_s, channels, team in batch:
            transcript, n_missing = _transcript(segments.get(call_id, []))
            fallback += n_missing
            meta = CallMeta(direction=direction)
            scores.append((call_id, scorer.score(transcript, meta, duration_s or 0.0, channels or 2, team=team)))
        write_scores(cfg.db_path, scores)
        log.info("rescored %d/%d calls", start + len(batch), len(calls))
    flips = diff_versions(cfg.db_path, old, rubric.version) if old and old != rubric.version else pd.DataFrame()
    by_criterion = dict(Counter(flips["criterion_id"])) if len(flips) else {}
    return RescoreReport(rubric.rubric_id, old, rubric.version, len(calls), len(flips), by_criterion,
                         fallback, time.monotonic() - t0)


def current_version(db_path, rubric_id: str) -> str | None:
    rows = db.query_rows(db_path, "SELECT version FROM rubric_versions WHERE rubric_id = ? AND is_current", [rubric_id])
    return rows[0][0] if rows else None


def diff_versions(db_path, old: str, new: str) -> pd.DataFrame:
    """Criteria whose verdict differs between two rubric versions (calls scored under both)."""
    return db.query_df(
        db_path,
        """
        SELECT o.call_id, o.criterion_id, o.verdict AS old_verdict, n.verdict AS new_verdict,
               o.reason AS old_reason, n.reason AS new_reason, c.manager_id, c.started_at
        FROM criterion_results o
        JOIN criterion_results n
          ON n.call_id = o.call_id AND n.criterion_id = o.criterion_id AND n.rubric_version = ?
        LEFT JOIN calls c ON c.call_id = o.call_id
        WHERE o.rubric_version = ? AND o.verdict <> n.verdict
        ORDER BY o.criterion_id, o.call_id
        """,
        [new, old],
    )


def resolve_version(db_path, prefix: str) -> str:
    """Full version hash from a unique prefix (users type the first 8–12 hex digits)."""
    from core.errors import RubricError

    rows = db.query_rows(db_path, "SELECT DISTINCT version FROM rubric_versions WHERE version LIKE ?", [prefix + "%"])
    if len(rows) != 1:
        known = [r[0][:12] for r in db.query_rows(db_path, "SELECT version FROM rubric_versions ORDER BY loaded_at")]
        what = "matches no" if not rows else "matches several"
        raise RubricError(f"Version '{prefix}' {what} stored rubric version. Known: {', '.join(known) or 'none'}.")
    return rows[0][0]


# --- store I/O ---------------------------------------------------------------------------

def _stored_calls(db_path) -> list[tuple]:
    return db.query_rows(
        db_path,
        """SELECT c.call_id, c.direction, c.duration_s, c.channels, m.team
           FROM calls c LEFT JOIN managers m ON m.manager_id = c.manager_id
           ORDER BY c.started_at NULLS LAST, c.call_id""",  # results stay in time order on disk
    )


def _stored_segments(db_path) -> dict[str, list[tuple]]:
    rows = db.query_rows(
        db_path,
        """SELECT call_id, idx, speaker, channel, start_s, end_s, text, lemmas, avg_logprob,
                  no_speech_prob, low_confidence FROM segments ORDER BY call_id, idx""",
    )
    out: dict[str, list[tuple]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def _transcript(rows: list[tuple]) -> tuple[Transcript, int]:
    from scoring.text import lemmatize

    segs, missing = [], 0
    for call_id, idx, speaker, channel, start, end, text, lemmas, lp, nsp, low in rows:
        if lemmas:
            lem = tuple(lemmas.split(" "))
        elif text.strip():
            lem, missing = lemmatize(text), missing + 1
        else:
            lem = ()
        segs.append(Segment(idx, speaker, start, end, text, channel, lem, lp, nsp, bool(low), call_id))
    return Transcript(tuple(segs)), missing


def write_scores(db_path, scores: list[tuple[str, CallScore]]) -> None:
    """Bulk version of store.writes.write_score for many calls in one transaction."""
    if not scores:
        return
    frames = _frames(scores)
    ids = pd.DataFrame({"call_id": [cid for cid, _ in scores],
                        "rubric_version": [s.rubric_version for _, s in scores]})
    with db.writer(db_path) as con:
        con.register("ids_df", ids)
        for table in ("call_scores", "criterion_results", "objections"):
            con.execute(f"DELETE FROM {table} t USING ids_df i WHERE t.call_id = i.call_id AND t.rubric_version = i.rubric_version")
        con.execute("DELETE FROM call_metrics t USING ids_df i WHERE t.call_id = i.call_id")
        for table, frame in frames.items():
            if len(frame):
                con.register("frame_df", frame)
                cols = ", ".join(frame.columns)
                if table == "call_metrics":
                    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM frame_df")
                else:  # result rows carry the call's start time (migration 002)
                    picked = ", ".join(f"f.{c}" for c in frame.columns)
                    con.execute(f"INSERT INTO {table} ({cols}, started_at) SELECT {picked}, c.started_at"
                                " FROM frame_df f LEFT JOIN calls c ON c.call_id = f.call_id")
                con.unregister("frame_df")
        con.unregister("ids_df")


def _frames(scores: list[tuple[str, CallScore]]) -> dict[str, pd.DataFrame]:
    call_rows, crit_rows, obj_rows, metric_rows = [], [], [], []
    for cid, s in scores:
        v = s.rubric_version
        call_rows.append((cid, s.rubric_id, v, s.score_pct, s.points, s.max_points,
                          ",".join(s.fatal_failed) or None, s.applicable, s.uncertain, s.call_type))
        for c in s.criteria:
            e = c.evidence
            crit_rows.append((cid, v, c.criterion_id, c.stage, c.title, c.verdict, c.points,
                              c.max_points, c.fatal, c.confidence, c.reason,
                              e.segment_idx if e else None, e.start_s if e else None,
                              e.end_s if e else None, e.quote if e else None))
        for n, o in enumerate(s.objections):
            obj_rows.append((cid, v, n, o.kind, o.segment_idx, o.start_s, o.quote, o.handling,
                             o.response_idx, o.response_quote, o.confidence, _json(o.rule_hits)))
        m = s.metrics
        metric_rows.append((cid, m.manager_talk_ratio, m.longest_manager_monologue_s,
                            m.manager_questions, m.manager_questions_per_min, m.interruptions,
                            m.overlap_s, m.silence_share, m.longest_silence_s, m.patience_s,
                            m.manager_words_per_min, m.client_words_per_min))
    return {
        "call_scores": pd.DataFrame(call_rows, columns=[
            "call_id", "rubric_id", "rubric_version", "score_pct", "points", "max_points",
            "fatal_failed", "applicable", "uncertain", "call_type"]),
        "criterion_results": pd.DataFrame(crit_rows, columns=list(CRITERION_COLUMNS[:-1])),
        "objections": pd.DataFrame(obj_rows, columns=list(OBJECTION_COLUMNS[:-1])),
        "call_metrics": pd.DataFrame(metric_rows, columns=[
            "call_id", "manager_talk_ratio", "longest_manager_monologue_s", "manager_questions",
            "manager_questions_per_min", "interruptions", "overlap_s", "silence_share",
            "longest_silence_s", "patience_s", "manager_words_per_min", "client_words_per_min"]),
    }


def _json(items) -> str:
    import json

    return json.dumps(list(items), ensure_ascii=False)
