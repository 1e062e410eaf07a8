"""Scoring a call: verdicts with evidence, insufficient vs fail, not-applicable calls."""

import dataclasses

import pytest

from tests.scoring_calls import GOOD_CALL, criterion, score, scorer, transcript, verdicts

CRITERIA = ["greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
            "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness"]


def test_a_good_call_passes_every_criterion_with_evidence():
    s = score(GOOD_CALL)
    assert verdicts(s) == {c: "pass" for c in CRITERIA}
    assert s.score_pct == 100.0 and s.applicable and not s.fatal_failed
    greeting = criterion(s, "greeting")
    assert greeting.evidence.segment_idx == 0 and "Окна Плюс" in greeting.evidence.quote
    assert criterion(s, "next_step").evidence.segment_idx == 8


def test_a_poor_call_fails_with_russian_reasons():
    lines = [
        ("manager", "Алло, слушаю."),
        ("client", "Здравствуйте, сколько стоят окна?"),
        ("manager", "Ну окна разные бывают, от десяти тысяч рублей за штуку."),
        ("client", "Понятно. А монтаж сколько стоит?"),
        ("manager", "Не знаю, это не ко мне, перезвоните позже."),
        ("client", "Хорошо."),
        ("manager", "Угу, ладно."),
    ]
    s = score(lines)
    v = verdicts(s)
    for crit in ("greeting", "client_name", "needs_discovery", "value_presentation", "next_step",
                 "summary", "farewell", "forbidden_phrases"):
        assert v[crit] == "fail", crit
    assert v["objection_handling"] == "not_applicable"
    assert v["no_rudeness"] == "pass"
    assert criterion(s, "greeting").reason == "Менеджер не назвал компанию и своё имя в первые 30 секунд"
    forbidden = criterion(s, "forbidden_phrases")
    assert "не знаю" in forbidden.reason and forbidden.evidence.segment_idx == 4
    assert s.score_pct == pytest.approx(100 * 5 / 85, abs=0.1)


@pytest.mark.parametrize("opening, verdict", [
    ("алло добрый день компания принт лайн сувенирная продукция с логотипом вас беспокоит", "fail"),  # no own name
    ("Добрый день, компания «Дымоход-Сервис» беспокоит. Могу я поговорить с ответственным?", "fail"),
    ("Добрый день, компания «Дымоход-Сервис», меня зовут Игорь.", "pass"),
])
def test_the_greeting_needs_the_managers_own_name(opening, verdict):
    lines = list(GOOD_CALL)
    assert lines[0][0] == "manager"
    lines[0] = ("manager", opening)
    assert verdicts(score(lines))["greeting"] == verdict


def test_callback_with_a_time_is_not_forbidden():
    lines = list(GOOD_CALL)
    lines[6] = ("manager", "Понимаю. Давайте я перезвоню позже, завтра в 15:00, и расскажу про гарантию.")
    assert verdicts(score(lines))["forbidden_phrases"] == "pass"
    lines[6] = ("manager", "Перезвоните позже.")
    assert verdicts(score(lines))["forbidden_phrases"] == "fail"
    # the time excuses the call-back next to it, not a refusal earlier in the turn
    lines[6] = ("manager", "это не ко мне я по платьям девочка по костюмам завтра будет перезвоните позже")
    assert verdicts(score(lines))["forbidden_phrases"] == "fail"


def test_not_knowing_and_finding_out_is_not_forbidden_but_sending_the_client_off_is():
    lines = list(GOOD_CALL)
    lines[6] = ("manager", "Не знаю точно, уточню у технолога и перезвоню вам завтра в десять.")
    assert verdicts(score(lines))["forbidden_phrases"] == "pass"
    lines[6] = ("manager", "не знаю уточните сами у технолога")  # «уточните» is not «уточню»
    assert verdicts(score(lines))["forbidden_phrases"] == "fail"


def test_rudeness_is_fatal_and_zeroes_the_score():
    lines = list(GOOD_CALL)
    lines[6] = ("manager", "Да вы что, не понимаете? Это не ваше дело, блин.")
    s = score(lines)
    assert verdicts(s)["no_rudeness"] == "fail"
    assert s.fatal_failed == ("no_rudeness",)
    assert s.score_pct == 0.0


def test_one_swear_word_heard_by_the_recogniser_waits_for_the_rop_instead_of_zeroing():
    import dataclasses

    import scoring
    from core.types import CallMeta
    from tests.scoring_calls import scorer, transcript

    lines = list(GOOD_CALL)
    lines[6] = ("manager", "У нас как раз есть блин шестьдесят четыре метра на шестом этаже.")  # «блок», misheard
    heard = transcript(lines)
    heard = dataclasses.replace(heard, segments=tuple(dataclasses.replace(s, avg_logprob=-0.3) for s in heard.segments))
    s = scorer().score(scoring.prepare_transcript(heard), CallMeta(direction="in"), 200.0, 2)
    assert verdicts(s)["no_rudeness"] == "fail" and s.fatal_failed == () and s.uncertain
    assert s.score_pct > 0
    written = score(lines)  # the same word in text a person wrote: sure
    assert written.fatal_failed == ("no_rudeness",)


