"""Shared bits of the review UI: the store path, Russian labels, saving with retry, formatting."""

from __future__ import annotations

import functools
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from core.config import load_config
from core.errors import CallQAError, StoreBusyError
from owner.report import CRITERION_NAMES, HANDLING_NAMES, OBJECTION_NAMES
from scoring.text import lemmatize
from store import calibration, db, queries, users
from store import owner_queries as q

log = logging.getLogger(__name__)

VERDICT_LABELS = {
    "pass": "выполнено",
    "fail": "не выполнено",
    "insufficient": "недостаточно данных",
    "not_applicable": "неприменимо",
}
# Markdown badges: Material icons ship with Streamlit; emoji fonts are often missing on servers.
VERDICT_BADGES = {
    "pass": ":green[:material/check_circle: выполнено]",
    "fail": ":red[:material/cancel: не выполнено]",
    "insufficient": ":orange[:material/help: недостаточно данных]",
    "not_applicable": ":gray[:material/remove: неприменимо]",
}
# One wording for the UI, the owner pages and the digest.
HANDLING_LABELS = HANDLING_NAMES
OBJECTION_LABELS = OBJECTION_NAMES
CRITERION_LABELS = CRITERION_NAMES
SPEAKER_LABELS = {"manager": "Менеджер", "client": "Клиент", "unknown": "Не определён"}
SPEAKER_COLORS = {"manager": "blue", "client": "green", "unknown": "gray"}
TRAINING_LABELS = {"example": "образец отработки", "mistake": "ошибка"}
DIRECTION_LABELS = {"in": "входящий", "out": "исходящий"}
# What an empty table cell shows (st.dataframe's placeholder; its default is the word «None»).
EMPTY = "—"
SAVE_ATTEMPTS = 20  # × the writer's own 60 s wait: an action is never silently dropped


