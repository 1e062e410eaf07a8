"""UI benchmark at 100k calls: the calls list and a call page server-side (AppTest), and with
``--browser`` the time to content of every page of the РОП's and the owner's menus in Chromium.

Generates a temporary DuckDB store with bulk ``INSERT … SELECT FROM range(N)`` (calls,
segments, scores, criterion results, objections, metrics, then the rollups), then times the list
query with filters and a phrase search and each page's AppTest run (target ≤ 1 s per page).

``--browser`` then serves the app (``streamlit run app.py``) on that store, signs in as the РОП
and as the owner in Debian's Chromium (``--chromium``, never a downloaded browser) and opens every
page of the menu as a person does (a menu link; the call page: «Открыть» on the list), each
``--repeat`` times. Time to content: from the click until the page's title is shown, its script
run is over, nothing on it is left from the page before and every chart is drawn. Target ≤ 1.5 s
per page (median) on 2 cores.

Every page's time is also given as a ratio to «Пустая страница», a page with a title only
that ``bench/ui_app.py`` adds to the app for the benchmark: what Streamlit and the app's frame
(sign-in check, sidebar, menu) cost on every page under the machine's load of the moment.

``--store PATH`` keeps the generated store there (and reuses it when it exists, so pages can be
re-timed without generating it again; delete it when done: 100k calls take about a gigabyte).

    .venv/bin/python bench/ui.py [--calls 100000] [--browser] [--repeat 3] [--store PATH]
                                 [--pages calls,call,managers]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import db, queries, rollups  # noqa: E402
from store import users as accounts  # noqa: E402
from store.users import User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE_TARGET_S = 1.0  # AppTest run
BROWSER_TARGET_S = 1.5  # time to content in Chromium
PASSWORD = "bench-password-1"
# The page is there: its script run is over and nothing is left from the page before (the
# same signs the browser tests wait for), and every chart has drawn its marks.
CONTENT = """title => [...document.querySelectorAll('h1')].some(h => h.textContent.includes(title))
  && document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
  && !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"],'
                             + ' [data-stale="true"], [data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
       .every(c => c.querySelector('svg .role-mark, canvas'))"""

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


def stored_calls(path: Path) -> int:
    with db.reader(path) as con:
        return con.execute("SELECT count(*) FROM calls").fetchone()[0]


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


# --- Chromium ----------------------------------------------------------------------------------

def _serve(home: str, path: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free port with this store; returns once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CALLQA_HOME": home, "CALLQA_DB": str(path), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "bench/ui_app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("streamlit did not start") from None
            time.sleep(0.3)


def _open(page, entry, role: str) -> float:
    """Seconds from the click that opens ``entry`` until its content is there (its name in
    ``role``'s menu: «Мои задачи» for the РОП)."""
    from ui.pages import title_for

    shown = title_for(entry, role)
    if entry.url_path == "call":
        click = page.get_by_role("button", name="Открыть", exact=True)
    else:
        title = re.compile("^" + re.escape(shown) + r"( \(\d+\))?$")
        click = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title)
    click.wait_for(timeout=120_000)
    t0 = time.perf_counter()
    click.click()
    page.wait_for_function(CONTENT, arg=shown, timeout=120_000, polling=50)
    return time.perf_counter() - t0


def browser_rows(home: str, path: Path, chromium: str, repeat: int,
                 only: frozenset[str] = frozenset()) -> list[tuple[str, float, float]]:
    """Median time to content of every page of the РОП's and the owner's menus (those whose
    address is in ``only``, when given) and its ratio to the blank page's."""
    from playwright.sync_api import sync_playwright

    from bench.ui_app import BLANK
    from ui.pages import BY_URL, PAGES

    for username, role in (("rop", "head"), ("boss", "owner")):
        accounts.add_user(path, username, role, PASSWORD)
    proc, url = _serve(home, path)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium)
            for username, role in (("rop", "head"), ("boss", "owner")):
                page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="ru-RU")
                page.goto(url)
                page.get_by_label("Логин").fill(username)
                page.get_by_label("Пароль").fill(PASSWORD)
                page.get_by_role("button", name="Войти").click()
                page.get_by_role("button", name="Выйти").wait_for(timeout=120_000)
                # the call page opens from the list, so it follows «Звонки»; each page once to warm up
                entries = [e for e in PAGES if role in e.roles and e.url_path != "call"
                           and (not only or e.url_path in only)]
                if not only or "call" in only:
                    entries.insert(entries.index(BY_URL["calls"]) + 1 if BY_URL["calls"] in entries else 0,
                                   BY_URL["call"])
                if BY_URL["calls"] not in entries and BY_URL["call"] in entries:
                    entries.insert(0, BY_URL["calls"])  # the call page opens from the list
                entries = [BLANK, *entries]
                times: dict[str, list[float]] = {e.title: [] for e in entries}
                for run in range(repeat + 1):
                    for entry in entries:
                        seconds = _open(page, entry, role)
                        if run:
                            times[entry.title].append(seconds)
                blank = statistics.median(times[BLANK.title])
                rows += [(f"browser ({'РОП' if role == 'head' else 'владелец'}): {title}", statistics.median(t),
                          statistics.median(t) / blank) for title, t in times.items()]
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--browser", action="store_true",
                        help="also time every page of the РОП's and the owner's menus in Chromium")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each page in Chromium (median)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium to drive (Debian's)")
    parser.add_argument("--pages", default="",
                        help="only these pages in Chromium (addresses: calls,call,managers,…)")
    parser.add_argument("--store", type=Path,
                        help="keep the generated store in this file (reused when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store.resolve() if args.store else Path(tmp) / "bench.duckdb"
        if path.exists():
            args.calls = stored_calls(path)
            print(f"reusing {path} ({args.calls} calls)")
        else:
            t0 = time.perf_counter()
            generate(path, args.calls)
            print(f"generated {args.calls} calls in {time.perf_counter() - t0:.1f} s")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
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
        for name, seconds in rows:
            print(f"{name:<45} {seconds * 1000:8.0f} ms", flush=True)
        _verdict("AppTest run", [s for name, s in rows if name.startswith("page")], PAGE_TARGET_S)
        if args.browser:
            only = frozenset(p for p in args.pages.split(",") if p)
            timed_pages = browser_rows(tmp, path, args.chromium, args.repeat, only)
            print(f"{'':<45} {'median':>8}    × blank page")
            for name, seconds, ratio in timed_pages:
                print(f"{name:<45} {seconds * 1000:8.0f} ms {ratio:5.1f}×")
            print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            _verdict("time to content in Chromium", [s for _, s, _ in timed_pages], BROWSER_TARGET_S)


def _verdict(what: str, seconds: list[float], target_s: float) -> None:
    worst = max(seconds)
    print(f"target ≤ {target_s * 1000:.0f} ms per page ({what}): {'met' if worst <= target_s else 'MISSED'}"
          f" (worst {worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
