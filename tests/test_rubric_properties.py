"""Property-based tests of rubric loading (issue 14, item 9): whatever a rubric file holds —
YAML-ish text, any YAML data, the shipped default rubric with lines or values broken, bytes
that are not UTF-8 — :func:`scoring.rubric.load_rubric` returns a Rubric or raises RubricError
(which `callqa rubric check` and the batch render as a message), never another exception."""

from __future__ import annotations

import copy
from functools import cache

import pytest
import yaml
from hypothesis import currently_in_test_context, event, given
from hypothesis import strategies as st

from core.errors import RubricError
from scoring.rubric import DEFAULT_RUBRIC, Rubric, check_rubric, load_rubric

# --- the file under test -----------------------------------------------------------------


@pytest.fixture(scope="module")
def rubric_file(tmp_path_factory):
    """One file, rewritten by every example (module-scoped: Hypothesis reruns the test body,
    not the fixture)."""
    return tmp_path_factory.mktemp("rubric") / "rubric.yaml"


def loads_or_says_why(path, content: str | bytes) -> Rubric | None:
    """Write ``content`` to ``path`` and load it: a Rubric, or None when RubricError (with a
    message) was raised. Any other exception fails the test. ``check_rubric`` must then list
    the problems too (not checked for a rubric that loads: it would double the slowest case)."""
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    try:
        rubric = load_rubric(path)
    except RubricError as exc:
        assert str(exc).strip(), "a RubricError must say what is wrong"
        problems = check_rubric(path)
        assert problems and all(isinstance(p, str) and p for p in problems)
        _count("RubricError")
        return None
    assert isinstance(rubric, Rubric) and rubric.criteria
    _count("loads")
    return rubric


def _count(outcome: str) -> None:
    """How often each outcome came up (``--hypothesis-show-statistics``): a strategy whose
    mutants never load, or always do, tests less than it seems."""
    if currently_in_test_context():
        event(outcome)


@cache
def default_text() -> str:
    return DEFAULT_RUBRIC.read_text(encoding="utf-8")


@cache
def default_data() -> dict:
    return yaml.safe_load(default_text())


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's when built: the dump is half the time


def dump(data) -> str:
    return yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)


# --- strategies --------------------------------------------------------------------------

_NO_SURROGATES = st.characters(blacklist_categories=("Cs",))
_YAML_PUNCTUATION = list(":-[]{},#&*!|>'\"%@`?=<~ \t\n") + ["- ", ": ", "\n  ", "\n- ", "---\n", "...\n",
                                                              "!!python/object:os.system", "&a", "*a", "<<: *a"]
yamlish_text = st.lists(st.sampled_from(_YAML_PUNCTUATION) | st.text(_NO_SURROGATES, max_size=6),
                        max_size=40).map("".join)

_RUBRIC_KEYS = ["id", "title", "stages", "criteria", "weight", "any", "all", "none", "unless", "metrics",
                "window", "first_s", "last_s", "first_turns", "last_turns", "speaker", "fatal", "min_hits",
                "min_words", "applies_when", "examples", "min_similarity", "detect", "fatal_policy",
                "not_applicable_phrases", "pass_reason", "fail_reason", "description"]
_scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**20) | st.floats()
            | st.text(_NO_SURROGATES, max_size=20) | st.dates()
            | st.sampled_from(["*", "<num>", "=", "==", "не", "questions >= 3", "talk_ratio <= x", "manager",
                               "self_introduction", "objection_raised", "меня зовут", "* скидка *", ""]))
_keys = st.sampled_from(_RUBRIC_KEYS) | st.text(_NO_SURROGATES, max_size=8) | st.integers(-5, 5)
yaml_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=25,
)


def _lines_edit(text: str, draw) -> str:
    """One edit of the rubric's lines: delete, duplicate, swap, re-indent, insert, cut."""
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "insert", "replace", "cut"]))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "indent":
        lines[i] = " " * draw(st.integers(1, 6)) + lines[i]
    elif op == "dedent":
        lines[i] = lines[i].lstrip()
    elif op == "insert":
        lines.insert(i, draw(yamlish_text))
    elif op == "replace":
        line = lines[i]
        a = draw(st.integers(0, len(line)))
        b = draw(st.integers(a, len(line)))
        lines[i] = line[:a] + draw(yamlish_text) + line[b:]
    else:  # a file cut off (a full disk, a copy that failed)
        return "\n".join(lines[:i]) + lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines)


