"""Objections said in ordinary words: cues by meaning for the client's turns that the
catalogue's trigger phrases miss.

Each kind is a small grammar over a turn's lemmas and surface words rather than a list of
sentences: «в соседнем салоне на пятнадцать процентов ниже» is a comparison (ниже) plus another
seller (в соседнем …); «нам уже возят другие» is «уже» plus a supply verb; «скиньте в вотсап» is
a sending verb plus a channel. Comparatives are read from the surface text, because lemmas fold
«дешевле» into «дешевый». The catalogue's triggers are tried first; these cues only add.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from scoring.detectors import ORG_NOUNS
from scoring.matcher import SegmentWords
from scoring.text import NUM_PREFIX, is_known, may_be_first_name, morph

COMPARATIVE = re.compile(r"\b(дешевле|подешевле|ниже|меньше|дороже|выгоднее|дешевого|дешевая|дешевую|выше)\b")
# Another seller: a place, a person who sells, a marketplace, a competitor, a named brand.
OTHER_SELLER_LEMMAS = frozenset("""
конкурент другой соседний знакомый сосед сайт интернет авито озон вайлдберриз маркетплейс рынок
магазин салон мастер мужик парень фирма компания контора гараж группа объявление агрегатор
базар возле рядом напротив
""".split())
SELLER_PREPOSITIONS = frozenset({"в", "у", "на", "из", "от"})
# Kinds of business that sell («в типографии», «у застройщика», «в автосервисе»): the greeting's
# kinds of business without the ones a client also works in or talks of («в отделе у нас»,
# «в центре», «на складе», «в садике»).
BUSINESS_KINDS = ORG_NOUNS - frozenset("""
центр служба отдел курсы производство лаборатория банк кофейня склад холдинг группа сеть
представительство филиал садик страховая диспетчерская
""".split())
PRONOUN_SELLERS = frozenset({"там", "они"})  # «там дешевле», «у них дешевле»: only with a comparison
OFFER_VERBS = frozenset("""
предлагать предложить называть назвать насчитать посчитать считать делать сделать брать взять
стоить ставить поставить отдавать отдать привезти привозить продавать продать печатать
посмотреть обещать выходить видеть смотреть найти писать продаваться
""".split())
SAME_LEMMAS = frozenset("такой похожий аналогичный аналог одинаковый".split())  # «а в Леруа такой же за 5 тыщ»
PRICE_LEMMAS = frozenset("дорого дороговатый дорогой кусаться накладно недешево недешевый многовато "
                         "дорогостоящий жестко немалый неподъемный".split())
PRICE_PAIRS = (("не", "рассчитывать"), ("не", "потянуть"), ("нет", "деньга"), ("деньга", "нет"),
               ("это", "много"), ("не", "по"), ("дорого", "для"), ("не", "укладываться"),
               ("бюджет", "маленький"), ("выше", "бюджет"), ("за", "что"), ("равно", "много"))
SUPPLY_VERBS = frozenset("""
есть работать возить привозить обслуживать сотрудничать пользоваться брать делать сделать
застраховать подключить заключить вести поставлять охранять закупать покупать заказывать
ставить
""".split())
# an ongoing service by someone else («нас «Горлифт» обслуживает», «нам «Агроснаб» возит»)
SERVICE_VERBS = frozenset("""
обслуживать возить привозить поставлять вести охранять страховать мыть чистить убирать вывозить
забирать доставлять печатать ремонтировать чинить заказывать брать закупать покупать
опрыскивать обрабатывать полировать шить красить монтировать устанавливать обучать учить
лечить хранить сопровождать настраивать
""".split())
# how long or how regularly someone else has served them («лет шесть уже», «третий год», «по договору»)
TENURE_LEMMAS = frozenset("год давно договор постоянно всегда".split())
SUPPLIER_WINDOW = 3  # «уже» / «сейчас» at most this many words from the supply verb
WE = frozenset({"мы", "нас", "нам", "у"})
OWN_STAFF = frozenset("""
механик бухгалтер админ администратор юрист поставщик подрядчик мастер электрик программист
водитель охрана курьер дизайнер фотограф флорист повар уборщица клинер сервис специалист
агент брокер газовщик сантехник айтишник маркетолог кадровик сиделка няня логопед репетитор тренер
инструктор преподаватель монтажник плотник столяр садовник ветеринар массажист технолог
""".split())
# relatives and acquaintances who do it for them («племянник мне возит», «мне это всё Серёга делает»)
ACQUAINTANCES = frozenset("""
племянник племянница зять брат сестра кум кума сват сосед соседка друг подруга знакомый знакомая
тесть свекор дядя тетя сын дочь родственник свояк шурин деверь золовка свояченица крестный
дедушка бабушка дед
""".split())
# what someone does for them: the services, not buying («берёт», «заказывает»), plus doing it
PURCHASE_VERBS = frozenset({"заказывать", "брать", "закупать", "покупать"})
HELPER_VERBS = (SERVICE_VERBS - PURCHASE_VERBS) | frozenset(
    "делать сделать ставить поставить кормить настраивать настроить менять поменять починить привезти "
    "положить класть".split())
THINK_LEMMAS = frozenset("подумать обдумать повременить отложить переварить покумекать поразмыслить".split())
THINK_PAIRS = (("близкий", "к"), ("не", "сейчас"), ("пока", "не"), ("не", "готовый"), ("не", "решить"),
               ("в", "следующий"), ("после", "праздник"), ("потом", "посмотреть"), ("вернуться", "к"))
NO_TIME_LEMMAS = frozenset("неудобно некогда занятой занят бежать совещание руль".split())
NO_TIME_PAIRS = (("не", "удобно"), ("не", "до"), ("нет", "время"), ("за", "руль"), ("второй", "линия"))
# «Некогда» said of someone else («ему некогда, говорю же»), a busy line or date («у вас занято
# было», «если занято, то двадцатое»), busy but letting the manager go on («я в дороге, но
# говорите»), «неудобно» meaning awkward («я ему не говорила, неудобно»), running in a story
# («пришлось в „Ашан“ бежать»): none of these ends the talk.
THIRD_PERSON = frozenset("он она они".split())  # lemmas of «ему», «её», «им» too
FIRST_PERSON = frozenset("я мы".split())
GO_ON = frozenset("говорить слушать давать давай давайте можно спрашивать".split())  # «но говорите»
GIVES_TIME = frozenset("говорите слушаю рассказывайте".split())  # go on
TALK_NOW = frozenset("сейчас щас говорить разговаривать слушать минута минутка момент".split())
RUN_NOW = frozenset("надо нужно пора уже убегать".split())
# When a postponement is meant («ближе к осени, сейчас не до того»): the turn puts the talk off.
HORIZON = frozenset("""
осень весна лето зима январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь
декабрь праздник сезон квартал
""".split())
HORIZON_PAIRS = {("новый", "год"), ("через", "месяц"), ("через", "неделя"), ("через", "год"),
                 ("близкий", "к"), ("после", "праздник"), ("в", "следующий")}
# Where the client is: a reason not to talk only when said of now («я сейчас на работе»).
BUSY_PLACES = (("на", "работа"), ("на", "поле"), ("в", "дорога"), ("на", "объект"), ("на", "встреча"))
SEND_VERBS = frozenset("прислать присылать скинуть скидывать отправить отправлять выслать кинуть "
                       "переслать написать".split())
SEND_CHANNELS = frozenset("почта вотсап ватсап whatsapp телеграм телеграмм смс кп предложение прайс "
                          "каталог информация вариант презентация мейл email имейл сообщение".split())
# Paper only with a verb that sends it («бумагу какую-нибудь пришлите»), not «на бумажке написала»
PAPER = frozenset("бумага бумажка буклет листовка".split())
SEND_PAPER_VERBS = frozenset("прислать присылать выслать отправить отправлять".split())
DECIDERS = frozenset("директор муж жена руководство руководитель начальник мама папа партнер "
                     "бухгалтерия собственник хозяин шеф генеральный учредитель коллега супруг "
                     "супруга сын дочь дочка семья бригадир прораб главбух председатель заведующий "
                     "компаньон мать отец теща свекровь зять комитет правление совет".split())
CONSULT_LEMMAS = frozenset("посоветоваться согласовать согласовывать обсудить".split())
TALK_LEMMAS = frozenset("поговорить переговорить перетереть показать спросить".split())  # … with a decider
TELL_LEMMAS = frozenset({"сказать", "передать"})  # «надо Серёже сказать»: the client has to tell a decider
DECIDE_LEMMAS = frozenset({"решать", "решить"})
APPROVE_VERBS = frozenset({"утверждать", "утвердить"})  # «утверждает генеральный»; not «бюджет утверждён»
# The client coming over («в субботу заедем с Леной, ей покажу»): showing someone is then part of
# the visit, a step, not putting the matter off.
VISIT_LEMMAS = frozenset("заехать заезжать приехать подъехать зайти заходить прийти приходить заглянуть".split())
MONEY_KEEPER = {("деньга", "считать"), ("считать", "деньга")}  # lemmas: «деньги» → «деньга»


def consult_cue(sw: SegmentWords) -> str | None:
    """The cue of «решает не он»: a decider to consult, show, ask or talk to («с женой
    поговорю», «дочку надо спросить», «мужу покажу, он у нас деньги считает», «с Наташей надо
    решить», «решение принимается не мной, а тендерным комитетом»), or None. Not the manager
    sent to someone («это вы с нашим логистом обсудите»), «дай поговорить», or a visit with
    someone to show it to."""
    ws, vocab = sw.words, sw.vocab
    pairs = _pairs(ws)
    if vocab & CONSULT_LEMMAS and (vocab & DECIDERS or "с" in vocab) and _client_consults(sw):
        return next(iter(vocab & CONSULT_LEMMAS))
    if ("решать" in vocab or _present_verb(sw, APPROVE_VERBS, future=True)) and vocab & DECIDERS:
        return "решает " + next(iter(vocab & DECIDERS))  # «договоры у нас утверждает генеральный»
    if ("не", "решать") in pairs or ("не", "я") in pairs and "решение" in vocab or _cannot_decide_alone(sw):
        return "решает не он"  # «решение принимается не мной», «я ж один не решу»
    if _decides_with_someone(sw):
        return "решит с другим"  # «с Наташей надо решить», «он в субботу приедет, с ним и решим»
    talk = TALK_LEMMAS if _client_consults(sw, frozenset({"спросить"}), third=True) else TALK_LEMMAS - {"спросить"}
    talk = talk - {w for i, w in enumerate(ws) if w in talk and i and ws[i - 1] == "не"}  # «там не поговоришь»
    talks = _near(ws, talk, DECIDERS, 3) or (vocab & talk and _person_named(sw))
    if talks and (vocab & VISIT_LEMMAS or ("дать", "поговорить") in pairs):
        return None
    if _near(ws, talk, DECIDERS, 3) and "вы" not in vocab:
        return "решает не он"
    if _tells_decider(sw):
        return "решает другой человек"  # «надо Серёже сказать, сыну», «нужно директору передать»
    if pairs & MONEY_KEEPER or (vocab & (talk - {"спросить"}) and _person_named(sw) and "вы" not in vocab):
        return "решает другой человек"  # «мужу покажу, он у нас деньги считает»
    return None


def _cannot_decide_alone(sw: SegmentWords) -> bool:
    """«я ж один не решу», «сама я не решаю»: the client says he does not decide it himself (a
    first-person «не решу / не решаю», not «мы пока не решили»)."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    for i, w in enumerate(surface[1:], 1):
        normal, tag = _reading(w)
        if normal in DECIDE_LEMMAS and surface[i - 1] == "не" and "1per" in tag and "sing" in tag:
            return True
    return False


