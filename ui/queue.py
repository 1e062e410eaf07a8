"""Page «Мои задачи» for the РОП, «Очередь РОП» for the owner: calls waiting for a human look, newest first, each with
its reasons in words and a link to the call; and the owner's red flags of the current week."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.config import load_config
from store import queries
from ui import auth
from ui.calls import REVIEWED_HELP
from ui.common import (
    HANDLING_LABELS,
    OBJECTION_LABELS,
    call_title,
    calls_span,
    criterion_title,
    db_path,
    fmt_score,
    plain,
)

SHOWN = 50


def _items(value) -> list:
    """A list column's value as a list (NULL / NA: empty)."""
    return [] if value is None or not hasattr(value, "__len__") or isinstance(value, str) else list(value)


def queue_reasons(row, low_score: float) -> list[str]:
    """Why a call waits for the РОП, in words."""
    reasons = []
    fatal = row.fatal_failed
    if isinstance(fatal, str) and fatal:
        reasons.append("фатальная ошибка: " + ", ".join(criterion_title(c) for c in fatal.split(",")))
    score = row.score_pct
    if score is not None and not pd.isna(score) and score < low_score and not reasons:
        reasons.append(f"низкая оценка {fmt_score(score)}")
    insufficient = _items(row.insufficient)
    if insufficient:
        reasons.append("недостаточно данных: " + ", ".join(criterion_title(c) for c in insufficient))
    if bool(row.roles_uncertain):
        reasons.append("проверьте роли менеджера и клиента")
    for pair in _items(row.mishandled):
        kind, _, handling = str(pair).partition(":")
        reasons.append(f"возражение «{OBJECTION_LABELS.get(kind, 'другое')}» → "
                       f"{HANDLING_LABELS.get(handling, 'другое')}")
    return reasons


def queue_page() -> None:
    user = auth.require_role("head", "owner")
    st.title("Мои задачи" if user.role == "head" else "Очередь РОП")
    path = db_path()
    cfg = load_config()
    low_score = float(cfg["scoring.low_score_threshold"])
    queue = queries.review_queue(path, user, low_score)
    st.caption(f"Звонки за последние {queries.QUEUE_DAYS} дней, которые ещё не разобраны и ждут "
               f"человека: оценка ниже {low_score:g}%, фатальная ошибка, «недостаточно данных», "
               "сомнение в ролях, скидка или игнор в ответ на возражение. Новые сверху. "
               + REVIEWED_HELP)
    if queue.empty:
        st.success("Очередь пуста: все такие звонки разобраны.")
    else:
        st.markdown(f"**Ждут разбора: {len(queue)}**" + (f" (показаны {SHOWN} новых)" if len(queue) > SHOWN else ""))
        for row in queue.head(SHOWN).itertuples():
            link = f"/call?{urlencode({'call_id': row.call_id})}"
            reasons = "; ".join(queue_reasons(row, low_score))
            with st.container(border=True):
                st.markdown(f"[{plain(call_title(row.started_at, row.manager_name))}]({link}) — "
                            f"{fmt_score(row.score_pct)}  \n{plain(reasons)}")
    _owner_flags(str(path))


def _owner_flags(path: str) -> None:
    """The owner's red flags of the latest week, so the РОП sees what the owner sees."""
    from owner.report import OwnerParams, weeks_back
    from ui.owner import flags_block, load_report

    st.subheader("Красные флаги владельца")
    week = weeks_back(*calls_span())[0]
    report = load_report(path, week.label, OwnerParams.from_config(load_config()))
    st.caption(f"Неделя {week.title}; владелец видит то же на странице «Контроль РОП».")
    if not report.flags_on:
        st.success("Красных флагов нет.")
    flags_block(report)
