"""Open questions about the client's need, counted the way docs/labelling.md defines them."""

from __future__ import annotations

import pytest

from core.types import Segment
from scoring.metrics import count_questions


def _open(text: str) -> int:
    return count_questions([Segment(0, "manager", 0.0, 5.0, text)])[1]


@pytest.mark.parametrize("text, n", [
    ("А с какими проблемами к нему чаще всего обращаетесь?", 1),
    ("А десять — это за какой объём работ?", 1),
    ("Какие тиражи планируете и как будете раздавать листовки?", 2),
    # Whisper on phone audio: no punctuation, the question word after its noun
    ("а этаж какой и лифт есть грузовой", 1),
    ("а по бюджету сколько заложено на человека", 1),
    ("а кулер у вас свой есть или нужен и какая вода нужна", 1),
    ("И какой бюджет на двоих?", 1),
    # the same questions as phone ASR writes them: no capitals, no punctuation
    ("так куда хотели поехать", 1),
    ("геннадий а под какой объект берете фундамент монолит", 1),
    ("тимур а сейчас вы где сидите", 1),
    ("понял а груз какой возить придется лодку снаряжение", 1),
    ("А маршруты у вас какие — по накатанной трассе или в лес, по целине?", 1),  # postposed, punctuated
    ("Ключи бесконтактные, с телефона видно, кто звонит, даже если вы не дома.", 0),  # a statement's clause
    # Whisper on phone audio: «?» dropped, a particle before the question word
    ("а какой порядок бюджета сейчас закладывается на содержание в год.", 1),
    ("Собаку не считаем, а где участок, а какой там грунт.", 1),
    ("Ясно. И длина у вас какая, примерно.", 1),
    ("Колодки от двух до шести тысяч, смотря какие.", 0),
    # ASR: a request after the client's name, a question word a few words after «а»
    ("артём расскажите немного о вашей девушке", 1),
    ("а ездите больше где по городу или по трассе", 1),
    ("а у нас привод импортный а не китай какой нибудь", 0),  # «какой-нибудь»
    ("а у нас где то три дня выходит", 0),  # «где-то»
    # a request in the middle of a recognised sentence; not one left hanging at its end
    ("Понял, Петр Лич, расскажите, для чего вода нужна только огород поливать", 1),
    ("Правильное решение, оформляю адрес доставки, расскажите,", 0),
])
def test_open_questions_in_every_form(text, n):
    assert _open(text) == n


@pytest.mark.parametrize("text", [
    "Как вас зовут, подскажите?",
    "Подскажите, как я могу к вам обращаться?",
    "Окна Комфорт, добрый день! Чем могу помочь?",
    "Когда вам удобно, чтобы замерщик приехал?",
    "Хорошо, как скажете.",
    "Какие вопросы у вас остались?",
    "а адрес какой",
    "в четверг в одиннадцать вам удобно",
    "Хорошо, смотрите, если что — звоните.",
    "хорошо пришлю а какая почта",
    "хорошо щас скину прайс лист а почта какая",
    "подскажите с кем можно поговорить по командировкам",
    "так что давайте запишу",
    "Вы что, не понимаете?",  # «что» as a particle: rhetorical
    "Я вам что, по телефону машину посмотрю?",
    "Ну так что, оформляем?",
    "И на кого оформить заказ?",  # logistics
    "Елена, к какому времени привезти?",
    "Он выходит выгоднее, чем роллы по отдельности. Возьмёте сет?",  # a statement in a turn written with «?»
    "Бесплатно только сыр, сами знаете где. Ещё вопросы?",
    # the step's date, a slot to pick, a condition, «смотря какие»
    "Какого числа планируете переезд?",
    "Доставить можем в субботу или во вторник. Какой вариант?",
    "Ну хорошо, подумайте. Как решите — звоните.",
    "Пуговицы — смотря какие выберете, от сорока рублей.",
    "Плитку вскроем только там, где короб.",  # a relative clause
    "Хорошо. Как получу фото — в пятницу до обеда скину вам два варианта.",
    "Хорошо, пришлю. Почта какая?",  # contact data, the word order turned
    # a count proposed in a statement, not asked
    "Если посчитать, сколько яйца у вас пропадает и сколько времени зять тратит, покупной выйдет дешевле.",
])
def test_questions_that_are_not_about_the_need_do_not_count(text):
    assert _open(text) == 0


def test_a_recognised_turn_with_one_question_mark_keeps_its_other_questions():
    text = "Поняла. Чем делали, в салоне или дома, какой краской. Не помните?"
    written = count_questions([Segment(0, "manager", 0.0, 5.0, text)])[1]
    heard = count_questions([Segment(0, "manager", 0.0, 5.0, text, avg_logprob=-0.4)])[1]
    assert (written, heard) == (0, 1)  # written with «?», a sentence without one is no question