def _tells_decider(sw: SegmentWords) -> bool:
    """The client has to tell a decider first («надо Серёже сказать, сыну», «нужно директору
    передать»): «надо / нужно» and «сказать» / «передать» as an infinitive within three words of
    the decider (not «честно скажу», «мужу скажу, чтоб к вам ни ногой»)."""
    if not {"надо", "нужно"} & sw.vocab:
        return False
    surface = [w.replace("ё", "е") for w in sw.surface]
    readings = [_reading(w) for w in surface]
    for i, (normal, tag) in enumerate(readings):
        if normal in TELL_LEMMAS and "INFN" in tag and any(
                readings[j][0] in DECIDERS for j in range(max(0, i - 3), min(len(surface), i + 4)) if j != i):
            return True
    return False


def _decides_with_someone(sw: SegmentWords) -> bool:
    """«с Наташей надо решить», «с ним и решим», «с мужем решим»: a decision still to take (a
    future or an infinitive of «решить», not «мы не решили ещё», «вопрос решён») together with
    someone named just before it."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    if len(surface) != len(sw.words):
        return False
    for i, w in enumerate(surface):
        normal, tag = _reading(w)
        if normal not in DECIDE_LEMMAS or not ("futr" in tag or "INFN" in tag) or "2per" in tag:
            continue
        before = surface[max(0, i - 4):i]
        if "с" not in before:
            continue
        after_c = before[before.index("с") + 1:]
        if any(x in ("ним", "ней", "ними") or "Name" in _reading(x)[1] or _reading(x)[0] in DECIDERS
               for x in after_c):
            return True
    return False


def _client_consults(sw: SegmentWords, verbs: frozenset[str] = CONSULT_LEMMAS, third: bool = False) -> bool:
    """Whether the client (not «вы») is the one to consult: a consult verb not in the second
    person («это вы уже с нашим логистом обсудите», «согласуйте с ним сами»); ``third``: nor
    in the third («финансовый директор всё равно спросит»: the decider asks, not the client)."""
    forms = [tag for w in sw.surface for normal, tag in [_reading(w)] if normal in verbs]
    return not forms or any("2per" not in tag and "impr" not in tag and not (third and "3per" in tag)
                            for tag in forms)


def _pairs(ws: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(zip(ws, ws[1:], strict=False))


def cue_kind(sw: SegmentWords) -> tuple[str, str] | None:
    """(objection kind, the cue found) for a client turn, or None."""
    ws = sw.words
    if not ws:
        return None
    vocab = sw.vocab
    pairs = _pairs(ws)
    text = sw.segment.text.lower().replace("ё", "е")
    has_number = sw.has_number
    other_seller = bool(vocab & OTHER_SELLER_LEMMAS or OTHER_SELLER_LEMMAS.intersection(sw.surface)) or _names_a_brand(sw)

    comparative = COMPARATIVE.search(text)
    # «у них дешевле», «там дешевле» — but «вы там золотом печатаете?» is the manager's firm
    elsewhere = bool(vocab & PRONOUN_SELLERS) and not (("вы", "там") in pairs and "они" not in vocab)
    if comparative and not other_seller and not elsewhere and vocab & (OWN_BUDGET | EARLIER):
        return "price", "рассчитывали на меньшее"  # «бюджет 150, выше не согласуют», «в марте меньше было»
    weak = comparative is not None and comparative.group(1) in WEAK_COMPARATIVES - {"дороже"}  # «у вас на 1500 дороже»
    if comparative and (other_seller or elsewhere or (has_number and (not weak or _by_amount(sw)))) and _compares_prices(
            sw, comparative.group(1)):  # «маржа ниже сорока процентов», «у них меньше шестидесяти гостей»: no seller
        return "competitor_cheaper", comparative.group(1)
    if (other_seller and has_number and vocab & (OFFER_VERBS | SAME_LEMMAS)
            and ("за" in vocab or "по" in vocab or vocab & PAID) and _price_number(ws) and _priced_amounts(sw)
            and not own_past_purchase(sw)):
        return "competitor_cheaper", OTHER_OFFER

    if send_cue(sw):
        return "send_offer", "прислать " + next(iter(vocab & (SEND_CHANNELS | PAPER)))
    if heard_send(sw):
        return "send_offer", "прислать (расслышано приблизительно)"  # «скейните всё вот сап»

    if (consult := consult_cue(sw)) is not None:
        return "need_consult", consult

    if busy_cue(sw) and not not_now_but_later(sw) and not (vocab & OWN_STAFF and "свой" in vocab):
        return "no_time", "нет времени"  # «я щас урок веду, давайте быстро»: busy, not a supplier
    if not _from_us(ws) and (supplier := _supply_near(ws, "уже") or (_supply_near(ws, "сейчас") if vocab & WE else "")):
        return "have_supplier", supplier
    if ("свой" in vocab or "штатный" in vocab) and vocab & OWN_STAFF:
        return "have_supplier", "свой " + next(iter(vocab & OWN_STAFF))
    if ("работать", "с") in pairs and ("мы" in vocab or "нас" in vocab):
        return "have_supplier", "работаем с другими"
    if ("мы", "хватать") in pairs and "не" not in vocab:
        return "have_supplier", "нам хватает того, что есть"  # «мы в «2ГИС» висим, нам хватает»
    if (_serves(sw)
            and (("мы" in vocab and _other_quoted_name(sw))
                 or (vocab & TENURE_LEMMAS and _serves_now(sw) and _names_someone(sw)
                     and not ("за" in vocab and _price_number(ws))))):
        # «нас «Горлифт» обслуживает», «я беру у Гарика на Складской, лет шесть уже»
        return "have_supplier", "нас обслуживает другая фирма"
    if (vocab & HELPER_VERBS and (vocab & ACQUAINTANCES or _person_named(sw)) and _helps_now(sw)
            and not _near(ws, frozenset({"вы", "не"}), HELPER_VERBS, 2) and not _price_number(ws)):
        return "have_supplier", "это делает свой человек"  # «племянник мне кувшины возит», «брат поставит»
    if _we_have_someone(sw):
        return "have_supplier", "у нас есть свой человек"  # «но у нас Света есть, справляется»
    if _someone_comes_or_we_go(sw):
        return "have_supplier", "ходят к своему человеку"  # «к ней соседка ходит», «обычно к Сереге ездим»

    if price_words(sw):
        return "price", next(iter(vocab & PRICE_LEMMAS), "дорого")

    if busy_cue(sw):
        if not_now_but_later(sw):
            return "think_later", "не до того сейчас, позже"
        return "no_time", "нет времени"
    if (vocab & THINK_LEMMAS or pairs & set(THINK_PAIRS)) and puts_off_himself(sw):
        return "think_later", "подумаю"  # not «про перчатки я не подумал»
    return None


RUNNING = frozenset({"бегу", "убегаю"})  # not «я побежала», a goodbye


def busy_cue(sw: SegmentWords) -> bool:
    """The client busy now, by his words («бегу», «за рулём», «вторая линия», «неудобно»), said
    of himself (:func:`busy_of_self`); not a later time («после совещания посмотрю»)."""
    vocab, ws = sw.vocab, sw.words
    pairs = _pairs(ws)
    if _near(ws, frozenset({"после"}), NO_TIME_LEMMAS, 1) and not vocab & (NO_TIME_LEMMAS - {"совещание"}):
        return False
    running = bool(RUNNING & set(sw.surface))  # «всё, бегу» (the lemmatiser reads «бегу» as «бег»)
    return bool(vocab & NO_TIME_LEMMAS or running or pairs & set(NO_TIME_PAIRS) or _never_for_no_time(ws)
                or _minutes_only(ws) or (
        "сейчас" in vocab and pairs & set(BUSY_PLACES)) or ("удобно" in vocab and "не" in vocab)) and busy_of_self(sw)


QUICK_MIN_WORDS = 4  # «давайте быстро» in a longer turn limits the talk; alone it lets the manager go on


def _minutes_only(ws: tuple[str, ...]) -> bool:
    """«давайте быстро», «у меня две минуты максимум», «буквально минуту»: the client gives the
    talk a few minutes at most."""
    if len(ws) > QUICK_MIN_WORDS and any(w in ("давать", "давай", "давайте") and nxt == "быстро"
                                         for w, nxt in zip(ws, ws[1:], strict=False)):
        return True  # not «Ну ладно, давайте быстро.» alone: that lets the manager go on
    for i, w in enumerate(ws):
        if w in ("минута", "минутка") and i and (is_number(ws[i - 1]) or ws[i - 1] in ("пара", "буквально")):
            window = set(ws[max(0, i - 4):i + 3])
            if window & {"максимум", "только", "всего", "буквально"} or {"у", "я"} <= window:
                return True
    return False


def send_cue(sw: SegmentWords) -> bool:
    """A request to send something («скиньте в вотсап каталог», «бумагу какую-нибудь пришлите»)."""
    v = sw.vocab
    return bool(v & SEND_VERBS and v & SEND_CHANNELS or v & SEND_PAPER_VERBS and v & PAPER) and asks_to_send(sw)


def trigger_stands(kind: str, sw: SegmentWords) -> bool:
    """Whether a catalogue trigger of ``kind`` found in a client turn means that kind, as the
    first objection of the turn or a second one: «некогда» said of someone else
    (:func:`busy_of_self`) or the client sending something himself (:func:`asks_to_send`) does not."""
    if kind == "no_time":
        return busy_of_self(sw)
    if kind == "send_offer":
        return asks_to_send(sw)
    if kind == "think_later":
        return puts_off_himself(sw)
    if kind == "need_consult":
        return not decides_self(sw)
    return True


def puts_off_himself(sw: SegmentWords) -> bool:
    """Words of putting off that are the client's own putting off: not a thought told
    (:func:`thought_before`), not choosing between options (:func:`choosing_between`)."""
    return not thought_before(sw) and not choosing_between(sw)


def choosing_between(sw: SegmentWords) -> bool:
    """«мне понравился с лимонами или просто белый матовый, я ещё не решила»: undecided between
    options the client names («… или …» in the few words before «не решил»), which is choosing
    what to buy, not putting the decision off; «брать или нет — не решил» still is."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    for i in range(1, len(surface)):
        if surface[i - 1] != "не" or _reading(surface[i])[0] not in DECIDE_LEMMAS:
            continue
        before = surface[max(0, i - 9):i - 1]
        if "или" in before:
            k = len(before) - 1 - before[::-1].index("или")
            if before[k + 1:k + 2] not in (["нет"], ["не"]):
                return True
    return False


