"""Conversation metrics of one call (talk ratio, questions, interruptions, silence, pace).

They need segment times, speakers and raw text only — no NLP — so re-scoring is cheap.
Whisper punctuates, so a question is a sentence ending with "?" or starting with a question
word; an *open* question starts with a word that cannot be answered yes/no (как, какой…).
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache

from core.types import CallMetrics, Segment, Transcript

OPEN_QUESTION_WORDS = frozenset(
    "как какой какая какое какие каким какую каких каком какому каков какова "
    "что чего чем чём чему зачем почему отчего сколько где куда откуда когда кто кого кому "
    "кем насколько чтобы какими какого каковы чей чья чье чьи скольких скольким сколькими".split()
)
OPEN_REQUEST_WORDS = frozenset("расскажите опишите поделитесь уточните объясните".split())
CLOSED_QUESTION_START = frozenset("ли разве неужели".split())
ASK_WORDS = frozenset("подскажите скажите".split())
YOU_WORDS = frozenset("вы вас вам вами ваш ваша ваше ваши вашего вашей вашем вашу".split())
_SENTENCE_RE = re.compile(r"[^.!?…]+[.!?…]*")
_WORD_RE = re.compile(r"[а-яёa-z]+", re.IGNORECASE)
_CLAUSE_RE = re.compile(r"[,—–:;]| - ")
OVERLAP_MIN_S = 0.3  # shorter overlaps are back-channel noise ("угу") or timestamp jitter


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


def question_kind(sentence: str) -> str | None:
    """'open', 'closed' or None (not a question)."""
    words = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(sentence)[:5]]
    if not words:
        return None
    opens = any(w in OPEN_QUESTION_WORDS for w in words[:4]) and words[0] not in CLOSED_QUESTION_START
    if words[0] in OPEN_REQUEST_WORDS:
        return "open"
    if _rhetorical(words):
        return "closed" if sentence.rstrip().endswith("?") else None
    if sentence.rstrip().endswith("?"):
        if opens:
            return "open"
        for clause in _CLAUSE_RE.split(sentence):  # «А десять — это за какой объём работ?»
            cw = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(clause)]
            if any(w in OPEN_QUESTION_WORDS - {"чтобы"} for w in cw[:4]) and cw[0] not in CLOSED_QUESTION_START:
                return "open"
            if 1 < len(cw) <= 6 and cw[-1] in POSTPOSED:
                return "open"  # «А маршруты у вас какие — по трассе или в лес?»
        return "closed"
    # Whisper often drops the "?" on telephone audio: recognise open questions by their words.
    if words[0] in OPEN_QUESTION_WORDS and words[0] not in ("что", "как", "когда", "чтобы"):
        return "open"
    if words[0] in ASK_WORDS and any(w in OPEN_QUESTION_WORDS for w in words[1:4]):
        return "open"  # "Подскажите, как я могу к вам обращаться."
    prev_last = ""
    for clause in sentence.split(","):
        cw = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(clause)]
        lead, prev_last = prev_last, (cw[-1] if cw else "")
        if not cw or len(cw) > 12 or cw[0] in CLOSED_QUESTION_START or lead in EMBEDDING_LEADS:
            continue  # «…видно, кто звонит»: a clause of a statement, not a question
        if cw[0] in OPEN_REQUEST_WORDS and (len(cw) > 1 or _WORD_RE.search(sentence.split(clause, 1)[1])):
            return "open"  # «Понял, Пётр Ильич, расскажите, для чего вода нужна»; not a last «…, расскажите,»
        particle = cw[0] in CLAUSE_PARTICLES and len(cw) > 2
        if particle and cw[1] in OPEN_QUESTION_WORDS - {"чтобы"} and not (cw[1] == "как" and cw[2] in ("раз", "и", "будто")):
            return "open"  # «а какой порядок бюджета закладывается», «а кто в правлении смотрит»
        if 1 < len(cw) <= 6 and cw[-1] in POSTPOSED and cw[-2] not in NOT_QUESTION_AFTER | EMBEDDING_LEADS:
            return "open"  # «И длина у вас какая», «а этаж какой»
        if cw[0] in OPEN_QUESTION_WORDS and cw[0] not in ("что", "как", "когда", "чтобы"):
            return "open"  # "Очень приятно, Ирина, сколько окон вы планируете менять."
        addressed = bool(YOU_WORDS & set(cw)) or any(w.endswith(("ете", "ите")) for w in cw[1:])
        if addressed and any(w in OPEN_QUESTION_WORDS - {"чтобы"} and (j == 0 or cw[j - 1] not in NOT_QUESTION_AFTER)
                             for j, w in enumerate(cw[:3])):  # not «если что — звоните»
            return "open"  # "Когда вы планируете установку." / "А с чем вы сравниваете"
    return None


# Words after which a question word starts a new question in unpunctuated ASR text:
# «марина а расскажите какие у вас цели», «ага а давно началось», «с какого времени пропала».
QUESTION_LEADS = frozenset("а ну так вот скажите подскажите уточните с по в на для из у о об от и или "
                           "под за к про при через до после над со во".split())
# «а сейчас вы где сидите», «вы когда планируете»: the client addressed just before the question word
YOU_LEADS = frozenset("вы вам вас сейчас вообще примерно ориентировочно".split())
# «понял а груз какой возить придется»: an acknowledgement before a postposed question word
ACK_LEADS = frozenset("понял поняла понятно ясно хорошо отлично ага угу ок окей так да".split())
# «а этаж какой», «бюджет какой примерно»: the question word after its noun, at a clause's start
POSTPOSED = frozenset("какой какая какое какие сколько".split())
CONTACT_NOUNS = frozenset("адрес телефон номер почта имя фамилия отчество мейл".split())
NOT_QUESTION_AFTER = frozenset({"то", "не", "всё", "все", "именно", "том", "тем", "если", "что"})
NOT_AFTER_SO = frozenset({"как", "что", "чтобы"})  # «так как», «так что»: no question
INDEFINITE = frozenset({"то", "нибудь", "либо"})  # «где-то», «какой-нибудь» as ASR writes them


def _rhetorical(words: list[str]) -> bool:
    """«Вы что, не понимаете?», «Я вам что, по телефону посмотрю?», «Ну так что, оформляем?»:
    «что» as a particle, no question about the client's need."""
    head = words[:4]
    if "что" not in head:
        return False
    i = head.index("что")
    return i > 0 and (head[i - 1] == "так" or all(w in RHETORICAL_LEADS for w in head[:i]))


