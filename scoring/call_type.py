"""Call type, decided before any criterion: is this a two-sided sales/service conversation?

:func:`classify_call` returns a :class:`CallType` — ``sales`` (score it) or one of the
not-applicable types of docs/labelling.md («Call type»): ``no_speech``, ``ivr``,
``voicemail``, ``robocall``, ``non_russian``, ``wrong_number``, ``call_back_later``,
``too_short``. Every non-sales type comes with a Russian reason in plain words, shown on the
call page and in the calls list.

The evidence is general: Whisper's stock hallucinations on silence are dropped first; then
recorded-message phrases (``resources/call_types.yaml`` plus the rubric's
``not_applicable_phrases``) with no live exchange next to them, the share of Cyrillic letters,
cue phrases of a wrong number or of a client who cannot talk *only* in a short call, and the
amount of speech per side. The rules are conservative on purpose: scoring a non-sales call
is a smaller harm than hiding a real sales call, so every "not applicable" rule needs both a
cue and a small conversation (or no conversation at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from core.types import Transcript
from scoring.matcher import SegmentWords, find_all_distinct, find_any
from scoring.rubric import Phrase
from scoring.text import is_known, lemma, surface_words

RULES_FILE = resources.files(__package__).joinpath("resources", "call_types.yaml")

SALES = "sales"
CALL_TYPES = (
    SALES, "ivr", "voicemail", "robocall", "wrong_number", "call_back_later", "non_russian",
    "too_short", "no_speech",
)
RECORDED_KINDS = ("voicemail", "ivr", "robocall")  # tie-break order when hits are equal

REASONS_RU = {
    "no_speech": "Нет речи в записи (только шум или тишина)",
    "ivr": "Голосовое меню или очередь ожидания: живого разговора не было",
    "voicemail": "Автоответчик или сообщение оператора связи: живого разговора не было",
    "robocall": "Рекламный робот / автоматический обзвон: живого собеседника не было",
    "non_russian": "Разговор не на русском языке",
    "wrong_number": "Ошиблись номером: разговор закончился, не начавшись",
    "call_back_later": "Клиент попросил перезвонить, разговора о деле не было",
    "too_short": "Слишком короткий звонок: меньше 10 секунд речи",
}
TOO_FEW_WORDS_RU = "Слишком короткий звонок: собеседники почти ничего не сказали"
ONE_SIDED_RU = "Говорила только одна сторона: живого разговора не было"

# --- thresholds (all in one place; words are lemmas of live, non-hallucinated segments) ----
HALLUCINATION_EXTRA_WORDS = 5   # «Субтитры сделал DimaTorzok»: the phrase plus a credit
MIN_LIVE_CLIENT_WORDS = 5       # fewer live client words next to a recorded message: nobody answered
MIN_LIVE_WORDS_UNKNOWN = 15     # mono/unknown roles: live words (any speaker) that make a conversation
MIN_LIVE_SEGMENTS_UNKNOWN = 2
MIN_SPEECH_S = 10.0             # under this much speech in total: too short
MIN_WORDS = 8                   # under this many words in total: too short
MIN_TURNS_PER_SIDE = 2          # a side with fewer turns than this …
SHORT_EXCHANGE_WORDS = 15       # … in a call with fewer words than this: too short
QUIET_SIDE_MAX_WORDS = 3        # a side that said at most «алло, алло» is silent
ONE_SIDED_MAX_WORDS = 60        # manager-only speech under this: too short (longer stays sales)
MIN_AD_MARKERS = 2
MIN_LETTERS = 40                # language is judged on at least this many letters
MIN_CYRILLIC_SHARE = 0.5
MIN_RUSSIAN_WORD_SHARE = 0.5    # Cyrillic text whose words the Russian dictionary mostly lacks
MIN_WORDS_FOR_DICTIONARY = 12   # … judged on at least this many words
MAX_OTHER_CYRILLIC_SHARE = 0.02  # і ї є ґ ў ә қ ң ө ұ ү һ: Ukrainian, Belarusian, Kazakh …
MIN_WORDS_FOR_LANGUAGE_TAG = 15
WRONG_NUMBER_MAX_WORDS = 80     # a wrong-number call is short …
WRONG_NUMBER_MAX_TURNS_AFTER = 4  # … and ends within a few turns of the cue,
WRONG_NUMBER_POLITE_WORDS = 140   # or, with a few polite sentences after it and nothing about
WRONG_NUMBER_POLITE_TURNS = 8     # the offer, within this many words and turns, said at once
WRONG_NUMBER_POLITE_CUE_TURN = 2  # (by the call's third turn), the manager apologising and
WRONG_NUMBER_POLITE_MANAGER_WORDS = 40  # not pitching after it
APOLOGY = frozenset("извинить извиниться простить прощение".split())
CALLBACK_MAX_WORDS = 90         # a call-back-later call is short …
CALLBACK_MAX_MANAGER_WORDS = 60  # … with little said by the manager (no talk about the offer)
CALLBACK_MAX_TURNS = 10
CALLBACK_CLIENT_TURNS = 2       # … and the client asks for it at once, before any business
CALLBACK_SMALLTALK_MAX_WORDS = 160  # or, after a greeting and small talk, in a longer call …
CALLBACK_SMALLTALK_CLIENT_TURNS = 5  # … in the client's first five turns (from the fourth on,
CALLBACK_SMALLTALK_ASK_TURNS = 3     # only an explicit «перезвоните / наберите», not «некогда») …
CALLBACK_VERBS = frozenset("перезвонить набрать позвонить звонить".split())  # … and a call back is arranged,
CALLBACK_SMALLTALK_MANAGER_WORDS = 35  # the manager saying little before the request (no pitch:
CALLBACK_SMALLTALK_TURN_WORDS = 20     # small-talk questions are short, a pitch is not)
# «перезвоните мне в понедельник», «давайте вы мне перезвоните», «можно вы попозже позвоните»
CALL_ME_BACK = frozenset("перезвоните перезвони позвоните позвони наберите набери".split())
CALLBACK_MAX_TURNS_AFTER = 5    # … that ends within a few turns of the request (when, goodbye) …
CALLBACK_MAX_WORDS_AFTER = 40   # … with few words after it
ROBOT_SIDE_SHARE = 0.6          # most of the company's turns are a recorded message …
ROBOT_MAX_CLIENT_WORDS = 30     # … and the client only wonders who is calling

_LETTER_RE = re.compile(r"[^\W\d_]")
_CYRILLIC_RE = re.compile(r"[а-яё]")
_OTHER_CYRILLIC_RE = re.compile(r"[ѐ-џѠ-ӿ]")  # Cyrillic outside the Russian alphabet
_RU_ONLY_RE = re.compile(r"[ыэъ]")


@dataclass(frozen=True, slots=True)
class CallType:
    kind: str  # one of CALL_TYPES
    reason_ru: str = ""  # empty for sales
    confidence: float = 1.0
    quote: str = ""  # the segment text that decided it, when a phrase did

    @property
    def applicable(self) -> bool:
        return self.kind == SALES


@dataclass(frozen=True, slots=True)
class _Rules:
    hallucinations: tuple[Phrase, ...]
    recorded: dict[str, tuple[Phrase, ...]]
    ad_markers: tuple[Phrase, ...]
    wrong_number: tuple[Phrase, ...]
    call_back_later: tuple[Phrase, ...]
    offer_words: frozenset[str] = frozenset()  # lemmas that mean the offer is being discussed


@lru_cache(maxsize=1)
def rules() -> _Rules:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))

    def phrases(items) -> tuple[Phrase, ...]:
        return tuple(Phrase.of(p) for p in items)

    return _Rules(
        hallucinations=phrases(data["hallucinations"]),
        recorded={k: phrases(data["recorded"][k]) for k in RECORDED_KINDS},
        ad_markers=phrases(data["ad_markers"]),
        wrong_number=phrases(data["wrong_number"]),
        call_back_later=phrases(data["call_back_later"]),
        offer_words=frozenset(lemma(w) for w in data.get("offer_words") or ()),
    )


def classify_call(words: tuple[SegmentWords, ...] | list[SegmentWords], transcript: Transcript,
                  duration_s: float, channels: int,
                  extra_recorded: tuple[Phrase, ...] = ()) -> CallType:
    """The call's type. ``words`` are its segments with lemmas, sorted by time;
    ``extra_recorded`` are more recorded-message phrases (the rubric's not_applicable_phrases)."""
    del duration_s, channels  # the call's length is judged on speech, sides on speaker roles
    r = rules()
    spoken = [w for w in words if w.words]
    live = [w for w in spoken if not _is_hallucination(w, r.hallucinations)]
    if not live:
        return CallType("no_speech", REASONS_RU["no_speech"], 0.95 if spoken else 1.0)
    for decide in (_recorded, _language, _wrong_number, _call_back_later, _too_short):
        found = decide(live, transcript, r, extra_recorded)
        if found:
            return found
    return CallType(SALES, "", 0.9)


def recorded_message_kind(text: str) -> str | None:
    """``"ivr"``, ``"voicemail"`` or ``"robocall"`` when ``text`` holds one of the recorded-message
    phrases of ``resources/call_types.yaml`` (a voice menu, an answering machine, a robot), else
    None. Public for the speaker-role decision (``transcribe.roles``): a recorded message talks
    like a manager but is no live speaker."""
    from core.types import Segment
    from scoring.text import lemmatize

    if not text.strip():
        return None
    r = rules()
    w = SegmentWords.of(Segment(0, "unknown", 0.0, 0.0, text, lemmas=lemmatize(text)))
    return next((k for k in RECORDED_KINDS if find_any(r.recorded[k], [w])), None)


# --- rules -------------------------------------------------------------------------------------

def _is_hallucination(w: SegmentWords, phrases: tuple[Phrase, ...]) -> bool:
    hit = find_any(phrases, [w])
    return hit is not None and len(w.words) <= (hit.end - hit.start) + HALLUCINATION_EXTRA_WORDS


def _recorded(live, transcript, r: _Rules, extra: tuple[Phrase, ...]) -> CallType | None:
    """A recorded message (menu, queue, answering machine, robot) and no live exchange."""
    hits: dict[str, int] = dict.fromkeys(RECORDED_KINDS, 0)
    machine: list[SegmentWords] = []
    for w in live:
        kinds = [k for k in RECORDED_KINDS if find_any(r.recorded[k], [w])]
        if not kinds and extra and find_any(extra, [w]):
            kinds = ["ivr"]
        if kinds:
            machine.append(w)
            for k in kinds:
                hits[k] += 1
    if not machine:
        return None
    rest = [w for w in live if w not in machine]
    if _known_roles(live):
        company = [w for w in live if w.segment.speaker == "manager"]
        machine_share = sum(w.segment.speaker == "manager" for w in machine) / max(1, len(company))
        # a robot that talks over a puzzled person («алло, это кто? робот опять») is still a robot:
        # when most of the company side is recorded, a little live client speech does not count
        robot_talks = machine_share >= ROBOT_SIDE_SHARE and _words(rest, "client") < ROBOT_MAX_CLIENT_WORDS
        if _words(rest, "client") >= MIN_LIVE_CLIENT_WORDS and not robot_talks:
            return None
    elif sum(len(w.words) for w in rest) >= MIN_LIVE_WORDS_UNKNOWN and len(rest) >= MIN_LIVE_SEGMENTS_UNKNOWN:
        return None
    kind = max(RECORDED_KINDS, key=lambda k: (hits[k], -RECORDED_KINDS.index(k)))
    return CallType(kind, REASONS_RU[kind], 0.9, machine[0].segment.text)


def _language(live, transcript: Transcript, r, extra) -> CallType | None:
    """Mostly non-Cyrillic letters, non-Russian Cyrillic letters, or a non-Russian language tag
    (imported transcripts) on enough text that does not read as Russian."""
    joined = " ".join(w.segment.text for w in live).lower()
    letters = len(_LETTER_RE.findall(joined))
    cyrillic = len(_CYRILLIC_RE.findall(joined))
    other = len(_OTHER_CYRILLIC_RE.findall(joined))
    looks_russian = (
        letters > 0 and cyrillic / letters >= MIN_CYRILLIC_SHARE
        and other <= MAX_OTHER_CYRILLIC_SHARE * max(1, cyrillic + other)
    )
    if letters >= MIN_LETTERS and not looks_russian:
        return CallType("non_russian", REASONS_RU["non_russian"], 0.9)
    if letters >= MIN_LETTERS and _russian_word_share(joined) < MIN_RUSSIAN_WORD_SHARE:
        return CallType("non_russian", REASONS_RU["non_russian"], 0.8)  # Tajik, Kazakh… in Cyrillic
    lang = (transcript.language or "").strip().lower()
    n_words = sum(len(w.words) for w in live)
    if (lang and lang not in ("ru", "auto", "unknown") and n_words >= MIN_WORDS_FOR_LANGUAGE_TAG
            and not (looks_russian and _RU_ONLY_RE.search(joined))):
        return CallType("non_russian", REASONS_RU["non_russian"], 0.7)
    return None


def _russian_word_share(text: str) -> float:
    """Share of the text's Cyrillic words (3+ letters) that the Russian dictionary knows; ASR
    slips and names keep Russian speech far above :data:`MIN_RUSSIAN_WORD_SHARE`."""
    words = [w for w in re.findall(r"[а-яё]{3,}", text)]
    if len(words) < MIN_WORDS_FOR_DICTIONARY:
        return 1.0
    return sum(1 for w in words if is_known(w)) / len(words)


def _wrong_number(live, transcript, r: _Rules, extra) -> CallType | None:
    """Either side says it is not the person/company meant, and the call ends there."""
    total = sum(len(w.words) for w in live)
    if total > WRONG_NUMBER_POLITE_WORDS:
        return None
    for i, w in enumerate(live):
        if find_any(r.wrong_number, [w]):
            after = len(live) - 1 - i
            if ((total <= WRONG_NUMBER_MAX_WORDS and after <= WRONG_NUMBER_MAX_TURNS_AFTER)
                    or (i <= WRONG_NUMBER_POLITE_CUE_TURN and after <= WRONG_NUMBER_POLITE_TURNS
                        and _words(live[i + 1:], "manager") <= WRONG_NUMBER_POLITE_MANAGER_WORDS
                        and any(APOLOGY.intersection(a.segment.lemmas or ()) for a in live[i + 1:]
                                if a.segment.speaker == "manager")
                        and not _offer_discussed(live, r))):
                return CallType("wrong_number", REASONS_RU["wrong_number"], 0.8, w.segment.text)
            return None
    return None


def _call_back_later(live, transcript, r: _Rules, extra) -> CallType | None:
    """The client cannot talk now, in a short call where the offer was not discussed: asked at
    once, or after a greeting and small talk with the call ending within a few turns of it
    (when to call back, goodbye). A client who says «я за рулём» and then talks on is a sales
    call."""
    total = sum(len(w.words) for w in live)
    if total > CALLBACK_SMALLTALK_MAX_WORDS or _words(live, "manager") > CALLBACK_MAX_MANAGER_WORDS:
        return None
    # The manager's own «перезвоните позже» is a forbidden phrase to score, not a call type.
    asker = "client" if _known_roles(live) else "unknown"
    early = total <= CALLBACK_MAX_WORDS and len(live) <= CALLBACK_MAX_TURNS
    asks = [(i, w) for i, w in enumerate(live) if w.segment.speaker == asker]
    for n, (i, w) in enumerate(asks):
        if not find_any(r.call_back_later, [w]) and not CALL_ME_BACK.intersection(surface_words(w.segment.text)):
            continue
        after = live[i + 1:]
        late = n >= CALLBACK_SMALLTALK_ASK_TURNS  # after long small talk: only «перезвоните …» itself
        if late and not CALLBACK_VERBS.intersection(w.segment.lemmas or ()):
            return None
        if early and n < CALLBACK_CLIENT_TURNS:
            return CallType("call_back_later", REASONS_RU["call_back_later"], 0.75, w.segment.text)
        arranged = any(CALLBACK_VERBS.intersection(a.segment.lemmas or ()) for a in [w, *after])
        opening = next((len(x.words) for x in live if x.segment.speaker == "manager"), 0)
        pitch = _words(live[:i], "manager") - opening  # what the manager said after his opening
        longest = max((len(x.words) for x in live[:i] if x.segment.speaker == "manager"), default=0)
        if (n < CALLBACK_SMALLTALK_CLIENT_TURNS and arranged and pitch <= CALLBACK_SMALLTALK_MANAGER_WORDS
                and (longest == opening or longest <= CALLBACK_SMALLTALK_TURN_WORDS)
                and len(after) <= CALLBACK_MAX_TURNS_AFTER
                and sum(len(a.words) for a in after) <= CALLBACK_MAX_WORDS_AFTER
                and not _offer_discussed(live[:i + 1], r)):
            return CallType("call_back_later", REASONS_RU["call_back_later"], 0.75, w.segment.text)
        # «я за рулём» with small talk after it, then «наберите завтра после 10»: the later request decides
    return None


def _too_short(live, transcript, r: _Rules, extra) -> CallType | None:
    """Under ~10 s of speech, a handful of words, a one-turn exchange, or one side only."""
    speech_s = sum(max(0.0, w.segment.end_s - w.segment.start_s) for w in live)
    total = sum(len(w.words) for w in live)
    if speech_s < MIN_SPEECH_S:
        return CallType("too_short", REASONS_RU["too_short"], 0.9)
    if total < MIN_WORDS:
        return CallType("too_short", TOO_FEW_WORDS_RU, 0.9)
    if not _known_roles(live) or _words(live, "unknown") > QUIET_SIDE_MAX_WORDS:
        return None  # mono, roles unknown: the amount of speech is all we can judge
    manager, client = _words(live, "manager"), _words(live, "client")
    if min(manager, client) <= QUIET_SIDE_MAX_WORDS:
        if client > manager:  # the manager said at most «алло»: a robot, or nothing to score
            talking = [w for w in live if w.segment.speaker == "client"]
            if len(find_all_distinct(r.ad_markers, talking)) >= MIN_AD_MARKERS:
                return CallType("robocall", REASONS_RU["robocall"], 0.7)
            return CallType("too_short", ONE_SIDED_RU, 0.8)
        if manager < ONE_SIDED_MAX_WORDS:
            return CallType("too_short", ONE_SIDED_RU, 0.8)
        return None  # a long manager monologue: left to the criteria (client ones: insufficient)
    turns = _turns(live)
    if min(turns.get("manager", 0), turns.get("client", 0)) < MIN_TURNS_PER_SIDE and total < SHORT_EXCHANGE_WORDS:
        return CallType("too_short", TOO_FEW_WORDS_RU, 0.8)
    return None


# --- helpers -------------------------------------------------------------------------------------

def _offer_discussed(before, r: _Rules) -> bool:
    """After the manager's opening turn, a word about the offer (price, discount, order,
    percent, roubles…): «нам принт экспресс на 15 процентов дешевле посчитал» is business, «как
    вы доехали, дорогу размыло», «банок сорок закрыла» is small talk."""
    opening = next((i for i, w in enumerate(before) if w.segment.speaker == "manager"), None)
    for i, w in enumerate(before):
        if i == opening:
            continue
        if r.offer_words.intersection(w.segment.lemmas or ()):
            return True
    return False


def _known_roles(live) -> bool:
    """Roles are known when any live segment is the manager's or the client's."""
    return any(w.segment.speaker in ("manager", "client") for w in live)


def _words(segs, speaker: str) -> int:
    return sum(len(w.words) for w in segs if w.segment.speaker == speaker)


def _turns(live) -> dict[str, int]:
    """Turns per speaker: consecutive segments of one speaker are one turn."""
    out: dict[str, int] = {}
    prev = None
    for w in live:
        if w.segment.speaker != prev:
            out[w.segment.speaker] = out.get(w.segment.speaker, 0) + 1
            prev = w.segment.speaker
    return out


__all__ = ["CALL_TYPES", "CallType", "REASONS_RU", "SALES", "classify_call"]
