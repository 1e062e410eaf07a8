"""The company vocabulary corrects the recogniser's slips, never real words."""

import pytest

from transcribe.vocabulary import correct

VOCAB = ("Атлетика", "Аква-Дом", "Окна Комфорт", "Легион", "скидка", "Rehau", "Доктор Вет", "акция")


@pytest.mark.parametrize("heard, written", [
    ("абонемент в патлетике стоит", "абонемент в Атлетике стоит"),  # a case form of a dictionary word
    ("это окна комфот добрый день", "это Окна Комфорт добрый день"),  # a term of two words
    ("аквадом доставка воды", "Аква-Дом доставка воды"),  # spelt together
    ("ваш легеон охраняет", "ваш Легион охраняет"),
    ("скитку дадите?", "скидку дадите?"),  # the form heard, not the vocabulary's
    ("сотрудники лебиона приедут", "сотрудники Легиона приедут"),  # б for г, two letters as heard
    ("клиника докторы вит слушаю", "клиника Доктор Вет слушаю"),  # reduced vowels, as it sounds
])
def test_a_slip_of_a_vocabulary_term_is_written_as_the_term(heard, written):
    assert correct(heard, VOCAB) == written


@pytest.mark.parametrize("text", [
    "скидку дадите",  # already right
    "это сделка века",  # a real word near «скидка» stays
    "мы были в атлетике",  # right apart from the capital letter: left as heard
    "окно комфортное",  # real words
    "рехау",  # under five letters are never corrected («Rehau» is Latin anyway)
    "это макцем, фитнес-клуб",  # a misheard name is not a deal word («акциям»)
])
def test_real_words_and_right_terms_stay(text):
    assert correct(text, VOCAB) == text


def test_no_vocabulary_changes_nothing_and_the_result_is_deterministic():
    assert correct("патлетика", ()) == "патлетика"
    assert correct("в патлетике, в патлетике", VOCAB) == correct("в патлетике, в патлетике", VOCAB) \
        == "в Атлетике, в Атлетике"
