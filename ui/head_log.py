"""Page «Журнал РОП»: the head logs planning meetings, one-to-ones and trainings; the owner reads it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

from owner.report import CADENCE_NAMES
from store import owner_queries as q
from ui import auth
from ui.common import EMPTY, active_managers, db_path, save

HISTORY_DAYS = 90


def head_log_page() -> None:
    user = auth.require_role("owner", "head")
    st.title("Журнал РОП")
    path = db_path()
    if user.role == "head":
        entry_form(path, user)
    now = datetime.now()
    entries = q.head_log_entries(path, now - timedelta(days=HISTORY_DAYS), now)
    st.subheader(f"Записи за {HISTORY_DAYS} дней")
    if entries.empty:
        st.info("Записей пока нет.")
        return
    st.dataframe(pd.DataFrame({
        "Дата": entries["held_on"], "Что": [CADENCE_NAMES.get(k, k) for k in entries["kind"]],
        "Менеджер": entries["manager_name"].fillna("вся команда"), "Заметка": entries["note"].fillna(""),
        "Кто": entries["author"],
    }), hide_index=True, placeholder=EMPTY, width="stretch",
        column_config={"Дата": st.column_config.DateColumn(format="DD.MM.YYYY")})


def entry_form(path, user) -> None:
    managers = active_managers()
    names = dict(zip(managers["manager_id"], managers["name"], strict=False))
    with st.form("head-log", clear_on_submit=True):
        kind = st.selectbox("Что было", q.HEAD_LOG_KINDS, format_func=lambda k: CADENCE_NAMES.get(k, k))
        held_on = st.date_input("Когда", value=date.today(), format="DD.MM.YYYY")
        manager_id = st.selectbox("С кем (для встречи один на один)", [None, *names],
                                  format_func=lambda m: "вся команда" if m is None else names[m])
        note = st.text_area("Заметка", placeholder="О чём говорили, что договорились сделать")
        if not st.form_submit_button("Записать"):
            return
        if kind == "one_to_one" and manager_id is None:
            st.error("Для встречи один на один выберите менеджера.")
        elif save(q.add_head_log, path, user.username, kind, held_on, manager_id, note):
            st.success("Записано.")
