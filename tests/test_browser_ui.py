"""The review UI in real Debian Chromium: РОП logs in, listens, jumps, overrides, saves a clip;
the owner follows a red flag; and every role walks every page of its menu, which must read in
Russian words, charts included (screenshots of each page in test-artifacts/walk-*.png, every
chart's words in test-artifacts/walk-charts.txt)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from store import db
from tests.streamlit_server import serve, sign_in
from tests.ui_data import PASSWORD, USERS, build_store

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    data = build_store(tmp_path / "callqa.duckdb", n_calls=1, audio_dir=tmp_path / "audio")
    yield from serve(tmp_path, data.db_path, data)


def _login_and_open_call(page, url: str) -> None:
    sign_in(page, url)
    page.get_by_text("Найдено звонков: 1").wait_for(timeout=30_000)
    page.get_by_role("button", name="Открыть", exact=True).click()
    page.get_by_text("Расшифровка").wait_for(timeout=30_000)


@pytest.fixture
def three_calls(tmp_path):
    data = build_store(tmp_path / "callqa.duckdb", n_calls=3)
    yield from serve(tmp_path, data.db_path, data)


def test_a_click_on_a_row_of_the_list_opens_that_call(three_calls, page):
    """The list goes to the call clicked without reading the list again: the row is one of the
    rows the table showed (ui.calls keeps their call ids)."""
    url, data = three_calls
    sign_in(page, url)
    page.get_by_text("Найдено звонков: 3").wait_for(timeout=30_000)
    box = page.locator('[data-testid="stDataFrame"]').bounding_box()
    # the row marker of the second row (newest first: call 1); a header and rows of 35 px
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 + 17)
    page.wait_for_url(re.compile(f"/call\\?call_id={data.call_ids[1]}$"), timeout=30_000)
    page.get_by_text("Расшифровка").wait_for(timeout=30_000)


def _select(page, label: str, option: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).locator("input").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")


def test_head_listens_overrides_and_saves_a_clip_that_persist(server, page):
    url, data = server
    ARTIFACTS.mkdir(exist_ok=True)
    call_id = data.call_ids[0]
    _login_and_open_call(page, url)
    audio = page.locator("audio")
    audio.wait_for(state="attached", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "call-page.png"), full_page=True)

    # jump to the evidence of «Узнал имя клиента» (segment 2, 00:04) and listen a little
    page.locator(".st-key-ev-client_name").get_by_role("button", name="▶ 00:04").click()
    page.get_by_text("Переход к 00:04").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => { const a = document.querySelector('audio') ||"
        " [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)"
        ".map(r => r.querySelector('audio')).find(Boolean); return a && a.currentTime >= 7.5; }",
        timeout=30_000,
    )
    audio.evaluate("a => a.pause()")
    deadline = time.monotonic() + 20
    while not db.query_rows(data.db_path, "SELECT count(*) FROM review_events WHERE kind = 'played'")[0][0]:
        assert time.monotonic() < deadline, "the player never reported seconds played"
        time.sleep(0.3)
    played = db.query_rows(data.db_path, "SELECT sum(played_s) FROM review_events WHERE kind = 'played'")[0][0]
    assert 2.0 <= played <= 10.0

    # override a verdict (the action bar under the header)
    page.get_by_role("button", name="Исправить оценку").click()
    _select(page, "Верный вердикт", "не выполнено")
    page.get_by_label("Причина").fill("Компания не названа")
    page.get_by_role("button", name="Сохранить исправление").click()
    page.get_by_text("Исправлено РОП (Руководитель отдела продаж)").wait_for(timeout=30_000)

    # add a training clip from the jump position
    page.get_by_role("tab", name="В библиотеку").click()
    page.get_by_label("Заметка").fill("Как спросить имя")
    page.get_by_role("button", name="Добавить в библиотеку").click()
    page.get_by_text("образец отработки: 00:04").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "call-page-annotated.png"), full_page=True)

    # a reload is a new session, signed in again from the "stay signed in" cookie; both persisted
    page.reload()
    page.get_by_text("Расшифровка").wait_for(timeout=30_000)  # the same call page, no password
    assert page.get_by_label("Пароль").count() == 0
    page.get_by_text("Исправлено РОП (Руководитель отдела продаж)").wait_for(timeout=30_000)
    page.get_by_role("tab", name="В библиотеку").click()
    page.get_by_text("образец отработки: 00:04").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "call-page-reloaded.png"), full_page=True)
    assert db.query_rows(data.db_path, "SELECT criterion_id, verdict FROM overrides") == [("greeting", "fail")]
    assert db.query_rows(data.db_path, "SELECT call_id, start_s, label FROM training_items") == [
        (call_id, 4.4, "example")]


@pytest.fixture
def owner_server(tmp_path):
    """The owner's store of tests/owner_data (healthy РОП: 36 min listened in 2026-W47) plus a
    manager m3 whose calls nobody reviewed, and feedback to m1 on the greeting between his calls
    of the two weeks (a coaching effect to chart); the owner «boss» can sign in."""
    from store import users as accounts
    from tests.owner_data import WEEK, _healthy_rows, add_call, at, batch, feedback, new_store

    path = new_store(tmp_path, managers=("m1", "m2", "m3"))
    with batch(path):
        _healthy_rows(path)
        for day in range(3):
            add_call(path, "m3", at(day, 11, week=WEEK), 75)
        feedback(path, "m1", at(0, 8, week=WEEK), None, "greeting")
    accounts.set_password(path, "boss", PASSWORD)
    yield from serve(tmp_path, path, path)


def _login(page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_owner_sees_the_rop_control_and_follows_a_red_flag_without_signing_in_again(owner_server, page):
    url, path = owner_server
    ARTIFACTS.mkdir(exist_ok=True)
    _login(page, url, "boss")
    page.get_by_role("link", name="Контроль РОП").click()
    page.get_by_text("Красные флаги").first.wait_for(timeout=30_000)
    page.get_by_text("36 мин").first.wait_for(timeout=30_000)
    page.get_by_text("Менеджеры брошены.").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "owner-control.png"), full_page=True)
    page.locator('[data-testid="stVegaLiteChart"] svg .role-mark').first.wait_for(timeout=30_000)
    page.locator('[data-testid="stVegaLiteChart"]').nth(2).wait_for(timeout=30_000)
    charts = _chart_words("owner-control", page)  # listening per manager, coaching effect, weeks
    _write_chart_words("owner-control-charts.txt", charts)
    assert len(charts) == 3 and not _chart_problems(charts), _chart_problems(charts)

    # the red flag names m3 with a link to his page; a link opens a new browser session,
    # which the "stay signed in" cookie signs in without the password
    link = page.get_by_role("link", name="Менеджер m3", exact=True)  # calls' links name him too
    if link.get_attribute("target") == "_blank":
        with page.context.expect_page() as opened:
            link.click()
        other = opened.value
    else:
        link.click()
        other = page
    other.get_by_text("Менеджер m3").first.wait_for(timeout=30_000)
    assert other.get_by_label("Пароль").count() == 0
    assert "manager_id=m3" in other.url
    other.screenshot(path=str(ARTIFACTS / "owner-flag-link.png"), full_page=True)

    # signing out forgets this browser: a fresh tab asks for the password again
    page.bring_to_front()
    page.get_by_role("button", name="Выйти").click()
    page.get_by_label("Пароль").wait_for(timeout=30_000)
    fresh = page.context.new_page()
    fresh.goto(url)
    fresh.get_by_label("Пароль").wait_for(timeout=30_000)
    assert db.query_rows(path, "SELECT count(*) FROM login_sessions")[0][0] == 0


# --- the walk: every page of every role, in words a person reads ---------------------------

# English UI words and codes a page must not show (whole words, any case); the app's own name
# and e-mail / URL-like strings are left out before matching.
ENGLISH_WORDS = (
    "Submit", "Loading", "Error", "None", "null", "NaN", "True", "False", "page", "select", "Choose",
    "Search", "filter", "week", "call_id", "manager_id", "criterion_id", "pass", "fail",
    "not_applicable", "insufficient", "value", "question", "discount", "ignored", "other", "price",
    "competitor_cheaper", "think_later", "no_time", "have_supplier", "send_offer", "need_consult",
    "default", "Running", "Download", "View more", "more",
)
ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w-])",
                     re.IGNORECASE)
SNAKE_CODE = re.compile(r"(?<![\w.-])[a-z]+(?:_[a-z0-9]+)+(?![\w.-])")  # enum codes: no_time, call_id
ISO_WEEK = re.compile(r"\b\d{4}-W\d{1,2}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")  # dates read «30.11.2026»
# an id or a hash where a person expects words: c00012, demo-2026…, m101, 0f3a9c2e…
ID_LIKE = re.compile(r"(?<![\w-])(c\d{3,}|demo-\d{4}\S*|m\d{2,}|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,})(?![\w-])")
LOGINS = re.compile(r"(?<![\w-])(" + "|".join(u[0] for u in USERS) + r")(?![\w-])")  # people by name
NOT_WORDS = re.compile(r"\S+@\S+|\S*://\S+|\bcallqa\b", re.IGNORECASE)
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
PROBE = """() => {
  const onScreen = e => { const r = e.getBoundingClientRect(); return r.right > 0 && r.left < innerWidth; };
  const shown = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && onScreen(e);
  const texts = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;  // an icon is a word drawn as a picture by its font
    if (e && n.textContent.trim()
        && !e.closest('script, style, [data-testid="stDataFrame"], [data-testid="stVegaLiteChart"]')
        && !getComputedStyle(e).fontFamily.includes('Material') && shown(e)) texts.push(n.textContent);
  }
  for (const f of document.querySelectorAll('input[type="text"], input[type="search"], textarea')) {
    if (shown(f)) texts.push(f.value || f.placeholder);  // a select box shows its choice in an input
  }
  // a table is drawn on a canvas; its cells are in the grid's accessible copy, where a tick
  // box reads "true"/"false", a link its address (/call?call_id=…) and a date its raw value
  const cells = [];
  for (const c of document.querySelectorAll('[data-testid="stDataFrame"] [role="columnheader"],'
      + ' [data-testid="stDataFrame"] [role="gridcell"]')) {
    const t = c.textContent.trim();
    if (t && !/^(true|false)$/.test(t) && !/^\\/\\w+\\?/.test(t)) cells.push(t);
  }
  const links = [...document.querySelectorAll('[data-testid="stMain"] a')].filter(shown)
      .map(a => a.innerText.trim()).filter(Boolean);
  const cut = [...document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')]
      .filter(e => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1
              && shown(e) && e.innerText.trim())
      .map(e => e.innerText.trim());
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return {text: texts.join('\\n'), cells: cells.join('\\n'), links, cut,
          scroll: Math.max(document.body.scrollWidth, main.scrollWidth), width: window.innerWidth};
}"""


# A chart (Altair → Vega) is checked apart: its axis titles and labels, legends and facet
# headers (the pages draw charts as SVG, so they are text in the page) and the tooltips of a
# few marks of each layer, hovered as a person does. No Latin word may appear there at all -- an
# English month or day («Mar 10», «Monday»), an English title or a raw field name («rate»,
# «week_ru», «sum(n)») -- and numbers have a decimal comma.
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_()]*[A-Za-z)]")
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d\.\d+(?![\d.])")  # «0.5»; «03.03» is a date
CHART_MARKS = """chart => {
  // points, bars and cells a person hovers for a tooltip: a few of each layer; a bar or a cell
  // is hovered near its corner (its middle may be under its label), a point in its middle
  const paths = [...chart.querySelectorAll('svg path')], out = [];
  for (const group of chart.querySelectorAll('svg g.mark-symbol.role-mark, svg g.mark-rect.role-mark')) {
    const marks = [...group.querySelectorAll(':scope > path')].filter(m => {
      const r = m.getBoundingClientRect(); return r.width >= 4 && r.height >= 4; });
    const picked = marks.length > 3 ? [marks[0], marks[marks.length >> 1], marks.at(-1)] : marks;
    const symbol = group.classList.contains('mark-symbol');
    for (const m of picked) {
      const r = m.getBoundingClientRect();
      out.push({index: paths.indexOf(m), x: symbol ? r.width / 2 : 3, y: symbol ? r.height / 2 : 3});
    }
  }
  return out;
}"""
TOOLTIP = "#vg-tooltip-element"


@dataclass(frozen=True, slots=True)
class ChartWords:
    """What a person reads on one chart: its text (SVG) and the tooltips of hovered marks."""

    name: str
    svg: bool
    texts: tuple[str, ...]
    tooltips: tuple[str, ...]


def _chart_words(where: str, page) -> list[ChartWords]:
    out = []
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    for n in range(charts.count()):
        chart = charts.nth(n)
        chart.scroll_into_view_if_needed()
        chart.locator("svg, canvas").first.wait_for(timeout=30_000)
        svg = bool(chart.locator("svg .role-mark").count())
        texts = chart.locator("svg text").all_text_contents() if svg else []
        tooltips = [_tooltip(page, chart.locator("svg path").nth(m["index"]), m["x"], m["y"])
                    for m in (chart.evaluate(CHART_MARKS) if svg else [])]
        out.append(ChartWords(f"{where}: chart {n + 1}", svg, tuple(t for t in texts if t.strip()), tuple(tooltips)))
    return out


def _chart_problems(charts: list[ChartWords]) -> list[str]:
    """Every chart is SVG, has a tooltip to hover, and neither its text nor its tooltips hold a
    Latin word or a decimal point or are cut off («Запрещённые ф…»)."""
    problems = []
    for chart in charts:
        if not chart.svg:
            problems.append(f"{chart.name} is drawn on a canvas: its words cannot be read (draw it as SVG)")
            continue
        if not chart.tooltips:
            problems.append(f"{chart.name}: no point, bar or cell to hover for a tooltip")
        for kind, items in (("text", chart.texts), ("tooltip", chart.tooltips)):
            words = NOT_WORDS.sub(" ", "\n".join(items))
            problems += [f"{chart.name} {kind}: Latin «{m}»" for m in sorted(set(LATIN_WORD.findall(words)))]
            problems += [f"{chart.name} {kind}: decimal point «{m}»"
                         for m in sorted(set(DECIMAL_POINT.findall(words)))]
            problems += [f"{chart.name} {kind}: cut off «{t}»" for t in items if "…" in t]
    return problems


def _write_chart_words(name: str, charts: list[ChartWords]) -> None:
    """test-artifacts/NAME: every chart's words, for a person to read through."""
    lines = []
    for chart in charts:
        lines += [f"## {chart.name}", "text: " + " | ".join(chart.texts)]
        lines += ["tooltip: " + t.replace("\n", " | ") for t in chart.tooltips]
    (ARTIFACTS / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tooltip(page, mark, x: float, y: float) -> str:
    """The tooltip a person sees over ``mark``: the pointer leaves the chart first, so the
    tooltip read is this mark's, not the last one's."""
    shown = page.locator(f"{TOOLTIP}.visible")
    page.mouse.move(0, 0)
    shown.wait_for(state="detached", timeout=10_000)
    mark.hover(position={"x": x, "y": y}, force=True)  # force: a label may lie over the mark
    shown.wait_for(timeout=10_000)
    return page.locator(TOOLTIP).inner_text()


def _walk_users():
    seen, out = set(), []
    for username, role, _, _ in USERS:  # one user of each role
        if role not in seen:
            seen.add(role)
            out.append((username, role))
    return out


@pytest.fixture
def walk_server(tmp_path):
    """The UI store (12 scored calls in a week two weeks ago, rubric versions named by their
    sha256 like real ones) with a РОП who listened, gave feedback, saved a clip and kept a log,
    and two calibration rounds: one the owner closed early, one in progress (the newest, so the
    page shows its reviewers and how to end it): every page of every role has something to show."""
    from datetime import date, datetime, timedelta
    from hashlib import sha256

    from store import calibration, owner_queries, review
    from store.calibration import RoundSpec
    from tests.ui_data import user

    monday = date.today() - timedelta(days=date.today().weekday() + 14)
    data = build_store(tmp_path / "callqa.duckdb", n_calls=12, audio_dir=tmp_path / "audio",
                       start=datetime.combine(monday, datetime.min.time()).replace(hour=9),
                       versions=(sha256(b"old").hexdigest(), sha256(b"new").hexdigest()))
    rop, first = user("rop"), data.call_ids[0]
    review.record_opened(data.db_path, rop, first)
    review.record_played(data.db_path, rop, first, 42.0, 42.0)
    review.give_feedback(data.db_path, rop, data.call_ids[2], "Назовите компанию в приветствии.", "greeting")
    review.give_feedback(data.db_path, rop, first, "Не давайте скидку сразу.", None, "competitor_cheaper")
    review.add_training_item(data.db_path, rop, first, 4.0, 12.0, "example", "Как спросить имя")
    owner_queries.add_head_log(data.db_path, "rop", "one_to_one", date.today(), "m101", "Разобрали скидки")
    week, owner = (monday, monday + timedelta(days=6)), user("owner")
    closed = calibration.create_round(data.db_path, owner, RoundSpec(*week, 2, ("rop", "owner"), seed=1))
    rated = calibration.assignments(data.db_path, rop)["call_id"].iloc[0]
    criteria = calibration.call_sheet(data.db_path, rop, closed.round_id, rated).criteria["criterion_id"]
    calibration.save_verdicts(data.db_path, rop, closed.round_id, rated, dict.fromkeys(criteria, "pass"))
    calibration.close_round(data.db_path, owner, closed.round_id)
    calibration.create_round(data.db_path, rop, RoundSpec(*week, 2, ("rop", "owner"), seed=2))
    yield from serve(tmp_path, data.db_path, data)


def _settled(page) -> None:
    """Wait until the script run is over (the app's own run state; Streamlit's «Running…»
    widget shows only after a delay) and nothing on the page is left from the run before."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=\"stSpinner\"],"
        " [data-stale=\"true\"], [data-testid=\"stSkeleton\"]')"
        # a table's readable copy of its cells comes a moment after the table itself
        " && [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')]"
        "    .every(t => t.querySelector('table[role=\"grid\"]'))", timeout=60_000)


def _open(page, entry, role: str = "") -> None:
    """Open a page of the menu as a person does (the call page: «Открыть» on the list); the
    page's name in ``role``'s menu («Мои задачи» for the РОП)."""
    from ui.pages import title_for

    shown = title_for(entry, role) if role else entry.title
    if entry.url_path == "call":
        _open(page, _entry("calls"))
        page.get_by_role("button", name="Открыть", exact=True).click()
    else:
        title = re.compile("^" + re.escape(shown) + r"( \(\d+\))?$")  # «Мои отзывы (2)»
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.locator("h1").filter(has_text=shown).first.wait_for(timeout=60_000)
    _settled(page)


def _screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window grows to fit it."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 8000))})
    page.screenshot(path=str(ARTIFACTS / name))
    page.set_viewport_size(size)


def _entry(url_path: str):
    from ui.pages import BY_URL

    return BY_URL[url_path]


def _problems(where: str, probe: dict) -> list[str]:
    page_text = NOT_WORDS.sub(" ", probe["text"])
    text = page_text + "\n" + NOT_WORDS.sub(" ", probe["cells"])
    found = [f"{where}: English «{m}»" for m in sorted({m.group(0) for m in ENGLISH.finditer(text)})]
    found += [f"{where}: code «{m}»" for m in sorted({m.group(0) for m in SNAKE_CODE.finditer(text)})]
    found += [f"{where}: ISO week «{m}»" for m in sorted({m.group(0) for m in ISO_WEEK.finditer(text)})]
    found += [f"{where}: ISO date «{m}»" for m in sorted({m.group(0) for m in ISO_DATE.finditer(page_text)})]
    found += [f"{where}: login «{m}»" for m in sorted({m.group(0) for m in LOGINS.finditer(text)})]
    found += [f"{where}: id-like link «{t}»" for t in probe["links"] if ID_LIKE.search(NOT_WORDS.sub(" ", t))]
    found += [f"{where}: id or hash «{m}»" for m in sorted({m.group(0) for m in ID_LIKE.finditer(text)})]
    found += [f"{where}: cut off «{t}»" for t in probe["cut"]]
    if "Ошибка, код" in page_text:
        found.append(f"{where}: the page failed («Ошибка, код …»)")
    if probe["scroll"] > probe["width"] + 1:
        found.append(f"{where}: wider than the screen ({probe['scroll']} > {probe['width']} px)")
    return found


@pytest.mark.slow
def test_every_page_of_every_role_reads_in_russian_words(walk_server, browser):
    """Each role signs in and visits every page of its menu (from ui.pages): no English words
    or codes, no ids, hashes, logins, ISO weeks or dates, nothing cut off, no failed page; no
    Latin word, decimal point or cut label on any chart's axes, legends or tooltips; the
    owner's control page and the calls list also fit a phone's screen."""
    from ui.pages import PAGES

    url, _data = walk_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    charts: list[ChartWords] = []
    for username, role in _walk_users():
        context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
        page = context.new_page()
        _login(page, url, username)
        page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=60_000)
        _settled(page)
        problems += _streamlit_chrome_problems(role, page)
        for entry in (e for e in PAGES if role in e.roles):
            _open(page, entry, role)
            problems += _problems(f"{role}/{entry.url_path}", page.evaluate(PROBE))
            charts += _chart_words(f"{role}/{entry.url_path}", page)
            _screenshot(page, f"walk-{role}-{entry.url_path}.png")
        if role == "owner":
            for url_path in ("owner", "calls"):
                page.set_viewport_size(DESKTOP)  # the menu is open on a wide screen
                _open(page, _entry(url_path))
                page.set_viewport_size(PHONE)
                _settled(page)
                _fitted(page)
                problems += _problems(f"phone/{url_path}", page.evaluate(PROBE))
                _screenshot(page, f"walk-phone-{url_path}.png")
        context.close()
    _write_chart_words("walk-charts.txt", charts)
    assert len(charts) >= 8  # «Менеджеры» (3) for two roles, «Контроль РОП», «Мой прогресс»: not blanks
    problems += _chart_problems(charts)
    assert not problems, "\n".join(problems)


def _fitted(page) -> None:
    """Give the page the moment it takes to lay itself out for a narrower window (a chart
    redraws itself on the resize event, after the script run): wait until nothing is wider than
    the window, or 10 s; the probe then reports what is still too wide."""
    try:
        page.wait_for_function(
            "() => { const main = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
            " return Math.max(document.body.scrollWidth, main.scrollWidth) <= innerWidth + 1; }", timeout=10_000)
    except PlaywrightTimeoutError:
        pass


def _streamlit_chrome_problems(where: str, page) -> list[str]:
    """Streamlit's own English: the ⋮ menu is hidden, the running indicator's «Stop» reads «Стоп»."""
    menu_hidden = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMainMenu\"]');"
                                " return !m || getComputedStyle(m).display === 'none'; }")
    stop_in_russian = page.evaluate(
        "() => [...document.styleSheets].some(s => { try { return [...s.cssRules].some("
        "r => r.cssText.includes('stStatusWidget') && r.cssText.includes('Стоп')); } catch (e) { return false; } })")
    return ([] if menu_hidden else [f"{where}: Streamlit's English ⋮ menu is shown"]) + (
        [] if stop_in_russian else [f"{where}: the running indicator's «Stop» is not in Russian"])


def test_every_table_shows_a_dash_for_an_empty_cell():
    """A table is drawn on a canvas the walk above cannot read; there an empty cell shows
    Streamlit's default placeholder, the word «None», unless the page passes its own."""
    import ast

    missing = []
    for source in sorted((ROOT / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "dataframe"
                    and "placeholder" not in {k.arg for k in node.keywords}):
                missing.append(f"{source.name}:{node.lineno}")
    assert not missing, "st.dataframe without placeholder=EMPTY: " + ", ".join(missing)


def test_every_chart_is_drawn_through_show_chart():
    """The walk reads a chart's words only when it is SVG, and its numbers and dates are Russian
    only with the locale: both are set by ui.common.show_chart, so no page calls
    st.altair_chart (or another chart function) itself."""
    import ast

    direct = []
    for source in sorted((ROOT / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr.endswith("_chart") and source.name != "common.py"):
                direct.append(f"{source.name}:{node.lineno} {node.func.attr}")
    assert not direct, "charts drawn without ui.common.show_chart: " + ", ".join(direct)