def decides_self(sw: SegmentWords) -> bool:
    """«Я сама решаю», «решаю я», «сам решу»: the client is the decider (the answer to «кто
    принимает решение?»), not a need to consult; a «не» before the verb says the opposite."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    for i, w in enumerate(surface):
        normal, tag = _reading(w)
        if normal not in DECIDE_LEMMAS or "1per" not in tag or (i and surface[i - 1] == "не"):
            continue  # «она сама решит»: the daughter decides — a decider to consult
        near = surface[max(0, i - 2):i + 3]
        if ("я" in near or "сам" in near or "сама" in near) and "не" not in near:
            return True
    return False


def thought_before(sw: SegmentWords) -> bool:
    """«Я вот подумал — а может, шурин положит?», «посмотри ещё варианты» (the director to her),
    «полторы тыщи за то, чтоб посмотреть?»: «подумать» / «посмотреть» never said as the client's
    own putting off («подумаю», «посмотрим», «надо подумать»), and nothing else that puts the
    decision off («пока не готов»): a thought told, not «подумаю»."""
    readings = [_reading(w) for w in sw.surface]
    forms = [(k, tag) for k, (normal, tag) in enumerate(readings) if normal in THINK_LEMMAS | LOOK_LEMMAS]
    if not forms or _pairs(sw.words) & set(THINK_PAIRS):
        return False
    for k, tag in forms:
        if "1per" in tag and ("pres" in tag or "futr" in tag):
            return False  # «подумаю», «посмотрим»
        if "INFN" in tag and {r[0] for r in readings[max(0, k - 3):k + 3]} & WANTS:
            return False  # «надо подумать», «хочу ещё посмотреть»
        if "impr" in tag and "incl" in tag:
            return False  # «давайте подумаем»
    return True


LOOK_LEMMAS = frozenset({"посмотреть", "глянуть", "поглядеть"})
WANTS = frozenset("надо нужно хотеть должен дать давать можно стоить мочь буду быть".split())


# «вотсап» as phone ASR hears it: «вот сап», «в модсап», «на вод сапки», «вацап»
HEARD_MESSENGER = re.compile(r"(?:^|\s)(?:в|на|во)?\s?(?:[вм][оа][тдц]|вац|воц)\s?с?[ао]п(?:е|у|а|ки|ке|ом)?(?=\s|$)")
SEND_ASKED = ("скиньте", "скините", "скинь", "киньте", "пришлите", "пришли", "отправьте", "вышлите", "перешлите")


def heard_send(sw: SegmentWords) -> bool:
    """A request to send, with the words garbled the way phone ASR garbles them: a messenger
    heard as «вот сап» / «модсап» or a send verb one letter off («скейните», «скините») beside
    a channel; a real request is caught by the words themselves before this."""
    from scoring.fuzzy import distance

    text = " " + re.sub(r"[^а-яё ]", " ", sw.segment.text.lower().replace("ё", "е")) + " "
    messenger = bool(HEARD_MESSENGER.search(text))
    if not (messenger or sw.vocab & SEND_CHANNELS):
        return False
    verb = bool(sw.vocab & SEND_VERBS) and asks_to_send(sw)
    heard = any(len(w) >= 5 and not is_known(w) and any(distance(w, f) <= (1 if len(w) < 7 else 2) for f in SEND_ASKED)
                for w in sw.surface)
    return verb or heard


def asks_to_send(sw: SegmentWords) -> bool:
    """Whether the client asks to be sent something: «скиньте», «пришлите», «можете отправить»
    — not «я вам в вотсапе скину», «посылки отправляю» (his own sending, first person)."""
    verbs = [_reading(w)[1] for w in sw.surface if _reading(w)[0] in SEND_VERBS]
    wish = "бы" in sw.surface  # «прислали бы»: a past form that asks; «фирма прислала КП» does not
    return not verbs or any("1per" not in tag and ("past" not in tag or wish) for tag in verbs)


def _serves(sw: SegmentWords) -> bool:
    """A service verb said of someone serving them, not negated and not of «вы»: «нас «Горлифт»
    обслуживает» (in a long turn that elsewhere says «вы понимаете» or «не звонит»); not the
    client's own trade («мы клининг, офисы убираем»)."""
    ws = sw.words
    if not any(w in SERVICE_VERBS and (i == 0 or ws[i - 1] != "не") and "вы" not in ws[max(0, i - 3):i]
               for i, w in enumerate(ws)):
        return False
    forms = [(normal, tag) for normal, tag in map(_reading, sw.surface) if normal in SERVICE_VERBS]
    return not forms or any("1per" not in tag or normal in PURCHASE_VERBS for normal, tag in forms)  # «я беру у Гарика»