_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def plain(text: object) -> str:
    """``text`` from a call, a user or a file, made safe to put into Streamlit markdown: every
    ASCII punctuation character is backslash-escaped, so no link, image, HTML, emphasis,
    ``:color[...]``, ``:material/...:`` or ``$math$`` comes alive and bare URLs stay text (a
    remote image would be fetched with the page's Referer). Line breaks stay line breaks.

    Use it for transcript text, feedback, override reasons, comments, clip notes, user and
    manager names -- anything not written by us."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    lines = (" ".join(line.split()) for line in str(text).splitlines())
    return "  \n".join(_MARKDOWN_SPECIAL.sub(r"\\\1", line) for line in lines if line)


def show_error(exc: BaseException, where: str) -> str:
    """Log ``exc`` with its traceback under a short id and show only the id in the browser
    (issue 14, row 15: no server paths or internals on the page). Returns the id."""
    code = secrets.token_hex(4)
    log.error("error %s in %s: %s", code, where, exc, exc_info=exc)
    st.error(f"Ошибка, код {code}. Сообщите этот код администратору: подробности — в журнале "
             "сервера (callqa ui).")
    return code


def guarded(draw: Callable[[], None]) -> Callable[[], None]:
    """A page function that shows «Ошибка, код …» instead of a traceback. Streamlit's own
    st.stop / st.rerun are BaseExceptions and pass through."""

    @functools.wraps(draw)
    def page() -> None:
        try:
            draw()
        except Exception as exc:
            show_error(exc, draw.__name__)

    return page


def db_path() -> Path:
    """The store of this app run (CALLQA_DB / CALLQA_HOME / callqa.toml), read on every run."""
    return load_config().db_path


# --- small reads kept until the store changes ----------------------------------------------
#
# Look-ups that many page runs repeat (the signed-in account on every click, the managers of a
# filter, the first and last call) cost a DuckDB connection each, 20-40 ms on two busy cores,
# for a few rows. They are kept per store version (store.db.version: every write changes it),
# so they stay exact: a disabled account is signed out at its next click, a new manager shows
# at once. Cached values are copies: a caller may change them.

CACHE_ENTRIES = 256


def account(username: str) -> users.User | None:
    """The active account ``username`` (None when unknown or disabled)."""
    return _kept("account", username)


def visible_managers(user: users.User) -> pd.DataFrame:
    """The managers ``user`` may see (store.queries.managers)."""
    return _kept("visible_managers", user.role, user.manager_id)


def active_managers() -> pd.DataFrame:
    """``manager_id, name`` of the active managers (store.owner_queries.managers_list)."""
    return _kept("active_managers")


def calls_span() -> tuple[datetime | None, datetime | None]:
    """The first and last call start in the store (store.owner_queries.data_weeks)."""
    return _kept("calls_span")


def reviewer_choices() -> list[tuple[str, str]]:
    """``(username, name)`` of the accounts that may review (store.calibration.reviewer_choices)."""
    return _kept("reviewer_choices")


def call_titles(call_ids) -> pd.DataFrame:
    """When each of these calls started and its manager (store.owner_queries.call_titles)."""
    return _kept("call_titles", tuple(str(c) for c in call_ids))


def unread_feedback(user: users.User) -> int:
    """How many notes the manager has not acknowledged (store.queries.unread_feedback)."""
    return _kept("unread_feedback", user.role, user.manager_id)


_READS: dict[str, Callable[..., object]] = {
    "account": users.get_user,
    "visible_managers": lambda path, role, manager_id: queries.managers(path, users.User("", role, manager_id)),
    "active_managers": q.managers_list,
    "calls_span": q.data_weeks,
    "reviewer_choices": calibration.reviewer_choices,
    "call_titles": q.call_titles,
    "unread_feedback": lambda path, role, manager_id: queries.unread_feedback(path, users.User("", role, manager_id)),
}


def _kept(read: str, *args):
    path = db_path()
    return _kept_read(read, str(path), db.version(path), args)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _kept_read(read: str, path: str, version: tuple[int, ...], args: tuple):
    return _READS[read](path, *args)


def recordings_folders() -> list[str]:
    """Folders the player may serve recordings from: ``paths.calls_folder`` and every folder a
    batch run processed (read on every run, so a new folder counts at once)."""
    from store import runs

    cfg = load_config()
    configured = [str(cfg["paths.calls_folder"])] if cfg["paths.calls_folder"] else []
    return configured + runs.processed_folders(cfg.db_path)


# Russian number and date formats for charts (Vega's `locale` config: d3-format and
# d3-time-format definitions). Without it Vega writes «0.5», «1,200» and «Mon 16» / «March».
# Months are nominative: an axis tick of a month reads «март», not «марта».
CHART_LOCALE = alt.Locale(
    number=alt.NumberLocale(decimal=",", thousands="\u00a0", grouping=[3], currency=["", "\u00a0₽"]),
    time=alt.TimeLocale(
        dateTime="%A, %e %B %Y г. %X", date="%d.%m.%Y", time="%H:%M:%S", periods=["", ""],
        days=["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
        shortDays=["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
        months=["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                "октябрь", "ноябрь", "декабрь"],
        shortMonths=["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]),
)


def show_chart(chart: alt.TopLevelMixin, **kwargs) -> None:
    """``st.altair_chart`` the way every page draws a chart: Russian number and date formats,
    axis and legend labels never cut short («Запрещённые ф…»), drawn as SVG, so its words are
    text in the page (the browser test reads its axes, legends and tooltips; Streamlit would
    otherwise draw on a canvas)."""
    chart = (chart.configure(locale=CHART_LOCALE).configure_axis(labelLimit=0).configure_legend(labelLimit=0)
             .properties(usermeta={"embedOptions": {"renderer": "svg"}}))
    st.altair_chart(chart, **kwargs)


def save(action: Callable[..., object], *args, **kwargs) -> bool:
    """Run a store write behind a spinner, retrying while the store is busy.

    The writer already waits for its file lock; when a long batch write still holds it we
    keep trying instead of dropping the РОП's work. Domain errors are shown, not raised.
    Returns True when the write went through.
    """
    with st.spinner("Сохраняю…"):
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                action(*args, **kwargs)
                return True
            except StoreBusyError:
                log.warning("store busy, retrying %s (attempt %d)", action.__name__, attempt)
                time.sleep(min(0.2 * attempt, 2.0))
            except CallQAError as exc:
                st.error(str(exc))
                return False
    st.error("База занята слишком долго. Данные формы сохранены — нажмите «Сохранить» ещё раз.")
    return False


def fmt_time(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:  # NaN
        return "—"
    s = int(round(float(seconds)))
    return f"{s // 60:02d}:{s % 60:02d}"


def call_title(started_at, manager_name, short: bool = False) -> str:
    """A call in words, never its id: «21.11.2026 12:00 · Ольга Смирнова» (lists), or
    ``short`` «21.11 12:00, Ольга Смирнова» (links inside a sentence, one week's calls)."""
    if started_at is None or pd.isna(started_at):
        when = "дата неизвестна"
    else:
        when = f"{started_at:%d.%m %H:%M}" if short else f"{started_at:%d.%m.%Y %H:%M}"
    who = manager_name if isinstance(manager_name, str) and manager_name else "без менеджера"
    return f"{when}, {who}" if short else f"{when} · {who}"


def fmt_score(score: float | None) -> str:
    if score is None or score != score:
        return "—"
    return f"{score:.0f}%"


_LONG_DIGITS = re.compile(r"\+?\d{9,}")


def mask_digits(text: str) -> str:
    """Mask phone-like runs of 9+ digits, keeping the last two (dates and times stay)."""
    return _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 2) + m.group()[-2:], text)


def masked_file_name(path: str | None) -> str:
    return mask_digits(Path(path).name) if path else "—"


def query_lemmas(phrase: str) -> tuple[str, ...]:
    """Lemmas of a search phrase ("скидку" → "скидка")."""
    phrase = phrase.strip()
    if not phrase:
        return ()
    return tuple(lemmatize(phrase))


def criterion_title(criterion_id: str, title: str | None = None) -> str:
    return title or CRITERION_LABELS.get(criterion_id, criterion_id)


CLEAR_KEY = "_clear_widgets"


def clear_later(*keys: str) -> None:
    """Empty these text widgets on the next run (a sent form must not keep its text: no double
    send). Streamlit allows setting a widget's value only before it is drawn in a run."""
    st.session_state[CLEAR_KEY] = [*st.session_state.get(CLEAR_KEY, []), *keys]


def clear_pending() -> None:
    """Call at the top of a page, before its widgets."""
    for key in st.session_state.pop(CLEAR_KEY, []):
        st.session_state[key] = ""