RHETORICAL_LEADS = frozenset("вы ты я вам тебе мне ну да и".split())
# «А какой…», «И что для вас…»: a particle before the question word of a question Whisper wrote
# without «?».
CLAUSE_PARTICLES = frozenset("а и ну так вот ещё еще".split())
# After these a question word opens a clause of a statement: «видно, кто звонит», «смотря какой
# объём», «расскажу, как это работает».
EMBEDDING_LEADS = frozenset("""
видно слышно понятно неважно важно знаю знаем знаете смотря посмотрим покажу покажем расскажу
расскажем объясню объясним узнаю уточню зависит решим подскажу подскажем
посчитать подсчитать прикинуть посчитаем прикинем сравнить сравните
""".split())  # «если посчитать, сколько яйца у вас пропадает, …»: a count proposed, not asked


def unpunctuated_open_questions(sentence: str) -> int:
    """Open questions started inside one unpunctuated stretch of speech (Whisper on phone audio
    drops «?» and often commas): a question word after a lead word («а», «подскажите», a
    preposition) or at the start."""
    words = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(sentence)]
    n = 0
    since_a = 99  # words since the last «а» that may open a question («а ездите больше где»)
    for i, w in enumerate(words):
        since_a = 0 if w == "а" else since_a + 1
        if w in OPEN_REQUEST_WORDS and i and not NOT_NEEDS.search(" ".join(words[i:i + 6])):
            n += 1  # «артём расскажите немного о вашей девушке»: a request for the client's story
            continue
        if w not in OPEN_QUESTION_WORDS or w == "чтобы":
            continue
        if 2 <= since_a <= 4 and w not in ("что", "как", "когда") and words[i - 1] not in NOT_QUESTION_AFTER | CONTACT_NOUNS \
                and (i + 1 >= len(words) or words[i + 1] not in INDEFINITE) and not NOT_NEEDS.search(" ".join(words[i - 1:i + 5])):
            n += 1  # «а ездите больше где», «а по меню какие пожелания»; not «а у нас где-то три дня»
            since_a = 99
            continue
        prev = words[i - 1] if i else ""
        if prev in NOT_QUESTION_AFTER or (prev == "так" and w in NOT_AFTER_SO) or NOT_NEEDS.search(
                " ".join(words[max(0, i - 1):i + 5])):
            continue
        if (i == 0 and w not in ("что", "как", "когда")) or prev in QUESTION_LEADS or (
                prev in OPEN_REQUEST_WORDS | ASK_WORDS) or (prev in YOU_LEADS and w not in ("что", "чтобы")):
            n += 1
        elif w in POSTPOSED and i >= 1 and prev not in CONTACT_NOUNS and all(
                x in QUESTION_LEADS | ACK_LEADS for x in words[:i - 1]):
            n += 1  # «а этаж какой», «бюджет какой», «понял а груз какой»
    return n


