"""Benchmark of the queries behind «Контроль РОП» on large synthetic stores.

    .venv/bin/python bench/owner.py                          # 1M calls, 30M segments, 3M review events
    .venv/bin/python bench/owner.py --calls 100000           # a quick run (sizes scale with --calls)
    .venv/bin/python bench/owner.py --calls 1000000,10000000 # side by side (10M: a 500-operator year)

Generates a temporary DuckDB file per size with bulk ``INSERT … SELECT FROM range()`` (rows in
time order, as a real store fills; the rollups of store/rollups.py built after, as migration 010
builds them for an existing store), then times every query of the owner page (``--runs`` times
each) for a week in the middle of the history and prints median and p95 per query and for the
whole report, and for several sizes a table of them side by side. Target at 10M calls: p95 <=
300 ms per query and <= 1.5 s for the whole page on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from owner.report import LOOKBACK_DAYS, STREAK_LOOKBACK_DAYS, OwnerParams, Week, owner_report  # noqa: E402
from store import db, rollups  # noqa: E402
from store import owner_queries as q  # noqa: E402

START = datetime(2025, 1, 6)
DAYS = 700  # ~100 weeks of history
MANAGERS = 100
CRITERIA = ("greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
            "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness")
KINDS = ("price", "competitor_cheaper", "think_later", "no_time", "have_supplier", "send_offer", "need_consult")
HANDLINGS = ("value", "question", "discount", "ignored", "other")
# The РОП labels the objection of every 50th call he marks reviewed, at that moment (so the
# label changes no review day), with a handling or «не возражение» (a label of a turn).
LABELS_SQL = f"""INSERT INTO objection_labels (call_id, segment_idx, kind, handling, username, created_at,
                                          call_started_at, call_manager_id)
    SELECT e.call_id, o.segment_idx, o.kind, {list(HANDLINGS) + ["none"]}[(1 + hash(e.call_id || 'l') % 6)::BIGINT],
           e.username, e.created_at, e.call_started_at, e.call_manager_id
    FROM review_events e JOIN objections o ON o.call_id = e.call_id
    WHERE e.kind = 'reviewed' AND e.username = 'rop' AND hash(e.call_id || 'label') % 50 = 0
    ORDER BY e.created_at"""


def generate(path: Path, calls: int, segments_per_call: int, events_per_call: float,
             reviewed_share: float) -> dict[str, float]:
    """Fill a fresh store; returns seconds per table."""
    db.init(path)
    span_s = DAYS * 86400
    events = int(calls * events_per_call)
    per_session = max(3, round(events / max(1, calls * reviewed_share)))
    sessions = max(1, events // per_session)
    events = sessions * per_session
    timings = {}
    con = duckdb.connect(str(path))
    steps = {
        "managers": f"""INSERT INTO managers (manager_id, name, team)
            SELECT 'm' || i, 'Менеджер ' || i, 'team' || (i % 5) FROM range({MANAGERS}) t(i)""",
        "users": f"""INSERT INTO users (username, role, manager_id, password_hash)
            SELECT 'rop', 'head', NULL, 'x' UNION ALL SELECT 'boss', 'owner', NULL, 'x'
            UNION ALL SELECT 'u' || i, 'manager', 'm' || i, 'x' FROM range({MANAGERS}) t(i)""",
        "rubric_versions": """INSERT INTO rubric_versions (rubric_id, version, yaml, is_current)
            VALUES ('default', 'v1', '', TRUE)""",
        "calls": f"""INSERT INTO calls (call_id, started_at, direction, manager_id, duration_s, source)
            SELECT substr(sha256(i::VARCHAR), 1, 16),  -- like real ids: random, not time-ordered
                   TIMESTAMP '{START}' + to_seconds(i * {span_s} // {calls}),
                   CASE WHEN i % 3 = 0 THEN 'out' ELSE 'in' END,
                   'm' || (hash(i) % {MANAGERS}), 60 + hash(i) % 600, 'import'
            FROM range({calls}) t(i)""",
        "call_scores": """INSERT INTO call_scores (call_id, rubric_id, rubric_version, score_pct, points, max_points,
                                               started_at)
            SELECT call_id, 'default', 'v1', (hash(call_id) % 101)::DOUBLE, 0, 100, started_at FROM calls""",
        "criterion_results": f"""INSERT INTO criterion_results (call_id, rubric_version, criterion_id, verdict,
                                                     started_at)
            SELECT c.call_id, 'v1', cr.id,
                   CASE WHEN hash(c.call_id || cr.id) % 10 < 6 THEN 'pass'
                        WHEN hash(c.call_id || cr.id) % 10 < 9 THEN 'fail' ELSE 'not_applicable' END,
                   c.started_at
            FROM calls c, (SELECT unnest({list(CRITERIA)}) AS id) cr ORDER BY c.started_at, cr.id""",
        "objections": f"""INSERT INTO objections (call_id, rubric_version, n, kind, segment_idx, handling, started_at)
            SELECT call_id, 'v1', 0, {list(KINDS)}[(1 + hash(call_id) % {len(KINDS)})::BIGINT], 5,
                   {list(HANDLINGS)}[(1 + hash(call_id || 'h') % {len(HANDLINGS)})::BIGINT], started_at
            FROM calls WHERE hash(call_id) % 10 < 7""",
        "segments": f"""INSERT INTO segments (call_id, idx, speaker, start_s, end_s, text)
            SELECT c.call_id, s.i, CASE WHEN s.i % 2 = 0 THEN 'manager' ELSE 'client' END,
                   s.i * 4.0, s.i * 4.0 + 3.5, 'реплика'
            FROM calls c, range({segments_per_call}) s(i)""",
        # The РОП's events come in review sessions on a share of the calls: opened, then a
        # 'played' event per 10 s of listening (what ui/player.py reports), then a verdict
        # (an override on every 10th session, else 'reviewed'); every 50th session is the owner's.
        "review_events": f"""INSERT INTO review_events (username, call_id, kind, created_at, played_s,
                                                   call_started_at, call_manager_id)
            SELECT CASE WHEN s % 50 = 0 THEN 'boss' ELSE 'rop' END,
                   substr(sha256(c::VARCHAR), 1, 16),
                   CASE WHEN k = 0 THEN 'opened' WHEN k < {per_session} - 1 THEN 'played'
                        WHEN s % 10 = 0 THEN 'override' ELSE 'reviewed' END,
                   TIMESTAMP '{START}' + to_seconds(c * {span_s} // {calls} + 3600 * (1 + s % 48) + 10 * k),
                   CASE WHEN k > 0 AND k < {per_session} - 1 THEN 10 END,
                   TIMESTAMP '{START}' + to_seconds(c * {span_s} // {calls}), 'm' || (hash(c) % {MANAGERS})
            FROM (SELECT i // {per_session} AS s, i % {per_session} AS k,
                         (i // {per_session}) * {calls} // {sessions} AS c FROM range({events}) t(i))""",
        "overrides": """INSERT INTO overrides (call_id, criterion_id, verdict, username, created_at, call_started_at,
                                          call_manager_id)
            SELECT e.call_id, 'summary', 'pass', 'rop', e.created_at, e.call_started_at, e.call_manager_id
            FROM review_events e WHERE e.kind = 'override'""",
        "objection_labels": LABELS_SQL,
        "feedback": f"""INSERT INTO feedback (call_id, manager_id, criterion_id, objection_kind, text, username,
                                         created_at, acknowledged_at, call_started_at, call_manager_id)
            SELECT c.call_id, c.manager_id,
                   CASE WHEN hash(c.call_id || 'k') % 4 = 0 THEN NULL
                        ELSE {list(CRITERIA)}[(1 + hash(c.call_id || 'c') % 10)::BIGINT] END,
                   CASE WHEN hash(c.call_id || 'k') % 4 = 0 THEN 'price' END, 'сделай иначе', 'rop',
                   c.started_at + INTERVAL 20 HOUR, c.started_at + INTERVAL 40 HOUR, c.started_at, c.manager_id
            FROM calls c WHERE hash(c.call_id) % 200 = 0""",
        "head_log": f"""INSERT INTO head_log (kind, held_on, manager_id, username)
            SELECT CASE WHEN i % 3 = 0 THEN 'planning' WHEN i % 3 = 1 THEN 'one_to_one' ELSE 'training' END,
                   DATE '{START.date()}' + (i * 2)::INTEGER, 'm' || (i % {MANAGERS}), 'rop'
            FROM range({DAYS // 2}) t(i)""",
        "training_items": """INSERT INTO training_items (call_id, start_s, end_s, label, username, created_at,
                                               call_started_at, call_manager_id)
            SELECT call_id, 0, 10, 'example', 'rop', started_at + INTERVAL 1 DAY, started_at, manager_id
            FROM calls WHERE hash(call_id) % 1000 = 0""",
    }
    for table, sql in steps.items():
        t0 = time.perf_counter()
        con.execute(sql)
        timings[table] = time.perf_counter() - t0
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        print(f"  {table:<18} {rows:>11,} rows  {timings[table]:6.1f} s", flush=True)
    t0 = time.perf_counter()
    rollups.rebuild(con)  # the rows above were written with SQL of their own, not store.writes
    timings["rollups"] = time.perf_counter() - t0
    rows = con.execute("SELECT count(*) FROM current_verdicts").fetchone()[0]
    print(f"  {'rollups':<18} {rows:>11,} rows  {timings['rollups']:6.1f} s", flush=True)
    con.execute("CHECKPOINT")
    con.close()
    return timings


def bench_queries(path: Path, week: Week, runs: int) -> list[tuple[str, list[float]]]:
    p = OwnerParams()
    as_of = week.end
    prev = week.previous()
    lookback = as_of - timedelta(days=LOOKBACK_DAYS)
    month = as_of - timedelta(days=30)
    cases = {
        "manager_week": lambda c: q.manager_week(c, week.start, week.end, as_of, p.low_score),
        "manager_week (prev)": lambda c: q.manager_week(c, prev.start, prev.end, prev.end, p.low_score),
        "last_reviews (14 d)": lambda c: q.last_reviews(c, as_of - timedelta(days=p.no_review_days), as_of),
        "last_reviews (30 d)": lambda c: q.last_reviews(c, month, as_of),
        "active_managers": lambda c: q.active_managers(c, month, as_of),
        "low_score_calls": lambda c: q.low_score_calls(c, week.start, week.end, as_of, p.low_score),
        "head_log_entries": lambda c: q.head_log_entries(c, month, as_of),
        "training_clips": lambda c: q.training_clips(c, month, as_of),
        "coaching_samples": lambda c: q.coaching_samples(c, lookback, as_of, p.coaching_window_calls),
        "objection_coaching": lambda c: q.objection_coaching_samples(c, lookback, as_of, p.coaching_window_calls),
        "fail_streaks": lambda c: q.fail_streaks(c, as_of - timedelta(days=STREAK_LOOKBACK_DAYS), as_of,
                                                 p.repeat_error_calls),
        "team_criterion_rates": lambda c: q.team_criterion_rates(c, week.start, week.end, as_of),
        "objection_week": lambda c: q.objection_week(c, week.start, week.end, as_of),
        "objection_week (prev)": lambda c: q.objection_week(c, prev.start, prev.end, prev.end),
        "agreement_tables": lambda c: q.agreement_tables(c, lookback, as_of),
    }
    out = []
    with db.reader(path) as con:
        for name, run in cases.items():
            run(con)  # warm the buffer cache once
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                run(con)
                times.append(time.perf_counter() - t0)
            out.append((name, times))
    times = []
    for _ in range(max(2, runs // 2)):
        db.wait_closed()  # the report closes its connection after returning: open afresh
        t0 = time.perf_counter()
        owner_report(path, p, week)
        times.append(time.perf_counter() - t0)
    out.append(("owner_report (whole page)", times))
    return out


def baseline(path: Path, runs: int) -> tuple[float, int]:
    """A machine-speed yardstick measured beside the queries: grouping every stored verdict
    by criterion and verdict (what an unpruned owner query would have to do at least once)."""
    sql = "SELECT criterion_id, verdict, count(*) FROM criterion_results GROUP BY ALL"
    with db.reader(path) as con:
        rows = con.execute("SELECT count(*) FROM criterion_results").fetchone()[0]
        con.execute(sql).fetchall()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            times.append(time.perf_counter() - t0)
    return statistics.median(times), rows


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", default="1000000",
                    help="calls in the store; several sizes separated by commas are measured side by side")
    ap.add_argument("--segments-per-call", type=int, default=30)
    ap.add_argument("--events-per-call", type=float, default=3.0)
    ap.add_argument("--reviewed-share", type=float, default=0.2,
                    help="share of calls the РОП reviews (1.0: every call, 3 events each)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="write the store here and keep it (several sizes: a folder "
                                              "with owner-<calls>.duckdb); an existing store is reused")
    args = ap.parse_args()
    sizes = [int(n.replace("_", "")) for n in args.calls.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="callqa-bench-") as tmp:
        for calls in sizes:
            path = Path(tmp) / f"bench-{calls}.duckdb"
            if args.keep:
                path = args.keep / f"owner-{calls}.duckdb" if len(sizes) > 1 else args.keep
                path.parent.mkdir(parents=True, exist_ok=True)
            results[calls] = measure(path, calls, args)
            if not args.keep:
                path.unlink()
    if len(sizes) > 1:
        side_by_side(results)


def measure(path: Path, calls: int, args) -> tuple[float, list[tuple[str, list[float]]]]:
    """Generate (or migrate a kept) store of ``calls`` calls and time the owner queries on it;
    returns the yardstick and the times per query."""
    if not path.exists():
        print(f"generating {calls:,} calls into {path}", flush=True)
        t0 = time.perf_counter()
        generate(path, calls, args.segments_per_call, args.events_per_call, args.reviewed_share)
        print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    else:
        t0 = time.perf_counter()
        db.init(path)  # a store kept by an older callqa gets its pending migrations (010: rollups)
        print(f"{path}: migrations checked in {time.perf_counter() - t0:.1f} s", flush=True)
    week = Week.containing(START + timedelta(days=DAYS // 2))
    base = baseline(path, args.runs)
    print(f"\n{calls:,} calls. baseline (same run): one pass over all {base[1]:,} verdict rows = "
          f"{1000 * base[0]:.0f} ms (median); 'x scan' = query median / baseline")
    print(f"queries for week {week.label}, {args.runs} runs each (ms):")
    print(f"  {'query':<28} {'median':>8} {'p95':>8} {'x scan':>8}")
    worst = 0.0
    timed = bench_queries(path, week, args.runs)
    for name, times in timed:
        ratio = statistics.median(times) / base[0]
        print(f"  {name:<28} {1000 * statistics.median(times):8.0f} {1000 * p95(times):8.0f} {ratio:8.2f}")
        if not name.startswith("owner_report"):
            worst = max(worst, p95(times))
    page = p95(timed[-1][1])
    verdict = "OK" if worst <= 0.3 and page <= 1.5 else "ABOVE TARGET"
    print(f"\nworst per-query p95: {1000 * worst:.0f} ms (target 300 ms), whole page p95 {1000 * page:.0f} ms "
          f"(target 1500 ms) — {verdict}\n", flush=True)
    return base[0], timed


def side_by_side(results: dict[int, tuple[float, list[tuple[str, list[float]]]]]) -> None:
    """One table: per query its p95 (median) in ms for each store size."""
    sizes = list(results)

    def row(label: str, cells: list[str]) -> str:
        return f"  {label:<28}" + "".join(f"{c:>22}" for c in cells)

    print("p95 ms (median ms) by store size:")
    print(row("query", [f"{n:,} calls" for n in sizes]))
    for i, (name, _) in enumerate(results[sizes[0]][1]):
        times = [results[n][1][i][1] for n in sizes]
        print(row(name, [f"{1000 * p95(t):.0f} ({1000 * statistics.median(t):.0f})" for t in times]))
    worst = [max(p95(t) for name, t in results[n][1] if not name.startswith("owner_report")) for n in sizes]
    print(row("worst query p95", [f"{1000 * w:.0f}" for w in worst]))
    print(row("yardstick (one verdict pass)", [f"{1000 * results[n][0]:.0f}" for n in sizes]))


if __name__ == "__main__":
    main()
