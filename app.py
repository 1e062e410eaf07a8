"""callqa review UI: login and navigation only; the pages live in ui/ as functions."""

from __future__ import annotations

import os

import streamlit as st

from ui import auth
from ui.common import db_path
from ui.pages import pages_for

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def login_form() -> None:
    st.title("callqa — контроль качества звонков")
    with st.form("login"):
        username = st.text_input("Логин", key="login-user")
        password = st.text_input("Пароль", type="password", key="login-password")
        if st.form_submit_button("Войти"):
            user = auth.authenticate(db_path(), username, password)
            if user is None:
                st.error("Неверный логин или пароль.")
            else:
                auth.login(user)
                st.rerun()


def main() -> None:
    st.set_page_config(page_title="callqa", page_icon="📞", layout="wide")
    user = auth.current_user()
    if user is None:
        st.navigation([st.Page(login_form, title="Вход", url_path="login")], position="hidden").run()
        return
    with st.sidebar:
        st.caption(f"{user.title} · {auth.ROLE_TITLES.get(user.role, user.role)}")
        if st.button("Выйти", key="logout"):
            auth.logout()
            st.rerun()
    st.navigation(pages_for(user)).run()


main()
