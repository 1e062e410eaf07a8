"""Scoring throughput: full NLP path vs stored-lemma path (same run), and re-scoring of
10,000 stored calls in a DuckDB file (target ≤ 60 s on 2 cores).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/scoring.py [--calls 2000] [--stored 10000]
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

import scoring  # noqa: E402
from bench.demo_calls import load_demo_calls  # noqa: E402
from core.config import load_config  # noqa: E402
from pipeline.rescore import rescore  # noqa: E402
from scoring import text  # noqa: E402
from store import db, writes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--stored", type=int, default=10_000)
    args = ap.parse_args()
    demo = load_demo_calls()
    if not demo:
        sys.exit("no demo transcripts in data/demo/transcripts; generate them first")
    home = Path(tempfile.mkdtemp(prefix="callqa-bench-"))
    atexit.register(shutil.rmtree, home, True)  # a bench leaves no store behind
    cfg = load_config(overrides={"paths.home": str(home)})
    scorer = scoring.Scorer(cfg)
    calls = [demo[i % len(demo)] for i in range(args.calls)]
    print(f"{len(demo)} demo transcripts, {args.calls} calls, "
          f"{sum(len(c.transcript.segments) for c in calls) / len(calls):.0f} segments/call")

    text.lemma.cache_clear()  # the NLP path pays for lemmatisation (cache warms up as in a batch)
    t0 = time.perf_counter()
    prepared = []
    for c in calls:
        t = scoring.prepare_transcript(c.transcript)
        prepared.append(t)
        scorer.score(t, c.meta, c.duration_s, c.channels, team=c.team)
    nlp_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for c, t in zip(calls, prepared, strict=True):
        scorer.score(t, c.meta, c.duration_s, c.channels, team=c.team)
    lemma_s = time.perf_counter() - t0
    print(f"full NLP path      : {args.calls / nlp_s:8.0f} calls/s ({nlp_s:.1f} s)")
    print(f"stored-lemma path  : {args.calls / lemma_s:8.0f} calls/s ({lemma_s:.1f} s)")
    print(f"ratio stored/NLP   : {nlp_s / lemma_s:8.1f}x")

    _fill_store(cfg, scorer, demo, args.stored)
    report = rescore(cfg)
    print(f"rescore {report.calls} stored calls: {report.wall_s:.1f} s "
          f"({report.calls_per_s:.0f} calls/s; target ≤ 60 s) · NLP fallbacks {report.nlp_fallback_segments}")


def _fill_store(cfg, scorer, demo, n: int) -> None:
    """n calls (demo transcripts repeated under new ids) with lemmas, written in bulk."""
    t0 = time.perf_counter()
    prepared = [(c, scoring.prepare_transcript(c.transcript)) for c in demo]
    call_rows, seg_rows = [], []
    for i in range(n):
        c, t = prepared[i % len(prepared)]
        cid = f"bench{i:06d}"
        call_rows.append((cid, c.meta.started_at, c.meta.direction, c.manager_id, c.duration_s, c.channels, "import"))
        for s in t.segments:
            seg_rows.append((cid, s.idx, s.speaker, s.channel, s.start_s, s.end_s, s.text, " ".join(s.lemmas),
                             s.avg_logprob, s.no_speech_prob, s.low_confidence))
    calls_df = pd.DataFrame(call_rows, columns=["call_id", "started_at", "direction", "manager_id", "duration_s", "channels", "source"])
    segs_df = pd.DataFrame(seg_rows, columns=["call_id", "idx", "speaker", "channel", "start_s", "end_s", "text",
                                              "lemmas", "avg_logprob", "no_speech_prob", "low_confidence"])
    with db.writer(cfg.db_path) as con:
        for rid, version, yaml_text in scorer.rubric_versions():
            writes.register_rubric_version(con, rid, version, yaml_text)
        con.register("calls_df", calls_df)
        con.execute("INSERT INTO calls (call_id, started_at, direction, manager_id, duration_s, channels, source) SELECT * FROM calls_df")
        con.register("segs_df", segs_df)
        con.execute("INSERT INTO segments SELECT * FROM segs_df")
    print(f"stored {n} calls / {len(seg_rows)} segments in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
