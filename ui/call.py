"""Page «Звонок»: player, transcript, verdicts with evidence, objections, metrics, РОП actions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.config import load_config
from core.errors import AccessDeniedError
from core.types import HANDLINGS, NOT_OBJECTION, VERDICTS
from store import queries, review
from ui import auth, player
from ui.common import (
    DIRECTION_LABELS,
    HANDLING_LABELS,
    OBJECTION_LABELS,
    SPEAKER_LABELS,
    TRAINING_LABELS,
    VERDICT_BADGES,
    VERDICT_LABELS,
    clear_later,
    clear_pending,
    criterion_title,
    db_path,
    fmt_score,
    fmt_time,
    masked_file_name,
    plain,
    recordings_folders,
    save,
)

SEEK_KEY = "_seek"
GO_COLUMNS = [3, 1]  # a quote and its «▶ 00:04» button
FLASH_KEY = "_call_flash"  # a message that survives the rerun after an action
VISIT_KEY = "_open_visit"


def call_page() -> None:
    user = auth.require_role("owner", "head", "manager")
    clear_pending()
    call_id = st.query_params.get("call_id")
    if not call_id:
        st.info("Выберите звонок на странице «Звонки».")
        return
    path = db_path()
    try:
        view = queries.call_view(path, user, call_id)
    except AccessDeniedError as exc:
        st.error(f"Доступ запрещён. {exc}")
        return
    if view is None:
        st.error(f"Звонок {plain(call_id)} не найден.")
        return
    _log_visit(path, user, call_id)
    _seek_from_link(call_id)
    if view.awaits_verdicts:
        _blind_call(path, user, view)
        return
    _header(view.call)
    _roles(user, view.call, has_segments=not view.segments.empty)
    if user.role == "head":
        _action_bar(path, user, view)
    left, right = st.columns([3, 2])
    with left:
        show_recording(path, user, view.call, view.segments,
                       evidence_segments(view.criteria, view.objections), sticky=True)
    with right:
        _criteria(view.criteria, call_id)
        _objections(view.objections, call_id)
        _metrics(view.metrics)
    _feedback_list(path, user, view.feedback)
    if user.role == "head":
        _head_actions(path, user, view)


# --- listening ---------------------------------------------------------------------------

def _log_visit(path, user, call_id: str) -> None:
    """One ``opened`` event per visit (leaving for the list and coming back is a new visit)."""
    if st.session_state.get(VISIT_KEY) != call_id:
        st.session_state[VISIT_KEY] = call_id
        save(review.record_opened, path, user, call_id)


def seek(call_id: str, seconds: float) -> None:
    """Button callback: make the player jump; the training clip form starts there too."""
    previous = st.session_state.get(SEEK_KEY) or {}
    st.session_state[SEEK_KEY] = {"call_id": call_id, "s": float(seconds),
                                  "nonce": int(previous.get("nonce", 0)) + 1}
    st.session_state["tr-start"] = float(seconds)
    st.session_state["tr-end"] = float(seconds) + 15.0


def _seek_from_link(call_id: str) -> None:
    """``/call?call_id=…&t=17`` (the library's clip links) opens the call at 17 s, once."""
    t = st.query_params.get("t")
    if not t or st.session_state.get("_seek_link") == (call_id, t):
        return
    st.session_state["_seek_link"] = (call_id, t)
    try:
        seconds = float(t)
    except ValueError:
        return
    if seconds >= 0:
        seek(call_id, seconds)


def show_recording(path, user, call: dict, segments: pd.DataFrame,
                   evidence: frozenset[int] = frozenset(), sticky: bool = False) -> None:
    """The player with the transcript inside it (the playing line followed, a click seeks),
    «Найти в разговоре» above; ``evidence`` lines are marked."""
    st.subheader("Расшифровка")
    lines = transcript_lines(segments)
    hits: frozenset[int] = frozenset()
    if lines:
        query = st.text_input("Найти в разговоре", key=f"find-{call['call_id']}",
                              placeholder="слово или фраза")
        hits = player.find_lines(lines, query)
        if query.strip():
            st.caption(f"Найдено реплик: {len(hits)}" if hits else "В разговоре этого нет.")
    else:
        st.info("В звонке нет распознанной речи.")
    _mount_player(path, user, call, _recording_source(call),
                  player.Transcript(lines, evidence, hits), sticky)


def transcript_lines(segments: pd.DataFrame) -> tuple[player.Line, ...]:
    return tuple(
        player.Line(int(seg.idx), float(seg.start_s), float(seg.end_s), str(seg.speaker),
                    SPEAKER_LABELS.get(seg.speaker, str(seg.speaker)), str(seg.text),
                    bool(seg.low_confidence))
        for seg in segments.itertuples()
    )


def evidence_segments(criteria: pd.DataFrame, objections: pd.DataFrame) -> frozenset[int]:
    """``idx`` of the segments cited by verdicts (evidence) and objections (and their answers)."""
    cited = [criteria.get("evidence_idx"), objections.get("segment_idx"), objections.get("response_idx")]
    return frozenset(int(i) for col in cited if col is not None for i in col.dropna())


def _recording_source(call: dict) -> str | None:
    """A URL the player may load, or None with the reason shown."""
    audio = Path(call["path"]) if isinstance(call.get("path"), str) and call["path"] else None
    if audio is None:
        st.info("Аудио нет: звонок загружен из готовой расшифровки.")
        return None
    if not audio.exists():
        st.warning(f"Файл записи не найден: {plain(masked_file_name(call['path']))}. Расшифровка ниже.")
        return None
    src = player.audio_source(audio, call["call_id"], recordings_folders())
    if src is None:
        st.warning("Запись нельзя проиграть: файл слишком большой или лежит вне папки записей.")
    return src


def _mount_player(path, user, call: dict, src: str | None,
                  transcript: player.Transcript = player.Transcript(), sticky: bool = False) -> None:
    if src is None and not transcript.lines:
        return
    target = st.session_state.get(SEEK_KEY) or {}
    if target.get("call_id") != call["call_id"] or src is None:
        target = {}
    played = player.audio_player(f"player-{call['call_id']}", src, target.get("s"), target.get("nonce"),
                                 transcript, sticky=sticky)
    delta = player.new_played_seconds(call["call_id"], played)
    if delta:
        save(review.record_played, path, user, call["call_id"], delta,
             played.position_s if played else None)
    if target:
        st.caption(f"Переход к {fmt_time(target['s'])}")


# --- what the call holds -------------------------------------------------------------------

def _blind_call(path, user, view: queries.CallView) -> None:
    """A call the user still has to rate in a calibration round: the recording and the
    transcript only -- no score, verdicts, objections, overrides or feedback of others."""
    _header(view.call, scores=False)
    st.info("Этот звонок ждёт вашей оценки на странице «Калибровка». Оценки ИИ, исправления и "
            "отзывы скрыты, пока вы его не оцените: проверка вслепую.")
    show_recording(path, user, view.call, view.segments)


def _header(call: dict, scores: bool = True) -> None:
    started = call.get("started_at")
    when = started.strftime("%d.%m.%Y %H:%M") if started is not None and not pd.isna(started) else "дата неизвестна"
    st.title(f"Звонок {when}")
    # names and masked numbers are words, not figures: in a card they are cut off (and a card
    # reads markdown, so «***-**» would turn into emphasis); they go on a line of their own
    st.markdown(f"Менеджер: **{plain(call.get('manager_name') or 'не указан')}** · "
                f"клиент: {plain(call.get('client_masked') or '—')}")
    cols = st.columns(3)
    corrected = scores and bool(call.get("corrected")) and not pd.isna(call.get("corrected"))
    cols[0].metric("Оценка", fmt_score(call.get("score_pct")) if scores else "скрыта",
                   f"ИИ: {fmt_score(call.get('auto_score_pct'))}" if corrected else None,
                   delta_color="off", delta_arrow="off")
    if corrected:
        st.caption(f"ИИ: {fmt_score(call.get('auto_score_pct'))} → после правок РОП: "
                   f"{fmt_score(call.get('score_pct'))}")
    cols[1].metric("Длительность", fmt_time(call.get("duration_s")))
    cols[2].metric("Направление", DIRECTION_LABELS.get(call.get("direction"), "—"))
    fatal = call.get("fatal_failed") if scores else None
    if isinstance(fatal, str) and fatal:
        st.error("Фатальная ошибка: " + ", ".join(criterion_title(c) for c in fatal.split(",")))
    flags = call.get("flags") or frozenset()  # a set of flag names (store.queries.get_call)
    if "low_confidence" in flags or call.get("uncertain") is True:
        st.warning("Низкая уверенность распознавания — проверить на слух.")
    if "time_from_mtime" in flags:
        st.caption("Время звонка взято из даты файла: в имени файла и в выгрузке CRM его нет.")
    st.caption(f"Файл: {plain(masked_file_name(call.get('path')))}")  # no ids or hashes in the UI


ROLES_UNCERTAIN_RU = "Проверьте роли: менеджер и клиент могли перепутаться"
SWAP_ROLES_RU = "Поменять роли местами"


def _roles(user, call: dict, has_segments: bool) -> None:
    """The weak-role-decision warning, and the РОП's / owner's swap (the call is re-scored)."""
    flags = call.get("flags") or frozenset()
    if "roles_uncertain" in flags:
        st.warning(ROLES_UNCERTAIN_RU)
    if "roles_swapped" in flags:
        st.caption("Роли менеджера и клиента в этом звонке поменяны вручную.")
    if user.role in review.ROLE_SWAPPER_ROLES and has_segments and st.button(
            SWAP_ROLES_RU, key="swap-roles",
            help="Менеджер и клиент поменяются во всей расшифровке, звонок будет оценён заново."):
        from pipeline.rescore import swap_roles

        if save(swap_roles, load_config(), user, call["call_id"]):
            st.rerun()


def _criteria(crit: pd.DataFrame, call_id: str) -> None:
    st.subheader("Критерии")
    if crit.empty:
        st.info("Звонок ещё не оценён по текущей рубрике.")
        return
    for c in crit.itertuples():
        label = VERDICT_BADGES.get(c.verdict, c.verdict)
        st.markdown(f"**{plain(criterion_title(c.criterion_id, c.title))}** — {label}")  # the rubric file is text too
        if isinstance(c.override_by, str):
            st.caption(f"Исправлено РОП ({plain(c.override_by_name or 'РОП')}): было «{VERDICT_LABELS.get(c.auto_verdict)}». "
                       f"{plain(c.override_reason)}")
        elif isinstance(c.reason, str) and c.reason:
            st.caption(plain(c.reason))
        if isinstance(c.evidence_quote, str) and not pd.isna(c.evidence_start_s):
            quote_col, go_col = st.columns(GO_COLUMNS)
            quote_col.markdown(f"> {plain(c.evidence_quote)}")
            _go_button(go_col, f"ev-{c.criterion_id}", call_id, c.evidence_start_s)


def _objections(objections: pd.DataFrame, call_id: str) -> None:
    if objections.empty:
        return
    st.subheader("Возражения")
    for o in objections.itertuples():
        handled = HANDLING_LABELS.get(o.handling, o.handling)
        by = (f" (отметка РОП: {plain(o.labelled_by_name or 'РОП')})"
              if isinstance(o.labelled_by, str) else "")
        quote_col, go_col = st.columns(GO_COLUMNS)
        quote_col.markdown(
            f"**{OBJECTION_LABELS.get(o.kind, o.kind)}** → {handled}{by}  \n> {plain(o.quote)}"
            + (f"  \nОтвет: {plain(o.response_quote)}" if isinstance(o.response_quote, str) and o.response_quote else "")
        )
        _go_button(go_col, f"obj-{o.n}", call_id, o.start_s or 0.0)


def _go_button(col, key: str, call_id: str, seconds: float) -> None:
    """«▶ 00:04» next to a quote, as in the transcript: the time fits a narrow column where
    a word was cut off."""
    col.button(f"▶ {fmt_time(seconds)}", key=key, on_click=seek, args=(call_id, seconds),
               help="Перейти к этому месту записи")


def _metrics(metrics: pd.DataFrame) -> None:
    if metrics.empty:
        return
    m = metrics.iloc[0]
    st.subheader("Метрики разговора")
    cols = st.columns(3)  # a third of the right column: short labels, the rest in the hint
    ratio = m["manager_talk_ratio"]
    cols[0].metric("Речь", "—" if pd.isna(ratio) else f"{ratio:.0%}", help="Доля речи менеджера в разговоре")
    cols[1].metric("Вопросов", int(m["manager_questions"] or 0), help="Вопросов менеджера за звонок")
    cols[2].metric("Перебиваний", int(m["interruptions"] or 0), help="Сколько раз менеджер перебил клиента")


def feedback_subject(criterion_id, objection_kind, whole: str = "звонок") -> str:
    """What a feedback note is about, in words."""
    if isinstance(criterion_id, str) and criterion_id:
        return criterion_title(criterion_id)
    if isinstance(objection_kind, str) and objection_kind:
        return f"возражение «{OBJECTION_LABELS.get(objection_kind, 'другое')}»"
    return whole


def show_replies(replies: pd.DataFrame, feedback_id: int) -> None:
    for r in replies[replies["feedback_id"] == feedback_id].itertuples():
        st.markdown(f":gray[{plain(r.sender)} · {r.created_at:%d.%m.%Y %H:%M}]  \n{plain(r.text)}")


def _feedback_list(path, user, feedback: pd.DataFrame) -> None:
    if feedback.empty:
        return
    st.subheader("Отзывы по звонку")
    replies = queries.feedback_replies(path, user, feedback["feedback_id"])
    for f in feedback.itertuples():
        state = "ознакомлен" if not pd.isna(f.acknowledged_at) else "не прочитан"
        about = feedback_subject(f.criterion_id, f.objection_kind)
        st.markdown(f"**{about}** · {plain(f.sender)} · {state}  \n{plain(f.text)}")
        show_replies(replies, int(f.feedback_id))


# --- РОП actions ---------------------------------------------------------------------------

def _action_bar(path, user, view: queries.CallView) -> None:
    """The РОП's main actions right under the header: «Разобран», feedback, override."""
    call_id = view.call["call_id"]
    summary = view.review
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash)
    done, fb, ov = st.columns([1, 1, 1])
    if summary["reviewed_at"]:
        done.caption(f"Разобран {summary['reviewed_at']:%d.%m.%Y %H:%M}")
    elif done.button("Разобран", key="mark-reviewed", icon=":material/task_alt:",
                     help="Отметить звонок разобранным") and save(review.mark_reviewed, path, user, call_id):
        st.session_state[FLASH_KEY] = "Звонок отмечен разобранным."
        st.rerun()
    with fb.popover("Отзыв менеджеру", icon=":material/chat:", width="stretch"):
        _feedback_form(path, user, call_id, view.criteria, view.objections)
    with ov.popover("Исправить оценку", icon=":material/edit:", width="stretch"):
        _override_form(path, user, call_id, view.criteria)