@pytest.mark.parametrize("said", [
    "мужчина вы чё не понимаете я вам русским языком говорю",  # as phone ASR writes «что»
    "вы че русского не понимаете",
])
def test_talking_down_to_the_client_is_rude(said):
    lines = list(GOOD_CALL)
    lines[6] = ("manager", said)
    assert verdicts(score(lines))["no_rudeness"] == "fail"


def test_little_manager_speech_in_the_window_is_insufficient_not_fail():
    lines = [("manager", "Да."), ("client", "Здравствуйте, мне нужны окна на дачу, три штуки.")] + GOOD_CALL[2:]
    s = score(lines, step=20.0)
    assert verdicts(s)["greeting"] == "insufficient"
    assert "мало речи" in criterion(s, "greeting").reason
    assert s.uncertain


def test_low_asr_confidence_makes_a_missing_phrase_insufficient():
    lines = [("manager", "Алло, слушаю вас внимательно, говорите.")] + GOOD_CALL[1:]
    s = score(lines, low_confidence=True)
    assert verdicts(s)["greeting"] == "insufficient"
    assert "распознавания" in criterion(s, "greeting").reason
    assert verdicts(s)["farewell"] == "pass"  # found words still count


def test_missing_manager_channel_makes_every_criterion_insufficient():
    lines = [("unknown", text) for _, text in GOOD_CALL]
    s = score(lines, channels=1)
    assert set(verdicts(s).values()) == {"insufficient"}
    assert s.score_pct is None and s.applicable


@pytest.mark.parametrize("lines", [
    [("client", "Здравствуйте, вы позвонили в компанию. Ваш звонок очень важен для нас, оставайтесь на линии.")],
    [("client", "Абонент не может ответить. Оставьте сообщение после сигнала."),
     ("manager", "Добрый день, это Анна из компании Окна Плюс, перезвоните мне, пожалуйста.")],
    [],
])
def test_ivr_voicemail_and_silence_are_not_applicable_not_zero(lines):
    s = score(lines)
    assert s.applicable is False and s.score_pct is None
    assert set(verdicts(s).values()) == {"not_applicable"}
    assert s.max_points == 0


def test_score_uses_stored_lemmas_without_nlp(monkeypatch):
    import scoring
    from scoring import text

    prepared = scoring.prepare_transcript(transcript(GOOD_CALL))
    monkeypatch.setattr(text, "lemmatize", lambda _t: pytest.fail("NLP ran on stored lemmas"))
    s = scorer().score(prepared, dataclasses.replace(scoring_meta()), 60.0, 2)
    assert s.score_pct == 100.0


def scoring_meta():
    from core.types import CallMeta

    return CallMeta(direction="in")


def test_prepare_transcript_is_idempotent_and_keeps_existing_lemmas():
    import scoring

    t = transcript(GOOD_CALL)
    t = dataclasses.replace(t, segments=(dataclasses.replace(t.segments[0], lemmas=("свой",)), *t.segments[1:]))
    once = scoring.prepare_transcript(t)
    assert once.segments[0].lemmas == ("свой",)
    assert once.segments[1].lemmas[0] == "сергей"
    assert scoring.prepare_transcript(once) is once


def test_metrics_count_questions_talk_ratio_and_patience():
    s = score(GOOD_CALL)
    m = s.metrics
    assert m.manager_questions == 5  # "Как к вам обращаться?" + 3 in turn 2 + 1 in turn 6
    assert 0.5 < m.manager_talk_ratio < 0.6
    assert m.patience_s == pytest.approx(1.0)
    assert m.interruptions == 0 and m.longest_silence_s == pytest.approx(1.0)


def test_overlapping_turns_in_stereo_count_as_interruptions():
    from core.types import Segment, Transcript
    from scoring.metrics import compute_metrics

    t = Transcript((
        Segment(0, "client", 0.0, 6.0, "Я хотел бы узнать про окна и про монтаж"),
        Segment(1, "manager", 4.0, 8.0, "Да-да, понял вас, сейчас расскажу"),
    ))
    m = compute_metrics(t, 10.0, channels=2)
    assert m.interruptions == 1 and m.overlap_s == pytest.approx(2.0)
    assert compute_metrics(t, 10.0, channels=1).interruptions == 0


def test_nothing_agreed_means_nothing_to_recap():
    lines = list(GOOD_CALL[:8]) + [
        ("manager", "Итак, окна с монтажом, гарантия десять лет, замер бесплатно."),
        ("client", "Ну я подумаю ещё, может, весной."),
        ("manager", "Хорошо, всего доброго, до свидания!"),
    ]
    s = score(lines)
    assert verdicts(s)["summary"] == "fail"
    assert "ничего не согласовал" in criterion(s, "summary").reason


def test_a_weak_recap_cue_without_an_agreed_step_is_no_summary_but_an_explicit_one_is():
    lines = list(GOOD_CALL[:8]) + [
        ("manager", "Итак, окна с монтажом, гарантия десять лет, замер бесплатно. Если что, звоните."),
        ("client", "Хорошо, спасибо."),
        ("manager", "Всего доброго, до свидания!"),
    ]
    s = score(lines)
    assert verdicts(s)["next_step"] == "fail" and verdicts(s)["summary"] == "fail"
    assert "подводить итог нечему" in criterion(s, "summary").reason
    lines[-3] = ("manager", "Давайте резюмируем: окна с монтажом, гарантия десять лет, решение за вами.")
    assert verdicts(score(lines))["summary"] == "pass"
