"""Page «Контроль РОП» (owner only): is the head of sales listening, coaching, and does it work?"""

from __future__ import annotations

from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from core.config import load_config
from owner.report import (
    CADENCE_NAMES,
    HANDLING_NAMES,
    OwnerParams,
    OwnerReport,
    Week,
    activity_trend,
    criterion_name,
    effect_text,
    fmt_hours,
    fmt_minutes,
    objection_name,
    owner_report,
    weeks_back,
)
from ui import auth
from ui.common import EMPTY, call_title, call_titles, calls_span, db_path, plain, show_chart

MAX_LINKS = 8
NO_FEEDBACK = "отзывов не было"
NO_LOW_CALLS = "низких оценок нет"
NO_KAPPA = "нет данных"
TREND_SERIES = {"played_min": "Прослушано, мин", "reviewed_calls": "Разобрано звонков",
                "feedback_given": "Отзывов дано"}
# Verdicts and handling classes in the confusion tables, in words.
CONFUSION_WORDS = {"pass": "пройдено", "fail": "не пройдено", "not_applicable": "не применимо",
                   "insufficient": "недостаточно данных", **HANDLING_NAMES}


@st.cache_data(ttl=60, show_spinner=False)
def load_trend(path: str, week_label: str) -> pd.DataFrame:
    return activity_trend(path, Week.parse(week_label))


@st.cache_data(ttl=60, show_spinner="Считаю показатели РОП…")
def load_report(path: str, week_label: str, params: OwnerParams) -> OwnerReport:
    return owner_report(path, params, Week.parse(week_label))


def week_selector(key: str) -> Week:
    """A select box of recent weeks (newest first); returns the chosen one."""
    weeks = weeks_back(*calls_span())
    chosen = st.selectbox("Неделя", weeks, format_func=lambda w: w.title, key=key)
    return chosen or weeks[0]


def call_links(call_ids) -> str:
    """Markdown links to these calls, each titled by its start and manager, «; » between."""
    calls = call_titles(call_ids).set_index("call_id")
    titles = {c: call_title(calls.at[c, "started_at"], calls.at[c, "manager_name"], short=True)
              for c in call_ids if c in calls.index}
    return "; ".join(f"[{plain(titles.get(c, 'звонок удалён'))}](/call?{urlencode({'call_id': c})})"
                     for c in call_ids)


def owner_page() -> None:
    auth.require_role("owner")
    st.title("Контроль РОП")
    path = str(db_path())
    week = week_selector("owner-week")
    report = load_report(path, week.label, OwnerParams.from_config(load_config()))
    st.caption(f"Данные на {report.as_of:%d.%m.%Y %H:%M}. РОП — все пользователи, кроме владельца и менеджеров.")
    kpi_cards(report)
    st.subheader("Работа РОП по неделям")
    trend_chart(load_trend(path, week.label))
    st.subheader("Красные флаги")
    flags_block(report)
    st.subheader("По менеджерам")
    manager_table(report)
    st.subheader("Обратная связь: сработала ли?")
    coaching_block(report)
    st.subheader("От низкой оценки до обратной связи")
    latency_block(report)
    st.subheader("Регулярные действия РОП")
    cadence_table(report)
    st.subheader("Согласие ИИ и РОП")
    agreement_block(report)


def kpi_cards(r: OwnerReport) -> None:
    a = r.activity
    prev_min = float(r.previous_managers["played_s"].sum()) / 60.0
    cols = st.columns(5)
    change = round(a.played_min - prev_min)
    cols[0].metric("Прослушано", fmt_minutes(a.played_min), f"{change:+d} мин" if change else None,
                   help=f"Звонков прослушано: {a.played_calls}; открыто: {a.opened_calls}. "
                        "Под цифрой — изменение к прошлой неделе.")
    # captions under the figures are not changes: no arrows
    cols[1].metric("Разобрано звонков", f"{a.reviewed_calls} из {a.calls}", f"{a.coverage:.0%}",
                   delta_color="off", delta_arrow="off")
    cols[2].metric("Обратная связь", a.feedback_given, f"подтверждено {a.feedback_ack}",
                   delta_color="off", delta_arrow="off")
    lat = r.latency
    # a card shows a short figure; «отзывов не было» goes under it, where words fit
    waiting = f"без ответа {lat.open}" if lat.answered else NO_FEEDBACK if lat.low_calls else NO_LOW_CALLS
    cols[3].metric("До отзыва, медиана", fmt_hours(lat.median_h) if lat.answered else "—", waiting,
                   delta_color="inverse" if lat.open else "off", delta_arrow="off",
                   help="От звонка с низкой оценкой до первой обратной связи по нему; "
                        "звонки без ответа считаются с их возрастом.")
    cols[4].metric("Красные флаги", len(r.flags_on), f"из {len(r.flags)}", delta_color="off",
                   delta_arrow="off")


