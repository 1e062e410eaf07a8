"""Built-in detectors: self-introduction, the client's name, a concrete next step — by grammar,
in any word order, in cased text and in lower-case ASR text."""

from __future__ import annotations

import pytest

from core.types import Segment
from scoring import detectors, text
from scoring.matcher import SegmentWords


def _words(*turns: tuple[str, str]) -> list[SegmentWords]:
    out, t = [], 0.0
    for i, (who, said) in enumerate(turns):
        seg = Segment(i, "manager" if who == "M" else "client", t, t + 3.0, said)
        out.append(SegmentWords.of(text.segment_with_lemmas(seg)))
        t += 3.5
    return out


def _manager(words):
    return [w for w in words if w.segment.speaker == "manager"]


@pytest.mark.parametrize("opening", [
    "«ТеплоДом», Ксения, добрый день.",
    "Добрый день, меня Арсений зовут, я из Домстроя, по вашей заявке.",
    "администратор марина клиника улыбка слушаю вас",
    "здравствуйте это вячеслав компания северный ветер",
    "Салон «Ирида», администратор Полина, здравствуйте!",
    "Студия танца «Лотос», Мирослава, добрый день!",  # also the genitive of Мирослав: set off by commas
    "агентство праздников конфетти ярослава здравствуйте",  # the same as ASR writes it
    # Whisper on phone audio garbles names and brands: «Окна «Тёплый дом», Светлана, …»
    "Акнатёплый дом, святлана, добрый день.",
    "Автесер вис Игари. Слушаю вас,",
    "Мы хагалтерская компания, Дебет, Польга, издравствуйте.",
    "Безнисцентра северная башня, отдел аренды Кириллту издравствуйте.",  # the greeting glued on
    "Виктор Павлович, добрый день, это ксения компании зеленная обоз.",  # a lower-case name after «это»
    "Мастерская каблочек, русстам, слушаю вас.",
])
def test_self_introduction_in_any_form(opening):
    words = _words(("M", opening), ("C", "Здравствуйте."))
    assert detectors.self_introduction(words, _manager(words)[:2]) is not None


@pytest.mark.parametrize("opening", [
    "Алло, слушаю.",
    "Добрый день, меня зовут Арсений.",          # no company
    "Компания «Домстрой», здравствуйте.",          # no own name
    "Ветклиника «Доктор Айболит», слушаю вас.",    # a name inside a brand is not the manager's
    "Компания «Домстрой», склад открыт, здравствуйте.",  # a word near a name but not one («склад»)
])
def test_no_self_introduction_without_name_and_company(opening):
    words = _words(("M", opening), ("C", "Здравствуйте."))
    assert detectors.self_introduction(words, _manager(words)[:2]) is None


@pytest.mark.parametrize("opening", [
    "алло здравствуйте ольга это газ сервис плюс вы у нас на сайте заявку оставляли",
    "алло здравствуйте сергей да это школа 3д моделирования",
])
def test_a_name_greeted_before_this_is_the_client(opening):
    words = _words(("M", opening), ("C", "Да."))
    assert detectors.self_introduction(words, _manager(words)[:2]) is None


def test_a_name_the_client_gave_is_not_the_managers_own():
    words = _words(("C", "Здравствуйте, меня зовут Пётр, я по поводу доставки."),
                   ("M", "Пётр, добрый день, служба доставки слушает."))
    assert detectors.self_introduction(words, _manager(words)[:2]) is None


@pytest.mark.parametrize("turns", [
    (("M", "Компания «Вектор», Ольга. Как к вам обращаться?"), ("C", "Дмитрий."), ("M", "Дмитрий, что планируете?")),
    (("M", "Анна Сергеевна, добрый день, это Вика из «Штатпрофи»."), ("C", "Да, слушаю.")),
    (("M", "алло марина здравствуйте вы оставляли заявку"), ("C", "да")),
    (("M", "вы ольга да"), ("C", "да я")),
    (("M", "алло добрый день ксения меня зовут дмитрий стекольная мастерская"), ("C", "да здравствуйте")),
])
def test_client_name_used(turns):
    words = _words(*turns)
    manager = _manager(words)
    assert detectors.client_name(words, manager, manager[:2]) is not None


