"""The product installed from its wheel (not an editable checkout) works from any folder.

The wheel is built offline from this checkout and unpacked with ``pip install --target``;
Python then runs with only that folder (and the venv's third-party packages) on its path,
from an empty directory far from the checkout — as on a company's server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.paths import DEMO_DIR, REPO_ROOT

pytestmark = pytest.mark.slow

RUN_TIME_FILES = (
    "scoring/resources/default_rubric.yaml", "scoring/resources/objections.yaml",
    "scoring/resources/rubric.schema.json", "scoring/resources/objections.schema.json",
    "transcribe/resources/transcript-v1.schema.json", "transcribe/resources/role_seed.json",
    "store/migrations/001_initial.sql", "ui/entry.py",
    "scoring/resources/objection-models.json", "scoring/resources/training/handling_answers.yaml",
    "scoring/resources/training/client_turns_none.yaml", "scoring/resources/training/objection_turns_a.yaml",
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Folder holding callqa installed from a freshly built wheel."""
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(build), str(REPO_ROOT)], check=True, capture_output=True, cwd=build)
    wheel = next(build.glob("callqa-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in RUN_TIME_FILES if f not in names]
    assert not missing, f"run-time files missing from the wheel: {missing}"
    assert not any(n.startswith(("data/", "tests/", "tools/", "bench/")) for n in names)
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    return target


def _callqa(installed: Path, cwd: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed), "CALLQA_HOME": str(cwd / "home"),
           "CALLQA_INGEST_MIN_AGE_S": "0", "HF_HUB_OFFLINE": "1"}
    env.pop("CALLQA_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, **kw)


def test_the_installed_product_checks_its_rubric_and_processes_calls(installed, tmp_path):
    checked = _callqa(installed, tmp_path, "rubric", "check")
    assert checked.returncode == 0, checked.stderr
    assert str(installed) in checked.stdout and ": OK" in checked.stdout
    calls = tmp_path / "calls"
    calls.mkdir()
    first = sorted((DEMO_DIR / "audio").glob("*.mp3"))[0]
    shutil.copy(first, calls / first.name)
    ran = _callqa(installed, tmp_path, "run", str(calls), timeout=600)
    assert ran.returncode == 0, ran.stderr
    assert "done 1" in ran.stdout and "failed 0" in ran.stdout, ran.stdout
    status = _callqa(installed, tmp_path, "status")
    assert "calls stored: 1" in status.stdout


def test_the_installed_product_serves_the_ui(installed, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(installed), "CALLQA_HOME": str(tmp_path / "home")}
    ui = subprocess.Popen([sys.executable, "-m", "cli.main", "ui", "--port", str(port)], cwd=tmp_path,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert ui.poll() is None, ui.stdout.read()
                assert time.monotonic() < deadline, "the UI did not come up in 60 s"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://localhost:{port}/", timeout=5) as r:
            assert r.status == 200
    finally:
        ui.terminate()
        ui.wait(timeout=20)
    # stopping `callqa ui` stops the server: no Streamlit is left behind on the port
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1).close()
        except OSError:
            break
        assert time.monotonic() < deadline, "the UI server outlived `callqa ui`"
        time.sleep(0.5)
