"""The one registry of the UI's pages: which function draws each page, its title, address and
icon, which roles get it in the menu, and the menu section it sits in. Each page checks the
role itself too (``ui.auth.require_role``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from store.users import User
from ui.calibration import calibration_page
from ui.call import call_page
from ui.calls import calls_page
from ui.common import guarded
from ui.digest import digest_page
from ui.feedback import menu_title, my_feedback_page
from ui.head_log import head_log_page
from ui.library import library_page
from ui.managers import managers_page
from ui.owner import owner_page
from ui.progress import progress_page
from ui.queue import queue_page
from ui.rubric import rubric_page

WORK = "Работа со звонками"
CONTROL = "Контроль"
_ALL = frozenset({"owner", "head", "manager"})


@dataclass(frozen=True, slots=True)
class PageEntry:
    draw: Callable[[], None]
    title: str
    url_path: str
    icon: str
    roles: frozenset[str]
    section: str = WORK

    def page(self, title: str | None = None, default: bool | None = None) -> st.Page:
        return st.Page(guarded(self.draw), title=title or self.title, url_path=self.url_path,
                       icon=self.icon, default=self.url_path == "calls" if default is None else default)


PAGES: tuple[PageEntry, ...] = (
    PageEntry(calls_page, "Звонки", "calls", ":material/call:", _ALL),
    PageEntry(call_page, "Звонок", "call", ":material/headphones:", _ALL),
    PageEntry(queue_page, "Очередь РОП", "queue", ":material/pending_actions:", frozenset({"owner", "head"})),
    PageEntry(managers_page, "Менеджеры", "managers", ":material/monitoring:", frozenset({"owner", "head"})),
    PageEntry(my_feedback_page, "Мои отзывы", "my-feedback", ":material/chat:", frozenset({"manager"})),
    PageEntry(progress_page, "Мой прогресс", "my-progress", ":material/trending_up:", frozenset({"manager"})),
    PageEntry(library_page, "Библиотека обучения", "library", ":material/school:", _ALL),
    PageEntry(rubric_page, "Рубрика", "rubric", ":material/checklist:", _ALL),
    PageEntry(owner_page, "Контроль РОП", "owner", ":material/visibility:", frozenset({"owner"}), CONTROL),
    PageEntry(head_log_page, "Журнал РОП", "head-log", ":material/event_note:",
              frozenset({"owner", "head"}), CONTROL),
    PageEntry(calibration_page, "Калибровка", "calibration", ":material/balance:",
              frozenset({"owner", "head"}), CONTROL),
    PageEntry(digest_page, "Дайджест", "digest", ":material/summarize:", frozenset({"owner"}), CONTROL),
)
BY_URL = {entry.url_path: entry for entry in PAGES}
LANDING = {"owner": "owner"}  # the page a role lands on (others: «Звонки»)


def call_page_entry() -> st.Page:
    """The «Звонок» page object, for st.switch_page from the list."""
    return BY_URL["call"].page()


# The same page under the name its user thinks of it by: the РОП's own task list is «Мои задачи»;
# the owner looks at it as the РОП's queue.
ROLE_TITLES = {("queue", "head"): "Мои задачи"}


def title_for(entry: PageEntry, role: str) -> str:
    return ROLE_TITLES.get((entry.url_path, role), entry.title)


def page_titles(role: str, section: str = WORK) -> list[str]:
    """Titles of the pages of one menu section a role gets, in menu order."""
    return [title_for(e, role) for e in PAGES if e.section == section and role in e.roles]


def work_page_titles(role: str) -> list[str]:
    """Titles of the call-review pages a role gets (the menu's first section)."""
    return page_titles(role, WORK)


def menu(user: User) -> dict[str, list[tuple[PageEntry, str, bool]]]:
    """Sections of the menu for this user's role: (page, title shown, is the landing page).
    The manager's «Мои отзывы» carries the unread count; the owner lands on «Контроль РОП»."""
    sections: dict[str, list[tuple[PageEntry, str, bool]]] = {}
    landing = LANDING.get(user.role, "calls")
    for entry in PAGES:
        if user.role in entry.roles:
            title = menu_title(user) if entry.url_path == "my-feedback" else title_for(entry, user.role)
            sections.setdefault(entry.section, []).append((entry, title, entry.url_path == landing))
    return sections


def pages_for(user: User) -> dict[str, list[st.Page]]:
    """Sections of the navigation menu for this user's role (empty sections left out)."""
    return {section: [entry.page(title, default) for entry, title, default in items]
            for section, items in menu(user).items()}