def flags_block(r: OwnerReport) -> None:
    names = dict(zip(r.managers["manager_id"], r.managers["manager_name"], strict=False))
    for flag in r.flags:
        if not flag.on:
            continue
        text = f"**{flag.title}.** {plain(flag.detail)}"
        if flag.manager_ids:
            text += "  \nМенеджеры: " + ", ".join(
                f"[{plain(names.get(m, m))}](/managers?{urlencode({'manager_id': m})})" for m in flag.manager_ids)
        if flag.call_ids:
            links = call_links(flag.call_ids[:MAX_LINKS])
            more = f" и ещё {len(flag.call_ids) - MAX_LINKS}" if len(flag.call_ids) > MAX_LINKS else ""
            text += f"  \nЗвонки: {links}{more}"
        st.error(text)
    quiet = [f.title for f in r.flags if not f.on]
    if quiet:
        st.success("Не горят: " + "; ".join(quiet) + ".")


def manager_table(r: OwnerReport) -> None:
    m = r.managers
    prev = r.previous_managers.set_index("manager_id")["mean_score"]
    change = m["mean_score"] - m["manager_id"].map(prev)
    table = pd.DataFrame({
        "Менеджер": m["manager_name"],
        "Звонков": m["calls"],
        "Разобрано": m["reviewed_calls"],
        "Доля разобранных": (m["reviewed_calls"] / m["calls"].where(m["calls"] > 0)).round(2),
        "Открыто РОП": m["opened_calls"],
        "Прослушано, мин": (m["played_s"] / 60).round(1),
        "Исправлено оценок": m["overrides"],
        "ОС дано": m["feedback_given"],
        "ОС подтверждено": m["feedback_ack"],
        "Средняя оценка": m["mean_score"].round(0),
        "Изменение, п.": change.round(0),
    })
    st.dataframe(table, hide_index=True, placeholder=EMPTY, width="stretch",
                 column_config={"Доля разобранных": st.column_config.ProgressColumn(
                     format="percent", min_value=0, max_value=1)})
    if m["played_s"].sum() > 0:
        chart = alt.Chart(table).mark_bar().encode(
            x=alt.X("Прослушано, мин:Q"), y=alt.Y("Менеджер:N", sort="-x"),
            tooltip=["Менеджер", "Прослушано, мин", "Разобрано", "Звонков"])
        show_chart(chart, width="stretch")


def coaching_frame(r: OwnerReport) -> pd.DataFrame:
    rows = []
    for e in r.coaching:
        subject = criterion_name(e.subject) if e.about == "criterion" else f"«{objection_name(e.subject)}» без скидки"
        rows.append({
            "Когда": e.given_at, "Менеджер": e.manager_name, "О чём": subject,
            "До": _rate(e.before_k, e.before_n, e.before_ci), "После": _rate(e.after_k, e.after_n, e.after_ci),
            "Итог": effect_text(e), "Звонок": f"/call?call_id={e.call_id}" if e.call_id else None,
            "before": e.before_rate, "after": e.after_rate,
        })
    return pd.DataFrame(rows)


def _rate(k: int, n: int, ci: tuple[float, float]) -> str:
    if not n:
        return "нет звонков"
    return f"{k}/{n} = {k / n:.0%} (95%: {ci[0]:.0%}–{ci[1]:.0%})"


def coaching_block(r: OwnerReport) -> None:
    frame = coaching_frame(r)
    if frame.empty:
        st.info("За последние 13 недель РОП не давал обратной связи по критериям и возражениям.")
        return
    window = r.params.coaching_window_calls
    st.caption(f"Доля выполнения за {window} звонков до и {window} после обратной связи; "
               "«улучшилось» — интервалы не пересекаются или разница значима.")
    st.dataframe(frame.drop(columns=["before", "after"]), hide_index=True, placeholder=EMPTY, width="stretch",
                 column_config={"Звонок": st.column_config.LinkColumn(display_text="открыть"),
                                "Когда": st.column_config.DatetimeColumn(format="DD.MM.YYYY")})
    points = frame.dropna(subset=["before", "after"]).melt(
        id_vars=["Менеджер", "О чём", "Итог"], value_vars=["before", "after"], var_name="when", value_name="rate")
    if not points.empty:
        points["when"] = points["when"].map({"before": "до", "after": "после"})
        points["item"] = points["Менеджер"] + ": " + points["О чём"]
        chart = alt.Chart(points).mark_line(point=True).encode(
            x=alt.X("when:N", sort=["до", "после"], title=None),
            y=alt.Y("rate:Q", title="Доля выполнения", axis=alt.Axis(format="%")),
            color=alt.Color("item:N", title=None),
            tooltip=[alt.Tooltip("item:N", title="Кто и о чём"), alt.Tooltip("when:N", title="Когда"),
                     alt.Tooltip("rate:Q", title="Доля выполнения", format=".0%"), "Итог"])
        show_chart(chart, width="stretch")


