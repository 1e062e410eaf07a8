"""Run bookkeeping: a run that stops on an error is finished in the store, and `callqa status`
never shows a dead run as running."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from core.config import load_config
from pipeline.run import RunOptions, run
from store import runs
from tests.test_pipeline import write_stereo_call
from transcribe import FakeTranscriber


@pytest.fixture()
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLQA_INGEST_MIN_AGE_S", "0")
    monkeypatch.delenv("CALLQA_CONFIG", raising=False)
    monkeypatch.delenv("CALLQA_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    return load_config()


def _status() -> str:
    result = CliRunner().invoke(main, ["status"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _run_line(status_output: str, run_id: int) -> str:
    [line] = [ln for ln in status_output.splitlines() if ln.strip().startswith(f"#{run_id} ")]
    return line


def _stop_with(exc: BaseException):
    def progress(name: str, i: int, total: int) -> None:
        if i == 1:
            raise exc
    return progress


def test_a_run_that_stops_on_an_error_is_failed_with_the_reason(cfg, tmp_path):
    calls = tmp_path / "calls"
    for i in range(3):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    with pytest.raises(OSError, match="disk full"):
        run(cfg, RunOptions(calls), transcriber=FakeTranscriber(), progress=_stop_with(OSError("disk full")))
    [record] = runs.recent_runs(cfg.db_path)
    assert record.status == "failed"
    assert record.message == "OSError: disk full"
    assert record.finished_at is not None
    assert record.counts.done == 1
    out = _status()
    assert _run_line(out, record.run_id).split()[3] == "failed"
    assert "OSError: disk full" in out


def test_ctrl_c_finishes_the_run_as_interrupted(cfg, tmp_path):
    write_stereo_call(tmp_path / "calls" / "a.wav")
    write_stereo_call(tmp_path / "calls" / "b.wav", seed=1)
    with pytest.raises(KeyboardInterrupt):
        run(cfg, RunOptions(tmp_path / "calls"), transcriber=FakeTranscriber(),
            progress=_stop_with(KeyboardInterrupt()))
    [record] = runs.recent_runs(cfg.db_path)
    assert (record.status, record.message) == ("interrupted", "stopped by the user (Ctrl-C)")


def test_a_running_row_without_a_live_run_shows_failed_and_the_next_run_marks_it(cfg, tmp_path):
    """A process killed outright cannot finish its row; no run holds the lock, so it is dead."""
    dead = runs.start_run(cfg.db_path, tmp_path / "calls")
    assert runs.recent_runs(cfg.db_path)[0].status == "running"
    out = _status()
    assert _run_line(out, dead).split()[3] == "failed"
    assert runs.DEAD_RUN_MESSAGE in out
    write_stereo_call(tmp_path / "calls" / "a.wav")
    summary = run(cfg, RunOptions(tmp_path / "calls"), transcriber=FakeTranscriber())
    assert summary.status == "completed"
    by_id = {r.run_id: r for r in runs.recent_runs(cfg.db_path)}
    assert (by_id[dead].status, by_id[dead].message) == ("failed", runs.DEAD_RUN_MESSAGE)
    assert by_id[summary.run_id].status == "completed"
    assert by_id[summary.run_id].message is None


def test_store_totals_and_failed_recordings_feed_status(cfg, tmp_path):
    calls = tmp_path / "calls"
    write_stereo_call(calls / "good.wav")
    (calls / "empty.wav").write_bytes(b"")
    run(cfg, RunOptions(calls), transcriber=FakeTranscriber())
    assert runs.store_totals(cfg.db_path) == runs.StoreTotals(recordings_done=1, recordings_failed=1, calls=1)
    [failed] = runs.failed_recordings(cfg.db_path)
    assert failed.path.endswith("empty.wav") and failed.attempts == 1 and failed.error
