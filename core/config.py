"""Effective configuration: defaults < callqa.toml < environment < CLI flags.

Every value remembers where it came from (``callqa config show`` prints it). Keys are dotted
``section.name``. Environment variables: ``CALLQA_HOME``, ``CALLQA_DB``, ``CALLQA_CONFIG`` and,
for any key, ``CALLQA_<SECTION>_<NAME>`` (e.g. ``CALLQA_ASR_MODEL=small``).

The whole configuration is checked once, when it is loaded, so that a wrong value stops every
command at the start (one ConfigError naming the file or variable, the key and the expected
type) instead of failing each call of a batch in turn. Each value must have its default's type
(a whole number where the default is one, ``true``/``false`` for switches, a number for
floats), choices must be one of their allowed words, and a list setting given as one string
(``templates = "asterisk"``) is accepted as a one-item list, or a comma-separated list
(``"asterisk, mango"``), the way the environment variables are read. callqa.toml and the
managers CSV are read as UTF-8 (with or without BOM); a file that is not UTF-8 is read as
Windows-1251 (Excel and Notepad on Russian Windows) with a warning in the log.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import tomllib
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.types import manager_id_for_extension

log = logging.getLogger(__name__)

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
    "ingest.timezone": "",  # zone of call times (IANA, e.g. Europe/Moscow); "": this machine's
    "asr.model": "base",  # "base" = embedded Whisper base; or a faster-whisper name / folder
    "asr.language": "ru",
    "asr.device": "cpu",
    "asr.compute_type": "int8",
    "asr.cpu_threads": 0,  # 0 = all cores
    "asr.batch_size": 8,  # 0/1 = sequential
    "asr.beam_size": 5,  # telephone-band WER 0.33 -> 0.26 against greedy (1), at 1.5x the decoding time
    "asr.segmentation": "turns",  # turns (packed energy turns per channel) | clips | vad
    "asr.vad_threshold": 0.3,  # telephone-safe; Silero's 0.5 drops 300-3400 Hz speech
    "asr.manager_channel": "auto",  # auto: decided per call (layout, direction, text, IVR) | left | right
    "asr.stereo_layout": "auto",  # the PBX's stereo layout: auto | caller_left | manager_left | manager_right
    "asr.vocabulary_channel": "manager",  # manager | both: hotwords on the manager's channel only when the layout tells it
    "asr.vocabulary": [],  # company/brand names, products, competitors, streets: Whisper hotwords + known organisations
    "asr.word_timestamps": False,
    "asr.mask_numbers": True,
    "asr.low_confidence_logprob": -1.0,
    "scoring.rubric": "",  # default: the rubric shipped in scoring/resources
    "scoring.rubrics_by_direction": {},
    "scoring.rubrics_by_team": {},
    "scoring.objections": "",  # default: the catalogue shipped in scoring/resources
    "scoring.min_calls": 5,
    "scoring.example_similarity": 0.7,  # cosine a segment needs to match a criterion's / kind's examples
    "scoring.low_score_threshold": 60.0,
    # a pass/fail verdict less sure than this is «недостаточно данных» (eval dev split: above
    # 0.5 abstaining costs more right verdicts than it saves; docs/scoring.md)
    "scoring.min_confidence": 0.5,
    # until `callqa train` has learned from this company's РОП, the default rubric's verdicts are
    # adjusted by correction models shipped with callqa (trained on the evaluation corpus's dev split)
    "scoring.bootstrap_models": True,
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

    @property
    def timezone(self) -> zoneinfo.ZoneInfo | None:
        """The zone of call times (``ingest.timezone``); None: this machine's."""
        name = self.values["ingest.timezone"]
        return zoneinfo.ZoneInfo(name) if name else None

    def manager_for_id(self, manager_id: str | None) -> ManagerInfo | None:
        return next((m for m in self.managers if m.manager_id == manager_id), None)

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


# Settings that take one of a few words, and the smallest value of numeric settings.
CHOICES: dict[str, tuple[str, ...]] = {
    "asr.device": ("cpu", "cuda", "auto"),
    "asr.segmentation": ("turns", "clips", "vad"),
    "asr.manager_channel": ("left", "right", "auto"),
}
MINIMUM: dict[str, float] = {"ingest.max_attempts": 1, "asr.beam_size": 1, "ui.port": 1,
                             "ingest.max_duration_h": 0.001, "asr.low_confidence_logprob": -math.inf}
# (every other number is at least 0)
NOT_EMPTY = frozenset({"paths.home", "asr.model", "asr.language", "asr.compute_type"})
_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number",
               list: "a list of words, e.g. [\"a\", \"b\"]", dict: "a table", str: "text"}


def _expected(key: str) -> str:
    default = DEFAULTS[key]
    if key in CHOICES:
        return "one of " + ", ".join(CHOICES[key])
    return _TYPE_WORDS[type(default)]


