"""Rubric files: YAML (Russian content, English keys) → a validated, lemmatised :class:`Rubric`.

Phrases are written in natural Russian and lemmatised at load time; ``*`` is a gap of up to
:data:`GAP_MAX` words and ``<num>`` matches any number. Every problem is reported with the
line it is on (YAML node marks), so ``callqa rubric check`` can point at it.

How a phrase matches (``scoring/matcher.py``) depends on its kind:

* ``free`` (the default): the words may come in any order, with up to :data:`FREE_EXTRA`
  other words among them, inside one turn («меня зовут» finds «зовут меня Ирина»). Words that
  belong to the next word stay in front of it, in order: «не» right before it («не знаю» never
  finds «знаю … не»), a preposition before it («к вам»).
* ``ordered``: a phrase with ``*`` or ``<num>``, or one written with a leading ``=``
  («=это менеджер»): the words in the written order, next to each other (gaps only where
  ``*`` stands).
* ``surface``: the phrases of a ``none`` list (forbidden words, rudeness) are compared as
  written, word form by word form (lower case, ё = е), in order, never approximately:
  «не знаю» does not find «вы не знаете», «мне всё равно» does not find «я всё равно возьму».
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from core.errors import RubricError
from scoring import fuzzy, text
from scoring.examples import Example, check_examples

RESOURCES = resources.files(__package__).joinpath("resources")
SCHEMA = RESOURCES.joinpath("rubric.schema.json")
DEFAULT_RUBRIC = RESOURCES.joinpath("default_rubric.yaml")  # used when scoring.rubric is empty
GAP = "*"
ANY_NUM = "<num>"
GAP_MAX = 4
EXACT = "="  # a leading "=" keeps a phrase's word order (no free order, no extra words)
WORD_FORMS = "=="  # a leading "==" matches the word forms as written (not lemmas)
FREE_EXTRA = 2  # other words allowed inside a free-order phrase's span
FREE, ORDERED, SURFACE = "free", "ordered", "surface"
NEGATION = "не"
# Words that belong to the word after them: kept in front of it in a free-order phrase.
GLUE = frozenset({
    NEGATION, "ни", "в", "во", "на", "к", "ко", "с", "со", "у", "о", "об", "обо", "от", "до",
    "по", "за", "из", "изо", "под", "над", "при", "для", "без", "про", "через", "перед",
})

METRIC_NAMES = (
    "questions", "open_questions", "words", "talk_ratio", "longest_monologue_s",
    "interruptions", "patience_s", "silence_share", "words_per_min",
    "objections", "objections_handled", "objections_handled_share", "objections_discount",
)
CONDITIONS = ("objection_raised", "no_objection", "direction_in", "direction_out", "stereo",
              "not_cut_by_client", "offer_discussed")
_CONDITION_RE = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Phrase:
    source: str  # as written, without a leading "="
    tokens: tuple[str, ...]  # lemmas (surface words for SURFACE); GAP and ANY_NUM are wildcards
    words: frozenset[str] = frozenset()  # the literal tokens, for a fast subset pre-check
    mode: str = ORDERED  # FREE | ORDERED | SURFACE (see the module doc)
    blocks: tuple[tuple[str, ...], ...] = ()  # FREE: word groups kept in order, in any order
    key: str = ""  # SURFACE: lemma of the first word form, so segments are ruled out by lemmas
    reads_as: str = ""  # a one-word phrase matched as written because its lemma is another word

    @classmethod
    def of(cls, source: str, surface: bool = False) -> Phrase:
        """``surface``: a `none`-list phrase, matched on word forms exactly as written (any
        phrase written with a leading ``==`` is matched that way too: «==уточню» is not
        «уточните»). A one-word phrase whose written dictionary form lemmatises to another word
        («дорогой» → «дорога») is matched as written too, so it does not find «дорогу»;
        ``rubric check`` warns about it (``reads_as``)."""
        text_ = source.strip()
        if text_.startswith(WORD_FORMS):
            text_, surface = text_[len(WORD_FORMS):].strip(), True
        exact = text_.startswith(EXACT)
        if exact:
            text_ = text_[len(EXACT):].strip()
        key = reads_as = ""
        if not surface and not exact:
            single = text.tokens(text_)
            if len(single) == 1 and (other := text.other_reading(single[0])):
                surface, reads_as = True, other
        if surface:
            tokens = surface_phrase(text_)
            mode = SURFACE
            first = next((t for t in tokens if t not in (GAP, ANY_NUM)), "")
            key = text.lemma(first) if first.isalpha() and tokens[0] == first else ""
        else:
            tokens = lemmatize_phrase(text_)
            mode = ORDERED if exact or GAP in tokens or ANY_NUM in tokens else FREE
            _register_fuzzy(text_, tokens)
        words = frozenset(t for t in tokens if t not in (GAP, ANY_NUM))
        return cls(text_, tokens, words, mode, _blocks(tokens) if mode == FREE else (), key, reads_as)


def reading_warnings(items) -> list[str]:
    """``rubric check`` warnings for one-word phrases matched only as written (``Phrase.reads_as``);
    ``items``: (where, phrases) pairs."""
    out = []
    for where, phrases in items:
        for p in phrases:
            if p.reads_as:
                out.append(f"{where}: «{p.source}» is read as another word («{p.reads_as}»), so it matches "
                           f"only this exact form; add the other forms you mean (e.g. the feminine or plural) "
                           f"or write «=={p.source}» to silence this warning")
    return out


@dataclass(frozen=True, slots=True)
class Window:
    first_s: float | None = None  # from the speaker's first word
    last_s: float | None = None  # up to the speaker's last word
    first_turns: int | None = None  # the speaker's first N turns
    last_turns: int | None = None

    def describe(self) -> str:
        if self.first_s is not None:
            return f"в первые {self.first_s:g} секунд"
        if self.last_s is not None:
            return f"в последние {self.last_s:g} секунд"
        if self.first_turns is not None:
            return f"в первых {self.first_turns} репликах"
        if self.last_turns is not None:
            return f"в последних {self.last_turns} репликах"
        return "за весь звонок"


@dataclass(frozen=True, slots=True)
class Condition:
    metric: str
    op: str
    value: float
    source: str

    def holds(self, actual: float | None) -> bool:
        if actual is None:
            return False
        return {
            ">=": actual >= self.value, "<=": actual <= self.value, ">": actual > self.value,
            "<": actual < self.value, "==": actual == self.value, "!=": actual != self.value,
        }[self.op]


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    stage: str
    speaker: str  # manager | client | any
    window: Window
    any: tuple[Phrase, ...] = ()
    all: tuple[tuple[Phrase, ...], ...] = ()  # every group must match; a group is alternatives
    none: tuple[Phrase, ...] = ()
    unless: tuple[Phrase, ...] = ()  # a `none` hit in a segment that also matches these is excused
    metrics: tuple[Condition, ...] = ()
    min_hits: int = 1
    min_words: int = 3
    weight: float = 1.0
    fatal: bool = False
    applies_when: tuple[str, ...] = ()
    detect: str = ""  # a built-in detector (scoring.detectors) that also passes the criterion
    classifier: str = ""  # a shipped turn classifier that passes alone when sure, and must confirm a rule pass
    examples: tuple[Example, ...] = ()  # utterances matched by meaning (scoring.examples)
    min_similarity: float | None = None  # per-criterion threshold (default scoring.example_similarity)
    pass_reason: str = ""
    fail_reason: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Rubric:
    rubric_id: str
    title: str
    version: str  # sha256 of the file text
    yaml_text: str
    criteria: tuple[Criterion, ...]
    stages: tuple[tuple[str, str], ...] = ()  # (stage id, title)
    not_applicable_phrases: tuple[Phrase, ...] = ()
    fatal_policy: str = "zero"  # zero: a fatal failure makes the score 0 | list: only listed
    path: str = ""

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load and validate a rubric file (None: the default rubric shipped with callqa); raises
    RubricError listing every problem with its line."""
    path = Path(str(DEFAULT_RUBRIC)) if path is None else Path(path)
    rubric, errors = parse_rubric(_read_text(path), str(path))
    if errors:
        raise RubricError(f"Rubric {path} has {len(errors)} error(s):\n" + "\n".join(errors))
    assert rubric is not None
    return rubric


