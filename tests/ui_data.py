"""A small, fully scored callqa store for UI tests, written through store.writes.

``build_store(db_path)`` writes managers, calls with segments (with lemmas), call_scores,
criterion_results with evidence, objections, call_metrics, one current rubric version and
one user per role. Calls alternate between two managers; call 0 of each manager has good
answers, others fail a few criteria. With ``audio_dir`` the first call gets a real WAV file.
"""

from __future__ import annotations

import atexit
import math
import shutil
import struct
import tempfile
import wave
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from core.types import (
    Call,
    CallMeta,
    CallMetrics,
    CallScore,
    CriterionResult,
    Evidence,
    ObjectionResult,
    Segment,
    Transcript,
)
from store import db, runs, writes
from store import users as accounts

RUBRIC_ID = "default"
RUBRIC_VERSION = "v2-test"
OLD_RUBRIC_VERSION = "v1-test"
RUBRIC_YAML = """id: default
title: "Скрипт продаж (тест)"
stages:
  - id: contact
    title: Установление контакта
    criteria:
      - {id: greeting, title: Приветствие с названием компании и именем, weight: 10}
      - {id: client_name, title: Узнал имя клиента, weight: 5}
  - id: needs
    title: Выявление потребностей
    criteria:
      - {id: needs_discovery, title: Не менее трёх открытых вопросов, weight: 15}
  - id: presentation
    title: Презентация
    criteria:
      - {id: value_presentation, title: Презентация ценности, weight: 15}
      - {id: objection_handling, title: Отработка возражений, weight: 15}
  - id: closing
    title: Завершение
    criteria:
      - {id: next_step, title: Конкретный следующий шаг, weight: 15}
      - {id: summary, title: Резюме договорённостей, weight: 10}
      - {id: farewell, title: Прощание, weight: 5}
  - id: compliance
    title: Запреты
    criteria:
      - {id: forbidden_phrases, title: Нет запрещённых фраз, weight: 10}
      - {id: no_rudeness, title: Нет грубости, weight: 0, fatal: true}
"""
CRITERIA = (  # id, stage, title, weight, fatal, evidence segment idx
    ("greeting", "contact", "Приветствие с названием компании и именем", 10, False, 0),
    ("client_name", "contact", "Узнал имя клиента", 5, False, 2),
    ("needs_discovery", "needs", "Не менее трёх открытых вопросов", 15, False, 4),
    ("value_presentation", "presentation", "Презентация ценности", 15, False, 6),
    ("objection_handling", "presentation", "Отработка возражений", 15, False, 8),
    ("next_step", "closing", "Конкретный следующий шаг", 15, False, 10),
    ("summary", "closing", "Резюме договорённостей", 10, False, 10),
    ("farewell", "closing", "Прощание", 5, False, 12),
    ("forbidden_phrases", "compliance", "Нет запрещённых фраз", 10, False, None),
    ("no_rudeness", "compliance", "Нет грубости", 0, True, None),
)
SCRIPT = (  # speaker, good text, weak text
    ("manager", "Добрый день, компания Окна Плюс, меня зовут Иван.", "Алло, да."),
    ("client", "Здравствуйте, хочу узнать цену на окна.", "Здравствуйте, хочу узнать цену на окна."),
    ("manager", "Как я могу к вам обращаться?", "Сейчас посмотрю."),
    ("client", "Анна.", "Угу."),
    ("manager", "Анна, какие окна вам нужны и для какого помещения?", "Окна какие?"),
    ("client", "Два окна в квартиру, старые деревянные.", "Обычные."),
    ("manager", "Наш профиль сохраняет тепло, монтаж за один день, гарантия десять лет.", "Ну окна как окна."),
    ("client", "Дорого у вас, у конкурентов дешевле.", "Дорого у вас, у конкурентов дешевле."),
    ("manager", "Понимаю, давайте сравним, что входит в цену: монтаж, откосы, гарантия.", "Могу дать скидку десять процентов."),
    ("client", "Хорошо, давайте посмотрим.", "Я подумаю."),
    ("manager", "Запишу вас на замер в четверг в десять утра, итого два окна и замер.", "Перезвоните позже."),
    ("client", "Договорились.", "Ладно."),
    ("manager", "Спасибо, Анна, всего доброго!", "Пока."),
)
USERS = (  # username, role, manager_id, display name
    ("owner", "owner", None, "Владелец"),
    ("rop", "head", None, "Руководитель отдела продаж"),
    ("ivan", "manager", "m101", "Иван Петров"),
    ("olga", "manager", "m102", "Ольга Смирнова"),
)
PASSWORD = "secret-pass"
MANAGERS = (("m101", "Иван Петров", "101", "Продажи"), ("m102", "Ольга Смирнова", "102", "Продажи"))
START = datetime(2025, 3, 3, 9, 0)