def _coerce(key: str, raw: str) -> Any:
    """An environment variable's text as the type of ``key``'s default."""
    default = DEFAULTS[key]
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        return _split_words(raw)
    return raw


def _split_words(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


def _checked(key: str, value: Any, source: str) -> Any:
    """``value`` for ``key`` in the type of its default, or a ConfigError naming the source,
    the key and the expected type."""
    default = DEFAULTS[key]

    def wrong(expected: str | None = None) -> ConfigError:
        where = source.removeprefix("file ").removeprefix("env ")
        return ConfigError(f"{where}: {key} = {value!r}: expected {expected or _expected(key)}. "
                           "Fix the value and run again (`callqa config show` lists every setting).")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong()
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong()
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise wrong()
        value = float(value)
    elif isinstance(default, list):
        if isinstance(value, str):  # `templates = "asterisk"`: the friendly reading
            value = _split_words(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong()
    elif isinstance(default, dict):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise wrong("a table of names to file paths")
    elif not isinstance(value, str):
        raise wrong()
    if key in CHOICES and value not in CHOICES[key]:
        raise wrong()
    if key in NOT_EMPTY and not value.strip():
        raise wrong("a value that is not empty")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < MINIMUM.get(key, 0):
        raise wrong(f"{_expected(key)} of at least {MINIMUM.get(key, 0):g}")
    if key == "ingest.timezone" and value:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise wrong("a time zone name such as Europe/Moscow, or \"\" for this machine's") from exc
    return value


def read_text_file(path: Path, what: str) -> str:
    """A settings file as text: UTF-8 (a BOM is dropped), else Windows-1251 with a warning."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot read it ({exc.strerror}); check the path and "
                          "that the callqa user may read it.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        log.warning("%s %s is not UTF-8; read as Windows-1251. Save it as UTF-8 to silence this.", what, path)
        return raw.decode("cp1251", errors="replace")


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
            data = tomllib.loads(read_text_file(path, "config file"))
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
                raise ConfigError(f"{env}={os.environ[env]!r}: expected {_expected(key)}.") from exc
            sources[key] = f"env {env}"
    for key, val in (overrides or {}).items():
        if val is None:
            continue
        if key not in DEFAULTS:
            raise ConfigError(f"Unknown setting '{key}'.")
        values[key] = val
        sources[key] = "flag"
    for key in DEFAULTS:
        values[key] = _checked(key, values[key], sources[key])
    if not isinstance(managers_table, dict):
        raise ConfigError(f"{path}: [managers] must be a table like [managers.\"101\"] name = \"…\".")
    managers = _load_managers(managers_table, values["ingest.managers_csv"], path)
    return Config(values=values, sources=sources, managers=managers, config_file=path)


def _load_managers(table: dict, csv_path: str, config_file: Path | None = None) -> tuple[ManagerInfo, ...]:
    """Managers from ``[managers."101"] name=..., team=...`` and/or a CSV extension,name,team."""
    out: dict[str, ManagerInfo] = {}
    for ext, info in table.items():
        if isinstance(info, str):
            info = {"name": info}
        if not isinstance(info, dict) or not all(isinstance(info.get(k, ""), str) for k in ("id", "name", "team")):
            raise ConfigError(f"{config_file}: managers.{ext} = {info!r}: expected a name, or a table "
                              "with text fields name, team (and id).")
        mid = str(info.get("id") or manager_id_for_extension(ext))
        out[str(ext)] = ManagerInfo(mid, str(info.get("name", ext)), str(ext), info.get("team") or None)
    if csv_path:
        p = Path(os.path.expanduser(csv_path))
        if not p.exists():
            raise ConfigError(f"ingest.managers_csv: {p} does not exist.")
        for m in _read_managers_csv(p):
            out[m.extension or ""] = m
    return tuple(out.values())


def _read_managers_csv(path: Path) -> list[ManagerInfo]:
    text = read_text_file(path, "managers CSV (ingest.managers_csv)")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out = []
    try:
        if reader.fieldnames is None or not {"extension", "ext"} & {f.strip() for f in reader.fieldnames}:
            raise ConfigError(f"managers CSV {path}: the first line must name the columns "
                              f"extension,name,team (found {reader.fieldnames!r}).")
        for row in reader:
            row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
            ext = row.get("extension") or row.get("ext") or ""
            if not ext:
                continue
            mid = row.get("id") or manager_id_for_extension(ext)
            out.append(ManagerInfo(mid, row.get("name") or ext, ext, row.get("team") or None))
    except csv.Error as exc:
        raise ConfigError(f"managers CSV {path}, line {reader.reader.line_num}: {exc}; fix the file and "
                          "run again.") from exc
    return out
