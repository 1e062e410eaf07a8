"""Issue 14, row 6: an import is per file and bounded; times with a zone are converted to the
configured one; a file never silently renames a known manager."""

from __future__ import annotations

import json
from datetime import datetime

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from core.config import load_config
from core.errors import TranscriptFormatError
from pipeline.importer import import_transcripts
from store import db
from tests.test_transcribe_import import CALLQA, _write
from transcribe.importers import ImportedCall, load_transcript_file, load_transcript_paths


def _errors(tmp_path) -> dict[str, str]:
    return {p.name: str(e) for p, e in (i for i in load_transcript_paths([tmp_path]) if isinstance(i, tuple))}


def test_a_100000_deep_array_fails_that_file_only(tmp_path):
    _write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    _write(tmp_path, "deep-object.json", '{"a":' * 50 + "1" + "}" * 50)
    _write(tmp_path, "good.json", CALLQA)
    items = list(load_transcript_paths([tmp_path]))
    assert [i.call_id for i in items if isinstance(i, ImportedCall)] == ["c-1"]
    errors = _errors(tmp_path)
    assert "nested more than 32 levels deep" in errors["deep.json"]
    assert "nested more than 32 levels deep" in errors["deep-object.json"]


def test_non_finite_numbers_are_rejected(tmp_path):
    for name, number in (("big.json", "1e309"), ("nan.json", "NaN"), ("inf.json", "-Infinity"),
                         ("huge-int.json", "1" + "0" * 400)):
        text = json.dumps(CALLQA, ensure_ascii=False).replace('"duration_s": 20', f'"duration_s": {number}')
        _write(tmp_path, name, text)
    errors = _errors(tmp_path)
    assert "the number 1e309 is too large" in errors["big.json"]
    assert "NaN is not a number JSON allows" in errors["nan.json"]
    assert "-Infinity is not a number JSON allows" in errors["inf.json"]
    assert "is too large" in errors["huge-int.json"]


def test_a_time_with_an_offset_is_converted_to_the_configured_zone(tmp_path):
    from zoneinfo import ZoneInfo

    data = {**CALLQA, "started_at": "2026-09-01T07:15:00+00:00"}
    call = load_transcript_file(_write(tmp_path, "a.json", data), timezone=ZoneInfo("Europe/Moscow"))
    assert call.meta.started_at == datetime(2026, 9, 1, 10, 15)
    naive = load_transcript_file(_write(tmp_path, "b.json", CALLQA), timezone=ZoneInfo("Asia/Tokyo"))
    assert naive.meta.started_at == datetime(2026, 9, 1, 10, 15)  # no offset: taken as written


def test_import_uses_ingest_timezone(home, tmp_path, monkeypatch, scorer):
    monkeypatch.setenv("CALLQA_INGEST_TIMEZONE", "Asia/Yekaterinburg")
    _write(tmp_path, "a.json", {**CALLQA, "started_at": "2026-09-01T10:15:00+03:00"})
    cfg = load_config()
    import_transcripts(cfg, [tmp_path / "a.json"], scorer=scorer)
    [(started,)] = db.query_rows(cfg.db_path, "SELECT started_at FROM calls")
    assert started == datetime(2026, 9, 1, 12, 15)


def test_a_file_naming_a_known_manager_differently_keeps_the_known_name(home, tmp_path, monkeypatch, scorer):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "callqa.toml").write_text('[managers."101"]\nname = "Анна Смирнова"\n', encoding="utf-8")
    _write(tmp_path, "a.json", {**CALLQA, "call_id": "c-1"})
    other = {**CALLQA, "call_id": "c-2", "manager": {"id": "m900", "name": "Олег", "extension": "900"}}
    _write(tmp_path, "b.json", other)
    _write(tmp_path, "c.json", {**other, "call_id": "c-3", "manager": {"id": "m900", "name": "Кто-то"}})
    result = CliRunner().invoke(main, ["import-transcripts", str(tmp_path / "a.json"), str(tmp_path / "b.json")],
                                catch_exceptions=False)
    assert "kept the known name 'Анна Смирнова'" in result.output
    result = CliRunner().invoke(main, ["import-transcripts", str(tmp_path / "c.json")], catch_exceptions=False)
    assert "manager m900 'Кто-то'; kept the known name 'Олег'" in result.output
    names = dict(db.query_rows(load_config().db_path, "SELECT manager_id, name FROM managers"))
    assert names == {"m101": "Анна Смирнова", "m900": "Олег"}


# --- property: any JSON-ish file is a call or a TranscriptFormatError, never a crash ----------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["format", "segments", "speaker", "start", "end", "text", "response", "chunks",
                         "result", "channelTag", "started_at", "manager", "version", "x"]), children, max_size=5),
    max_leaves=25,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_json)
def test_any_json_document_loads_or_is_a_format_error(tmp_path, data):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [item] = list(load_transcript_paths([path]))
    assert isinstance(item, ImportedCall) or isinstance(item[1], TranscriptFormatError)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patch=st.dictionaries(st.sampled_from(sorted(CALLQA)), _json, max_size=3))
def test_any_change_to_a_callqa_file_loads_or_is_a_format_error(tmp_path, patch):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({**CALLQA, **patch}), encoding="utf-8")
    [item] = list(load_transcript_paths([path]))
    assert isinstance(item, ImportedCall) or isinstance(item[1], TranscriptFormatError)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_any_bytes_load_or_are_a_format_error(tmp_path, raw):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    [item] = list(load_transcript_paths([path]))
    assert isinstance(item, ImportedCall) or isinstance(item[1], TranscriptFormatError)
