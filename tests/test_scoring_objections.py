"""Objections: every kind is found on the client side, every handling class is recognised."""

import pytest

from scoring.text import lemmatize
from tests.scoring_calls import GOOD_CALL, score, verdicts

OPENING = GOOD_CALL[:5]


def _objection(client_text: str, manager_text: str | None):
    lines = [*OPENING, ("client", client_text)]
    if manager_text is not None:
        lines.append(("manager", manager_text))
    lines.append(("client", "Хорошо."))
    lines.append(("manager", "Всего доброго, до свидания!"))
    s = score(lines)
    assert len(s.objections) == 1, s.objections
    return s, s.objections[0]


@pytest.mark.parametrize("client_text, kind", [
    ("Ой, это дорого для нас.", "price"),
    ("У конкурентов на 20% дешевле.", "competitor_cheaper"),
    ("Мне в другом месте предложили дешевле на пять тысяч.", "competitor_cheaper"),
    ("Я подумаю ещё, не сейчас.", "think_later"),
    ("Извините, у меня нет времени.", "no_time"),
    ("Мы уже работаем с другой компанией.", "have_supplier"),
    ("Пришлите КП на почту.", "send_offer"),
    ("Мне надо посоветоваться с женой.", "need_consult"),
])
def test_each_objection_kind_is_found(client_text, kind):
    _, o = _objection(client_text, "Понимаю. А что для вас важно при выборе?")
    assert o.kind == kind
    assert o.segment_idx == 5 and o.rule_hits[0].startswith("trigger:")


@pytest.mark.parametrize("answer, handling", [
    ("Понимаю. Зато у нас гарантия десять лет и собственное производство, вы сэкономите на отоплении.", "value"),
    ("Дорого по сравнению с чем? С чем вы сравниваете?", "question"),
    ("Хорошо, давайте я вам сделаю скидочку пять процентов.", "discount"),
    ("Угу. Так вот, какой у вас этаж?", "ignored"),
    ("Хорошо, как скажете, до свидания.", "other"),
])
def test_each_handling_class_is_recognised(answer, handling):
    s, o = _objection("Это дорого.", answer)
    assert o.handling == handling, o
    assert o.response_idx == 6 and 0 < o.confidence <= 1


def test_an_unanswered_objection_is_ignored_and_the_criterion_fails():
    s = score([*OPENING, ("client", "Это слишком дорого."), ("client", "Алло? Вы тут?")])
    (o,) = s.objections
    assert o.handling == "ignored" and o.response_idx is None
    assert "ignored: нет ответа менеджера" in o.rule_hits
    assert verdicts(s)["objection_handling"] == "fail"
    s2, o2 = _objection("Это слишком дорого.", "Давайте я дам скидку десять процентов.")
    assert o2.handling == "discount"
    assert verdicts(s2)["objection_handling"] == "fail"
    assert any(h.startswith("discount:") for h in o2.rule_hits)


def test_objection_handling_is_not_applicable_without_objections():
    assert verdicts(score(OPENING + [("manager", "Всего доброго!")]))["objection_handling"] == "not_applicable"


def test_a_manager_objection_phrase_is_not_a_client_objection():
    s = score([*OPENING, ("manager", "Многие говорят, что это дорого, но гарантия окупает всё.")])
    assert s.objections == ()


@pytest.mark.parametrize("a, b", [
    ("скидка", "скидку"), ("скидка", "скидочку"), ("скидка", "скидки"),
    ("ёлка", "елка"), ("20%", "двадцать процентов"), ("5000", "пять тысяч"),
    ("5 000 рублей", "пять тысяч рублей"), ("в 15:30", "в пятнадцать тридцать"),
])
def test_inflections_yo_and_numbers_read_alike(a, b):
    assert lemmatize(a) == lemmatize(b)


def test_number_tokens_are_canonical():
    assert lemmatize("на 20% дешевле") == ("на", "<num:20>", "процент", "дешевый")
    assert lemmatize("сто двадцать пять тысяч") == ("<num:125000>",)
    assert lemmatize("по тысяче двести") == ("по", "<num:1200>",)
    assert lemmatize("тысяча рублей") == ("тысяча", "рубль")
    # a price in speech leaves «тысячи» unsaid; a time is no such number
    assert lemmatize("за две восемьсот") == ("за", "<num:2800>")
    assert lemmatize("сорок пять пятьсот") == ("<num:45500>",)
    assert lemmatize("в два тридцать") == ("в", "<num:2>", "<num:30>")


def _after_price(quote: str, reply: str):
    lines = [*OPENING, ("manager", quote), ("client", reply),
             ("manager", "Понимаю. Зато у нас гарантия пять лет и свой монтаж."), ("client", "Хорошо."),
             ("manager", "Всего доброго, до свидания!")]
    return score(lines).objections