def _we_have_someone(sw: SegmentWords) -> bool:
    """«у нас Света есть», «в садике есть логопед»: a person of their own for the job, said as a
    statement near «у нас … есть» (not «а у вас есть мастер?»)."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    if "есть" not in surface or sw.question:
        return False
    k = surface.index("есть")
    near = surface[max(0, k - 4):k + 4]
    if "вы" in near or "вас" in near or "нас" not in near:
        return False
    return any(_reading(w)[0] in OWN_STAFF | ACQUAINTANCES or may_be_first_name(w) for w in near)


VISIT_VERBS = frozenset("ходить приходить ездить приезжать обращаться".split())
TO_US = frozenset("мне нам ней нему ним".split())
HABIT = frozenset("обычно всегда постоянно".split())
KIN = frozenset("мама мать отец папа бабушка дедушка ребенок сын дочь дочка".split())  # «к отцу соседка ходит»


def _someone_comes_or_we_go(sw: SegmentWords) -> bool:
    """Someone of theirs comes to do it now («сейчас к ней соседка ходит», «к отцу сиделка
    приходит»), or they go to someone of theirs as a habit («мы обычно к Сереге на ранчо
    ездим»): a visit verb in the present beside «к» and that person (an acquaintance, their own
    staff or a first name)."""
    surface = [w.replace("ё", "е") for w in sw.surface]
    if sw.question:
        return False
    readings = [_reading(w) for w in surface]
    for i, (normal, tag) in enumerate(readings):
        if normal not in VISIT_VERBS or "pres" not in tag:
            continue
        near = range(max(0, i - 4), min(len(surface), i + 4))
        someone = [j for j in near if readings[j][0] in ACQUAINTANCES | OWN_STAFF
                   or (len(surface[j]) >= 3 and ("Name" in readings[j][1] or may_be_first_name(surface[j])))]
        if not someone:
            continue
        if "3per" in tag and any(surface[j] == "к" and j + 1 < len(surface)
                                 and (surface[j + 1] in TO_US or readings[j + 1][0] in KIN) for j in near):
            return True  # «к ней соседка ходит»
        if "1per" in tag and ("plur" in tag or "sing" in tag) and HABIT & set(sw.words) \
                and any(surface[j] == "к" for j in near):
            return True  # «мы обычно к Сереге ездим»
    return False


def price_said(sw: SegmentWords) -> bool:
    """The client's own budget beside a cheaper offer elsewhere: «мы думали в восемьдесят
    уложиться, а на «Авито» сдают по шестьдесят», «для нас неподъёмно». A plain «дорого, у
    конкурентов дешевле» is one objection, the cheaper offer (docs/labelling.md)."""
    return bool((sw.vocab & PLANNED and sw.has_number) or "неподъемный" in sw.vocab)


def price_words(sw: SegmentWords) -> bool:
    """The price itself resisted: a price word («дорого», «неподъёмно», «кусается» of a price, not
    «собака не кусается»), a phrase («не рассчитывали», «денег нет») or the pension."""
    ws, vocab = sw.words, sw.vocab
    return bool(vocab & PRICE_LEMMAS - {"кусаться"} or _pairs(ws) & set(PRICE_PAIRS) or _against_pension(ws) or (
        "кусаться" in vocab and (vocab & PRICE_CONTEXT or len(ws) <= 4)))


def _against_pension(ws: tuple[str, ...]) -> bool:
    """«Это ж полпенсии», «у меня пенсия двадцать две»: the price set against the client's
    pension (not «мама на пенсии»: retired)."""
    if "полпенсия" in ws:
        return True
    return any(is_number(x) or x in PRICE_CONTEXT for x in ws) and any(
        w == "пенсия" and not (i and ws[i - 1] == "на") for i, w in enumerate(ws))  # not «пенсию носят в четверг»


def _never_for_no_time(ws: tuple[str, ...]) -> bool:
    """«Всё, мне никогда, пришлите на почту»: Whisper's «никогда» for «некогда» — «мне никогда»
    not followed by «не» (not «мне никогда не звонили»)."""
    return any(w == "никогда" and i and ws[i - 1] == "я" and (i + 1 == len(ws) or ws[i + 1] != "не")
               for i, w in enumerate(ws))


def _busy_positions(ws: tuple[str, ...]) -> list[int]:
    pairs = set(NO_TIME_PAIRS) | set(BUSY_PLACES)
    return [i for i, w in enumerate(ws)
            if w in NO_TIME_LEMMAS or w == "занятый" or w == "удобно" or tuple(ws[i:i + 2]) in pairs
            or (w == "время" and "нет" in ws[max(0, i - 2):i + 3]) or (w == "никогда" and i and ws[i - 1] == "я")]


def _time_given(ws: tuple[str, ...]) -> bool:
    """«есть минут десять», «пять минут есть»: «есть» right beside the minutes."""
    return any(w in ("минута", "минутка") and "есть" in ws[max(0, i - 3):i + 3] for i, w in enumerate(ws))


def busy_of_self(sw: SegmentWords) -> bool:
    """Whether a «некогда / занят / неудобно / бежать» of a client turn says that the client
    cannot talk now (see :data:`THIRD_PERSON`): one such word about him is enough, and a turn
    with none («давайте побыстрее») is not excused."""
    ws, surface = sw.words, sw.surface
    aligned = len(surface) == len(ws)
    if _time_given(ws) and GIVES_TIME.intersection(w.replace("ё", "е") for w in surface):
        return False  # «говорите, у меня есть минут десять до совещания»: the time asked for is given
    positions = _busy_positions(ws)
    if not positions:
        return True  # «давайте побыстрее», «у меня пять минут»: nothing here to excuse
    for i in positions:
        before = [w for w in ws[max(0, i - 4):i] if w in THIRD_PERSON or w in FIRST_PERSON]
        if before and before[-1] in THIRD_PERSON:
            continue  # «он весь день за компом, говорит некогда»
        if aligned and any(may_be_first_name(w) for w in surface[max(0, i - 3):i]) and not (
                before and before[-1] in FIRST_PERSON):
            continue  # «Серёжка-то всё равно вечно занят»: someone named
        if "там" in ws[max(0, i - 2):i]:
            continue  # «реанимация, там не до колец»: a place, not the talk now
        if aligned and surface[i].replace("ё", "е") == "занято":
            continue  # the line or the date, not the person
        if ws[i] in ("за", "руль") and not (before or TALK_NOW.intersection(ws)):
            continue  # «многие первый раз за руль садятся»: nobody is driving now
        if ws[i] in ("за", "руль") and any(is_number(w) for w in ws[i + 1:i + 3]) and "год" in ws[i + 1:i + 4]:
            continue  # «я за рулём сорок лет»: years of driving, not driving now
        if ws[i] in ("занятой", "занят", "занятый") and "все" in ws[max(0, i - 2):i] and not before:
            continue  # «в сезон все заняты»: the rooms or the people there, not him
        if ws[i] in ("нет", "время") and "там" in ws[max(0, i - 1):i + 2]:
            continue  # «времени там нет, в разумные сроки» — of a contract, not of him
        after = ws[i + 1:]
        if "но" in after and GO_ON.intersection(after[after.index("но") + 1:after.index("но") + 4]):
            continue  # «я щас в дороге, но говорите»
        if ws[i] in ("удобно", "неудобно") and len(ws) > 6 and not TALK_NOW.intersection(ws):
            continue  # «неудобно» = awkward
        if ws[i] == "бежать" and not (RUN_NOW.intersection(ws) or (aligned and (
                surface[i] in ("бегу", "побегу") or "мне" in surface[max(0, i - 7):i]))):  # «мне … бежать»
            continue  # «пришлось самой бежать» — a story
        return True
    return False


def not_now_but_later(sw: SegmentWords) -> bool:
    """«Не до того» with a time ahead the talk is put off to («ближе к осени», «после нового
    года»): the client postpones (``think_later``), he is not busy this minute."""
    pairs = _pairs(sw.words)
    return ("не", "до") in pairs and bool(sw.vocab & HORIZON or pairs & HORIZON_PAIRS)


WAIT_LEMMAS = frozenset("погодить подождать отложить повременить обождать".split())


def puts_off_to(sw: SegmentWords) -> bool:
    """«ближе к весне», «до весны погожу»: the client puts the matter off to a season or month."""
    ws = sw.words  # not «до июня» alone: «до июня край», «затянули до июня» are deadlines
    return any((a, b) == ("близкий", "к") and (c in HORIZON or c == "лет")  # «к лету» lemmatises as «лет»
               for a, b, c in zip(ws, ws[1:], ws[2:], strict=False)) or any(
        a == "до" and b in HORIZON and WAIT_LEMMAS.intersection(ws) for a, b in zip(ws, ws[1:], strict=False))


def _near(ws: tuple[str, ...], a: frozenset[str], b: frozenset[str], window: int) -> bool:
    """A word of ``a`` within ``window`` words of a word of ``b`` («с женой поговорю»)."""
    at_b = [i for i, w in enumerate(ws) if w in b]
    return any(abs(i - j) <= window for i, w in enumerate(ws) if w in a for j in at_b)


@lru_cache(maxsize=200_000)
def _reading(word: str) -> tuple[str, str]:
    """(normal form, tag) of a word's first pymorphy3 parse, cached: a batch sees each word often."""
    p = morph().parse(word)[0]
    return p.normal_form.replace("ё", "е"), str(p.tag)