def check_rubric(path: str | Path | None = None) -> list[str]:
    """All problems of a rubric file (None: the shipped default) as ``file:line: message``
    strings (empty when valid)."""
    path = Path(str(DEFAULT_RUBRIC)) if path is None else Path(path)
    try:
        return parse_rubric(_read_text(path), str(path))[1]
    except RubricError as exc:
        return [str(exc)]


def _read_text(path: Path) -> str:
    """The rubric file as text; RubricError when it cannot be read or is not UTF-8 (a rubric
    saved as Windows-1251 is refused rather than guessed: read wrongly, every Russian phrase
    would silently match nothing)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"Cannot read rubric {path}: {exc}. Check the path (scoring.rubric).") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RubricError(f"{path}:{line}: the rubric is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                          "save it as UTF-8 (e.g. «Сохранить как» → UTF-8 in Notepad).") from exc


def example_warnings(rubric: Rubric) -> list[str]:
    """Examples closer to another criterion's examples than to their own, and one-word phrases
    read as another word (``rubric check``)."""
    phrases = ((c.id, c.any + c.none + c.unless + tuple(p for g in c.all for p in g)) for c in rubric.criteria)
    return check_examples({c.id: c.examples for c in rubric.criteria if c.examples})[1] + reading_warnings(phrases)


def parse_rubric(yaml_text: str, name: str = "<rubric>") -> tuple[Rubric | None, list[str]]:
    try:
        node = yaml.compose(yaml_text)
        data = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return None, [f"{name}:{line}: YAML syntax error: {exc.problem or exc}"]
    except yaml.reader.ReaderError as exc:  # a control or special character YAML does not allow
        line = yaml_text.count("\n", 0, exc.position) + 1
        return None, [f"{name}:{line}: YAML syntax error: character #x{exc.character:04x} is not allowed "
                      "in YAML (a control or special character; delete it)"]
    lines = LineFinder(node)
    errors = [
        f"{name}:{lines.line(list(e.absolute_path))}: {_path_text(e.absolute_path)}{e.message}"
        for e in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if errors:
        return None, errors
    builder = _Builder(name, lines)
    rubric = builder.build(data, yaml_text)
    return (None, builder.errors) if builder.errors else (rubric, [])


def lemmatize_phrase(source: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in re.split(r"(\*|<num>)", source):
        if part in (GAP, ANY_NUM):
            out.append(part)
        elif part.strip():
            out.extend(t for t in text.lemmatize(part) if t != text.QUESTION)
    return tuple(out)


def surface_phrase(source: str) -> tuple[str, ...]:
    """Word forms of a `none` phrase (lower case, ё → е), with ``*`` and ``<num>`` kept."""
    out: list[str] = []
    for part in re.split(r"(\*|<num>)", source):
        if part in (GAP, ANY_NUM):
            out.append(part)
        else:
            out.extend(text.surface_words(part))
    return tuple(out)


def _blocks(tokens: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Split a free-order phrase into groups: a GLUE word joins the word after it (a trailing
    one, as in «в отличие от», joins the group before)."""
    blocks: list[tuple[str, ...]] = []
    current: list[str] = []
    for token in tokens:
        current.append(token)
        if token not in GLUE:
            blocks.append(tuple(current))
            current = []
    if current:
        if blocks:
            blocks[-1] += tuple(current)
        else:
            blocks.append(tuple(current))
    return tuple(blocks)