@pytest.mark.parametrize("turns", [
    # a pet or a relative the client named
    (("M", "Компания «Зоотакси», слушаю."), ("C", "Собака у нас, девочка, зовут Дуся, ей одиннадцать лет."),
     ("M", "А как Дуся дорогу переносит, не укачивает?")),
    # a city, a famous person with his surname
    (("M", "Компания «Зоотакси», слушаю."), ("C", "Котят возите?"),
     ("M", "Возим по всей стране: Москва, Питер, Казань.")),
    (("M", "Школа «Трибуна», слушаю."), ("C", "Сыну нужно перестать бояться сцены."),
     ("M", "Разбираем приёмы великих спикеров, как Стив Джобс.")),
    # ASR: words that read as names only in a dictionary («с пол оборота», «латте арт»)
    (("M", "паркинг слушаю"), ("C", "а зимой там тепло"),
     ("M", "не ниже плюс пяти заводиться будет с пол оборота")),
    (("M", "кофейная школа слушаю"), ("C", "а что в программе"),
     ("M", "эспрессо молоко латте арт скорость отдачи")),
    # the manager's own name, asked by the client or said before «зовут»
    (("M", "Компания «Зоотакси», слушаю."), ("C", "А вы вообще кто? Как вас зовут-то?"),
     ("M", "Кристина. Так вот, на выставки у нас боксы.")),
    (("M", "Школа «Трибуна», слушаю."), ("C", "Сколько стоит курс?"),
     ("M", "Меня, кстати, Эдуард зовут. Курс стоит восемнадцать тысяч.")),
])
def test_a_name_that_is_not_the_listeners_is_no_address(turns):
    words = _words(*turns)
    manager = _manager(words)
    assert detectors.client_name(words, manager, manager[:1]) is None


def test_own_name_is_not_the_clients_name():
    words = _words(("M", "Компания «Вектор», меня зовут Ольга."), ("C", "Сколько стоит доставка?"),
                   ("M", "Я Ольга, старший менеджер, сейчас посчитаю."))
    manager = _manager(words)
    assert detectors.client_name(words, manager, manager[:2]) is None


@pytest.mark.parametrize("turns", [
    (("M", "Давайте запишу вас на чистку в четверг на одиннадцать?"), ("C", "Да, давайте.")),
    (("M", "привезем в субботу с 10 до 14 удобно"), ("C", "да удобно")),
    (("M", "Тогда завтра в десять я вам перезвоню."), ("C", "Хорошо.")),
    (("M", "пробное занятие во вторник в 19 00 записываю"), ("C", "ага")),
    (("M", "пришлю сегодня а завтра в 11 позвоню"), ("C", "хорошо")),
    (("M", "вам сколько пакетиков"), ("C", "ну 2 пакетика завтра заеду"), ("M", "хорошо ждём")),  # the client's own step
    (("M", "Елена, к какому времени привезти?"), ("C", "К семи часам."), ("M", "Хорошо, ждите курьера.")),  # asked, answered
    (("M", "а давайте вы заедете комнаты посмотрите"), ("C", "ну в четверг после 5 могу заскочить да"),
     ("M", "ага отлично")),
    (("M", "отлично завтра в 10 я у вас на дубровке осмотр 15 минут"), ("C", "ок")),  # the step is a noun
    (("M", "Итак, Вера, в два десять Николай подъедет к вам на трассу."), ("C", "Спасибо вам большое.")),
    (("M", "Хорошо, пришлю сегодня прайс по свёкле, а в пятницу после обеда позвоню."), ("C", "Ага, давайте.")),
])
def test_concrete_next_step(turns):
    words = _words(*turns)
    assert detectors.next_step(words, _manager(words)) is not None


