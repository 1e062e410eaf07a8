"""Masking of phone and card numbers before any text is stored.

Numbers come written as digits ("+7 916 123-45-67", "4276 1234 5678 9012") or spoken as words
("восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь"). A run that
spells 7+ digits is a phone, 13+ a card; prices ("пять тысяч рублей", "20%") stay.
"""

from __future__ import annotations

import re

from core.numerals import HUNDREDS, TEENS, TENS, UNITS

PHONE_MASK = "[номер]"
CARD_MASK = "[карта]"

_UNITS, _TEENS, _TENS, _HUNDREDS = UNITS, TEENS, TENS, HUNDREDS
_NUMBER_WORDS = {**_UNITS, **_TEENS, **_TENS, **_HUNDREDS}
_MULTIPLIERS = re.compile(r"^(тысяч|тыс\b|миллион|млн|миллиард|рубл|руб\b|р\\.|процент|копе)", re.IGNORECASE)

# Digit runs with common separators; judged by how many digits they hold.
_DIGIT_RUN = re.compile(r"(?<![\w])\+?\d[\d\s\-().]{5,}\d(?![\w])")
# Runs that hold many digits but are no phone: amounts in thousand groups, dates.
_AMOUNT = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+")
_DATE = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")


_LEADING_WORDS = re.compile(
    r"(?<![А-Яа-яЁё])(?:(?:плюс|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r"|\d{1,3})[\s,\-]+)+"
    r"(\[номер\]|\[карта\])",
    re.IGNORECASE,
)


def mask_numbers(text: str) -> str:
    """Replace phone and card numbers (digits or words) with [номер] / [карта]."""
    masked = _mask_spoken(_DIGIT_RUN.sub(_mask_digit_run, text))
    # "восемь девятьсот 123-45-67": the spoken prefix belongs to the masked number
    return _LEADING_WORDS.sub(r"\1", masked)


def _mask_digit_run(m: re.Match) -> str:
    if _AMOUNT.fullmatch(m.group(0)) or _DATE.fullmatch(m.group(0)):
        return m.group(0)
    if _MULTIPLIERS.match(m.string[m.end() :].lstrip()) or m.string[m.end() :].lstrip()[:1] in ("₽", "%"):
        return m.group(0)  # an amount ("1 500 000 рублей"), not a number to hide
    digits = re.sub(r"\D", "", m.group(0))
    if len(digits) >= 13:
        return CARD_MASK
    if len(digits) >= 7:
        return PHONE_MASK
    return m.group(0)


def _spoken_digits(words: list[str]) -> int:
    """How many digits a run of number words spells, read as dictated groups
    ("девятьсот шестнадцать" = 916, "сорок пять" = 45, "один два" = 1 2)."""
    total, i = 0, 0
    while i < len(words):
        value = 0
        for table in (_HUNDREDS, _TENS, _TEENS, _UNITS):
            if i < len(words) and words[i] in table:
                if table is _UNITS and value % 100 >= 10 and value % 100 not in _TENS.values():
                    break  # after a teen a unit starts a new group
                value += table[words[i]]
                i += 1
                if table is _TEENS:
                    break
        total += len(str(value))
    return total


_NUMBERISH = re.compile(
    r"(?<![А-Яа-яЁё])(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")(?![А-Яа-яЁё])|\d+",
    re.IGNORECASE,
)


def _mask_spoken(text: str) -> str:
    if len(_NUMBERISH.findall(text)) < 3:
        return text  # a dictated number needs at least three number words
    tokens = list(re.finditer(r"[А-Яа-яЁё]+|\d+", text))
    out, last, i = [], 0, 0
    while i < len(tokens):
        j = i
        if tokens[j].group(0).lower() == "плюс":
            j += 1
        k = j
        while k < len(tokens) and (tokens[k].group(0).lower() in _NUMBER_WORDS or tokens[k].group(0).isdigit()):
            k += 1
        run = [t.group(0).lower() for t in tokens[j:k]]
        followed_by_amount = k < len(tokens) and _MULTIPLIERS.match(tokens[k].group(0))
        spoken = any(not w.isdigit() for w in run)  # digit-only runs were judged above
        if len(run) >= 3 and spoken and not followed_by_amount:
            digits = sum(len(w) if w.isdigit() else 0 for w in run) + _spoken_digits([w for w in run if not w.isdigit()])
            if digits >= 7:
                out.append(text[last : tokens[i].start()])
                out.append(CARD_MASK if digits >= 13 else PHONE_MASK)
                last = tokens[k - 1].end()
                i = k
                continue
        i = max(k, i + 1)
    out.append(text[last:])
    return "".join(out)
