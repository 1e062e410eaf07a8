"""Users, bcrypt passwords and the signed-in user of a Streamlit session.

Passwords are stored only as bcrypt hashes in the ``users`` table. The signed-in user lives in
``st.session_state["user"]``; every page calls :func:`require_role` first, and every query in
``store.queries`` takes the :class:`User` again, so a role is checked where data is read.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import bcrypt

from core.errors import CallQAError
from store import db

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("owner", "head", "manager")
ROLE_TITLES = {"owner": "Владелец", "head": "РОП", "manager": "Менеджер"}
SESSION_KEY = "user"
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
                 password_hash = excluded.password_hash""",
            [username, role, manager_id, display_name, password_hash],
        )
    log.info("user %s saved with role %s", username, role)
    return User(username, role, manager_id, display_name)


def set_password(db_path: str | os.PathLike, username: str, password: str) -> None:
    password_hash = _hash(password)
    with db.writer(db_path) as con:
        found = con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()[0]
        if not found:
            raise CallQAError(f"No user {username!r}. Create it with `callqa users add`.")
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username])


def get_user(db_path: str | os.PathLike, username: str) -> User | None:
    rows = db.query_rows(
        db_path, "SELECT username, role, manager_id, display_name FROM users WHERE username = ?",
        [username],
    )
    return User(*rows[0]) if rows else None


def authenticate(db_path: str | os.PathLike, username: str, password: str) -> User | None:
    """The user when the password matches its stored bcrypt hash; None otherwise."""
    rows = db.query_rows(
        db_path,
        "SELECT username, role, manager_id, display_name, password_hash FROM users WHERE username = ?",
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


# --- the Streamlit session ---------------------------------------------------------------

def current_user() -> User | None:
    import streamlit as st

    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, User) else None


def login(user: User) -> None:
    import streamlit as st

    st.session_state[SESSION_KEY] = user


def logout() -> None:
    import streamlit as st

    st.session_state.pop(SESSION_KEY, None)


def require_role(*roles: str) -> User:
    """The signed-in user, or an error message and the end of the page run."""
    import streamlit as st

    user = current_user()
    if user is None:
        st.error("Войдите в систему, чтобы открыть эту страницу.")
        st.stop()
    if roles and user.role not in roles:
        st.error("Недостаточно прав для этой страницы.")
        st.stop()
    return user