@pytest.mark.parametrize("turns", [
    (("M", "Ну созвонимся как-нибудь."), ("C", "Ага.")),
    (("M", "Давайте в четверг в одиннадцать подъеду?"), ("C", "Нет, не надо, мы сами позвоним.")),
    (("M", "Могу сделать на 20 процентов дешевле."), ("C", "Подумаю.")),
    (("M", "Пришлю сегодня на почту."), ("C", "Хорошо.")),  # sending alone is no agreed step
    (("M", "Пришлю КП, а в четверг в одиннадцать наберу, обсудим?"), ("C", "Присылайте, а звонить не надо.")),
    (("M", "доставку можем завтра сделать если надо"), ("C", "ну я не знаю мне подумать надо")),
    (("M", "по костюмам девочка завтра будет перезвоните позже"), ("C", "ну ладно")),  # the client is to call
    (("M", "как решите звоните мы тут с 7 до 5 работаем"), ("C", "хорошо спасибо")),  # the company's hours
    (("M", "охрана 24 на 7 ресепшн"), ("C", "понятно")),  # «24 на 7» is no time
    (("M", "пришлю сегодня на почту а потом созвонимся на следующей неделе"), ("C", "хорошо")),  # only sending is timed
    (("M", "с апреля запись недели на три вперед"), ("C", "ага")),  # a span, no time
    (("M", "скидку сделаю если до пятницы бронируете"), ("C", "а автобус туда ходит"),
     ("M", "ходит"), ("C", "не ну я подумаю ещё до весны")),  # put off later: nothing agreed
    (("M", "бронь до пятницы держим если что"), ("C", "ну ладно")),  # a deadline, not a date
    (("M", "ага скину а ещё если до 1 числа бронируете то скидка"), ("C", "давай")),
    (("M", "если что звоните или приезжайте мы до 8"), ("C", "ага спасибо")),  # the company's hours
    (("M", "давайте я договор пришлю посмотрите?"),
     ("C", "слушайте у меня через пять минут фура приходит мне не до договоров"),
     ("M", "ну тогда сами перезвоните попозже")),  # the client's own time, not a step
    (("M", "Своя окрасочная камера, пескоструй, всё в одном месте, приезжайте."), ("C", "Ясно.")),  # no time
    (("M", "38 это уже с печатью логотипа в 1 кирапскую и доставкой до склада, приезжайте"), ("C", "Ладно.")),  # ASR
    (("M", "младшая группа занимается по субботам в 10 или в 12"), ("C", "ага")),  # a timetable
    (("M", "я вам говорю мастера с 9 до 18 работают вечером никто не поедет"), ("C", "ну и ладно")),  # hours
    (("M", "Да, приезжайте, оформим заказ. Работаем с девяти до шести, в субботу до трёх."),
     ("C", "Ага, спасибо.")),  # opening hours, no date
    (("M", "Мотор снимете — привозите."), ("C", "Ладно, я тогда, может, сегодня привезу, если успею снять. Или завтра."),
     ("M", "Привозите, как сможете.")),  # the client's maybe, two times as alternatives
    (("M", "термотрансфер после 20 30 стирок трескается приходите посмотрите"), ("C", "ну ладно")),  # a count
    (("M", "Тогда вам подойдёт «Варяг»: электростарт, задний ход, подогрев ручек, ваши гости в перчатках"
           " через десять минут не замёрзнут, значит, и отзывы будут лучше."), ("C", "Понятно.")),  # a pitch
])
def test_no_next_step(turns):
    words = _words(*turns)
    assert detectors.next_step(words, _manager(words)) is None


def test_a_step_answered_with_an_objection_is_not_agreed():
    words = _words(("M", "Давайте замер в субботу в десять?"), ("C", "Сорок тысяч за окно? Это много."))
    assert detectors.next_step(words, _manager(words)) is not None
    assert detectors.next_step(words, _manager(words), objection_segments=frozenset({1})) is None


def test_a_short_yes_agrees_even_with_a_word_that_reads_as_an_objection():
    words = _words(("M", "итак в четверг в 9 утра привозим 10 кубов всё верно"), ("C", "всё верно давай костя некогда"))
    assert detectors.next_step(words, _manager(words), objection_segments=frozenset({1})) is not None


def test_a_later_no_about_something_else_does_not_cancel_the_step():
    words = _words(("M", "Давайте в четверг созвонимся, в одиннадцать вам удобно?"), ("C", "Давайте в двенадцать."),
                   ("M", "Договорились, в четверг в двенадцать созваниваемся. Почту взять эту?"),
                   ("C", "Нет, лучше на рабочую."))
    assert detectors.next_step(words, _manager(words)) is not None


def test_value_statement_needs_two_benefits_in_an_explanatory_turn():
    words = _words(("M", "Смотрите, у нас монтаж уже входит в стоимость, и гарантия пять лет на всю работу."))
    assert detectors.value_statement(_manager(words)) is not None
    words = _words(("M", "Стоимость сорок две тысячи, модель белая, размер стандартный, срок две недели."))
    assert detectors.value_statement(_manager(words)) is None


def test_recap_repeats_the_agreed_time_and_things():
    words = _words(("M", "Можем привезти диван в субботу с десяти до двух."), ("C", "Давайте в субботу."),
                   ("M", "Итого: диван угловой, суббота, с десяти до двух, адрес Садовая."))
    assert detectors.recap(words, _manager(words)[-1:]) is not None
    words = _words(("M", "Можем привезти диван в субботу?"), ("C", "Давайте."), ("M", "Хорошо, до свидания."))
    assert detectors.recap(words, _manager(words)[-1:]) is None