@dataclass(frozen=True, slots=True)
class UiData:
    db_path: Path
    call_ids: tuple[str, ...]
    audio_path: Path | None

    def calls_of(self, manager_id: str) -> tuple[str, ...]:
        idx = [m[0] for m in MANAGERS].index(manager_id)
        return self.call_ids[idx :: len(MANAGERS)]


def make_wav(path: Path, seconds: float = 30.0, rate: int = 8000) -> Path:
    """A quiet two-tone mono WAV, enough for a browser audio element to play and seek."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = int(seconds * rate)
    frames = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * (220 + 110 * (i // rate % 2)) * i / rate)))
        for i in range(n)
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def _lemmas(text: str) -> tuple[str, ...]:
    try:
        from scoring.text import lemmatize
    except ImportError:
        return tuple(text.lower().split())
    return tuple(lemmatize(text))


def _segments(call_no: int, good: bool) -> tuple[Segment, ...]:
    segs = []
    for idx, (speaker, good_text, weak_text) in enumerate(SCRIPT):
        text = good_text if good else weak_text
        start = idx * 2.2
        segs.append(Segment(
            idx=idx, speaker=speaker, start_s=start, end_s=start + 2.0, text=text,
            channel=0 if speaker == "manager" else 1, lemmas=_lemmas(text),
            avg_logprob=-0.3, no_speech_prob=0.01,
            low_confidence=(call_no % 5 == 4 and idx == 5),
        ))
    return tuple(segs)


def _criteria(segs: tuple[Segment, ...], good: bool, call_no: int) -> tuple[CriterionResult, ...]:
    out = []
    for cid, stage, title, weight, fatal, ev_idx in CRITERIA:
        verdict = "pass" if good or cid in ("forbidden_phrases",) or (call_no + weight) % 3 == 0 else "fail"
        if cid == "no_rudeness":
            verdict = "fail" if call_no % 7 == 6 else "pass"
        evidence = None
        if ev_idx is not None:
            s = segs[ev_idx]
            evidence = Evidence(ev_idx, s.start_s, s.end_s, s.text)
        out.append(CriterionResult(
            criterion_id=cid, verdict=verdict, points=weight if verdict == "pass" else 0,
            max_points=weight, evidence=evidence, confidence=0.9,
            reason="Найдено в реплике" if verdict == "pass" else "Не найдено",
            stage=stage, title=title, fatal=fatal,
        ))
    return tuple(out)


def _score(segs: tuple[Segment, ...], good: bool, call_no: int, version: str) -> CallScore:
    criteria = _criteria(segs, good, call_no)
    points = sum(c.points for c in criteria)
    max_points = sum(c.max_points for c in criteria)
    fatal = tuple(c.criterion_id for c in criteria if c.fatal and c.verdict == "fail")
    objection = ObjectionResult(
        kind="price" if good else "competitor_cheaper", segment_idx=7, start_s=segs[7].start_s,
        quote=segs[7].text, handling="value" if good else "discount", response_idx=8,
        response_quote=segs[8].text, confidence=0.8,
    )
    metrics = CallMetrics(
        manager_talk_ratio=0.45 if good else 0.7, longest_manager_monologue_s=12.0,
        manager_questions=4 if good else 1, manager_questions_per_min=2.0, interruptions=call_no % 3,
        silence_share=0.1, patience_s=0.8, manager_words_per_min=120, client_words_per_min=100,
    )
    return CallScore(
        RUBRIC_ID, version, 0.0 if fatal else round(100 * points / max_points, 1), points,
        max_points, criteria, (objection,), metrics, fatal,
    )


def _call(n: int, manager: tuple, audio_path: Path | None, start: datetime = START,
          version: str = RUBRIC_VERSION) -> Call:
    manager_id, _, ext, _ = manager
    good = n < len(MANAGERS) or n % 4 == 1
    segs = _segments(n, good)
    call_id = f"{n:04x}" + "c" * 12
    meta = CallMeta(
        started_at=start + timedelta(days=n // 2, hours=n % 8), direction="in" if n % 2 else "out",
        manager_ext=ext, client_number_masked="+7 *** ***-**-" + f"{n % 100:02d}",
    )
    flags = ("low_confidence",) if n % 5 == 4 else ()
    transcript = Transcript(segs, "ru", "test", flags)
    return Call(call_id, meta, transcript, segs[-1].end_s, 2, "audio" if audio_path else "import",
                None, True, manager_id, _score(segs, good, n, version))


_TEMPLATES: dict[tuple, UiData] = {}


def serve_from(monkeypatch, home: Path, data: UiData) -> UiData:
    """Point the UI at ``data``'s store (CALLQA_HOME = ``home``), as a test fixture returns it."""
    monkeypatch.setenv("CALLQA_HOME", str(home))
    monkeypatch.setenv("CALLQA_DB", str(data.db_path))
    return data


