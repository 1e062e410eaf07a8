"""Call type first: non-sales calls are not applicable with a Russian reason; sales stay sales."""

from __future__ import annotations

import dataclasses

import pytest

from scoring.call_type import CALL_TYPES, REASONS_RU
from tests.scoring_calls import GOOD_CALL, score, verdicts

NON_SALES = {
    "no_speech": [
        ("client", "Спасибо за просмотр!"),
        ("manager", "Субтитры сделал DimaTorzok"),
        ("client", "Продолжение следует..."),
    ],
    "ivr": [
        ("client", "Добро пожаловать! Для связи с отделом продаж нажмите один, для бухгалтерии нажмите два."),
        ("client", "Пожалуйста, оставайтесь на линии, все операторы сейчас заняты."),
        ("manager", "Алло."),
    ],
    "voicemail": [
        ("client", "Здравствуйте, вы позвонили Игорю. Я не могу сейчас ответить, оставьте сообщение после сигнала."),
        ("manager", "Игорь, добрый день, это Павел из компании ТеплоДом, наберите меня, пожалуйста, по поводу котла."),
    ],
    "robocall": [
        ("manager", "Алло, слушаю."),
        ("client", "Здравствуйте! Это автоматический звонок. Вы довольны качеством связи? Ответьте да или нет."),
        ("manager", "Да."),
    ],
    "wrong_number": [
        ("manager", "Добрый день, это Светлана, студия Лотос, хотела уточнить вашу запись на пятницу."),
        ("client", "Девушка, вы ошиблись номером, я ни в какую студию не записывалась."),
        ("manager", "Ой, извините, пожалуйста."),
        ("client", "Ничего, до свидания."),
    ],
    "call_back_later": [
        ("manager", "Здравствуйте, Андрей? Меня зовут Олег, компания АвтоМир, вы оставляли заявку на тест-драйв."),
        ("client", "Да, но я сейчас за рулём, не могу говорить. Наберите вечером."),
        ("manager", "Конечно, во сколько вам удобно?"),
        ("client", "После семи."),
        ("manager", "Договорились, перезвоню после семи, хорошей дороги."),
    ],
    "non_russian": [
        ("manager", "Hello, this is Anna from Window Plus company, how can I help you today?"),
        ("client", "Hi, I would like to order three plastic windows for my country house."),
        ("manager", "Sure, what size are the windows and when do you need the installation?"),
        ("client", "About one meter each, and we need them before winter."),
    ],
    "too_short": [
        ("manager", "Алло, здравствуйте!"),
        ("client", "Алло? Не слышно."),
    ],
}


@pytest.mark.parametrize("kind", list(NON_SALES))
def test_each_non_sales_type_is_not_applicable_with_its_reason(kind):
    step = 2.0 if kind == "too_short" else 6.0
    s = score(NON_SALES[kind], direction="out", step=step)
    assert s.call_type == kind
    assert s.applicable is False and s.score_pct is None and s.max_points == 0
    assert set(verdicts(s).values()) == {"not_applicable"}
    assert all(c.reason == REASONS_RU[kind] for c in s.criteria)


def test_every_type_has_a_russian_reason():
    assert set(REASONS_RU) == set(CALL_TYPES) - {"sales"}
    assert all(any("а" <= ch <= "я" for ch in r) for r in REASONS_RU.values())


def test_only_the_manager_speaking_briefly_is_one_sided_too_short():
    s = score([("manager", "Алло, добрый день, компания Окна Плюс, Анна. Алло? Вы меня слышите?"),
               ("manager", "Перезвоню вам позже.")])
    assert s.call_type == "too_short" and not s.applicable
    assert "одна сторона" in s.criteria[0].reason


def test_only_the_client_speaking_is_not_applicable():
    s = score([("client", "Алло, здравствуйте, я по поводу заказа номер сорок пять, когда доставка?"),
               ("client", "Алло? Не слышу вас, перезвоню.")])
    assert s.call_type == "too_short" and not s.applicable


