"""Teaching by examples: a criterion or objection kind with `examples:` passes / fires on a
paraphrase, not on an unrelated turn; bad examples are rubric errors; the embeddings load
offline from the package."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from cli.scoring import rubric_check
from core.types import CallMeta
from scoring import examples, score_call
from scoring.objections import DEFAULT_CATALOGUE, load_catalogue
from scoring.rubric import parse_rubric
from tests.paths import REPO_ROOT
from tests.scoring_calls import scorer, transcript

INSTALMENT_RUBRIC = """
id: instalment
stages:
  - id: offer
    criteria:
      - id: instalment
        title: Предложил рассрочку
        weight: 1
        min_words: 0
        examples:
          - можем оформить рассрочку без переплаты
          - платёж можно разбить на несколько месяцев без процентов
        pass_reason: Предложил рассрочку
"""


def _score(rubric, manager_line: str):
    lines = [("manager", "Добрый день, слушаю вас."), ("client", "Здравствуйте, хочу диван."),
             ("manager", manager_line), ("client", "Понятно, спасибо.")]
    s = scorer()
    return score_call(transcript(lines), CallMeta(direction="in"), 24.0, 2, rubric,
                      s.catalogue, s.model)


def _rubric(text_: str):
    rubric, errors = parse_rubric(text_)
    assert not errors, errors
    return rubric


@pytest.mark.parametrize("said", [
    "Оплату можно растянуть на полгода, без процентов.",
    "рассрочку оформим прямо в магазине без переплаты",
])
def test_criterion_taught_by_examples_passes_on_a_paraphrase(said):
    r = _score(_rubric(INSTALMENT_RUBRIC), said).criteria[0]
    assert r.verdict == "pass"
    assert "похоже на пример: «" in r.reason
    assert r.confidence < 0.9  # below a phrase hit
    assert r.evidence is not None and r.evidence.quote == said


@pytest.mark.parametrize("said", ["У нас есть доставка по городу.", "Какой цвет вам нравится?"])
def test_criterion_taught_by_examples_fails_on_an_unrelated_turn(said):
    assert _score(_rubric(INSTALMENT_RUBRIC), said).criteria[0].verdict == "fail"


def test_min_similarity_overrides_the_global_threshold():
    strict = _rubric(INSTALMENT_RUBRIC.replace("        examples:", "        min_similarity: 0.95\n        examples:"))
    assert _score(strict, "Оплату можно растянуть на полгода, без процентов.").criteria[0].verdict == "fail"


@pytest.mark.parametrize("bad, message", [
    ("          - '   '", "examples"),  # blank
    ("          - и а но", "no content word"),  # function words only
    ("          - qwzx brrrk", "no content word"),  # unknown words
])
def test_rubric_check_rejects_bad_examples(tmp_path, bad, message):
    text_ = INSTALMENT_RUBRIC.replace("          - можем оформить рассрочку без переплаты", bad)
    p = tmp_path / "r.yaml"
    p.write_text(text_, encoding="utf-8")
    result = CliRunner().invoke(rubric_check, [str(p)])
    assert result.exit_code == 1
    assert message in result.output and "r.yaml:" in result.output


def test_rubric_check_warns_when_an_example_sits_with_another_criterion(tmp_path):
    text_ = INSTALMENT_RUBRIC + """      - id: delivery
        title: Предложил доставку
        weight: 1
        examples:
          - привезём диван домой бесплатно
          - рассрочка без переплаты на полгода
"""
    p = tmp_path / "r.yaml"
    p.write_text(text_, encoding="utf-8")
    result = CliRunner().invoke(rubric_check, [str(p)])
    assert result.exit_code == 0, result.output
    assert "warning: delivery: example «рассрочка без переплаты на полгода» is closer to instalment" in result.output


def test_objection_kind_taught_by_examples(tmp_path):
    src = DEFAULT_CATALOGUE.read_text(encoding="utf-8")
    extra = """  - id: warehouse_full
    title: Нет места на складе
    triggers: [склад забит под завязку]
    examples:
      - у нас склад переполнен, ставить некуда
      - нет свободного места для хранения
"""
    p = tmp_path / "objections.yaml"
    p.write_text(src.replace("kinds:\n", "kinds:\n" + extra, 1), encoding="utf-8")
    cat = load_catalogue(p)
    s = scorer()
    lines = [("manager", "Предлагаю взять партию побольше, выйдет выгоднее."),
             ("client", "Да нам хранить негде, места на складе свободного нет."),
             ("manager", "Понимаю. А какой объём помещается?")]
    result = score_call(transcript(lines), CallMeta(direction="out"), 18.0, 2, s.default, cat, s.model)
    found = [o for o in result.objections if o.kind == "warehouse_full"]
    assert found and any(h.startswith("example: похоже на пример") for h in found[0].rule_hits)


def test_similarity_drops_function_words():
    lem = examples.Example.of
    a, b, c = lem("как к вам обращаться"), lem("подскажите ваше имя"), lem("сколько метров у вас кухня")
    assert examples.known_words(a.lemmas) == ["обращаться"]
    assert examples.similarity(a.lemmas, b.lemmas) > examples.similarity(a.lemmas, c.lemmas)


def test_embeddings_load_offline_from_the_package():
    """No network: sockets refused, HF_HUB_OFFLINE=1; the vectors come from the package."""
    code = textwrap.dedent("""
        import socket
        def refuse(*a, **k):
            raise OSError("network disabled in this test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from scoring import examples
        assert "scoring" in str(examples.NAVEC_PATH) and examples.NAVEC_PATH.is_file()
        e = examples.Example.of("у нас уже есть поставщик")
        assert examples.known_words(e.lemmas) == ["уже", "поставщик"]
        print("ok")
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