def _head_actions(path, user, view: queries.CallView) -> None:
    call_id = view.call["call_id"]
    st.divider()
    st.subheader("Действия РОП")
    summary = view.review
    st.caption(f"Открытий: {summary['opened']} · прослушано {fmt_time(summary['played_s'])}"
               + (f" · разобран {summary['reviewed_at']:%d.%m.%Y %H:%M}" if summary["reviewed_at"] else ""))
    tabs = st.tabs(["В библиотеку", "Возражения"])
    with tabs[0]:
        _training_form(path, user, call_id, view)
    with tabs[1]:
        _label_form(path, user, call_id, view.objections)


def _criterion_options(crit: pd.DataFrame) -> dict[str, str]:
    return {c.criterion_id: criterion_title(c.criterion_id, c.title) for c in crit.itertuples()}


def _override_form(path, user, call_id: str, crit: pd.DataFrame) -> None:
    options = _criterion_options(crit)
    if not options:
        st.info("Нет оценок, которые можно исправить.")
        return
    with st.form("override-form", clear_on_submit=False):
        criterion = st.selectbox("Критерий", list(options), format_func=options.get, key="ov-criterion")
        verdict = st.selectbox("Верный вердикт", VERDICTS, format_func=VERDICT_LABELS.get, key="ov-verdict")
        reason = st.text_input("Причина", key="ov-reason")
        if st.form_submit_button("Сохранить исправление"):
            if not reason.strip():
                st.error("Укажите причину исправления.")
            elif save(review.override_verdict, path, user, call_id, criterion, verdict, reason.strip()):
                st.rerun()


