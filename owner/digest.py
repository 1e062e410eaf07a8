"""The owner's weekly digest: «Ситуация > выводы > действия», written from data by templates.

Public entry: :func:`build_digest` (``cfg``, ``"YYYY-Www"``) → :class:`Digest`; renderers
:func:`to_markdown`, :func:`to_html`, :func:`to_xlsx`; :func:`send_digest` mails it through
the configured SMTP server (``smtp.*``).
"""

from __future__ import annotations

import html
import io
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import pandas as pd

from core.errors import CallQAError
from owner.report import (
    HANDLING_NAMES,
    IMPROVED,
    NO_EFFECT,
    OwnerParams,
    OwnerReport,
    Week,
    criterion_name,
    fmt_hours,
    fmt_minutes,
    objection_name,
    owner_report,
    plural,
)

log = logging.getLogger(__name__)

# How the digest names each objection when it is "the most frequent problem".
OBJECTION_PROBLEMS = {
    "price": "возражение «дорого»",
    "competitor_cheaper": "сравнение с конкурентами через цену",
    "think_later": "«подумаю / не сейчас»",
    "no_time": "«нет времени»",
    "have_supplier": "«уже работаем с другими»",
    "send_offer": "«пришлите КП на почту»",
    "need_consult": "«надо посоветоваться»",
}
HEADLINE_DISCOUNT_SHARE = 0.5  # above this a discount is "the default answer"
MAX_ITEMS = 3
CEILING_RATE = 0.8


@dataclass(frozen=True, slots=True)
class DigestTable:
    title: str
    frame: pd.DataFrame


@dataclass(frozen=True, slots=True)
class Digest:
    week: Week
    title: str
    situation: tuple[str, ...]
    conclusions: tuple[str, ...]
    actions: tuple[str, ...]
    tables: tuple[DigestTable, ...]
    generated_at: datetime


def build_digest(cfg, week: str, now: datetime | None = None) -> Digest:
    """The weekly digest of ``week`` (``YYYY-Www``) from the store of ``cfg``."""
    report = owner_report(cfg.db_path, OwnerParams.from_config(cfg), Week.parse(week), now)
    return digest_from_report(report)


def digest_from_report(report: OwnerReport) -> Digest:
    return Digest(
        week=report.week,
        title=f"Еженедельный отчёт по звонкам за {report.week.title}",
        situation=tuple(_situation(report)),
        conclusions=tuple(_conclusions(report)),
        actions=tuple(dict.fromkeys(_actions(report))),
        tables=_tables(report),
        generated_at=datetime.now(),
    )


# --- words --------------------------------------------------------------------------------

CALLS = ("звонок", "звонка", "звонков")


def _n_calls(n: int) -> str:
    return f"{n} {plural(n, CALLS)}"


def _points(delta: float) -> str:
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{abs(delta):.0f} п."


def _names(names) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:-1]) + " и " + names[-1] if len(names) > 1 else "".join(names)


# --- Ситуация -----------------------------------------------------------------------------

def _situation(r: OwnerReport) -> list[str]:
    a = r.activity
    out = [_calls_sentence(r)]
    listened = f"Прослушано {_n_calls(a.played_calls)} ({fmt_minutes(a.played_min)})."
    if a.calls:
        listened += (f" Разобрано {a.reviewed_calls} из {_n_calls(a.calls)} недели ({a.coverage:.0%}),"
                     f" исправлено оценок ИИ: {a.overrides}.")
    out.append(listened)
    out.append(f"Обратная связь менеджерам: {a.feedback_given}, из неё подтверждено {a.feedback_ack}.")
    out.extend(_objection_sentences(r))
    failed = _failed_criteria(r)
    if failed:
        parts = [f"«{criterion_name(c)}» ({rate:.0%} звонков)" for c, rate, _ in failed]
        out.append("Чаще всего не выполняется: " + ", ".join(parts) + ".")
    out.extend(_manager_sentences(r))
    lat = r.latency
    if lat.low_calls:
        text = (f"Звонков с низкой оценкой: {lat.low_calls}; от звонка до обратной связи — медиана "
                f"{fmt_hours(lat.median_h)}, дольше всего {fmt_hours(lat.worst_h)}")
        text += f", без ответа {lat.open}." if lat.open else "."
        out.append(text)
    return out


def _calls_sentence(r: OwnerReport) -> str:
    m = r.managers
    calls = int(m["calls"].sum())
    if not calls:
        return "Звонков за неделю нет."
    mean = _mean_score(m)
    prev = _mean_score(r.previous_managers)
    text = f"За неделю {_n_calls(calls)}, средняя оценка {mean:.0f}%"
    if prev is not None:
        text += f" ({_points(mean - prev)} к прошлой неделе)"
    return text + "."


