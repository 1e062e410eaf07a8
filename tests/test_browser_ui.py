"""The review UI in real Debian Chromium: РОП logs in, listens, jumps, overrides, saves a clip."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from store import db
from tests.ui_data import PASSWORD, build_store

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--autoplay-policy=no-user-gesture-required"],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    data = build_store(tmp_path / "callqa.duckdb", n_calls=1, audio_dir=tmp_path / "audio")
    yield from _serve(tmp_path, data.db_path, data)


def _serve(tmp_path, db_path, data):
    port = _free_port()
    env = {**os.environ, "CALLQA_HOME": str(tmp_path), "CALLQA_DB": str(db_path),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("streamlit did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.3)
    yield url, data
    proc.terminate()
    proc.wait(timeout=10)


def _login_and_open_call(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Логин").fill("rop")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_text("Найдено звонков: 1").wait_for(timeout=30_000)
    page.get_by_role("button", name="Открыть", exact=True).click()
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
    manager m3 whose calls nobody reviewed; the owner «boss» can sign in."""
    from store import users as accounts
    from tests.owner_data import WEEK, _healthy_rows, add_call, at, batch, new_store

    path = new_store(tmp_path, managers=("m1", "m2", "m3"))
    with batch(path):
        _healthy_rows(path)
        for day in range(3):
            add_call(path, "m3", at(day, 11, week=WEEK), 75)
    accounts.set_password(path, "boss", PASSWORD)
    yield from _serve(tmp_path, path, path)


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
