"""Page «Дайджест» (owner): the weekly digest with downloads as Markdown, HTML and Excel."""

from __future__ import annotations

import streamlit as st

from core.config import load_config
from owner.digest import SECTIONS, Digest, digest_from_report, to_html, to_markdown, to_xlsx
from owner.report import OwnerParams
from ui import auth
from ui.common import EMPTY, db_path, plain
from ui.owner import load_report, week_selector


def digest_page() -> None:
    auth.require_role("owner")
    st.title("Дайджест")
    path = str(db_path())
    week = week_selector("digest-week")
    digest = digest_from_report(load_report(path, week.label, OwnerParams.from_config(load_config())))
    show_digest(digest)
    downloads(digest)


def show_digest(d: Digest) -> None:
    st.header(d.title)
    for title, attr in SECTIONS:
        st.subheader(title)
        items = getattr(d, attr)
        lines = [f"{n}. {plain(s)}" for n, s in enumerate(items, 1)] if attr == "actions" else [f"- {plain(s)}" for s in items]
        st.markdown("\n".join(lines))
    for table in d.tables:
        if not table.frame.empty:
            st.caption(table.title)
            st.dataframe(table.frame, hide_index=True, placeholder=EMPTY, width="stretch")


def downloads(d: Digest) -> None:
    name = f"callqa-{d.week.label}"
    cols = st.columns(3)
    cols[0].download_button("Скачать .md", to_markdown(d), f"{name}.md", "text/markdown", key="dl-md")
    cols[1].download_button("Скачать .html", to_html(d), f"{name}.html", "text/html", key="dl-html")
    cols[2].download_button(
        "Скачать .xlsx", to_xlsx(d), f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl-xlsx")
