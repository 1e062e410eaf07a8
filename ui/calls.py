"""Page «Звонки»: filters, lemma-aware phrase search, server-side sorting and pagination."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.types import HANDLINGS
from store import queries
from ui import auth
from ui.common import (
    DIRECTION_LABELS,
    EMPTY,
    HANDLING_LABELS,
    OBJECTION_LABELS,
    call_title,
    criterion_title,
    db_path,
    fmt_time,
    query_lemmas,
    visible_managers,
)

PAGE_SIZE = 50
SORTS = {"started_at": "Дата", "score": "Оценка", "duration": "Длительность", "manager": "Менеджер"}
PAGE_KEY = "calls_page_no"
TABLE_KEY = "calls-table"
OPEN_KEY = "open-submit"  # «Открыть» under the table
CHOICE_KEY = "open-choice"
SHOWN_KEY = "_calls_shown"  # the call ids of the rows the table showed, in their order
# The one meaning of «разобран» (store.effective.reviews_cte), the same on the owner's pages.
REVIEWED_HELP = ("Разобран — РОП прослушал звонок в сумме не меньше 10 секунд, исправил оценку, "
                 "отметил отработку возражения, дал отзыв, добавил фрагмент в библиотеку "
                 "или нажал «Разобран».")


def calls_page() -> None:
    user = auth.require_role("owner", "head", "manager")
    st.session_state["_open_visit"] = None  # the next call opened is a new visit
    _open_chosen_call()
    st.title("Звонки")
    path = db_path()
    filters, sort, descending = _filters_ui(path, user)
    filter_key = repr((filters, sort, descending))
    if st.session_state.get("_calls_filter_key") != filter_key:  # new filters start at page 1
        st.session_state["_calls_filter_key"] = filter_key
        st.session_state[PAGE_KEY] = 0
    page_no = st.session_state.get(PAGE_KEY, 0)
    page = queries.list_calls(path, user, filters, sort, descending, PAGE_SIZE, page_no * PAGE_SIZE)
    if page.rows.empty and page_no > 0:  # the filters shrank the result: back to page 1
        st.session_state[PAGE_KEY] = page_no = 0
        page = queries.list_calls(path, user, filters, sort, descending, PAGE_SIZE, 0)
    st.caption(f"Найдено звонков: {page.total}")
    if page.rows.empty:
        st.info("Нет звонков под эти фильтры.")
        return
    st.session_state[SHOWN_KEY] = [str(c) for c in page.rows["call_id"]]
    table = _table(page.rows)
    st.dataframe(table, hide_index=True, placeholder=EMPTY, on_select="rerun", selection_mode="single-row",
                 key=TABLE_KEY, column_config=_column_config(), width="stretch")
    _pager(page.total, page_no)
    _open_by_choice(page.rows)


def _open_chosen_call() -> None:
    """A click on a row of the table, or «Открыть», reruns this page before the call page
    opens: go there at once, without reading the list again (at 100k calls that query is
    most of the wait). The row is one of the rows shown in the run before."""
    if st.session_state.get(OPEN_KEY) and st.session_state.get(CHOICE_KEY):
        open_call(str(st.session_state[CHOICE_KEY]))
        return
    table = st.session_state.get(TABLE_KEY)
    selection = table.get("selection", {}) if hasattr(table, "get") else {}
    rows = selection.get("rows", []) if hasattr(selection, "get") else []
    shown = st.session_state.get(SHOWN_KEY) or []
    if rows and 0 <= rows[0] < len(shown):
        open_call(shown[rows[0]])


def _filters_ui(path, user) -> tuple[queries.CallFilters, str, bool]:
    with st.sidebar:
        st.header("Фильтры")
        period = st.date_input("Период", value=(), key="f-period", format="DD.MM.YYYY")
        manager_ids: tuple[str, ...] = ()
        if user.role != "manager":
            mgrs = visible_managers(user)
            names = dict(zip(mgrs["manager_id"], mgrs["name"], strict=True))
            manager_ids = tuple(st.multiselect("Менеджер", list(names), format_func=names.get, key="f-managers",
                                               placeholder="все менеджеры"))
        score = st.slider("Оценка, %", 0, 100, (0, 100), key="f-score")
        kind = st.selectbox("Возражение", [None, *OBJECTION_LABELS], key="f-kind",
                            format_func=lambda k: "любое" if k is None else OBJECTION_LABELS[k])
        handling = st.selectbox("Отработка", [None, *HANDLINGS], key="f-handling",
                                format_func=lambda h: "любая" if h is None else HANDLING_LABELS[h])
        fatal = st.checkbox("Фатальные ошибки", key="f-fatal")
        low_conf = st.checkbox("Проверить на слух (низкая уверенность)", key="f-lowconf")
        not_reviewed = st.checkbox("Не разобранные РОП", key="f-notreviewed", help=REVIEWED_HELP)
        sort = st.selectbox("Сортировка", list(SORTS), format_func=SORTS.get, key="f-sort")
        descending = st.toggle("По убыванию", value=True, key="f-desc")
    phrase = st.text_input("Поиск по фразе в расшифровках", key="f-phrase",
                           placeholder="например: скидка, пришлите КП")
    date_from, date_to = _period(period)
    filters = queries.CallFilters(
        date_from=date_from, date_to=date_to, manager_ids=manager_ids,
        score_min=score[0] if score != (0, 100) else None,
        score_max=score[1] if score != (0, 100) else None,
        objection_kind=kind, handling=handling, fatal_only=fatal,
        low_confidence_only=low_conf, not_reviewed_only=not_reviewed,
        phrase_lemmas=query_lemmas(phrase), phrase_text=phrase,
    )
    return filters, sort, descending


def _period(period) -> tuple[date | None, date | None]:
    if isinstance(period, date):
        return period, period
    values = list(period or ())
    if len(values) == 1:
        return values[0], values[0]
    if len(values) == 2:
        return values[0], values[1]
    return None, None


def _table(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "Дата": rows["started_at"],
        "Менеджер": rows["manager_name"].fillna(rows["manager_id"]),
        "Направление": rows["direction"].map(DIRECTION_LABELS),
        "Длительность": rows["duration_s"].map(fmt_time),
        "Клиент": rows["client_masked"],
        "Оценка": rows["score_pct"],
        "Фатально": rows["fatal_failed"].map(
            lambda v: ", ".join(criterion_title(c) for c in v.split(",")) if isinstance(v, str) and v else ""),
        "Возражений": rows["objections"],
        "Разобран": rows["reviewed"],
    })
    if rows["match"].notna().any():
        out["Найдено"] = rows["match"]
    return out


def _column_config() -> dict:
    return {
        "Дата": st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm"),
        "Оценка": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%"),
        "Разобран": st.column_config.CheckboxColumn(help=REVIEWED_HELP),
    }


def _pager(total: int, page_no: int) -> None:
    pages = max(1, -(-total // PAGE_SIZE))
    prev_col, info_col, next_col = st.columns([1, 2, 1])
    if prev_col.button("← Назад", disabled=page_no == 0, key="page-prev"):
        st.session_state[PAGE_KEY] = page_no - 1
        st.rerun()
    info_col.markdown(f"Страница {page_no + 1} из {pages}")
    if next_col.button("Вперёд →", disabled=page_no + 1 >= pages, key="page-next"):
        st.session_state[PAGE_KEY] = page_no + 1
        st.rerun()


def _open_by_choice(rows: pd.DataFrame) -> None:
    """Opening a call without the mouse on the table (keyboard users, tests)."""
    labels = {r.call_id: call_title(r.started_at, r.manager_name) for r in rows.itertuples()}
    with st.form("open-call"):
        chosen = st.selectbox("Открыть звонок", list(labels), format_func=labels.get, key=CHOICE_KEY)
        if st.form_submit_button("Открыть", key=OPEN_KEY):  # outside the app's menu (no page to switch to)
            open_call(chosen)


def open_call(call_id: str) -> None:
    """Go to the call page (st.navigation); outside the app just set the query parameter."""
    from ui.pages import call_page_entry

    page = call_page_entry()
    try:
        st.switch_page(page, query_params={"call_id": call_id})
    except st.errors.StreamlitAPIException:
        st.query_params["call_id"] = call_id