def test_a_non_russian_language_in_cyrillic_is_not_russian():
    s = score([("manager", "алло ассалому алейкум гуш мекунам"),
               ("client", "ваалейкум ассалом ака яхдонам кор намекунад хунук намекунад"),
               ("manager", "кай вайрон шуд"), ("client", "дируз бегохи садо баровард баъд хомуш шуд"),
               ("manager", "хуб устои мо пагох меояд сурогаатон кучо"),
               ("client", "кучаи сомони хонаи панздах квартираи чил"), ("manager", "хайр то пагох")])
    assert s.call_type == "non_russian" and not s.applicable


def test_nobody_of_that_name_here_is_a_wrong_number():
    s = score([("manager", "Добрый день, юридический центр «Паритет», меня зовут Руслан. Сергей Викторович?"),
               ("client", "Какой Сергей Викторович? Нет тут никакого Сергея. Это кафедра химии, университет."),
               ("manager", "Ой, извините."), ("client", "Ничего, до свидания.")])
    assert s.call_type == "wrong_number" and not s.applicable


def test_a_survey_robot_over_a_puzzled_client_is_a_robocall():
    s = score([("manager", "Здравствуйте! Это служба доставки. Вчера вы оформили у нас заказ. Пожалуйста, "
                           "оцените качество обслуживания от одного до пяти, где пять — отлично."),
               ("client", "Алло? Алло…"),
               ("manager", "Извините, я вас не расслышал. Пожалуйста, оцените качество обслуживания от одного до пяти."),
               ("client", "Алло, кто это? Робот, что ли…"), ("manager", "Спасибо за ваш ответ! До свидания.")])
    assert s.call_type == "robocall" and not s.applicable


def test_a_non_russian_language_tag_on_russian_text_is_ignored():
    import scoring
    from tests.scoring_calls import scorer, transcript

    t = scoring.prepare_transcript(dataclasses.replace(transcript(GOOD_CALL), language="uk"))
    s = scorer().score(t, __import__("core.types").types.CallMeta(direction="in"), 60.0, 2)
    assert s.call_type == "sales" and s.applicable


# --- sales calls that must stay sales ----------------------------------------------------------

def test_a_call_opening_with_an_ivr_greeting_then_a_live_conversation_is_sales():
    lines = [("client", "Здравствуйте, вы позвонили в компанию Окна Плюс. Ваш звонок очень важен для нас, оставайтесь на линии.")]
    s = score(lines + GOOD_CALL)
    assert s.call_type == "sales" and s.applicable and s.score_pct is not None


def test_a_mono_call_opening_with_ivr_then_a_conversation_is_sales():
    lines = [("unknown", "Ваш звонок очень важен для нас. Пожалуйста, оставайтесь на линии.")]
    lines += [("unknown", t) for _, t in GOOD_CALL]
    s = score(lines, channels=1)
    assert s.call_type == "sales" and s.applicable  # roles unknown: insufficient, not rejected
    assert set(verdicts(s).values()) == {"insufficient"}


def test_a_long_sales_call_with_a_no_time_objection_is_sales():
    lines = [
        GOOD_CALL[0],
        ("client", "Я сейчас за рулём, давайте быстро, перезвоните позже."),
        ("manager", "Понимаю, займу буквально минуту: вы оставляли заявку на окна, сколько окон планируете менять?"),
        ("client", "Ну три окна, в квартире, старые деревянные."),
        *GOOD_CALL[2:],
    ]
    s = score(lines)
    assert s.call_type == "sales" and s.applicable and s.score_pct is not None


SMALL_TALK_THEN_CALL_BACK = [
    ("client", "Алло."),
    ("manager", "Тамара Павловна, добрый день, это Игорь из «Теплодома», вы у нас на выставке были."),
    ("client", "Ой, Игорь, здравствуйте, помню, помню, вы ещё нам буклет давали."),
    ("manager", "Да-да. Как вы добрались тогда, дождь же был страшный?"),
    ("client", "Ой, не говорите, насквозь промокли. Слушайте, я сейчас в аптеке стою в очереди, "
               "мне неудобно, перезвоните вечерком."),
    ("manager", "Конечно, во сколько удобно?"),
    ("client", "После семи."),
    ("manager", "Хорошо, в семь тридцать наберу, всего доброго."),
    ("client", "До свидания."),
]