def _register_fuzzy(source: str, tokens: tuple[str, ...]) -> None:
    """Phrase words (and, where they line up one to one, their written forms) for the
    one-letter-slip layer: «дороговато» reads «дороговатый», and both spellings are kept."""
    lemmas = [t for t in tokens if t not in (GAP, ANY_NUM) and not t.startswith(text.NUM_PREFIX)]
    for lemma in lemmas:
        fuzzy.register(lemma, lemma)
    if GAP in tokens or ANY_NUM in tokens:
        return
    written = text.surface_words(source)
    if len(written) == len(tokens) == len(lemmas):
        for form, lemma in zip(written, lemmas, strict=True):
            fuzzy.register(form, lemma)


def rubric_version(yaml_text: str) -> str:
    return hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()


# --- internals ---------------------------------------------------------------------------

_schema_cache: list = []


def _validator():
    if not _schema_cache:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        _schema_cache.append(jsonschema.Draft202012Validator(schema))
    return _schema_cache[0]


def _path_text(path) -> str:
    parts = list(path)
    return ("/".join(map(str, parts)) + ": ") if parts else ""


class LineFinder:
    """Maps a JSON path (keys / indexes) to the 1-based line of that YAML node."""

    def __init__(self, root):
        self.root = root

    def line(self, path: list) -> int:
        node = self.root
        best = node.start_mark.line + 1 if node is not None else 0
        for key in path:
            node = self._child(node, key)
            if node is None:
                break
            best = node.start_mark.line + 1
        return best

    @staticmethod
    def _child(node, key):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    return v
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            return node.value[key]
        return None


