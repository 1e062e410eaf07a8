"""Issue 14, rows 10-15 at the edges: sign-in form, cookie flags, plain text, hidden errors,
file modes and the deployment files."""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from cli.main import STREAMLIT_SETTINGS, main
from store import review
from store import users as accounts
from tests.ui_data import PASSWORD, build_store, serve_from, user
from ui.common import plain

pytestmark = pytest.mark.ui  # drives Streamlit pages through AppTest (make test-ui)

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    return serve_from(monkeypatch, tmp_path, build_store(tmp_path / "callqa.duckdb", n_calls=2))


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "error", "warning")
                     for e in getattr(at, kind))


# --- row 10: the sign-in form is throttled and audited ----------------------------------------

def test_the_sixth_quick_wrong_password_is_refused_with_a_wait(fresh):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for _ in range(5):
        at.text_input(key="login-user").input("rop")
        at.text_input(key="login-password").input("wrong password")
        at.button[0].click().run()
        assert "Неверный логин или пароль" in _texts(at)
    at.text_input(key="login-password").input(PASSWORD)
    at.button[0].click().run()
    assert "Слишком много неудачных попыток" in _texts(at) and "user" not in at.session_state
    assert [e.event for e in accounts.sign_in_audit(fresh.db_path)][:2] == ["refused", "failure"]


# --- row 11: the CLI refuses weak passwords and empty names ------------------------------------

@pytest.mark.parametrize("args, message", [
    (["users", "add", "boss", "--role", "owner", "--password", "1"], "too short"),
    (["users", "add", "boss", "--role", "owner", "--password", "password123"], "common passwords"),
    (["users", "add", "", "--role", "owner", "--password", "copper kettle 42"], "user name is empty"),
])
def test_users_add_refuses_weak_passwords_and_empty_names(home, args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and message in result.output


def test_users_audit_lists_failed_sign_ins(home):
    cfg_db = home / "callqa.duckdb"
    accounts.add_user(cfg_db, "boss", "owner", "copper kettle 42")
    accounts.sign_in(cfg_db, "boss", "guess-one", "10.1.2.3")
    result = CliRunner().invoke(main, ["--db", str(cfg_db), "users", "audit", "--failures"])
    assert result.exit_code == 0 and "failure" in result.output and "10.1.2.3" in result.output


# --- row 12: the cookie --------------------------------------------------------------------------

def test_the_session_cookie_is_samesite_strict_and_secure_over_https():
    from ui.session_cookie import _JS

    assert "SameSite=Strict" in _JS and "Lax" not in _JS
    assert 'location.protocol === "https:" ? "; Secure"' in _JS
    assert "max-age=" in _JS


def test_a_remembered_tab_gets_a_new_token_and_signing_out_forgets_the_browser(fresh):
    token = accounts.create_login_session(fresh.db_path, "rop", days=1)
    restored = accounts.rotate_login_session(fresh.db_path, token)
    assert restored is not None and restored[1] != token
    accounts.drop_login_sessions(fresh.db_path, token=token, username="rop", agent="")
    assert accounts.user_for_token(fresh.db_path, restored[1]) is None


# --- row 13: text from calls and users is plain text --------------------------------------------

@pytest.mark.parametrize("hostile", [
    "[нажми](http://evil.example/x)", "![](http://evil.example/pixel.png)", "<img src=x onerror=alert(1)>",
    ":red[тревога] :material/warning:", "www.evil.example", "$x^2$", "**жирно** _курсив_ `код`",
])
def test_plain_leaves_no_markdown_alive(hostile):
    escaped = plain(hostile)
    for ch in "[]()!<>:*_`$.":
        assert ch not in escaped.replace("\\" + ch, "")


def test_plain_keeps_line_breaks_and_empty_values():
    assert plain("раз\nдва") == "раз  \nдва"
    assert plain(None) == "" and plain(float("nan")) == ""


def test_feedback_with_markdown_shows_as_text_on_the_call_page(fresh):
    rop = user("rop")
    review.give_feedback(fresh.db_path, rop, fresh.call_ids[0], "см. ![x](http://evil.example/p.png) [тут](http://e.x)")
    review.override_verdict(fresh.db_path, rop, fresh.call_ids[0], "greeting", "fail", "<b>нет</b> [ссылка](http://e.x)")

    def script():
        from ui.call import call_page

        call_page()

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["user"] = rop
    at.query_params["call_id"] = fresh.call_ids[0]
    at.run()
    page = _texts(at)
    assert r"\!\[x\]\(http\:\/\/evil\.example\/p\.png\)" in page
    assert r"\<b\>нет\<\/b\> \[ссылка\]" in page
    assert "](http" not in page


# --- row 15: errors show a code, not a traceback ------------------------------------------------

def test_a_failing_page_shows_an_error_code_and_logs_the_traceback(caplog):
    def script():
        from ui.common import guarded

        def broken_page():
            raise RuntimeError("/srv/secret/path is broken")

        guarded(broken_page)()

    with caplog.at_level(logging.ERROR, logger="ui.common"):
        at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert not at.exception
    [shown] = [e.value for e in at.error]
    assert shown.startswith("Ошибка, код ") and "/srv" not in shown
    code = shown.split()[2].rstrip(".")
    assert any(code in r.getMessage() and r.exc_info for r in caplog.records)


def test_streamlit_hides_error_details_in_both_configurations():
    settings = dict(zip(STREAMLIT_SETTINGS[::2], STREAMLIT_SETTINGS[1::2], strict=True))
    assert settings["--client.showErrorDetails"] == "none"
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


# --- row 14: file modes and deployment ----------------------------------------------------------

@pytest.fixture
def restore_umask():
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def test_the_database_is_written_owner_only_and_an_old_one_is_narrowed(home, restore_umask):
    os.umask(0o022)
    old = home / "old.duckdb"
    build_store(old, n_calls=1, users=False)
    assert stat.S_IMODE(old.stat().st_mode) & 0o044  # as older versions left it
    assert CliRunner().invoke(main, ["--db", str(old), "users", "list"]).exit_code == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    new = home / "new.duckdb"
    result = CliRunner().invoke(main, ["--db", str(new), "users", "add", "boss", "--role", "owner",
                                       "--password", "copper kettle 42"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


def test_group_readable_mode_is_opt_in(monkeypatch):
    from core import filemodes

    assert filemodes.umask_for({}) == 0o077
    assert filemodes.umask_for({"CALLQA_GROUP_READABLE": "1"}) == 0o027


def test_the_ui_unit_listens_on_loopback_behind_a_tls_proxy():
    unit = (ROOT / "deploy" / "callqa-ui.service").read_text(encoding="utf-8")
    [exec_start] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert "--address 127.0.0.1" in exec_start and "UMask=0077" in unit
    caddy = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy 127.0.0.1:8501" in caddy and "Strict-Transport-Security" in caddy
    nginx = (ROOT / "deploy" / "nginx-callqa.conf").read_text(encoding="utf-8")
    assert "listen 443 ssl" in nginx and "proxy_pass http://127.0.0.1:8501" in nginx
    assert "proxy_set_header Upgrade" in nginx and "return 301 https://" in nginx
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Exposing the UI safely" in readme


def test_callqa_ui_defaults_to_loopback():
    from cli.main import ui_cmd

    [address] = [p for p in ui_cmd.params if p.name == "address"]
    assert address.default == "127.0.0.1"
