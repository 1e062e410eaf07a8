"""The signed-in user of a Streamlit session.

Accounts, passwords and browser tokens live in :mod:`store.users`. The signed-in user lives in
``st.session_state["user"]``; every page calls :func:`require_role` first, and every query in
``store.queries`` takes the :class:`~store.users.User` again, so a role is checked where data
is read.
"""

from __future__ import annotations

import streamlit as st

from store.users import User

ROLE_TITLES = {"owner": "Владелец", "head": "РОП", "manager": "Менеджер"}
SESSION_KEY = "user"
COOKIE_NAME = "callqa_session"  # the browser cookie that keeps a store.users login token


def current_user() -> User | None:
    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, User) else None


def login(user: User) -> None:
    st.session_state[SESSION_KEY] = user


def logout() -> None:
    st.session_state.pop(SESSION_KEY, None)


def require_role(*roles: str) -> User:
    """The signed-in user, or an error message and the end of the page run."""
    user = current_user()
    if user is None:
        st.error("Войдите в систему, чтобы открыть эту страницу.")
        st.stop()
    if roles and user.role not in roles:
        st.error("Недостаточно прав для этой страницы.")
        st.stop()
    return user
