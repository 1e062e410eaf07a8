"""Page «Менеджеры»: score trend, criteria pass-rate heatmap, objection handling, metrics."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.config import load_config
from core.stats import wilson
from store import queries
from ui import auth
from ui.common import (
    EMPTY,
    HANDLING_LABELS,
    OBJECTION_LABELS,
    criterion_title,
    db_path,
    fmt_score,
    show_chart,
)

LOW_DATA_TEXT = "мало данных"
UNASSIGNED_TEXT = "без менеджера (очередь)"
UNASSIGNED_ID = "-"  # queue calls (`q-600-…`) have no manager by design; they get a row of their own


def managers_page() -> None:
    user = auth.require_role("owner", "head")
    st.title("Менеджеры")
    path = db_path()
    min_calls = int(load_config()["scoring.min_calls"])
    overview = queries.managers_overview(path, user, min_calls)
    summary = _with_unassigned(overview.summary)
    if summary.empty:
        st.info("Звонков пока нет.")
        return
    chosen = _manager_filter(summary)

    def only(df: pd.DataFrame) -> pd.DataFrame:
        df = _with_unassigned(df)
        return df[df["manager_id"].isin(chosen)] if chosen else df

    _summary_table(only(summary), min_calls)
    st.subheader("Оценка по неделям")
    _trend_chart(only(overview.trend))
    st.subheader("Выполнение критериев")
    _criteria_heatmap(only(overview.criteria), min_calls)
    st.subheader("Отработка возражений")
    _handling_chart(only(overview.handling))
    st.subheader("Метрики разговора (средние)")
    _metrics_table(only(overview.metrics))


def _with_unassigned(df: pd.DataFrame) -> pd.DataFrame:
    """Calls without a manager under one id and name: a NULL id broke the filter's labels."""
    if df.empty or not df["manager_id"].isna().any():
        return df
    df = df.copy()
    unassigned = df["manager_id"].isna()
    df["manager_id"] = df["manager_id"].astype(object).where(~unassigned, UNASSIGNED_ID)
    df["manager_name"] = df["manager_name"].astype(object).where(~unassigned, UNASSIGNED_TEXT)
    return df


def _manager_filter(summary: pd.DataFrame) -> list[str]:
    """Managers to show; `?manager_id=` (links from the owner's red flags) preselects one."""
    names = dict(zip(summary["manager_id"], summary["manager_name"].fillna(summary["manager_id"]), strict=True))
    wanted = st.query_params.get("manager_id")
    default = [wanted] if wanted in names else []
    return st.multiselect("Менеджеры", list(names), default=default, format_func=names.get,
                          placeholder="все менеджеры")


def _summary_table(summary: pd.DataFrame, min_calls: int) -> None:
    table = pd.DataFrame({
        "Менеджер": summary["manager_name"].fillna(summary["manager_id"]),
        "Звонков": summary["calls"],
        "Оценено": summary["scored"],
        "Средняя оценка": [
            LOW_DATA_TEXT if low else fmt_score(score)
            for low, score in zip(summary["low_data"], summary["mean_score"], strict=True)
        ],
        "С фатальной ошибкой": summary["fatal_calls"],
    })
    st.dataframe(table, hide_index=True, placeholder=EMPTY, width="stretch")
    if summary["low_data"].any():
        st.caption(f"«{LOW_DATA_TEXT}»: меньше {min_calls} оценённых звонков — сравнивать рано.")


def _trend_chart(trend: pd.DataFrame) -> None:
    if trend.empty:
        st.info(LOW_DATA_TEXT.capitalize())
        return
    # weeks as «16.11» like every other chart (a time axis would write its own tick labels)
    trend = trend.sort_values("week").assign(week_ru=lambda t: t["week"].map(lambda w: f"{pd.Timestamp(w):%d.%m}"))
    chart = alt.Chart(trend).mark_line(point=True).encode(
        x=alt.X("week_ru:O", title="Неделя с", sort=list(dict.fromkeys(trend["week_ru"]))),
        y=alt.Y("mean_score:Q", title="Средняя оценка, %", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("manager_name:N", title="Менеджер"),
        tooltip=[alt.Tooltip("week_ru:O", title="Неделя с"), alt.Tooltip("manager_name:N", title="Менеджер"),
                 alt.Tooltip("calls:Q", title="Звонков"), alt.Tooltip("mean_score:Q", title="Оценка", format=".0f")],
    )
    show_chart(chart, width="stretch")


def _criteria_heatmap(rates: pd.DataFrame, min_calls: int) -> None:
    if rates.empty:
        st.info(LOW_DATA_TEXT.capitalize())
        return
    rates = rates.copy()
    rates["criterion"] = [criterion_title(c) for c in rates["criterion_id"]]
    rates["low_data"] = rates["n"] < min_calls
    rates["label"] = [
        "мало" if low else f"{rate:.0%}" if rate == rate else "—"
        for low, rate in zip(rates["low_data"], rates["pass_rate"], strict=True)
    ]
    rates["interval"] = [_wilson_text(int(p), int(n)) for p, n in zip(rates["passed"], rates["n"], strict=True)]
    base = alt.Chart(rates).encode(
        x=alt.X("criterion:N", title="Критерий", sort=None),
        y=alt.Y("manager_name:N", title="Менеджер"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("pass_rate:Q", title="Выполнено", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("criterion:N", title="Критерий"), alt.Tooltip("n:Q", title="Звонков"),
                 alt.Tooltip("pass_rate:Q", title="Доля", format=".0%"),
                 alt.Tooltip("interval:N", title="95% интервал")],
    )
    text = base.mark_text().encode(text="label:N")
    show_chart(heat + text, width="stretch")


def _wilson_text(passed: int, n: int) -> str:
    if n == 0:
        return "—"
    low, high = wilson(passed, n)
    return f"{low:.0%}–{high:.0%}"


def _handling_chart(mix: pd.DataFrame) -> None:
    if mix.empty:
        st.info("Возражений пока не найдено.")
        return
    mix = mix.copy()
    mix["handling_ru"] = mix["handling"].map(HANDLING_LABELS).fillna(mix["handling"])
    mix["kind_ru"] = mix["kind"].map(OBJECTION_LABELS).fillna(mix["kind"])
    chart = alt.Chart(mix).mark_bar().encode(
        x=alt.X("sum(n):Q", title="Возражений", stack="normalize"),
        y=alt.Y("manager_name:N", title="Менеджер"),
        color=alt.Color("handling_ru:N", title="Отработка"),
        tooltip=[alt.Tooltip("kind_ru:N", title="Возражение"), alt.Tooltip("handling_ru:N", title="Отработка"),
                 alt.Tooltip("n:Q", title="Сколько")],
    )
    show_chart(chart, width="stretch")


def _metrics_table(metrics: pd.DataFrame) -> None:
    if metrics.empty:
        st.info(LOW_DATA_TEXT.capitalize())
        return
    st.dataframe(
        pd.DataFrame({
            "Менеджер": metrics["manager_name"].fillna(metrics["manager_id"]),
            "Звонков": metrics["calls"],
            "Доля речи менеджера": metrics["talk_ratio"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
            "Вопросов за звонок": metrics["questions"].round(1),
            "Самый длинный монолог, с": metrics["longest_monologue_s"].round(0),
            "Перебиваний": metrics["interruptions"].round(1),
            "Слов в минуту": metrics["words_per_min"].round(0),
        }),
        hide_index=True, placeholder=EMPTY, width="stretch",
    )
