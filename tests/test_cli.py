"""The `callqa` command's edges: config show, init, status, clear errors."""

from click.testing import CliRunner

from cli.main import main
from tests.cli_runner import invoke


def test_config_show_prints_values_and_their_sources(home, monkeypatch):
    monkeypatch.setenv("CALLQA_ASR_MODEL", "small")
    out = invoke("config", "show").output
    assert "asr.model = 'small'    # env CALLQA_ASR_MODEL" in out
    assert f"paths.home = '{home}'    # env CALLQA_HOME" in out
    assert "asr.language = 'ru'    # default" in out


def test_init_and_status_on_an_empty_store(home):
    assert "schema v" in invoke("init").output
    out = invoke("status").output
    assert "no runs yet" in out and "calls stored: 0" in out


def test_missing_folder_is_a_usage_error(home, tmp_path, monkeypatch):
    monkeypatch.delenv("CALLQA_PATHS_CALLS_FOLDER", raising=False)
    monkeypatch.chdir(tmp_path)
    result = invoke("run")
    assert result.exit_code == 2
    assert "paths.calls_folder" in result.output


def test_unwritable_database_exits_1_with_a_message(home, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CALLQA_DB", str(blocker / "sub" / "callqa.duckdb"))
    calls = tmp_path / "calls"
    calls.mkdir()
    result = CliRunner().invoke(main, ["run", str(calls)])
    assert result.exit_code == 1
    assert "callqa:" in result.output


def test_users_add_list_disable_enable(home):
    assert "saved (owner)" in invoke("users", "add", "boss", "--role", "owner", "--password", "secret-123").output
    out = invoke("users", "add", "ivan", "--role", "manager", "--manager", "m101", "--password", "secret-456").output
    assert "saved (manager, m101)" in out
    assert "ivan disabled" in invoke("users", "disable", "ivan").output
    listing = invoke("users", "list").output
    assert "ivan" in listing and "[disabled " in listing and "secret" not in listing
    result = CliRunner().invoke(main, ["users", "disable", "boss"])
    assert result.exit_code != 0 and "only active owner" in result.output
    assert "ivan enabled" in invoke("users", "enable", "ivan").output
    assert "[disabled" not in invoke("users", "list").output
