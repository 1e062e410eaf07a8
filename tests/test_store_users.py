"""store.users: accounts with bcrypt hashes, disabling, and browser login tokens."""

from __future__ import annotations

import pytest

from core.errors import CallQAError
from store import db
from store import users as accounts


@pytest.fixture()
def path(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", 4)  # fast hashes for tests
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
    accounts.add_user(path, "owner", "owner", "pw-123456")
    accounts.add_user(path, "ivan", "manager", "pw-123456", manager_id="m101")
    accounts.set_disabled(path, "ivan", True)
    listed = accounts.list_accounts(path)
    assert [(a.username, a.role, a.manager_id) for a in listed] == [("ivan", "manager", "m101"),
                                                                      ("owner", "owner", None)]
    assert listed[0].disabled_at is not None and listed[1].disabled_at is None
    assert accounts.usernames(path) == {"ivan", "owner"}
    assert accounts.get_user(path, "ivan") is None


def test_a_login_token_lasts_until_sign_out_or_a_new_password(path):
    accounts.add_user(path, "rop", "head", "pw-123456")
    token = accounts.create_login_session(path, "rop", days=14)
    assert accounts.user_for_token(path, token).username == "rop"
    accounts.drop_login_sessions(path, token=token)
    assert accounts.user_for_token(path, token) is None
    token = accounts.create_login_session(path, "rop", days=14)
    accounts.set_password(path, "rop", "pw-654321")
    assert accounts.user_for_token(path, token) is None
    assert accounts.authenticate(path, "rop", "pw-654321") is not None


def test_an_expired_token_signs_nobody_in(path):
    accounts.add_user(path, "rop", "head", "pw-123456")
    assert accounts.user_for_token(path, accounts.create_login_session(path, "rop", days=-1)) is None


@pytest.mark.parametrize(("role", "manager_id", "message"), [
    ("boss", None, "Unknown role"),
    ("manager", None, "needs --manager"),
])
def test_bad_roles_are_refused(path, role, manager_id, message):
    with pytest.raises(CallQAError, match=message):
        accounts.add_user(path, "x", role, "pw-123456", manager_id=manager_id)


def test_unknown_users_and_the_last_owner_are_refused(path):
    with pytest.raises(CallQAError, match="No user"):
        accounts.set_password(path, "ghost", "pw-123456")
    with pytest.raises(CallQAError, match="No user"):
        accounts.set_disabled(path, "ghost", True)
    accounts.add_user(path, "owner", "owner", "pw-123456")
    with pytest.raises(CallQAError, match="only active owner"):
        accounts.set_disabled(path, "owner", True)