def _mean_score(managers: pd.DataFrame) -> float | None:
    scored = managers[managers["scored"] > 0]
    if scored.empty:
        return None
    return float((scored["mean_score"] * scored["scored"]).sum() / scored["scored"].sum())


def objection_summary(objections: pd.DataFrame) -> pd.DataFrame:
    """Per objection kind: calls, answers, discount answers; most frequent first."""
    if objections.empty:
        return pd.DataFrame(columns=["kind", "calls", "n", "discount"])
    calls = objections.groupby("kind")["call_ids"].apply(lambda s: len({c for ids in s for c in ids}))
    n = objections.groupby("kind")["n"].sum()
    discount = objections[objections["handling"] == "discount"].groupby("kind")["n"].sum()
    out = pd.DataFrame({"calls": calls, "n": n}).assign(discount=discount).fillna({"discount": 0})
    out["discount"] = out["discount"].astype(int)
    return out.sort_values(["calls", "n"], ascending=False).reset_index()


def _objection_sentences(r: OwnerReport) -> list[str]:
    summary = objection_summary(r.objections)
    if summary.empty:
        return ["Возражений за неделю не было."]
    top = summary.iloc[0]
    text = (f"Самая частая проблема — {OBJECTION_PROBLEMS.get(top.kind, objection_name(top.kind))} "
            f"({_n_calls(int(top.calls))})")
    if top.discount:
        text += f": в {int(top.discount)} из {int(top.n)} случаев менеджеры сразу дают скидку."
    else:
        text += f": чаще всего отвечают так — {_main_handling(r.objections, top.kind)}."
    out = [text]
    rest = [f"«{objection_name(row.kind)}» ({int(row.calls)})" for row in summary.iloc[1:MAX_ITEMS].itertuples()]
    if rest:
        out.append("Дальше по частоте: " + ", ".join(rest) + ".")
    return out


def _main_handling(objections: pd.DataFrame, kind: str) -> str:
    rows = objections[objections["kind"] == kind].groupby("handling")["n"].sum()
    return HANDLING_NAMES.get(rows.idxmax(), rows.idxmax()) if len(rows) else "—"


def _failed_criteria(r: OwnerReport) -> list[tuple[str, float, int]]:
    c = r.criteria[(r.criteria["n"] >= r.params.min_calls) & (r.criteria["failed"] > 0)]
    c = c.assign(rate=c["failed"] / c["n"]).sort_values(["rate", "failed"], ascending=False)
    return [(row.criterion_id, float(row.rate), int(row.failed)) for row in c.head(MAX_ITEMS).itertuples()]


def manager_changes(r: OwnerReport) -> pd.DataFrame:
    """Per manager: calls and mean score this week, the change against last week."""
    now = r.managers[["manager_id", "manager_name", "calls", "scored", "mean_score",
                      "reviewed_calls", "feedback_given"]]
    prev = r.previous_managers[["manager_id", "mean_score"]].rename(columns={"mean_score": "prev_score"})
    out = now.merge(prev, on="manager_id", how="left")
    return out.assign(change=out["mean_score"] - out["prev_score"])


def _manager_sentences(r: OwnerReport) -> list[str]:
    ch = manager_changes(r)
    ch = ch[(ch["scored"] >= 1) & ch["change"].notna()].sort_values("change")
    if ch.empty:
        return []
    best, worst = ch.iloc[-1], ch.iloc[0]
    out = []
    if best.change > 0:
        out.append(f"Лучший рост за неделю: {best.manager_name} — {best.mean_score:.0f}% ({_points(best.change)}).")
    if worst.change < 0:
        out.append(f"Самое сильное снижение: {worst.manager_name} — {worst.mean_score:.0f}% "
                   f"({_points(worst.change)}).")
    return out


# --- Выводы -------------------------------------------------------------------------------

