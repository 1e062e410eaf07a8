"""Page «Мой прогресс» (manager): own effective score and each criterion's pass rate per week
over the last 8 weeks against the team's average; «мало данных» below ``scoring.min_calls``."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.config import load_config
from store import queries
from ui import auth
from ui.common import EMPTY, criterion_title, db_path, fmt_score, show_chart

WEEKS = 8
LOW_DATA = "мало данных"
ME, TEAM = "Я", "Команда"


def _week(value) -> str:
    return f"{pd.Timestamp(value):%d.%m}"


def _rate(passed: int, n: int, min_calls: int) -> str:
    return LOW_DATA if n < min_calls else f"{passed / n:.0%}"


def progress_page() -> None:
    user = auth.require_role("manager")
    st.title("Мой прогресс")
    path = db_path()
    min_calls = int(load_config()["scoring.min_calls"])
    progress = queries.manager_progress(path, user, weeks=WEEKS)
    scores = progress.scores
    if scores.empty or not scores["own"].any():
        st.info("Оценённых звонков за последние 8 недель пока нет.")
        return
    st.caption(f"Последние {WEEKS} недель: ваша средняя оценка и выполнение критериев против "
               f"средней по команде. Меньше {min_calls} оценённых звонков за неделю — «{LOW_DATA}». "
               "Исправления РОП учтены.")
    scores = scores.assign(week_ru=scores["week"].map(_week), who=scores["own"].map({True: ME, False: TEAM}))
    weeks = list(dict.fromkeys(scores["week_ru"]))
    chart = alt.Chart(scores[scores["calls"] >= min_calls]).mark_line(point=True).encode(
        x=alt.X("week_ru:O", title="Неделя с", sort=weeks),
        y=alt.Y("mean_score:Q", title="Средняя оценка, %", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("who:N", title=None, sort=[ME, TEAM]),
        tooltip=[alt.Tooltip("week_ru:O", title="Неделя с"), alt.Tooltip("who:N", title="Кто"),
                 alt.Tooltip("mean_score:Q", title="Оценка", format=".0f"),
                 alt.Tooltip("calls:Q", title="Звонков")],
    )
    show_chart(chart, width="stretch")
    own = scores[scores["own"]].set_index("week_ru")
    team = scores[~scores["own"]].set_index("week_ru")
    st.dataframe(pd.DataFrame({
        "Неделя с": weeks,
        "Моя оценка": [LOW_DATA if own["calls"].get(w, 0) < min_calls else fmt_score(own["mean_score"][w])
                       for w in weeks],
        "Моих звонков": [int(own["calls"].get(w, 0)) for w in weeks],
        "Команда": [fmt_score(team["mean_score"].get(w)) for w in weeks],
    }), hide_index=True, placeholder=EMPTY, width="stretch")
    st.subheader("Критерии по неделям")
    st.caption("В ячейке: ваша доля выполнения / доля по команде.")
    _criteria_table(progress.criteria, weeks, min_calls)


def _criteria_table(crit: pd.DataFrame, weeks: list[str], min_calls: int) -> None:
    if crit.empty:
        st.info(LOW_DATA.capitalize())
        return
    crit = crit.assign(week_ru=crit["week"].map(_week))
    cells: dict[str, dict[str, str]] = {}
    for cid, rows in crit.groupby("criterion_id", sort=False):
        row = {}
        for w in weeks:
            mine = rows[(rows["week_ru"] == w) & rows["own"]]
            team = rows[(rows["week_ru"] == w) & ~rows["own"]]
            me = _rate(int(mine["passed"].sum()), int(mine["n"].sum()), min_calls)
            all_ = _rate(int(team["passed"].sum()), int(team["n"].sum()), min_calls)
            row[w] = f"{me} / {all_}"
        cells[criterion_title(cid)] = row
    table = pd.DataFrame.from_dict(cells, orient="index")
    table.index.name = "Критерий"
    st.dataframe(table.reset_index(), hide_index=True, placeholder=EMPTY, width="stretch")
