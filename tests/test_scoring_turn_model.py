"""The objection-turn classifier and the linear models behind it and the handling model."""

from __future__ import annotations

import pytest

from core.types import Segment
from scoring.linear import FastLinear, fit_pipeline, text_doc, turn_doc, turn_features
from scoring.objection_model import NONE, shipped_turns
from scoring.objections import bootstrap_model, load_catalogue, shipped_pairs
from scoring.text import lemmatize, segment_with_lemmas
from tests.scoring_calls import GOOD_CALL, score, verdicts


def _seg(text: str, speaker: str = "client", idx: int = 0) -> Segment:
    return segment_with_lemmas(Segment(idx=idx, speaker=speaker, start_s=float(idx), end_s=idx + 1.0, text=text))


def test_features_fold_numbers_and_read_the_written_words():
    doc = turn_doc([_seg("Дешевле на 15 процентов?")])
    feats = turn_features(doc)
    assert "w:<num>" in feats and "q" in feats and "c:<деш" in feats
    assert "b:на <num>" in feats


def test_the_fast_path_gives_the_probabilities_of_the_fitted_pipeline():
    texts = ["это дорого", "дороговато для нас", "у соседей дешевле", "в другом месте ниже цена",
             "давайте в четверг", "да удобно", "я подумаю", "надо подумать ещё"]
    labels = ["price", "price", "cheaper", "cheaper", NONE, NONE, "think", "think"]
    docs = [text_doc(lemmatize(t), t) for t in texts]
    pipe = fit_pipeline(docs, labels)
    fast = FastLinear.of(pipe)
    probe = text_doc(lemmatize("ну дорговато как-то"), "ну дорговато как-то")
    expected = dict(zip(pipe.classes_, pipe.predict_proba([probe])[0], strict=True))
    assert fast.predict(probe) == pytest.approx(expected, abs=1e-9)


def test_the_shipped_training_turns_cover_every_default_kind_and_the_none_class():
    turns = shipped_turns()
    kinds = {k.id for k in load_catalogue().kinds}
    assert kinds <= set(turns) and len(turns[NONE]) >= 300
    assert all(len(turns[k]) >= 80 for k in kinds)
    classes = {cls for _, _, cls, _ in shipped_pairs()}
    assert classes == {"value", "question", "discount", "ignored", "other"}


@pytest.mark.parametrize("text, kind", [
    # ordinary wording that no trigger phrase of the catalogue holds
    ("ну у вас прям ценник конский конечно", "price"),
    ("мы тут прикинули у одних ребят выходит тысяч на двадцать меньше", "competitor_cheaper"),
    ("знаете давайте я это всё переварю и потом сам вам наберу", "think_later"),
    ("слушайте у нас этим уже давно одна контора занимается нас всё устраивает", "have_supplier"),
])
def test_the_turn_model_reads_objections_in_ordinary_words(text, kind):
    model = bootstrap_model(load_catalogue()).turns
    found, p = model.kind(_seg(text))
    assert found == kind and p >= 0.5


@pytest.mark.parametrize("text", [
    "а сколько будет стоить с установкой",
    "кухня у нас метров восемь, угловая",
    "да, в четверг после обеда удобно",
])
def test_ordinary_client_turns_are_not_objections(text):
    model = bootstrap_model(load_catalogue()).turns
    _, p = model.kind(_seg(text))
    assert p < 0.6


def test_a_model_found_objection_says_so_and_is_less_sure():
    lines = [*GOOD_CALL[:5], ("client", "ну для нас это серьёзные деньги выходят"),
             ("manager", "Понимаю. Зато в цену входит монтаж и гарантия пять лет."),
             ("client", "Хорошо."), ("manager", "Всего доброго, до свидания!")]
    (o,) = score(lines).objections
    assert o.kind == "price" and o.rule_hits[0].startswith("model: ")
    assert o.confidence < 0.9


def test_value_presentation_by_meaning_and_not_by_a_word_said_in_passing():
    base = [("manager", "Добрый день, компания «Кухни Прованс», меня зовут Ольга. Как к вам обращаться?"),
            ("client", "Марина. Хочу кухню на дачу, метров восемь.")]
    tail = [("client", "Поняла, спасибо."), ("manager", "Всего доброго, до свидания!")]
    told = [("manager", "Раз на даче зимой не топят, возьмите фасады из пластика: их не ведёт от сырости, "
                        "и через пять лет кухня будет как новая, а шпон там за сезон вздуется.")]
    v = verdicts(score(base + told + tail))["value_presentation"]
    assert v == "pass"
    listed = [("manager", "Качество хорошее. Фасады белые, серые и бежевые, столешница тридцать восемь миллиметров, "
                          "срок изготовления три недели, цена от девяноста тысяч.")]
    assert verdicts(score(base + listed + tail))["value_presentation"] == "fail"