def test_proposing_the_step_or_saying_back_the_clients_time_is_no_recap():
    facts = ("C", "Нам нужен навес на две машины, Садовая, пять, участок у дороги.")
    # the step proposed with the call's facts in it, waiting for a yes
    words = _words(facts, ("M", "Давайте я в пятницу в десять привезу замерщика на Садовую, пять, посмотрим навес, удобно?"))
    assert detectors.recap(words, _manager(words)[-1:]) is None
    # only the time the client just gave, said back
    words = _words(facts, ("M", "Когда удобно?"), ("C", "В пятницу в десять, навес на две машины."),
                   ("M", "Хорошо, в пятницу в десять, навес на две машины."))
    assert detectors.recap(words, _manager(words)[-1:]) is None
    # «давайте я повторю»: a recap, though it starts like a proposal
    words = _words(facts, ("M", "В пятницу в десять удобно?"), ("C", "Да."),
                   ("M", "Давайте я повторю: в пятницу в десять замерщик на Садовую, пять, навес на две машины."))
    assert detectors.recap(words, _manager(words)[-1:]) is not None


def test_a_client_who_ends_the_call_angrily_cut_it():
    assert detectors.cut_by_client(_words(("M", "Не могу помочь."), ("C", "Да что ж такое, я жалобу напишу!")))
    assert not detectors.cut_by_client(_words(("M", "До свидания."), ("C", "Всего доброго.")))
    assert not detectors.cut_by_client(_words(("C", "Спасибо."), ("M", "Угу.")))
    assert detectors.cut_by_client(_words(("C", "ну всё давай"), ("M", "алло алло ну ладно")))  # a dead line
    assert not detectors.cut_by_client(_words(("C", "ну всё давай"), ("M", "алло")))
    assert detectors.cut_by_client(_words(("C", "офис собака ссм строй точка ру"), (
        "M", "записал и ещё у нас до пятнадцатого скидка на календари алло алло девушка")))  # hung up mid-pitch
    # the call wound down («ну ладно», «ага»): the manager could have said goodbye
    assert not detectors.cut_by_client(_words(("M", "перезвоните позже"), ("C", "ну ладно")))
    assert not detectors.cut_by_client(_words(("M", "ну думайте"), ("C", "ага")))


@pytest.mark.parametrize("turns", [
    (("M", "ну может всё таки перфоратор на месяц возьмёте"), ("C", "я ж сказал не надо всё давай")),
    (("M", "Вы что, не понимаете элементарных вещей?"), ("C", "Всё, до свидания.")),
    (("M", "ну на сайте всё есть там смотрите"), ("C", "ну понятно всё")),
    # the client leaves, the manager is cut off mid-sentence
    (("C", "Позвоню, если что. Всё."), ("M", "Подождите, а давайте я вам хотя бы прайс скину в ватс…")),
    (("C", "ладно я подумаю потом сама позвоню"), ("M", "ну хорошо так вот инн если")),
])
def test_the_client_ending_the_call_himself_leaves_no_turn_for_a_goodbye(turns):
    assert detectors.cut_by_client(_words(*turns))


@pytest.mark.parametrize("turns", [
    (("M", "ага ну скину ну звоните если что"), ("C", "угу всё")),
    (("M", "можно и так и так"), ("C", "ну всё тогда ждём")),
    (("M", "Хорошо, пришлю."), ("C", "До свидания."), ("M", "Ну, звоните, если что.")),
    (("C", "ну наберите если что всё до свидания"), ("M", "ага ну вы тоже звоните если что")),
    (("M", "Значит, в четверг в десять, ждём вас."), ("C", "Да, всё верно, спасибо.")),
])
def test_a_calm_close_or_a_finished_manager_turn_is_no_hang_up(turns):
    assert not detectors.cut_by_client(_words(*turns))