@pytest.mark.parametrize("quote, reply, kind", [
    ("Морковь мытая — тридцать два рубля за килограмм.", "Тридцать два? Петрович по двадцать семь даёт.",
     "competitor_cheaper"),
    ("Участок стоит два миллиона сто.", "Угу. Я на авито смотрел, там двенадцать соток за миллион триста.",
     "competitor_cheaper"),
    ("Абонемент 3500 в месяц за склад.", "3500 вы чё у нас сэс за 2 тыщи ходит", "competitor_cheaper"),
    ("Гвоздики с фианитами за девять четыреста.", "Девять четыреста... Это ж полпенсии моей.", "price"),
    ("Весь пакет на одиннадцать человек — сто восемьдесят тысяч.",
     "Сто восемьдесят. Я Кожевникову за два дня семьдесят плачу.", "competitor_cheaper"),  # «тысяч» unsaid
    ("Семь тысяч пятьсот в месяц за лифт.", "Вот. А «Горлифт» с нас шесть двести берёт.", "competitor_cheaper"),
    ("Под ключ с доставкой и сваями — пятьдесят восемь тысяч.", "Ого.", "price"),
    # against the client's own plan or the seller's old price: no other seller
    ("Переезд офиса под ключ — двести десять тысяч.", "Ну допустим, но у нас бюджет на переезд сто пятьдесят заложен, выше не согласуют.", "price"),
    ("Курс на одного — шестнадцать тысяч девятьсот.", "Ого. Мы закладывали в два раза меньше.", "price"),
    ("Двести визиток — четыре тысячи.", "Вы там золотом печатаете, что ли? В марте вроде меньше было.", "price"),
    ("Картриджи — триста десять за штуку.", "Но у них «Снегурочка» двести восемьдесят за пачку, вы наверняка дороже выйдете.", "competitor_cheaper"),
    ("Ответственность застрахована на двадцать миллионов. По цене — двести восемьдесят тысяч за мойку.",
     "Двести восемьдесят? У меня на весь фасад в бюджете на год сто пятьдесят заложено.", "price"),  # the echoed price
    # another seller's amount that is not below the quote: a reaction to the price, not a cheaper offer
    ("Ремонт редуктора — двадцать две тысячи.", "Двадцать две?! Я новый редуктор в «Агромаше» за двадцать пять видел.", "price"),
    ("Лендинг под ключ — сорок тысяч.", "Сорок тысяч за страничку? Да я за эти деньги на рынке неделю торгую.", "price"),
    ("Лендинг под ключ — сорок тысяч.", "Сорок? У «Вебстудии» такой же за двадцать пять делают.", "competitor_cheaper"),
    # lower-case ASR text: a kind of business after a preposition is what is left of the name
    ("Буквы с подсветкой — семьдесят две тысячи.", "а мне в типографии на декабристов посчитали пятьдесят пять за буквы",
     "competitor_cheaper"),
    # the client's own past payment or the seller's old price, no other seller: price
    ("Генеральная уборка — девять тысяч.", "Ну вы даёте, я в прошлом году за такую же шесть платила.", "price"),
    ("Пакет семян — от пятнадцати рублей.", "От пятнадцати! Было же десять. Это ж в полтора раза.", "price"),
    # the current supplier's lower price or a free place is the cheaper price (docs/labelling.md)
    ("Выходит три тысячи девятьсот на ребёнка, всё включено.",
     "Нам в родительском чате уже скинули какую-то «Радугу», они в тот же Суздаль возят за две восемьсот.",
     "competitor_cheaper"),
    ("Курс — восемь занятий, шесть тысяч четыреста.",
     "А соседка моя говорит, в соцзащите учат бесплатно, она туда ходила.", "competitor_cheaper"),
    ("Фотосессия — восемь тысяч за час с фотографом.",
     "Хм. А в «Мансарде» на Лесной, я смотрела, зал две пятьсот в час.", "competitor_cheaper"),
])
def test_an_answer_to_a_quoted_price_is_read_against_it(quote, reply, kind):
    found = _after_price(quote, reply)
    assert [o.kind for o in found] == [kind]


def test_a_lower_number_that_answers_a_question_is_no_objection():
    assert _after_price("Сколько у вас посадочных мест? Зал от 100 тысяч.", "Мест на тридцать, официантов двое.") == ()


@pytest.mark.parametrize("reply, kinds", [
    ("Ну, думали в сто пятьдесят тысяч уложиться.", []),  # a budget stated when asked
    ("ну я думал тыщ 50 60 максимум", []),
    ("Ой, сто пятьдесят — это для нас дорого, мы столько не потянем.", ["price"]),  # resisted, not stated
])
def test_a_budget_stated_when_asked_is_no_price_objection(reply, kinds):
    lines = [*OPENING, ("manager", "Кухня под ключ от двухсот тысяч. И по бюджету на что вы ориентируетесь?"),
             ("client", reply), ("manager", "Понял, подберём варианты."), ("client", "Хорошо."),
             ("manager", "Всего доброго, до свидания!")]
    assert [o.kind for o in score(lines).objections] == kinds


