"""Fixtures shared by the test modules.

``home``  an empty CALLQA_HOME in ``tmp_path`` (and no CALLQA_CONFIG / CALLQA_DB from outside)
``cfg``   the configuration of that home (defaults + environment)
``store`` the DuckDB file of that home, migrated and empty
``scorer`` the shipped rubric and objection model (built once per session: spaCy loads once)
``fake_transcriber`` FakeTranscriber, the stand-in for Whisper in tests of other stages

Hypothesis: ``make test`` runs the property tests with the ``full`` profile (200 examples each),
``make test-fast`` with ``fast`` (15); a test's own ``@settings`` keeps only what it must.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from core.config import Config, load_config
from store import db
from transcribe import FakeTranscriber

# Tests check the rules themselves; the correction models shipped for the default rubric (trained
# on the evaluation corpus) are tested on their own (test_scoring_corrections.py) and measured by
# bench/quality.py. Subprocesses started by tests inherit this.
os.environ.setdefault("CALLQA_SCORING_BOOTSTRAP_MODELS", "false")

settings.register_profile("full", max_examples=200, deadline=None)
settings.register_profile("fast", max_examples=15, deadline=None)
settings.load_profile("full")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Playwright drives Debian's Chromium (never `playwright install`), headless, audio allowed
    to start without a click (the player tests)."""
    return {
        "executable_path": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--autoplay-policy=no-user-gesture-required"],
    }


@pytest.fixture(autouse=True)
def _fast_password_hashes(monkeypatch):
    """bcrypt at its lowest cost in tests (the cost is not what they check); ``store.users``
    keeps 12 rounds for real accounts."""
    from store import users

    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("CALLQA_HOME", str(home))
    monkeypatch.delenv("CALLQA_CONFIG", raising=False)
    monkeypatch.delenv("CALLQA_DB", raising=False)
    return home


@pytest.fixture
def cfg(home) -> Config:
    return load_config()


@pytest.fixture
def store(cfg) -> Path:
    db.init(cfg.db_path)
    return cfg.db_path


@pytest.fixture(scope="session")
def scorer():
    from tests.scoring_calls import scorer

    return scorer()


@pytest.fixture
def fake_transcriber() -> FakeTranscriber:
    return FakeTranscriber()


@pytest.fixture
def env(home, tmp_path, monkeypatch):
    """A fresh CALLQA_HOME that takes files at once (no minimum age), tmp_path as the cwd."""
    monkeypatch.setenv("CALLQA_INGEST_MIN_AGE_S", "0")
    monkeypatch.chdir(tmp_path)
    return home
