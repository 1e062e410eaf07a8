"""Rubric files: the bundled one is valid; broken ones are reported with line numbers."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.scoring import rubric_check
from core.errors import RubricError
from scoring import check_rubric, load_rubric
from scoring.rubric import DEFAULT_RUBRIC

DEFAULT = Path(str(DEFAULT_RUBRIC))
SHARED_IDS = {"greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
              "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness"}

BROKEN = """\
id: broken
stages:
  - id: contact
    criteria:
      - id: greeting
        title: Приветствие
        weight: 10
        window: {first_s: 30}
        any: [здравствуйте]
      - id: greeting
        title: Дубль
        weight: ten
        any: [привет]
      - id: questions
        title: Вопросы
        weight: 5
        metrics:
          - questionz >= 3
"""


def test_the_bundled_rubric_is_valid_and_uses_the_shared_ids():
    r = load_rubric(DEFAULT)
    assert {c.id for c in r.criteria} == SHARED_IDS
    assert r.criterion("no_rudeness").fatal
    assert r.criterion("objection_handling").applies_when == ("objection_raised",)
    assert len(r.version) == 64


def test_schema_errors_name_the_line(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text(BROKEN, encoding="utf-8")
    errors = check_rubric(p)
    assert any(e.startswith(f"{p}:12:") and "'ten'" in e for e in errors), errors


def test_semantic_errors_name_the_line(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text(BROKEN.replace("weight: ten", "weight: 10"), encoding="utf-8")
    errors = check_rubric(p)
    assert any(":10:" in e and "used twice" in e for e in errors), errors
    assert any(":18:" in e and "unknown metric 'questionz'" in e for e in errors), errors
    with pytest.raises(RubricError, match="used twice"):
        load_rubric(p)


def test_yaml_syntax_errors_name_the_line(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("id: x\nstages:\n  - id: a\n    criteria: [\n", encoding="utf-8")
    (error,) = check_rubric(p)
    assert error.startswith(f"{p}:5:") and "YAML" in error


def test_rubric_check_command_exits_1_with_errors(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(rubric_check, [str(p)])
    assert result.exit_code == 1 and ":12:" in result.output
    ok = CliRunner().invoke(rubric_check, [str(DEFAULT)])
    assert ok.exit_code == 0 and "10 criteria" in ok.output


def test_version_is_the_sha256_of_the_text(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text(DEFAULT.read_text(encoding="utf-8") + "\n# comment\n", encoding="utf-8")
    assert load_rubric(p).version != load_rubric(DEFAULT).version
