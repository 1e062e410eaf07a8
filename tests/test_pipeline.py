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
from core.config import load_config
from pipeline.run import RunOptions, RunSummary, run
from store import db
from tests.cli_runner import invoke

ROOT = Path(__file__).resolve().parent.parent

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
def run_calls(env, fake_transcriber, scorer):
    """What `callqa run FOLDER` does, with FakeTranscriber standing in for Whisper (and the
    session's scorer, so spaCy loads once)."""

    def run_calls(folder: Path, **options) -> RunSummary:
        return run(load_config(), RunOptions(folder=folder, **options), transcriber=fake_transcriber, scorer=scorer)

    return run_calls


def test_run_mixes_good_and_bad_files_and_reports_each(env, tmp_path, run_calls):
    calls = tmp_path / "calls"
    for i in range(3):
        write_stereo_call(calls / "sub" / f"out-7916123456{i}-10{i}-20260915-10{i}000-17580000{i}.1.wav", seed=i)
    bad = write_bad_inputs(calls)
    summary = run_calls(calls)
    assert (summary.found, summary.new, summary.done, summary.failed) == (6, 6, 3, 3)
    status = invoke("status")
    for path in bad.values():
        assert path.name in status.output
    assert status.output.count("attempts 1") == 3
    again = run_calls(calls)
    assert (again.new, again.done, again.failed) == (3, 0, 3)  # only the failed files are retried


def test_second_run_processes_nothing_new_and_renamed_files_are_known(env, tmp_path, run_calls):
    calls = tmp_path / "calls"
    a = write_stereo_call(calls / "a.wav", seed=1)
    write_stereo_call(calls / "b.wav", seed=2)
    assert run_calls(calls).done == 2
    a.rename(calls / "renamed.wav")
    (calls / "copy.wav").write_bytes((calls / "b.wav").read_bytes())
    again = run_calls(calls)
    assert (again.new, again.done) == (0, 0)
    assert db.query_rows(env / "callqa.duckdb", "SELECT count(*) FROM calls")[0][0] == 2


def test_a_call_whose_name_has_no_time_is_dated_by_the_file(env, tmp_path, run_calls):
    """An undated call would vanish from every weekly figure: the file's mtime stands in,
    flagged so the call page can say so; a dated name keeps its own time."""
    calls = tmp_path / "calls"
    undated = write_stereo_call(calls / "zapis.wav", seed=3)
    os.utime(undated, (1757930400, 1757930400))  # 2025-09-15 10:00 UTC
    write_stereo_call(calls / "out-79161234560-101-20260915-100000-1758000000.1.wav", seed=4)
    assert run_calls(calls).done == 2
    rows = dict(db.query_rows(env / "callqa.duckdb", "SELECT path, flags FROM calls"))
    started = dict(db.query_rows(env / "callqa.duckdb", "SELECT path, started_at FROM calls"))
    assert "time_from_mtime" in (rows[str(undated)] or "")
    assert started[str(undated)].date().isoformat() == "2025-09-15"
    dated = next(p for p in rows if "20260915" in p)
    assert "time_from_mtime" not in (rows[dated] or "")
    assert str(started[dated]) == "2026-09-15 10:00:00"


def test_the_recogniser_hears_the_name_the_managers_list_gives_the_extension(env, tmp_path, scorer, monkeypatch):
    """A call of extension 101 reaches the recogniser with its manager's name from the managers
    list (to bias and correct the name); the file name's own name wins; nothing else changes."""
    seen = []

    class Recorder:
        name = "recorder"

        def transcribe(self, audio, meta=None):
            from core.types import Transcript
            seen.append(meta.manager_name if meta else None)
            return Transcript(segments=(), asr_model=self.name)

    (tmp_path / "callqa.toml").write_text('[managers."101"]\nname = "Максим Петров"\n', encoding="utf-8")
    monkeypatch.setenv("CALLQA_CONFIG", str(tmp_path / "callqa.toml"))
    calls = tmp_path / "calls"
    write_stereo_call(calls / "out-79161234560-101-20260915-100000-1758000000.1.wav", seed=4)
    write_stereo_call(calls / "out-79161234561-102-20260915-110000-1758000001.1.wav", seed=5)
    summary = run(load_config(), RunOptions(folder=calls), transcriber=Recorder(), scorer=scorer)
    assert summary.done == 2
    assert len(seen) == 2 and set(seen) == {"Максим Петров", None}


