"""Page «Мои отзывы» (manager): feedback from the РОП with «Ознакомлен» and a reply thread."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from store import queries, review
from ui import auth
from ui.call import feedback_subject, show_replies
from ui.calls import open_call
from ui.common import clear_later, clear_pending, db_path, plain, save, unread_feedback

TITLE = "Мои отзывы"


def menu_title(user) -> str:
    """«Мои отзывы (2)» while two notes are unread."""
    unread = unread_feedback(user)
    return f"{TITLE} ({unread})" if unread else TITLE


def my_feedback_page() -> None:
    user = auth.require_role("manager")
    clear_pending()
    st.title(TITLE)
    path = db_path()
    feedback = queries.feedback_for_manager(path, user)
    if feedback.empty:
        st.info("Отзывов пока нет.")
        return
    unread = int(feedback["acknowledged_at"].isna().sum())
    st.caption(f"Всего отзывов: {len(feedback)} · не прочитано: {unread}")
    replies = queries.feedback_replies(path, user, feedback["feedback_id"])
    for f in feedback.itertuples():
        fid = int(f.feedback_id)
        with st.container(border=True):
            about = feedback_subject(f.criterion_id, f.objection_kind, "Звонок в целом")
            when = f"{f.created_at:%d.%m.%Y %H:%M}"
            st.markdown(f"**{about[:1].upper() + about[1:]}** · от {plain(f.sender)} · {when}")
            st.markdown(plain(f.text))
            show_replies(replies, fid)
            if isinstance(f.call_id, str) and st.button("Открыть звонок", key=f"open-{fid}"):
                open_call(f.call_id)
            if pd.isna(f.acknowledged_at):
                if st.button("Ознакомлен", key=f"ack-{fid}") and save(
                        review.acknowledge_feedback, path, user, fid):
                    st.rerun()
            else:
                st.caption(f"Ознакомлен {f.acknowledged_at:%d.%m.%Y %H:%M}")
            with st.form(f"reply-{fid}", clear_on_submit=True):
                text = st.text_input("Ваш ответ", key=f"reply-text-{fid}")
                if st.form_submit_button("Ответить"):
                    if not text.strip():
                        st.error("Напишите текст ответа.")
                    elif save(review.reply_feedback, path, user, fid, text):
                        clear_later(f"reply-text-{fid}")
                        st.rerun()
