"""A `callqa run` in a process of its own, with FakeTranscriber standing in for Whisper.

    python tests/fake_asr_run.py FOLDER [--hold-after N --release FILE]

Calls ``pipeline.run.run(load_config(), RunOptions(FOLDER), transcriber=...)`` -- the library
entry `callqa run` calls, whose ``transcriber`` argument is the plug-in point for another engine
-- with the configuration from the environment (CALLQA_HOME, ...), as the CLI would.

``--hold-after N``: the transcriber finishes N calls, then waits before the next one until
FILE exists (at most ``HOLD_TIMEOUT_S``). A test can then observe a run in progress (N calls in
the store, the run lock held) and kill it or start a second run, without fixed sleeps.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HOLD_TIMEOUT_S = 120.0


class HeldTranscriber:
    """FakeTranscriber that stops before call ``hold_after + 1`` until ``release`` exists."""

    def __init__(self, fake, hold_after: int, release: Path | None):
        self.name = fake.name
        self._fake, self._hold_after, self._release = fake, hold_after, release
        self._done = 0

    def transcribe(self, audio):
        if self._done >= self._hold_after:
            deadline = time.monotonic() + HOLD_TIMEOUT_S
            while not (self._release and self._release.exists()) and time.monotonic() < deadline:
                time.sleep(0.05)
        self._done += 1
        return self._fake.transcribe(audio)


def main(argv: list[str]) -> int:
    from core.config import load_config
    from pipeline.run import RunOptions, run
    from transcribe import FakeTranscriber

    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--hold-after", type=int)
    parser.add_argument("--release", type=Path)
    args = parser.parse_args(argv)
    transcriber = FakeTranscriber()
    if args.hold_after is not None:
        transcriber = HeldTranscriber(transcriber, args.hold_after, args.release)
    summary = run(load_config(), RunOptions(folder=args.folder), transcriber=transcriber)
    print(f"done {summary.done} failed {summary.failed}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
