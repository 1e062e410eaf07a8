"""Page «Мои отзывы» (manager): feedback from the РОП with an «Ознакомлен» button."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from store import queries, review
from ui import auth
from ui.calls import open_call
from ui.common import criterion_title, db_path, plain, save


def my_feedback_page() -> None:
    user = auth.require_role("manager")
    st.title("Мои отзывы")
    path = db_path()
    feedback = queries.feedback_for_manager(path, user)
    if feedback.empty:
        st.info("Отзывов пока нет.")
        return
    unread = int(feedback["acknowledged_at"].isna().sum())
    st.caption(f"Всего отзывов: {len(feedback)} · не прочитано: {unread}")
    for f in feedback.itertuples():
        with st.container(border=True):
            about = criterion_title(f.criterion_id) if isinstance(f.criterion_id, str) else "Звонок в целом"
            when = f"{f.created_at:%d.%m.%Y %H:%M}"
            st.markdown(f"**{about}** · от {plain(f.username)} · {when}")
            st.markdown(plain(f.text))
            if isinstance(f.call_id, str) and st.button("Открыть звонок", key=f"open-{f.feedback_id}"):
                open_call(f.call_id)
            if pd.isna(f.acknowledged_at):
                if st.button("Ознакомлен", key=f"ack-{f.feedback_id}") and save(
                        review.acknowledge_feedback, path, user, int(f.feedback_id)):
                    st.rerun()
            else:
                st.caption(f"Ознакомлен {f.acknowledged_at:%d.%m.%Y %H:%M}")
