"""Accounts of the review UI and the browsers that stay signed in.

Passwords are stored only as bcrypt hashes in the ``users`` table; a browser that stays signed
in holds a random token whose sha256 (and expiry) is kept in ``login_sessions``. Disabling an
account keeps its past actions and signs its browsers out. Every query in ``store.queries``
takes the :class:`User` again, so a role is checked where data is read.

Sign-in (issue 14, rows 10-12), :func:`sign_in`:

* passwords have at least :data:`MIN_PASSWORD_LENGTH` characters, are not in the shipped list
  of common passwords (``store/common_passwords.txt``) and are not the user name;
* every attempt is written to ``sign_in_events`` (the owner's ``callqa users audit``);
* throttling, per name typed and per client address, counts failures of the last day: from
  the :data:`THROTTLE_AFTER`-th on each attempt waits a delay that doubles (1 s, 2 s, 4 s ...
  60 s) after the last failure; :data:`LOCK_AFTER` failures lock the name or client for
  :data:`LOCK_S` seconds, and each further failure locks it again. An attempt during a delay is refused without
  checking the password. A success clears the name's count, not the client's (one's own
  account must not reset a guessing client);
* an unknown or disabled name costs the same bcrypt check (against a dummy hash), so timing
  does not tell which names exist;
* a browser token is bound to the user agent it was given to and replaced by a new one each
  time it signs a new tab in (the old one stays valid :data:`TOKEN_GRACE_S` s for tabs opened
  together), see ``ui/session_cookie.py`` for why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

import bcrypt

from core.errors import CallQAError, SignInThrottledError
from store import db

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("owner", "head", "manager")
# Tests lower the cost factor for speed; the hash remembers its own cost, so logins still work.
BCRYPT_ROUNDS = 12
MIN_PASSWORD_LENGTH = 10
THROTTLE_AFTER = 5  # failures before each attempt waits a growing delay
LOCK_AFTER = 20  # failures that lock a name or client for LOCK_S
LOCK_S = 15 * 60
FAILURE_WINDOW_S = 24 * 3600  # failures older than this are forgotten
MAX_DELAY_S = 60
TOKEN_GRACE_S = 60


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: str  # owner | head | manager
    manager_id: str | None = None
    display_name: str | None = None

    @property
    def title(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class Account:
    """A row of ``callqa users list`` (never the password hash)."""

    username: str
    role: str
    manager_id: str | None
    display_name: str | None
    disabled_at: datetime | None


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("store").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str = "") -> None:
    """Raise CallQAError when ``password`` is too short, common, or the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CallQAError(f"The password is too short ({len(password)} characters). "
                          f"Use at least {MIN_PASSWORD_LENGTH}, e.g. three or four unrelated words.")
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) < 3:
        raise CallQAError("This password is on the list of common passwords that are guessed "
                          "first. Choose another one, e.g. three or four unrelated words.")
    if username and username.strip().lower() in folded:
        raise CallQAError("The password contains the user name. Choose another one.")


def check_username(username: str) -> str:
    """The name without surrounding blanks; CallQAError when empty or with control characters."""
    name = username.strip()
    if not name:
        raise CallQAError("The user name is empty. Give a name such as ivan or rop.")
    if any(ch.isspace() or not ch.isprintable() for ch in name):
        raise CallQAError(f"The user name {name!r} contains blanks or control characters.")
    return name


def _hash(password: str) -> str:
    raw = password.encode("utf-8")
    if len(raw) > 72:
        raise CallQAError("The password is longer than 72 bytes (bcrypt's limit). Use a shorter one.")
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


def _check_role(role: str, manager_id: str | None) -> None:
    if role not in ROLES:
        raise CallQAError(f"Unknown role {role!r}. Use one of: {', '.join(ROLES)}.")
    if role == "manager" and not manager_id:
        raise CallQAError("A manager account needs --manager ID (the manager_id of the calls).")