@pytest.mark.parametrize("text, kind", [
    ("По квартирам, да. Но я беру у Гарика на Складской, лет шесть уже.", "have_supplier"),
    ("Нас «Аквабокс» на Заводской моет, уже два года по договору.", "have_supplier"),
    ("Ладно, я ещё с женой поговорю, она у нас главный казначей.", "need_consult"),
    ("Мне ещё с бригадиром переговорить надо.", "need_consult"),
    ("а в леруа такой же за 5 тыщ", "competitor_cheaper"),
    ("мне тесть на авито брал в прошлом году за 18 и сами поставили", "competitor_cheaper"),
    ("Слушай, а мне это всё Серёга делает, в гаражах на Южке.", "have_supplier"),
    ("ну и племянник мне кувшины эти возит картриджи меняет раз в месяц", "have_supplier"),
    ("Это у меня Леночка, дочка, деньги считает.", "need_consult"),
    ("Давайте до весны, да и с Оксаной надо решить, каркас или газобетон.", "need_consult"),
    ("Он в пятницу вернётся из рейса, с ним и решим.", "need_consult"),
    ("Вопрос не ко мне: решение принимается не мной, а закупочной комиссией и правлением.", "need_consult"),
    ("ну это мне тёщу надо спросить она нам на свадьбу обещала", "need_consult"),
    ("слушайте я ж один не решу у нас бюджет супруга ведёт", "need_consult"),
    ("Не знаю. Надо директору сказать, он подписывает.", "need_consult"),
    ("ну мне с партнёром надо перетереть мы вдвоём это тянем", "need_consult"),
    ("Договоры свыше ста тысяч у нас утверждает генеральный директор.", "need_consult"),
    ("а вот невестка говорит на о зоне такие же за 900 рублей", "competitor_cheaper"),
    ("Да к отцу сейчас соседка ходит, Вера Ивановна, и в магазин, и давление меряет.", "have_supplier"),
    ("мы вообще обычно к Володе на пасеку ездим он нам и мёд и воск", "have_supplier"),
    ("Ладно, нам надо это переварить.", "think_later"),
    ("Всё равно много.", "price"),
])
def test_objections_in_ordinary_words_are_found_by_their_cues(text, kind):
    from core.types import Segment
    from scoring.matcher import SegmentWords
    from scoring.objection_cues import cue_kind

    sw = SegmentWords.of(Segment(0, "client", 0.0, 1.0, text, lemmas=lemmatize(text)))
    assert cue_kind(sw)[0] == kind


@pytest.mark.parametrize("text", [
    "Мы у вас уже заказывали в прошлом году.",  # the supplier is this company
    "Я у них в прошлом году зарядку брал, через неделю сгорела.",  # a past purchase, not a supplier
    "Про НДС я у главбуха спрошу. Давай ты приедешь, тогда и поговорим.",  # the talk is with the manager
    "Мы делаем кормушки для котов, нам нужен пилотный тираж корпусов.",  # their own business
    "Я из дома работаю. Жена сериалы смотрит, сын в приставку играет.",
    "Четверо. Ну и тёща летом, куда без неё.",
    "Доставка по точкам — это вы уже с нашим экспедитором обсудите, я дам номер.",  # the manager is sent on
    "О, это же рядом, может в воскресенье заедем с Галей, ей покажу.",  # a visit: a step
    "Люд, ну подожди, дай поговорить. Так что там по срокам?",
    "Марина, давайте сейчас, а то вечером у меня дети, там вообще не поговоришь.",  # a talk not to be had
    "Добрый день, я с хлебозавода «Колосок», мы вас обслуживать хотим пригласить на тендер.",  # her own firm
    "Петрова Анна Сергеевна, агрофирма «Рассвет», мы сами обслуживаем свою технику, нужен прайс.",
    "А к вам можно ходить с ребёнком? Соседка спрашивала.",  # a question
    "Я вам честно скажу, Олег, в прошлый раз мне не понравилось.",  # «скажу» as a manner of speaking
    "Всё верно. И к встрече подготовьте расчёт, директор всё равно спросит.",  # the decider asks, not the client
])
def test_look_alikes_are_no_cue(text):
    from core.types import Segment
    from scoring.matcher import SegmentWords
    from scoring.objection_cues import cue_kind

    sw = SegmentWords.of(Segment(0, "client", 0.0, 1.0, text, lemmas=lemmatize(text)))
    assert cue_kind(sw) is None


