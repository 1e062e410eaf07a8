"""The company vocabulary applied to the recogniser's text: a word Whisper misheard as a word
the dictionary does not know, one or two letters from a vocabulary term, is written as that term
(«патлетика» → «Атлетика», «окна комфот» → «Окна Комфорт», «аква дом» → «Аква-Дом»).

Only slips are corrected, never real words: a window is replaced only when one of its words is
unknown to the Russian dictionary (pymorphy3) and the window, spaces and hyphens removed, is
within :func:`max_edits` letters of the term or of one of its inflected forms, as written or
as it sounds (:func:`_sound`: reduced vowels and devoiced consonants count as the same letter) (a term the
dictionary knows — «Атлетика», «скидка» — is matched in every case form and written in the form
heard: «в атлетеке» → «в Атлетике»). Terms of under 5 letters are never corrected. The result
depends only on the text and the vocabulary, so transcripts stay deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MIN_LEN = 5  # terms shorter than this (letters, spaces and hyphens removed) are left alone
_WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*")


def max_edits(n: int) -> int:
    """Letters that may differ for a term of ``n`` letters: 1 up to 8, 2 from 9 on."""
    return 0 if n < MIN_LEN else 1 if n < 9 else 2


@dataclass(frozen=True, slots=True)
class _Term:
    written: str  # as in the vocabulary
    words: int  # how many words it has
    forms: tuple[tuple[str, str], ...]  # (key: lower case, no spaces/hyphens/ё; the form to write)
    sounds: tuple[str, ...]  # each form's key as it sounds (:func:`_sound`), in the same order


def correct(text: str, vocabulary: tuple[str, ...]) -> str:
    """``text`` with misheard vocabulary terms written as in the vocabulary."""
    terms = _terms(tuple(vocabulary or ()))
    if not terms or not text:
        return text
    tokens = list(_WORD_RE.finditer(text))
    if not tokens:
        return text
    words = [m.group(0) for m in tokens]
    i, replaced = 0, {}
    while i < len(words):
        best = None
        for term in terms:
            for n in {term.words, term.words + 1, max(1, term.words - 1)}:
                if i + n > len(words):
                    continue
                window = words[i:i + n]
                form = _match(window, term)
                if form is not None and (best is None or n > best[0]):
                    best = (n, form)
        if best is not None:
            n, form = best
            replaced[i] = (i + n, form)
            i += n
        else:
            i += 1
    if not replaced:
        return text
    pieces, pos, i = [], 0, 0
    while i < len(tokens):
        if i in replaced:
            end, form = replaced[i]
            pieces.append(text[pos:tokens[i].start()])
            pieces.append(form)
            pos = tokens[end - 1].end()
            i = end
        else:
            i += 1
    pieces.append(text[pos:])
    return "".join(pieces)


def _match(window: list[str], term: _Term) -> str | None:
    """The form of ``term`` the ``window`` of words is a slip of, or None."""
    key = _key("".join(window))
    if not any(not _known(w) for w in window):
        return None  # only real words: a different word, not a slip
    for form_key, form in term.forms:
        if key == form_key:
            return None if " ".join(window) == form else form  # the term, only spelt apart/together
    for as_sound in (False, True):  # the nearest form by letters first: «скитку» → «скидку»
        heard = _sound(key) if as_sound else key
        for (form_key, form), sound in zip(term.forms, term.sounds, strict=True):
            edits = max_edits(len(form_key))
            if edits and abs(len(key) - len(form_key)) <= edits and \
                    _distance(heard, sound if as_sound else form_key) <= edits:
                return form
    return None


_SOUND = str.maketrans({"о": "а", "е": "и", "э": "и", "я": "и", "ы": "и", "ю": "у",
                        "б": "п", "в": "ф", "г": "к", "д": "т", "ж": "ш", "з": "с", "ь": None, "ъ": None})


def _sound(key: str) -> str:
    """How a key sounds, roughly: unstressed vowels reduced (о → а, е/э/я/ы → и, ю → у),
    voiced consonants as voiceless, soft and hard signs dropped — the recogniser's slips in
    spelling what it heard («лебиона» → «Легиона», «докторы вид» → «Доктор Вет»). Doubled
    letters are kept: collapsing them let a misheard name («макцем») become «акциям»."""
    return key.translate(_SOUND)


@lru_cache(maxsize=64)
def _terms(vocabulary: tuple[str, ...]) -> tuple[_Term, ...]:
    out = []
    for term in vocabulary:
        term = term.strip()
        if len(_key(term)) < MIN_LEN or not _WORD_RE.fullmatch(term.replace(" ", "-").strip("-") or "-"):
            continue
        forms = {_key(term): term}
        words = term.split()
        if len(words) == 1 and "-" not in term:
            for form in _inflections(term):
                forms.setdefault(_key(form), form)
        out.append(_Term(term, len(words), tuple(forms.items()), tuple(_sound(k) for k in forms)))
    return tuple(out)


def _inflections(term: str) -> list[str]:
    """Every case form of a term the dictionary knows, capitalised like the term."""
    from scoring.text import morph

    lower = term.lower()
    parse = next((p for p in morph().parse(lower) if p.is_known and p.normal_form == lower.replace("ё", "е")), None)
    if parse is None:
        return []
    capital = term[:1].isupper()
    return [(f.word.capitalize() if capital else f.word) for f in parse.lexeme]


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text.lower().replace("ё", "е"))


def _known(word: str) -> bool:
    from scoring.text import is_known

    w = word.lower().replace("ё", "е")
    return all(is_known(part) for part in w.split("-") if part)


def _distance(a: str, b: str) -> int:
    from scoring.fuzzy import distance

    return distance(a, b)
