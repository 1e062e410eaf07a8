"""The nightly batch on a Ray cluster: ``callqa run FOLDER --engine ray [--address ADDR]``.

The head (the machine running ``callqa run``) does what the local engine does around the
calls: it discovers the files, skips known ones by sha256, owns the run record, the run lock
and the database. Only the per-call work moves: each new recording becomes a task on a pool
of ``cluster.workers`` Ray actors (:class:`CallWorker`), each of which loads the Whisper model
once and receives the head's scorer once, and runs the same
:func:`pipeline.run.build_call` (decode → transcribe → score) as the local engine.

* The recording's bytes travel through Ray's object store (``ray.put``), and the head reads
  the file name and CRM sidecar (:func:`pipeline.run.call_meta`), so workers need not mount
  the calls folder; they decode from the bytes (:func:`ingest.decode_bytes`). With
  ``cluster.shared_folder = true`` every worker mounts the folder at the same path and only
  the path is sent (less traffic through the head).
* Results (:class:`core.types.Call`, frozen and picklable) stream back with ``ray.wait`` and
  the head's single writer stores each one in its own transaction, in completion order
  (:func:`pipeline.run.store_call`): a head killed mid-run resumes on the next run without
  duplicates, as in local mode.
* At most ``cluster.max_in_flight`` recordings (default 2 × workers) are sent and not yet
  stored, so the head's memory stays flat however large the folder.
* A recording that fails on a worker comes back as an error and becomes a ``failed`` row with
  the reason. A worker process that dies mid-call (killed, out of memory) is restarted by Ray
  and its recordings are sent to another worker; a recording on which workers died
  ``MAX_WORKER_DEATHS`` times becomes a failed row. A node that cannot load the model stops
  the run at start with an error naming the node.

Dependencies are passed in: ``transcriber_factory(cfg) -> Transcriber`` runs on each worker
(default :func:`transcribe.make_transcriber`), the scorer is the head's (so every worker
scores with the rubric versions the head registered).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.config import Config
from core.errors import CallQAError, ConfigError
from core.types import Call, Recording
from pipeline import run as batch
from pipeline.assemble import register_rubrics

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'callqa[ray]'"
MAX_WORKER_DEATHS = 3  # a recording on which this many workers died becomes a failed row
ACTOR_MAX_RESTARTS = 4  # Ray restarts a dead worker process this many times
START_TIMEOUT_S = 900.0  # every worker must have loaded its model within this time


def require_ray():
    """The ``ray`` module, or a ConfigError saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            "cluster.engine = \"ray\" needs Ray, which is not installed in this environment: "
            f"run `{INSTALL_HINT}` (on the head and on every worker node), or use the local "
            "engine (`--engine local`, cluster.engine = \"local\")."
        ) from exc
    return ray


# --- what a worker sends back ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Outcome:
    """One recording's result from a worker: the call, or the reason it failed."""

    sha256: str
    call: Call | None
    error: str | None
    node: str  # the worker's node IP
    node_id: str
    busy_s: float  # worker time spent on the call


@dataclass(slots=True)
class NodeStats:
    """What one node did in a run (``RunSummary.nodes``)."""

    calls: int = 0
    failed: int = 0
    audio_s: float = 0.0
    busy_s: float = 0.0

    def audio_h_per_wall_h(self, wall_s: float) -> float:
        return self.audio_s / wall_s if wall_s > 0 else 0.0


def _worker_config(cfg: Config, cpus_per_worker: int) -> Config:
    """The head's configuration as a worker uses it: the worker's own CALLQA_HOME (models are
    cached there; the head's home if the node has that folder, else ~/.callqa) and, when
    asr.cpu_threads = 0, as many Whisper threads as CPUs the worker reserved."""
    home = os.environ.get("CALLQA_HOME")
    if not home:
        home = str(cfg.home) if cfg.home.is_dir() else "~/.callqa"
    values = {"paths.home": home}
    if not cfg["asr.cpu_threads"]:
        values["asr.cpu_threads"] = max(1, int(cpus_per_worker))
    return cfg.with_values(values, source="ray worker")


