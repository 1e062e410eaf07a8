"""callqa review UI: login and navigation only; the pages live in ui/ as functions.

Streamlit runs a script: ``ui/entry.py`` (started by ``callqa ui``, installed with the package)
and ``app.py`` at the checkout's root (``make demo``) both just call :func:`main`."""

from __future__ import annotations

import streamlit as st

from core.config import load_config
from store import users
from ui import auth
from ui.common import db_path
from ui.pages import pages_for

TOKEN_KEY = "session-token"  # this session's browser token (kept in the cookie)


def login_form() -> None:
    st.title("callqa — контроль качества звонков")
    days = float(load_config()["ui.session_days"])
    with st.form("login"):
        username = st.text_input("Логин", key="login-user")
        password = st.text_input("Пароль", type="password", key="login-password")
        remember = days > 0 and st.checkbox(f"Не выходить на этом компьютере ({days:g} дн.)",
                                            value=True, key="login-remember")
        if st.form_submit_button("Войти"):
            user = users.authenticate(db_path(), username, password)
            if user is None:
                st.error("Неверный логин или пароль.")
            else:
                auth.login(user)
                if remember:
                    st.session_state[TOKEN_KEY] = users.create_login_session(db_path(), user.username, days)
                else:  # someone else's remembered login must not sign in this browser's new tabs
                    st.session_state["clear-cookie"] = True
                st.rerun()
    if st.session_state.pop("clear-cookie", False):
        from ui.session_cookie import clear_cookie

        clear_cookie()


def _restore_from_cookie() -> users.User | None:
    """A new tab of a browser that signed in before: its cookie token signs it in again."""
    try:
        token = st.context.cookies.get(auth.COOKIE_NAME)
    except Exception:  # no browser behind this session (bare mode, AppTest)
        return None
    user = users.user_for_token(db_path(), token) if isinstance(token, str) and token else None
    if user is not None:
        auth.login(user)
        st.session_state[TOKEN_KEY] = token
    return user


def _logout() -> None:
    users.drop_login_sessions(db_path(), token=st.session_state.pop(TOKEN_KEY, None))
    auth.logout()
    st.session_state["clear-cookie"] = True
    st.session_state["cookie-checked"] = True  # the old cookie must not sign this tab in again


def main() -> None:
    st.set_page_config(page_title="callqa", page_icon="📞", layout="wide")
    user = auth.current_user()
    if user is not None and users.get_user(db_path(), user.username) is None:
        _logout()  # disabled (or removed) since this tab signed in
        user = None
    if user is None and not st.session_state.get("cookie-checked"):
        st.session_state["cookie-checked"] = True
        user = _restore_from_cookie()
    if user is None:
        st.navigation([st.Page(login_form, title="Вход", url_path="login")], position="hidden").run()
        return
    with st.sidebar:
        st.caption(f"{user.title} · {auth.ROLE_TITLES.get(user.role, user.role)}")
        if st.button("Выйти", key="logout"):
            _logout()
            st.rerun()
        token = st.session_state.get(TOKEN_KEY)
        if token:
            from ui.session_cookie import write_cookie

            write_cookie(token, float(load_config()["ui.session_days"]))
        elif st.session_state.pop("clear-cookie", False):
            from ui.session_cookie import clear_cookie

            clear_cookie()
    st.navigation(pages_for(user)).run()

