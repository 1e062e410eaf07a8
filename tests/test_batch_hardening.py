"""Issue 14, rows 1, 3, 5 and 16: no single input stops the nightly batch, faults of the
environment stop it without using up retries, and `callqa retry` gives retries back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import load_config
from core.errors import ConfigError, ModelNotFoundError
from pipeline.run import RunOptions, run
from store import db, runs
from tests.cli_runner import invoke
from tests.test_pipeline import write_stereo_call


def _run(folder: Path, transcriber, scorer, **options):
    return run(load_config(), RunOptions(folder=folder, **options), transcriber=transcriber, scorer=scorer)


def _recordings(db_path) -> dict[str, tuple[str, int]]:
    return {path: (status, attempts) for path, status, attempts in
            db.query_rows(db_path, "SELECT path, status, attempts FROM recordings")}


class FailingTranscriber:
    """Raises ``exc`` on every call, the way a missing model shows itself at the first file."""

    name = "failing"

    def __init__(self, exc: Exception):
        self.exc = exc

    def transcribe(self, audio):
        raise self.exc


def test_a_name_that_is_not_utf8_is_processed_and_later_files_too(env, tmp_path, fake_transcriber, scorer):
    """Row 1: a cp1251 name from an SMB share (surrogate escapes) used to stop every run."""
    calls = tmp_path / "calls"
    cp1251 = calls / os.fsdecode("out-79161234567-101-20260915-100000-1.1-\xcf\xf0\xe8\xe2\xe5\xf2.wav".encode("latin-1"))
    write_stereo_call(cp1251, seed=1)
    later = write_stereo_call(calls / "z-after.wav", seed=2)
    summary = _run(calls, fake_transcriber, scorer)
    assert (summary.status, summary.done, summary.failed) == ("completed", 2, 0)
    stored = _recordings(load_config().db_path)
    assert stored[str(later)] == ("done", 1)
    [escaped] = [p for p in stored if "\\xcf\\xf0" in p]
    assert stored[escaped] == ("done", 1)
    status = invoke("status")
    assert status.exit_code == 0 and "completed" in status.output


def test_an_undecodable_name_that_is_not_audio_fails_like_any_other_file(env, tmp_path, fake_transcriber, scorer):
    calls = tmp_path / "calls"
    calls.mkdir()
    bad = calls / os.fsdecode(b"\xff\xfe-broken.wav")
    bad.write_bytes(b"not audio")
    write_stereo_call(calls / "z-good.wav", seed=3)
    summary = _run(calls, fake_transcriber, scorer)
    assert (summary.status, summary.done, summary.failed) == ("completed", 1, 1)
    out = invoke("status").output
    assert "\\xff\\xfe-broken.wav [attempts 1]" in out


def test_a_sub_folder_that_cannot_be_listed_is_shown_in_status_with_the_reason(
        env, tmp_path, monkeypatch, fake_transcriber, scorer):
    """Row 5 (root reads every folder, so the refusal is simulated at os.scandir)."""
    calls = tmp_path / "calls"
    write_stereo_call(calls / "open" / "a.wav", seed=1)
    locked = calls / "locked"
    write_stereo_call(locked / "b.wav", seed=2)
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = _run(calls, fake_transcriber, scorer)
    assert (summary.status, summary.done, summary.failed) == ("completed", 1, 1)
    out = invoke("status").output
    assert f"cannot list folder {locked}: permission denied" in out
    monkeypatch.setattr(os, "scandir", real_scandir)  # the folder becomes readable again
    again = _run(calls, fake_transcriber, scorer)
    assert (again.done, again.failed) == (1, 0)
    assert "cannot list folder" not in invoke("status").output


def test_a_negative_limit_is_refused(env, tmp_path):
    """Row 16: `--limit -1` used to process 11 of 12 and report `skipped 13` of `found 12`."""
    calls = tmp_path / "calls"
    write_stereo_call(calls / "a.wav")
    result = invoke("run", str(calls), "--limit", "-1")
    assert result.exit_code == 2
    assert "-1 is not in the range x>=0" in result.output
    assert not load_config().db_path.exists()


def test_a_missing_model_stops_the_run_with_exit_1_and_uses_no_retry(env, tmp_path, scorer):
    """Row 3: an environment fault is not a fault of each file in turn."""
    calls = tmp_path / "calls"
    for i in range(3):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    with pytest.raises(ModelNotFoundError):
        _run(calls, FailingTranscriber(ModelNotFoundError("Whisper model 'x' is not on this machine")), scorer)
    cfg = load_config()
    assert _recordings(cfg.db_path) == {}  # no attempt counted
    [record] = runs.recent_runs(cfg.db_path)
    assert record.status == "failed" and "not on this machine" in record.message


def test_a_full_disk_stops_the_run_and_uses_no_retry(env, tmp_path, scorer):
    calls = tmp_path / "calls"
    write_stereo_call(calls / "c.wav")
    with pytest.raises(Exception, match="No space left on device"):
        _run(calls, FailingTranscriber(OSError(28, "No space left on device")), scorer)
    assert _recordings(load_config().db_path) == {}


def test_a_crm_file_with_an_unterminated_quote_stops_the_run_before_any_file(env, tmp_path, fake_transcriber, scorer):
    calls = tmp_path / "calls"
    write_stereo_call(calls / "c.wav")
    (calls / "crm.csv").write_text('file;manager;date\n"c.wav;Иван;2026-01-01\nd.wav;Пётр;2026-01-02\n',
                                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"crm.csv, line 3: unexpected end of data"):
        _run(calls, fake_transcriber, scorer)
    cfg = load_config()
    assert _recordings(cfg.db_path) == {}
    assert runs.recent_runs(cfg.db_path)[0].status == "failed"


def test_retry_gives_failed_files_their_attempts_back(env, tmp_path, fake_transcriber, scorer, monkeypatch):
    monkeypatch.setenv("CALLQA_INGEST_MAX_ATTEMPTS", "1")
    calls = tmp_path / "calls"
    calls.mkdir()
    bad = calls / "bad.wav"
    bad.write_bytes(b"not audio")
    other = calls / "other.wav"
    other.write_bytes(b"not audio either")
    _run(calls, fake_transcriber, scorer)
    assert _run(calls, fake_transcriber, scorer).new == 0  # attempts used up
    status = invoke("status").output
    assert "callqa retry --all" in status
    assert invoke("retry").exit_code == 2
    one = invoke("retry", str(bad))
    assert one.exit_code == 0 and f"will retry {bad}" in one.output and str(other) not in one.output
    assert _run(calls, fake_transcriber, scorer).new == 1
    everything = invoke("retry", "--all")
    assert "2 file(s) will be processed again" in everything.output
    assert _run(calls, fake_transcriber, scorer).new == 2
