"""Throughput of the nightly batch: the local engine vs Ray with 1 and 2 workers on the same
files, and the rate the head's single writer sustains.

    .venv/bin/python bench/scale.py                 # FakeTranscriber: scheduling overhead per call
    .venv/bin/python bench/scale.py --real          # the real Whisper model (minutes)
    .venv/bin/python bench/scale.py --copies 4 --writes 1000

The files are the demo calls (data/demo/audio), ``--copies`` times (each copy made distinct
by an empty ID3 tag, so it is a new recording with the same sound). Every mode runs into a
fresh CALLQA_HOME with the same scorer. With the fake transcriber the per-call work is decode
+ scoring + the write, so the difference between the engines is Ray's overhead per call. Ray
runs on this machine (``ray.init(num_cpus=...)``); ``--address`` uses a running cluster.

Printed per mode: wall time, worker start-up (model load), audio hours per wall hour (whole run
and after start-up), the ratio to the local engine measured in the same run, and the overhead
per call against the local engine. Then the writer: calls/s of ``store.writes.write_call``,
each call in its own transaction (``db.writer``), as the head stores results.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)

from core.config import load_config  # noqa: E402
from pipeline import ray_engine  # noqa: E402
from pipeline.run import RunOptions, build_call, run, store_call  # noqa: E402
from store import db  # noqa: E402

DEMO = ROOT / "data" / "demo" / "audio"


def id3_padding(n: int) -> bytes:
    """An empty ID3v2 tag (decoders skip it): copy ``n`` differs from the original's bytes."""
    size = 16 + n
    syncsafe = bytes([(size >> 21) & 127, (size >> 14) & 127, (size >> 7) & 127, size & 127])
    return b"ID3\x03\x00\x00" + syncsafe + b"\0" * size


def make_folder(dest: Path, copies: int) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted(DEMO.glob("*.mp3")):
        for k in range(copies):
            stem = src.stem if k == 0 else f"{src.stem}{k}"  # the uniqueid part: still parses
            data = src.read_bytes() if k == 0 else id3_padding(k) + src.read_bytes()
            (dest / f"{stem}{src.suffix}").write_bytes(data)
    return dest


def fake_factory(cfg):
    from transcribe import FakeTranscriber

    return FakeTranscriber()


def real_factory(cfg):
    import transcribe

    return transcribe.make_transcriber(cfg)


@dataclasses.dataclass
class Result:
    mode: str
    calls: int
    audio_s: float
    wall_s: float
    startup_s: float = 0.0

    @property
    def per_hour(self) -> float:
        return self.audio_s / self.wall_s

    @property
    def steady_per_hour(self) -> float:
        return self.audio_s / max(self.wall_s - self.startup_s, 1e-9)


def best_of(repeat: int, mode: str, folder: Path, work: Path, scorer, transcriber,
            engine=None) -> Result:
    """The fastest of ``repeat`` runs (each into a fresh home): a shared machine is noisy."""
    runs = [run_mode(mode, folder, work / f"{mode.replace(' ', '-')}-{k}", scorer, transcriber,
                     engine) for k in range(repeat)]
    return min(runs, key=lambda r: r.wall_s - r.startup_s)


def run_mode(mode: str, folder: Path, home: Path, scorer, transcriber, engine=None) -> Result:
    cfg = load_config(overrides={"paths.home": str(home), "paths.db": "", "ingest.min_age_s": 0})
    db.init(cfg.db_path)
    started = {}
    if engine is not None:
        engine.on_ready = lambda infos: started.setdefault("t", time.perf_counter())
    t0 = time.perf_counter()
    s = run(cfg, RunOptions(folder), transcriber=transcriber, scorer=scorer, engine=engine)
    wall = time.perf_counter() - t0
    assert s.done == s.new and not s.failed, s
    startup = started["t"] - t0 if started else 0.0
    return Result(mode, s.done, s.audio_s, wall, startup)


GROUP = 50


