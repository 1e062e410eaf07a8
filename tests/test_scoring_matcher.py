"""Phrase matching: free order with small gaps, negation kept, '=' exact order, surface-form
`none` lists, one-letter ASR slips of long words."""

import pytest

from core.types import Segment
from scoring import fuzzy, load_rubric
from scoring.matcher import FUZZY_CONFIDENCE, SegmentWords, find, find_any
from scoring.rubric import FREE, ORDERED, SURFACE, Phrase, parse_rubric
from scoring.text import lemmatize


def words(text: str) -> SegmentWords:
    return SegmentWords.of(Segment(0, "manager", 0.0, 1.0, text, lemmas=lemmatize(text)))


def matches(phrase: str, text: str, surface: bool = False) -> bool:
    return find(Phrase.of(phrase, surface=surface), words(text)) is not None


@pytest.mark.parametrize("phrase, text", [
    ("меня зовут", "зовут меня Ирина"),
    ("меня зовут", "меня Ирина зовут"),
    ("меня зовут", "Добрый день, меня зовут Ирина"),
    ("как к вам обращаться", "как к вам лучше обращаться"),
    ("как к вам обращаться", "как к вам можно обращаться"),
    ("как к вам обращаться", "к вам как обращаться"),
    ("у конкурентов дешевле", "а дешевле у конкурентов"),
    ("не знаю", "я не знаю"),
])
def test_free_order_and_small_gaps(phrase, text):
    assert Phrase.of(phrase).mode == FREE
    assert matches(phrase, text)


@pytest.mark.parametrize("phrase, text", [
    ("меня зовут", "меня, знаете, сегодня вот тут зовут"),  # too far apart
    ("меня зовут", "меня"),
    ("к вам", "вам к"),  # a preposition stays in front of its word
])
def test_free_order_keeps_the_span_and_prepositions(phrase, text):
    assert not matches(phrase, text)


def test_free_order_stays_inside_one_segment():
    p = (Phrase.of("меня зовут"),)
    assert find_any(p, [words("меня слышно?"), words("зовут")]) is None


@pytest.mark.parametrize("phrase, text", [
    ("не знаю", "знаю я не"),
    ("не знаю", "знаю, не"),
    ("не знаю", "не я знаю"),
    ("дорого", "это не дорого"),
    ("это позволит", "это не позволит"),
    ("нас все устраивает", "нас не все устраивает"),
])
def test_negation_stays_attached(phrase, text):
    assert not matches(phrase, text)


def test_exact_order_syntax():
    p = Phrase.of("=как к вам обращаться")
    assert p.mode == ORDERED and p.source == "как к вам обращаться"
    assert matches("=как к вам обращаться", "а как к вам обращаться?")
    assert not matches("=как к вам обращаться", "как к вам лучше обращаться")
    assert not matches("=меня зовут", "зовут меня Ирина")
    assert matches("=меня зовут", "меня зовут Ирина")
    # `*` and <num> phrases are patterns: written order, gaps only where `*` stands
    assert Phrase.of("подскажите * как вас").mode == ORDERED
    assert Phrase.of("в <num>").mode == ORDERED
    assert not matches("в <num>", "5 в")


def test_exact_order_passes_rubric_check():
    text = """\
id: t
stages:
  - id: s
    criteria:
      - id: c
        title: C
        weight: 1
        any: ["=как к вам обращаться", =меня зовут]
"""
    rubric, errors = parse_rubric(text)
    assert not errors, errors
    assert [p.mode for p in rubric.criteria[0].any] == [ORDERED, ORDERED]


@pytest.mark.parametrize("phrase, text", [
    ("не знаю", "а вы не знаете, где это?"),
    ("мне всё равно", "я всё равно возьму"),
    ("мне все равно", "мне ведь всё равно"),  # no gaps in a none list
    ("не знаю", "знаю не я"),
])
def test_none_lists_match_surface_forms_only(phrase, text):
    assert Phrase.of(phrase, surface=True).mode == SURFACE
    assert not matches(phrase, text, surface=True)


def test_none_lists_match_the_written_forms():
    assert matches("мне всё равно", "Да мне все равно, честно.", surface=True)
    assert matches("не знаю", "Не знаю.", surface=True)


def test_fatal_none_list_of_the_default_rubric_is_surface():
    r = load_rubric()
    none = r.criterion("no_rudeness").none
    assert all(p.mode == SURFACE for p in none)
    assert find_any(none, [words("Я всё равно возьму вот этот вариант")]) is None
    assert find_any(none, [words("Да мне всё равно.")]) is not None
    forbidden = r.criterion("forbidden_phrases").none
    assert find_any(forbidden, [words("А вы не знаете, какой у вас размер окна?")]) is None
    assert find_any(forbidden, [words("Ну я не знаю.")]) is not None


