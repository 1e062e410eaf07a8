"""Built-in detectors for what phrase lists miss on other people's calls: a manager's
self-introduction, the client's name, a concrete next step.

They work by grammar, not by lists of sentences: pymorphy3 tags first names (``Name``) and
patronymics (``Patr``) in lower-case ASR text too; an organisation is a quoted or capitalised
name, a word the dictionary does not know (a brand), a Latin word, or a generic noun for a kind
of business; a next step is a manager's turn near the end holding a verb and a concrete time
(a weekday, «завтра», a date, a clock time), which the client does not refuse. A rubric
criterion opts in with ``detect: self_introduction | client_name | next_step``: the detector is
another way to pass, next to the criterion's phrases. Everything reads stored segments (text and
lemmas), so re-scoring needs no spaCy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from scoring.matcher import SegmentWords
from scoring.text import NUM_PREFIX, is_known, may_be_first_name, morph

DETECTORS = ("self_introduction", "client_name", "next_step", "value_statement", "recap")
NAME_SCORE = 0.3  # share of pymorphy3's parses that read the word as a first name
# First names in the dictionary that are far more often ordinary words in a sales call.
NOT_NAMES = frozenset({"роман", "слава", "любовь", "надежда", "вера", "мир", "лев", "май",
                       "август", "ян", "марс", "роза", "лилия", "мила", "ника", "тома", "герман",
                       "добрыня", "элита", "клим"})
# Names in the dictionary that in speech are nearly always something else, however said.
NEVER_NAMES = frozenset({"питер", "пол", "арт"})  # Saint Petersburg; «с пол оборота», «латте-арт»
# Generic kinds of business a manager names instead of (or next to) a brand.
ORG_NOUNS = frozenset("""
компания фирма организация предприятие агентство салон магазин студия клиника центр сервис
служба отдел бюро школа академия курсы клуб завод фабрика производство цех мастерская ателье
лаборатория типография автосалон автосервис автошкола стоматология банк отель гостиница
ресторан кафе кофейня пекарня аптека питомник склад база холдинг группа сеть дилер
представительство филиал интернет-магазин маркетплейс садик провайдер застройщик
турагентство туроператор страховая диспетчерская ветклиника медцентр
""".split())
WEEKDAYS = frozenset("понедельник вторник среда четверг пятница суббота воскресенье".split())
SCHEDULE_DAYS = WEEKDAYS | frozenset("будни будний выходной выходные".split())
TIME_WORDS = frozenset("час утро вечер день обед ночь минута".split())
MONTHS = frozenset("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split())
RELATIVE_DAYS = frozenset({"завтра", "послезавтра", "сегодня"})
# not «до»: «мы до восьми», «до шести пришлю» are hours and deadlines, not when a step happens
HOUR_PREPOSITIONS = frozenset({"в", "к", "на", "с", "после", "около", "часов"})
TIME_UNITS = frozenset({"минута", "час", "день", "неделя"})
HOUR_NOUNS = TIME_WORDS | {"ноль", "полдень", "полночь"}  # nouns after an hour that keep it an hour: «в 12 ноль-ноль»
REFUSALS = ("нет", "не надо", "не нужно", "не получится", "не смогу", "не звоните", "не стоит",
            "не подходит", "не готов", "сами перезвоним", "сами позвоним", "сами наберем",
            "звонить не надо", "сам наберу", "сам перезвоню", "сама наберу", "сама перезвоню")
PUT_OFF = frozenset({"подумать", "обдумать", "посоветоваться"})

_QUOTED = re.compile(r"[«\"“„]([^»\"”]{2,40})[»\"”]")
# Words after which a manager says their own name: «меня зовут Ирина», «это Роман», «инженер Олег».
SELF_CUES = frozenset({"зовут", "это", "я", "менеджер", "администратор", "консультант", "специалист",
                       "оператор", "инженер", "мастер", "юрист", "врач", "доктор", "агент", "риелтор",
                       "дизайнер", "технолог", "координатор", "представитель", "руководитель",
                       "директор", "секретарь", "диспетчер", "логист", "бухгалтер", "тренер",
                       "преподаватель", "куратор", "методист", "ассистент", "аккаунт", "стилист"})
NOT_VERBS = frozenset({"быть", "есть", "мочь", "хотеть", "надо", "знать", "значить", "значит", "говорить",
                       "сказать",
                       # the company's hours or the client's decision, not a step: «мы с 7 до 5 работаем»
                       "работать", "решить", "решать", "думать", "подумать", "определиться"})
SEND_VERBS = frozenset({"прислать", "отправить", "скинуть", "выслать", "написать", "переслать"})
NOT_TIME_AFTER = frozenset({"процент", "рубль", "тысяча", "штука", "метр", "килограмм", "тонна",
                            "человек", "год", "раз", "км", "литр", "минута", "этаж", "вперед", "назад"})
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё-]*")


@dataclass(frozen=True, slots=True)
class Detection:
    """What a detector found: the segment to quote and a short Russian explanation."""

    segment: SegmentWords
    note: str
    confidence: float


# --- words --------------------------------------------------------------------------------

@lru_cache(maxsize=50_000)
def name_score(word: str, after_cue: bool = False) -> float:
    """How strongly a word reads as a person's first name (0–1), case ignored. After a
    self-introduction cue («меня зовут», «это», «инженер») any dictionary name counts."""
    w = word.lower().replace("ё", "е")
    if len(w) < 3 or (w in NOT_NAMES and not after_cue) or not morph().word_is_known(w):
        return 0.0
    # names are said in the nominative when one introduces oneself or addresses the listener;
    # «альпа», «лайн», «калий» read as names only in other cases
    parses = morph().parse(w)
    score = sum(p.score for p in parses if {"Name", "sing", "nomn"} <= p.tag.grammemes)
    if after_cue:
        return 1.0 if score > 0 else 0.0
    if any(p.tag.POS in ("VERB", "INFN") and p.score >= 0.3 for p in parses):
        return 0.0  # «никто не хамит» is no Хамит
    return score


@lru_cache(maxsize=50_000)
def is_patronymic(word: str) -> bool:
    return any("Patr" in p.tag and p.score > 0.3 for p in morph().parse(word.lower()))


@lru_cache(maxsize=50_000)
def is_place(word: str, least: float = 0.3) -> bool:
    return bool(word) and any("Geox" in p.tag and p.score > least for p in morph().parse(word.lower()))


@lru_cache(maxsize=50_000)
def is_surname(word: str) -> bool:
    return any("Surn" in p.tag and p.score > 0.3 for p in morph().parse(word.lower()))


@lru_cache(maxsize=50_000)
def is_unknown_word(word: str) -> bool:
    """Not in the dictionary (a brand, a made-up name): pymorphy3 only guesses it."""
    w = word.lower().replace("ё", "е")
    return len(w) >= 3 and not is_known(w)


@lru_cache(maxsize=50_000)
def is_verb(word: str) -> bool:
    return any(p.tag.POS in ("VERB", "INFN") and p.score > 0.2 for p in morph().parse(word.lower()))


def surface_words(text: str) -> list[str]:
    return _WORD.findall(text)


def _cased(text: str) -> bool:
    """Written with capitals beyond the first letter (clean text, not lower-case ASR)."""
    return any(ch.isupper() for ch in text[1:])


# --- people and organisations -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NameMention:
    name: str        # lower case, ё folded
    addressed: bool  # said to the listener: «Андрей Петрович», «вы Ольга?», «Марина?»
    own: bool        # said as one's own: «меня зовут Ирина», «это Роман», «инженер Олег»
    surnamed: bool = False  # a surname follows, mid-turn: someone talked about («как Стив Джобс»)


def _set_off(text: str, start: int, end: int) -> bool:
    before, after = text[:start].rstrip(), text[end:].lstrip()
    return before.endswith((",", "»", '"')) and after[:1] in (",", ".", "!")


def first_names(sw: SegmentWords) -> list[NameMention]:
    text = _QUOTED.sub(" ", sw.segment.text)  # «Доктор Вет» is a brand, not a person
    cased = _cased(text)
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        before = surface_words(text[:m.start()])
        prev = before[-1].lower() if before else ""
        cue = prev in SELF_CUES or (len(before) > 1 and before[-2].lower() == "зовут")
        # «"Конфетти", Ярослава, здравствуйте»: a name set off by commas is said in the nominative;
        # in unpunctuated ASR text the greeting right after it sets it off
        nxt_word = (surface_words(text[m.end():]) or [""])[0].lower()
        if nxt_word.endswith("здравствуйте"):
            nxt_word = "здравствуйте"  # «кириллту издравствуйте»: the recogniser glued the greeting on
        # «меня Ирина зовут», «меня, кстати, Эдуард зовут»: the name before «зовут»
        cue = cue or (nxt_word == "зовут" and "меня" in (b.lower() for b in before[-3:]))
        alone = _set_off(text, m.start(), m.end()) or (
            not cased and bool(before) and nxt_word in OPENING_GREETINGS) or (
            not before and text[m.end():].lstrip().startswith(","))  # «Максим, какой размер нужен»
        # «Тамары Ивановна» (as Whisper heard «Тамара»): a word before a patronymic is a name
        with_patronymic = bool(nxt_word) and is_patronymic(nxt_word)
        near = ""
        if (name_score(w, cue or alone or with_patronymic) < NAME_SCORE and not (with_patronymic and may_be_first_name(w))) or (
                cased and not w[0].isupper() and not cue):  # «это ксения компании …»: a name after «это»
            # a name the recogniser garbled («святлана», «Игари»), in a name's place
            if not (cue or alone or nxt_word in OPENING_GREETINGS) or not (near := near_name(w)):
                continue  # cased text writes names with a capital: «вера в успех» is not Вера
        rest = text[m.end():]
        nxt = (surface_words(rest) or [""])[0]
        patronymic = bool(nxt) and is_patronymic(nxt)
        addressed = (patronymic or prev in ("вы", "алло")
                     or rest.lstrip().startswith("?")  # «Андрей Петрович», «вы Ольга», «алло, Марина?»
                     # «здравствуйте ольга это газ сервис», «добрый день, Сергей, да? это школа …»
                     or (prev in GREETED and nxt_word in ("это", "да")))
        # «алло это руслан ахметович» (ASR, no «?»): a name with a patronymic after «это» is the
        # client asked for, not the manager introducing himself
        asked = patronymic and prev == "это"
        surnamed = bool(before) and bool(nxt) and not patronymic and is_surname(nxt)
        if w.lower() in NEVER_NAMES or (is_place(w, 0.1) and (is_place(prev) or is_place(nxt_word))):
            continue  # «Москва, Питер, Казань»: a city among cities; «Питер — четыре дня»
        out.append(NameMention(near or w.lower().replace("ё", "е"), addressed and (not cue or asked),
                               cue and prev != "вы" and not asked, surnamed))
    return out


@lru_cache(maxsize=1)
def _common_names() -> frozenset[str]:
    text = resources.files("scoring").joinpath("resources/first_names.txt").read_text(encoding="utf-8")
    return frozenset(w.replace("ё", "е") for line in text.splitlines() if not line.startswith("#")
                     for w in line.split())


@lru_cache(maxsize=50_000)
def near_name(word: str) -> str:
    """The common first name (scoring/resources/first_names.txt) a word the dictionary does not
    know is one or two letters from — «святлана» → «светлана», «польга» → «ольга», «игари» →
    «игорь» — or ''. Speech recognition garbles names more than other words; the caller asks
    only for words said where a name goes."""
    from scoring.fuzzy import distance

    w = word.lower().replace("ё", "е")
    if len(w) < 4 or is_known(w) or not w.isalpha():
        return ""
    best = min(((distance(w, n), n) for n in _common_names() if abs(len(n) - len(w)) <= 2), default=(9, ""))
    return best[1] if best[0] <= (1 if len(best[1]) <= 4 else 2) else ""


def organisation(sw: SegmentWords, known_names: Sequence[tuple[str, ...]] = ()) -> str:
    """The organisation the segment names (quoted name, brand, kind of business, or one of the
    company vocabulary's ``known_names``: lemma sequences), or ''."""
    text = sw.segment.text
    for name in known_names:
        n = len(name)
        if n and any(sw.words[i:i + n] == name for i in range(len(sw.words) - n + 1)):
            return " ".join(name)
    if m := _QUOTED.search(text):
        return m.group(1)
    if org := next((lemma for lemma in sw.words if lemma in ORG_NOUNS), ""):
        return org
    words = surface_words(text)
    cased = _cased(text)
    for i, w in enumerate(words):
        if re.fullmatch(r"[A-Za-z][A-Za-z-]{2,}", w):
            return w  # a Latin brand in Russian speech
        prev = words[i - 1].lower() if i else ""
        brand_like = is_unknown_word(w) and name_score(w) < NAME_SCORE and not is_patronymic(w)
        if prev == "из" and (brand_like or (cased and w[0].isupper() and name_score(w) < NAME_SCORE)):
            return w  # «я из Альфастроя»
        if prev == "из" and (kind := _kind_of_business(words[i:i + 3])):
            return kind  # «сергей из свадебного проката», «из строительной фирмы»
        if cased and i > 0 and w[0].isupper() and not w.isupper() and brand_like:
            return w
    return ""


NOT_A_BUSINESS = frozenset("дом город отдел офис деревня село район область край страна дача работа".split())


def _kind_of_business(words: Sequence[str]) -> str:
    """«свадебного проката», «строительной фирмы»: adjectives and then a noun in the genitive
    (what «из …» comes from), not a place or a department («из дома», «из отдела продаж»)."""
    taken = []
    for w in words:
        parse = morph().parse(w.lower().replace("ё", "е"))[0]
        if parse.tag.POS in ("ADJF", "PRTF") and "gent" in parse.tag:
            taken.append(w)
            continue
        if (parse.tag.POS == "NOUN" and "gent" in parse.tag and taken and parse.normal_form not in NOT_A_BUSINESS
                and parse.normal_form not in ROLE_NOUNS and "Name" not in parse.tag):
            return " ".join([*taken, w])
        break
    return ""


GREETED = frozenset({"здравствуйте", "день", "вечер", "утро", "приветствую"})  # the word before a name greeted
OPENING_GREETINGS = frozenset({"здравствуйте", "добрый", "доброе", "слушаю", "приветствую"})
GREETING_WORDS = frozenset({"здравствуйте", "добрый", "день", "утро", "вечер", "алло", "да", "слушать",
                            "вы", "я", "меня", "звать", "это", "приветствовать", "беспокоить",
                            "говорить", "с", "вас", "по", "поводу", "чем", "мочь", "помочь",
                            "на", "связь", "здравствуй", "привет", "доброе", "ваш", "заявка"})


def _opening_noun(sw: SegmentWords, client_names: set[str]) -> str:
    """In the manager's first words, a noun that is neither a greeting nor a name is what the
    call is answered as: «Упаковка, слушаю», «видеонаблюдение "Зоркий глаз", Кирилл»."""
    if sw.segment.speaker != "manager":
        return ""
    for w in surface_words(_QUOTED.sub(" ", sw.segment.text))[:6]:
        low = w.lower().replace("ё", "е")
        if len(low) < 4 or name_score(w, True) >= NAME_SCORE or low in client_names or near_name(low):
            continue
        if is_unknown_word(low):
            return w  # a brand, or one the recogniser garbled: «Акнатёплый дом», «Автесер вис»
        parse = morph().parse(low)[0]
        if (parse.normal_form in GREETING_WORDS or parse.normal_form in ROLE_NOUNS
                or parse.tag.POS != "NOUN" or "Patr" in parse.tag):
            continue  # «меня зовут Ольга, менеджер» names a role, not the company
        return w
    return ""


def _names_said_by_client_before(words: Sequence[SegmentWords], t: float) -> set[str]:
    return {m.name for sw in words if sw.segment.speaker == "client" and sw.segment.start_s < t
            for m in first_names(sw)}


def self_introduction(words: Sequence[SegmentWords], opening: Sequence[SegmentWords],
                      known_names: Sequence[tuple[str, ...]] = ()) -> Detection | None:
    """The manager's own first name and an organisation in the opening turns."""
    own, where = _own_mention(words, opening)
    if not own and opening:
        own, where = _answered_with_full_name(words, opening[0], known_names)
    org = ""
    for n, sw in enumerate(opening):
        client_names = _names_said_by_client_before(words, sw.segment.start_s)
        # the noun a call is answered as («Упаковка, слушаю») is in the first turn only
        if not org and (org := organisation(sw, known_names) or (_opening_noun(sw, client_names) if n == 0 else "")):
            where = where or sw
    if own and not org and where is not None:
        org = _after_own_name(where, own)  # «это константин дровяной двор», «меня зовут кирилл сити хостел»
    if own and org and where is not None:
        return Detection(where, f"имя «{own.capitalize()}», организация «{org}»", 0.8)
    return None


def _answered_with_full_name(words: Sequence[SegmentWords], first: SegmentWords,
                             known_names: Sequence[tuple[str, ...]]) -> tuple[str, SegmentWords | None]:
    """«Оценочная компания «Кадастр-Эксперт», Ольга Викторовна, добрый день»: the manager's
    first words of the call, the organisation and then a name with a patronymic, are how he
    answers the phone (a name with a patronymic is otherwise the client addressed)."""
    if first.segment.speaker != "manager" or any(
            sw.segment.speaker == "client" and sw.segment.start_s < first.segment.start_s for sw in words):
        return "", None
    org = organisation(first, known_names)
    text = first.segment.text.lower().replace("ё", "е")
    org_at = text.find(org.lower().replace("ё", "е")) if org else -1
    if org_at < 0 or "?" in text:
        return "", None
    for mention in first_names(first):
        at = text.find(mention.name)
        if mention.addressed and at > org_at:
            return mention.name, first
    return "", None


ROLE_NOUNS = frozenset("менеджер консультант специалист администратор оператор сотрудник представитель "
                       "отдел директор руководитель".split())


def _after_own_name(sw: SegmentWords, own: str) -> str:
    """The words right after the manager's own name in his opening, when they name something
    (a noun, an adjective or a word the dictionary does not know — a brand), not a role, a
    greeting or a question: in lower-case ASR text the company comes straight after the name."""
    words = surface_words(_QUOTED.sub(" ", sw.segment.text))
    low = [w.lower().replace("ё", "е") for w in words]
    if own not in low:
        return ""
    i = low.index(own) + 1
    if i < len(low) and is_patronymic(words[i]):
        i += 1
    taken, names_something = [], False
    for w in low[i:i + 3]:
        parse = morph().parse(w)[0]
        noun_or_brand = parse.tag.POS == "NOUN" or not is_known(w)
        if (len(w) < 3 or parse.normal_form in GREETING_WORDS or parse.normal_form in ROLE_NOUNS
                or name_score(w, True) >= NAME_SCORE or not (noun_or_brand or parse.tag.POS == "ADJF")):
            break
        taken.append(w)
        names_something |= noun_or_brand
    return " ".join(taken) if names_something else ""


def own_name(words: Sequence[SegmentWords], opening: Sequence[SegmentWords]) -> str:
    return _own_mention(words, opening)[0]


def _own_mention(words: Sequence[SegmentWords], opening: Sequence[SegmentWords]) -> tuple[str, SegmentWords | None]:
    """The manager's own first name in the opening and its turn: a name said with «это» / «меня
    зовут» beats one said before the greeting («марина добрый день это константин …»)."""
    own, where, cued = "", None, False
    for sw in opening:
        client_names = _names_said_by_client_before(words, sw.segment.start_s)
        for mention in first_names(sw):
            if ((not own or (mention.own and not cued)) and not mention.addressed
                    and mention.name not in client_names):
                own, where, cued = mention.name, sw, mention.own
    return own, where


_CALL_VERBS = frozenset({"зовут", "звать", "кличут"})
_ASKS_MANAGERS_NAME = re.compile(r"(?:как\s+(?:вас|тебя)|(?:вас|тебя)\s+как)\s+(?:зовут|звать)"
                                 r"|как\s+к\s+вам\s+обращаться|с\s+кем\s+(?:я\s+)?(?:говорю|разговариваю)")
_SELF = frozenset({"меня", "мне", "я"})


def _named_by_client_as_others(words: Sequence[SegmentWords]) -> list[tuple[float, str]]:
    """(when, name) of each name the client gave someone else: «собака, девочка, зовут Дуся», «а
    сына зовут Петя» are not his own name («меня зовут …» is)."""
    out = []
    for sw in words:
        low = sw.segment.text.lower()
        if sw.segment.speaker != "client" or not any(v[:3] in low for v in _CALL_VERBS):
            continue
        ws = [w.replace("ё", "е") for w in surface_words(low)]
        out += [(sw.segment.start_s, ws[i + 1]) for i, w in enumerate(ws[:-1])
                if w in _CALL_VERBS and i and not _SELF.intersection(ws[max(0, i - 3):i])]
    return out


def client_name(words: Sequence[SegmentWords], manager: Sequence[SegmentWords],
                opening: Sequence[SegmentWords]) -> Detection | None:
    """The manager calls the client by name: a first name that is not the manager's own
    (not said as «меня зовут …», not the name of the opening's self-introduction)."""
    own = own_name(words, opening)
    before = {w.segment.idx: prev for prev, w in zip(words, words[1:], strict=False)}
    called = _named_by_client_as_others(words)
    for sw in manager:
        others = {name for t, name in called if t < sw.segment.start_s}
        asked = (prev := before.get(sw.segment.idx)) is not None and prev.segment.speaker == "client" \
            and bool(_ASKS_MANAGERS_NAME.search(prev.segment.text.lower()))
        for i, mention in enumerate(first_names(sw)):
            if not mention.addressed and (mention.surnamed or mention.name in others or (asked and i == 0)):
                continue  # «как Стив Джобс», «а как Дуся дорогу переносит» (the client's dog),
                # «Как вас зовут?» — «Кристина.» (his own)
            if mention.addressed or (not mention.own and mention.name != own and _vocative(sw, mention.name)):
                return Detection(sw, f"обращение по имени «{mention.name.capitalize()}»", 0.75)
    return None


# words that may stand before a name the listener is called by («ну что, Андрей», «спасибо, Ольга»)
VOCATIVE_BEFORE = frozenset("""
ну а да так вот хорошо отлично спасибо понял поняла понятно ага ок окей ой слушайте смотрите
здравствуйте свидания доброго хорошего всего добрый день вечер утро приятно очень тогда значит
что и извините простите благодарю давайте давай все алло ало алле
""".split())
# words that follow a name the listener is called by in unpunctuated speech («андрей смотрите»)
VOCATIVE_AFTER = frozenset("""
вы вам вас ваш ваша ваше ваши смотрите скажите подскажите давайте понимаю понимаете слушайте
а так это да спасибо хорошо извините простите
""".split())


def _vocative(sw: SegmentWords, name: str) -> bool:
    """Whether ``name`` stands where one calls the listener by it: at the start or end of a
    sentence (after a particle such as «ну», «спасибо», «здравствуйте»), set off by commas, or
    before «вы» / «смотрите» — not inside a list of products or a story («есть человек-паук,
    эльза, …», «касса айка стоит»). A name the recogniser garbled (not found as written) passes."""
    text = _QUOTED.sub(" ", sw.segment.text)
    found = False
    for sentence in re.split(r"[.!?…]+", text):
        ws = [w.lower().replace("ё", "е") for w in _WORD.findall(sentence)]
        for i, w in enumerate(ws):
            if w != name and near_name(w) != name:
                continue
            found = True
            head, tail = ws[:i], ws[i + 1:]
            if all(h in VOCATIVE_BEFORE for h in head) or not tail or tail[0] in VOCATIVE_AFTER:
                return True
            if re.search(rf",\s*{re.escape(w)}\s*[,—-]", sentence.lower().replace("ё", "е")):
                return True  # «Понимаю, Ольга, это важно»
    return not found


# --- value ---------------------------------------------------------------------------------

# Lemmas that mark a benefit, in any business: what is included, saved, guaranteed, faster,
# better, done for the client, what the client need not do. One alone is often incidental;
# two in one explanatory turn make a value statement («уже с печатью и с доставкой до склада»).
BENEFIT_MARKERS = frozenset("""
входить включать включен бесплатно бесплатный гарантия гарантировать гарантийный экономия экономить
сэкономить выгода выгодный выгодно быстро быстрее дешевле лучше надежный надежно качество
качественный оригинал оригинальный сертификат сертифицированный опыт отзыв разница отличие
отличаться преимущество удобно удобный позволять помогать окупаться окупить служить защищать
подарок бонус аккуратно вовремя срок ответственность отвечать круглосуточно точность точно
собственный свой сам вдвое втрое безопасный безопасно профессиональный проверенный
""".split())
NEGATED_PAIN = frozenset("придется нужно надо падать ломаться переплачивать ждать ездить сыпаться "
                         "снимать терять беспокоиться волноваться переделывать".split())
VALUE_MIN_WORDS = 10
VALUE_MIN_MARKERS = 2


def value_markers(sw: SegmentWords) -> set[str]:
    ws = sw.words
    found = {w for w in ws if w in BENEFIT_MARKERS}
    found |= {f"не {ws[i + 1]}" for i, w in enumerate(ws[:-1]) if w == "не" and ws[i + 1] in NEGATED_PAIN}
    found |= {f"без {ws[i + 1]}" for i, w in enumerate(ws[:-1]) if w == "без" and not ws[i + 1].startswith(NUM_PREFIX)}
    found |= {"вы получать" for i, w in enumerate(ws[:-1]) if w == "вы" and ws[i + 1] == "получать"}
    return found


def value_statement(manager: Sequence[SegmentWords]) -> Detection | None:
    """A manager's explanatory turn with two or more benefit markers."""
    for sw in manager:
        if len(sw.words) < VALUE_MIN_WORDS:
            continue
        markers = value_markers(sw)
        if len(markers) >= VALUE_MIN_MARKERS:
            return Detection(sw, "выгоды: " + ", ".join(sorted(markers)[:3]), 0.7)
    return None


# --- recap -------------------------------------------------------------------------------

RECAP_MIN_REPEATED = 3  # earlier facts (a time, a number, things named) said again at the end
RECAP_EXCHANGE = 1  # the turns just before: a time said back from them is a confirmation, not a recap
RECAP_MIN_OLDER = 1  # facts from before that exchange said again


def _facts(sw: SegmentWords) -> set[str]:
    """Numbers and content words (nouns, names) of a segment."""
    out = set()
    for w in sw.words:
        if w.startswith(NUM_PREFIX) or w in WEEKDAYS or w in RELATIVE_DAYS or w in MONTHS:
            out.add(w)
        elif len(w) > 3 and _is_noun(w):
            out.add(w)
    return out


@lru_cache(maxsize=50_000)
def _is_noun(lemma: str) -> bool:
    parse = morph().parse(lemma)[0]
    return parse.tag.POS == "NOUN" and "Patr" not in parse.tag


PROPOSING = frozenset("давайте давать давай предлагать удобно можно".split())
AGREED = frozenset("итак договориться записать записывать фиксировать значит повторить сверить проговорить".split())


def _proposes(sw: SegmentWords) -> bool:
    """A turn that proposes the step rather than says back what was agreed («давайте в пятницу
    в двенадцать созвонимся?», «…завезу вам на Чкалова, удобно?»)."""
    return (sw.question or bool(set(sw.words) & PROPOSING)) and not set(sw.words) & AGREED


def recap(words: Sequence[SegmentWords], manager_tail: Sequence[SegmentWords]) -> Detection | None:
    """A manager's turn at the end that says again what was agreed: a day or time named earlier
    in the call plus other facts from earlier turns («записала: среда, 19:00, пробная зумба»)."""
    for sw in reversed(manager_tail):
        before = [_facts(w) for w in words if w.segment.start_s < sw.segment.start_s]
        repeated = _facts(sw) & set().union(*before)
        timely = any(f.startswith(NUM_PREFIX) or f in WEEKDAYS or f in RELATIVE_DAYS for f in repeated)
        older = repeated & set().union(*before[:-RECAP_EXCHANGE]) - set().union(*before[-RECAP_EXCHANGE:])
        if timely and len(repeated) >= RECAP_MIN_REPEATED and len(older) >= RECAP_MIN_OLDER and not _proposes(sw):
            return Detection(sw, "повторены договорённости", 0.7)
    return None


# --- the end of a call -------------------------------------------------------------------

CLOSING_WORDS = frozenset("свидание спасибо благодарить весь добрый ладно хорошо давать договориться "
                          "пока удача ждать ок окей понятно хороший "
                          "ладный ага угу ясно ясный понятный давай".split())  # lemmas («ну ладно» → ладный)


# --- service calls -----------------------------------------------------------------------
# A complaint or a question about an existing order/contract, where no offer is discussed
# (docs/labelling.md, value_presentation: not applicable).

COMPLAINT_LEMMAS = frozenset("""
жалоба претензия возврат авария сломаться поломка брак бракованный испортиться протекать течь
отвалиться пропасть опоздать задержка задерживаться обмануть обман ругаться безобразие
опять снова гарантия гарантийный греться перегреваться выключаться выключиться западать
трескаться треснуть отклеиться сломать
""".split())  # «опять греется»: a fault back after the company's work
COMPLAINT_PAIRS = frozenset({
    ("не", "работать"), ("не", "приехать"), ("не", "привезти"), ("не", "прийти"), ("не", "доставить"),
    ("не", "позвонить"), ("не", "включаться"), ("не", "писать"), ("не", "показывать"), ("нет", "интернет"),
    ("где", "мой"), ("где", "он"), ("где", "она"), ("где", "они"), ("до", "сей"), ("до", "сих"), ("никто", "не"), ("не", "пришел"), ("не", "отвечать"),
})
ORDER_PAIRS = frozenset({("номер", "договор"), ("номер", "заказ"), ("лицевой", "счет"), ("мой", "заказ"),
                         ("кто", "оформить"), ("кто", "заказ"), ("номер", "заявка"), ("мой", "заявка"),
                         ("видеть", "заказ"), ("мне", "обещать"), ("ваш", "курьер"), ("ваш", "водитель"),
                         ("ваш", "мастер"), ("ваш", "монтажник"), ("ваш", "доктор"), ("ваш", "врач")})
SUPPORT_WORDS = frozenset({"техподдержка", "поддержка", "рекламация"})
OFFER_LEMMAS = frozenset({"предлагать", "предложить", "тариф", "акция", "подключить", "перейти"})
SERVICE_OPENING_TURNS = 2  # the client's complaint comes in his first turns
SERVICE_SCAN_TURNS = 8  # the order/contract is asked for or named early


def _pairs(ws: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(zip(ws, ws[1:], strict=False)) | set(zip(ws, ws[2:], strict=False))


def service_call(words: Sequence[SegmentWords]) -> bool:
    """The client opens with a complaint about an existing order or service, the order or
    contract comes up early (or the manager answers as support), and the manager offers
    nothing new."""
    spoken = [w for w in words if w.words]
    clients = [w for w in spoken if w.segment.speaker == "client"][:SERVICE_OPENING_TURNS]
    complaint = sum(len(set(w.words) & COMPLAINT_LEMMAS) + len(_pairs(w.words) & COMPLAINT_PAIRS)
                    for w in clients)
    if not complaint:
        return False
    early = spoken[:SERVICE_SCAN_TURNS]
    existing = any(_pairs(w.words) & ORDER_PAIRS for w in early) or any(
        set(w.words) & SUPPORT_WORDS for w in early if w.segment.speaker == "manager")
    if not existing:  # a new client with a problem is a sales call («сервер лёг, приедете?»)
        return False
    return not any(set(w.words) & OFFER_LEMMAS for w in spoken if w.segment.speaker == "manager")


def cut_by_client(words: Sequence[SegmentWords]) -> bool:
    """The client had the last word and it was no closing («что значит отстаньте, я на вас
    жалобу напишу»): the client ended the call, the manager had no chance to say goodbye."""
    spoken = [w for w in words if w.words]
    if spoken and spoken[-1].segment.speaker == "manager" and _calls_into_the_void(spoken[-1]):
        return True  # «алло, алло… ну ладно»: the client is gone, the line is dead
    if len(spoken) > 1 and spoken[-1].segment.speaker == "manager" and _stops_mid_sentence(spoken[-1]) \
            and spoken[-2].segment.speaker == "client" and _leaving(spoken[-2]):
        return True  # «Всё, давай, у меня тут…» — «Записал. И ещё, у нас акция, если вы…»: hung up on him
    if not spoken or spoken[-1].segment.speaker != "client":
        return False
    last = spoken[-1]
    if _ends_it_himself(last):
        return True
    return not (set(last.words) & CLOSING_WORDS)


_ENOUGH = re.compile(r"(?<!\w)(?:всё|все)(?:\s+(?:все|всё))?(?!\s+(?:равно|есть|нормально|хорошо|отлично|верно|правильно|так|тогда|в\s+силе))(?!\w)")
_CALM_YES = frozenset({"угу", "ага", "да", "ок", "окей", "хорошо"})


def _ends_it_himself(sw: SegmentWords) -> bool:
    """The client's last word is «всё»: «всё, до свидания», «я ж сказал не надо, всё, давай»,
    «короче ясно всё» — he ends the call; the manager got no turn to say goodbye in. Not a calm
    «угу, всё» or «ну всё, тогда ждём» after the manager's close."""
    if sw.surface and len(sw.surface) <= 2 and sw.surface[0] in _CALM_YES:
        return False  # «угу, всё», «ага, всё»: a calm yes to the manager's close
    return bool(_ENOUGH.search(sw.segment.text.lower()))


DANGLING = frozenset("если а и то по на в с к у за или но чтобы как это же ещё еще бы из от".split())
_LEAVING = re.compile(r"(?<!\w)(?:перезвоню|позвоню|наберу|некогда|бежать|убегаю|до\s+свидания)(?!\w)")


def _stops_mid_sentence(sw: SegmentWords) -> bool:
    """A turn cut off: «…», a dash, or a last word no sentence ends with («если», «и», «по»)."""
    text = sw.segment.text.rstrip()
    if text.endswith(("…", "...", "—", "-")):
        return True
    return not text.endswith((".", "!", "?")) and bool(sw.surface) and sw.surface[-1] in DANGLING


def _leaving(sw: SegmentWords) -> bool:
    """A client turn that leaves the talk: «всё», «я перезвоню», «некогда», «до свидания»."""
    return _ends_it_himself(sw) or bool(_LEAVING.search(sw.segment.text.lower()))


def _calls_into_the_void(sw: SegmentWords) -> bool:
    """A manager's last turn with «алло» twice or more («алло, алло… ну ладно», «…по старой
    цене, алло, алло, девушка»): the client hung up while he was talking."""
    return sum(sw.surface.count(w) for w in ("алло", "ало", "алле")) >= 2


# --- next step ----------------------------------------------------------------------------

def concrete_time(sw: SegmentWords) -> str:
    """A concrete day or time said in the segment («в четверг», «завтра», «15 числа», «в 11»), or ''."""
    return next(_times(sw.words), ("", -1))[0]


OPEN_HOURS_VERBS = frozenset({"работать", "открытый", "принимать"})


def _opening_hours(ws: tuple[str, ...], i: int) -> bool:
    """«работаем с девяти до шести, в субботу до трёх»: a day or an hour of the firm's opening
    hours (a «с / до» hour near it, «работаем / открыты / принимаем» just before), no date."""
    if not OPEN_HOURS_VERBS.intersection(ws[max(0, i - 8):i]):
        return False
    return any(ws[j] in ("с", "до") and ws[j + 1].startswith(NUM_PREFIX)
               for j in range(max(0, i - 1), min(len(ws) - 1, i + 3)))


def _times(ws: tuple[str, ...]):
    """Every concrete day or time of the words, with its position."""
    for i, w in enumerate(ws):
        prev = ws[i - 1] if i else ""
        nxt = ws[i + 1] if i + 1 < len(ws) else ""
        if (w in WEEKDAYS or w.startswith(NUM_PREFIX)) and _opening_hours(ws, i):
            continue
        if w in WEEKDAYS and prev == "до":
            continue  # «бронь до пятницы держим», «подумаю до пятницы»: a deadline, not a date
        if any(ws[j] == "по" and ws[j + 1] in SCHEDULE_DAYS for j in range(max(0, i - 6), i)) or (
                prev == "по" and w in WEEKDAYS):
            continue  # «по субботам в 10 или в 12», «по будням после 7»: a timetable, no date
        if w in WEEKDAYS or w in RELATIVE_DAYS:
            yield w, i
        elif w.startswith(NUM_PREFIX):
            if prev == "до" and (nxt in MONTHS or nxt == "число"):
                continue  # «если до первого числа бронируете»: an offer's deadline
            if nxt in MONTHS or nxt == "число" or (nxt in ("час", "утро", "вечер") and _is_hour(w) and prev != "за"):
                yield f"{_num(w)} {nxt}", i
                continue
            if prev == "через" and nxt in TIME_UNITS:
                yield f"через {_num(w)} {nxt}", i
                continue
            before = ws[i - 2] if i > 1 else ""
            after = ws[i + 2] if i + 2 < len(ws) else ""
            if (prev in HOUR_PREPOSITIONS and _is_hour(w) and nxt not in NOT_TIME_AFTER
                    and not (_counted(nxt) and nxt not in HOUR_NOUNS)  # «на 10 перфораторов», «на 3 месяца»
                    and not (w == "<num:1>" and nxt not in TIME_WORDS)  # «всё в одном месте», «в одну краску»: one o'clock is «в час»
                    and not (nxt.startswith(NUM_PREFIX) and after not in TIME_WORDS and _is_noun(after))  # «после 20 30 стирок»
                    and not before.startswith(NUM_PREFIX)  # «24 на 7», «3 на 4»: no time
                    and before not in TIME_UNITS):  # «недели на три вперёд»: a span
                yield f"{prev} {_num(w)}", i
        elif w == "через" and nxt in TIME_UNITS and nxt != "неделя":
            yield f"через {nxt}", i


@lru_cache(maxsize=50_000)
def _is_noun(lemma: str) -> bool:
    """A common noun («место», «стирка»), not a name («Николай подъедет»)."""
    if not lemma or lemma.startswith(NUM_PREFIX):
        return False
    tag = morph().parse(lemma)[0].tag
    return tag.POS == "NOUN" and not {"Name", "Surn", "Patr"} & set(str(tag).replace(" ", ",").split(","))


@lru_cache(maxsize=50_000)
def _counted(lemma: str) -> bool:
    """A noun that can only be a noun: what a number counts («перфоратор», «месяц»), not a verb's
    lemma read as a noun too («мочь» of «в 9 могу»)."""
    return _is_noun(lemma) and not any(p.tag.POS in ("INFN", "VERB") for p in morph().parse(lemma))


def _num(token: str) -> str:
    return token[len(NUM_PREFIX):-1]


def _is_hour(token: str) -> bool:
    try:
        return 0 <= float(_num(token)) <= 24
    except ValueError:
        return False


STEP_SPAN = 8  # words between the step's verb and its time: «подъеду, скажем, в четверг к одиннадцати»


def _step_verbs(sw: SegmentWords, at: int | None = None) -> set[str]:
    """Lemmas of the segment's verbs that can carry a next step (not «быть», «мочь»); with ``at``
    (the time's position) only those near it — in a long pitch «через десять минут не замёрзнут»
    and «вам подойдёт» are no step."""
    ws = sw.words if at is None or at < 0 else sw.words[max(0, at - STEP_SPAN):at + STEP_SPAN + 1]
    return {lemma for k, lemma in enumerate(ws) if lemma in STEP_NOUNS or (
        lemma not in NOT_VERBS and (k == 0 or ws[k - 1] != "не") and is_verb(lemma))}  # «не замёрзнут»


# What a step is called when no verb carries it: «завтра в 10 я у вас, осмотр 15 минут».
STEP_NOUNS = frozenset("""
осмотр замер встреча визит прием консультация занятие выезд доставка монтаж установка показ
просмотр примерка запись демонстрация экскурсия созвон звонок пробный
""".split())


# «перезвоните», «наберите»: the client is to call — «подумайте и перезвоните» is no agreed step
CALLBACK_FORMS = {"перезвоните": "перезвонить", "позвоните": "позвонить", "звоните": "звонить",
                  "наберите": "набрать", "набирайте": "набирать", "обращайтесь": "обращаться"}


def next_step(words: Sequence[SegmentWords], manager_tail: Sequence[SegmentWords],
              objection_segments: frozenset[int] = frozenset(),
              put_off_segments: frozenset[int] = frozenset()) -> Detection | None:
    """A manager's turn near the end with a verb and a concrete time that the client accepts
    (the client's next turn neither refuses, nor puts it off, nor objects:
    ``objection_segments`` are the client turns found to be objections; nor does a later client
    turn put the matter off: ``put_off_segments``, «я ещё посмотрю, мы вечером обсудим»)."""
    if manager_tail:  # the client's own turns in the same stretch: «завтра заеду» — «ждём»
        start = manager_tail[0].segment.start_s
        client = [w for w in words if w.segment.speaker == "client" and w.segment.start_s >= start]
        if (step := _client_step(words, client)) is not None:
            return step
    for sw in reversed(manager_tail):
        callbacks = {CALLBACK_FORMS[w] for w in sw.surface if w in CALLBACK_FORMS}
        when = next((t for t, at in _times(sw.words) if (_step_verbs(sw, at) - callbacks) - SEND_VERBS), "")
        if not when:
            when = _time_settled(words, sw)
        if not when or _only_sending_is_timed(sw):
            continue  # «пришлю сегодня» alone is no agreed step: a call or meeting needs a time
        reply = _next_client_turn(words, sw)
        if reply is not None and (_refuses(reply) or (reply.segment.idx in objection_segments
                                                      and not _agrees(reply))):
            continue
        if put_off_after(words, sw) or any(
                w.segment.idx in put_off_segments and w.segment.start_s > sw.segment.start_s and not _agrees(w)
                for w in words if w.segment.speaker == "client"):
            continue  # «…до пятницы» — later «я подумаю ещё до весны»: nothing was agreed
        return Detection(sw, f"следующий шаг: {when}", 0.75)
    return None


SETTLE_TURNS = 3  # the turns before, where the step being timed was named («когда вам перезвонить?»)
SETTLE_MAX_WORDS = 12  # a short turn: the time said back or accepted, not a pitch with hours in it
SETTLE_WORDS = frozenset("договориться записать записывать хорошо отлично ок окей добро".split())


def _time_settled(words: Sequence[SegmentWords], sw: SegmentWords) -> str:
    """The time of a step named in the turns just before, settled in this manager turn with no
    verb of its own: the time said back («когда вам перезвонить?» — «в субботу с утра» — «в
    субботу в 11, нормально?»), or the client's time accepted («позвоните в пятницу» — «во
    сколько?» — «в три» — «договорились»)."""
    if len(sw.words) > SETTLE_MAX_WORDS or set(sw.words) & SEND_VERBS:
        return ""  # «хорошо, скину всё в вотсап сегодня»: sending is no step
    before = [w for w in words if w.segment.start_s < sw.segment.start_s][-SETTLE_TURNS:]
    named = any((w.segment.speaker == "manager" and set(w.words) & WHEN_WORDS and _step_verbs(w) - SEND_VERBS)
                or (w.segment.speaker == "client" and any(x in CALLBACK_FORMS for x in w.surface)) for w in before)
    if not named:
        return ""
    if (when := concrete_time(sw)):
        return when
    last = before[-1] if before else None
    if (last is not None and last.segment.speaker == "client" and set(sw.words[:4]) & SETTLE_WORDS
            and "не" not in last.words):  # «только не в понедельник»
        return concrete_time(last)
    return ""


def client_put_off(words: Sequence[SegmentWords]) -> bool:
    """The client's last turn with words refuses or puts the matter off («ну я подумаю ещё»,
    «нет, не надо»): nothing was agreed, so there is nothing to recap."""
    last = next((w for w in reversed(words) if w.segment.speaker == "client" and len(w.words) > 1), None)
    return last is not None and _refuses(last)


CLIENT_STEP_TURNS = 3  # the client's last turns, where a step he names himself is agreed
COME_VERBS = frozenset("заехать приехать подъехать зайти подойти прийти забрать привезти записаться "
                       "заскочить заглянуть подскочить забежать".split())
# a reply that accepts the step outright, even if a word in it reads as an objection («всё верно,
# давай, некогда мне»)
AGREES = frozenset("да давать давай давайте хорошо договориться верно ок окей отлично ладно годиться "
                   "подходить согласный".split())
AGREE_MAX_WORDS = 8
WHEN_WORDS = frozenset("когда сколько время день число удобно".split())  # «к какому времени привезти?»


def _client_step(words: Sequence[SegmentWords], client: Sequence[SegmentWords]) -> Detection | None:
    """The client names the step himself («завтра заеду», «в субботу подъеду к десяти») and the
    manager's next turn does not refuse it."""
    for sw in list(reversed(client))[:CLIENT_STEP_TURNS]:
        when = concrete_time(sw)
        if not when or _refuses(sw) or put_off_after(words, sw) or _tentative(sw):
            continue
        asked = _previous_manager_turn(words, sw)  # «К какому времени привезти?» — «К семи»
        answers_a_step = (asked is not None and asked.question and bool(set(asked.words) & WHEN_WORDS)
                          and bool(_step_verbs(asked) - SEND_VERBS))
        if not (set(sw.words) & COME_VERBS) and not answers_a_step:
            continue
        after = [w for w in words if w.segment.speaker == "manager" and w.segment.start_s > sw.segment.start_s]
        if after and not _refuses(after[0]):
            return Detection(after[0], f"следующий шаг: клиент {when}", 0.7)
    return None


def _tentative(sw: SegmentWords) -> bool:
    """A client's time said as a maybe: «может, сегодня привезу, если успею снять. Или завтра» —
    two times put as alternatives («… или завтра»), or «может / наверное» with a condition
    («если успею»)."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    times = list(_times(sw.words))
    if len(times) >= 2 and "или" in sw.words[times[0][1]:times[-1][1]]:
        return True
    return bool({"может", "наверное", "наверно"} & set(surface)) and "если" in surface


def _only_sending_is_timed(sw: SegmentWords) -> bool:
    """«пришлю сегодня на почту, а потом созвонимся на следующей неделе»: the one concrete
    time of the turn belongs to sending (a send verb next to it), the step itself has none."""
    ws = sw.words
    timed = [i for i in range(len(ws)) if concrete_time(SegmentWords.of(
        dataclasses.replace(sw.segment, lemmas=ws[max(0, i - 1):i + 2])))]
    return bool(timed) and all(any(w in SEND_VERBS for w in ws[max(0, i - 2):i + 3]) for i in timed)


def put_off_after(words: Sequence[SegmentWords], sw: SegmentWords) -> bool:
    """A client turn after ``sw`` that puts the matter off («я подумаю ещё», «не надо»)."""
    return any(w.segment.speaker == "client" and w.segment.start_s > sw.segment.start_s
               and len(w.words) > 1 and _refuses(w, bare_no=False) for w in words)


def _agrees(sw: SegmentWords) -> bool:
    """A short reply that opens by accepting («всё верно, давай, некогда мне»)."""
    return len(sw.words) <= AGREE_MAX_WORDS and bool(set(sw.words[:3]) & AGREES)


def _previous_manager_turn(words: Sequence[SegmentWords], sw: SegmentWords) -> SegmentWords | None:
    before = [w for w in words if w.segment.speaker == "manager" and w.segment.start_s < sw.segment.start_s]
    return before[-1] if before else None


def _next_client_turn(words: Sequence[SegmentWords], sw: SegmentWords) -> SegmentWords | None:
    after = [w for w in words if w.segment.speaker == "client" and w.segment.start_s > sw.segment.start_s]
    return after[0] if after else None


def _refuses(sw: SegmentWords, bare_no: bool = True) -> bool:
    """A refusal anywhere in the reply («присылайте, а звонить не надо»), a bare «нет» at its
    start (``bare_no``: the direct answer to the step; later in the call «Нет, лучше на рабочую
    почту» is about something else), or putting it off («мне подумать надо»)."""
    text = " ".join(sw.words)
    return any(f" {r} " in f" {text} " for r in REFUSALS if r != "нет") or (
        bare_no and bool(sw.words) and sw.words[0] == "нет") or bool(set(sw.words) & PUT_OFF)