def latency_block(r: OwnerReport) -> None:
    lat = r.latency
    if not lat.low_calls:
        st.info("Звонков с низкой оценкой за неделю нет.")
        return
    st.write(f"Звонков с низкой оценкой: {lat.low_calls}; с обратной связью: {lat.answered}; "
             f"медиана {fmt_hours(lat.median_h)}, хуже всего {fmt_hours(lat.worst_h)}.")
    calls = lat.calls
    table = pd.DataFrame({
        "Начало": calls["started_at"], "Менеджер": calls["manager_name"],
        "Оценка": calls["score_pct"].round(0), "Часов до ОС": calls["latency_h"].round(0),
        "Статус": ["ждёт обратной связи" if o else "есть обратная связь" for o in calls["open"]],
        "Звонок": "/call?" + calls["call_id"].map(lambda c: urlencode({"call_id": c})),
    })
    st.dataframe(table, hide_index=True, placeholder=EMPTY, width="stretch",
                 column_config={"Звонок": st.column_config.LinkColumn(display_text="открыть"),
                                "Начало": st.column_config.DatetimeColumn(format="DD.MM HH:mm")})


def confusion_in_words(confusion: pd.DataFrame) -> pd.DataFrame:
    """Rows «ИИ», columns «РОП», verdicts in words."""
    table = confusion.rename(index=lambda v: CONFUSION_WORDS.get(v, "другое"),
                             columns=lambda v: CONFUSION_WORDS.get(v, "другое"))
    table.index.name, table.columns.name = "ИИ", "РОП"
    return table.reset_index().rename(columns={"ИИ": "ИИ \\ РОП"})


def trend_chart(trend: pd.DataFrame) -> None:
    """Minutes played, calls reviewed and feedback given per week (one small chart each)."""
    if trend.empty:
        st.info("Данных по неделям пока нет.")
        return
    data = trend.assign(week_ru=trend["week"].map(lambda w: f"{pd.Timestamp(w):%d.%m}"))
    long = data.melt(id_vars=["week_ru"], value_vars=list(TREND_SERIES), var_name="series", value_name="value")
    long["series"] = long["series"].map(TREND_SERIES)
    chart = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("week_ru:O", title="Неделя с", sort=list(data["week_ru"])),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".0f", tickMinStep=1)),  # not «0.000000»
        color=alt.Color("series:N", title=None, legend=None),
        tooltip=[alt.Tooltip("week_ru:O", title="Неделя с"), alt.Tooltip("series:N", title="Что"),
                 alt.Tooltip("value:Q", title="Сколько", format=".0f")],
    ).properties(height=140).facet(row=alt.Row("series:N", title=None, sort=list(TREND_SERIES.values())))
    chart = chart.resolve_scale(y="independent")
    show_chart(chart)
    st.dataframe(pd.DataFrame({"Неделя с": data["week_ru"],
                               **{title: data[col].round(0).astype(int) for col, title in TREND_SERIES.items()}}),
                 hide_index=True, placeholder=EMPTY, width="stretch")


def cadence_table(r: OwnerReport) -> None:
    names = dict(zip(r.managers["manager_id"], r.managers["manager_name"], strict=False))
    rows = [{
        "Действие": CADENCE_NAMES.get(c.kind, c.kind), "За дней": c.period_days,
        "Норма": c.expected, "Проведено": c.held, "В норме": "да" if c.ok else "нет",
        "Без встречи": ", ".join(names.get(m, m) for m in c.missing_manager_ids),
    } for c in r.cadence]
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=EMPTY, width="stretch")


def agreement_block(r: OwnerReport) -> None:
    items = [*r.agreement, r.objection_agreement]
    rows = [{
        "Критерий": "Классы отработки возражений" if a.subject == "objection_handling" and a is r.objection_agreement
        else criterion_name(a.subject),
        "Оценок": a.n, "Совпало": a.agreed, "κ Коэна": NO_KAPPA if a.kappa is None else f"{a.kappa:.2f}".replace(".", ","),
        "Что делать": a.action,
    } for a in items if a.n]
    if not rows:
        st.info("РОП ещё не разбирал звонки — сравнивать не с чем.")
        return
    st.caption("Разобранный РОП звонок без исправления считается согласием; κ < "
               f"{r.params.low_kappa:g} при {r.params.min_calls}+ оценках — повод пересмотреть критерий. "
               "Согласие проверяющих между собой на одних и тех же звонках — на странице «Калибровка».")
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=EMPTY, width="stretch")
    with st.expander("Таблицы совпадений (строки — ИИ, столбцы — РОП)"):
        for a in items:
            if a.n and not a.confusion.empty:
                st.caption("Классы отработки возражений" if a is r.objection_agreement
                           else criterion_name(a.subject))
                st.dataframe(confusion_in_words(a.confusion), placeholder=EMPTY)