@pytest.mark.parametrize("client_text, kinds", [
    ("Ладно, я подумаю ещё, с женой посоветуюсь.", {"think_later", "need_consult"}),
    ("Пришлите на почту, я мужу покажу, он у нас деньги считает.", {"send_offer", "need_consult"}),
    ("Дорого. Надо подумать.", {"price", "think_later"}),
    # put off to a season or month beside another kind
    ("ну не знаю пришлите на почту посмотрим ближе к марту", {"send_offer", "think_later"}),
    ("Всё равно дорого. Я, наверное, ближе к весне к этому вернусь.", {"price", "think_later"}),
])
def test_two_kinds_said_in_one_turn_are_both_found_with_one_answer(client_text, kinds):
    lines = [*OPENING, ("client", client_text), ("manager", "Понимаю. А что для вас важнее всего при выборе?"),
             ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")]
    found = score(lines).objections
    assert {o.kind for o in found} == kinds
    assert len({o.segment_idx for o in found}) == 1 and len({o.handling for o in found}) == 1


def test_an_unrelated_second_trigger_in_the_turn_is_not_a_second_objection():
    lines = [*OPENING, ("client", "Дорого, у конкурентов дешевле."), ("manager", "Понимаю. С чем сравниваете?"),
             ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")]
    assert len(score(lines).objections) == 1


def test_signing_off_a_finished_call_is_no_objection_but_a_brush_off_is():
    ending = [*OPENING, ("manager", "Итак, в четверг в девять привозим, счёт сегодня пришлю. Всё верно?")]
    signed = score([*ending, ("client", "Да, всё верно, давайте, мне бежать надо."),
                    ("manager", "Спасибо, до четверга!")])
    assert not [o for o in signed.objections if o.kind == "no_time"]
    brushed = score([*ending, ("client", "Слушайте, я на совещании вообще сейчас."),
                     ("manager", "Ну перезвоните позже.")])
    assert [o.kind for o in brushed.objections] == ["no_time"]


@pytest.mark.parametrize("client_text", [
    "Да он ничего не смотрел, ему некогда, говорю же, я ему ссылку скидывала.",
    "Я вам звонила, но у вас там занято было всё время, раз пять набирала.",
    "Двадцать седьмое декабря, пятница. Если занято, то двадцатое.",
    "А, да, было такое, здравствуйте, я щас немного в дороге, но говорите.",
    "Вода после него опять мутная становилась, я ему не говорила, неудобно было как-то.",
    "В декабре бумагу три дня везли, пришлось самой в магазин бежать с пакетами.",
])
def test_busy_said_of_someone_else_or_with_leave_to_go_on_is_no_objection(client_text):
    s = score([*OPENING, ("client", client_text), ("manager", "Понял вас. А какой объём нужен?"),
               ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")])
    assert not [o for o in s.objections if o.kind == "no_time"], s.objections


@pytest.mark.parametrize("client_text", [
    "Ой, подождите, у меня младший тут плачет, давайте побыстрее, в двух словах.",
    "Слушайте, у меня планёрка через пять минут, давайте короче.",
    "Мне некогда сейчас, я за рулём.",
    # a few minutes given, with something that reads as a supplier beside it
    "да я щас урок веду у меня ученик сидит давайте быстро что вы хотели",
    "а да помню слушай я щас на площадке у меня тут сцену монтируют давай быстро буквально 2 минуты",
])
def test_busy_now_is_no_time(client_text):
    _, o = _objection(client_text, "Понял, буквально минуту: что для вас важно?")
    assert o.kind == "no_time"


def test_put_off_to_a_season_after_a_question_is_still_an_objection():
    s = score([*OPENING, ("manager", "А как у него с нагрузкой — во сколько он обычно из школы возвращается?"),
               ("client", "Ой, в два, в три, как когда. Давайте мы, наверное, ближе к лету к этому вернёмся."),
               ("manager", "Понимаю. Всего доброго, до свидания!")])
    assert [o.kind for o in s.objections] == ["think_later"]
    s = score([*OPENING, ("manager", "Когда вам нужен кондиционер?"),
               ("client", "ну до июня край в июне уже жара"), ("manager", "Понял. Всего доброго, до свидания!")])
    assert [o.kind for o in s.objections] == []  # a deadline, not a put-off


def test_a_short_go_ahead_lets_the_manager_go_on():
    s = score([*OPENING, ("manager", "Займу буквально минуту: в субботу у нас пробное занятие."),
               ("client", "Ну ладно, давайте быстро."), ("manager", "Приходите в субботу в десять, до свидания!")])
    assert [o.kind for o in s.objections] == []


def test_not_now_but_towards_autumn_puts_the_talk_off():
    s = score([*OPENING, ("client", "Ну, это мы, наверное, ближе к осени. Сейчас сезон, вообще не до того."),
               ("manager", "Понимаю. А что к осени должно решиться?"), ("client", "Хорошо."),
               ("manager", "Всего доброго, до свидания!")])
    assert [o.kind for o in s.objections] == ["think_later"]


@pytest.mark.parametrize("client_text", [
    "Ну да, до локтя, может, чуть ниже. Я, кстати, на велике много катаюсь.",
    "На три кофейни порций сто пятьдесят чая, наверное. Летом меньше, зимой больше.",
    "Бывает, размер не тот привезут, у меня один мастер под два метра. Но это мелочи.",
    "Там ещё сосед забор поставил, метра на полтора на наш кусок залез.",
])
def test_a_comparison_or_a_number_that_is_not_a_price_is_no_cheaper_offer(client_text):
    s = score([*OPENING, ("client", client_text), ("manager", "Понял вас. А какой объём нужен?"),
               ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")])
    assert not [o for o in s.objections if o.kind == "competitor_cheaper"], s.objections


def test_an_objection_said_again_after_the_manager_ignored_it_is_the_same_objection():
    s = score([*OPENING, ("client", "Ну да, оставлял, но я щас за рулём, неудобно."),
               ("manager", "Ага, смотрите, у нас как раз акция на электровелосипеды, рама алюминий."),
               ("client", "Я говорю, я за рулём."),
               ("manager", "Да-да, я быстро: есть модель попроще."), ("client", "Хорошо."),
               ("manager", "Всего доброго, до свидания!")])
    assert [(o.kind, o.segment_idx) for o in s.objections] == [("no_time", 5)]


def test_a_repeat_the_client_marks_as_one_is_the_same_objection_however_late():
    """«я вам говорю, у нас …» turns later, after the manager pitched on past the first: one
    objection (docs/labelling.md); being busy again is the same objection even unmarked."""
    s = score([*OPENING,
               ("client", "Слушайте, нам канцелярию «Офисмаг» возит по договору, уже четвёртый год."),
               ("manager", "А у нас ещё бумага премиум-класса и картриджи для любых принтеров."),
               ("client", "Угу."), ("manager", "И ежедневники с логотипом, и ручки."),
               ("client", "Я вам говорю, у нас «Офисмаг» по договору."),
               ("manager", "Понял. Тогда до свидания!")])
    assert [(o.kind, o.segment_idx) for o in s.objections] == [("have_supplier", 5)]
    s = score([*OPENING, ("client", "Я на совещании, у меня минута."),
               ("manager", "Смотрите, у нас окна с тройным стеклопакетом и тёплым профилем."),
               ("client", "Угу."), ("manager", "И монтаж бесплатный, и откосы в подарок."),
               ("client", "Ну всё, мне некогда, давайте в другой раз."),
               ("manager", "Хорошо, до свидания!")])
    assert [(o.kind, o.segment_idx) for o in s.objections] == [("no_time", 5)]


@pytest.mark.parametrize("client_text, kinds", [
    ("ну я с женой посоветуюсь, скиньте мне в вотсап каталог какой", {"need_consult", "send_offer"}),
    ("ой ну я подумаю ещё ой у меня ж там молоко убегает всё бегу бегу", {"think_later", "no_time"}),
])
def test_a_second_kind_in_the_turn_is_found_by_its_cue(client_text, kinds):
    s = score([*OPENING, ("client", client_text), ("manager", "Хорошо, до свидания!")])
    assert {o.kind for o in s.objections if o.segment_idx == 5} == kinds, s.objections


@pytest.mark.parametrize("client_text, kind", [
    ("так подожди у меня вторая линия давай в двух словах", "no_time"),
    ("Нет, какая суббота. Вы мне бумагу какую-нибудь пришлите, я почитаю.", "send_offer"),
])
def test_busy_and_send_said_in_other_words(client_text, kind):
    s = score([*OPENING, ("client", client_text), ("manager", "Хорошо, до свидания!")])
    assert kind in {o.kind for o in s.objections}, s.objections


@pytest.mark.parametrize("client_text", ["Я сама решаю.", "Решаю я, так что говорите."])
def test_the_client_who_decides_himself_needs_no_one_to_consult(client_text):
    s = score([*OPENING, ("client", "Интересно."), ("manager", "А кто у вас принимает решение?"),
               ("client", client_text), ("manager", "Отлично, тогда до свидания!")])
    assert not [o for o in s.objections if o.kind == "need_consult"], s.objections


@pytest.mark.parametrize("client_text", [
    "Мне шестьдесят восемь, я за рулём сорок лет, ни одной аварии.",  # years of driving
    "Шесть домиков. В сезон все заняты, по два-три человека.",  # the rooms, not him
])
def test_busy_words_about_something_else_are_no_objection(client_text):
    s = score([*OPENING, ("client", client_text), ("manager", "Понял. А что для вас главное?"),
               ("client", "Хорошо."), ("manager", "До свидания!")])
    assert not [o for o in s.objections if o.kind == "no_time"], s.objections


def test_a_short_goodbye_late_in_the_call_is_no_objection_even_before_the_recap():
    s = score([*GOOD_CALL[:-1], ("manager", "Отлично, пришлите мне адрес в вотсап."), ("client", "Скину. Всё, бегу."),
               ("manager", "Секунду, подытожу: замер в субботу в девять, три окна, тёплый профиль."),
               ("client", "Верно, спасибо."), ("manager", "Спасибо вам, до свидания!"), ("client", "До свидания.")])
    assert not [o for o in s.objections if o.kind == "no_time"], s.objections


def test_what_a_competitor_sent_is_no_request_to_send():
    s = score([*OPENING, ("client", "Мы запрашивали не только вас: «Учёт-Про» прислала предложение, сорок часов по тысяче восемьсот."),
               ("manager", "Понимаю. А что в их предложение входит?"), ("client", "Хорошо."), ("manager", "До свидания!")])
    assert not [o for o in s.objections if o.kind == "send_offer"], s.objections


def test_paper_written_on_is_no_request_to_send():
    s = score([*OPENING, ("client", "Алло, это окна? Мне внучка телефон на бумажке написала."),
               ("manager", "Да, это мы. Слушаю вас."), ("client", "Хорошо."), ("manager", "До свидания!")])
    assert not [o for o in s.objections if o.kind == "send_offer"], s.objections


@pytest.mark.parametrize("client_text", [
    "Почту в вотсапе скину, давай завтра в девять, только чтоб водитель мне набрал за полчаса.",
    "Завтра в двенадцать я на почте буду, посылки отправляю, давайте в два лучше.",
])
def test_the_client_sending_something_himself_is_no_send_offer(client_text):
    s = score([*OPENING, ("client", client_text), ("manager", "Договорились, до завтра!")])
    assert not [o for o in s.objections if o.kind == "send_offer"], s.objections


@pytest.mark.parametrize("client_text", [
    "Ну, две-три. Многие первый раз в жизни за руль такой штуки садятся.",
    "По вызову. Времени там нет, так, в разумные сроки. Вот и разумные.",
])
def test_driving_or_time_not_said_of_the_client_now_is_no_objection(client_text):
    s = score([*OPENING, ("client", client_text), ("manager", "Понял вас. А какой объём нужен?"),
               ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")])
    assert not [o for o in s.objections if o.kind == "no_time"], s.objections


def test_all_done_i_must_run_after_the_step_is_agreed_is_a_goodbye():
    ending = [*OPENING, ("manager", "Тогда в субботу в десять вы приезжаете на осмотр, адрес пришлю.")]
    s = score([*ending, ("client", "Ну всё, мне бежать надо, давайте, до свиданья."),
               ("manager", "До субботы!")])
    assert not [o for o in s.objections if o.kind == "no_time"], s.objections


def test_a_lower_price_of_a_named_firm_is_a_cheaper_offer_without_a_verb():
    found = _after_price("Пятнадцать стандартных кабин по три шестьсот.",
                         "Угу. Я уже запрашивала у «ЧистоЛайна», у них стандартная две девятьсот.")
    assert [o.kind for o in found] == ["competitor_cheaper"]


@pytest.mark.parametrize("answer, handling", [
    ("Смотрите, комплект касса и терминал выходит тысяча девятьсот девяносто в месяц, гарантия три года.", "ignored"),
    ("Понял, тогда коротко: на газе топливо обойдётся вдвое дешевле, гарантия три года.", "value"),
    ("Ну ладно.", "other"),
])
def test_a_pitch_that_does_not_hear_the_client_is_busy_ignores_no_time(answer, handling):
    _, o = _objection("Слушайте, у меня тут покупатели, давайте побыстрее, я одна тут.", answer)
    assert (o.kind, o.handling) == ("no_time", handling), o


@pytest.mark.parametrize("client_text", [
    "Сейчас «Цифрал-Сервис» с нас по шестьдесят рублей с квартиры берёт, вы понимаете, и вроде как обслуживают.",
    "Девушка, я говорю, мы в «Два ГИСе» висим, на Яндекс-картах, отзывы там, всё. Нам хватает.",
])
def test_a_current_provider_said_in_passing_is_have_supplier(client_text):
    _, o = _objection(client_text, "Понимаю. А что для вас важно при выборе?")
    assert o.kind == "have_supplier"


@pytest.mark.parametrize("client_text", [
    "Да мне брат поставит, он у меня электрик в гараже работает, он мне всё поставит за бутылку, короче не надо.",
    "Я так понимаю, вы будете предлагать сопровождение, но у нас Света есть, и в принципе она справляется.",
])
def test_someone_of_their_own_doing_it_is_have_supplier(client_text):
    _, o = _objection(client_text, "Понимаю. А что для вас важно при выборе?")
    assert o.kind == "have_supplier"


@pytest.mark.parametrize("client_text", [
    "Мы клининг, «Чистый город», у нас тридцать человек, офисы убираем, пару торговых центров.",  # their own trade
    "Подошва целая. За три тысячи брала, на рынке на Южном, там армянин торговал, хороший такой.",  # their purchase
    "Садовая семь, да, синие ворота, собака у нас, не бойтесь, она не кусается.",
])
def test_the_clients_own_trade_purchase_or_dog_is_no_objection(client_text):
    s = score([*OPENING, ("client", client_text), ("manager", "Понял вас. А какой объём нужен?"),
               ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")])
    assert not s.objections, s.objections


def test_yes_to_the_managers_own_offer_to_send_is_no_send_offer():
    s = score([*OPENING, ("manager", "Тогда я вам на почту пришлю наше предложение, вы посмотрите."),
               ("client", "Ага. Присылайте, почта на визитке есть."), ("manager", "Всего доброго, до свидания!")])
    assert not [o for o in s.objections if o.kind == "send_offer"], s.objections


def test_a_named_sellers_lower_price_and_the_clients_own_budget_are_both_said():
    assert [o.kind for o in _after_price("Мёд в ведре — пятьсот сорок рублей за килограмм.",
                                         "У Степаныча четыреста пятьдесят в ведре.")] == ["competitor_cheaper"]
    found = _after_price("Комплект лодка плюс мотор — четыреста двадцать тысяч.",
                         "Ну не знаю, на рынке мужик такую же казанку ставил за триста сорок, и мы с женой в триста хотели уложиться.")
    assert sorted(o.kind for o in found) == ["competitor_cheaper", "price"]


@pytest.mark.parametrize("client_text, kind", [
    ("Ой, мне никогда, я на складе, фуру разгружаем.", "no_time"),  # Whisper's «никогда» for «некогда»
    ("Мне вот сосед Михалыч через знакомых делал, восемьдесят тысяч отдал, и всё работает.", "competitor_cheaper"),
    ("Платье-то дочка выбирает, мне с ней поговорить нужно, вечером с работы придёт.", "need_consult"),
])
def test_objections_as_the_recogniser_writes_them(client_text, kind):
    _, o = _objection(client_text, "Понимаю. А что для вас важно при выборе?")
    assert o.kind == kind


def test_never_called_is_no_busy_client():
    s = score([*OPENING, ("client", "Мне никогда не звонили из вашей фирмы, а номер откуда?"),
               ("manager", "Вы оставляли заявку на сайте."), ("client", "Хорошо."),
               ("manager", "Всего доброго, до свидания!")])
    assert not [o for o in s.objections if o.kind == "no_time"], s.objections


def test_the_price_set_against_the_pension_is_price_beside_thinking_it_over():
    s = score([*OPENING, ("client", "Ой, четыре девятьсот… У меня пенсия двадцать две. Надо подумать."),
               ("manager", "Понимаю. Давайте посмотрим, что можно сделать."), ("client", "Хорошо."),
               ("manager", "Всего доброго, до свидания!")])
    assert sorted(o.kind for o in s.objections) == ["price", "think_later"]
    retired = score([*OPENING, ("client", "Мама у меня на пенсии уже пять лет, ей и нужно."),
                     ("manager", "Понял. А какой объём нужен?"), ("client", "Хорошо."),
                     ("manager", "Всего доброго, до свидания!")])
    assert not retired.objections, retired.objections


def test_a_named_sellers_lower_price_counts_against_a_price_quoted_turns_before():
    """The price was named two turns back; the client compares with it after other talk."""
    lines = [*OPENING, ("manager", "Мангал с крышей и доставкой — восемьдесят две тысячи."),
             ("client", "А он из какой стали?"), ("manager", "Сталь четыре миллиметра, сварка сплошная."),
             ("client", "Ну понятно. А мне в «Печном дворе» за шестьдесят такой же называли."),
             ("manager", "Понимаю. Зато у нас гарантия пять лет и своя доставка."), ("client", "Хорошо."),
             ("manager", "Всего доброго, до свидания!")]
    assert [o.kind for o in score(lines).objections] == ["competitor_cheaper"]


@pytest.mark.parametrize("reply", [
    "Восемнадцать... А что там на «Ассоли»? Можно там цветы поставить?",  # his own price said back
    "Не, у меня мастер знакомый, он сказал 60 на 120 сложно класть.",  # a size, not a price
    "Деревня Ивановка, Садовая пять, сразу за магазином.",  # an address
])
def test_numbers_after_an_earlier_price_that_are_no_price_are_no_cheaper_offer(reply):
    lines = [*OPENING, ("manager", "Плитка шестьдесят на сто двадцать — две тысячи двести за метр."),
             ("client", "Ага."), ("manager", "Могу на восемнадцать процентов дешевле сделать, если возьмёте сразу."),
             ("client", reply), ("manager", "Хорошо. Всего доброго, до свидания!")]
    assert not [o for o in score(lines).objections if o.kind == "competitor_cheaper"]


def test_not_decided_yet_with_a_cheaper_offer_elsewhere_is_the_cheaper_offer():
    lines = [*OPENING, ("manager", "Щенок с документами — девяносто тысяч."), ("client", "А прививки есть?"),
             ("manager", "Есть, по возрасту."),
             ("client", "Я ещё не решила. На «Авито» таких же за пятьдесят продают."),
             ("manager", "Понимаю. Зато у нас родители с тестами и договор."), ("client", "Хорошо."),
             ("manager", "Всего доброго, до свидания!")]
    assert [o.kind for o in score(lines).objections] == ["competitor_cheaper"]


@pytest.mark.parametrize("text", [
    "Да мне свояк полирует раз в полгода, и нормально.",
    "А может, шурин положит? Он у себя делал.",
    "«Агросервис» нам поля опрыскивает, третий сезон по договору.",
])
def test_relatives_and_more_services_are_someone_of_their_own(text):
    assert _cue(text) == "have_supplier"


def test_i_was_thinking_is_no_think_later_but_i_will_think_is():
    from scoring.objection_cues import trigger_stands

    def stands(text):
        return trigger_stands("think_later", _sw(text))

    assert not stands("Я вот подумал — а может, брат сделает?")
    assert stands("Я подумаю и перезвоню.")
    assert stands("Я подумал, пока не готов.")


def _sw(text):
    """A client turn as the cues read it."""
    from core.types import Segment
    from scoring.matcher import SegmentWords

    return SegmentWords.of(Segment(0, "client", 0.0, 1.0, text, lemmas=lemmatize(text)))


def _cue(text):
    from scoring.objection_cues import cue_kind

    found = cue_kind(_sw(text))
    return found[0] if found else None


@pytest.mark.parametrize("text", [
    "Вот про перчатки я вообще не подумал. А сколько такое будет стоить?",  # a thought told
    "При нашей наценке маржа остаётся ниже сорока процентов.",  # a comparison, no other seller
    "В четверг у меня почтальон пенсию носит, я дома буду.",  # the pension without a price
    "Реанимация, там не до колец.",  # a place, not the talk now
    "Серёжка-то всё равно вечно занят.",  # someone named
])
def test_words_of_an_objection_said_of_something_else_are_no_cue(text):
    assert _cue(text) is None


def test_undecided_between_named_options_is_no_cue():
    assert _cue("понравился с лимонами или просто белый матовый я еще не решила") is None
    assert _cue("Брать или нет — ещё не решили.") == "think_later"


def test_the_pension_set_against_a_price_and_a_dearer_price_stay_objections():
    assert _cue("Тысяча двести за мешок? У меня пенсия четырнадцать тыщ.") == "price"
    assert _cue("Это ж полпенсии.") == "price"
    assert _cue("Так-то оно так, но у вас на полторы тысячи за тонну дороже выходит.") == "competitor_cheaper"
    assert _cue("а мне в подъезде объявление висит ребята альпинисты пишут все окна за 5 тыщ") == "competitor_cheaper"


def test_giving_the_time_asked_for_is_no_no_time():
    lines = [*OPENING, ("client", "Помню, да. Говорите, у меня есть минут десять до совещания."),
             ("manager", "Спасибо, постараюсь уложиться."), ("client", "Хорошо."),
             ("manager", "Всего доброго, до свидания!")]
    assert not [o for o in score(lines).objections if o.kind == "no_time"]


@pytest.mark.parametrize("text, stands", [
    ("Полторы тыщи за то, чтоб посмотреть? Я ж ещё даже не знаю, что там.", False),
    ("Директор сказал: посмотри ещё варианты.", False),
    ("Ну, я ещё посмотрю, подумаю.", True),
    ("Мне подумать надо, короче.", True),
    ("Давайте я ещё посмотрю и перезвоню.", True),
    # choosing between options she names is choosing what to buy, not putting it off
    ("мне очень понравился с лимонами или просто белый матовый я еще не решила", False),
    ("Брать или нет, я ещё не решила.", True),
    ("Я ещё не решила, честно.", True),
])
def test_think_later_needs_the_client_putting_it_off_himself(text, stands):
    from scoring.objection_cues import trigger_stands

    assert trigger_stands("think_later", _sw(text)) is stands


@pytest.mark.parametrize("text, kind", [
    # phone ASR garbles the words of a request to send: «скиньте всё в вотсап»
    ("слушайте мне сейчас поворачивать вы мне скейните все вот сап я вечером гляну", "send_offer"),
    ("Скините смету в модсап, я вечером посмотрю.", "send_offer"),
    # a difference in money beside «меньше», a price per unit, a price after «миллион»
    ("Подруга весной ставила такие же, всё вышло тысячам на 15 меньше.", "competitor_cheaper"),
    ("в автошколе у них 3 90 за человека а у вас на 20 процентов дороже", "competitor_cheaper"),
    ("я на авито смотрел там 12 соток за миллион 300", "competitor_cheaper"),
])
def test_objections_heard_roughly_or_said_by_a_difference_are_found(text, kind):
    assert _cue(text) == kind


@pytest.mark.parametrize("text", [
    "Вот сапоги у меня старые, ещё отцовские.",
    "Я вам вот сап скину фото счётчика.",  # he sends
    "У нас офис на два этажа выше.",  # a difference, but not in money
])
def test_look_alikes_of_rough_requests_and_differences_are_no_cue(text):
    assert _cue(text) is None


@pytest.mark.parametrize("text, kind", [
    ("Да, не то чтобы смутило. Я, если честно, на 30 рассчитывал, а у вас 42.", "price"),
    ("То двадцать у меня в месяц на еду, а вы мне сто двадцать.", "price"),
])
def test_a_lower_amount_set_against_yours_is_the_price_objected_to(text, kind):
    from scoring.objection_cues import against_yours

    found = against_yours(_sw(text))
    assert found is not None and found[0] == kind


@pytest.mark.parametrize("text", ["У нас 3 комнаты, а у вас 5.", "Мы брали 2 упаковки, а вы мне 5 привезли."])
def test_counts_set_against_yours_are_no_price(text):
    from scoring.objection_cues import against_yours

    assert against_yours(_sw(text)) is None


STORY_TURN = ("Стена есть, где шкаф сейчас. Шкаф можно переставить. А у мамы моей, кстати, пианино стоит, "
              "«Красный Октябрь», она на нём в детстве играла. Может, его забрать? Только оно в Рязани.")


def _story_call_words():
    from core.types import Segment
    from scoring.matcher import SegmentWords
    from scoring.text import segment_with_lemmas

    lines = [*OPENING, ("client", STORY_TURN), ("manager", "Понял вас. Давайте тогда запишу вас на четверг?"),
             ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")]
    return [SegmentWords.of(segment_with_lemmas(Segment(i, who, 5.0 * i, 5.0 * i + 4.0, text)))
            for i, (who, text) in enumerate(lines)]


def test_a_cue_in_a_story_turn_the_classifier_reads_as_no_objection_is_dropped():
    from scoring.objections import bootstrap_model, detect_objections, load_catalogue

    words, cat = _story_call_words(), load_catalogue()
    model = bootstrap_model(cat)
    # «у мамы … пианино стоит»: the cue for an arrangement of their own fires on a few words …
    assert [o.kind for o in detect_objections(words, cat, model, veto_none=1.01)] == ["have_supplier"]
    # … the classifier, reading the whole turn, says it voices no objection
    assert detect_objections(words, cat, model) == ()


def test_an_owners_own_kind_is_not_judged_by_the_classifiers_no_objection():
    from scoring import objection_model
    from scoring.objections import _denied_by_classifier, bootstrap_model, load_catalogue

    words, cat = _story_call_words(), load_catalogue()
    turns = bootstrap_model(cat).turns
    story = next(w for w in words if w.segment.text == STORY_TURN)
    assert _denied_by_classifier(story, "have_supplier", "cue", turns, objection_model.DEFAULT_VETO_NONE)
    assert "warranty_doubts" not in objection_model.taught_kinds()
    assert not _denied_by_classifier(story, "warranty_doubts", "cue", turns, objection_model.DEFAULT_VETO_NONE)
    assert not _denied_by_classifier(story, "have_supplier", "model: 0.80", turns, objection_model.DEFAULT_VETO_NONE)