@pytest.mark.parametrize("heard", ["дарогавато", "дурговато", "дорогавато"])
def test_one_letter_slips_of_long_trigger_words_match(heard):
    hit = find(Phrase.of("дороговато"), words(f"ну {heard} как-то"))
    assert hit is not None and hit.fuzzy


def test_exact_words_are_not_fuzzy():
    hit = find(Phrase.of("дороговато"), words("ну дороговато"))
    assert hit is not None and hit.fuzzy == ()


@pytest.mark.parametrize("phrase, text", [
    ("дорого", "дарого"),  # under 6 letters: never approximate
    ("занят", "занит"),
    ("сами * установим", "сами остановим"),  # a real word, not a slip
    ("скидка", "скидкаааа"),  # too far
])
def test_short_words_and_real_words_are_not_fuzzy(phrase, text):
    assert not matches(phrase, text)


def test_fuzzy_never_applies_to_none_lists():
    Phrase.of("дороговато")  # registered for the slip layer by an `any` list
    assert not matches("дороговато", "ну дарогавато", surface=True)
    assert not matches("идиотизм", "идеотизм", surface=True)


def test_numbers_are_not_fuzzy():
    assert fuzzy.variants("<num:100>") == ()
    assert not matches("скидка 5000", "скидка 6000")
    assert matches("скидка 5000", "скидка пять тысяч")


def test_symmetric_delete_index_agrees_with_the_distance():
    assert fuzzy.distance("дороговатый", "дарогаватый") == 2
    assert fuzzy.distance("скидка", "скдика") == 1  # a transposition is one edit
    Phrase.of("посоветоваться")
    assert "посоветоваться" in fuzzy.variants("посаветоваться")
    assert fuzzy.variants("посоветоваться") == ()


def test_a_slipped_trigger_finds_the_objection_with_lower_confidence():
    from scoring.objections import bootstrap_model, detect_objections, load_catalogue

    cat = load_catalogue()
    segs = [
        Segment(0, "client", 0.0, 2.0, "Ну это дарогавато для нас", lemmas=lemmatize("Ну это дарогавато для нас")),
        Segment(1, "manager", 2.5, 5.0, "Понимаю, но в цену входит монтаж и гарантия десять лет",
                lemmas=lemmatize("Понимаю, но в цену входит монтаж и гарантия десять лет")),
    ]
    found = detect_objections([SegmentWords.of(s) for s in segs], cat, bootstrap_model(cat))
    assert [o.kind for o in found] == ["price"]
    assert "≈ дарогаватый" in found[0].rule_hits[0]
    exact = [Segment(0, "client", 0.0, 2.0, "Ну это дороговато для нас",
                     lemmas=lemmatize("Ну это дороговато для нас")), segs[1]]
    ref = detect_objections([SegmentWords.of(s) for s in exact], cat, bootstrap_model(cat))
    assert found[0].confidence == pytest.approx(ref[0].confidence * FUZZY_CONFIDENCE, abs=1e-3)


def test_a_one_word_phrase_read_as_another_word_matches_only_as_written():
    """«дорогой» lemmatises to «дорога»: as a lemma it would find «на дорогу» and miss
    «дорогие»; matched as written it finds only «дорогой», and ``rubric check`` says so."""
    from scoring.rubric import reading_warnings

    phrase = Phrase.of("дорогой")
    assert phrase.mode == SURFACE and phrase.reads_as == "дорога"
    assert matches("дорогой", "ну это дорогой вариант")
    assert not matches("дорогой", "окна выходят на дорогу")
    assert Phrase.of("дорогая").mode == FREE and matches("дорогая", "они дорогие")
    assert Phrase.of("==дорогой").reads_as == ""  # written as a word form on purpose: no warning
    warnings = reading_warnings([("price", (phrase, Phrase.of("дорого")))])
    assert len(warnings) == 1 and "«дорогой»" in warnings[0] and "«дорога»" in warnings[0]


def test_the_shipped_rubric_and_catalogue_have_no_reading_warnings():
    from scoring.objections import DEFAULT_CATALOGUE, catalogue_warnings, load_catalogue
    from scoring.rubric import example_warnings

    assert not [w for w in example_warnings(load_rubric()) if "another word" in w]
    assert not [w for w in catalogue_warnings(load_catalogue(DEFAULT_CATALOGUE)) if "another word" in w]