@pytest.mark.parametrize("turns", [
    [("M", "«ДомСвет», Олег, слушаю."), ("C", "Мне обещали люстру привезти в субботу, никто не приехал."),
     ("M", "Сейчас посмотрю. Номер заказа подскажете?"), ("C", "Тысяча двести сорок.")],
    [("M", "служба поддержки алло"), ("C", "у нас телевидение не работает с утра"),
     ("M", "на кого оформлен договор"), ("C", "на смирнова")],
    # a fault back after the company's own work
    [("M", "Сервисный центр «НоутМастер», Кирилл, здравствуйте."),
     ("C", "Я у вас две недели назад ноутбук чистила. И вот он опять греется и выключается."),
     ("M", "Подскажите, на кого был оформлен заказ?"), ("C", "Ковалёва.")],
])
def test_a_complaint_about_an_existing_order_is_a_service_call(turns):
    assert detectors.service_call(_words(*turns))


@pytest.mark.parametrize("turns", [
    # a new client with a problem: a sale
    [("M", "«Сервер-Про», Антон, здравствуйте."), ("C", "У нас почта не работает, админа нет, сможете помочь?"),
     ("M", "Да, а сколько у вас компьютеров?")],
    # a complaint where the manager offers something new: value is expected
    [("M", "Провайдер «Линк», Ольга."), ("C", "Опять интернет не работает, номер договора 4411."),
     ("M", "Вижу аварию, к вечеру починят. Могу предложить тариф с резервным каналом.")],
    # an ordinary sales opening
    [("M", "«Окна Плюс», Анна, добрый день."), ("C", "Хочу узнать цену на три окна.")],
])
def test_a_sale_is_not_a_service_call(turns):
    assert not detectors.service_call(_words(*turns))


def test_a_verb_is_no_name_and_a_later_turn_names_no_company():
    words = _words(("M", "алло да дмитрий слушаю вас"), ("C", "я по участкам"), ("M", "да по участкам конечно"))
    assert detectors.self_introduction(words, _manager(words)[:2]) is None  # «участкам» is no company
    words = _words(("M", "Компания «Печной двор», Анна."), ("C", "Ну что вы хамите?"), ("M", "никто не хамит берете или нет"))
    assert detectors.client_name(words, _manager(words), _manager(words)[:1]) is None


def test_a_name_with_a_patronymic_after_eto_is_the_client_asked_for():
    words = _words(("M", "алло добрый день это руслан ахметович"), ("C", "да я"),
                   ("M", "меня зовут ольга компания печати плюс вы заказывали у нас печать"))
    manager = _manager(words)
    assert detectors.client_name(words, manager, manager[:2]) is not None
    assert detectors.own_name(words, manager[:2]) == "ольга"


def test_lower_case_opening_the_company_follows_the_managers_name():
    words = _words(("C", "алло"), ("M", "марина добрый день это константин дровяной двор удобно пару минут"),
                   ("C", "да костя привет"))
    manager = _manager(words)
    found = detectors.self_introduction(words, manager[:2])
    assert found is not None and "константин" in found.note.lower() and "дровяной двор" in found.note
    assert detectors.client_name(words, manager, manager[:2]) is not None  # «марина» is the client


@pytest.mark.parametrize("text", [
    "меня зовут ольга как к вам обращаться",
    "это анна удобно говорить",
    "меня зовут ольга менеджер",
])
def test_a_name_with_no_company_after_it_is_no_self_introduction(text):
    words = _words(("M", text), ("C", "да"))
    manager = _manager(words)
    assert detectors.self_introduction(words, manager[:2]) is None


def test_a_garbled_name_is_read_as_the_name_only_when_the_dictionary_does_not_know_the_word():
    assert detectors.near_name("святлана") == "светлана" and detectors.near_name("Польга") == "ольга"
    assert detectors.near_name("Игари") == "игорь"
    assert detectors.near_name("склад") == "" and detectors.near_name("дебет") == ""  # real words
    assert detectors.near_name("акнатёплый") == ""  # nothing near


@pytest.mark.parametrize("turns", [
    (("M", "Здравствуйте, Тамары Ивановна. Служба доставки воды аквадом беспокоит."), ("C", "Да.")),  # «Тамара» misheard
    (("C", "Я рмактим, мы на маркетплейсах торгуем."), ("M", "Макцем, какой размер коробки нужен.")),  # «Максим»
])
def test_the_clients_name_as_the_recogniser_wrote_it(turns):
    words = _words(*turns)
    manager = _manager(words)
    assert detectors.client_name(words, manager, manager[:2]) is not None


