"""Effective configuration: defaults < callqa.toml < environment < CLI flags.

Every value remembers where it came from (``callqa config show`` prints it). Keys are dotted
``section.name``. Environment variables: ``CALLQA_HOME``, ``CALLQA_DB``, ``CALLQA_CONFIG`` and,
for any key, ``CALLQA_<SECTION>_<NAME>`` (e.g. ``CALLQA_ASR_MODEL=small``).
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.types import manager_id_for_extension

DEFAULTS: dict[str, Any] = {
    "paths.home": "~/.callqa",
    "paths.db": "",  # default: <home>/callqa.duckdb
    "paths.calls_folder": "",
    "ingest.min_age_s": 60,  # files modified more recently may still be written by the PBX
    "ingest.max_attempts": 3,  # failed files are retried this many times across runs
    "ingest.max_duration_h": 2.0,  # longer files are refused with a reason
    "ingest.templates": ["asterisk", "mango", "bitrix24"],
    "ingest.custom_regex": "",  # named groups: started, date, time, direction, ext, client, id
    "ingest.managers_csv": "",  # columns: extension,name,team
    "asr.model": "base",  # "base" = embedded Whisper base; or a faster-whisper name / folder
    "asr.language": "ru",
    "asr.device": "cpu",
    "asr.compute_type": "int8",
    "asr.cpu_threads": 0,  # 0 = all cores
    "asr.batch_size": 8,  # 0/1 = sequential
    "asr.beam_size": 1,  # greedy: same WER as beam 5 on the demo calls (0.204 vs 0.202), 15% faster
    "asr.segmentation": "turns",  # turns (packed energy turns per channel) | clips | vad
    "asr.vad_threshold": 0.3,  # telephone-safe; Silero's 0.5 drops 300-3400 Hz speech
    "asr.manager_channel": "left",  # left | right | auto
    "asr.word_timestamps": False,
    "asr.mask_numbers": True,
    "asr.low_confidence_logprob": -1.0,
    "scoring.rubric": "",  # default: the rubric shipped in scoring/resources
    "scoring.rubrics_by_direction": {},
    "scoring.rubrics_by_team": {},
    "scoring.objections": "",  # default: the catalogue shipped in scoring/resources
    "scoring.min_calls": 5,
    "scoring.low_score_threshold": 60.0,
    "owner.no_review_days": 14,
    "owner.min_review_share": 0.05,
    "owner.min_played_minutes_week": 30,
    "owner.expected_planning_per_week": 1,
    "owner.expected_one_to_one_per_month": 1,
    "owner.expected_training_per_month": 1,
    "owner.coaching_window_calls": 10,
    "owner.repeat_error_calls": 3,
    "owner.team_stage_fail_rate": 0.6,
    "owner.discount_share_rise": 0.15,
    "owner.low_kappa": 0.4,
    "smtp.host": "",
    "smtp.port": 25,
    "smtp.user": "",
    "smtp.password": "",
    "smtp.sender": "callqa@localhost",
    "smtp.to": [],
    "cluster.engine": "local",  # local (this machine, no Ray needed) | ray (pip install 'callqa[ray]')
    "cluster.address": "",  # Ray cluster address ("auto", "10.0.0.5:6379"); empty: a local Ray on this machine
    "cluster.workers": 2,  # Ray actors, each loads the Whisper model and the scorer once
    "cluster.cpus_per_worker": 1,  # Ray CPUs each actor reserves (its Whisper threads when asr.cpu_threads = 0)
    "cluster.max_in_flight": 0,  # recordings sent and not yet stored; 0 = 2 × workers
    "cluster.shared_folder": False,  # true: workers mount the calls folder at the same path (paths, not bytes, are sent)
    "ui.port": 8501,
    "ui.session_days": 14,  # "stay signed in": days a browser keeps its login (0: every new tab asks)
}

_ENV_SHORTCUTS = {"CALLQA_HOME": "paths.home", "CALLQA_DB": "paths.db"}


@dataclass(frozen=True, slots=True)
class ManagerInfo:
    manager_id: str
    name: str
    extension: str | None
    team: str | None


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]
    sources: dict[str, str]
    managers: tuple[ManagerInfo, ...] = field(default=())
    config_file: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def home(self) -> Path:
        return Path(os.path.expanduser(str(self.values["paths.home"]))).resolve()

    @property
    def db_path(self) -> Path:
        db = self.values["paths.db"]
        return Path(os.path.expanduser(db)).resolve() if db else self.home / "callqa.duckdb"

    @property
    def rubric_path(self) -> Path | None:
        """The configured rubric file; None = the default rubric shipped with callqa."""
        r = self.values["scoring.rubric"]
        return Path(os.path.expanduser(str(r))) if r else None

    @property
    def objections_path(self) -> Path | None:
        """The configured objection catalogue; None = the one shipped with callqa."""
        r = self.values["scoring.objections"]
        return Path(os.path.expanduser(str(r))) if r else None

    def with_values(self, values: dict[str, Any], source: str = "flag") -> Config:
        """This configuration with some keys set (None values are ignored), e.g. CLI flags."""
        values = {k: v for k, v in values.items() if v is not None}
        for key in values:
            if key not in DEFAULTS:
                raise ConfigError(f"Unknown setting '{key}'.")
        return replace(self, values={**self.values, **values},
                       sources={**self.sources, **{k: source for k in values}})

    def manager_for_extension(self, ext: str | None) -> ManagerInfo | None:
        if not ext:
            return None
        for m in self.managers:
            if m.extension == ext:
                return m
        return None


def _coerce(key: str, raw: str) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def _flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and key not in DEFAULTS:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _find_config_file(explicit: str | os.PathLike | None) -> Path | None:
    if explicit:
        p = Path(explicit)
        if not p.exists():
            raise ConfigError(f"Config file {p} does not exist. Create it or drop --config.")
        return p
    env = os.environ.get("CALLQA_CONFIG")
    if env:
        p = Path(env)
        if not p.exists():
            raise ConfigError(f"CALLQA_CONFIG points to {p}, which does not exist.")
        return p
    home = Path(os.path.expanduser(os.environ.get("CALLQA_HOME", "~/.callqa")))
    for p in (Path.cwd() / "callqa.toml", home / "callqa.toml"):
        if p.exists():
            return p
    return None


def load_config(config_file: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Build the effective config; ``overrides`` are CLI flags (dotted keys)."""
    values = dict(DEFAULTS)
    sources = {k: "default" for k in DEFAULTS}
    path = _find_config_file(config_file)
    managers_table: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML ({exc}). Fix the file and run again.") from exc
        managers_table = data.pop("managers", {}) or {}
        for key, val in _flatten(data).items():
            if key not in DEFAULTS:
                raise ConfigError(
                    f"{path}: unknown setting '{key}'. Known settings: `callqa config show`."
                )
            values[key] = val
            sources[key] = f"file {path}"
    for env, key in _ENV_SHORTCUTS.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
            sources[key] = f"env {env}"
    for key in DEFAULTS:
        env = "CALLQA_" + key.replace(".", "_").upper()
        if env in os.environ and env not in _ENV_SHORTCUTS:
            try:
                values[key] = _coerce(key, os.environ[env])
            except ValueError as exc:
                raise ConfigError(f"{env}={os.environ[env]!r}: {exc}") from exc
            sources[key] = f"env {env}"
    for key, val in (overrides or {}).items():
        if val is None:
            continue
        if key not in DEFAULTS:
            raise ConfigError(f"Unknown setting '{key}'.")
        values[key] = val
        sources[key] = "flag"
    managers = _load_managers(managers_table, values["ingest.managers_csv"])
    return Config(values=values, sources=sources, managers=managers, config_file=path)


def _load_managers(table: dict, csv_path: str) -> tuple[ManagerInfo, ...]:
    """Managers from ``[managers."101"] name=..., team=...`` and/or a CSV extension,name,team."""
    out: dict[str, ManagerInfo] = {}
    for ext, info in table.items():
        if isinstance(info, str):
            info = {"name": info}
        mid = str(info.get("id") or manager_id_for_extension(ext))
        out[str(ext)] = ManagerInfo(mid, str(info.get("name", ext)), str(ext), info.get("team"))
    if csv_path:
        p = Path(os.path.expanduser(csv_path))
        if not p.exists():
            raise ConfigError(f"ingest.managers_csv: {p} does not exist.")
        with p.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                ext = (row.get("extension") or row.get("ext") or "").strip()
                if not ext:
                    continue
                mid = (row.get("id") or manager_id_for_extension(ext)).strip()
                out[ext] = ManagerInfo(mid, (row.get("name") or ext).strip(), ext, (row.get("team") or "").strip() or None)
    return tuple(out.values())
