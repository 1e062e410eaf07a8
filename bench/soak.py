"""Soak test of the nightly batch (issue 14, item 9).

For ``--minutes`` (default 30), in a temporary CALLQA_HOME, over and over:

* new recordings land in the calls folder: copies of a few demo calls (data/demo/audio) made
  distinct by an empty ID3 tag, exact copies of earlier ones under new names (the same
  recording: must never become a second call), and bad files — a WAV cut inside its header,
  text renamed .mp3, zero bytes, a name whose bytes are not UTF-8 (holding a call or junk).
  Each lands whole (written beside the folder, then renamed in): the soak runs with
  ``ingest.min_age_s = 0``, and a PBX still writing a file is another test's subject;
* a batch run starts in a process of its own — tests/fake_asr_run.py (FakeTranscriber through
  ``pipeline.run.run``), so the soak measures the pipeline and the store, not Whisper;
  ``--real-asr``: `callqa run` with the configured model. Some runs are killed with SIGKILL at
  a random moment; now and then a second run starts while one is going (the run lock must
  refuse it); now and then a file lands while a run is going;
* meanwhile a РОП annotator — this script with ``--annotator``, a process of its own — writes
  overrides, comments (feedback to the manager) and objection labels through store.review as a
  head user, to calls already in the store, and logs each one after its transaction returned.

The resident memory (RSS) of every run process and of the annotator is sampled all along. At
the end a last batch runs to completion, the annotator stops, and the store is checked.

    .venv/bin/python bench/soak.py                       # 30 minutes, FakeTranscriber
    .venv/bin/python bench/soak.py --minutes 2 --seed 7
    .venv/bin/python bench/soak.py --real-asr --minutes 60

Printed: files dropped by kind; runs completed / killed / refused / failed; calls in store
against the distinct recordings dropped; failed rows; duplicate calls (one recording or one
file stored twice); annotations written / found / lost; RSS at start / middle / end of each
process kind (run: the peak of each completed run that stored calls — one with nothing new never
loads the scorer; annotator: samples over time) and such a run's wall time, in all and per call
stored, each with the ratio end/start — flat memory is a ratio near 1; a growing folder and
store make later runs longer, which the wall-time ratio shows. No timing is asserted. The
last line is the summary. Exit 1 when an annotation was lost, a call is stored twice, a
recording dropped is not stored, the last run did not complete or the annotator died; the
work folder is then kept for inspection (``--keep`` keeps it always).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_AUDIO = ROOT / "data" / "demo" / "audio"
DEMO_MANAGERS = ROOT / "data" / "demo" / "managers.csv"
FAKE_RUN = ROOT / "tests" / "fake_asr_run.py"
DEMO_SOURCES = 3  # the few demo calls that are copied (the smallest: the folder grows all soak)

P_KILL = 0.35  # a run is killed with SIGKILL at a random moment
P_CONCURRENT = 0.1  # a second run starts while one is going
P_DROP_DURING_RUN = 0.3  # a file lands while a run is going
RUN_TIMEOUT_S = 600.0  # a run still going after this is killed and counted as hung
SAMPLE_EVERY_S = 0.25  # RSS sampling period
ANNOTATOR_PAUSE_S = (0.05, 0.4)  # between two annotations (a busy РОП clicking through calls)
NOT_UTF8_PREFIX = "Привет".encode("cp1251")  # a cp1251 name from an SMB share
GOOD_KINDS = ("distinct good (demo copy)", "non-UTF-8 name, good", "exact copy, new name")


# --- resident memory ---------------------------------------------------------------------

try:
    import psutil
except ImportError:  # not a dependency of callqa: /proc does the same on Linux
    psutil = None


def rss_bytes(pid: int) -> int | None:
    """Resident memory of ``pid`` now; None when it has ended (or is a zombie)."""
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss
        except psutil.Error:
            return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class Sampler(threading.Thread):
    """Samples the RSS of the registered processes every SAMPLE_EVERY_S seconds."""

    def __init__(self):
        super().__init__(daemon=True)
        self._lock = threading.Lock()
        self._watched: dict[int, list[tuple[float, int]]] = {}
        self._stop = threading.Event()

    def watch(self, pid: int) -> list[tuple[float, int]]:
        """Start sampling ``pid``; the returned list fills with (time.time(), RSS)."""
        samples: list[tuple[float, int]] = []
        with self._lock:
            self._watched[pid] = samples
        return samples

    def forget(self, pid: int) -> None:
        with self._lock:
            self._watched.pop(pid, None)

    def run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            with self._lock:
                watched = list(self._watched.items())
            for pid, samples in watched:
                rss = rss_bytes(pid)
                if rss:
                    samples.append((time.time(), rss))

    def stop(self) -> None:
        self._stop.set()


def phases(values: list[float]) -> tuple[float, float, float] | None:
    """(start, middle, end): medians of the first, middle and last tenth (at least one value)."""
    if not values:
        return None
    n = len(values)
    w = max(1, n // 10)
    mid = max(0, n // 2 - w // 2)
    return (statistics.median(values[:w]), statistics.median(values[mid:mid + w]),
            statistics.median(values[-w:]))


# --- the calls folder --------------------------------------------------------------------

def id3_padding(n: int) -> bytes:
    """An empty ID3v2 tag (decoders skip it): the copy's bytes, and so its hash, are new."""
    size = 16 + n
    syncsafe = bytes([(size >> 21) & 127, (size >> 14) & 127, (size >> 7) & 127, size & 127])
    return b"ID3\x03\x00\x00" + syncsafe + b"\0" * size