def _person_named(sw: SegmentWords) -> bool:
    """A first name in the turn («Лене позвоню», «мне Ренат сказал»), by pymorphy's Name tag."""
    return any(len(w) >= 3 and "Name" in _reading(w)[1] for w in sw.surface)


def _helps_now(sw: SegmentWords) -> bool:
    """Someone else doing it for them, now or next: a verb in the third person present or future
    («Серёга делает», «племянник возит», «брат поставит»; not «мы делаем», «я беру»)."""
    return _present_verb(sw, HELPER_VERBS, third_person=True, future=True)


def _present_verb(sw: SegmentWords, verbs: frozenset[str], third_person: bool = False,
                  future: bool = False) -> bool:
    """A word of the turn that is one of ``verbs`` in the present tense (third person only;
    ``future``: or the future)."""
    for word in sw.surface:
        normal, tag = _reading(word)
        if normal in verbs and ("pres" in tag or (future and "futr" in tag)) and (not third_person or "3per" in tag):
            return True
    return False


def _from_us(ws: tuple[str, ...]) -> bool:
    """«мы у вас уже заказывали»: «у вас» next to a supply verb — the supplier is this company."""
    for i in range(len(ws) - 1):
        if (ws[i], ws[i + 1]) == ("у", "вы") and set(ws[max(0, i - 3):i + 5]) & SUPPLY_VERBS:
            return True
    return False


def _serves_now(sw: SegmentWords) -> bool:
    """A service verb in the present tense («беру», «моет», «возит»), not a past order («брал»)."""
    return _present_verb(sw, SERVICE_VERBS)


NOT_PRICE_UNITS = frozenset("""
год раз минута час день неделя месяц человек штука метр сантиметр километр кило килограмм грамм
литр сотка гектар этаж комната порция куб кубометр квадрат окно машина ноль версия
""".split())


# «ниже», «меньше», «выше», «дороже» compare anything («до локтя, чуть ниже», «летом меньше»,
# «аванс как можно меньше»); they compare prices only next to an amount or a price word, or in a
# turn that names a price («у них двести восемьдесят за пачку, вы наверняка дороже»).
WEAK_COMPARATIVES = frozenset("ниже меньше выше дороже".split())
PRICE_NEAR = frozenset("цена стоить стоимость процент тысяча тыща рубль раз ценник прайс".split())


PAID = frozenset("отдать отдавать заплатить платить".split())  # «сосед восемьдесят тысяч отдал»
BUY_VERBS = frozenset("брать взять купить покупать поставить ставить заказать заказывать делать сделать".split())


def own_past_purchase(sw: SegmentWords) -> bool:
    """«За три тысячи брала, на рынке», «в прошлый раз поставил за 500 с озона»: what the client
    himself bought before, not a cheaper offer he has now."""
    readings = [_reading(w) for w in sw.surface]
    buys = [tag for normal, tag in readings if normal in BUY_VERBS]
    offers = [tag for normal, tag in readings if normal in OFFER_VERBS - BUY_VERBS and "past" not in tag]
    return bool(buys) and all("past" in tag for tag in buys) and not offers and not {"нам", "мне"} & set(sw.surface)


def _compares_prices(sw: SegmentWords, word: str) -> bool:
    if word not in WEAK_COMPARATIVES:
        return True
    ws, lemma = sw.words, _reading(word)[0]
    at = [i for i, w in enumerate(ws) if w in (word, lemma)]
    return not at or _price_number(ws) or any(is_number(w) or w in PRICE_NEAR
                                              for i in at for w in ws[max(0, i - 3):i + 4])


