"""The weekly digest reads like a РОП's report and goes out as Markdown, HTML, Excel, e-mail."""

from __future__ import annotations

import io
import shutil
import socket
from datetime import timedelta

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from core.config import load_config
from owner.digest import build_digest, plural, send_digest, to_html, to_markdown, to_xlsx
from tests.owner_data import AS_OF, PREV, WEEK, add_call, at, batch, event, feedback, new_store


@pytest.fixture(scope="module")
def week_store_file(tmp_path_factory):
    """14 calls played for 3 h 20 min; «у конкурентов дешевле» in 9 calls, 6 answered with a
    discount; m2 fell from 80 % to 50 %; one low call without feedback. Built once per module."""
    path = new_store(tmp_path_factory.mktemp("week"))
    with batch(path):
        for i in range(14):
            handling = "discount" if i < 6 else "value"
            objections = [("competitor_cheaper", handling)] if i < 9 else []
            cid = add_call(path, "m1", at(i % 5, 9 + i % 8), 85, objections=objections)
            event(path, cid, "played", at(i % 5, 18), played_s=200 * 60 / 14)
        for i in range(3):
            add_call(path, "m2", at(i, 9, week=PREV), 80)
        add_call(path, "m2", at(1, 12), 50)
        add_call(path, "m2", at(2, 12), 50)
        feedback(path, "m1", at(3, 12), None, "summary", acknowledged_at=at(4, 9))
    return path


@pytest.fixture
def week_store(home, week_store_file):
    """A copy of the week's store in this test's home."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "callqa.duckdb"
    shutil.copyfile(week_store_file, path)
    return load_config(overrides={"paths.db": str(path)})


@pytest.fixture(scope="module")
def week_digest(week_store_file):
    """The digest of the week's store (the renderers below only read it)."""
    return build_digest(load_config(overrides={"paths.db": str(week_store_file)}), "2026-W47")


def test_plural_forms():
    forms = ("звонок", "звонка", "звонков")
    assert [plural(n, forms) for n in (1, 2, 5, 11, 12, 21, 22, 25, 111)] == [
        "звонок", "звонка", "звонков", "звонков", "звонков", "звонок", "звонка", "звонков", "звонков"]


def test_digest_situation_conclusions_actions(week_store):
    d = build_digest(week_store, "2026-W47", now=AS_OF + timedelta(days=1))
    text = "\n".join(d.situation)
    assert "Прослушано 14 звонков (3 ч 20 мин)." in text
    assert ("Самая частая проблема — сравнение с конкурентами через цену (9 звонков): "
            "в 6 из 9 случаев менеджеры сразу дают скидку.") in text
    assert "За неделю 16 звонков" in text
    assert "Самое сильное снижение: Менеджер m2 — 50% (−30 п.)." in text
    assert "Обратная связь менеджерам: 1, из неё подтверждено 1." in text
    assert "Скидка стала ответом по умолчанию на «у конкурентов дешевле»: менеджеры не показывают ценность." \
        in d.conclusions
    assert "Разобрать отработку «у конкурентов дешевле» через ценность на планёрке, дать примеры из " \
           "библиотеки обучения." in d.actions
    assert "Вернуть еженедельную планёрку." in d.actions
    assert "Дать обратную связь по 2 звонкам с низкой оценкой." in d.actions


def test_a_rise_within_chance_is_called_not_proven_and_a_real_one_worked(home):
    path = new_store(home)
    given = at(0, 0, week=PREV)
    with batch(path):  # m1: 3/10 → 5/10 (within chance); m2: 1/10 → 10/10
        for manager, before, after in (("m1", 3, 5), ("m2", 1, 10)):
            for i in range(10):
                add_call(path, manager, given - timedelta(hours=i + 1),
                         verdicts={"summary": "pass" if i < before else "fail"})
                add_call(path, manager, given + timedelta(hours=i + 1),
                         verdicts={"summary": "pass" if i < after else "fail"})
            feedback(path, manager, given, None, "summary")
    d = build_digest(load_config(overrides={"paths.db": str(path)}), "2026-W47", now=AS_OF)
    assert ("Обратная связь: рост пока не доказан — Менеджер m1, «Резюме договорённостей», "
            "30% → 50% на 10 и 10 звонках до и после.") in d.conclusions
    assert "Обратная связь сработала: Менеджер m2 — «Резюме договорённостей», 10% → 100%." in d.conclusions


def test_markdown_and_html_carry_all_three_sections(week_digest):
    d = week_digest
    md, page = to_markdown(d), to_html(d)
    for title in ("## Ситуация", "## Выводы", "## Действия", "### Менеджеры", "### Возражения"):
        assert title in md
    assert "1. " in md and "| Менеджер m2 |" in md
    assert page.startswith("<!DOCTYPE html>") and "<h2>Действия</h2><ol>" in page
    assert "&lt;" not in d.title and "Прослушано 14 звонков" in page


def test_excel_digest_opens_with_text_and_tables(week_digest):
    d = week_digest
    wb = load_workbook(io.BytesIO(to_xlsx(d)))
    assert wb.sheetnames == ["Дайджест", "Менеджеры", "Возражения", "Критерии", "Красные флаги"]
    first = [c.value for c in wb["Дайджест"]["A"] if c.value]
    assert first[0] == d.title and "Ситуация" in first and "Действия" in first
    assert wb["Возражения"]["A2"].value == "у конкурентов дешевле"
    assert wb["Возражения"]["D2"].value == 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_digest_is_mailed_through_the_configured_smtp_server(week_store, week_digest):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    server = Controller(Keep(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        cfg = load_config(overrides={"paths.db": str(week_store.db_path), "smtp.host": "127.0.0.1",
                                     "smtp.port": port, "smtp.to": ["owner@example.com"]})
        assert send_digest(cfg, week_digest) == ["owner@example.com"]
    finally:
        server.stop()
    (msg,) = received
    assert msg["To"] == "owner@example.com"
    from email.header import decode_header, make_header

    assert "за 16–22 ноября 2026" in str(make_header(decode_header(msg["Subject"])))
    parts = {p.get_content_type(): p for p in msg.walk()}
    assert "text/html" in parts and "text/plain" in parts
    assert any(p.get_filename() == "callqa-2026-W47.xlsx" for p in msg.walk())
    text = parts["text/plain"].get_payload(decode=True).decode("utf-8")
    assert "Прослушано 14 звонков (3 ч 20 мин)." in text


def test_mail_without_smtp_settings_says_what_to_set(week_store, week_digest):
    from core.errors import CallQAError

    with pytest.raises(CallQAError, match="smtp.host"):
        send_digest(week_store, week_digest)


def test_cli_weekly_report_in_each_format(week_store, tmp_path):
    from cli.main import main

    runner = CliRunner()
    db_arg = ["--db", str(week_store.db_path)]
    md = runner.invoke(main, [*db_arg, "report", "weekly", "--week", WEEK.label])
    assert md.exit_code == 0, md.output
    assert "## Действия" in md.output
    out = tmp_path / "d.xlsx"
    xl = runner.invoke(main, [*db_arg, "report", "weekly", "--week", WEEK.label, "--format", "xlsx", "--out", str(out)])
    assert xl.exit_code == 0 and load_workbook(out).sheetnames[0] == "Дайджест"
    bad = runner.invoke(main, [*db_arg, "report", "weekly", "--week", "2026-47"])
    assert bad.exit_code == 1 and "ISO week" in bad.output