@pytest.mark.parametrize("opening", [
    "Оценочная компания «Кадастр-Эксперт», Ольга Викторовна, добрый день.",  # B2B: with a patronymic
    "«Северный агроном», отдел продаж, Вероника Сергеевна, здравствуйте.",
    "алло добрый день это серёга ну сергей из свадебного проката вы у нас заявку оставляли",
])
def test_answering_with_a_full_name_or_a_kind_of_business_is_a_self_introduction(opening):
    words = _words(("M", opening), ("C", "Здравствуйте."))
    assert detectors.self_introduction(words, _manager(words)[:2]) is not None


@pytest.mark.parametrize("opening", [
    "Андрей Петрович, добрый день, это компания «Окна».",  # the client addressed first, no own name
    "Компания «Окна», Андрей Петрович, вы нам звонили?",  # a question to the client
])
def test_a_client_addressed_with_a_patronymic_is_not_the_managers_name(opening):
    words = _words(("M", opening), ("C", "Да, здравствуйте."))
    assert detectors.self_introduction(words, _manager(words)[:2]) is None


def test_a_step_offered_and_then_put_off_by_the_client_is_not_agreed():
    words = _words(("M", "Машину можем в субботу в двенадцать показать, если подъедете."),
                   ("C", "Ага. А белый у вас есть?"),
                   ("M", "Есть, белый и айвори."),
                   ("C", "Я, наверное, ещё посмотрю, мы вечером с мужем сядем, всё обсудим."),
                   ("M", "Хорошо, думайте."))
    manager = _manager(words)
    assert detectors.next_step(words, manager) is not None  # the put-off is not known as one
    assert detectors.next_step(words, manager, frozenset({3}), frozenset({3})) is None
    assert detectors.next_step(words, manager, frozenset({3}), frozenset()) is not None  # a price objection


@pytest.mark.parametrize("turns", [
    # the manager asked when to call; the time is said back with no verb of its own
    [("M", "Хорошо, скину. А когда вам перезвонить?"), ("C", "Ну в субботу давайте, с утра я дома."),
     ("M", "В субботу в одиннадцать нормально?"), ("C", "Да, нормально."), ("M", "Всего доброго!")],
    # the client asked to be called; his time accepted with «договорились»
    [("C", "Позвоните в пятницу, сын будет в магазине."), ("M", "В пятницу в какое время удобно?"),
     ("C", "После трёх. В три, в полчетвёртого."), ("M", "Договорились. До свидания.")],
])
def test_a_step_named_just_before_is_timed_by_a_short_turn(turns):
    words = _words(*turns)
    assert detectors.next_step(words, _manager(words)) is not None


@pytest.mark.parametrize("turns", [
    [("M", "Когда вам удобно, чтобы мы перезвонили?"), ("C", "Скинь мне расценки в вотсап, я вечером посмотрю."),
     ("M", "Хорошо, скину всё в вотсап сегодня.")],  # sending is no step
    [("C", "Наберите, наберите. Только не в понедельник, в понедельник у меня выходной."),
     ("M", "Хорошо. Я вам каталог пришлю.")],  # the client's day refused, not accepted
])
def test_sending_or_a_refused_day_settles_no_step(turns):
    words = _words(*turns)
    assert detectors.next_step(words, _manager(words)) is None


@pytest.mark.parametrize("said, times", [
    ("так счёт на 10 перфораторов выставлять", []),  # a count, not ten o'clock
    ("и рассрочка на 3 месяца", []),
    ("давай тогда в четверг с утра в 9 могу", ["четверг", "в 9"]),  # «могу» is no noun counted
    ("в 12 ноль-ноль подъеду", ["в 12"]),
])
def test_a_number_before_what_it_counts_is_no_hour(said, times):
    assert [t for t, _ in detectors._times(text.lemmatize(said))] == times


@pytest.mark.parametrize("said, called", [
    ("Хорошей дороги, Артём, до свидания.", True),
    ("ну всё генадий записал", True),
    ("Андрей, смотрите, у нас два варианта.", True),
    # a name inside a list of products or a story is nobody called
    ("есть человек паук халк бэтмен эльза у нас 300 позиций в наличии", False),
    ("интеграция с кассами атол штрих м эвотор", False),
    ("Тиффани — это классика, так делал Луис Комфорт Тиффани в Америке.", False),
])
def test_the_client_is_called_by_name_only_where_one_calls_someone(said, called):
    words = _words(("M", "Добрый день, это Марина, мастерская «Кедровый двор»."), ("C", "Да, слушаю."),
                   ("M", said), ("C", "Хорошо."))
    assert (detectors.client_name(words, _manager(words), _manager(words)[:1]) is not None) is called