class CallWorker:
    """A Ray actor: loads the model once, then builds calls from recordings' bytes.

    Setup errors are kept, not raised, so the head can name the node in its message."""

    def __init__(self, cfg: Config, transcriber_factory: Callable, scorer, cpus_per_worker: int = 1):
        import ray

        ctx = ray.get_runtime_context()
        self.node = ray.util.get_node_ip_address()
        self.node_id = ctx.get_node_id()
        self.setup_error: str | None = None
        self.cfg = _worker_config(cfg, cpus_per_worker)
        self.scorer = scorer
        try:
            self.transcriber = transcriber_factory(self.cfg)
            load = getattr(self.transcriber, "load", None)
            if callable(load):
                load()
        except Exception as exc:  # the head reports it with the node's name
            self.transcriber = None
            self.setup_error = (
                f"Ray worker node {self.node} cannot load the Whisper model "
                f"(asr.model = {self.cfg['asr.model']!r}, CALLQA_HOME {self.cfg.home}): "
                f"{type(exc).__name__}: {exc}. Install callqa with the same model on that node "
                "(or copy the model folder there), or take the node out of the cluster."
            )
        log.info("callqa worker ready on %s (pid %d)", self.node, os.getpid())

    def ready(self) -> tuple[str, str, str | None, int]:
        """(node IP, node id, setup error or None, pid)."""
        return self.node, self.node_id, self.setup_error, os.getpid()

    def process(self, rec: Recording, meta, data: bytes | None) -> Outcome:
        """``data`` None: the calls folder is mounted here (cluster.shared_folder)."""
        t0 = time.monotonic()
        if data is None and not rec.path.parent.is_dir():
            return Outcome(rec.sha256, None,
                           f"{rec.path.name}: the calls folder {rec.path.parent} is not mounted on "
                           f"Ray worker node {self.node} (cluster.shared_folder = true needs it on "
                           "every node at the same path)", self.node, self.node_id, 0.0)
        try:
            call = batch.build_call(self.cfg, rec, self.transcriber, self.scorer, meta=meta,
                                    audio_bytes=data)
            error = None
        except Exception as exc:  # the recording's fault (or a bug): a failed row, not a lost task
            if not isinstance(exc, CallQAError):
                log.exception("unexpected error on %s", rec.path.name)
            call, error = None, batch.failure_reason(exc)
        return Outcome(rec.sha256, call, error, self.node, self.node_id, time.monotonic() - t0)


# --- the engine (on the head) ------------------------------------------------------------------