def _asks(sentence: str) -> bool:
    """«Расскажите, …», «Подскажите, как …»: a request that works as a question without «?»."""
    words = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(sentence)[:2]]
    return bool(words) and (words[0] in OPEN_REQUEST_WORDS or words[0] in ASK_WORDS)


# Questions that are not about the client's need (docs/labelling.md, needs_discovery): the
# client's name or contacts, the greeting's «чем могу помочь», scheduling, «остались вопросы»,
# and «как скажете» (a statement).
NOT_NEEDS = re.compile(
    r"\b(зовут|обращаться|величать|чем (могу|можем) (вам )?(помочь|быть полезн)|удобно|удобнее|"
    r"остались вопросы|вопросы (у вас )?остались|как скажете|как хотите|как договорились|"
    r"какой (у вас )?(адрес|телефон|номер|почт)|на какую почту|какой адрес|адрес какой|"
    r"(почта|почту|телефон|номер) как(ая|ую|ой)|"
    r"как (вас|вам) (записать|оформить)|как(ая|ой|ую) (у вас )?(почта|почту|почты|адрес|телефон|номер)|"
    r"с кем (можно|могу|мне) (поговорить|пообщаться|связаться)|на кого (оформ|запис)\w*|"
    r"к какому времени|во сколько (вам|удобно|привезти|подъехать|приехать)|"
    # the date of the step, a slot to pick, a condition («как решите — звоните»), «смотря какой»
    r"какого числа|в какой день|какой день|какое число|какой вариант|какой (из )?(слот|интервал)|"
    r"как (только )?(решите|надумаете|определитесь|соберетесь|узнаю|узнаете|будете готовы|получу|получите|"
    r"посчитаю|посчитаем|появится|будет готово?)|смотря как\w*|"
    r"там,? где|туда,? куда|тогда,? когда)\b")  # «вскроем только там, где короб»: a relative clause


def _joined_questions(sentence: str) -> int:
    """«Какие тиражи планируете и как будете раздавать?»: open questions joined by и / или."""
    words = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(sentence)]
    joined = sum(1 for i, (a, b) in enumerate(zip(words, words[1:], strict=False))
                 if i > 0 and a in ("и", "или") and b in OPEN_QUESTION_WORDS - {"чтобы", "что"})  # not «И какой…?»
    return 1 + joined if joined else 0


def count_questions(segments: list[Segment] | tuple[Segment, ...]) -> tuple[int, int]:
    """(questions, open questions) asked in ``segments``; open = about the client's need."""
    total = open_ = 0
    for seg in segments:
        t, o = _text_questions(seg.text, seg.avg_logprob is not None)
        total += t
        open_ += o
    return total, open_


@lru_cache(maxsize=4096)  # one call's turns are counted by several criteria
def _text_questions(text: str, heard: bool = False) -> tuple[int, int]:
    """``heard``: text recognised from audio, where Whisper puts «?» on some questions and not on
    others, so a sentence without one may still be a question."""
    total = open_ = 0
    punctuated = any(ch in text for ch in "?.!,")
    marks = "?" in text and not heard  # written with question marks: a sentence without one is no question
    for sentence in sentences(text):
        kind = question_kind(sentence)
        if marks and kind and not sentence.rstrip().endswith("?") and not _asks(sentence):
            kind = None
        if kind == "open" and NOT_NEEDS.search(sentence.lower().replace("ё", "е")):
            kind = "closed"
        extra = unpunctuated_open_questions(sentence) if not punctuated else (
            _joined_questions(sentence) if kind == "open" else 0)
        if extra > (kind == "open"):
            total += extra
            open_ += extra
        elif kind:
            total += 1
            open_ += kind == "open"
    return total, open_


