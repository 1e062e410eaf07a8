"""What Ray workers import in tests: transcriber factories (module-level, so they pickle by
reference) and the two-node cluster started with `ray start` on this machine.

Workers find this module through PYTHONPATH (the repository root), which the tests set for
the Ray processes they start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from transcribe import FakeTranscriber

ROOT = Path(__file__).resolve().parent.parent
RAY = str(Path(sys.executable).with_name("ray"))


def fake_factory(cfg):
    """The fake transcriber, built on the worker."""
    return FakeTranscriber()


class SlowFake:
    """FakeTranscriber that takes ``delay_s`` per call and leaves ``<pid>.<n>`` in ``marks``
    when it starts one, so a test can kill a worker process in the middle of a call."""

    def __init__(self, delay_s: float, marks: str):
        self.name, self._fake = "fake", FakeTranscriber()
        self.delay_s, self.marks, self.n = delay_s, Path(marks), 0

    def transcribe(self, audio):
        self.n += 1
        (self.marks / f"{os.getpid()}.{self.n}").touch()
        time.sleep(self.delay_s)
        return self._fake.transcribe(audio)


class SlowFakeFactory:
    def __init__(self, delay_s: float, marks: Path):
        self.delay_s, self.marks = delay_s, str(marks)

    def __call__(self, cfg):
        return SlowFake(self.delay_s, self.marks)


def failing_factory(cfg):
    """A node without the model."""
    raise FileNotFoundError("model.bin not found in /nonexistent/whisper")


def ray_env() -> dict[str, str]:
    """The environment for Ray processes: this checkout importable, few threads, and no token
    authentication (a loopback test cluster; Ray 2.5x turns it on by default and a joining
    node or driver that misses the token cannot connect)."""
    path = os.environ.get("PYTHONPATH", "")
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), path) if p),
                RAY_USAGE_STATS_ENABLED="0", OMP_NUM_THREADS="1", RAY_AUTH_MODE="disabled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_stop() -> None:
    subprocess.run([RAY, "stop", "--force"], env=ray_env(), capture_output=True, timeout=120)


def start_two_nodes(port: int, temp_dir: Path) -> str:
    """A head and a second node, one CPU each, on 127.0.0.1; returns the address."""
    env = ray_env()
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    _ray_start(["--head", "--port", str(port), "--node-ip-address", "127.0.0.1",
                "--include-dashboard", "false", "--temp-dir", str(temp_dir), *common], env)
    address = f"127.0.0.1:{port}"
    _ray_start(["--address", address, "--node-ip-address", "127.0.0.1", *common], env)
    return address


def _ray_start(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([RAY, "start", *args], env=env, capture_output=True, text=True,
                          timeout=180)
    if done.returncode:
        raise RuntimeError(f"ray start {' '.join(args)} failed:\n{done.stdout[-2000:]}\n"
                           f"{done.stderr[-3000:]}")