def build_store(db_path: str | Path, n_calls: int = 12, audio_dir: Path | None = None,
                users: bool = True, start: datetime = START,
                versions: tuple[str, str] = (OLD_RUBRIC_VERSION, RUBRIC_VERSION)) -> UiData:
    """A store at ``db_path`` with ``n_calls`` scored calls from ``start`` on, the rubric
    versions (old, current) and (optionally) users. Built once per test process for each shape
    and copied (a byte copy of a closed DuckDB file is that database); the recording of call 0
    stays in the first build's folder, which a run row marks as processed, so the player
    serves it."""
    key = (n_calls, audio_dir is not None, users, start, versions)
    if key not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="callqa-ui-template-"))
        atexit.register(shutil.rmtree, folder, True)  # the test process's copies outlive no run
        _TEMPLATES[key] = _build_store(folder / "callqa.duckdb", n_calls,
                                       folder / "audio" if audio_dir is not None else None, users,
                                       start, versions)
    template = _TEMPLATES[key]
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.db_path, db_path)
    return UiData(db_path, template.call_ids, template.audio_path)


def _build_store(db_path: Path, n_calls: int, audio_dir: Path | None, users: bool,
                 start: datetime = START,
                 versions: tuple[str, str] = (OLD_RUBRIC_VERSION, RUBRIC_VERSION)) -> UiData:
    old_version, version = versions
    db_path = Path(db_path)
    audio_path = make_wav(audio_dir / "out-89161234567-101-20250303-090000.wav") if audio_dir else None
    call_ids = []
    with db.writer(db_path) as con:
        writes.register_rubric_version(con, RUBRIC_ID, old_version, RUBRIC_YAML.replace("тест", "старая"))
        writes.register_rubric_version(con, RUBRIC_ID, version, RUBRIC_YAML)
        for m in MANAGERS:
            writes.upsert_manager(con, *m)
        for n in range(n_calls):
            call = _call(n, MANAGERS[n % len(MANAGERS)], audio_path if n == 0 else None, start, version)
            writes.write_call(con, call)
            if n == 0 and audio_path is not None:
                # the audio path only: UI tests need no recordings row
                con.execute("UPDATE calls SET path = ? WHERE call_id = ?", [str(audio_path), call.call_id])
            call_ids.append(call.call_id)
        # an older rubric version's score for call 0 must never show as current
        old = _score(_segments(0, False), False, 1, old_version)
        writes.write_score(con, call_ids[0], old)
    if audio_dir is not None:  # a batch ran over the folder: the player may serve its files
        runs.finish_run(db_path, runs.start_run(db_path, audio_dir), "completed", runs.RunCounts())
    if users:
        add_users(db_path)
    return UiData(db_path, tuple(call_ids), audio_path)


def add_users(db_path: Path) -> None:
    for username, role, manager_id, display in USERS:
        accounts.add_user(db_path, username, role, PASSWORD, manager_id=manager_id, display_name=display)


def user(username: str) -> accounts.User:
    for name, role, manager_id, display in USERS:
        if name == username:
            return accounts.User(name, role, manager_id, display)
    raise KeyError(username)


APP_TIMEOUT = 60  # seconds an AppTest run may take on a loaded 2-core machine


def call_page_app(username: str, call_id: str):
    """The «Звонок» page alone, signed in as ``username``, as a direct link /call?call_id=…
    opens it (an AppTest after its first run)."""
    from streamlit.testing.v1 import AppTest

    def script():
        from ui.call import call_page

        call_page()

    at = AppTest.from_function(script, default_timeout=APP_TIMEOUT)
    at.session_state["user"] = user(username)
    at.query_params["call_id"] = call_id
    return at.run()