@st.composite
def default_with_broken_lines(draw) -> str:
    text = default_text()
    for _ in range(draw(st.integers(1, 3))):
        text = _lines_edit(text, draw)
    return text


def _paths(node, prefix=()) -> list[tuple]:
    """Every place in the data: key paths to each dict value and list item."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _at(data, path):
    for key in path:
        data = data[key]
    return data


@st.composite
def default_with_broken_values(draw) -> str:
    """The default rubric's data with 1–3 values deleted, replaced, duplicated (a criterion
    id twice) or joined by unknown keys, written back as YAML."""
    data = copy.deepcopy(default_data())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        op = draw(st.sampled_from(["replace", "delete", "duplicate", "add_key", "wrap"]))
        if not path:
            data = draw(yaml_values) if op == "replace" else data
            continue
        parent, key = _at(data, path[:-1]), path[-1]
        if op == "replace":
            parent[key] = draw(yaml_values)
        elif op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "add_key" and isinstance(parent[key], dict):
            parent[key][draw(_keys)] = draw(yaml_values)
        elif op == "wrap":
            parent[key] = [parent[key]]
    return dump(data)


@st.composite
def not_utf8(draw) -> bytes:
    """The rubric as Excel/Notepad on Russian Windows saves it, or with stray bytes inside."""
    text = draw(default_with_broken_lines()) if draw(st.booleans()) else default_text()
    raw = text.encode("cp1251", errors="replace") if draw(st.booleans()) else text.encode("utf-8")
    at = draw(st.integers(0, len(raw)))
    return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]


# --- properties --------------------------------------------------------------------------


def test_the_shipped_rubric_loads(rubric_file):
    """The baseline the mutations start from is itself valid (so a mutant that loads is real)."""
    assert loads_or_says_why(rubric_file, default_text()) is not None


@given(text=yamlish_text)
def test_yamlish_text_loads_or_raises_rubric_error(rubric_file, text):
    loads_or_says_why(rubric_file, text)


@given(data=yaml_values)
def test_any_yaml_data_loads_or_raises_rubric_error(rubric_file, data):
    loads_or_says_why(rubric_file, dump(data))


@given(text=default_with_broken_lines())
def test_the_default_rubric_with_broken_lines_loads_or_raises_rubric_error(rubric_file, text):
    loads_or_says_why(rubric_file, text)


@given(text=default_with_broken_values())
@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_the_default_rubric_with_broken_values_loads_or_raises_rubric_error(rubric_file, text):
    loads_or_says_why(rubric_file, text)


@given(raw=not_utf8())
def test_bytes_that_are_not_utf8_load_or_raise_rubric_error(rubric_file, raw):
    loads_or_says_why(rubric_file, raw)


# --- the two faults these properties found, as examples ----------------------------------


def test_a_rubric_saved_as_windows_1251_is_refused_with_the_line_and_what_to_do(rubric_file):
    """It used to escape as UnicodeDecodeError (a traceback from `callqa rubric check`)."""
    rubric_file.write_bytes(default_text().encode("cp1251", errors="replace"))
    with pytest.raises(RubricError, match=r"rubric.yaml:1: the rubric is not UTF-8 text .*save it as UTF-8"):
        load_rubric(rubric_file)
    [problem] = check_rubric(rubric_file)
    assert "not UTF-8" in problem


def test_a_control_character_is_a_yaml_syntax_error_on_its_line(rubric_file):
    """It used to escape as yaml.reader.ReaderError (not a MarkedYAMLError)."""
    rubric_file.write_text(default_text().replace("fatal_policy: zero", "fatal_policy: zero\x1f"), encoding="utf-8")
    line = default_text().split("\n").index("fatal_policy: zero") + 1
    [problem] = check_rubric(rubric_file)
    assert problem == (f"{rubric_file}:{line}: YAML syntax error: character #x001f is not allowed in YAML "
                       "(a control or special character; delete it)")
    with pytest.raises(RubricError, match="#x001f"):
        load_rubric(rubric_file)
