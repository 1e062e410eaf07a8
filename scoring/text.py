"""Russian text layer: tokens → lemmas, with numbers in digits and words made alike.

Scoring compares lemma sequences, never raw text, so "скидку", "скидки" and "скидочку" all
read "скидка", and "20%" reads the same as "двадцать процентов" (``<num:20> процент``).
The lemmas of a segment are stored as one space-joined string, so re-scoring never runs NLP.
spaCy (blank ``ru`` tokenizer only) and pymorphy3 are loaded lazily, once per process.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from core.numerals import HUNDREDS, TEENS, TENS, UNITS
from core.types import Segment, Transcript

QUESTION = "?"
NUM_PREFIX = "<num:"

# Diminutives and colloquial forms that pymorphy3 keeps as separate lemmas.
CANONICAL: dict[str, str] = {
    "скидочка": "скидка",
    "скидос": "скидка",
    "денежка": "деньги",
    "цена-качество": "цена",
    "ща": "сейчас",
    "щас": "сейчас",
    "договорённость": "договоренность",
    "руб": "рубль",
    "руб.": "рубль",
    "р.": "рубль",
    "тыс": "тысяча",
    "тыс.": "тысяча",
    "млн": "миллион",
    "млн.": "миллион",
}

_UNITS = {**UNITS, **TEENS, "полтора": 1.5}
_TENS = TENS
_HUNDREDS = HUNDREDS
_SCALES = {"тысяча": 1_000, "миллион": 1_000_000}
_NUMBER_WORDS = {**_UNITS, **_TENS, **_HUNDREDS}

_DIGITS_RE = re.compile(r"^\d+(?:[.,]\d+)?$")
_TIME_RE = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_WORD_RE = re.compile(r"[а-яёa-z]", re.IGNORECASE)
_ANY_NUM_IN_TOKEN = re.compile(r"^(\d+)([а-яёa-z%]+)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("ru").tokenizer


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def morph():
    """The process's one pymorphy3 analyser (loaded on first use)."""
    return _morph()


@lru_cache(maxsize=200_000)
def is_known(word: str) -> bool:
    """Whether pymorphy3's dictionary knows the word (cached: a batch asks about each word often)."""
    return _morph().word_is_known(word)


@lru_cache(maxsize=50_000)
def may_be_first_name(word: str) -> bool:
    """Some reading of the word is a first name, in any case and however unlikely: «Света»
    (first read as «свет»), «Тамары», «Гена»."""
    return len(word) >= 3 and any("Name" in p.tag for p in _morph().parse(word.lower()))


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Normal form of one word: lower case, ё folded to е, diminutives made canonical."""
    w = word.lower().replace("ё", "е")
    if w in CANONICAL:
        return CANONICAL[w]
    normal = _morph().parse(w)[0].normal_form.replace("ё", "е")
    return CANONICAL.get(normal, normal)


def num_token(value: float) -> str:
    v = int(value) if float(value).is_integer() else value
    return f"{NUM_PREFIX}{v}>"


def tokens(text: str) -> list[str]:
    """Surface tokens of ``text`` as the spaCy blank Russian tokenizer splits them."""
    return [t.text for t in _tokenizer()(text) if not t.is_space]


def lemmatize(text: str) -> tuple[str, ...]:
    """Lemma sequence of ``text``: words, ``<num:N>`` tokens, ``процент`` and ``?``."""
    raw: list[str] = []
    for tok in _join_digit_groups(tokens(text)):
        raw.extend(_token_lemmas(tok))
    return tuple(_fold_numbers(raw))


def _join_digit_groups(toks: list[str]) -> list[str]:
    """"5 000" is one number: glue three-digit groups onto the digits before them."""
    out: list[str] = []
    for tok in toks:
        if out and len(tok) == 3 and tok.isdigit() and out[-1].isdigit() and len(out[-1]) <= 3:
            out[-1] += tok
        else:
            out.append(tok)
    return out


def _token_lemmas(tok: str) -> list[str]:
    if tok == "?" or (tok.endswith("?") and not _WORD_RE.search(tok)):
        return [QUESTION]
    if tok == "%":
        return ["процент"]
    if m := _TIME_RE.match(tok):
        return [num_token(int(m.group(1))), num_token(int(m.group(2)))]
    if _DIGITS_RE.match(tok):
        return [num_token(float(tok.replace(",", ".")))]
    if m := _ANY_NUM_IN_TOKEN.match(tok):  # "20%", "5000р", "10-ти" parts
        rest = m.group(2).lower()
        out = [num_token(int(m.group(1)))]
        if rest == "%":
            out.append("процент")
        elif rest in ("к", "тыс"):
            out.append("тысяча")
        elif len(rest) > 2:
            out.append(lemma(rest))
        return out
    if not _WORD_RE.search(tok):
        return []  # punctuation, symbols
    if "-" in tok and tok.lower() not in CANONICAL:  # "ёлки-палки", "по-моему"
        return [lemma(part) for part in tok.split("-") if _WORD_RE.search(part)]
    return [lemma(tok)]


def _fold_numbers(raw: list[str]) -> list[str]:
    """Turn number words ("двадцать пять тысяч") and digit groups ("5 000") into one token."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        value, j = _read_number(raw, i)
        if j > i:
            out.append(num_token(value))
            i = j
        else:
            out.append(raw[i])
            i += 1
    return out