class _Builder:
    def __init__(self, name: str, lines: LineFinder):
        self.name, self.lines, self.errors = name, lines, []

    def error(self, path: list, message: str) -> None:
        self.errors.append(f"{self.name}:{self.lines.line(path)}: {message}")

    def build(self, data: dict, yaml_text: str) -> Rubric:
        criteria, stages, seen = [], [], set()
        for si, stage in enumerate(data["stages"]):
            stages.append((stage["id"], stage.get("title", stage["id"])))
            for ci, raw in enumerate(stage["criteria"]):
                path = ["stages", si, "criteria", ci]
                if raw["id"] in seen:
                    self.error([*path, "id"], f"criterion id '{raw['id']}' is used twice")
                seen.add(raw["id"])
                criteria.append(self.criterion(raw, stage["id"], path))
        na = tuple(self.phrase(p, ["not_applicable_phrases", i])
                   for i, p in enumerate(data.get("not_applicable_phrases", [])))
        return Rubric(
            rubric_id=data["id"], title=data.get("title", data["id"]),
            version=rubric_version(yaml_text), yaml_text=yaml_text, criteria=tuple(criteria),
            stages=tuple(stages), not_applicable_phrases=na,
            fatal_policy=data.get("fatal_policy", "zero"), path=self.name,
        )

    def criterion(self, raw: dict, stage: str, path: list) -> Criterion:
        def phrases(key, surface=False):
            return tuple(self.phrase(p, [*path, key, i], surface) for i, p in enumerate(raw.get(key, [])))

        all_groups = tuple(
            tuple(self.phrase(p, [*path, "all", gi, pi]) for pi, p in enumerate(g if isinstance(g, list) else [g]))
            for gi, g in enumerate(raw.get("all", []))
        )
        conditions = tuple(self.condition(c, [*path, "metrics", i]) for i, c in enumerate(raw.get("metrics", [])))
        c = Criterion(
            id=raw["id"], title=raw.get("title", raw["id"]), stage=stage,
            speaker=raw.get("speaker", "manager"), window=Window(**raw.get("window", {})),
            any=phrases("any"), all=all_groups, none=phrases("none", surface=True), unless=phrases("unless"),
            metrics=conditions, min_hits=int(raw.get("min_hits", 1)),
            min_words=int(raw.get("min_words", 3)), weight=float(raw.get("weight", 1)),
            fatal=bool(raw.get("fatal", False)), applies_when=tuple(raw.get("applies_when", [])),
            detect=str(raw.get("detect", "")), classifier=str(raw.get("classifier", "")),
            examples=tuple(Example.of(str(e)) for e in raw.get("examples", [])),
            min_similarity=float(raw["min_similarity"]) if "min_similarity" in raw else None,
            pass_reason=raw.get("pass_reason", ""), fail_reason=raw.get("fail_reason", ""),
            line=self.lines.line(path),
        )
        if not (c.any or c.all or c.none or c.metrics or c.detect or c.examples):
            self.error(path, f"criterion '{c.id}' needs at least one of any / all / none / metrics / detect / examples")
        if c.examples:
            errors, _ = check_examples({c.id: c.examples})
            for message in errors.get(c.id, []):
                self.error([*path, "examples"], f"criterion '{c.id}': {message}")
        if c.min_hits > max(1, len(c.any)):
            self.error([*path, "min_hits"], f"min_hits {c.min_hits} is more than the {len(c.any)} phrases in `any`")
        return c

    def phrase(self, source: str, path: list, surface: bool = False) -> Phrase:
        phrase = Phrase.of(str(source), surface=surface)
        tokens = phrase.tokens
        if not phrase.words and ANY_NUM not in tokens:
            self.error(path, f"phrase {source!r} has no words")
        if tokens and (tokens[0] == GAP or tokens[-1] == GAP):
            self.error(path, f"phrase {source!r} cannot start or end with '*'")
        return phrase

    def condition(self, source: str, path: list) -> Condition:
        m = _CONDITION_RE.match(str(source))
        if not m:
            self.error(path, f"metric condition {source!r} must look like 'questions >= 3'")
            return Condition("questions", ">=", 0, str(source))
        if m.group(1) not in METRIC_NAMES:
            self.error(path, f"unknown metric '{m.group(1)}'; known: {', '.join(METRIC_NAMES)}")
        return Condition(m.group(1), m.group(2), float(m.group(3)), str(source))