def _price_number(ws: tuple[str, ...]) -> bool:
    """A number in the turn that may be a price: not «лет шесть», «два раза», «пять минут»."""
    return any(is_number(w) and w not in ("<num:0>", "<num:1>") and not _counts_things(ws, i)
               for i, w in enumerate(ws))  # «метра на полтора», «лет шесть», «один мастер»


def _supply_near(ws: tuple[str, ...], cue: str) -> str:
    """«уже возят», «нам сейчас возит один парень»: a supply verb (not negated) near ``cue``."""
    for i, w in enumerate(ws):
        if w != cue:
            continue
        for j in range(max(0, i - SUPPLIER_WINDOW), min(len(ws), i + SUPPLIER_WINDOW + 1)):
            if ws[j] in SUPPLY_VERBS and (j == 0 or ws[j - 1] != "не"):
                return f"{cue} {ws[j]}"
    return ""


_QUOTED_NAME = re.compile(r"[«\"“„][^»\"”]{2,40}[»\"”]")


def _split_seller(sw: SegmentWords) -> bool:
    """A marketplace name phone ASR split in two after a preposition: «на о зоне», «на а вито»,
    «на вайлд берриз»."""
    words = [w.replace("ё", "е") for w in sw.surface]
    return any(words[i] in ("на", "в", "с", "у") and _reading(words[i + 1] + words[i + 2])[0] in OTHER_SELLER_LEMMAS
               for i in range(len(words) - 2) if len(words[i + 1]) <= 5)


def _names_a_brand(sw: SegmentWords) -> bool:
    """«в «Леруа»», «у Ростелекома»: a quoted or capitalised name after в / у / на, or a
    marketplace phone ASR split in two («на о зоне»)."""
    if _split_seller(sw):
        return True
    text = sw.segment.text
    if re.search(r"\b(в|у|на|из)\s+[«\"]", text, re.IGNORECASE):
        return True
    if re.search(r"\b(в|у|на)\s+[A-ZА-ЯЁ][а-яёa-z]{2,}", text[1:]):
        return True
    # ASR text is lower case: a word the dictionary does not know after в / у («в леруа»)
    return any(len(w) >= 4 and not is_known(w)
               for w in re.findall(r"\b(?:в|у)\s+([а-яё]+)", text.lower()))


def is_number(lemma: str) -> bool:
    return lemma.startswith(NUM_PREFIX)


# --- read against the manager's turn before: the client's answer to a quoted price ----------

PRICE_CONTEXT = frozenset("стоить стоимость цена рубль тысяча миллион прайс сумма итого платеж оплата "
                          "тариф абонемент".split())
BUDGET_LEMMAS = frozenset("бюджет рассчитывать планировать думать пенсия зарплата заложить "
                          "лимит получать максимум потолок".split())
# A comparison with the client's own plan («закладывали в полтора раза меньше», «выше мне не
# подпишут») or with what the same seller asked before («в марте меньше было») names no other seller.
OWN_BUDGET = BUDGET_LEMMAS | frozenset("закладывать компенсация согласовать подписать ожидать выделить "
                                       "выделять".split())
PLANNED = frozenset("бюджет заложить закладывать выделить рассчитывать уложиться укладываться".split())
EARLIER = frozenset("раньше прошлый январь февраль март апрель май июнь июль август сентябрь октябрь "
                    "ноябрь декабрь".split())
REACTION_LEMMAS = frozenset("ого ух ничего себе ужас пенсия зарплата полпенсия кошмар "
                            "обалдеть офигеть жесть".split())
OTHER_PARTY_LEMMAS = OTHER_SELLER_LEMMAS | PRONOUN_SELLERS | frozenset({"их", "у", "нас"})
PRICE_VERBS = OFFER_VERBS | SUPPLY_VERBS | frozenset("давать ходить отдавать продавать".split())
NAME_TAGS = ("Name", "Surn", "Patr", "Orgn", "Trad")
SHOCK_LEMMAS = frozenset("ого ого-го офигеть обалдеть ужас жесть кошмар охренеть".split())
LOWER_SHARE = 0.95  # the client's amount is below the quoted one (and not a tenth of it)


def quoted_amounts(manager: SegmentWords | None) -> frozenset[float]:
    """Amounts the manager named in a turn about money (a price word or a sum of 100 and more)."""
    if manager is None or not manager.has_number:
        return frozenset()
    values = frozenset(amounts(manager))
    if manager.vocab & PRICE_CONTEXT or any(v >= 100 for v in values):
        return values
    return frozenset()


def amounts(sw: SegmentWords, prices_only: bool = False) -> list[float]:
    """The turn's numbers, a price said the short way read whole: «шесть двести» → 6200;
    ``prices_only`` leaves out counts of things (:func:`_counts_things`)."""
    out: list[float] = []
    prev_num = False
    ws = sw.words
    for i, w in enumerate(ws):
        if not w.startswith(NUM_PREFIX):
            prev_num = False
            continue
        v = float(w[len(NUM_PREFIX):-1])
        if prev_num and out and 1 <= out[-1] < 100 and 100 <= v < 1000 and v % 100 == 0:
            out[-1] = out[-1] * 1000 + v
        elif not (prices_only and _counts_things(ws, i)):
            out.append(v)
        prev_num = True
    return out


MONEY_NOUNS = frozenset("тысяча тыща рубль косарь штука миллион лям процент копейка евро доллар".split())


def _counts_things(ws: tuple[str, ...], i: int) -> bool:
    """A number that counts things, not money: «3 заявки», «за 1 окно», «14 кафе», «лет шесть»."""
    nxt = ws[i + 1] if i + 1 < len(ws) else ""
    if nxt and nxt not in MONEY_NOUNS and not is_number(nxt) and "NOUN" in _reading(nxt)[1]:
        return True
    if (i and ws[i - 1] in ("за", "по")) or nxt == "за":
        return False  # «в прошлом году за 18»: «за» names the price; «3 900 за человека»: a rate
    if i > 1 and ws[i - 1] == "год" and ws[i - 2] in ("на", "в"):
        return False  # «в бюджете на год сто пятьдесят»: a sum per year
    return bool(NOT_PRICE_UNITS.intersection(ws[max(0, i - 2):i + 3]))


def best_cue(sw: SegmentWords, manager: SegmentWords | None,
             earlier: frozenset[float] = frozenset()) -> tuple[str, str] | None:
    """The turn's cue: a cheaper offer read against the quoted price first (it says more than
    «нас "Горлифт" обслуживает» alone), then the turn's own cues, then the other context cues.
    ``earlier``: the amounts the manager quoted in the call before his last turn."""
    in_context = context_cue(sw, manager, earlier)
    if in_context is not None and in_context[0] == "competitor_cheaper":
        return in_context
    found = cue_kind(sw)
    asked = quoted_amounts(manager) | earlier  # every price the manager named so far
    if (found == ("competitor_cheaper", OTHER_OFFER) and not _below_quoted(sw, asked)
            and against_yours(sw) is None):  # «… три девятьсот, а у вас на сайте пять двести»: set against his own
        return "price", "сравнивает с ценой не ниже"  # «Тридцать штук?! Я новый в «Драйве» за тридцать пять видел»
    if found is not None and found[0] == "have_supplier" and _supplier_cheaper(sw, asked):
        return "competitor_cheaper", "у своих дешевле"  # «"Флора-Сервис" берёт с нас сто восемьдесят»
    return found or in_context


OTHER_OFFER = "другое предложение с ценой"
FREE_LEMMAS = frozenset("бесплатно бесплатный даром задаром".split())


def _supplier_cheaper(sw: SegmentWords, quoted: frozenset[float]) -> bool:
    """A supplier the client names with a lower price than the one the manager quoted, or for
    free («в соцзащите учат бесплатно»): the cheaper price is what resists (docs/labelling.md)."""
    prices = [v for v in quoted if v >= 100]
    if not prices:
        return False
    if sw.vocab & FREE_LEMMAS:
        return True
    return _said_below(_priced_amounts(sw), prices, quoted)