def feedback_subjects(crit: pd.DataFrame, objections: pd.DataFrame) -> dict[str, str]:
    """«О чём» choices: the call as a whole, each criterion, each objection kind in the call
    (``crit:<id>`` / ``obj:<kind>``)."""
    options = {"": "Звонок в целом"}
    options |= {f"crit:{k}": v for k, v in _criterion_options(crit).items()}
    for kind in dict.fromkeys(objections["kind"]) if not objections.empty else ():
        options[f"obj:{kind}"] = f"Возражение «{OBJECTION_LABELS.get(kind, 'другое')}»"
    return options


def _feedback_form(path, user, call_id: str, crit: pd.DataFrame, objections: pd.DataFrame) -> None:
    options = feedback_subjects(crit, objections)
    with st.form("feedback-form", clear_on_submit=True):
        subject = st.selectbox("О чём", list(options), format_func=options.get, key="fb-criterion")
        text = st.text_area("Что сделать иначе", key="fb-text")
        if st.form_submit_button("Отправить менеджеру"):
            about, _, value = subject.partition(":")
            if not text.strip():
                st.error("Напишите, что менеджеру сделать иначе.")
            elif save(review.give_feedback, path, user, call_id, text,
                      value if about == "crit" else None, value if about == "obj" else None):
                st.session_state[FLASH_KEY] = "Отзыв отправлен менеджеру."
                clear_later("fb-text")
                st.rerun()


