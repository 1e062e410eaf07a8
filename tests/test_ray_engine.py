"""The nightly batch on Ray (pipeline.ray_engine).

* without Ray: the [cluster] settings, the install hint, and the head's loop (bounded in
  flight, a dead worker's recording sent elsewhere) against a stand-in for the ray module;
* a local Ray (2 CPUs, FakeTranscriber built on the workers): the same calls, segments and
  verdicts as the local engine; a node without the model named in the error;
* slow: a two-node cluster on this machine (`ray start --head` + `ray start --address`), one
  worker process killed mid-call, every call stored once.

Every test that starts Ray ends with `ray stop --force`: no Ray process is left behind.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from core.config import load_config
from core.errors import CallQAError, ConfigError
from ingest import find_recordings
from pipeline import ray_engine
from pipeline.run import RunOptions, RunSummary, configured_engine, run
from store import db
from tests import ray_helpers
from tests.audio_factory import speech_like, write_audio

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install 'callqa[ray]')")

TABLES = {  # table → (columns compared, order)
    "calls": ("call_id, recording_sha, path, started_at, direction, manager_id, manager_ext, "
              "client_masked, duration_s, channels, true_stereo, source, asr_model, flags", "call_id"),
    "segments": ("*", "call_id, idx"),
    "call_scores": ("call_id, rubric_id, rubric_version, score_pct, points, max_points, "
                    "fatal_failed, applicable, uncertain, call_type, started_at", "call_id"),
    "criterion_results": ("*", "call_id, criterion_id"),
    "objections": ("*", "call_id, n"),
    "call_metrics": ("*", "call_id"),
    "recordings": ("sha256, path, size, status, error, attempts, flags", "sha256"),
}


def make_calls(folder: Path, n: int = 4) -> Path:
    """``n`` stereo calls with Asterisk names (8 kHz, 30 s: long enough to be scored as sales
    calls) and one text file posing as audio."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name = f"out-7916123450{i}-10{i % 3 + 1}-20260915-1030{i:02d}-175800000{i}.{i}.wav"
        write_audio(folder / name, [speech_like(30, 8000, seed=i),
                                           speech_like(30, 8000, seed=50 + i, offset_s=1.0)], 8000)
    (folder / "in-101-79160000009-20260915-110000-1.9.mp3").write_text(
        "это не аудио, а текстовый файл\n" * 10, encoding="utf-8")
    return folder


def dump(db_path: Path) -> dict[str, list[tuple]]:
    out = {}
    with db.reader(db_path) as con:
        for table, (cols, order) in TABLES.items():
            out[table] = con.execute(f"SELECT {cols} FROM {table} ORDER BY {order}").fetchall()
    return out


def _home_cfg(monkeypatch, home: Path):
    monkeypatch.setenv("CALLQA_HOME", str(home))
    return load_config()


