"""Which pages each role gets in st.navigation (the owner's pages come from ui.pages_owner)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from store.users import User

# (page function path, title, url_path, icon, roles)
_PAGES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("ui.calls:calls_page", "Звонки", "calls", ":material/call:", ("owner", "head", "manager")),
    ("ui.call:call_page", "Звонок", "call", ":material/headphones:", ("owner", "head", "manager")),
    ("ui.managers:managers_page", "Менеджеры", "managers", ":material/monitoring:", ("owner", "head")),
    ("ui.feedback:my_feedback_page", "Мои отзывы", "my-feedback", ":material/chat:", ("manager",)),
    ("ui.library:library_page", "Библиотека обучения", "library", ":material/school:", ("owner", "head", "manager")),
    ("ui.rubric:rubric_page", "Рубрика", "rubric", ":material/checklist:", ("owner", "head", "manager")),
)


def _load(target: str) -> Callable[[], None]:
    module_name, func_name = target.split(":")
    module = __import__(module_name, fromlist=[func_name])
    return getattr(module, func_name)


def _page(target: str, title: str, url_path: str, icon: str) -> st.Page:
    return st.Page(_load(target), title=title, url_path=url_path, icon=icon,
                   default=url_path == "calls")


def call_page_entry() -> st.Page:
    """The «Звонок» page object, for st.switch_page from the list."""
    target, title, url_path, icon, _ = _PAGES[1]
    return _page(target, title, url_path, icon)


_OWNER_ICONS = {"owner": ":material/visibility:", "head-log": ":material/event_note:",
                "digest": ":material/summarize:"}


def owner_pages(user: User) -> list[st.Page]:
    """Pages of ui.pages_owner.OWNER_PAGES ((callable, title, url_path, roles)) this role gets."""
    from ui.pages_owner import OWNER_PAGES

    return [st.Page(func, title=title, url_path=url_path, icon=_OWNER_ICONS.get(url_path))
            for func, title, url_path, roles in OWNER_PAGES if user.role in roles]


def work_page_titles(role: str) -> list[str]:
    """Titles of the call-review pages a role gets (the menu's first section)."""
    return [title for _, title, _, _, roles in _PAGES if role in roles]


def pages_for(user: User) -> dict[str, list[st.Page]]:
    """Sections of the navigation menu for this user's role."""
    work = [_page(t, title, url, icon) for t, title, url, icon, roles in _PAGES if user.role in roles]
    sections = {"Работа со звонками": work}
    extra = owner_pages(user)
    if extra:
        sections["Контроль"] = extra
    return sections
