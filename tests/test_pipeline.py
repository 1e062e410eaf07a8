"""The nightly batch end to end on real files, with FakeTranscriber standing in for Whisper."""

import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import main
from store import db

SR = 8000


def write_stereo_call(path: Path, seed: int = 0, seconds: float = 6.0) -> Path:
    """Alternating 'turns' of band-limited noise: manager on the left, client on the right."""
    rng = np.random.default_rng(seed)
    n = int(SR * seconds)
    left, right = np.zeros(n), np.zeros(n)
    turn = int(SR * 1.5)
    for i, start in enumerate(range(0, n - turn, turn)):
        burst = rng.normal(0, 0.3, turn) * np.hanning(turn)
        (left if i % 2 == 0 else right)[start : start + turn] += burst
    pcm = (np.stack([left, right], axis=1).clip(-1, 1) * 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())
    return path


def write_bad_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    bad = {}
    bad["empty"] = folder / "out-79160000001-101-20260901-100000-1.1.wav"
    bad["empty"].write_bytes(b"")
    bad["text"] = folder / "out-79160000002-101-20260901-100100-1.2.mp3"
    bad["text"].write_text("это не аудио, а текстовый файл\n" * 20, encoding="utf-8")
    good = write_stereo_call(folder / "tmp.wav", seed=99)
    data = good.read_bytes()
    good.unlink()
    bad["truncated"] = folder / "out-79160000003-101-20260901-100200-1.3.wav"
    bad["truncated"].write_bytes(data[:30])
    return bad


@pytest.fixture()
def env(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CALLQA_HOME", str(home))
    monkeypatch.setenv("CALLQA_INGEST_MIN_AGE_S", "0")
    monkeypatch.delenv("CALLQA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return home


def _invoke(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_run_mixes_good_and_bad_files_and_reports_each(env, tmp_path):
    calls = tmp_path / "calls"
    for i in range(3):
        write_stereo_call(calls / "sub" / f"out-7916123456{i}-10{i}-20260915-10{i}000-17580000{i}.1.wav", seed=i)
    bad = write_bad_inputs(calls)
    result = _invoke("run", str(calls), "--fake-asr")
    assert result.exit_code == 0, result.output
    assert "done 3" in result.output and "failed 3" in result.output
    status = _invoke("status")
    for path in bad.values():
        assert path.name in status.output
    assert status.output.count("attempts 1") == 3
    again = _invoke("run", str(calls), "--fake-asr")
    assert "new 3" in again.output  # only the failed files are retried
    assert "done 0" in again.output


def test_second_run_processes_nothing_new_and_renamed_files_are_known(env, tmp_path):
    calls = tmp_path / "calls"
    a = write_stereo_call(calls / "a.wav", seed=1)
    write_stereo_call(calls / "b.wav", seed=2)
    assert "done 2" in _invoke("run", str(calls), "--fake-asr").output
    a.rename(calls / "renamed.wav")
    (calls / "copy.wav").write_bytes((calls / "b.wav").read_bytes())
    out = _invoke("run", str(calls), "--fake-asr").output
    assert "new 0" in out and "done 0" in out
    assert db.query_rows(env / "callqa.duckdb", "SELECT count(*) FROM calls")[0][0] == 2


def test_a_call_whose_name_has_no_time_is_dated_by_the_file(env, tmp_path):
    """An undated call would vanish from every weekly figure: the file's mtime stands in,
    flagged so the call page can say so; a dated name keeps its own time."""
    calls = tmp_path / "calls"
    undated = write_stereo_call(calls / "zapis.wav", seed=3)
    os.utime(undated, (1757930400, 1757930400))  # 2025-09-15 10:00 UTC
    write_stereo_call(calls / "out-79161234560-101-20260915-100000-1758000000.1.wav", seed=4)
    assert "done 2" in _invoke("run", str(calls), "--fake-asr").output
    rows = dict(db.query_rows(env / "callqa.duckdb", "SELECT path, flags FROM calls"))
    started = dict(db.query_rows(env / "callqa.duckdb", "SELECT path, started_at FROM calls"))
    assert "time_from_mtime" in (rows[str(undated)] or "")
    assert started[str(undated)].date().isoformat() == "2025-09-15"
    dated = next(p for p in rows if "20260915" in p)
    assert "time_from_mtime" not in (rows[dated] or "")
    assert str(started[dated]) == "2026-09-15 10:00:00"


def test_dry_run_and_limit(env, tmp_path):
    calls = tmp_path / "calls"
    for i in range(3):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    out = _invoke("run", str(calls), "--dry-run").output
    assert out.count("would process") == 3
    assert db.query_rows(env / "callqa.duckdb", "SELECT count(*) FROM calls")[0][0] == 0
    out = _invoke("run", str(calls), "--fake-asr", "--limit", "1").output
    assert "done 1" in out


def _cli(*args, extra_env=None):
    e = dict(os.environ, **(extra_env or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args], env=e,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_kill_9_mid_run_then_rerun_keeps_every_call_once(env, tmp_path):
    calls = tmp_path / "calls"
    for i in range(8):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    proc = _cli("run", str(calls), "--fake-asr", extra_env={"CALLQA_FAKE_ASR_DELAY_S": "0.7"})
    dbfile = env / "callqa.duckdb"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.3)
        try:
            if db.query_rows(dbfile, "SELECT count(*) FROM calls")[0][0] >= 2:
                break
        except Exception:
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = db.query_rows(dbfile, "SELECT count(*) FROM calls")[0][0]
    assert 2 <= done_before < 8
    rerun = _cli("run", str(calls), "--fake-asr")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert db.query_rows(dbfile, "SELECT count(*), count(DISTINCT call_id) FROM calls")[0] == (8, 8)
    statuses = dict(db.query_rows(dbfile, "SELECT status, count(*) FROM runs GROUP BY 1"))
    assert statuses == {"failed": 1, "completed": 1}  # the killed run, marked by the rerun


def test_a_second_concurrent_run_is_refused_with_a_clear_message(env, tmp_path):
    calls = tmp_path / "calls"
    for i in range(4):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    first = _cli("run", str(calls), "--fake-asr", extra_env={"CALLQA_FAKE_ASR_DELAY_S": "1"})
    time.sleep(4)
    second = _cli("run", str(calls), "--fake-asr")
    _, err = second.communicate(timeout=60)
    first.communicate(timeout=120)
    assert second.returncode == 1
    assert "already processing calls" in err
