"""callqa review UI: login and navigation only; the pages live in ui/ as functions.

Streamlit runs a script: ``ui/entry.py`` (started by ``callqa ui``, installed with the package)
and ``app.py`` at the checkout's root (``make demo``) both just call :func:`main`."""

from __future__ import annotations

import ipaddress

import streamlit as st

from core.config import load_config
from core.errors import SignInThrottledError
from store import users
from ui import auth
from ui.common import account, db_path, guarded, plain, show_error
from ui.pages import pages_for

TOKEN_KEY = "session-token"  # this session's browser token (kept in the cookie)
REPLACED_KEY = "session-token-replaced"  # the cookie token this tab signed in with (rotated)


def login_form() -> None:
    st.title("callqa — контроль качества звонков")
    days = float(load_config()["ui.session_days"])
    with st.form("login"):
        username = st.text_input("Логин", key="login-user")
        password = st.text_input("Пароль", type="password", key="login-password")
        remember = days > 0 and st.checkbox(f"Не выходить на этом компьютере ({days:g} дн.)",
                                            value=True, key="login-remember")
        if st.form_submit_button("Войти"):
            try:
                user = users.sign_in(db_path(), username, password, client_address())
            except SignInThrottledError as exc:
                st.error(f"Слишком много неудачных попыток. Повторите через {exc.wait_s:.0f} с.")
                return
            if user is None:
                st.error("Неверный логин или пароль.")
            else:
                auth.login(user)
                if remember:
                    st.session_state[TOKEN_KEY] = users.create_login_session(
                        db_path(), user.username, days, agent=user_agent())
                else:  # someone else's remembered login must not sign in this browser's new tabs
                    st.session_state["clear-cookie"] = True
                st.rerun()
    if st.session_state.pop("clear-cookie", False):
        from ui.session_cookie import clear_cookie

        clear_cookie()


def _context_text(read) -> str:
    """A string from st.context, or "" where no browser is behind the session (bare mode,
    AppTest, whose context is a stand-in object)."""
    try:
        value = read()
    except Exception:
        return ""
    return value.strip() if isinstance(value, str) else ""


def client_address() -> str:
    """The browser's address for sign-in throttling. Behind the reverse proxy of deploy/ the
    socket peer is 127.0.0.1: then (and only then) the proxy's X-Forwarded-For / X-Real-IP is
    trusted, since a client reaching the port directly could forge it."""
    peer = _context_text(lambda: st.context.ip_address)
    try:
        loopback = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        loopback = peer in {"", "localhost"}
    if not loopback:
        return peer
    forwarded = _context_text(lambda: st.context.headers.get("X-Forwarded-For")).split(",")[-1].strip()
    return forwarded or _context_text(lambda: st.context.headers.get("X-Real-IP")) or peer


def user_agent() -> str:
    return _context_text(lambda: st.context.headers.get("User-Agent"))


def _restore_from_cookie() -> users.User | None:
    """A new tab of a browser that signed in before: its cookie token signs it in again, and
    is replaced by a fresh one (see ui/session_cookie.py)."""
    try:
        token = st.context.cookies.get(auth.COOKIE_NAME)
    except Exception:  # no browser behind this session (bare mode, AppTest)
        return None
    if not isinstance(token, str) or not token:
        return None
    restored = users.rotate_login_session(db_path(), token, agent=user_agent(), client=client_address())
    if restored is None:
        return None
    user, fresh = restored
    auth.login(user)
    st.session_state[TOKEN_KEY] = fresh
    st.session_state[REPLACED_KEY] = token
    return user


def _logout() -> None:
    user = auth.current_user()
    st.session_state.pop(REPLACED_KEY, None)
    users.drop_login_sessions(db_path(), token=st.session_state.pop(TOKEN_KEY, None),
                              username=user.username if user else None, agent=user_agent())
    auth.logout()
    st.session_state["clear-cookie"] = True
    st.session_state["cookie-checked"] = True  # the old cookie must not sign this tab in again


# Streamlit's own chrome in Russian: the «Stop» button of the running indicator reads «Стоп»,
# and the ⋮ menu (Rerun, Settings, Print, About — English only, nothing a user needs) is hidden.
RUSSIAN_CHROME = """<style>
[data-testid="stStatusWidget"] button { font-size: 0; }
[data-testid="stStatusWidget"] button::after { content: "Стоп"; font-size: 0.875rem; }
[data-testid="stMainMenu"] { display: none; }
</style>"""


def main() -> None:
    st.set_page_config(page_title="callqa", page_icon="📞", layout="wide")
    st.html(RUSSIAN_CHROME)
    try:
        _main()
    except Exception as exc:  # pages have their own guard; this catches sign-in and the menu
        show_error(exc, "main")


def _main() -> None:
    user = auth.current_user()
    if user is not None and account(user.username) is None:
        _logout()  # disabled (or removed) since this tab signed in
        user = None
    if user is None and not st.session_state.get("cookie-checked"):
        st.session_state["cookie-checked"] = True
        user = _restore_from_cookie()
    if user is None:
        st.navigation([st.Page(guarded(login_form), title="Вход", url_path="login")], position="hidden").run()
        return
    with st.sidebar:
        role = auth.ROLE_TITLES.get(user.role, "")
        # the person's name, never the login (an account without a display name shows its role)
        st.caption(f"{plain(user.display_name)} · {role}" if user.display_name else role)
        if st.button("Выйти", key="logout"):
            _logout()
            st.rerun()
        token = st.session_state.get(TOKEN_KEY)
        if token:
            from ui.session_cookie import write_cookie

            write_cookie(token, float(load_config()["ui.session_days"]), st.session_state.get(REPLACED_KEY))
        elif st.session_state.pop("clear-cookie", False):
            from ui.session_cookie import clear_cookie

            clear_cookie()
    st.navigation(pages_for(user)).run()