def word_count(seg: Segment) -> int:
    return len(_WORD_RE.findall(seg.text))


def compute_metrics(transcript: Transcript, duration_s: float, channels: int = 2) -> CallMetrics:
    segs = sorted((s for s in transcript.segments if s.text.strip()), key=lambda s: s.start_s)
    manager = [s for s in segs if s.speaker == "manager"]
    client = [s for s in segs if s.speaker == "client"]
    m_time, c_time = _speech_time(manager), _speech_time(client)
    duration = max(duration_s, segs[-1].end_s if segs else 0.0)
    questions, _ = count_questions(manager)
    interruptions, overlap_s = _overlaps(segs) if channels >= 2 else (0, 0.0)
    silence_share, longest_silence = _silences(segs, duration)
    return CallMetrics(
        manager_talk_ratio=round(m_time / (m_time + c_time), 4) if m_time + c_time > 0 else None,
        longest_manager_monologue_s=_longest_monologue(segs) if manager else None,
        manager_questions=questions,
        manager_questions_per_min=round(questions / (duration / 60), 3) if duration > 0 else None,
        interruptions=interruptions,
        overlap_s=round(overlap_s, 2),
        silence_share=silence_share,
        longest_silence_s=longest_silence,
        patience_s=_patience(segs),
        manager_words_per_min=_words_per_min(manager, m_time),
        client_words_per_min=_words_per_min(client, c_time),
    )


def _speech_time(segs: list[Segment]) -> float:
    return sum(max(0.0, s.end_s - s.start_s) for s in segs)


def _words_per_min(segs: list[Segment], speech_s: float) -> float | None:
    if speech_s < 1.0:
        return None
    return round(sum(word_count(s) for s in segs) / (speech_s / 60), 1)


def _longest_monologue(segs: list[Segment]) -> float:
    """Longest stretch of manager turns with no client turn between them."""
    longest, start, end = 0.0, None, None
    for s in segs:
        if s.speaker == "manager":
            start = s.start_s if start is None else start
            end = s.end_s if end is None else max(end, s.end_s)
            longest = max(longest, end - start)
        elif s.speaker == "client":
            start = end = None
    return round(longest, 2)


def _overlaps(segs: list[Segment]) -> tuple[int, float]:
    """Manager turns that start while the client is still speaking, and total overlap time."""
    interruptions, overlap = 0, 0.0
    for i, s in enumerate(segs):
        for prev in segs[max(0, i - 4):i]:
            if prev.speaker == s.speaker or "unknown" in (prev.speaker, s.speaker):
                continue
            o = min(prev.end_s, s.end_s) - s.start_s
            if o >= OVERLAP_MIN_S:
                overlap += o
                interruptions += s.speaker == "manager"
    return interruptions, overlap


def _silences(segs: list[Segment], duration: float) -> tuple[float | None, float | None]:
    if duration <= 0:
        return None, None
    covered, longest, cursor = 0.0, 0.0, 0.0
    for s in segs:
        if s.start_s > cursor:
            if cursor > 0:  # silence before the first word is ringing / IVR, not a pause
                longest = max(longest, s.start_s - cursor)
            covered += s.end_s - s.start_s
        else:
            covered += max(0.0, s.end_s - cursor)
        cursor = max(cursor, s.end_s)
    share = max(0.0, 1.0 - covered / duration)
    return round(share, 4), round(longest, 2) if segs else None


def _patience(segs: list[Segment]) -> float | None:
    """Median pause between the client's last word and the manager's answer (0 if overlapped)."""
    pauses = [
        max(0.0, nxt.start_s - cur.end_s)
        for cur, nxt in zip(segs, segs[1:], strict=False)
        if cur.speaker == "client" and nxt.speaker == "manager"
    ]
    return round(statistics.median(pauses), 2) if pauses else None