def _below_quoted(sw: SegmentWords, quoted: frozenset[float]) -> bool:
    """Whether an amount of the turn, other than the manager's own said back, is below a price
    he quoted (the one the client echoes, else any; however far below); True when he quoted
    none (nothing to compare with). «Тридцать тысяч за сайт? Я за эти деньги два комплекта резины продаю» or a
    dearer new part against a repair is a reaction to the price, not a cheaper offer."""
    prices = frozenset(v for v in quoted if v >= 100)
    if not prices:
        return True
    echoed = prices.intersection(v * k for v in amounts(sw) for k in (1, 1000))
    said = _priced_amounts(sw)  # said as a price: «за сорок», «по тысяче двести»
    for top in sorted(echoed or prices):  # «за сорок» against 58 000: thousands left unsaid, not «4 900»
        if any(v not in prices and v < top for v in [*_in_thousands([v for v in said if v < 1000], top),
                                                      *(v for v in said if v >= 1000)]):
            return True
    return False


def context_cue(sw: SegmentWords, manager: SegmentWords | None,
                earlier: frozenset[float] = frozenset()) -> tuple[str, str] | None:
    """(kind, cue) of a client turn that answers a price the manager just named:

    * a lower amount from someone else — «Петрович по двадцать семь даёт», «на Авито за миллион
      триста», «у нас СЭС за две тыщи ходит» — is ``competitor_cheaper``;
    * a lower amount the client had in mind — «мы рассчитывали тысяч на сто» — is ``price``;
    * the price said back with a reaction — «Девять четыреста… это ж полпенсии» — is ``price``.

    A price the manager named earlier in the call (``earlier``) still counts for a lower amount
    from a named seller («на Авито корги за сорок продают» two turns after «шестьдесят тысяч»),
    not for the reactions, which answer the turn just said."""
    quoted = quoted_amounts(manager)
    if not quoted and earlier and sw.words and sw.has_number:
        return _cheaper_elsewhere(sw, earlier)
    if not quoted or not sw.words:
        return None
    top = max(quoted)
    if top < 100 and not manager.vocab & PRICE_CONTEXT:
        return None  # «24 балла», «полгода»: numbers, no price
    if sw.words[0] in SHOCK_LEMMAS or tuple(sw.words[:2]) == ("ничего", "себе"):
        return "price", "реакция на цену"  # «Ого.», «ого 6 с половиной я думала тыщи 3»
    echoed = quoted.intersection(v * k for v in amounts(sw) for k in (1, 1000))
    if echoed:  # «Двести восемьдесят? У меня в бюджете сто пятьдесят»: the price reacted to, not
        top = max(echoed)  # the twenty million of insurance named in the same turn
    # «сто восемьдесят — я ему семьдесят плачу»: thousands are often left unsaid
    said = _in_thousands(amounts(sw, prices_only=True), top)
    lower = [v for v in said if v not in quoted and 0.1 * top <= v < LOWER_SHARE * top]
    if lower:
        if sw.vocab & OWN_BUDGET and not (sw.vocab & BUDGET_ONLY_THOUGHT == sw.vocab & OWN_BUDGET
                                          and _names_seller(sw)):
            return "price", "рассчитывали на меньшее"  # «у меня максимум два миллиона»: the client's budget
        if not _names_seller(sw) and (_paid_myself(sw) or ("было" in sw.surface and sw.vocab & EARLIER_PRICE)):
            return "price", "раньше платил меньше"  # «я в прошлом году за двушку девять платил», «было же девять»
        if _names_someone(sw) and (sw.vocab & PRICE_VERBS or {"за", "по", "они"} & sw.vocab or _names_a_brand(sw)
                                   or _QUOTED_NAME.search(sw.segment.text)):
            return "competitor_cheaper", "у других дешевле"  # «у «ЧистоЛайна» стандартная две девятьсот»
    if set(said) & quoted and sw.vocab & REACTION_LEMMAS:
        return "price", "реакция на цену"
    if earlier - quoted:
        return _cheaper_elsewhere(sw, earlier - quoted)
    return None


# «я так и думал» beside a seller's lower amount is no budget: «я так и думал, а на Озоне за двенадцать»
BUDGET_ONLY_THOUGHT = frozenset({"думать"})


EARLIER_PRICE = frozenset({"же", "раньше", "прошлый", "год"})  # «было же девять», «в прошлом году было»


def _paid_myself(sw: SegmentWords) -> bool:
    """«я в прошлом году за двушку девять платил»: the client's own past payment (a past form of
    a paying verb with «я»), set against the quote: a price reaction when no seller is named."""
    if "я" not in sw.surface:
        return False
    return any(normal in PAID and "past" in tag for normal, tag in (_reading(w) for w in sw.surface))


# The client's own firm introduced: «я с мясокомбината «Заречный»», «Тарасенко Ольга Михайловна,
# агрохолдинг «Слободской»»: a name after «я с / я из …» or right after a patronymic.
_OWN_FIRM = re.compile(r"\b(?:я|мы)\s+(?:с|из|со)\s+(?:[а-яё-]+\s+){0,2}[«\"“„]"
                       r"|\b[а-яё]+(?:вна|вич|ична),?\s+(?:[а-яё-]+\s+){0,2}[«\"“„]", re.IGNORECASE)


def _other_quoted_name(sw: SegmentWords) -> bool:
    """A quoted name in the turn that is not the client's own firm introduced (:data:`_OWN_FIRM`)."""
    text = sw.segment.text
    own = {m.end() - 1 for m in _OWN_FIRM.finditer(text)}
    return any(m.start() not in own for m in _QUOTED_NAME.finditer(text))


def _names_seller(sw: SegmentWords) -> bool:
    """A seller named outright: a word for one («на Озоне», «знакомые», «в салоне»), a brand, or
    a kind of business after a preposition — what lower-case ASR text leaves of a name («в
    типографии на декабристов посчитали» for «в типографии на Декабристов»)."""
    ws = sw.words
    return bool(sw.vocab & OTHER_SELLER_LEMMAS) or _names_a_brand(sw) or bool(_QUOTED_NAME.search(sw.segment.text)) \
        or any(w in SELLER_PREPOSITIONS and ws[i + 1] in BUSINESS_KINDS for i, w in enumerate(ws[:-1]))


def _in_thousands(values, top: float, least: float = 0.0) -> list[float]:
    """«сто восемьдесят — я ему семьдесят плачу»: thousands are often left unsaid; an amount
    (from ``least`` up) under a tenth of ``top`` that is in range once read as thousands."""
    return [v * 1000 if top >= 1000 and least <= v < 0.1 * top <= v * 1000 else v for v in values]


def _cheaper_elsewhere(sw: SegmentWords, quoted: frozenset[float]) -> tuple[str, str] | None:
    """``competitor_cheaper`` for a named seller's amount below a price the manager quoted earlier
    in the call: the seller named outright and the amount said as a price («за сорок», «назвали
    восемьдесят пять тысяч», «35 тыщ»), not a count, an address or the client's own budget or
    purchase, nor one of the manager's own amounts said back."""
    prices = [v for v in quoted if v >= 100]
    if not prices or not _names_seller(sw) or own_past_purchase(sw):
        return None
    if sw.vocab & (OWN_BUDGET - BUDGET_ONLY_THOUGHT):
        return None  # «мы рассчитывали на сорок»: the budget (the turn after the price decides that)
    said = [v for v in _priced_amounts(sw) if v not in quoted]
    echoed = set(prices).intersection(v * k for v in amounts(sw) for k in (1, 1000))
    if _said_below(said, sorted(echoed) if echoed else prices, quoted):
        return "competitor_cheaper", "у других дешевле"
    return None


def _said_below(said: list[float], tops, quoted: frozenset[float]) -> bool:
    """An amount of ``said`` (thousands left unsaid read in, :func:`_in_thousands`), not one the
    manager quoted, below one of ``tops`` but not a tenth of it."""
    return any(v not in quoted and 0.1 * top <= v < LOWER_SHARE * top
               for top in tops for v in _in_thousands(said, top, least=10))