def _digit_value(tok: str) -> float | None:
    if tok.startswith(NUM_PREFIX):
        return float(tok[len(NUM_PREFIX):-1])
    return None


def _read_number(raw: list[str], i: int) -> tuple[float, int]:
    """Parse a number starting at ``raw[i]``; returns (value, index after it) or (0, i)."""
    total, current, j = 0.0, 0.0, i
    seen = False
    while j < len(raw):
        tok = raw[j]
        digit = _digit_value(tok)
        if digit is not None and not seen:
            current, seen, j = digit, True, j + 1
            continue
        if tok in _NUMBER_WORDS and (not seen or _fits(current, _NUMBER_WORDS[tok])):
            current, seen, j = current + _NUMBER_WORDS[tok], True, j + 1
            continue
        if tok in _HUNDREDS and seen and not total and 1 <= current < 100 and raw[j - 1] in _NUMBER_WORDS:
            # «две восемьсот», «сорок пять пятьсот»: a price in speech leaves «тысячи» unsaid
            total, current, j = current * 1000, float(_HUNDREDS[tok]), j + 1
            continue
        if tok in _SCALES and seen:
            total += (current or 1) * _SCALES[tok]
            current, j = 0.0, j + 1
            continue
        if tok in _SCALES and j + 1 < len(raw) and raw[j + 1] in _NUMBER_WORDS:
            total, seen, j = float(_SCALES[tok]), True, j + 1  # «тысяча двести», «по тысяче триста»
            continue
        break
    if not seen:
        return 0.0, i
    return total + current, j


def _fits(current: float, add: float) -> bool:
    """Whether a number word can extend the number read so far ("сто" + "двадцать")."""
    rest = current % 1000
    if add >= 100:
        return rest == 0
    if add >= 20 or add >= 10:
        return rest % 100 == 0
    return rest % 10 == 0 and rest % 100 not in range(10, 20)


_SURFACE_RE = re.compile(r"[0-9]+|[a-zа-яё]+")


def surface_words(text: str) -> tuple[str, ...]:
    """Word forms of ``text`` as written: lower case, ё → е, digits kept, punctuation and
    hyphens split off. A cheap regex (no spaCy), so re-scoring from stored text stays fast."""
    return tuple(_SURFACE_RE.findall(text.lower().replace("ё", "е")))


def lemma_string(text: str) -> str:
    return " ".join(lemmatize(text))


def prepare_transcript(transcript: Transcript) -> Transcript:
    """Fill ``Segment.lemmas`` for every segment; segments that already have lemmas are kept."""
    if all(s.lemmas or not s.text.strip() for s in transcript.segments):
        return transcript
    segments = tuple(
        s if s.lemmas else dataclasses.replace(s, lemmas=lemmatize(s.text))
        for s in transcript.segments
    )
    return dataclasses.replace(transcript, segments=segments)


def segment_with_lemmas(seg: Segment) -> Segment:
    return seg if seg.lemmas else dataclasses.replace(seg, lemmas=lemmatize(seg.text))


def other_reading(word: str) -> str | None:
    """The lemma a dictionary form is read as when that is another word: «дорогой» (the
    adjective as written) is read as «дорога» (the noun's instrumental), so a phrase «дорогой»
    would match «дорога» and not «дорогие». None when the word reads as itself."""
    w = word.lower().replace("ё", "е")
    if not w.isalpha() or w in CANONICAL:
        return None
    top = lemma(w)
    if top == w:
        return None
    norms = {p.normal_form.replace("ё", "е") for p in _morph().parse(w)}
    return top if w in norms else None
