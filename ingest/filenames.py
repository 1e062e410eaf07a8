"""Call metadata from recording file names (Asterisk/FreePBX, MANGO OFFICE, Bitrix24, custom).

``parse_filename`` never raises: a name no template understands gives ``CallMeta()``.
The client's number is masked here (last two digits kept) and never leaves ingest in clear.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from core.types import CallMeta

log = logging.getLogger(__name__)

_EXT_RE = re.compile(r"^\d{2,5}$")  # a manager's internal extension
_PHONE_MIN_DIGITS = 6  # anything longer than an extension is an outside (client) number

# --- phone numbers ---------------------------------------------------------------------


def mask_phone(number: str | None) -> str:
    """Mask a phone number keeping only its last two digits: ``"+7 *** ***-**-67"``.

    Russian numbers (11 digits starting with 7/8, or 10 starting with 9) keep the familiar
    shape; other numbers become stars plus the last two digits. No digits gives ``""``.
    """
    digits = re.sub(r"\D", "", number or "")
    if not digits:
        return ""
    last2 = digits[-2:].rjust(2, "*")
    if (len(digits) == 11 and digits[0] in "78") or (len(digits) == 10 and digits[0] == "9"):
        return f"+7 *** ***-**-{last2}"
    return "*" * max(len(digits) - 2, 1) + last2


def _digits(token: str | None) -> str:
    return re.sub(r"\D", "", token or "")


def _is_ext(token: str | None) -> bool:
    return bool(token) and bool(_EXT_RE.match(_digits(token))) and len(_digits(token)) == len(
        token.lstrip("+")
    )


def _is_phone(token: str | None) -> bool:
    return len(_digits(token)) >= _PHONE_MIN_DIGITS


def _split_parties(a: str | None, b: str | None) -> tuple[str | None, str | None]:
    """(manager_ext, client_number) from two numbers in any order, by their length."""
    ext = next((t for t in (a, b) if _is_ext(t)), None)
    client = next((t for t in (a, b) if _is_phone(t)), None)
    return (_digits(ext) or None), client


def _direction_from_parties(src: str | None, dst: str | None) -> str | None:
    if _is_ext(src) and _is_phone(dst):
        return "out"
    if _is_phone(src) and _is_ext(dst):
        return "in"
    return None


# --- dates -------------------------------------------------------------------------------


def _parse_started(date: str | None, time: str | None) -> datetime | None:
    d, t = _digits(date), _digits(time) or "000000"
    if len(d) != 8 or len(t) not in (4, 6):
        return None
    try:
        return datetime.strptime(d + t.ljust(6, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("_", "T"))
    except ValueError:
        pass
    m = re.match(r"^(\d{4}-?\d{2}-?\d{2})[T _-]?(\d{2}[-:.]?\d{2}(?:[-:.]?\d{2})?)?", text)
    return _parse_started(m.group(1), m.group(2)) if m else None


_DIRECTION_WORDS = {
    "in": "in", "inbound": "in", "incoming": "in", "inc": "in", "вход": "in",
    "входящий": "in", "входящие": "in", "вх": "in",
    "out": "out", "outbound": "out", "outgoing": "out", "исх": "out", "исход": "out",
    "исходящий": "out", "исходящие": "out",
}


def normalize_direction(word: str | None) -> str | None:
    """``"Входящий"``, ``"incoming"``, ``"in"`` → ``"in"``; ``"Исходящий"``, ``"out"`` → ``"out"``."""
    w = (word or "").strip().lower()
    if not w:
        return None
    if w in _DIRECTION_WORDS:
        return _DIRECTION_WORDS[w]
    if w.startswith(("вход", "incom", "inbound")):
        return "in"
    if w.startswith(("исх", "outgo", "outbound", "обратн", "callback")):
        return "out"
    return None


def _meta(template: str, *, started=None, direction=None, ext=None, client=None, call_id=None,
          manager_name=None) -> CallMeta:
    return CallMeta(
        started_at=started,
        direction=direction,
        manager_ext=ext or None,
        client_number_masked=mask_phone(client) or None,
        external_id=call_id or None,
        manager_name=manager_name or None,
        template=template,
    )


# --- Asterisk / FreePBX --------------------------------------------------------------------
# FreePBX MixMonitor names: <kind>-<dst>-<src>-YYYYMMDD-HHMMSS-<uniqueid>.<ext>, where a party
# may be empty ("in--79161234567-…") or missing ("q-600-79161234567-…" has no agent).

_ASTERISK_RE = re.compile(
    r"^(?P<kind>in|out|rg|q|exten|external|internal|ondemand|conf|auto|g|force)"
    r"-(?P<parties>(?:[^-]*-){0,3}?)(?P<date>\d{8})-(?P<time>\d{6})(?:-(?P<id>[\w.]+))?$",
    re.IGNORECASE,
)
_INCOMING_KINDS = {"in", "rg", "q", "exten", "g"}
_OUTGOING_KINDS = {"out", "external"}
_GROUP_KINDS = {"rg", "q", "g"}  # dst is a ring group / queue number, not a manager


# FreePBX 2.x names: OUT<ext>-…, q<queue>-…, g<group>-…, or just <date>-<time>-<uniqueid>.
_ASTERISK_LEGACY_RE = re.compile(
    r"^(?:(?P<kind>OUT|IN|q|g)(?P<num>\d{2,5})-)?(?P<date>\d{8})-(?P<time>\d{6})"
    r"-(?P<id>\d+\.\d+)$"
)


def _parse_asterisk(stem: str) -> CallMeta | None:
    m = _ASTERISK_RE.match(stem)
    if not m:
        return _parse_asterisk_legacy(stem)
    kind = m["kind"].lower()
    parties = [p for p in m["parties"].split("-")[:-1]]
    dst = parties[0] if parties else None
    src = parties[1] if len(parties) > 1 else None
    # ondemand/conf/internal/auto/force: the name does not say who called whom.
    direction = "in" if kind in _INCOMING_KINDS else "out" if kind in _OUTGOING_KINDS else None
    if direction == "in":
        ext = None if kind in _GROUP_KINDS else (_digits(dst) if _is_ext(dst) else None)
        client = src if _is_phone(src) else None
    elif direction == "out":
        ext = _digits(src) if _is_ext(src) else None
        client = dst if _is_phone(dst) else None
    else:
        ext, client = _split_parties(dst, src)
    return _meta("asterisk", started=_parse_started(m["date"], m["time"]), direction=direction,
                 ext=ext, client=client, call_id=m["id"])


def _parse_asterisk_legacy(stem: str) -> CallMeta | None:
    m = _ASTERISK_LEGACY_RE.match(stem)
    if not m:
        return None
    kind = (m["kind"] or "").lower()
    direction = {"out": "out", "in": "in", "q": "in", "g": "in"}.get(kind)
    ext = m["num"] if kind in ("out", "in") else None
    return _meta("asterisk", started=_parse_started(m["date"], m["time"]), direction=direction,
                 ext=ext, call_id=m["id"])


# --- MANGO OFFICE ------------------------------------------------------------------------------
# Recordings downloaded from the MANGO OFFICE account ("Записи разговоров" → download) and by
# common export scripts: date, time, caller, callee and an optional employee name, separated
# by "_" or "__"; some exports prefix "mango" and/or a direction word, or append the record id.
#   2024-01-15__10-30-15__79161234567__101_ivanov.mp3
#   mango_20240115_103015_101_79161234567.mp3
#   mango_out_2024-01-15_10-30-15_101_79161234567_MToxMDE0.mp3

_MANGO_RE = re.compile(
    r"^(?:mango(?:[-_]?office)?_+)?(?:(?P<dir>in|out|incoming|outgoing|вход\w*|исх\w*)_+)?"
    r"(?P<date>\d{4}-\d{2}-\d{2}|\d{8})_+(?P<time>\d{2}-\d{2}-\d{2}|\d{6})_+"
    r"(?P<a>\+?\d{2,15})_+(?P<b>\+?\d{2,15})(?:_+(?P<rest>.+))?$",
    re.IGNORECASE,
)
_MANGO_ID_RE = re.compile(r"^mango(?:[-_]?office)?_+(?P<id>[A-Za-z0-9=+]{8,})$", re.IGNORECASE)


def _parse_mango(stem: str) -> CallMeta | None:
    m = _MANGO_RE.match(stem)
    if not m:
        idm = _MANGO_ID_RE.match(stem)
        return _meta("mango", call_id=idm["id"]) if idm else None
    src, dst = m["a"], m["b"]
    direction = normalize_direction(m["dir"]) or _direction_from_parties(src, dst)
    ext, client = _split_parties(src, dst)
    name, call_id = _mango_rest(m["rest"])
    return _meta("mango", started=_parse_started(m["date"], m["time"]), direction=direction,
                 ext=ext, client=client, call_id=call_id, manager_name=name)


def _mango_rest(rest: str | None) -> tuple[str | None, str | None]:
    """Trailing part: an employee name (letters) and/or a record id (digits or base64)."""
    name, call_id = None, None
    for part in (rest or "").split("_"):
        if not part:
            continue
        if re.fullmatch(r"[^\W\d_]+(?:[ .-][^\W\d_]+)*", part):
            name = part if name is None else f"{name} {part}"
        elif call_id is None:
            call_id = part
    return name, call_id


# --- Bitrix24 ---------------------------------------------------------------------------------
# Records saved from Bitrix24 telephony / call-detail exports and REST scripts:
#   call_20240115_103015_79161234567_101.mp3          (client, then employee extension)
#   call_20240115_103015_79161234567_101_12345.mp3    (… and the CRM record / activity id)
#   externalCall.2d0b9e6a81bd4d72a2c3.1705303815.mp3  (REST CALL_ID; ts = unix start time)
#   record_12345.mp3 / call_12345.mp3                  (record id only)

_BITRIX_RE = re.compile(
    r"^(?:call|record|rec|bx|b24|bitrix24?)[-_]+(?:(?P<dir>in|out|incoming|outgoing)[-_]+)?"
    r"(?P<date>\d{8}|\d{4}-\d{2}-\d{2})[-_]+(?P<time>\d{6}|\d{2}-\d{2}-\d{2})"
    r"(?:[-_]+(?P<a>\+?\d{2,15}))?(?:[-_]+(?P<b>\+?\d{2,15}))?(?:[-_]+(?P<id>[\w.]+))?$",
    re.IGNORECASE,
)
_BITRIX_EXTERNAL_RE = re.compile(r"^(?P<id>externalCall\.[0-9a-f]+\.(?P<ts>\d{9,10}))$", re.I)
_BITRIX_ID_RE = re.compile(r"^(?:call|record|rec)[-_]+(?P<id>\d{1,12})$", re.IGNORECASE)


def _parse_bitrix24(stem: str) -> CallMeta | None:
    if m := _BITRIX_EXTERNAL_RE.match(stem):
        return _meta("bitrix24", started=datetime.fromtimestamp(int(m["ts"])), call_id=m["id"])
    if m := _BITRIX_ID_RE.match(stem):
        return _meta("bitrix24", call_id=m["id"])
    m = _BITRIX_RE.match(stem)
    if not m:
        return None
    a, b = m["a"], m["b"]
    ext, client = _split_parties(a, b)
    # Bitrix24 names put the client first whatever the direction, so only a word says it.
    direction = normalize_direction(m["dir"])
    return _meta("bitrix24", started=_parse_started(m["date"], m["time"]), direction=direction,
                 ext=ext, client=client, call_id=m["id"])


# --- custom regex from config --------------------------------------------------------------------


@lru_cache(maxsize=8)
def _compile_custom(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        log.warning("ingest.custom_regex %r is not a valid regular expression: %s", pattern, exc)
        return None


def _parse_custom(stem: str, pattern: str) -> CallMeta | None:
    rx = _compile_custom(pattern)
    m = rx.search(stem) if rx else None
    if not m:
        return None
    g = {k: v for k, v in m.groupdict().items() if v}
    started = _parse_iso(g.get("started")) or _parse_started(g.get("date"), g.get("time"))
    ext, client = g.get("ext"), g.get("client")
    direction = normalize_direction(g.get("direction")) or _direction_from_parties(ext, client)
    return _meta("custom", started=started, direction=direction, ext=_digits(ext) or ext,
                 client=client, call_id=g.get("id"))


# --- entry ------------------------------------------------------------------------------------

TEMPLATES: dict[str, Callable[[str], CallMeta | None]] = {
    "asterisk": _parse_asterisk,
    "freepbx": _parse_asterisk,
    "mango": _parse_mango,
    "bitrix24": _parse_bitrix24,
}


def parse_filename(
    path: str | os.PathLike,
    templates: Iterable[str] = ("asterisk", "mango", "bitrix24"),
    custom_regex: str = "",
) -> CallMeta:
    """What the recording's file name says about the call; ``CallMeta()`` if nothing matches.

    The custom regex (config ``ingest.custom_regex``) is tried first, then ``templates`` in
    order. Unknown template names are logged and skipped. Never raises.
    """
    stem = _stem(Path(path).name)
    try:
        if custom_regex and (meta := _parse_custom(stem, custom_regex)):
            return meta
        for name in templates:
            parser = TEMPLATES.get(str(name).lower())
            if parser is None:
                log.warning("unknown ingest template %r; known: %s", name, ", ".join(TEMPLATES))
                continue
            if meta := parser(stem):
                return meta
    except Exception:  # a file name must never stop the batch
        log.exception("could not parse file name %s", path)
    return CallMeta()


def _stem(name: str) -> str:
    """File name without the audio extension (keeps dots inside Asterisk uniqueids)."""
    base, dot, ext = name.rpartition(".")
    return base if dot and ext.isalnum() and not ext.isdigit() else name