def against_yours(sw: SegmentWords) -> tuple[str, str] | None:
    """«Я на тридцать рассчитывал, а у вас сорок два», «двадцать в месяц на еду, а вы мне сто
    двадцать»: a lower amount set against «а у вас / а вы мне» and a higher one — the price
    objected to; ``competitor_cheaper`` when a seller is named for the lower one. The last resort
    of :func:`scoring.objections.detect_objections` (after the turn classifier): on garbled phone
    text the amounts are often all that is left of the objection."""
    ws = sw.words
    for i in range(len(ws) - 2):
        if ws[i] != "а" or ws[i + 1] not in ("у", "вы"):
            continue
        tail = ws[i + 1:i + 6]
        if "вы" not in tail:
            continue
        head_sw = SegmentWords.of(dataclasses.replace(sw.segment, lemmas=ws[:i]))
        tail_sw = SegmentWords.of(dataclasses.replace(sw.segment, lemmas=ws[i:i + 9]))
        yours = amounts(tail_sw, prices_only=True)
        theirs = amounts(head_sw, prices_only=True)
        if not yours or not theirs:
            continue
        top = max(yours)
        if any(0.1 * top <= v < LOWER_SHARE * top for v in theirs):
            return ("competitor_cheaper", "у других дешевле") if _names_seller(head_sw) or (
                head_sw.vocab & PRONOUN_SELLERS) else (
                "price", "рассчитывали на меньшее")
    return None


def _by_amount(sw: SegmentWords) -> bool:
    """«тысячам на 15 меньше», «на 20 процентов ниже»: a comparison by a difference (a number
    after «на», a money word or the comparative right after it), not «на два этажа выше»."""
    ws, surface = sw.words, [w.replace("ё", "е") for w in sw.surface]
    if len(surface) != len(ws):
        return False
    for i, w in enumerate(ws[:-2]):
        if w == "на" and (is_number(ws[i + 1]) or ws[i + 1] in HALVES):
            nxt = surface[i + 2:i + 4]
            if nxt and (nxt[0] in COMPARATIVE_WORDS or (ws[i + 2] in MONEY_NOUNS and COMPARATIVE_WORDS.intersection(nxt[1:]))):
                return True
    return False


COMPARATIVE_WORDS = frozenset("меньше ниже выше дешевле дороже".split())


def _priced_amounts(sw: SegmentWords) -> list[float]:
    """The turn's amounts said as prices: after «за» / «по» or a price verb, or before a money
    word («тыщ», «рублей»); never beside a unit of count or time («часа по два», «60 на 120»)."""
    ws = sw.words
    out = []
    for i, w in enumerate(ws):
        if not (is_number(w) or w in HALVES) or (i + 2 < len(ws) and ws[i + 1] == "на" and is_number(ws[i + 2])):
            continue
        before, after = ws[max(0, i - 3):i], ws[i + 1:i + 2]
        value = HALVES.get(w) or float(w[len(NUM_PREFIX):-1])
        after_for = bool(i) and ws[i - 1] in ("за", "по")
        rate = after == ("за",) or (  # «3 90 за человека», «450 за метр»: a price per unit
            value >= 100 and ws[i + 1:i + 2] == ("в",) and ws[i + 2:i + 3] and ws[i + 2] in RATE_UNITS)  # «2500 в час»
        if rate:
            pass  # the unit after «за» is what the price is for
        elif after_for:  # «в прошлом году за 18», «все окна за 5 тыщ» — not «по два часа», «часа по два»
            if set(after) & NOT_PRICE_UNITS or (i > 1 and ws[i - 2] in NOT_PRICE_UNITS and value < 10):
                continue
        elif NOT_PRICE_UNITS.intersection(ws[max(0, i - 2):i + 3]) and not set(after) & MONEY_NOUNS:
            continue
        if after_for or rate or set(after) & MONEY_NOUNS or set(before) & PRICE_SAYING or (
                i and ws[i - 1] in MONEY_NOUNS):  # «за миллион 300»
            out.append(value)
    return out


RATE_UNITS = frozenset("час день сутки неделя месяц год смена".split())  # «2500 в час», «18 000 в месяц»
HALVES = {"полтора": 1.5, "полторы": 1.5}  # «за полторы тыщи»
# verbs that give a price right before the amount: «назвали восемьдесят пять», «сказали 35 тыщ»
PRICE_SAYING = (OFFER_VERBS - frozenset("видеть смотреть посмотреть найти".split())) | frozenset(
    "сказать говорить выйти обойтись стоить просить хотеть".split())


def _names_someone(sw: SegmentWords) -> bool:
    """Another seller or supplier in the turn: a word for one, «там» / «у них», a person's name
    («Петрович», «Витька»), a brand (quoted, capitalised or a word the dictionary does not know)."""
    if sw.vocab & OTHER_PARTY_LEMMAS or _names_a_brand(sw) or _QUOTED_NAME.search(sw.segment.text):
        return True
    for word in sw.surface:
        if len(word) < 3 or word.isdigit():
            continue
        tag = _reading(word)[1]
        if any(t in tag for t in NAME_TAGS) or "UNKN" in tag or "LATN" in tag or (
                len(word) > 4 and not is_known(word)):  # «мотовилиха», «горлифт»
            return True
    return False


# --- a client turn that answers what the manager just asked or proposed -------------------

DECISION_LEMMAS = frozenset("решать решение участвовать выбор выбирать принимать согласовывать утверждать".split())
THINK_PROPOSALS = frozenset("подумать надумать обдумать".split())
QUESTION_STARTS = frozenset("как какой сколько когда кто где куда зачем почему что чем".split())


ACCEPT_SEND_WORDS = 8  # «Ага. Присылайте, почта на визитке есть.»; longer replies say more


BUDGET_ASKED = frozenset("бюджет ориентироваться рассчитывать закладывать планировать".split())


def asks_budget(manager: SegmentWords) -> bool:
    """The manager asks what the client means to spend («И по бюджету на что ориентируетесь?»,
    «на какой бюджет рассчитываете»): the amount in the answer is a budget stated when asked, no
    objection (docs/labelling.md)."""
    return bool(manager.vocab & BUDGET_ASKED) and (manager.question or bool(manager.vocab & QUESTION_STARTS))


def answers_the_manager(kind: str, manager: SegmentWords | None, by_trigger: bool,
                        client: SegmentWords | None = None) -> bool:
    """Whether a client turn read as ``kind`` only answers the manager's turn before it: who
    takes part in the decision (asked: «Кто ещё участвует в выборе?» — «С мужем решаем»),
    thinking it over when the manager proposed it («Подумайте и наберите» — «Ладно, подумаю»),
    or — for a ``think_later`` found by a cue, not a trigger — any question of the manager
    («Какой бюджет закладываете?» — «Пока не знаю»)."""
    if manager is None or not manager.words:
        return False
    if kind == "price":  # «На какой бюджет ориентируетесь?» — «думали в сто пятьдесят уложиться»
        return (client is not None and asks_budget(manager) and not price_words(client)
                and not _names_seller(client) and not COMPARATIVE.search(client.segment.text.lower()))
    if kind == "need_consult":
        return "кто" in manager.vocab and bool(manager.vocab & DECISION_LEMMAS)
    if kind == "send_offer":  # «Я вам на почту пришлю предложение» — «Ага, присылайте»: a yes
        return (client is not None and len(client.words) <= ACCEPT_SEND_WORDS and consult_cue(client) is None
                and not client.vocab & THINK_LEMMAS
                and any(_reading(w)[0] in SEND_VERBS and "1per" in _reading(w)[1] for w in manager.surface))
    if kind == "think_later":
        if manager.vocab & THINK_PROPOSALS and not manager.question:
            return True
        if client is not None and puts_off_to(client):
            return False  # «Давайте мы, наверное, ближе к лету»: put off, whatever was asked
        return not by_trigger and (manager.question or bool(set(manager.words[:4]) & QUESTION_STARTS))
    return False