def _conclusions(r: OwnerReport) -> list[str]:
    out = [f"{flag.title}. {flag.detail}" for flag in r.flags_on]
    summary = objection_summary(r.objections)
    for row in summary.itertuples():
        if row.n >= r.params.min_calls and row.discount / row.n >= HEADLINE_DISCOUNT_SHARE:
            out.append(f"Скидка стала ответом по умолчанию на «{objection_name(row.kind)}»: "
                       "менеджеры не показывают ценность.")
    # improvements first; "no effect" only where there was room to improve (not at 100 %)
    effects = [e for e in r.coaching if e.verdict == IMPROVED] + [
        e for e in r.coaching if e.verdict == NO_EFFECT and (e.before_rate or 0) < CEILING_RATE]
    for e in effects[:MAX_ITEMS]:
        subject = (f"«{criterion_name(e.subject)}»" if e.about == "criterion"
                   else f"ответы на «{objection_name(e.subject)}» без скидки")
        if e.verdict == IMPROVED:
            out.append(f"Обратная связь сработала: {e.manager_name} — {subject}, "
                       f"{e.before_rate:.0%} → {e.after_rate:.0%}.")
        elif (e.after_rate or 0) > (e.before_rate or 0):  # up, but within chance at this n
            out.append(f"Обратная связь: рост пока не доказан — {e.manager_name}, {subject}, "
                       f"{e.before_rate:.0%} → {e.after_rate:.0%} на {e.before_n} и {e.after_n} "
                       "звонках до и после.")
        else:
            out.append(f"Обратная связь пока без эффекта: {e.manager_name} — {subject}, "
                       f"{e.before_rate:.0%} → {e.after_rate:.0%}.")
    for a in r.agreement:
        if a.flagged:
            out.append(f"ИИ и РОП расходятся по критерию «{criterion_name(a.subject)}» "
                       f"(κ = {a.kappa:.2f}): {a.action}.")
    if not out:
        out.append("Серьёзных проблем в работе отдела и РОП не видно.")
    return out


# --- Действия -----------------------------------------------------------------------------

def _actions(r: OwnerReport) -> list[str]:
    out: list[str] = []
    summary = objection_summary(r.objections)
    for row in summary.itertuples():
        if row.discount >= 2 and row.discount / row.n >= HEADLINE_DISCOUNT_SHARE / 2:
            out.append(f"разобрать отработку «{objection_name(row.kind)}» через ценность на планёрке, "
                       "дать примеры из библиотеки обучения")
    flags = {f.code: f for f in r.flags_on}
    if "not_listening" in flags:
        out.append(f"РОП: слушать не меньше {r.params.min_played_minutes_week:g} мин звонков в неделю")
    if "abandoned" in flags:
        names = r.managers.set_index("manager_id").reindex(list(flags["abandoned"].manager_ids))["manager_name"]
        out.append(f"РОП: разобрать звонки менеджеров без разбора ({_names(names.fillna('—'))}) "
                   "и дать им обратную связь")
    if "repeat_errors" in flags:
        out.append("дать обратную связь по повторяющимся ошибкам (список в «Контроль РОП»)")
    if "team_stage_fail" in flags:
        worst = _failed_criteria(r)
        if worst:
            out.append(f"провести тренинг для всей команды по этапу «{criterion_name(worst[0][0])}»")
    if "no_meetings" in flags:
        out.append("вернуть еженедельную планёрку")
    if "no_training" in flags:
        out.append("провести обучение и добавить фрагменты звонков в библиотеку")
    if r.latency.open:
        out.append(f"дать обратную связь по {r.latency.open} {plural(r.latency.open, ('звонку', 'звонкам', 'звонкам'))} "
                   "с низкой оценкой")
    out.extend(f"пересмотреть формулировку критерия «{criterion_name(a.subject)}»"
               for a in r.agreement if a.flagged)
    if not out:
        out.append("продолжать в том же режиме: разбирать звонки каждого менеджера еженедельно")
    return [a[0].upper() + a[1:] + "." for a in out]


# --- tables -------------------------------------------------------------------------------

def _tables(r: OwnerReport) -> tuple[DigestTable, ...]:
    ch = manager_changes(r)
    managers = pd.DataFrame({
        "Менеджер": ch["manager_name"], "Звонков": ch["calls"],
        "Средняя оценка, %": ch["mean_score"].round(0),
        "Изменение, п.": ch["change"].round(0),
        "Разобрано РОП": ch["reviewed_calls"], "Обратная связь": ch["feedback_given"],
    })
    summary = objection_summary(r.objections)
    objections = pd.DataFrame({
        "Возражение": [objection_name(k) for k in summary["kind"]],
        "Звонков": summary["calls"], "Ответов": summary["n"], "Из них скидкой": summary["discount"],
    })
    c = r.criteria[r.criteria["n"] > 0]
    criteria = pd.DataFrame({
        "Критерий": [criterion_name(x) for x in c["criterion_id"]],
        "Не выполнено": c["failed"], "Оценено": c["n"],
        "Доля невыполнения, %": (100 * c["failed"] / c["n"]).round(0),
    })
    flags = pd.DataFrame({
        "Сигнал": [f.title for f in r.flags], "Горит": ["да" if f.on else "нет" for f in r.flags],
        "Подробности": [f.detail for f in r.flags],
    })
    return (DigestTable("Менеджеры", managers), DigestTable("Возражения", objections),
            DigestTable("Критерии", criteria), DigestTable("Красные флаги", flags))


