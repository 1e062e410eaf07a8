"""Phone and card numbers are masked before text is stored; prices and short numbers stay."""

import pytest

from transcribe.masking import mask_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мой номер +7 916 123-45-67, звоните", "Мой номер [номер], звоните"),
        ("позвоните 8-800-555-35-35", "позвоните [номер]"),
        ("номер 89161234567", "номер [номер]"),
        ("карта 4276 1234 5678 9012", "карта [карта]"),
        ("восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь", "[номер]"),
        ("плюс семь девятьсот шестнадцать один два три четыре пять шесть семь", "[номер]"),
        ("запишите: восемь девять один шесть один два три, спасибо", "запишите: [номер], спасибо"),
    ],
)
def test_numbers_are_masked(text, expected):
    assert mask_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "стоит пять тысяч рублей",
        "на 20% дешевле",
        "окно за 1 500 000 рублей",
        "скидка двадцать пять процентов",
        "замер в четверг в десять",
        "договор номер 12345",
        "сто двадцать три тысячи рублей",
    ],
)
def test_prices_and_short_numbers_stay(text):
    assert mask_numbers(text) == text