def _training_form(path, user, call_id: str, view: queries.CallView) -> None:
    # the clip starts where the РОП last jumped (seek() sets both fields)
    st.session_state.setdefault("tr-start", 0.0)
    st.session_state.setdefault("tr-end", min(15.0, float(view.call.get("duration_s") or 15.0)))
    with st.form("training-form", clear_on_submit=False):
        c1, c2 = st.columns(2)
        start_s = c1.number_input("Начало, с", min_value=0.0, step=1.0, key="tr-start")
        end_s = c2.number_input("Конец, с", min_value=0.0, step=1.0, key="tr-end")
        label = st.selectbox("Метка", list(TRAINING_LABELS), format_func=TRAINING_LABELS.get, key="tr-label")
        note = st.text_input("Заметка", key="tr-note")
        if st.form_submit_button("Добавить в библиотеку") and save(
                review.add_training_item, path, user, call_id, start_s, end_s, label, note):
            st.rerun()
    for t in view.training_items.itertuples():
        st.caption(f"{TRAINING_LABELS.get(t.label, t.label)}: {fmt_time(t.start_s)}–{fmt_time(t.end_s)} {plain(t.note)}")


def _label_form(path, user, call_id: str, objections: pd.DataFrame) -> None:
    if objections.empty:
        st.info("В звонке не найдено возражений.")
        return
    options = {int(o.segment_idx): f"{OBJECTION_LABELS.get(o.kind, o.kind)}: «{o.quote}»"
               for o in objections.itertuples()}
    kinds = {int(o.segment_idx): o.kind for o in objections.itertuples()}
    with st.form("label-form", clear_on_submit=False):
        segment_idx = st.selectbox("Возражение", list(options), format_func=options.get, key="lb-objection")
        # the kind the РОП hears (the machine's by default) and how it was handled — or «не
        # возражение»: both teach `callqa train`, the latter also drops it from the figures
        kind = st.selectbox("Вид возражения", ["", *OBJECTION_LABELS], key="lb-kind",
                            format_func=lambda k: OBJECTION_LABELS.get(k) or "как определила машина")
        handling = st.selectbox("Как отработано", [*HANDLINGS, NOT_OBJECTION], format_func=HANDLING_LABELS.get,
                                key="lb-handling")
        if st.form_submit_button("Сохранить отметку") and save(
                review.label_objection, path, user, call_id, segment_idx, kind or kinds[segment_idx], handling):
            st.rerun()