# --- renderers ----------------------------------------------------------------------------

SECTIONS = (("Ситуация", "situation"), ("Выводы", "conclusions"), ("Действия", "actions"))


def to_markdown(d: Digest) -> str:
    lines = [f"# {d.title}", ""]
    for title, attr in SECTIONS:
        lines += [f"## {title}", ""]
        items = getattr(d, attr)
        lines += [f"{n}. {s}" for n, s in enumerate(items, 1)] if attr == "actions" else [f"- {s}" for s in items]
        lines.append("")
    for table in d.tables:
        if table.frame.empty:
            continue
        lines += [f"### {table.title}", "", _md_table(table.frame), ""]
    lines.append(f"_Сформировано {d.generated_at:%d.%m.%Y %H:%M}, callqa._")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("|", "/")


def _md_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def to_html(d: Digest) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>",
        f"<title>{esc(d.title)}</title><style>body{{font-family:sans-serif;max-width:60em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>",
        f"</head><body><h1>{esc(d.title)}</h1>",
    ]
    for title, attr in SECTIONS:
        tag = "ol" if attr == "actions" else "ul"
        items = "".join(f"<li>{esc(s)}</li>" for s in getattr(d, attr))
        parts.append(f"<h2>{title}</h2><{tag}>{items}</{tag}>")
    for table in d.tables:
        if table.frame.empty:
            continue
        head = "".join(f"<th>{esc(str(c))}</th>" for c in table.frame.columns)
        rows = "".join("<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>"
                       for row in table.frame.itertuples(index=False))
        parts.append(f"<h3>{esc(table.title)}</h3><table><tr>{head}</tr>{rows}</table>")
    parts.append(f"<p><i>Сформировано {d.generated_at:%d.%m.%Y %H:%M}, callqa.</i></p></body></html>")
    return "\n".join(parts)


def to_xlsx(d: Digest) -> bytes:
    """An Excel workbook: the text on the first sheet, one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Дайджест"
    ws.append([d.title])
    ws["A1"].font = Font(bold=True, size=14)
    for title, attr in SECTIONS:
        ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for n, s in enumerate(getattr(d, attr), 1):
            ws.append([f"{n}. {s}" if attr == "actions" else f"• {s}"])
    ws.column_dimensions["A"].width = 140
    for table in d.tables:
        sheet = wb.create_sheet(table.title[:31])
        sheet.append(list(table.frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.frame.itertuples(index=False):
            sheet.append([None if (isinstance(v, float) and v != v) else v for v in row])
        for col, name in zip(sheet.columns, table.frame.columns, strict=False):
            sheet.column_dimensions[col[0].column_letter].width = max(12, min(80, len(str(name)) + 4))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- e-mail -------------------------------------------------------------------------------

def send_digest(cfg, d: Digest, to: list[str] | None = None) -> list[str]:
    """Mail the digest (text + HTML + the Excel file) through ``smtp.*``; returns recipients."""
    host = cfg["smtp.host"]
    recipients = list(to or cfg["smtp.to"] or [])
    if not host or not recipients:
        raise CallQAError("E-mail is not configured: set smtp.host and smtp.to in callqa.toml.")
    msg = EmailMessage()
    msg["Subject"] = d.title
    msg["From"] = cfg["smtp.sender"]
    msg["To"] = ", ".join(recipients)
    msg.set_content(to_markdown(d))
    msg.add_alternative(to_html(d), subtype="html")
    msg.add_attachment(to_xlsx(d), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename=f"callqa-{d.week.label}.xlsx")
    try:
        with smtplib.SMTP(host, int(cfg["smtp.port"]), timeout=30) as smtp:
            if cfg["smtp.user"]:
                smtp.starttls()
                smtp.login(cfg["smtp.user"], cfg["smtp.password"])
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise CallQAError(f"Could not send the digest through {host}:{cfg['smtp.port']}: {exc}. "
                          "Check smtp.* in callqa.toml.") from exc
    log.info("digest %s sent to %s", d.week.label, ", ".join(recipients))
    return recipients
