"""The callqa UI served by a real Streamlit process for the Chromium tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path, db_path: Path, data) -> Iterator[tuple[str, object]]:
    """Start ``streamlit run app.py`` on a free port with ``home`` and ``db_path``; yield
    ``(url, data)`` once its health check answers; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "CALLQA_HOME": str(home), "CALLQA_DB": str(db_path), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
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


def sign_in(page, url: str, login: str = "rop") -> None:
    """Sign in through the login form (tests.ui_data.PASSWORD) and wait for the signed-in page."""
    from tests.ui_data import PASSWORD

    page.goto(url)
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("button", name="Выйти").wait_for(timeout=30_000)
    # the session cookie is written by a component a moment after the page shows the user: a
    # new tab opened before that lands on the login form
    page.wait_for_function("() => document.cookie.includes('callqa_session=')", timeout=30_000)
