"""Issue 14, rows 2-4: the configuration is checked once, at load; a wrong value is one
message naming the file, the key and the expected type, and no call is processed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from core.config import DEFAULTS, load_config
from core.errors import ConfigError
from tests.test_pipeline import write_stereo_call


def _toml(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "callqa.toml"
    path.write_bytes(text.encode(encoding))
    return path


def test_templates_given_as_one_string_is_a_one_item_list(tmp_path, home):
    """Row 2: `templates = "asterisk"` used to leave no template at all."""
    cfg = load_config(_toml(tmp_path, '[ingest]\ntemplates = "asterisk"\n'))
    assert cfg["ingest.templates"] == ["asterisk"]
    cfg = load_config(_toml(tmp_path, '[ingest]\ntemplates = "asterisk, mango"\n'))
    assert cfg["ingest.templates"] == ["asterisk", "mango"]


@pytest.mark.parametrize(("text", "message"), [
    ('[asr]\nbatch_size = "eight"\n', "asr.batch_size = 'eight': expected a whole number"),
    ('[ingest]\nmin_age_s = "abc"\n', "ingest.min_age_s = 'abc': expected a whole number"),
    ('[asr]\nmodel = ""\n', "asr.model = '': expected a value that is not empty"),
    ('[asr]\nsegmentation = "words"\n', "asr.segmentation = 'words': expected one of turns, clips, vad"),
    ('[asr]\nword_timestamps = "yes"\n', "asr.word_timestamps = 'yes': expected true or false"),
    ('[ingest]\nmax_attempts = 0\n', "ingest.max_attempts = 0: expected a whole number of at least 1"),
    ('[ingest]\ntemplates = [1, 2]\n', "ingest.templates = [1, 2]: expected a list of words"),
    ('[ingest]\ntimezone = "Mars/Olympus"\n', "ingest.timezone = 'Mars/Olympus': expected a time zone"),
    ('[scoring]\nlow_score_threshold = nan\n', "scoring.low_score_threshold = nan: expected a number"),
])
def test_a_wrong_value_names_the_file_the_key_and_the_type(tmp_path, home, text, message):
    toml = _toml(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(toml)
    assert str(caught.value).startswith(f"{toml}: {message}")


def test_a_wrong_environment_value_names_the_variable(home, monkeypatch):
    monkeypatch.setenv("CALLQA_ASR_BATCH_SIZE", "eight")
    with pytest.raises(ConfigError, match=r"CALLQA_ASR_BATCH_SIZE='eight': expected a whole number"):
        load_config()


def test_a_bad_value_stops_callqa_run_with_exit_1_before_any_file(tmp_path, home, monkeypatch):
    """Row 3: `batch_size = "eight"` used to fail every call one by one, exit 0."""
    monkeypatch.chdir(tmp_path)
    calls = write_stereo_call(tmp_path / "calls" / "a.wav").parent
    _toml(tmp_path, '[asr]\nbatch_size = "eight"\n')
    result = CliRunner().invoke(main, ["run", str(calls)])
    assert result.exit_code == 1
    assert "asr.batch_size = 'eight': expected a whole number" in result.output
    assert "Traceback" not in result.output
    assert not (home / "callqa.duckdb").exists()


def test_callqa_toml_in_cp1251_or_with_a_bom_is_read(tmp_path, home):
    """Row 4: a cp1251 file used to end in a UnicodeDecodeError traceback."""
    text = '[managers."101"]\nname = "Анна Петрова"\n'
    for encoding in ("cp1251", "utf-8-sig"):
        cfg = load_config(_toml(tmp_path, text, encoding))
        assert cfg.manager_for_extension("101").name == "Анна Петрова"


def test_managers_csv_in_cp1251_with_semicolons_is_read(tmp_path, home):
    csv = tmp_path / "managers.csv"
    csv.write_bytes("extension;name;team\n102;Пётр Иванов;Опт\n".encode("cp1251"))
    cfg = load_config(_toml(tmp_path, f'[ingest]\nmanagers_csv = "{csv}"\n'))
    assert cfg.manager_for_extension("102").name == "Пётр Иванов"


def test_a_managers_csv_with_an_unterminated_quote_names_the_file_and_line(tmp_path, home):
    csv = tmp_path / "managers.csv"
    csv.write_text('extension,name,team\n101,"Анна,Розница\n102,Пётр,Опт\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"managers CSV .*managers.csv, line 3: unexpected end of data"):
        load_config(_toml(tmp_path, f'[ingest]\nmanagers_csv = "{csv}"\n'))


# --- properties -----------------------------------------------------------------------------

_toml_scalars = st.one_of(
    st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.lists(st.text(alphabet="abcmango", max_size=8), max_size=3),
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from([k for k, v in DEFAULTS.items() if not isinstance(v, dict)]), value=_toml_scalars)
def test_any_value_of_any_setting_loads_or_is_a_config_error(tmp_path, home, key, value):
    section, name = key.split(".")
    toml = _toml(tmp_path, f"[{section}]\n{name} = {_toml_value(value)}\n")
    try:
        cfg = load_config(toml)
    except ConfigError as exc:
        assert key in str(exc)
        return
    assert type(cfg[key]) is type(DEFAULTS[key])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_any_bytes_as_callqa_toml_load_or_are_a_config_error(tmp_path, home, raw):
    path = tmp_path / "callqa.toml"
    path.write_bytes(raw)
    try:
        load_config(path)
    except ConfigError:
        pass


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(alphabet='101,;"\n Анна', max_size=60).map(str.encode))
def test_any_bytes_as_managers_csv_load_or_are_a_config_error(tmp_path, home, raw):
    csv = tmp_path / "managers.csv"
    csv.write_bytes(b"extension,name,team\n" + raw)
    try:
        load_config(_toml(tmp_path, f'[ingest]\nmanagers_csv = "{csv}"\n'))
    except ConfigError:
        pass
