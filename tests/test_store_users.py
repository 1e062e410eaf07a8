"""store.users: accounts with bcrypt hashes, disabling, and browser login tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.errors import CallQAError, SignInThrottledError
from store import db
from store import users as accounts


@pytest.fixture()
def path(tmp_path):
    return tmp_path / "callqa.duckdb"


def test_an_account_signs_in_with_its_password_only(path):
    saved = accounts.add_user(path, "rop", "head", "s3cret-pass", display_name="Анна")
    assert saved == accounts.User("rop", "head", None, "Анна")
    assert accounts.authenticate(path, " rop ", "s3cret-pass") == saved
    assert accounts.authenticate(path, "rop", "wrong") is None
    assert accounts.get_user(path, "rop") == saved
    [stored_hash] = db.query_rows(path, "SELECT password_hash FROM users")[0]
    assert stored_hash.startswith("$2") and "s3cret-pass" not in stored_hash


def test_list_accounts_shows_roles_and_disabled_accounts_without_passwords(path):
    accounts.add_user(path, "owner", "owner", "pw-1234567x")
    accounts.add_user(path, "ivan", "manager", "pw-1234567x", manager_id="m101")
    accounts.set_disabled(path, "ivan", True)
    listed = accounts.list_accounts(path)
    assert [(a.username, a.role, a.manager_id) for a in listed] == [("ivan", "manager", "m101"),
                                                                      ("owner", "owner", None)]
    assert listed[0].disabled_at is not None and listed[1].disabled_at is None
    assert accounts.usernames(path) == {"ivan", "owner"}
    assert accounts.get_user(path, "ivan") is None


def test_a_login_token_lasts_until_sign_out_or_a_new_password(path):
    accounts.add_user(path, "rop", "head", "pw-1234567x")
    token = accounts.create_login_session(path, "rop", days=14)
    assert accounts.user_for_token(path, token).username == "rop"
    accounts.drop_login_sessions(path, token=token)
    assert accounts.user_for_token(path, token) is None
    token = accounts.create_login_session(path, "rop", days=14)
    accounts.set_password(path, "rop", "pw-7654321x")
    assert accounts.user_for_token(path, token) is None
    assert accounts.authenticate(path, "rop", "pw-7654321x") is not None


def test_an_expired_token_signs_nobody_in(path):
    accounts.add_user(path, "rop", "head", "pw-1234567x")
    assert accounts.user_for_token(path, accounts.create_login_session(path, "rop", days=-1)) is None


@pytest.mark.parametrize(("role", "manager_id", "message"), [
    ("boss", None, "Unknown role"),
    ("manager", None, "needs --manager"),
])
def test_bad_roles_are_refused(path, role, manager_id, message):
    with pytest.raises(CallQAError, match=message):
        accounts.add_user(path, "x", role, "pw-1234567x", manager_id=manager_id)


def test_unknown_users_and_the_last_owner_are_refused(path):
    with pytest.raises(CallQAError, match="No user"):
        accounts.set_password(path, "ghost", "pw-1234567x")
    with pytest.raises(CallQAError, match="No user"):
        accounts.set_disabled(path, "ghost", True)
    accounts.add_user(path, "owner", "owner", "pw-1234567x")
    with pytest.raises(CallQAError, match="only active owner"):
        accounts.set_disabled(path, "owner", True)


# --- issue 14, rows 10-12: password rules, throttling, audit, tokens -------------------------

@pytest.mark.parametrize("password", ["1", "short-pw1", "qwertyuiop", "1234567890", "ЙЦУКЕНГШЩЗ",
                                      "aaaaaaaaaaaa", "rop-is-my-password"])
def test_short_common_or_name_containing_passwords_are_refused(path, password):
    with pytest.raises(CallQAError, match="password"):
        accounts.add_user(path, "rop", "owner", password)
    accounts.add_user(path, "rop", "owner", "copper kettle 42")
    with pytest.raises(CallQAError, match="password"):
        accounts.set_password(path, "rop", password)


@pytest.mark.parametrize("name", ["", "   ", "a b", "x\x00"])
def test_empty_or_blank_user_names_are_refused(path, name):
    with pytest.raises(CallQAError, match="user name"):
        accounts.add_user(path, name, "owner", "copper kettle 42")
    assert accounts.usernames(path) == set()


def test_the_common_password_list_ships_with_the_package():
    assert "password123" in accounts.common_passwords() and len(accounts.common_passwords()) > 50


def test_unknown_names_cost_a_bcrypt_check_too(path, monkeypatch):
    accounts.add_user(path, "rop", "head", "copper kettle 42")
    checks = []
    real = accounts.bcrypt.checkpw
    monkeypatch.setattr(accounts.bcrypt, "checkpw", lambda pw, h: checks.append(h) or real(pw, h))
    assert accounts.authenticate(path, "nobody", "copper kettle 42") is None
    assert accounts.authenticate(path, "rop", "wrong password") is None
    assert len(checks) == 2 and checks[0].startswith(b"$2b$04$")


def _fail(path, n, when, name="rop", client="10.0.0.9"):
    for i in range(n):
        assert accounts.sign_in(path, name, "wrong password", client, now=when + timedelta(seconds=i)) is None


def test_five_failures_make_the_next_attempt_wait_a_growing_delay(path):
    accounts.add_user(path, "rop", "head", "copper kettle 42")
    t0 = datetime.now()
    _fail(path, 5, t0)  # 5 failures at t0 .. t0+4 s
    with pytest.raises(SignInThrottledError) as exc:
        accounts.sign_in(path, "rop", "copper kettle 42", "10.0.0.9", now=t0 + timedelta(seconds=4.5))
    assert 0 < exc.value.wait_s <= 1
    assert accounts.sign_in(path, "rop", "wrong password", "10.0.0.9", now=t0 + timedelta(seconds=6)) is None
    with pytest.raises(SignInThrottledError) as exc:  # 6 failures: 2 s
        accounts.sign_in(path, "rop", "copper kettle 42", "10.0.0.9", now=t0 + timedelta(seconds=7))
    assert 0.5 < exc.value.wait_s <= 1
    user = accounts.sign_in(path, "rop", "copper kettle 42", "10.0.0.9", now=t0 + timedelta(seconds=9))
    assert user is not None and user.username == "rop"


@pytest.mark.slow  # 20+ bcrypt checks
def test_twenty_failures_lock_the_name_for_fifteen_minutes_and_are_audited(path):
    accounts.add_user(path, "rop", "head", "copper kettle 42")
    t0 = datetime.now() - timedelta(hours=1)
    for i in range(20):  # each after its delay, from changing clients: the name's count locks
        when = t0 + timedelta(seconds=100 * i)
        assert accounts.sign_in(path, "rop", "wrong password", f"10.0.1.{i}", now=when) is None
    last = t0 + timedelta(seconds=1900)
    with pytest.raises(SignInThrottledError, match="locked") as exc:
        accounts.sign_in(path, "rop", "copper kettle 42", "10.0.2.1", now=last + timedelta(minutes=14))
    assert 50 < exc.value.wait_s <= 60
    assert accounts.sign_in(path, "rop", "copper kettle 42", "10.0.2.1", now=last + timedelta(minutes=16))
    events = [e.event for e in accounts.sign_in_audit(path, limit=100)]
    assert events[:3] == ["success", "refused", "locked"] and events.count("failure") == 19


def test_one_client_guessing_many_names_is_throttled_too(path):
    t0 = datetime.now()
    for i in range(5):
        accounts.sign_in(path, f"user{i}", "wrong password", "10.0.0.66", now=t0 + timedelta(seconds=i))
    with pytest.raises(SignInThrottledError):
        accounts.sign_in(path, "user9", "wrong password", "10.0.0.66", now=t0 + timedelta(seconds=4.5))
    assert accounts.sign_in(path, "user9", "wrong password", "10.0.0.7", now=t0 + timedelta(seconds=4.5)) is None


def test_a_success_clears_the_names_count(path):
    accounts.add_user(path, "rop", "head", "copper kettle 42")
    t0 = datetime.now()
    _fail(path, 4, t0, client="")
    assert accounts.sign_in(path, "rop", "copper kettle 42", now=t0 + timedelta(seconds=5))
    _fail(path, 4, t0 + timedelta(seconds=6), client="")
    assert accounts.sign_in(path, "rop", "copper kettle 42", now=t0 + timedelta(seconds=11))


def test_a_token_works_only_in_its_browser_and_is_replaced_on_use(path):
    accounts.add_user(path, "rop", "head", "copper kettle 42")
    token = accounts.create_login_session(path, "rop", days=1, agent="Firefox/1")
    assert accounts.user_for_token(path, token, agent="Chrome/2") is None
    assert accounts.rotate_login_session(path, token, agent="Chrome/2", client="10.9.9.9") is None
    assert accounts.sign_in_audit(path)[0].event == "token_rejected"
    user, fresh = accounts.rotate_login_session(path, token, agent="Firefox/1")
    assert user.username == "rop" and fresh != token
    assert accounts.user_for_token(path, fresh, agent="Firefox/1") == user
    [(old_expiry,)] = db.query_rows(path, "SELECT expires_at FROM login_sessions WHERE username = 'rop'"
                                    " ORDER BY expires_at LIMIT 1")
    assert old_expiry < datetime.now() + timedelta(seconds=accounts.TOKEN_GRACE_S + 1)
