"""Accounts of the review UI and the browsers that stay signed in.

Passwords are stored only as bcrypt hashes in the ``users`` table; a browser that stays signed
in holds a random token whose sha256 (and expiry) is kept in ``login_sessions``. Disabling an
account keeps its past actions and signs its browsers out. Every query in ``store.queries``
takes the :class:`User` again, so a role is checked where data is read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt

from core.errors import CallQAError
from store import db

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("owner", "head", "manager")
# Tests lower the cost factor for speed; the hash remembers its own cost, so logins still work.
BCRYPT_ROUNDS = 12


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


def _hash(password: str) -> str:
    raw = password.encode("utf-8")
    if not raw:
        raise CallQAError("The password is empty. Give a password of 8 or more characters.")
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
    _check_role(role, manager_id)
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


def authenticate(db_path: str | os.PathLike, username: str, password: str) -> User | None:
    """The user when the password matches its stored bcrypt hash; None otherwise."""
    rows = db.query_rows(
        db_path,
        "SELECT username, role, manager_id, display_name, password_hash FROM users"
        " WHERE username = ? AND disabled_at IS NULL",
        [username.strip()],
    )
    if not rows:
        return None
    *fields, password_hash = rows[0]
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        ok = False
    return User(*fields) if ok else None


# --- "stay signed in": browser tokens ------------------------------------------------------
# A new browser tab is a new Streamlit session; without this, every link the owner opens from
# «Контроль РОП» (a call, a manager) would ask for the password again.

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_login_session(db_path: str | os.PathLike, username: str, days: float) -> str:
    """A random token for the browser's cookie; the store keeps only its hash and expiry."""
    token = secrets.token_urlsafe(32)
    now = datetime.now()
    with db.writer(db_path) as con:
        con.execute("DELETE FROM login_sessions WHERE expires_at < ?", [now])
        con.execute("INSERT INTO login_sessions (token_hash, username, expires_at) VALUES (?, ?, ?)",
                    [_token_hash(token), username, now + timedelta(days=days)])
    return token


def user_for_token(db_path: str | os.PathLike, token: str | None) -> User | None:
    """The user a browser token belongs to, while it has not expired (and the user exists)."""
    if not token:
        return None
    rows = db.query_rows(
        db_path,
        """SELECT u.username, u.role, u.manager_id, u.display_name FROM login_sessions s
           JOIN users u ON u.username = s.username AND u.disabled_at IS NULL
           WHERE s.token_hash = ? AND s.expires_at > ?""",
        [_token_hash(token), datetime.now()],
    )
    return User(*rows[0]) if rows else None


def drop_login_sessions(db_path: str | os.PathLike, token: str | None = None,
                        username: str | None = None) -> None:
    """Forget one browser token (sign-out) or every token of a user (password change)."""
    with db.writer(db_path) as con:
        if token:
            con.execute("DELETE FROM login_sessions WHERE token_hash = ?", [_token_hash(token)])
        if username:
            con.execute("DELETE FROM login_sessions WHERE username = ?", [username])