def test_small_talk_then_a_call_back_request_is_call_back_later():
    s = score(SMALL_TALK_THEN_CALL_BACK)
    assert s.call_type == "call_back_later" and not s.applicable


def test_a_call_back_request_after_talking_business_is_sales():
    lines = list(SMALL_TALK_THEN_CALL_BACK)
    lines[3] = ("manager", "Да-да. Вы по котлу решили что-нибудь?")
    lines[4] = ("client", "Да пока нет, нам в «Тепломаркете» на пятнадцать процентов дешевле посчитали. "
                          "Слушайте, я сейчас в аптеке, мне неудобно, перезвоните вечерком.")
    s = score(lines)
    assert s.call_type == "sales" and s.applicable


DRIVING_SMALL_TALK_THEN_CALL_BACK = [
    ("manager", "алло добрый вечер это светлана склад хранения вы у нас на сайте заявку оставляли на бокс"),
    ("client", "ой да да здрасте оставляла а я щас за рулем еду с дачи"),
    ("manager", "ой понимаю пробки наверно"),
    ("client", "да не то слово на московском встали все ремонт этот опять и дождь льет как из ведра"),
    ("manager", "да у нас тоже с обеда зарядил"),
    ("client", "вот и у нас короче я щас говорить не могу вообще наберите мне завтра после 10 утра хорошо"),
    ("manager", "хорошо завтра после 10 наберу аккуратнее на дороге"),
    ("client", "спасибо до свидания"),
    ("manager", "до свидания"),
]


def test_busy_said_early_then_small_talk_then_a_call_back_request_is_call_back_later():
    """The first «за рулём» is followed by small talk; the later «наберите завтра» decides."""
    s = score(DRIVING_SMALL_TALK_THEN_CALL_BACK)
    assert s.call_type == "call_back_later" and not s.applicable


def test_a_call_back_asked_informally_is_call_back_later():
    lines = list(SMALL_TALK_THEN_CALL_BACK)
    lines[4] = ("client", "Ой, не говорите, насквозь промокли. Слушай, я в поликлинике сижу, давай ты мне "
                          "вечером позвони после шести.")
    s = score(lines)
    assert s.call_type == "call_back_later" and not s.applicable


def test_a_sales_call_with_a_few_english_words_is_sales():
    lines = [
        GOOD_CALL[0],
        ("client", "Сергей. Хочу поставить smart home, чтобы окна открывались через app на iPhone."),
        *GOOD_CALL[2:],
    ]
    s = score(lines)
    assert s.call_type == "sales" and s.applicable


def test_a_mono_call_with_unknown_speakers_is_not_rejected():
    s = score([("unknown", t) for _, t in GOOD_CALL], channels=1)
    assert s.call_type == "sales" and s.applicable


@pytest.mark.parametrize("ask", [
    "Ой, не говорите. Ой, кажется, клюёт, руки мокрые. Перезвоните мне в понедельник, ладно?",
    "Ой, не говорите. Слушайте, давайте вы мне перезвоните, я в автобусе всё равно ничего не услышу.",
    "да ничего спасибо слушайте я щас в поликлинике сижу тут номерок вызовут можно вы попозже позвоните",
])
def test_a_call_back_asked_in_other_words_after_small_talk_is_call_back_later(ask):
    lines = list(SMALL_TALK_THEN_CALL_BACK)
    lines[4] = ("client", ask)
    s = score(lines)
    assert s.call_type == "call_back_later" and not s.applicable