def add_user(
    db_path: str | os.PathLike,
    username: str,
    role: str,
    password: str,
    manager_id: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create a user (or replace its role and password when the name exists)."""
    username = check_username(username)
    _check_role(role, manager_id)
    check_password(password, username)
    password_hash = _hash(password)
    with db.writer(db_path) as con:
        con.execute(
            """INSERT INTO users (username, role, manager_id, display_name, password_hash)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (username) DO UPDATE SET role = excluded.role,
                 manager_id = excluded.manager_id, display_name = excluded.display_name,
                 password_hash = excluded.password_hash, disabled_at = NULL""",
            [username, role, manager_id, display_name, password_hash],
        )
        con.execute("DELETE FROM login_sessions WHERE username = ?", [username])  # new password
    log.info("user %s saved with role %s", username, role)
    return User(username, role, manager_id, display_name)


def set_password(db_path: str | os.PathLike, username: str, password: str) -> None:
    check_password(password, username)
    password_hash = _hash(password)
    with db.writer(db_path) as con:
        found = con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()[0]
        if not found:
            raise CallQAError(f"No user {username!r}. Create it with `callqa users add`.")
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username])
        con.execute("DELETE FROM login_sessions WHERE username = ?", [username])  # sign out browsers


def get_user(db_path: str | os.PathLike, username: str) -> User | None:
    """The active account ``username`` (None when unknown or disabled)."""
    rows = db.query_rows(
        db_path, "SELECT username, role, manager_id, display_name FROM users"
        " WHERE username = ? AND disabled_at IS NULL",
        [username],
    )
    return User(*rows[0]) if rows else None


def list_accounts(db_path: str | os.PathLike) -> list[Account]:
    """Every account, disabled ones included, by name."""
    rows = db.query_rows(
        db_path, "SELECT username, role, manager_id, display_name, disabled_at FROM users ORDER BY username"
    )
    return [Account(*row) for row in rows]


def usernames(db_path: str | os.PathLike) -> set[str]:
    """The names of every account, disabled ones included."""
    return {row[0] for row in db.query_rows(db_path, "SELECT username FROM users")}


def set_disabled(db_path: str | os.PathLike, username: str, disabled: bool) -> None:
    """Disable an account (it can no longer sign in; its browsers are signed out; its past
    actions stay) or enable it again. The last active owner cannot be disabled."""
    with db.writer(db_path) as con:
        row = con.execute("SELECT role, disabled_at FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            raise CallQAError(f"No user {username!r}. See `callqa users list`.")
        if disabled and row[0] == "owner" and row[1] is None:
            owners = con.execute("SELECT count(*) FROM users WHERE role = 'owner' AND disabled_at IS NULL"
                                 ).fetchone()[0]
            if owners <= 1:
                raise CallQAError(f"{username!r} is the only active owner; add another owner "
                                  "(`callqa users add NAME --role owner`) before disabling this one.")
        con.execute("UPDATE users SET disabled_at = CASE WHEN ? THEN coalesce(disabled_at, now()) END"
                    " WHERE username = ?", [disabled, username])
        if disabled:
            con.execute("DELETE FROM login_sessions WHERE username = ?", [username])


@cache
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=rounds))


_ACCOUNT = ("SELECT username, role, manager_id, display_name, password_hash FROM users"
            " WHERE username = ? AND disabled_at IS NULL")


def authenticate(db_path: str | os.PathLike, username: str, password: str) -> User | None:
    """The user when the password matches its stored bcrypt hash; None otherwise. Unknown and
    disabled names cost the same bcrypt check, so timing does not reveal them."""
    return _check_password(db.query_rows(db_path, _ACCOUNT, [username.strip()]), password)


def _check_password(rows: list[tuple], password: str) -> User | None:
    raw = password.encode("utf-8")[:72]
    if not rows:
        bcrypt.checkpw(raw, _dummy_hash(BCRYPT_ROUNDS))
        return None
    *fields, password_hash = rows[0]
    try:
        ok = bcrypt.checkpw(raw, password_hash.encode("ascii"))
    except ValueError:
        ok = False
    return User(*fields) if ok else None


@dataclass(frozen=True, slots=True)
class SignInEvent:
    """A row of ``callqa users audit``."""

    at: datetime
    username: str
    client: str
    event: str  # success | failure | locked | refused | token_rejected


def _failures(con, column: str, value: str, now: datetime, since_success: bool) -> tuple[int, datetime | None]:
    """Failures of one name or client in the last day (after its last success, for names)."""
    success = (f" AND at_time > coalesce((SELECT max(at_time) FROM sign_in_events WHERE {column} = ?"
               " AND event = 'success'), TIMESTAMP '1970-01-01')") if since_success else ""
    params = [value, now - timedelta(seconds=FAILURE_WINDOW_S)] + ([value] if since_success else [])
    n, last = con.execute(
        f"SELECT count(*), max(at_time) FROM sign_in_events WHERE {column} = ? AND at_time > ?"
        f" AND event IN ('failure', 'locked'){success}", params,
    ).fetchone()
    return int(n), last


def _wait_s(failures: int, last: datetime | None, now: datetime) -> float:
    if last is None or failures < THROTTLE_AFTER:
        return 0.0
    pause = LOCK_S if failures >= LOCK_AFTER else min(2 ** (failures - THROTTLE_AFTER), MAX_DELAY_S)
    return max(0.0, (last - now).total_seconds() + pause)


def _record(db_path, username: str, client: str, event: str, now: datetime) -> None:
    with db.writer(db_path) as con:
        con.execute("INSERT INTO sign_in_events (at_time, username, client, event) VALUES (?, ?, ?, ?)",
                    [now, username, client, event])
    if event != "success":
        log.warning("sign-in %s for %r from %s", event, username, client or "unknown client")


def sign_in(db_path: str | os.PathLike, username: str, password: str, client: str = "",
            now: datetime | None = None) -> User | None:
    """:func:`authenticate` behind the throttle, every attempt audited.

    Raises :class:`~core.errors.SignInThrottledError` (with ``wait_s``) while the name or the
    client must wait; returns None for a wrong name or password.
    """
    now = now or datetime.now()
    name = username.strip()[:200]
    client = client[:200]
    with db.reader(db_path) as con:  # one short connection for everything sign-in reads
        by_name = _failures(con, "username", name, now, since_success=True)
        by_client = _failures(con, "client", client, now, since_success=False) if client else (0, None)
        account = con.execute(_ACCOUNT, [name]).fetchall()
    wait = max(_wait_s(*by_name, now), _wait_s(*by_client, now))
    if wait > 0:
        _record(db_path, name, client, "refused", now)
        locked = max(by_name[0], by_client[0]) >= LOCK_AFTER
        raise SignInThrottledError(
            ("Too many failed sign-ins: locked" if locked else "Too many failed sign-ins: wait")
            + f" {wait:.0f} s.", wait)
    user = _check_password(account, password)
    if user is not None:
        _record(db_path, name, client, "success", now)
        return user
    failures = max(by_name[0], by_client[0]) + 1
    _record(db_path, name, client, "locked" if failures == LOCK_AFTER else "failure", now)
    return None


def sign_in_audit(db_path: str | os.PathLike, limit: int = 50, failures_only: bool = False) -> list[SignInEvent]:
    """The latest sign-in events, newest first (the owner's audit)."""
    where = " WHERE event <> 'success'" if failures_only else ""
    rows = db.query_rows(db_path, "SELECT at_time, username, client, event FROM sign_in_events"
                         f"{where} ORDER BY event_id DESC LIMIT ?", [limit])
    return [SignInEvent(*row) for row in rows]


# --- "stay signed in": browser tokens ------------------------------------------------------
# A new browser tab is a new Streamlit session; without this, every link the owner opens from
# «Контроль РОП» (a call, a manager) would ask for the password again.

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_login_session(db_path: str | os.PathLike, username: str, days: float, agent: str = "") -> str:
    """A random token for the browser's cookie; the store keeps only its hash, expiry and the
    hash of the user agent it was given to."""
    token = secrets.token_urlsafe(32)
    now = datetime.now()
    with db.writer(db_path) as con:
        con.execute("DELETE FROM login_sessions WHERE expires_at < ?", [now])
        con.execute("INSERT INTO login_sessions (token_hash, username, expires_at, agent_hash)"
                    " VALUES (?, ?, ?, ?)",
                    [_token_hash(token), username, now + timedelta(days=days), _token_hash(agent)])
    return token


def user_for_token(db_path: str | os.PathLike, token: str | None, agent: str = "") -> User | None:
    """The user a browser token belongs to, while it has not expired, the user is active and
    the browser is the one the token was given to."""
    if not token:
        return None
    rows = db.query_rows(
        db_path,
        """SELECT u.username, u.role, u.manager_id, u.display_name FROM login_sessions s
           JOIN users u ON u.username = s.username AND u.disabled_at IS NULL
           WHERE s.token_hash = ? AND s.expires_at > ?
             AND coalesce(s.agent_hash, ?) = ?""",
        [_token_hash(token), datetime.now(), _token_hash(agent), _token_hash(agent)],
    )
    return User(*rows[0]) if rows else None


def rotate_login_session(db_path: str | os.PathLike, token: str | None, agent: str = "",
                         client: str = "") -> tuple[User, str] | None:
    """Sign a new tab in with a browser token: the user and a fresh token with the same expiry.

    The old token stays valid :data:`TOKEN_GRACE_S` seconds (tabs opened together); a token
    shown by another browser is audited as ``token_rejected`` and does not sign in.
    """
    user = user_for_token(db_path, token, agent)
    if user is None:
        if token and db.query_rows(db_path, "SELECT 1 FROM login_sessions WHERE token_hash = ?"
                                   " AND expires_at > ?", [_token_hash(token), datetime.now()]):
            _record(db_path, "(token)", client, "token_rejected", datetime.now())
        return None
    fresh = secrets.token_urlsafe(32)
    now = datetime.now()
    with db.writer(db_path) as con:
        con.execute(
            """INSERT INTO login_sessions (token_hash, username, expires_at, agent_hash)
               SELECT ?, username, expires_at, agent_hash FROM login_sessions WHERE token_hash = ?""",
            [_token_hash(fresh), _token_hash(token)],
        )
        con.execute("UPDATE login_sessions SET expires_at = least(expires_at, ?) WHERE token_hash = ?",
                    [now + timedelta(seconds=TOKEN_GRACE_S), _token_hash(token)])
    return user, fresh


def drop_login_sessions(db_path: str | os.PathLike, token: str | None = None,
                        username: str | None = None, agent: str | None = None) -> None:
    """Forget one browser token, every token of ``username`` in the browser ``agent`` (sign-out:
    the tokens other tabs rotated to go too), or every token of a user (password change)."""
    with db.writer(db_path) as con:
        if token:
            con.execute("DELETE FROM login_sessions WHERE token_hash = ?", [_token_hash(token)])
        if username and agent is not None:
            con.execute("DELETE FROM login_sessions WHERE username = ? AND agent_hash = ?",
                        [username, _token_hash(agent)])
        elif username:
            con.execute("DELETE FROM login_sessions WHERE username = ?", [username])
