"""Page «Библиотека обучения»: saved clips («образец отработки», «ошибка»), filter and play.

A clip plays from its start and pauses at its end (the player's ``clip``); each clip links to
its call page opened at the clip's start (``/call?call_id=…&t=…``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from store import queries
from ui import auth, player
from ui.common import (
    TRAINING_LABELS,
    db_path,
    fmt_time,
    masked_file_name,
    plain,
    recordings_folders,
)


def library_page() -> None:
    user = auth.require_role("owner", "head", "manager")
    st.title("Библиотека обучения")
    path = db_path()
    label = st.radio("Метка", [None, *TRAINING_LABELS], horizontal=True, key="lib-label",
                     format_func=lambda v: "все" if v is None else TRAINING_LABELS[v])
    items = queries.training_library(path, user, label)
    if items.empty:
        st.info("В библиотеке пока нет фрагментов. РОП добавляет их на странице звонка.")
        return
    for item in items.itertuples():
        with st.container(border=True):
            st.markdown(
                f"**{TRAINING_LABELS.get(item.label, item.label)}** · {plain(item.manager_name) or '—'}"
                f" · {fmt_time(item.start_s)}–{fmt_time(item.end_s)}"
            )
            if isinstance(item.note, str) and item.note:
                st.markdown(plain(item.note))
            if isinstance(item.text, str) and item.text:
                st.caption(f"«{plain(item.text)}»")
            _clip_player(item)
            _call_link(item)


def _clip_player(item) -> None:
    audio = Path(item.path) if isinstance(item.path, str) and item.path else None
    if audio is None or not audio.exists():
        st.caption("Аудио нет" + (f" ({plain(masked_file_name(item.path))})" if audio else ""))
        return
    src = player.audio_source(audio, f"clip-{item.item_id}", recordings_folders())
    if src is None:
        return
    started = st.session_state.get(f"_clip-{item.item_id}")
    if st.button("▶ Слушать фрагмент", key=f"clip-play-{item.item_id}"):
        started = (started or 0) + 1
        st.session_state[f"_clip-{item.item_id}"] = started
    player.audio_player(f"clip-{item.item_id}", src, float(item.start_s), started,
                        clip=(float(item.start_s), float(item.end_s)))


def _call_link(item) -> None:
    from ui.pages import call_page_entry  # the page registry imports this module

    st.page_link(call_page_entry(), label=f"Открыть звонок с {fmt_time(item.start_s)}",
                 icon=":material/headphones:",
                 query_params={"call_id": item.call_id, "t": f"{float(item.start_s):g}"})