def test_the_managers_own_call_back_later_is_scored_not_a_call_type():
    lines = [
        ("client", "Здравствуйте, хочу узнать про окна, сколько стоит трёхстворчатое окно?"),
        ("manager", "Не знаю, перезвоните позже."),
        ("client", "Понятно, спасибо."),
    ]
    s = score(lines)
    assert s.call_type == "sales" and s.applicable
    assert verdicts(s)["forbidden_phrases"] == "fail"


def test_whisper_hallucinations_are_dropped_before_deciding():
    s = score([*GOOD_CALL, ("client", "Спасибо за просмотр!")])
    assert s.call_type == "sales" and s.score_pct == 100.0


def test_the_call_type_is_stored_with_the_score(tmp_path):
    from core.types import Call, CallMeta, Transcript
    from store import db, writes

    path = tmp_path / "c.duckdb"
    s = score(NON_SALES["voicemail"], direction="out")
    with db.writer(path) as con:
        writes.write_call(con, Call("a", CallMeta(), Transcript(()), 12.0, 2, "import", score=s))
    assert db.query_rows(path, "SELECT call_type, applicable FROM call_scores") == [("voicemail", False)]


def test_a_wrong_number_with_a_few_polite_sentences_after_is_still_a_wrong_number():
    lines = [
        ("manager", "Добрый день! Студия «Лотос», меня зовут Полина. Татьяна Сергеевна?"),
        ("client", "Нет, вы ошиблись. Никакой Татьяны здесь нет."),
        ("manager", "Ой, извините. Это номер восемьсот девятнадцать, сорок два, ноль семь?"),
        ("client", "Номер этот, а Татьяны нет. Я симку в марте купил, уже третий раз её спрашивают."),
        ("manager", "Понятно, значит, у нас в базе старый номер. Простите за беспокойство."),
        ("client", "Да ничего. Йогой, значит, занимаетесь? Хорошее дело."),
        ("manager", "Да, спасибо. Ещё раз извините, хорошего вам дня!"),
        ("client", "И вам. До свидания."),
    ]
    assert score(lines).call_type == "wrong_number"
    lines[5] = ("client", "Да ничего. А сколько у вас абонемент стоит? Цена какая?")
    assert score(lines).call_type == "sales"  # the talk turned to the offer


def test_a_queue_message_heard_by_the_manager_is_ivr():
    lines = [
        ("manager", "Алло, добрый день."),
        ("client", "Здравствуйте, вы позвонили в сеть фитнес клубов, ваш звонок очень важен для нас, "
                   "для записи на тренировку нажмите два."),
        ("client", "Все операторы заняты, пожалуйста, оставайтесь на линии."),
        ("client", "Примерное время ожидания семь минут."),
        ("manager", "Э, нет, семь минут не буду."),
    ]
    assert score(lines).call_type == "ivr"


def test_a_cold_call_the_client_did_not_ask_for_is_sales():
    lines = [
        ("manager", "Добрый день, это Кирилл, компания «ЭкоВывоз». Вы оставляли заявку на сайте?"),
        ("client", "Я никакой заявки не оставлял."),
        ("manager", "Понял, извините. Мы вывозим мусор с предприятий, контейнеры свои, приезжаем по графику."),
        ("client", "Нам это не нужно, у нас всё есть."),
        ("manager", "А кто вам сейчас вывозит, если не секрет?"),
        ("client", "Не секрет, город вывозит. Всего доброго."),
    ]
    assert score(lines).call_type == "sales"


def test_a_short_pitch_then_a_call_back_request_is_sales():
    lines = [
        ("client", "Алло."),
        ("manager", "Тамара Павловна, добрый день, это Игорь из «Теплодома»."),
        ("client", "Да, слушаю."),
        ("manager", "Мы ставим тёплые полы под ключ: сами считаем, привозим, монтируем за один день, "
                    "гарантия десять лет, и у нас своя бригада, не субподрядчики."),
        ("client", "Слушайте, я сейчас в аптеке, перезвоните вечерком."),
        ("manager", "Хорошо, в семь наберу."),
        ("client", "До свидания."),
    ]
    assert score(lines).call_type == "sales"