@dataclass
class RayEngine:
    """Processes the selected recordings on Ray actors; see the module docstring.

    ``address``: a running cluster ("auto", "host:6379", "ray://host:10001"); empty starts a
    local Ray on this machine (``num_cpus`` CPUs, default all). If Ray is already initialised
    in this process (tests, notebooks), that connection is used and left open.
    """

    address: str = ""
    workers: int = 2
    cpus_per_worker: int = 1
    max_in_flight: int = 0  # 0 = 2 × workers
    shared_folder: bool = False  # workers read the files themselves (same path on every node)
    transcriber_factory: Callable | None = None  # cfg -> Transcriber, run on each worker
    num_cpus: int | None = None  # for a local Ray started here
    start_timeout_s: float = START_TIMEOUT_S
    on_ready: Callable | None = None  # called with the workers' (node, node id, error, pid) list
    worker_pids: list[int] = field(default_factory=list)
    _scorer_ref: object = field(default=None, repr=False)

    @classmethod
    def from_config(cls, cfg: Config, **kw) -> RayEngine:
        require_ray()
        workers = int(cfg["cluster.workers"])
        if workers < 1:
            raise ConfigError(f"cluster.workers = {workers}: expected 1 or more.")
        return cls(address=str(cfg["cluster.address"] or ""), workers=workers,
                   cpus_per_worker=max(1, int(cfg["cluster.cpus_per_worker"])),
                   max_in_flight=int(cfg["cluster.max_in_flight"] or 0),
                   shared_folder=bool(cfg["cluster.shared_folder"]), **kw)

    @property
    def in_flight_limit(self) -> int:
        return self.max_in_flight if self.max_in_flight > 0 else 2 * self.workers

    def process(self, cfg: Config, todo: list, summary, scorer, progress=None) -> None:
        """Process ``todo`` (the head's selection) and count the results in ``summary``."""
        ray = require_ray()
        register_rubrics(cfg.db_path, scorer)
        started_here = self._connect(ray)
        actors: list = []
        try:
            actors, labels = self._start_workers(ray, cfg, scorer)
            _Stream(ray, cfg, todo, actors, labels, summary, progress, self.in_flight_limit,
                    self.shared_folder).run()
        finally:
            for actor in actors:
                try:
                    ray.kill(actor)
                except Exception:  # already gone
                    pass
            self._scorer_ref = None
            if started_here:
                ray.shutdown()

    def _connect(self, ray) -> bool:
        if ray.is_initialized():
            return False
        kw = {"include_dashboard": False, "log_to_driver": True}
        if self.address:
            ray.init(address=self.address, **kw)
        else:
            ray.init(num_cpus=self.num_cpus, **kw)
        return True

    def _start_workers(self, ray, cfg: Config, scorer):
        cpus = float(ray.cluster_resources().get("CPU", 0))
        need = self.workers * self.cpus_per_worker
        if cpus < need:
            raise ConfigError(
                f"cluster.workers = {self.workers} × cluster.cpus_per_worker = "
                f"{self.cpus_per_worker} needs {need} CPUs; the Ray cluster has {cpus:g}. "
                "Add nodes or lower cluster.workers."
            )
        factory = self.transcriber_factory or _default_transcriber_factory
        actor_cls = ray.remote(CallWorker).options(
            num_cpus=self.cpus_per_worker, max_restarts=ACTOR_MAX_RESTARTS, max_task_retries=0,
        )
        # the head keeps this reference for the whole run: a restarted worker needs it again
        self._scorer_ref = ray.put(scorer)
        actors = [actor_cls.remote(cfg, factory, self._scorer_ref, self.cpus_per_worker)
                  for _ in range(self.workers)]
        refs = [a.ready.remote() for a in actors]
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=self.start_timeout_s)
        if len(done) < len(refs):
            raise CallQAError(
                f"Only {len(done)} of {len(refs)} Ray workers started within "
                f"{self.start_timeout_s:.0f} s (loading the model). Check `ray status` and the "
                "worker logs under /tmp/ray/session_latest/logs."
            )
        infos = ray.get(refs)
        errors = [err for _, _, err, _ in infos if err]
        if errors:
            raise CallQAError(errors[0] + (f" ({len(errors)} workers failed)" if len(errors) > 1 else ""))
        self.worker_pids = [pid for *_, pid in infos]
        if self.on_ready:
            self.on_ready(infos)
        labels = _node_labels(ray)
        log.info("%d Ray workers ready on %s", len(actors),
                 ", ".join(sorted({labels.get(nid, ip) for ip, nid, _, _ in infos})))
        return actors, labels


def _default_transcriber_factory(cfg: Config):
    import transcribe

    return transcribe.make_transcriber(cfg)


def _node_labels(ray) -> dict[str, str]:
    """node id → its IP, or IP/short id where several nodes share an IP (one machine)."""
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    ips = [n["NodeManagerAddress"] for n in nodes]
    return {n["NodeID"]: (n["NodeManagerAddress"] if ips.count(n["NodeManagerAddress"]) == 1
                          else f"{n['NodeManagerAddress']}/{n['NodeID'][:6]}") for n in nodes}


@dataclass
class _Task:
    item: Recording
    actor: int
    data_ref: object
    meta: object
    deaths: int = 0
    tried: set = field(default_factory=set)


