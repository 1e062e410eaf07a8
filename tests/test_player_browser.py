"""Player ↔ transcript in real Debian Chromium: the playing line is followed, a click seeks,
evidence and search hits are marked, the player column stays in view, library clips stop at
their end and link back to the call."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from store import review
from tests.streamlit_server import serve, sign_in
from tests.ui_data import build_store, user

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CLIP = (4.4, 6.6)  # segment 2, «Как я могу к вам обращаться?»

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path):
    """A one-call store with a 30 s recording (13 lines, 2.2 s apart) and one library clip."""
    data = build_store(tmp_path / "callqa.duckdb", n_calls=1, audio_dir=tmp_path / "audio")
    review.add_training_item(data.db_path, user("rop"), data.call_ids[0], *CLIP, "example", "Как спросить имя")
    yield from serve(tmp_path, data.db_path, data)


def _now_idx(page) -> str | None:
    now = page.locator(".cq-line.cq-now")
    return now.get_attribute("data-idx") if now.count() == 1 else None


def _wait_now(page, idx: int) -> None:
    deadline = time.monotonic() + 20
    while _now_idx(page) != str(idx):
        assert time.monotonic() < deadline, f"line {idx} never highlighted (now: {_now_idx(page)})"
        time.sleep(0.1)


def _audio_time(page) -> float:
    return page.locator("audio").evaluate("a => a.currentTime")


def test_transcript_follows_the_player_and_a_click_seeks(server, page):
    url, data = server
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 640})
    sign_in(page, url)
    page.goto(f"{url}/call?call_id={data.call_ids[0]}")  # a new tab: signed in from the cookie
    lines = page.locator(".cq-line")
    lines.first.wait_for(timeout=30_000)
    assert lines.count() == 13
    audio = page.locator("audio")
    audio.evaluate("a => new Promise(r => a.readyState >= 1 ? r() : a.addEventListener('loadedmetadata', r))")

    # evidence of the verdicts (0, 2, 4, …) and the objection (7) and its answer (8) are marked
    evidence = {lines.nth(k).get_attribute("data-idx") for k in range(13)
                if "cq-evidence" in lines.nth(k).get_attribute("class")}
    assert {"0", "2", "7", "8", "12"} <= evidence and "1" not in evidence

    # a seek to 9 s highlights line 4 ([8.8, 10.8)); playing on moves the highlight to line 5
    audio.evaluate("a => { a.currentTime = 9.0; }")
    _wait_now(page, 4)
    audio.evaluate("a => a.play()")
    _wait_now(page, 5)
    audio.evaluate("a => a.pause()")
    assert 11.0 <= _audio_time(page) < 13.0

    # the last line is scrolled into view inside the transcript box, not the page
    audio.evaluate("a => { a.currentTime = 26.6; }")
    _wait_now(page, 12)
    box = page.locator(".cq-transcript")
    page.wait_for_function(
        "() => { const box = [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)"
        ".map(r => r.querySelector('.cq-transcript')).find(Boolean);"
        " const row = box.querySelector('.cq-now'); const b = box.getBoundingClientRect(),"
        " l = row.getBoundingClientRect(); return l.top >= b.top - 1 && l.bottom <= b.bottom + 1; }",
        timeout=10_000,
    )
    assert box.evaluate("b => b.scrollTop") > 0, "the box did not scroll (is the viewport too tall?)"
    page.locator(".cq-player").screenshot(path=str(ARTIFACTS / "player-transcript-followed.png"))

    # a click on line 10 («Запишу вас на замер…», 22.0 s) seeks there and plays
    page.locator('.cq-line[data-idx="10"]').click()
    _wait_now(page, 10)
    assert 22.0 <= _audio_time(page) < 24.5
    audio.evaluate("a => a.pause()")

    # «Найти в разговоре» marks the lines that hold the phrase
    page.get_by_label("Найти в разговоре").fill("ЗАМЕР")
    page.get_by_label("Найти в разговоре").press("Enter")
    page.get_by_text("Найдено реплик: 1").wait_for(timeout=30_000)
    page.locator(".cq-line.cq-hit").first.wait_for(timeout=10_000)
    assert [h.get_attribute("data-idx") for h in page.locator(".cq-line.cq-hit").all()] == ["10"]

    # the column with the player stays in view while the page scrolls down to the verdicts
    page.get_by_text("Метрики разговора").scroll_into_view_if_needed()
    page.get_by_text("Метрики разговора").wait_for(timeout=10_000)
    top = audio.bounding_box()["y"]
    assert 0 <= top < 640, f"the player scrolled away (top {top})"
    page.screenshot(path=str(ARTIFACTS / "player-sticky.png"), full_page=False)


def test_library_clip_stops_at_its_end_and_links_to_the_call(server, page):
    url, data = server
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, url)
    # the sidebar, not a new page load: the library opens in this signed-in session
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Библиотека обучения").click()
    page.get_by_role("button", name="Слушать фрагмент").click()
    audio = page.locator("audio")
    page.wait_for_function(
        "() => { const a = [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)"
        ".map(r => r.querySelector('audio')).find(Boolean); return a && a.currentTime > 5.0 && a.paused; }",
        timeout=30_000,
    )
    assert _audio_time(page) == pytest.approx(CLIP[1], abs=0.3)  # paused at the clip end, not played on
    page.screenshot(path=str(ARTIFACTS / "library-clip.png"), full_page=True)

    page.get_by_role("link", name="Открыть звонок с 00:04").click()
    page.get_by_text("Переход к 00:04").wait_for(timeout=30_000)
    assert "t=4.4" in page.url
    page.locator(".cq-line.cq-now").wait_for(timeout=20_000)
    audio.evaluate("a => a.pause()")
    assert CLIP[0] <= _audio_time(page) < CLIP[0] + 10  # jumped to the clip's start, then played on