def synthetic_wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A small stereo 16-bit WAV of quiet noise (only its header matters: it is cut)."""
    rng = random.Random(0)
    frames = b"".join(rng.randint(-900, 900).to_bytes(2, "little", signed=True) * 2
                      for _ in range(int(seconds * rate)))
    path = Path(tempfile.mkstemp(suffix=".wav")[1])
    try:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(frames)
        return path.read_bytes()
    finally:
        path.unlink()


class Dropper:
    """Puts recordings into the calls folder the way a PBX does, and remembers what it put."""

    def __init__(self, calls: Path, staging: Path, rng: random.Random):
        self.calls, self.staging, self.rng = calls, staging, rng
        calls.mkdir(parents=True, exist_ok=True)
        staging.mkdir(parents=True, exist_ok=True)
        demo = sorted(DEMO_AUDIO.glob("*.mp3"), key=lambda p: p.stat().st_size)[:DEMO_SOURCES]
        if not demo:
            raise SystemExit(f"no demo audio in {DEMO_AUDIO}")
        self.sources = [(p.stem, p.read_bytes()) for p in demo]
        self.wav = synthetic_wav()
        self.n = 0
        self.dropped: Counter[str] = Counter()
        self.good: dict[str, bytes] = {}  # sha256 → content of every distinct good recording
        self._good_names: list[tuple[str, bytes]] = []  # (stem, content), for exact copies

    def drop_some(self) -> None:
        for _ in range(self.rng.randint(1, 3)):
            self.good_copy()
        if self._good_names and self.rng.random() < 0.4:
            self.exact_copy()
        for _ in range(self.rng.choice((0, 0, 1, 2))):
            self.bad_file()

    def drop_one(self) -> None:
        self.good_copy() if self.rng.random() < 0.7 else self.bad_file()

    def good_copy(self, name_prefix: bytes = b"") -> None:
        stem, data = self.rng.choice(self.sources)
        self.n += 1
        content = id3_padding(self.n) + data
        self._put(name_prefix + self._name(stem).encode() + b".mp3", content)
        self.good[_sha256(content)] = content
        self._good_names.append((stem, content))
        self.dropped[GOOD_KINDS[0] if not name_prefix else GOOD_KINDS[1]] += 1

    def exact_copy(self) -> None:
        """An earlier recording again under a new name: the same call, not a new one."""
        stem, content = self.rng.choice(self._good_names)
        self.n += 1
        self._put(self._name(stem).encode() + b".mp3", content)
        self.dropped[GOOD_KINDS[2]] += 1

    def bad_file(self) -> None:
        """A file that is not a call — or, half the time for a name that is not UTF-8, a call."""
        kind = self.rng.choice(("truncated WAV", "text as .mp3", "zero bytes", "non-UTF-8 name"))
        if kind == "non-UTF-8 name" and self.rng.random() < 0.5:
            return self.good_copy(name_prefix=NOT_UTF8_PREFIX + b"-")
        self.n += 1
        name = f"out-7916{self.n:07d}-105-20261101-120000-{1_900_000_000 + self.n}.1"
        if kind == "truncated WAV":
            self._put(f"{name}.wav".encode(), self.wav[: self.rng.randint(4, 43)])  # cut inside the header
        elif kind == "text as .mp3":
            self._put(f"{name}.mp3".encode(), f"звонок {self.n}: это не аудио\n".encode() * 30)
        elif kind == "zero bytes":
            self._put(f"{name}.wav".encode(), b"")
        else:
            self._put(NOT_UTF8_PREFIX + f"-{name}.wav".encode(), f"RIFF\0\0junk {self.n}\n".encode() * 10)
        self.dropped[kind if kind != "non-UTF-8 name" else "non-UTF-8 name, junk"] += 1

    def _name(self, stem: str) -> str:
        """The demo name with a new Asterisk uniqueid (still parsed: manager, client, time)."""
        return f"{stem.rsplit('-', 1)[0]}-{1_800_000_000 + self.n}.{self.n % 97}"

    def _put(self, name: bytes, content: bytes) -> None:
        tmp = self.staging / f"landing-{self.n}"
        tmp.write_bytes(content)
        os.replace(tmp, self.calls / os.fsdecode(name))  # lands whole


def _sha256(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


# --- batch runs --------------------------------------------------------------------------

@dataclasses.dataclass
class Batch:
    """One batch-run process and how it ended."""

    proc: subprocess.Popen
    started: float
    samples: list[tuple[float, int]]
    log: Path
    outcome: str = ""  # completed | killed | refused | failed | hung
    reason: str = ""
    wall_s: float = 0.0
    calls_done: int = 0  # from the run's summary line ("done N")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def peak_rss(self) -> int | None:
        return max((rss for _, rss in self.samples), default=None)


class Batches:
    """Starts batch runs in processes of their own and keeps their outcomes."""

    def __init__(self, calls: Path, env: dict, cwd: Path, logs: Path, sampler: Sampler, real_asr: bool):
        self.calls, self.env, self.cwd, self.logs, self.sampler = calls, env, cwd, logs, sampler
        self.command = ([sys.executable, "-m", "cli.main", "run", str(calls)] if real_asr
                        else [sys.executable, str(FAKE_RUN), str(calls)])
        self.done: list[Batch] = []
        self.live: dict[int, Batch] = {}  # pid → a batch not reaped yet
        logs.mkdir(parents=True, exist_ok=True)

    def start(self) -> Batch:
        log = self.logs / f"run-{len(self.done) + 1:05d}-{time.monotonic_ns()}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                    cwd=self.cwd, start_new_session=True)
        batch = Batch(proc, time.monotonic(), self.sampler.watch(proc.pid), log)
        self.live[proc.pid] = batch
        return batch

    def kill(self, batch: Batch, outcome: str = "killed") -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(batch.proc.pid, signal.SIGKILL)  # its own session: the run and any child
        batch.outcome = outcome

    def finish(self, batch: Batch) -> Batch:
        """Reap ``batch`` and classify how it ended."""
        rc = batch.proc.wait()
        batch.wall_s = time.monotonic() - batch.started
        self.sampler.forget(batch.proc.pid)
        self.live.pop(batch.proc.pid, None)
        text = batch.log.read_text(encoding="utf-8", errors="replace")
        if batch.outcome:  # killed or hung, set by us
            pass
        elif rc == 0:
            batch.outcome = "completed"
            batch.calls_done = int(([0] + re.findall(r"\bdone (\d+)", text))[-1])
        elif "already processing calls" in text:
            batch.outcome = "refused"
        else:
            batch.outcome = "failed"
            batch.reason = next((ln for ln in reversed(text.strip().splitlines()) if ln.strip()), f"exit {rc}")
        self.done.append(batch)
        return batch

    def typical_wall_s(self, default: float) -> float:
        walls = [b.wall_s for b in self.done if b.outcome == "completed"]
        return statistics.median(walls[-10:]) if walls else default


# --- the annotator -----------------------------------------------------------------------

def annotator(log_path: Path, stop_path: Path, seed: int) -> int:
    """The РОП at work (a process of its own): overrides, comments (feedback) and objection
    labels on stored calls, each logged as a JSON line after its transaction returned."""
    import secrets

    from core.config import load_config
    from core.types import HANDLINGS, VERDICTS
    from store import review, users

    rng = random.Random(seed)
    db_path = load_config().db_path
    head = users.add_user(db_path, "soak-rop", "head", "soak " + secrets.token_urlsafe(16))
    targets, refreshed, n = None, 0.0, 0
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(json.dumps({"ready": True}) + "\n")
        log.flush()
        while not stop_path.exists():
            if targets is None or time.monotonic() - refreshed > 2.0:
                targets, refreshed = _annotation_targets(db_path), time.monotonic()
            calls, criteria, objections = targets
            if not calls or not criteria:
                time.sleep(0.2)
                targets = None
                continue
            n += 1
            token = f"soak-{seed}-{n}"
            try:
                entry = _annotate_one(db_path, head, rng, token, calls, criteria, objections,
                                      VERDICTS, HANDLINGS, review)
            except Exception as exc:  # counted by the driver; the РОП tries the next call
                entry = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"}
            entry["t"] = time.time()
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            log.flush()
            time.sleep(rng.uniform(*ANNOTATOR_PAUSE_S))
    return 0


def _annotation_targets(db_path) -> tuple[list, list, list]:
    from store import db

    try:
        with db.reader(db_path) as con:
            calls = con.execute("SELECT call_id, manager_id FROM calls").fetchall()
            criteria = [r[0] for r in con.execute("SELECT DISTINCT criterion_id FROM criterion_results").fetchall()]
            objections = con.execute("SELECT DISTINCT call_id, segment_idx, kind FROM objections "
                                     "WHERE segment_idx IS NOT NULL").fetchall()
    except Exception:  # not created yet, or busy past the reader's patience: try again later
        return [], [], []
    return calls, criteria, objections


def _annotate_one(db_path, head, rng, token, calls, criteria, objections, verdicts, handlings, review) -> dict:
    op = rng.choice(("override", "comment", "label"))
    call_id, manager_id = rng.choice(calls)
    if op == "comment" and manager_id:
        feedback_id = review.give_feedback(db_path, head, call_id, f"Комментарий РОП {token}: уточните бюджет.")
        return {"op": "comment", "call_id": call_id, "feedback_id": feedback_id, "token": token}
    if op == "label" and objections:
        call_id, segment_idx, kind = rng.choice(objections)
        handling = rng.choice(handlings)
        review.label_objection(db_path, head, call_id, segment_idx, kind, handling)
        return {"op": "label", "call_id": call_id, "segment_idx": segment_idx, "kind": kind, "handling": handling}
    review.override_verdict(db_path, head, call_id, rng.choice(criteria), rng.choice(verdicts), token)
    return {"op": "override", "call_id": call_id, "token": token}


class Annotator:
    """The annotator process, seen from the driver."""

    def __init__(self, work: Path, env: dict, seed: int, sampler: Sampler):
        self.log, self.stop_file = work / "annotations.jsonl", work / "annotator.stop"
        self.out = work / "logs" / "annotator.log"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--annotator", str(self.log),
                 str(self.stop_file), "--seed", str(seed)],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work, start_new_session=True)
        self.samples = sampler.watch(self.proc.pid)
        self.sampler = sampler
        self.exit_code: int | None = None  # None: still going, or killed after not stopping

    def entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def rss_while_annotating(self) -> list[int]:
        """RSS samples from its first annotation on (before it, Python and DuckDB still load)."""
        first = min((e["t"] for e in self.entries() if "op" in e), default=None)
        return [rss for t, rss in self.samples if first is not None and t >= first]

    def written(self) -> int:
        return sum("op" in e for e in self.entries())

    def stop(self, after_written: int, wait_s: float = 20.0) -> int | None:
        """Let it write ``after_written`` more (at most ``wait_s`` seconds), then stop it."""
        target, deadline = self.written() + after_written, time.monotonic() + wait_s
        while self.proc.poll() is None and self.written() < target and time.monotonic() < deadline:
            time.sleep(0.1)
        self.stop_file.touch()
        try:
            self.exit_code = self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        finally:
            self.sampler.forget(self.proc.pid)
        return self.exit_code


# --- the soak ----------------------------------------------------------------------------

def environment(home: Path, real_asr: bool) -> dict:
    """The batch's and the annotator's environment: the temporary home, files taken at once,
    the demo managers (so comments have a manager to go to)."""
    env = dict(os.environ)
    env.update({
        "CALLQA_HOME": str(home), "CALLQA_DB": str(home / "callqa.duckdb"),
        "CALLQA_INGEST_MIN_AGE_S": "0", "CALLQA_INGEST_MANAGERS_CSV": str(DEMO_MANAGERS),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    })
    if not real_asr:  # FakeTranscriber: nothing of the local configuration is wanted
        env.pop("CALLQA_CONFIG", None)
    return env


def soak_loop(minutes: float, rng: random.Random, dropper: Dropper, batches: Batches, default_wall_s: float) -> int:
    """Drop files, run, kill, until ``minutes`` are over; returns the number of cycles."""
    deadline = time.monotonic() + minutes * 60
    cycles = 0
    while time.monotonic() < deadline:
        cycles += 1
        dropper.drop_some()
        first = batches.start()
        running = [first]
        kill_after = (rng.uniform(0.2, 1.3) * batches.typical_wall_s(default_wall_s)
                      if rng.random() < P_KILL else None)
        second_after = rng.uniform(0.2, 2.0) if rng.random() < P_CONCURRENT else None
        drop_after = rng.uniform(0.2, 3.0) if rng.random() < P_DROP_DURING_RUN else None
        while any(b.alive() for b in running):
            elapsed = time.monotonic() - first.started
            if kill_after is not None and elapsed >= kill_after and first.alive():
                batches.kill(first)
                kill_after = None
            if second_after is not None and elapsed >= second_after:
                running.append(batches.start())
                second_after = None
            if drop_after is not None and elapsed >= drop_after:
                dropper.drop_one()
                drop_after = None
            for b in running:
                if b.alive() and time.monotonic() - b.started > RUN_TIMEOUT_S:
                    batches.kill(b, "hung")
            time.sleep(0.05)
        for b in running:
            batches.finish(b)
        time.sleep(rng.uniform(0.0, 0.5))
    return cycles


def final_run(batches: Batches) -> Batch:
    batch = batches.start()
    while batch.alive():
        if time.monotonic() - batch.started > max(RUN_TIMEOUT_S, 3600):
            batches.kill(batch, "hung")
        time.sleep(0.1)
    return batches.finish(batch)


@dataclasses.dataclass
class StoreCheck:
    calls: int
    failed_rows: int
    duplicates: int
    missing: int  # distinct good recordings dropped and not stored
    stale_running: int  # run rows still `running` with no run going
    run_statuses: dict
    written: int
    found: int
    lost: int
    errors: Counter


def check_store(db_path: Path, good_shas: set[str], entries: list[dict]) -> StoreCheck:
    from store import db

    def one(sql):
        return db.query_rows(db_path, sql)[0][0]

    stored_shas = {sha for (sha,) in db.query_rows(db_path, "SELECT recording_sha FROM calls")}
    duplicates = one("SELECT count(*) FROM (SELECT recording_sha FROM calls GROUP BY 1 HAVING count(*) > 1)") \
        + one("SELECT count(*) FROM (SELECT path FROM calls GROUP BY 1 HAVING count(*) > 1)")
    written = [e for e in entries if "op" in e]
    found, lost = _annotations_found(db_path, written)
    return StoreCheck(
        calls=one("SELECT count(*) FROM calls"),
        failed_rows=one("SELECT count(*) FROM recordings WHERE status = 'failed'"),
        duplicates=duplicates, missing=len(good_shas - stored_shas),
        stale_running=one("SELECT count(*) FROM runs WHERE status = 'running'"),
        run_statuses=dict(db.query_rows(db_path, "SELECT status, count(*) FROM runs GROUP BY 1 ORDER BY 1")),
        written=len(written), found=found, lost=lost,
        errors=Counter(e["error"].split(":")[0] for e in entries if "error" in e),
    )


def _annotations_found(db_path: Path, written: list[dict]) -> tuple[int, int]:
    """How many of the annotations written are in the store, and how many are lost: overrides
    by their unique reason, comments by id and text, labels as a multiset of their fields."""
    from store import db

    reasons = {r for (r,) in db.query_rows(db_path, "SELECT reason FROM overrides")}
    comments = dict(db.query_rows(db_path, "SELECT feedback_id, text FROM feedback"))
    labels = Counter(db.query_rows(db_path, "SELECT call_id, segment_idx, kind, handling FROM objection_labels"))
    found = 0
    for e in written:
        if e["op"] == "override":
            found += e["token"] in reasons
        elif e["op"] == "comment":
            found += e["token"] in comments.get(e["feedback_id"], "")
        else:
            key = (e["call_id"], e["segment_idx"], e["kind"], e["handling"])
            if labels[key] > 0:
                labels[key] -= 1
                found += 1
    return found, len(written) - found


def report(args, cycles: int, dropper: Dropper, batches: Batches, last: Batch, ann: Annotator,
           check: StoreCheck, elapsed_s: float) -> bool:
    mib = 1024 * 1024
    print(f"\nfiles dropped: {sum(dropper.dropped.values())}")
    for kind, count in sorted(dropper.dropped.items()):
        print(f"  {kind:<28}{count:>6}")
    outcomes = Counter(b.outcome for b in batches.done)
    print(f"runs: {len(batches.done)} ({cycles} cycle{'s' * (cycles != 1)}, then the last) — "
          + ", ".join(f"{k} {outcomes.get(k, 0)}" for k in ("completed", "killed", "refused", "failed", "hung")))
    for reason, count in Counter(b.reason for b in batches.done if b.reason).most_common(3):
        print(f"  failed ×{count}: {reason[:160]}")
    print(f"last run: {last.outcome} in {last.wall_s:.1f} s{' — ' + last.reason if last.reason else ''}")
    print(f"run rows: {check.run_statuses} (still 'running': {check.stale_running})")
    print(f"calls in store: {check.calls} (distinct recordings dropped: {len(dropper.good)}, "
          f"not stored: {check.missing})")
    bad = sum(v for k, v in dropper.dropped.items() if k not in GOOD_KINDS)
    print(f"failed rows: {check.failed_rows} (bad files dropped: {bad}; files with the same bytes — every "
          "zero-byte file, WAVs cut at the same byte — are one recording, one row)")
    print(f"duplicate calls: {check.duplicates}")
    kinds = Counter(e["op"] for e in ann.entries() if "op" in e)
    print(f"annotations: {check.written} written ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
          f"{check.found} found, {check.lost} lost; annotator exit {ann.exit_code}"
          + (f"; refused/failed attempts: {dict(check.errors)}" if check.errors else ""))
    # Runs that stored calls: a run with nothing new never loads the scorer (a third less memory)
    worked = [b for b in batches.done if b.outcome == "completed" and b.calls_done]
    rows = [
        ("run RSS (peak per run)", phases([b.peak_rss() for b in worked if b.peak_rss()]), mib, "MiB"),
        ("annotator RSS", phases(ann.rss_while_annotating()), mib, "MiB"),
        ("run wall time", phases([b.wall_s for b in worked]), 1, "s"),
        ("run s per call stored", phases([b.wall_s / b.calls_done for b in worked]), 1, "s"),
    ]
    print(f"\n{'':<24}{'start':>10}{'middle':>10}{'end':>10}{'end/start':>11}")
    ratios = {}
    for name, ph, scale, unit in rows:
        if ph is None:
            print(f"{name:<24}{'no samples':>30}")
            continue
        ratios[name] = ph[2] / ph[0] if ph[0] else float("nan")
        print(f"{name:<24}" + "".join(f"{v / scale:.1f} {unit}".rjust(10) for v in ph) + f"{ratios[name]:>11.2f}")
    ok = (check.lost == 0 and check.duplicates == 0 and check.missing == 0 and last.outcome == "completed"
          and ann.exit_code == 0)
    run_ratio = ratios.get("run RSS (peak per run)", float("nan"))
    ann_ratio = ratios.get("annotator RSS", float("nan"))
    print(f"\nSUMMARY seed {args.seed}, {elapsed_s / 60:.1f} min: {sum(dropper.dropped.values())} files dropped, "
          f"{len(batches.done)} runs ({outcomes.get('completed', 0)} completed, {outcomes.get('killed', 0)} killed, "
          f"{outcomes.get('refused', 0)} refused, {outcomes.get('failed', 0) + outcomes.get('hung', 0)} failed), "
          f"{check.calls} calls in store ({check.missing} missing), {check.failed_rows} failed rows, "
          f"{check.duplicates} duplicates, annotations {check.written} written / {check.found} found, "
          f"{check.lost} lost, RSS end/start run {run_ratio:.2f} annotator {ann_ratio:.2f} — "
          f"{'OK' if ok else 'FAILED'}")
    return ok


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="how long to drop, run and kill (default 30)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: new, printed)")
    ap.add_argument("--real-asr", action="store_true", help="`callqa run` with the configured Whisper model")
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder even when all is well")
    ap.add_argument("--annotator", nargs=2, metavar=("LOG", "STOP"), type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(10**6)
    if args.annotator:
        return annotator(*args.annotator, seed=args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="callqa-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"soak: {args.minutes:g} min, seed {args.seed}, {'real ASR' if args.real_asr else 'FakeTranscriber'}, "
          f"RSS from {'psutil' if psutil else '/proc'}, work folder {work}", flush=True)
    ok = soak(args, work)
    if ok and not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    elif not ok:
        print(f"work folder kept for inspection: {work}")
    return 0 if ok else 1


def soak(args, work: Path) -> bool:
    rng = random.Random(args.seed)
    home = work / "home"
    env = environment(home, args.real_asr)
    sampler = Sampler()
    sampler.start()
    dropper = Dropper(work / "calls", work / "staging", rng)
    batches = Batches(work / "calls", env, Path.cwd() if args.real_asr else work, work / "logs", sampler,
                      args.real_asr)
    ann = Annotator(work, env, args.seed + 1, sampler)
    t0 = time.monotonic()
    try:
        cycles = soak_loop(args.minutes, rng, dropper, batches, default_wall_s=60.0 if args.real_asr else 5.0)
        last = final_run(batches)
        ann.stop(after_written=3)
    finally:
        for b in list(batches.live.values()):  # left going by Ctrl-C
            batches.kill(b)
            b.proc.wait()
        if ann.proc.poll() is None:
            ann.stop_file.touch()
        sampler.stop()
    check = check_store(home / "callqa.duckdb", set(dropper.good), ann.entries())
    return report(args, cycles, dropper, batches, last, ann, check, time.monotonic() - t0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
