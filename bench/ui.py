"""UI benchmark: render the calls list and a call page server-side (AppTest) at 100k calls.

Generates a temporary DuckDB store with bulk ``INSERT … SELECT FROM range(N)`` (calls,
segments, scores, criterion results, objections, metrics), then times each page run and the
list query with filters and a phrase search. Target: ≤ 1 s per page.

    .venv/bin/python bench/ui.py [--calls 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import db, queries, rollups  # noqa: E402
from store.users import User  # noqa: E402

CRITERIA = ("greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
            "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness")
TEXTS = ("добрый день компания окна плюс меня зовут иван", "дорого у вас",
         "могу дать скидку десять процентов", "запишу вас на замер в четверг")
LEMMAS = ("добрый день компания окно плюс я звать иван", "дорого у вы",
          "мочь дать скидка <num:10> процент", "записать вы на замер в четверг")
HEAD = User("rop", "head", None, "РОП")


def generate(path: Path, n: int) -> None:
    """``n`` scored calls of 20 managers, one every 5 minutes from 2024-01-01, written with bulk
    SQL (every column named, so a migration adding one does not break it), then the rollups."""
    texts = "[" + ", ".join(f"'{t}'" for t in TEXTS) + "]"
    lemmas = "[" + ", ".join(f"'{t}'" for t in LEMMAS) + "]"
    crit = "[" + ", ".join(f"'{c}'" for c in CRITERIA) + "]"
    call_id, started = "printf('%016x', i)", "TIMESTAMP '2024-01-01' + INTERVAL (i * 300) SECOND"
    with db.writer(path) as con:
        con.execute("INSERT INTO rubric_versions (rubric_id, version, yaml, is_current)"
                    " VALUES ('default', 'v1', 'id: default', TRUE)")
        con.execute("INSERT INTO managers (manager_id, name, extension, team, active)"
                    " SELECT 'm' || i, 'Менеджер ' || i, (100 + i)::VARCHAR, 'Продажи', TRUE FROM range(20) t(i)")
        con.execute(f"""INSERT INTO calls (call_id, path, started_at, direction, manager_id, client_masked,
                        duration_s, channels, source, flags)
            SELECT {call_id}, NULL, {started}, CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END, 'm' || (i % 20),
                   '+7 *** ***-**-' || lpad((i % 100)::VARCHAR, 2, '0'), 60 + i % 600, 2, 'import',
                   CASE WHEN i % 17 = 0 THEN 'low_confidence' END
            FROM range({n}) t(i)""")
        con.execute(f"""INSERT INTO segments (call_id, idx, speaker, channel, start_s, end_s, text, lemmas,
                        avg_logprob, no_speech_prob, low_confidence)
            SELECT {call_id}, j, CASE WHEN j % 2 = 0 THEN 'manager' ELSE 'client' END, j % 2,
                   j * 5.0, j * 5.0 + 4.0, {texts}[1 + (i + j) % 4], {lemmas}[1 + (i + j) % 4],
                   -0.3, 0.01, (i % 17 = 0 AND j = 3)
            FROM range({n}) t(i), range(12) s(j)""")
        con.execute(f"""INSERT INTO call_scores (call_id, rubric_id, rubric_version, score_pct, points,
                        max_points, fatal_failed, applicable, uncertain, started_at)
            SELECT {call_id}, 'default', 'v1', (i * 37) % 101, (i * 37) % 101, 100,
                   CASE WHEN i % 50 = 0 THEN 'no_rudeness' END, TRUE, FALSE, {started} FROM range({n}) t(i)""")
        con.execute(f"""INSERT INTO criterion_results (call_id, rubric_version, criterion_id, stage, title,
                        verdict, points, max_points, fatal, confidence, reason, evidence_idx,
                        evidence_start_s, evidence_end_s, evidence_quote, started_at)
            SELECT {call_id}, 'v1', {crit}[1 + j], 'stage', {crit}[1 + j],
                   CASE WHEN (i + j) % 3 = 0 THEN 'fail' ELSE 'pass' END, 10, 10, j = 9, 0.9, 'auto',
                   j, j * 5.0, j * 5.0 + 4.0, {texts}[1 + j % 4], {started}
            FROM range({n}) t(i), range(10) s(j)""")
        con.execute(f"""INSERT INTO objections (call_id, rubric_version, n, kind, segment_idx, start_s, quote,
                        handling, response_idx, response_quote, confidence, rule_hits, started_at)
            SELECT {call_id}, 'v1', 0, CASE WHEN i % 3 = 0 THEN 'price' ELSE 'think_later' END,
                   1, 5.0, 'дорого у вас', CASE WHEN i % 4 = 0 THEN 'discount' ELSE 'value' END, 2,
                   'ответ', 0.8, '[]', {started}
            FROM range({n}) t(i)""")
        con.execute(f"""INSERT INTO call_metrics (call_id, manager_talk_ratio, longest_manager_monologue_s,
                        manager_questions, manager_questions_per_min, interruptions, overlap_s,
                        silence_share, longest_silence_s, patience_s, manager_words_per_min,
                        client_words_per_min)
            SELECT {call_id}, 0.5, 20, 3, 1.5, 1, 0, 0.1, 3, 0.8, 120, 100 FROM range({n}) t(i)""")
        rollups.rebuild(con)  # the rows above bypass store.writes, which keeps the rollups


def timed(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def render(script, call_id: str | None = None) -> float:
    from streamlit.testing.v1 import AppTest

    def run():
        at = AppTest.from_function(script, default_timeout=120)
        at.session_state["user"] = HEAD
        if call_id:
            at.query_params["call_id"] = call_id
        at.run()
        assert not at.exception, at.exception

    return timed(run)


def _calls_script():
    from ui.calls import calls_page

    calls_page()


def _call_script():
    from ui.call import call_page

    call_page()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        generate(path, args.calls)
        print(f"generated {args.calls} calls in {time.perf_counter() - t0:.1f} s")
        os.environ["CALLQA_DB"] = str(path)
        os.environ["CALLQA_HOME"] = tmp
        call_id = f"{args.calls // 2:016x}"
        rows = [
            ("query: first page, newest first", timed(lambda: queries.list_calls(path, HEAD))),
            ("query: sorted by score, page 100", timed(lambda: queries.list_calls(path, HEAD, sort="score", offset=5000))),
            ("query: phrase «скидка» + filters", timed(lambda: queries.list_calls(
                path, HEAD, queries.CallFilters(phrase_lemmas=("скидка",), phrase_text="скидка",
                                                objection_kind="price", score_min=50)))),
            ("query: call page data", timed(lambda: queries.call_view(path, HEAD, call_id))),
            ("page: Звонки (AppTest run)", render(_calls_script)),
            ("page: Звонок (AppTest run)", render(_call_script, call_id)),
        ]
    worst = 0.0
    for name, seconds in rows:
        print(f"{name:<40} {seconds * 1000:8.0f} ms")
        if name.startswith("page"):
            worst = max(worst, seconds)
    print(f"target ≤ 1000 ms per page: {'met' if worst <= 1.0 else 'MISSED'} (worst {worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
