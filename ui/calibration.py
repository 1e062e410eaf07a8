"""Page «Калибровка» (head and owner): two or more reviewers rate the same sample of calls
blind; once all of them have finished (or the round's creator or the owner ends it early),
everyone sees per criterion how far they agree with each other and the AI with them, and the
calls where they differ. The creator or the owner may add and remove reviewers while the round
is in progress (store/calibration.py keeps the verdicts blind and guards who may change what,
owner/calibration.py counts)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.config import load_config
from owner.calibration import (
    MIN_PAIRS,
    CalibrationReport,
    calibration_report,
    kappa_text,
    share_text,
)
from owner.report import OwnerParams, plural
from store import calibration, queries
from store.calibration import CALIBRATION_VERDICTS, MAX_CALLS, MIN_REVIEWERS, Round, RoundSpec
from ui import auth
from ui.call import show_recording
from ui.common import (
    EMPTY,
    VERDICT_LABELS,
    active_managers,
    calls_span,
    criterion_title,
    db_path,
    plain,
    reviewer_choices,
    save,
)
from ui.queue import call_title

CALL_KEY = "calib-call"
ROUND_KEY = "calib-round"
NEXT_CALL_KEY = "_calib_next_call"  # applied before the selectbox is drawn on the next run
NEXT_ROUND_KEY = "_calib_next_round"
FLASH_KEY = "_calib_flash"
NOTHING_TO_RATE = "Сейчас у вас нет звонков на проверку."
DEFAULT_CALLS = 10
DEFAULT_DAYS = 30


def calibration_page() -> None:
    user = auth.require_role("owner", "head")
    st.title("Калибровка")
    st.caption("Несколько проверяющих вслепую оценивают одни и те же звонки по критериям рубрики. "
               "Пока вы не оценили звонок, оценки других проверяющих и ИИ вам не показываются; "
               "итоги раунда открываются всем, когда закончат все проверяющие или когда раунд "
               "завершат досрочно.")
    path = db_path()
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash)
    st.subheader("Мои звонки на проверку")
    my_calls(path, user)
    st.subheader("Раунды")
    rounds_block(path, user)
    st.subheader("Новый раунд")
    new_round_form(path, user)


# --- rating ---------------------------------------------------------------------------------

def _key(round_id, call_id) -> str:
    return f"{int(round_id)}:{call_id}"


def my_calls(path, user) -> None:
    todo = calibration.assignments(path, user)
    if todo.empty:
        st.info(NOTHING_TO_RATE)
        return
    keys = [_key(r, c) for r, c in zip(todo["round_id"], todo["call_id"], strict=True)]
    finished = dict(zip(keys, todo["finished"], strict=True))
    several = todo["round_id"].nunique() > 1  # then say which round a call is from
    labels = {key: f"{call_title(row.started_at, row.manager_name)} — "
                   f"{'оценён' if row.finished else 'ждёт оценки'}"
                   + (f" (раунд от {row.round_created_at:%d.%m.%Y})" if several else "")
              for key, row in zip(keys, todo.itertuples(), strict=True)}
    waiting = [key for key in keys if not finished[key]]
    st.caption(f"Оценено {len(keys) - len(waiting)} из {len(keys)}. Оценки можно менять, пока "
               "раунд не завершён.")
    wanted = st.session_state.pop(NEXT_CALL_KEY, None)
    if wanted in keys:
        st.session_state[CALL_KEY] = wanted
    elif st.session_state.get(CALL_KEY) not in keys:
        st.session_state[CALL_KEY] = (waiting or keys)[0]
    chosen = st.selectbox("Звонок", keys, format_func=labels.get, key=CALL_KEY)
    round_id, _, call_id = chosen.partition(":")
    after = [k for k in waiting if k != chosen]
    rate_call(path, user, int(round_id), call_id, after[0] if after else None)


def rate_call(path, user, round_id: int, call_id: str, next_key: str | None) -> None:
    """The recording and transcript of one call and the reviewer's form: nothing of what the
    AI or the other reviewers said, unless the round shows the AI."""
    sheet = calibration.call_sheet(path, user, round_id, call_id)
    view = queries.call_view(path, user, call_id)
    if view is None:
        st.error("Звонок не найден.")
        return
    left, right = st.columns([3, 2])
    with left:
        show_recording(path, user, view.call, view.segments, sticky=True)
    with right:
        _verdict_form(path, user, sheet, next_key)


def _verdict_form(path, user, sheet: calibration.CallSheet, next_key: str | None) -> None:
    st.subheader("Ваши оценки")
    round_id, call_id = sheet.round.round_id, sheet.call_id
    titles = {c.criterion_id: criterion_title(c.criterion_id, c.title) for c in sheet.criteria.itertuples()}
    with st.form(f"calib-form-{round_id}-{call_id}"):
        chosen = {}
        for c in sheet.criteria.itertuples():
            own = c.verdict if c.verdict in CALIBRATION_VERDICTS else None
            chosen[c.criterion_id] = st.radio(
                titles[c.criterion_id], CALIBRATION_VERDICTS, format_func=VERDICT_LABELS.get,
                index=CALIBRATION_VERDICTS.index(own) if own else None, horizontal=True,
                key=f"cv-{round_id}-{call_id}-{c.criterion_id}")
            if c.ai_verdict:
                st.caption(f"ИИ: {VERDICT_LABELS.get(c.ai_verdict, c.ai_verdict)}")
        if st.form_submit_button("Сохранить оценки"):
            missing = [titles[cid] for cid, verdict in chosen.items() if verdict is None]
            if missing:
                st.error("Оцените все критерии. Без оценки: " + ", ".join(missing) + ".")
            elif save(calibration.save_verdicts, path, user, round_id, call_id, chosen):
                st.session_state[FLASH_KEY] = ("Оценки сохранены." if next_key
                                               else "Оценки сохранены. Все ваши звонки оценены.")
                if next_key:
                    st.session_state[NEXT_CALL_KEY] = next_key
                st.rerun()


# --- rounds and results ---------------------------------------------------------------------

def period_text(r: Round) -> str:
    return f"{r.period_from:%d.%m.%Y}–{r.period_to:%d.%m.%Y}"


def round_title(r: Round) -> str:
    who = r.manager_name or "все менеджеры"
    return (f"Раунд от {r.created_at:%d.%m.%Y}: {period_text(r)}, {who}, "
            f"{r.calls} {plural(r.calls, ('звонок', 'звонка', 'звонков'))} — {state_text(r)}")


def progress_text(r: Round) -> str:
    return "; ".join(f"{p.name} — {p.finished_calls} из {r.calls}" for p in r.reviewers)


def state_text(r: Round) -> str:
    """«идёт», «завершён 12.03.2026», «завершён досрочно 12.03.2026»."""
    if not r.ended:
        return "идёт"
    when = f" {r.closed_at:%d.%m.%Y}" if r.closed_at else ""
    return f"завершён досрочно{when}" if r.ended_early else f"завершён{when}"


def rounds_block(path, user) -> None:
    all_rounds = calibration.rounds(path, user)
    if not all_rounds:
        st.info("Раундов калибровки ещё не было: создайте первый ниже.")
        return
    st.dataframe(pd.DataFrame([{
        "Создан": f"{r.created_at:%d.%m.%Y}", "Состояние": state_text(r), "Кто создал": r.created_by_name,
        "Период": period_text(r), "Менеджер": r.manager_name or "все", "Звонков": r.calls,
        "Проверяющие": progress_text(r),
    } for r in all_rounds]), hide_index=True, placeholder=EMPTY, width="stretch")
    by_id = {r.round_id: r for r in all_rounds}
    wanted = st.session_state.pop(NEXT_ROUND_KEY, None)
    if wanted in by_id:
        st.session_state[ROUND_KEY] = wanted
    chosen = st.selectbox("Раунд", list(by_id), format_func=lambda rid: round_title(by_id[rid]),
                          key=ROUND_KEY)
    rnd = by_id[chosen]
    if not rnd.ended:
        waiting = [f"{plain(p.name)} — {p.finished_calls} из {rnd.calls}"
                   for p in rnd.reviewers if p.finished_calls < rnd.calls]
        st.info("Итоги откроются, когда все проверяющие закончат. Ещё оценивают: "
                + "; ".join(waiting) + ".")
        manage_block(path, user, rnd)
        return
    if rnd.ended_early:
        st.info(f"Раунд завершён досрочно {rnd.closed_at:%d.%m.%Y} ({plain(rnd.closed_by_name)}): "
                "итоги — по звонкам, которые проверяющие успели оценить. Оценили: "
                + "; ".join(f"{plain(p.name)} — {p.finished_calls} из {rnd.calls}" for p in rnd.reviewers)
                + ".")
    elif rnd.closed_at:
        st.caption(f"Раунд завершён {rnd.closed_at:%d.%m.%Y}: все проверяющие оценили все звонки.")
    low_kappa = OwnerParams.from_config(load_config()).low_kappa
    report = calibration_report(path, user, rnd.round_id, low_kappa)
    if report is None:
        return
    if not report.criteria:
        st.info("Никто не успел оценить ни одного звонка: сравнивать нечего.")
        return
    results_block(report, low_kappa)


# --- managing a round in progress -----------------------------------------------------------

REMOVED_VERDICTS = ("Оценки исключённого проверяющего в итоги раунда не входят; из базы они не "
                    "удаляются, и если вернуть его в раунд, они снова будут учтены.")


def manage_block(path, user, rnd: Round) -> None:
    """Add or remove a reviewer, or end the round early: for its creator and the owner."""
    st.markdown("**Проверяющие и завершение раунда**")
    if not calibration.may_manage(user, rnd):
        st.caption("Менять проверяющих и завершать раунд может тот, кто его создал "
                   f"({plain(rnd.created_by_name)}), или владелец.")
        return
    add, remove = st.columns(2)
    with add:
        _add_reviewer_form(path, user, rnd)
    with remove:
        _remove_reviewer_form(path, user, rnd)
    _close_form(path, user, rnd)


def _add_reviewer_form(path, user, rnd: Round) -> None:
    present = {p.username for p in rnd.reviewers}
    others = {u: name for u, name in calibration.reviewer_choices(path) if u not in present}
    if not others:
        st.caption("Добавить некого: все РОП и владелец с действующими учётными записями уже "
                   "проверяют этот раунд.")
        return
    _person_form(path, user, rnd, "add", others, calibration.add_reviewer,
                 caption="Новый проверяющий оценивает все звонки раунда вслепую, как остальные.",
                 label="Добавить проверяющего", placeholder="Выберите человека", button="Добавить в раунд",
                 done="В раунд добавлен проверяющий: {name}.")


def _remove_reviewer_form(path, user, rnd: Round) -> None:
    if len(rnd.reviewers) <= MIN_REVIEWERS:
        st.caption("Исключить проверяющего можно, когда их больше двух: согласие считается между "
                   "людьми. Сначала добавьте другого. " + REMOVED_VERDICTS)
        return
    names = {p.username: p.name for p in rnd.reviewers}
    _person_form(path, user, rnd, "remove", names, calibration.remove_reviewer, caption=REMOVED_VERDICTS,
                 label="Исключить проверяющего", placeholder="Выберите проверяющего", button="Исключить из раунда",
                 done="Больше не проверяет этот раунд: {name}.")


def _person_form(path, user, rnd: Round, key: str, people: dict, action, *, caption: str, label: str,
                 placeholder: str, button: str, done: str) -> None:
    """A form choosing one of ``people`` (username → name) and applying ``action`` to the round."""
    with st.form(f"calib-{key}-{rnd.round_id}"):
        st.caption(caption)
        chosen = st.selectbox(label, list(people), format_func=people.get, index=None,
                              placeholder=placeholder, key=f"calib-{key}-who-{rnd.round_id}")
        if st.form_submit_button(button) and chosen:
            _manage(action, path, user, rnd.round_id, chosen, done=done.format(name=plain(people[chosen])))


def _close_form(path, user, rnd: Round) -> None:
    with st.form(f"calib-close-{rnd.round_id}"):
        st.caption("Завершить раунд досрочно: оценки больше не принимаются, звонки раунда уходят из "
                   "списков на проверку, итоги открываются всем — по тем звонкам, которые успели "
                   "оценить. Вернуть раунд в работу нельзя.")
        sure = st.checkbox("Да, больше не принимать оценки", key=f"calib-close-sure-{rnd.round_id}")
        if st.form_submit_button("Завершить раунд"):
            if not sure:
                st.error("Отметьте «Да, больше не принимать оценки», чтобы завершить раунд.")
            else:
                _manage(calibration.close_round, path, user, rnd.round_id, done="Раунд завершён, итоги открыты.")


def _manage(action, path, user, round_id: int, *args, done: str) -> None:
    changed: list[Round] = []

    def change_round() -> None:
        changed.append(action(path, user, round_id, *args))

    if save(change_round):
        rnd = changed[0]
        if rnd.ended and not rnd.ended_early:
            done += " Все оставшиеся проверяющие уже закончили: раунд завершён, итоги открыты."
        st.session_state[FLASH_KEY] = done
        st.session_state[NEXT_ROUND_KEY] = round_id
        st.rerun()


def results_block(report: CalibrationReport, low_kappa: float) -> None:
    threshold = f"{low_kappa:g}".replace(".", ",")
    st.caption("Пара — оценки двух проверяющих по одному критерию одного звонка; для ИИ — оценка ИИ "
               f"и одного проверяющего. κ Коэна считается от {MIN_PAIRS} пар; «мало данных» — пар "
               f"меньше или все оценки одинаковы. κ ниже {threshold}: проверяющие (или ИИ) "
               "понимают критерий по-разному.")
    st.dataframe(pd.DataFrame([{
        "Критерий": criterion_title(a.criterion_id, a.title),
        "Согласие между проверяющими": share_text(a.people), "κ между проверяющими": kappa_text(a.people),
        "Согласие ИИ с проверяющими": share_text(a.ai), "κ ИИ с проверяющими": kappa_text(a.ai),
        "Что делать": a.action,
    } for a in report.criteria]), hide_index=True, placeholder=EMPTY, width="stretch")
    st.markdown("**Звонки, где проверяющие разошлись**")
    if not report.disagreements:
        st.success("Проверяющие ни разу не разошлись.")
        return
    st.dataframe(pd.DataFrame([{
        "Звонок": f"/call?{urlencode({'call_id': d.call_id})}",
        "Когда": call_title(d.started_at, d.manager_name),
        "Критерий": criterion_title(d.criterion_id, d.title),
        "Оценки": "; ".join(f"{name} — {VERDICT_LABELS.get(v, v)}" for name, v in d.verdicts),
        "ИИ": VERDICT_LABELS.get(d.ai_verdict, d.ai_verdict),
    } for d in report.disagreements]), hide_index=True, placeholder=EMPTY, width="stretch",
        column_config={"Звонок": st.column_config.LinkColumn(display_text="открыть")})


# --- a new round ----------------------------------------------------------------------------

def _default_period(path) -> tuple[date, date]:
    """The 30 days up to the newest call (demo and test stores hold past calls)."""
    first, last = calls_span()
    end = (last or datetime.now()).date()
    start = end - timedelta(days=DEFAULT_DAYS - 1)
    return (max(start, first.date()) if first else start), end


def new_round_form(path, user) -> None:
    people = dict(reviewer_choices())
    managers = active_managers()
    manager_names = dict(zip(managers["manager_id"], managers["name"], strict=True))
    start, end = _default_period(path)
    st.caption("Случайная выборка оценённых звонков периода. Проверяющие — РОП и владелец "
               "(у каждого своя учётная запись); согласие считается между ними и с ИИ.")
    with st.form("calib-new"):
        c1, c2 = st.columns(2)
        period_from = c1.date_input("С", value=start, format="DD.MM.YYYY", key="calib-from")
        period_to = c2.date_input("По", value=end, format="DD.MM.YYYY", key="calib-to")
        manager = st.selectbox("Менеджер", ["", *manager_names],
                               format_func=lambda m: manager_names[m] if m else "Все менеджеры",
                               key="calib-manager")
        n_calls = st.number_input("Звонков в выборке", min_value=1, max_value=MAX_CALLS,
                                  value=DEFAULT_CALLS, step=1, key="calib-n")
        reviewers = st.multiselect("Проверяющие", list(people), format_func=people.get,
                                   key="calib-reviewers", placeholder="Выберите двоих или больше")
        show_ai = st.checkbox("Показывать проверяющим оценки ИИ", value=False, key="calib-show-ai",
                              help="Обычно выключено: вслепую — значит независимо и от ИИ.")
        if st.form_submit_button("Создать раунд"):
            spec = RoundSpec(period_from, period_to, int(n_calls), tuple(reviewers),
                             secrets.randbelow(2**31), manager or None, bool(show_ai))
            created: list[Round] = []

            def create_round() -> None:
                created.append(calibration.create_round(path, user, spec))

            if save(create_round):
                rnd = created[0]
                text = (f"Раунд создан: {rnd.calls} {plural(rnd.calls, ('звонок', 'звонка', 'звонков'))}, "
                        f"проверяющие: {', '.join(plain(p.name) for p in rnd.reviewers)}.")
                if rnd.calls < spec.n_calls:
                    text += f" В периоде нашлось только {rnd.calls} подходящих."
                st.session_state[FLASH_KEY] = text
                st.session_state[NEXT_ROUND_KEY] = rnd.round_id
                st.rerun()