@pytest.fixture()
def calls_env(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLQA_CONFIG", raising=False)
    monkeypatch.delenv("CALLQA_DB", raising=False)
    monkeypatch.setenv("CALLQA_INGEST_MIN_AGE_S", "0")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- without Ray -----------------------------------------------------------------------------

def test_cluster_settings_are_listed_and_local_is_the_default(calls_env, monkeypatch):
    monkeypatch.setenv("CALLQA_HOME", str(calls_env / "home"))
    result = CliRunner().invoke(main, ["config", "show"], catch_exceptions=False)
    for key in ("cluster.engine = 'local'", "cluster.address", "cluster.workers",
                "cluster.max_in_flight", "cluster.cpus_per_worker"):
        assert key in result.output
    assert configured_engine(load_config()) is None


def test_ray_engine_without_ray_names_the_install_command(calls_env, monkeypatch):
    cfg = _home_cfg(monkeypatch, calls_env / "home").with_values({"cluster.engine": "ray"})
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'callqa\[ray\]'"):
        configured_engine(cfg)
    folder = make_calls(calls_env / "calls", 1)
    result = CliRunner().invoke(main, ["run", str(folder), "--engine", "ray"])
    assert result.exit_code == 1 and "pip install 'callqa[ray]'" in result.output


def test_unknown_engine_is_a_config_error(calls_env, monkeypatch):
    cfg = _home_cfg(monkeypatch, calls_env / "home").with_values({"cluster.engine": "spark"})
    with pytest.raises(ConfigError, match="not one of local, ray"):
        configured_engine(cfg)


class _Ref:
    def __init__(self, value=None, error=None):
        self.value, self.error = value, error


class _FakeRay:
    """The few ray calls the head's loop makes, run synchronously in this process."""

    class exceptions:  # noqa: N801 (the ray module's name)
        class RayError(Exception):
            pass

        class RayTaskError(RayError):
            pass

        class RayActorError(RayError):
            pass

    def __init__(self):
        self.max_pending = 0
        self.puts = 0

    def put(self, data):
        self.puts += 1
        return _Ref(data)

    def wait(self, refs, num_returns=1):
        self.max_pending = max(self.max_pending, len(refs))
        return refs[:num_returns], refs[num_returns:]

    def get(self, ref):
        if ref.error:
            raise ref.error
        return ref.value


class _FakeActor:
    """Runs CallWorker.process here; ``die_on`` names recordings on which its process dies."""

    def __init__(self, worker, ray, die_on=()):
        self.worker, self.ray, self.die_on, self.seen = worker, ray, set(die_on), []
        self.process = self  # actor.process.remote(...)

    def remote(self, rec, meta, data_ref):
        self.seen.append(rec.path.name)
        if rec.path.name in self.die_on:
            return _Ref(error=self.ray.exceptions.RayActorError("worker process died"))
        return _Ref(self.worker.process(rec, meta, data_ref.value if data_ref else None))


def _head_setup(calls_env, monkeypatch, scorer, fake_transcriber, n_calls: int):
    """(cfg, calls folder, stand-in ray, an in-process worker) for driving the head's loop."""
    cfg = _home_cfg(monkeypatch, calls_env / "home")
    folder = make_calls(calls_env / "calls", n_calls)
    return cfg, folder, _FakeRay(), _worker(cfg, scorer, fake_transcriber)


def _wavs(folder: Path) -> list:
    return [f for f in find_recordings(folder, min_age_s=0) if f.path.suffix == ".wav"]


def _worker(cfg, scorer, fake_transcriber):
    w = ray_engine.CallWorker.__new__(ray_engine.CallWorker)
    w.cfg, w.scorer, w.transcriber = cfg, scorer, fake_transcriber
    w.node, w.node_id, w.setup_error = "10.0.0.1", "n1", None
    return w


def test_head_loop_bounds_in_flight_and_resends_a_dead_workers_call(
        calls_env, monkeypatch, scorer, fake_transcriber):
    cfg, folder, fake, worker = _head_setup(calls_env, monkeypatch, scorer, fake_transcriber, 6)
    doomed = sorted(p.name for p in folder.glob("*.wav"))[2]
    actors = [_FakeActor(worker, fake, die_on={doomed}), _FakeActor(worker, fake),
              _FakeActor(worker, fake, die_on={doomed})]
    todo = find_recordings(folder, min_age_s=0)
    summary, seen = RunSummary(new=len(todo)), []
    ray_engine._Stream(fake, cfg, todo, actors, {"n1": "10.0.0.1"}, summary,
                       lambda name, i, total: seen.append((name, i, total)), limit=2).run()
    assert fake.max_pending <= 2
    assert (summary.done, summary.failed) == (6, 1)  # the text file is a failed row
    assert doomed in actors[1].seen  # sent on to the worker that had not died on it
    assert [i for _, i, _ in seen] == list(range(7)) and {t for *_, t in seen} == {7}
    assert summary.nodes["10.0.0.1"].calls == 6
    states = dict(db.query_rows(cfg.db_path, "SELECT status, count(*) FROM recordings GROUP BY 1"))
    assert states == {"done": 6, "failed": 1}


def test_a_recording_every_worker_dies_on_becomes_a_failed_row(
        calls_env, monkeypatch, scorer, fake_transcriber):
    cfg, folder, fake, worker = _head_setup(calls_env, monkeypatch, scorer, fake_transcriber, 2)
    doomed = sorted(p.name for p in folder.glob("*.wav"))[0]
    actors = [_FakeActor(worker, fake, die_on={doomed}) for _ in range(2)]
    todo = _wavs(folder)
    summary = RunSummary(new=len(todo))
    ray_engine._Stream(fake, cfg, todo, actors, {}, summary, None, limit=4).run()
    assert (summary.done, summary.failed) == (1, 1)
    error = db.query_rows(cfg.db_path, "SELECT error FROM recordings WHERE status = 'failed'")[0][0]
    assert "died 3 times" in error and doomed in error


class _InProcessEngine:
    """RayEngine.process with the stand-in ray: the head's loop, this process's workers."""

    def __init__(self, worker):
        self.worker = worker

    def process(self, cfg, todo, summary, scorer, progress=None):
        fake = _FakeRay()
        ray_engine._Stream(fake, cfg, todo, [_FakeActor(self.worker, fake)], {}, summary,
                           progress, limit=2).run()


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_a_killed_head_resumes_without_duplicates(calls_env, monkeypatch, scorer, fake_transcriber):
    cfg = _home_cfg(monkeypatch, calls_env / "home")
    folder = make_calls(calls_env / "calls", 5)
    engine = _InProcessEngine(_worker(cfg, scorer, fake_transcriber))

    def stop_after_three(name, i, total):
        if i == 3:
            raise KeyboardInterrupt  # the head dies with results in flight

    with pytest.raises(KeyboardInterrupt):
        run(cfg, RunOptions(folder), scorer=scorer, engine=engine, progress=stop_after_three)
    stored = db.query_rows(cfg.db_path, "SELECT count(*) FROM calls")[0][0]
    assert 0 < stored < 5
    again = run(cfg, RunOptions(folder), scorer=scorer, engine=engine)
    assert again.done == 5 - stored and again.status == "completed"
    rows = db.query_rows(cfg.db_path, "SELECT call_id, count(*) FROM calls GROUP BY 1")
    assert len(rows) == 5 and all(n == 1 for _, n in rows)
    assert db.query_rows(cfg.db_path, "SELECT count(*) FROM segments")[0][0] == 5 * 7


def test_shared_folder_sends_paths_and_names_a_node_without_the_mount(
        calls_env, monkeypatch, scorer, fake_transcriber):
    cfg, folder, fake, worker = _head_setup(calls_env, monkeypatch, scorer, fake_transcriber, 2)
    todo = _wavs(folder)
    summary = RunSummary(new=len(todo))
    ray_engine._Stream(fake, cfg, todo, [_FakeActor(worker, fake)], {}, summary, None, limit=2,
                       shared=True).run()
    assert (summary.done, summary.failed, fake.puts) == (2, 0, 0)  # no bytes through the store
    moved = calls_env / "elsewhere"
    folder.rename(moved)
    summary = RunSummary(new=len(todo))
    ray_engine._Stream(fake, cfg, todo, [_FakeActor(worker, fake)], {}, summary, None, limit=2,
                       shared=True).run()
    assert summary.failed == 2
    error = db.query_rows(cfg.db_path, "SELECT error FROM recordings WHERE status = 'failed'")[0][0]
    assert "is not mounted on Ray worker node 10.0.0.1" in error


def test_decode_bytes_gives_the_same_audio_and_messages(tmp_path):
    from ingest import decode, decode_bytes
    from ingest.decode import BadAudioError

    path = write_audio(tmp_path / "a.mp3", [speech_like(3, 8000, seed=1)], 8000)
    a, b = decode(path), decode_bytes(path.read_bytes(), path.name)
    assert a.duration_s == b.duration_s and a.flags == b.flags
    assert (a.channels[0] == b.channels[0]).all()
    bad = tmp_path / "x.wav"
    bad.write_text("это не аудио, а текст\n", encoding="utf-8")
    with pytest.raises(BadAudioError) as e1:
        decode(bad)
    with pytest.raises(BadAudioError) as e2:
        decode_bytes(bad.read_bytes(), bad.name)
    assert str(e1.value) == str(e2.value)


# --- a local Ray -----------------------------------------------------------------------------

RAY_ENV_KEYS = ("PYTHONPATH", "RAY_USAGE_STATS_ENABLED", "RAY_AUTH_MODE")


@pytest.fixture(scope="module")
def local_ray():
    """ray.init with 2 CPUs; the workers import this checkout (PYTHONPATH)."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install 'callqa[ray]')")
    import ray

    saved = {k: os.environ.get(k) for k in RAY_ENV_KEYS}
    os.environ.update({k: v for k, v in ray_helpers.ray_env().items() if k in saved})
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        ray_helpers.ray_stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@needs_ray
@pytest.mark.ray
def test_ray_gives_the_same_store_as_the_local_engine(
        local_ray, calls_env, monkeypatch, scorer, fake_transcriber):
    folder = make_calls(calls_env / "calls", 4)
    local_cfg = _home_cfg(monkeypatch, calls_env / "local")
    local = run(local_cfg, RunOptions(folder), transcriber=fake_transcriber, scorer=scorer)
    ray_cfg = _home_cfg(monkeypatch, calls_env / "ray")
    engine = ray_engine.RayEngine(workers=2, transcriber_factory=ray_helpers.fake_factory)
    progress = []
    remote = run(ray_cfg, RunOptions(folder), scorer=scorer, engine=engine,
                 progress=lambda *a: progress.append(a))
    assert (remote.found, remote.new, remote.done, remote.failed) == (5, 5, 4, 1)
    assert (local.done, local.failed) == (remote.done, remote.failed)
    assert remote.audio_s == pytest.approx(local.audio_s)
    assert len(progress) == 5 and sum(n.calls for n in remote.nodes.values()) == 4
    a, b = dump(local_cfg.db_path), dump(ray_cfg.db_path)
    for table in TABLES:
        assert a[table] == b[table], table
    assert len(b["segments"]) == 4 * 7
    assert {row[-2] for row in b["call_scores"]} == {"sales"}  # scored, not gated out
    assert "pass" in {row[5] for row in b["criterion_results"]}
    # a rerun finds nothing new but the failed file (retried until ingest.max_attempts)
    again = run(ray_cfg, RunOptions(folder), scorer=scorer, engine=engine)
    assert (again.new, again.done, again.failed, again.skipped) == (1, 0, 1, 4)
    assert dump(ray_cfg.db_path)["calls"] == b["calls"]


@needs_ray
@pytest.mark.ray
def test_a_node_without_the_model_is_named(local_ray, calls_env, monkeypatch, scorer):
    cfg = _home_cfg(monkeypatch, calls_env / "home")
    folder = make_calls(calls_env / "calls", 1)
    engine = ray_engine.RayEngine(workers=1, transcriber_factory=ray_helpers.failing_factory)
    with pytest.raises(CallQAError, match=r"Ray worker node \S+ cannot load the Whisper model"):
        run(cfg, RunOptions(folder), scorer=scorer, engine=engine)
    from store import runs

    last = runs.recent_runs(cfg.db_path, 1)[0]
    assert last.status == "failed" and "cannot load the Whisper model" in last.message
    too_many = ray_engine.RayEngine(workers=3, cpus_per_worker=1,
                                    transcriber_factory=ray_helpers.fake_factory)
    with pytest.raises(ConfigError, match="needs 3 CPUs; the Ray cluster has 2"):
        run(cfg, RunOptions(folder), scorer=scorer, engine=too_many)


# --- two nodes on one machine, a worker killed mid-call --------------------------------------

@pytest.fixture()
def two_nodes(tmp_path, monkeypatch):
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install 'callqa[ray]')")
    import ray

    for key in RAY_ENV_KEYS:  # this driver connects as the nodes were started
        monkeypatch.setenv(key, ray_helpers.ray_env()[key])

    if ray.is_initialized():  # the module's local Ray
        ray.shutdown()
    ray_helpers.ray_stop()
    temp = Path("/tmp") / f"callqa-ray-{os.getpid()}"  # short: Ray's socket paths are limited
    try:
        address = ray_helpers.start_two_nodes(ray_helpers.free_port(), temp)
        ray.init(address=address, log_to_driver=False)
        yield ray
    finally:
        ray.shutdown()
        ray_helpers.ray_stop()
        shutil.rmtree(temp, ignore_errors=True)


@needs_ray
@pytest.mark.ray
@pytest.mark.slow
def test_two_nodes_survive_a_killed_worker(two_nodes, calls_env, monkeypatch, scorer):
    ray = two_nodes
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    cfg = _home_cfg(monkeypatch, calls_env / "home")
    folder = make_calls(calls_env / "calls", 6)
    marks = calls_env / "marks"
    marks.mkdir()
    killed: list[int] = []

    def kill_first_worker_mid_call():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            started = sorted(marks.iterdir(), key=lambda p: p.stat().st_mtime)
            if started:
                time.sleep(0.5)  # well inside the 2 s call
                pid = int(started[0].name.split(".")[0])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_worker_mid_call, daemon=True)
    killer.start()
    engine = ray_engine.RayEngine(workers=2, cpus_per_worker=1, max_in_flight=3,
                                  transcriber_factory=ray_helpers.SlowFakeFactory(2.0, marks))
    summary = run(cfg, RunOptions(folder), scorer=scorer, engine=engine)
    killer.join(timeout=5)
    assert killed, "no worker was killed"
    assert (summary.done, summary.failed, summary.status) == (6, 1, "completed")
    rows = db.query_rows(cfg.db_path, "SELECT call_id, count(*) FROM calls GROUP BY 1")
    assert len(rows) == 6 and all(n == 1 for _, n in rows)
    assert db.query_rows(cfg.db_path, "SELECT count(*) FROM segments")[0][0] == 6 * 7
    done = db.query_rows(cfg.db_path, "SELECT count(*), max(attempts) FROM recordings WHERE status = 'done'")
    assert done[0] == (6, 1)
    # the killed process's calls were finished by the other worker or its restarted self
    pids = {int(p.name.split(".")[0]) for p in marks.iterdir()}
    assert len(pids) >= 2 and killed[0] in pids

