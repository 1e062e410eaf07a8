"""Effective configuration: defaults < callqa.toml < env < flags, with sources."""

import pytest

from core.config import load_config
from core.errors import ConfigError


def test_precedence_and_sources(tmp_path, monkeypatch):
    toml = tmp_path / "callqa.toml"
    toml.write_text('[asr]\nmodel = "small"\nbatch_size = 4\n[ingest]\nmin_age_s = 5\n', encoding="utf-8")
    monkeypatch.setenv("CALLQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLQA_ASR_BATCH_SIZE", "2")
    cfg = load_config(toml, overrides={"ingest.min_age_s": 0})
    assert cfg["asr.model"] == "small" and cfg.sources["asr.model"].startswith("file")
    assert cfg["asr.batch_size"] == 2 and cfg.sources["asr.batch_size"] == "env CALLQA_ASR_BATCH_SIZE"
    assert cfg["ingest.min_age_s"] == 0 and cfg.sources["ingest.min_age_s"] == "flag"
    assert cfg["asr.language"] == "ru" and cfg.sources["asr.language"] == "default"
    assert cfg.db_path == (tmp_path / "home" / "callqa.duckdb").resolve()


def test_managers_from_toml_and_csv(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("extension,name,team\n102,Пётр Иванов,Опт\n", encoding="utf-8")
    toml = tmp_path / "callqa.toml"
    toml.write_text(
        f'[ingest]\nmanagers_csv = "{csv}"\n[managers."101"]\nname = "Анна"\nteam = "Розница"\n',
        encoding="utf-8",
    )
    cfg = load_config(toml)
    assert cfg.manager_for_extension("101").name == "Анна"
    assert cfg.manager_for_extension("102").team == "Опт"
    assert cfg.manager_for_extension("999") is None


def test_unknown_key_is_an_actionable_error(tmp_path):
    toml = tmp_path / "callqa.toml"
    toml.write_text("[asr]\nmodle = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'asr.modle'"):
        load_config(toml)


def test_broken_toml_names_the_file(tmp_path):
    toml = tmp_path / "callqa.toml"
    toml.write_text("[asr\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(toml)