class _Stream:
    """The head's loop: keep at most ``limit`` recordings in flight, store results as they
    complete, send a recording whose worker died to another worker."""

    def __init__(self, ray, cfg, todo, actors, labels, summary, progress, limit, shared=False):
        self.ray, self.cfg, self.actors, self.labels = ray, cfg, actors, labels
        self.shared = shared
        self.summary, self.progress, self.limit = summary, progress, max(1, limit)
        self.todo, self.total = iter(todo), len(todo)
        self.pending: dict = {}  # ObjectRef → _Task
        self.load = [0] * len(actors)
        self.actor_deaths = [0] * len(actors)
        self.finished = 0

    def run(self) -> None:
        while True:
            while len(self.pending) < self.limit:
                item = next(self.todo, None)
                if item is None:
                    break
                self._submit_new(item)
            if not self.pending:
                return
            ready, _ = self.ray.wait(list(self.pending), num_returns=1)
            for ref in ready:
                self._collect(ref, self.pending.pop(ref))

    # --- sending ---------------------------------------------------------------------------

    def _submit_new(self, item) -> None:
        if not isinstance(item, Recording):  # unreadable at discovery: the head records it
            ok, _ = batch.process_here(self.cfg, item)
            self._count_local(item, ok)
            return
        if self.shared:  # the worker reads the file at the same path
            self._send(_Task(item, -1, None, batch.call_meta(self.cfg, item)))
            return
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            batch.record_failure(self.cfg, item, f"{item.path.name}: cannot read it "
                                 f"({exc.strerror}); check the disk and the file's permissions")
            self._count_local(item, False)
            return
        if hashlib.sha256(data).hexdigest() != item.sha256:
            log.warning("%s changed while the run was going; it is taken on the next run", item.path)
            self.summary.skipped += 1
            self.summary.new -= 1
            self.total -= 1
            return
        task = _Task(item, -1, self.ray.put(data), batch.call_meta(self.cfg, item))
        del data
        self._send(task)

    def _send(self, task: _Task) -> None:
        alive = [i for i in range(len(self.actors)) if self.actor_deaths[i] <= ACTOR_MAX_RESTARTS]
        if not alive:
            raise CallQAError("Every Ray worker died more often than Ray restarts it; see "
                              "`ray status` and the worker logs. Run again to resume.")
        fresh = [i for i in alive if i not in task.tried] or alive
        task.actor = min(fresh, key=lambda i: self.load[i])
        task.tried.add(task.actor)
        self.load[task.actor] += 1
        ref = self.actors[task.actor].process.remote(task.item, task.meta, task.data_ref)
        self.pending[ref] = task

    # --- receiving -------------------------------------------------------------------------

    def _collect(self, ref, task: _Task) -> None:
        self.load[task.actor] -= 1
        try:
            outcome: Outcome = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as exc:  # not raised by process(): a bug
            outcome = Outcome(task.item.sha256, None, batch.failure_reason(exc), "?", "", 0.0)
        except self.ray.exceptions.RayError as exc:  # the worker process died (killed, OOM)
            self._worker_died(task, exc)
            return
        self._store(task.item, outcome)

    def _worker_died(self, task: _Task, exc: Exception) -> None:
        self.actor_deaths[task.actor] += 1
        task.deaths += 1
        name = task.item.path.name
        if task.deaths >= MAX_WORKER_DEATHS:
            log.warning("%s: %d Ray workers died on it (%s)", name, task.deaths, type(exc).__name__)
            outcome = Outcome(task.item.sha256, None,
                              f"{name}: the Ray worker processing it died {task.deaths} times "
                              f"(last: {type(exc).__name__}); it may need more memory than a "
                              "worker has. It is retried on the next run.", "?", "", 0.0)
            self._store(task.item, outcome)
            return
        log.warning("%s: Ray worker died (%s); sending it to another worker", name,
                    type(exc).__name__)
        self._send(task)

    def _store(self, item: Recording, outcome: Outcome) -> None:
        node = self.summary.nodes.setdefault(self.labels.get(outcome.node_id, outcome.node),
                                             NodeStats())
        node.busy_s += outcome.busy_s
        if outcome.call is not None:
            batch.store_call(self.cfg, outcome.call)
            self.summary.done += 1
            self.summary.audio_s += outcome.call.duration_s
            node.calls += 1
            node.audio_s += outcome.call.duration_s
            log.info("done %s on %s (%s, %.0f s)", item.path.name, outcome.node,
                     outcome.call.call_id, outcome.call.duration_s)
        else:
            batch.record_failure(self.cfg, item, outcome.error or "unknown error")
            self.summary.failed += 1
            node.failed += 1
        self._progress(item)

    def _count_local(self, item, ok: bool) -> None:
        if ok:
            self.summary.done += 1
        else:
            self.summary.failed += 1
        self._progress(item)

    def _progress(self, item) -> None:
        if self.progress:
            self.progress(Path(item.path).name, self.finished, self.total)
        self.finished += 1