def test_dry_run_and_limit(env, tmp_path, run_calls):
    calls = tmp_path / "calls"
    for i in range(3):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    out = invoke("run", str(calls), "--dry-run").output
    assert out.count("would process") == 3
    assert db.query_rows(env / "callqa.duckdb", "SELECT count(*) FROM calls")[0][0] == 0
    assert run_calls(calls, limit=1).done == 1
    assert db.query_rows(env / "callqa.duckdb", "SELECT count(*) FROM calls")[0][0] == 1


def _fake_asr_run(folder: Path, hold_after: int | None = None, release: Path | None = None):
    """tests/fake_asr_run.py in a process of its own (see its docstring)."""
    args = [sys.executable, str(ROOT / "tests" / "fake_asr_run.py"), str(folder)]
    if hold_after is not None:
        args += ["--hold-after", str(hold_after), "--release", str(release)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _wait_for(condition, proc, timeout_s: float = 60.0) -> None:
    """Poll ``condition()`` until true; fail if ``proc`` ends first or time runs out."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the run ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met in {timeout_s} s")
        time.sleep(0.05)


def _stored_calls(dbfile: Path) -> int:
    try:
        return db.query_rows(dbfile, "SELECT count(*) FROM calls")[0][0]
    except Exception:  # the file does not exist yet, or the batch holds it
        return 0


@pytest.mark.slow  # two processes, each loading the scorer: ~10 s
def test_kill_9_mid_run_then_rerun_keeps_every_call_once(env, tmp_path, run_calls):
    """A run in its own process (tests/fake_asr_run.py: FakeTranscriber through
    ``pipeline.run.run``) holds after 3 calls; kill -9 it, run again: every call once."""
    calls = tmp_path / "calls"
    for i in range(6):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    dbfile = env / "callqa.duckdb"
    proc = _fake_asr_run(calls, hold_after=3, release=tmp_path / "never")
    try:
        _wait_for(lambda: _stored_calls(dbfile) >= 3, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert _stored_calls(dbfile) == 3
    rerun = run_calls(calls)
    assert (rerun.new, rerun.done) == (3, 3)
    assert db.query_rows(dbfile, "SELECT count(*), count(DISTINCT call_id) FROM calls")[0] == (6, 6)
    statuses = dict(db.query_rows(dbfile, "SELECT status, count(*) FROM runs GROUP BY 1"))
    assert statuses == {"failed": 1, "completed": 1}  # the killed run, marked by the rerun


@pytest.mark.slow  # a second process loading the scorer: ~8 s
def test_a_second_concurrent_run_is_refused_with_a_clear_message(env, tmp_path):
    """While a run in another process (tests/fake_asr_run.py) holds mid-batch, `callqa run`
    on the same home is refused before it loads any model."""
    calls = tmp_path / "calls"
    for i in range(2):
        write_stereo_call(calls / f"c{i}.wav", seed=i)
    release = tmp_path / "release"
    first = _fake_asr_run(calls, hold_after=1, release=release)
    try:
        _wait_for(lambda: _stored_calls(env / "callqa.duckdb") >= 1, first)
        second = CliRunner().invoke(main, ["run", str(calls)])
    finally:
        release.touch()
        out, err = first.communicate(timeout=60)
    assert second.exit_code == 1
    assert "already processing calls" in second.output
    assert first.returncode == 0, err
    assert "done 2" in out


def _grow(path: Path, extra_s: float = 1.5) -> None:
    """The PBX appends more of the call (and the WAV's data keeps growing)."""
    with open(path, "ab") as fh:
        fh.write(np.zeros(int(SR * extra_s) * 2, "<i2").tobytes())


def _row_count(env, table: str) -> int:
    return db.query_rows(env / "callqa.duckdb", f"SELECT count(*) FROM {table}")[0][0]


@pytest.mark.parametrize("when", ["before_decode", "during_decode"])
def test_a_file_still_being_written_is_skipped_until_stable_and_becomes_one_call(
        env, tmp_path, run_calls, monkeypatch, when):
    """min_age_s = 0 (the env fixture): the file grows after discovery hashed it — before the
    decoder opens it, or while it decodes. Skipped, not failed, no attempt used; the next run
    takes the finished file, and it is one call, not two."""
    import ingest

    calls = tmp_path / "calls"
    path = write_stereo_call(calls / "out-79161234560-101-20260915-100000-1758000000.1.wav", seed=5)
    real_find, real_decode = ingest.find_recordings, ingest.decode
    grown = []

    def find_then_grow(*a, **kw):
        found = real_find(*a, **kw)
        if when == "before_decode" and not grown:
            _grow(path)
            grown.append(1)
        return found

    def decode_while_growing(p, *a, **kw):
        audio = real_decode(p, *a, **kw)
        if when == "during_decode" and not grown:
            _grow(path)
            grown.append(1)
        return audio

    monkeypatch.setattr(ingest, "find_recordings", find_then_grow)
    monkeypatch.setattr(ingest, "decode", decode_while_growing)
    first = run_calls(calls)
    assert (first.found, first.done, first.failed, first.skipped) == (1, 0, 0, 1)
    assert _row_count(env, "calls") == 0 and _row_count(env, "recordings") == 0
    again = run_calls(calls)
    assert (again.done, again.failed) == (1, 0)
    assert _row_count(env, "calls") == 1
    third = run_calls(calls)
    assert (third.new, third.done) == (0, 0) and _row_count(env, "calls") == 1


def test_a_text_file_with_an_audio_name_fails_with_the_reason_not_as_a_call(env, tmp_path, run_calls):
    calls = tmp_path / "calls"
    (calls).mkdir()
    (calls / "notes.gsm").write_text("заметки менеджера о звонке\n" * 30, encoding="utf-8")
    summary = run_calls(calls)
    assert (summary.done, summary.failed) == (0, 1)
    assert _row_count(env, "calls") == 0
    error = db.query_rows(env / "callqa.duckdb", "SELECT error FROM recordings")[0][0]
    assert "не аудиофайл: текст" in error


def test_config_layout_reads_the_stored_calls_and_suggests_the_pbx_layout(env, tmp_path, scorer):
    """`callqa config layout`: an Asterisk-like PBX (the caller's leg left) seen in the stored
    calls' roles is suggested as stereo_layout = caller_left."""
    from core.types import Segment, Transcript

    class CallerLeft:
        name = "caller-left"

        def transcribe(self, audio, meta=None):
            manager = 1 if meta and meta.direction == "in" else 0
            segs = tuple(Segment(i, "manager" if ch == manager else "client", i * 2.0, i * 2.0 + 1.5,
                                 "Здравствуйте, компания Окна." if ch == manager else "Да, слушаю.", channel=ch)
                         for i, ch in enumerate((0, 1, 0, 1)))
            return Transcript(segments=segs, asr_model=self.name)

    before = CliRunner().invoke(main, ["config", "layout"])  # before any run: a clear message
    assert "no database" in before.output or "no suggestion: too few sure stereo calls" in before.output
    calls = tmp_path / "calls"
    for i in range(22):
        direction = "in" if i % 2 else "out"
        write_stereo_call(calls / f"{direction}-7916123{i:04d}-101-20260915-1{i:02d}000-17580{i:05d}.1.wav", seed=i)
    summary = run(load_config(), RunOptions(folder=calls), transcriber=CallerLeft(), scorer=scorer)
    assert summary.done == 22
    out = invoke("config", "layout").output
    assert "inbound" in out and "outbound" in out
    assert 'suggested: stereo_layout = "caller_left"' in out, out