def write_rate(work: Path, scorer, n: int) -> tuple[float, float, float, int]:
    """Calls/s of the single writer: copies of one scored demo call, one transaction each;
    first as the head stores them (a short connection per call: lock, connect, write, commit,
    close), then on one connection kept open, then ``GROUP`` calls per transaction."""
    from core.types import Recording
    from transcribe import FakeTranscriber

    cfg = load_config(overrides={"paths.home": str(work / "writes"), "paths.db": ""})
    db.init(cfg.db_path)
    src = sorted(DEMO.glob("*.mp3"))[0]
    rec = Recording(src, "0" * 64, src.stat().st_size, src.stat().st_mtime)
    call = build_call(cfg, rec, FakeTranscriber(), scorer)
    rows = len(call.transcript.segments) + len(call.score.criteria) + len(call.score.objections) + 3
    calls = []
    for i in range(n):
        sha = f"{i:064x}"
        calls.append(dataclasses.replace(call, call_id=sha[:16],
                                         recording=dataclasses.replace(rec, sha256=sha)))
    third = n // 3
    t0 = time.perf_counter()
    for c in calls[:third]:
        store_call(cfg, c)
    per_connection = third / (time.perf_counter() - t0)
    # the same writes, a transaction each, on one connection kept open (no close/checkpoint
    # per call): what a writer that batches connections, not transactions, could reach
    import duckdb

    from store import writes

    t0 = time.perf_counter()
    with db.writer(cfg.db_path):
        pass  # migrated
    con = duckdb.connect(str(cfg.db_path))
    try:
        for c in calls[third: 2 * third]:
            con.execute("BEGIN TRANSACTION")
            writes.write_call(con, c)
            con.execute("COMMIT")
        kept_open = third / (time.perf_counter() - t0)
        # group commit: GROUP calls per transaction (a head could commit every second or so)
        t0 = time.perf_counter()
        rest = calls[2 * third:]
        for start in range(0, len(rest), GROUP):
            con.execute("BEGIN TRANSACTION")
            for c in rest[start:start + GROUP]:
                writes.write_call(con, c)
            con.execute("COMMIT")
        grouped = len(rest) / (time.perf_counter() - t0)
    finally:
        con.close()
    return per_connection, kept_open, grouped, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", action="store_true", help="the real Whisper model (slow)")
    ap.add_argument("--copies", type=int, default=2, help="copies of the 12 demo calls (default 2)")
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 2, help="CPUs of the local Ray")
    ap.add_argument("--address", default="", help="a running Ray cluster instead of a local one")
    ap.add_argument("--writes", type=int, default=450, help="calls written for the write rate")
    ap.add_argument("--repeat", type=int, default=2, help="runs per mode; the fastest counts")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import ray

    import scoring

    work = Path(tempfile.mkdtemp(prefix="callqa-scale-"))
    try:
        folder = make_folder(work / "calls", args.copies)
        cfg = load_config(overrides={"paths.home": str(work / "head"), "paths.db": ""})
        scorer = scoring.Scorer(cfg)
        factory = real_factory if args.real else fake_factory
        local_transcriber = factory(cfg)
        kind = "real Whisper" if args.real else "fake transcriber"
        print(f"{len(list(folder.iterdir()))} files, {kind}, {args.cpus} CPUs"
              f"{' (cluster ' + args.address + ')' if args.address else ''}")
        # warm-up: the lemmatiser and the first decode load lazily, in every process
        from core.types import Recording

        first = sorted(folder.iterdir())[0]
        build_call(cfg, Recording(first, "0" * 64, 0, 0.0), fake_factory(cfg), scorer)
        results = [best_of(args.repeat, "local", folder, work, scorer, local_transcriber)]
        if args.address:
            ray.init(address=args.address, log_to_driver=False)
        else:
            ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        try:
            for workers in (1, 2):
                # real model: the workers share the CPUs (asr.cpu_threads follows cpus_per_worker)
                cpus = max(1, args.cpus // workers) if args.real else 1
                engine = ray_engine.RayEngine(workers=workers, cpus_per_worker=cpus,
                                              transcriber_factory=factory)
                results.append(best_of(args.repeat, f"ray {workers} worker{'s' * (workers > 1)}",
                                       folder, work, scorer, None, engine))
        finally:
            ray.shutdown()
        base = results[0]
        print(f"\n{'mode':<15}{'calls':>6}{'audio h':>9}{'wall s':>8}{'start s':>8}"
              f"{'audio h/h':>10}{'steady':>8}{'ratio':>7}{'steady':>8}{'ms/call':>9}")
        for r in results:
            overhead = ((r.wall_s - r.startup_s) - base.wall_s) / r.calls * 1000
            print(f"{r.mode:<15}{r.calls:>6}{r.audio_s / 3600:>9.3f}{r.wall_s:>8.1f}"
                  f"{r.startup_s:>8.1f}{r.per_hour:>10.0f}{r.steady_per_hour:>8.0f}"
                  f"{r.per_hour / base.per_hour:>7.2f}{r.steady_per_hour / base.per_hour:>8.2f}"
                  f"{overhead if r is not base else 0.0:>9.0f}")
        print("ratio: audio h per wall h over the local engine's (steady: after the workers "
              "started); ms/call: steady wall time per call minus the local engine's")
        rate, open_rate, grouped, rows = write_rate(work, scorer, args.writes)
        print(f"\nhead writer ({rows} rows per call, {args.writes // 3} calls each way):"
              f"\n  {rate:6.1f} calls/s  a connection and a transaction per call (as stored now)"
              f"\n  {open_rate:6.1f} calls/s  one connection kept open, a transaction per call"
              f"\n  {grouped:6.1f} calls/s  one connection, {GROUP} calls per transaction")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
