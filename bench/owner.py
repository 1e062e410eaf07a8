"""Owner-view benchmark: every query behind «Контроль РОП» / the weekly digest on a big store.

Generates a temporary DuckDB store with bulk ``INSERT … SELECT FROM range(N)``: N calls (one
every 30 s, so 1M calls span about a year), 30 segments per call (narrow), scores, 10
criterion results per call, one objection per call, 3 review events per call by the РОП,
overrides, feedback, labels, training clips and the РОП's log. Then times each query of
store.owner_queries for the last full week (``--repeat`` runs on one read-only connection)
and the whole :func:`scoring.owner.owner_report`. Target: p95 ≤ 300 ms per query on 2 cores.

    .venv/bin/python bench/owner.py                 # 1M calls / 30M segments / 3M events
    .venv/bin/python bench/owner.py --calls 50000   # quick run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.owner import (  # noqa: E402
    LOOKBACK_DAYS,
    MONTH_DAYS,
    STREAK_LOOKBACK_DAYS,
    OwnerParams,
    Week,
    owner_report,
)
from store import db  # noqa: E402
from store import owner_queries as q  # noqa: E402

CRITERIA = ("greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
            "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness")
KINDS = ("price", "competitor_cheaper", "think_later", "no_time", "have_supplier", "send_offer", "need_consult")
HANDLING = ("value", "question", "discount", "ignored", "other")
START = datetime(2025, 1, 1)
STEP_S = 30
MANAGERS = 40


def _lst(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _cid(expr: str) -> str:
    return f"printf('%016x', {expr})"


def _at(expr: str) -> str:
    """started_at of call number ``expr``."""
    return f"(TIMESTAMP '{START:%Y-%m-%d}' + to_seconds(({expr}) * {STEP_S}))"


def generate(path: Path, n: int, segments: int, events_per_call: int) -> dict[str, float]:
    timings = {}
    steps = _steps(n, segments, events_per_call)
    db.init(path)
    with db.writer(path) as con:
        con.execute("SET preserve_insertion_order = false")
        for name, sql in steps:
            t = time.perf_counter()
            con.execute(sql)
            timings[name] = time.perf_counter() - t
            print(f"  {name:<18} {timings[name]:6.1f} s", flush=True)
    return timings


def _steps(n: int, segments: int, events_per_call: int) -> list[tuple[str, str]]:
    crit, kinds, handling = _lst(CRITERIA), _lst(KINDS), _lst(HANDLING)
    fb_every = 20  # one feedback per 20 calls, one override per 10, one label per 20
    return [
        ("reference", f"""
            INSERT INTO rubric_versions (rubric_id, version, yaml) VALUES ('default', 'v1', 'id: default');
            INSERT INTO managers SELECT 'm' || i, 'Менеджер ' || i, (100 + i)::VARCHAR, 'Продажи', TRUE
                FROM range({MANAGERS}) t(i);
            INSERT INTO users (username, role, manager_id, password_hash) VALUES
                ('owner', 'owner', NULL, 'x'), ('rop', 'head', NULL, 'x');
            INSERT INTO users SELECT 'u' || i, 'manager', 'm' || i, NULL, 'x', now() FROM range({MANAGERS}) t(i)"""),
        ("calls", f"""
            INSERT INTO calls (call_id, started_at, direction, manager_id, duration_s, channels, source)
            SELECT {_cid('i')}, {_at('i')}, CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END,
                   'm' || (i % {MANAGERS}), 60 + i % 600, 2, 'import' FROM range({n}) t(i)"""),
        ("segments", f"""
            INSERT INTO segments (call_id, idx, speaker, start_s, end_s, text)
            SELECT {_cid('i')}, j, CASE WHEN j % 2 = 0 THEN 'manager' ELSE 'client' END,
                   j * 4.0, j * 4.0 + 3.5, 'да' FROM range({n}) t(i), range({segments}) s(j)"""),
        ("call_scores", f"""
            INSERT INTO call_scores (call_id, rubric_id, rubric_version, score_pct)
            SELECT {_cid('i')}, 'default', 'v1', (i * 37) % 101 FROM range({n}) t(i)"""),
        ("criterion_results", f"""
            INSERT INTO criterion_results (call_id, rubric_version, criterion_id, verdict)
            SELECT {_cid('i')}, 'v1', {crit}[1 + j],
                   CASE WHEN (i * 7 + j * 3) % 5 < 2 THEN 'fail' ELSE 'pass' END
            FROM range({n}) t(i), range(10) s(j)"""),
        ("objections", f"""
            INSERT INTO objections (call_id, rubric_version, n, kind, segment_idx, handling)
            SELECT {_cid('i')}, 'v1', 1, {kinds}[1 + i % 7], 5, {handling}[1 + (i // 7) % 5]
            FROM range({n}) t(i)"""),
        ("review_events", f"""
            INSERT INTO review_events (event_id, username, call_id, kind, created_at, played_s)
            SELECT nextval('event_seq'), 'rop', {_cid('c')},
                   CASE WHEN e % 3 = 0 THEN 'opened' WHEN e % 3 = 1 THEN 'played' ELSE 'reviewed' END,
                   {_at('c')} + to_seconds(3600 * (1 + e % 3)),
                   CASE WHEN e % 3 = 1 THEN 5 + (c * 13) % 120 END
            FROM (SELECT e, (e // 3 * 7919 + e % 3) % {n} AS c
                  FROM range({n * events_per_call}) t(e))"""),
        ("overrides", f"""
            INSERT INTO overrides (call_id, criterion_id, verdict, username, created_at)
            SELECT {_cid('i * 10')}, {crit}[1 + i % 10], 'pass', 'rop', {_at('i * 10')} + INTERVAL 5 HOUR
            FROM range({n // 10}) t(i)"""),
        ("feedback", f"""
            INSERT INTO feedback (call_id, manager_id, criterion_id, objection_kind, text, username,
                                  created_at, acknowledged_at)
            SELECT {_cid(f'i * {fb_every}')}, 'm' || ((i * {fb_every}) % {MANAGERS}),
                   CASE WHEN i % 4 <> 0 THEN {crit}[1 + i % 10] END,
                   CASE WHEN i % 4 = 0 THEN 'price' END, 'Разбор', 'rop',
                   {_at(f'i * {fb_every}')} + INTERVAL 20 HOUR,
                   CASE WHEN i % 3 <> 0 THEN {_at(f'i * {fb_every}')} + INTERVAL 30 HOUR END
            FROM range({n // fb_every}) t(i)"""),
        ("labels", f"""
            INSERT INTO objection_labels (call_id, segment_idx, kind, handling, username, created_at)
            SELECT {_cid('i * 20 + 3')}, 5, NULL, 'value', 'rop', {_at('i * 20 + 3')} + INTERVAL 6 HOUR
            FROM range({n // 20}) t(i)"""),
        ("training", f"""
            INSERT INTO training_items (call_id, start_s, end_s, label, username, created_at)
            SELECT {_cid('i * 100')}, 10, 20, 'example', 'rop', {_at('i * 100')} + INTERVAL 7 HOUR
            FROM range({n // 100}) t(i)"""),
        ("head_log", f"""
            INSERT INTO head_log (kind, held_on, manager_id, note, username)
            SELECT CASE WHEN i % 3 = 0 THEN 'planning' WHEN i % 3 = 1 THEN 'one_to_one' ELSE 'training' END,
                   CAST({_at('0')} AS DATE) + CAST(i // 3 AS INTEGER),
                   CASE WHEN i % 3 = 1 THEN 'm' || (i % {MANAGERS}) END, '—', 'rop'
            FROM range(CAST({n} * {STEP_S} / 86400 * 3 AS BIGINT)) t(i)"""),
    ]


def queries(week: Week, params: OwnerParams) -> dict[str, tuple]:
    """Every query behind the owner page: name → (function, args after the connection)."""
    as_of, prev = week.end, week.previous()
    month = as_of - timedelta(days=MONTH_DAYS)
    look = as_of - timedelta(days=LOOKBACK_DAYS)
    w = params.coaching_window_calls
    return {
        "manager_week": (q.manager_week, week.start, week.end, as_of, params.low_score),
        "manager_week_prev": (q.manager_week, prev.start, prev.end, prev.end, params.low_score),
        "objection_week": (q.objection_week, week.start, week.end, as_of),
        "team_criterion_rates": (q.team_criterion_rates, week.start, week.end, as_of),
        "low_score_calls": (q.low_score_calls, week.start, week.end, as_of, params.low_score),
        "head_log_entries": (q.head_log_entries, month, as_of),
        "last_reviews_30d": (q.last_reviews, month, as_of),
        "last_reviews_nrd": (q.last_reviews, as_of - timedelta(days=params.no_review_days), as_of),
        "training_clips": (q.training_clips, month, as_of),
        "coaching_samples": (q.coaching_samples, look, as_of, w),
        "objection_coaching": (q.objection_coaching_samples, look, as_of, w),
        "fail_streaks": (q.fail_streaks, as_of - timedelta(days=STREAK_LOOKBACK_DAYS), as_of,
                         params.repeat_error_calls),
        "agreement_pairs": (q.agreement_pairs, look, as_of),
        "objection_agreement": (q.objection_agreement_pairs, look, as_of),
        "data_weeks": (q.data_weeks,),
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_queries(path: Path, week: Week, params: OwnerParams, repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with db.reader(path) as con:
        for name, (fn, *args) in queries(week, params).items():
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                fn(con, *args)
                runs.append(time.perf_counter() - t)
            out[name] = runs
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        owner_report(path, params, week)
        runs.append(time.perf_counter() - t)
    out["owner_report (all)"] = runs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--segments", type=int, default=30, help="segments per call")
    ap.add_argument("--events", type=int, default=3, help="РОП review events per call")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--target-ms", type=float, default=300.0)
    ap.add_argument("--keep", type=Path, help="write the store here and keep it")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="callqa-bench-owner-") as tmp:
        path = args.keep or Path(tmp) / "bench.duckdb"
        print(f"generating {args.calls:,} calls, {args.calls * args.segments:,} segments, "
              f"{args.calls * args.events:,} review events in {path}")
        t = time.perf_counter()
        generate(path, args.calls, args.segments, args.events)
        print(f"generated in {time.perf_counter() - t:.1f} s, {os.path.getsize(path) / 2**20:.0f} MiB")
        last = START + timedelta(seconds=STEP_S * (args.calls - 1))
        week = Week.containing(last).previous()  # the last full week
        print(f"week {week.label}, {args.repeat} runs per query, cpu_count={os.cpu_count()}")
        results = time_queries(path, week, OwnerParams(), args.repeat)

    print(f"\n{'query':<22} {'median ms':>10} {'p95 ms':>8}")
    worst = 0.0
    for name, runs in results.items():
        med, top = 1000 * statistics.median(runs), 1000 * p95(runs)
        if name != "owner_report (all)":
            worst = max(worst, top)
        print(f"{name:<22} {med:>10.0f} {top:>8.0f}")
    verdict = "OK" if worst <= args.target_ms else "OVER TARGET"
    print(f"\nworst per-query p95 {worst:.0f} ms (target {args.target_ms:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
