"""The ASR side's hallucination and language guard: Whisper's stock phrases on silence, loops,
the same text window after window, and each channel's detected language."""

from __future__ import annotations

import numpy as np
import pytest

from core.types import Audio, Call, CallMeta, Segment, Transcript
from store import db, transcripts, writes
from transcribe import TranscribeOptions
from transcribe.engine import DetectedLanguage, WhisperTranscriber, call_language
from transcribe.guard import (
    collapse_loops,
    drop_repeated_windows,
    drop_stock_phrases,
    guard,
    is_stock_phrase,
)

SR = 16000


def _speech(seconds: float, amp: float = 0.2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, amp, int(seconds * SR)).astype(np.float32)


def _seg(text, start=0.5, end=3.0, channel=0, ns=0.05, speaker="manager") -> Segment:
    return Segment(0, speaker, start, end, text, channel=channel, avg_logprob=-0.3, no_speech_prob=ns)


@pytest.mark.parametrize("text", [
    "Спасибо за просмотр!", "Субтитры сделал DimaTorzok", "Субтитры создавал DimaTorzok.",
    "Редактор субтитров А.Семкин Корректор А.Егорова", "Продолжение следует...",
    "Подписывайтесь на канал!", "ПОДПИСЫВАЙТЕСЬ НА НАШ КАНАЛ", "Thank you for watching!",
])
def test_stock_phrases_are_recognised(text):
    assert is_stock_phrase(text)


@pytest.mark.parametrize("text", [
    "Здравствуйте, компания Окна Комфорт, меня зовут Анна.",
    "Спасибо, что позвонили, давайте я расскажу про наши окна и про скидку на монтаж в этом месяце.",
    "Продолжим: замер в четверг в десять.",
])
def test_live_sentences_are_not_stock_phrases(text):
    assert not is_stock_phrase(text)


def test_stock_phrase_on_a_silent_side_is_dropped():
    """«Спасибо за просмотр!» on the client's silent channel, the only text of that side."""
    channels = [_speech(10.0), np.zeros(10 * SR, np.float32)]
    segs = [_seg("Здравствуйте, компания Окна Комфорт.", 0.5, 3.0, 0),
            _seg("Спасибо за просмотр!", 4.0, 6.0, 1, speaker="client")]
    kept, dropped = drop_stock_phrases(segs, channels)
    assert dropped == 1 and [s.text for s in kept] == ["Здравствуйте, компания Окна Комфорт."]


def test_stock_phrase_with_high_no_speech_probability_or_on_quiet_audio_is_dropped():
    channels = [_speech(12.0) * np.r_[np.ones(6 * SR), np.zeros(6 * SR)].astype(np.float32)]
    segs = [_seg("Добрый день, слушаю вас.", 0.5, 3.0),
            _seg("Продолжение следует...", 3.5, 5.5, ns=0.8),   # loud, but Whisper doubts it
            _seg("Субтитры сделал DimaTorzok", 7.0, 10.0)]     # quiet audio under it
    kept, dropped = drop_stock_phrases(segs, channels)
    assert dropped == 2 and [s.text for s in kept] == ["Добрый день, слушаю вас."]


def test_stock_phrase_really_said_on_a_live_line_is_kept():
    channels = [_speech(10.0)]
    segs = [_seg("Расскажу о нашем предложении.", 0.5, 3.0), _seg("Спасибо за внимание!", 4.0, 6.0)]
    kept, dropped = drop_stock_phrases(segs, channels)
    assert dropped == 0 and len(kept) == 2


def test_word_and_phrase_loops_inside_a_segment_are_kept_once():
    assert collapse_loops("Да да да да да да да да да") == ("Да", True)
    text, looped = collapse_loops("Хорошо. Давайте так, давайте так, давайте так, давайте так, давайте так.")
    assert looped and text == "Хорошо. Давайте так,"
    assert collapse_loops("Нет, нет, нет, я не об этом.") == ("Нет, нет, нет, я не об этом.", False)
    assert collapse_loops("алло алло вы меня слышите") == ("алло алло вы меня слышите", False)


def test_the_same_text_window_after_window_is_kept_once_but_a_repeated_answer_stays():
    segs = [_seg("Спасибо, до свидания.", i * 5.0, i * 5.0 + 4.0) for i in range(4)]
    segs.append(_seg("Да.", 21.0, 21.5, channel=1, speaker="client"))
    kept, dropped = drop_repeated_windows(segs)
    assert dropped == 3 and [s.start_s for s in kept] == [0.0, 21.0]
    twice = [_seg("Алло, вы меня слышите?", 0.0, 2.0), _seg("Алло, вы меня слышите?", 3.0, 5.0)]
    assert drop_repeated_windows(twice)[1] == 0
    yes = [_seg("Да.", i * 2.0, i * 2.0 + 1.0) for i in range(4)]  # one word: a real answer
    assert drop_repeated_windows(yes)[1] == 0


def test_guard_runs_in_time_order_and_counts_every_change():
    channels = [_speech(20.0), np.zeros(20 * SR, np.float32)]
    segs = [_seg("Спасибо за просмотр!", 2.0, 4.0, 1, speaker="client"),
            _seg("ну да да да да да да да да", 5.0, 8.0), _seg("Добрый день.", 0.2, 1.5)]
    kept, changed = guard(segs, channels)
    assert changed == 2 and [s.text for s in kept] == ["Добрый день.", "ну да"]


# --- in the transcriber --------------------------------------------------------------------


class _Info:
    def __init__(self, duration):
        self.duration = self.duration_after_vad = duration


class _Raw:
    def __init__(self, start, end, text, ns=0.05):
        self.start, self.end, self.text, self.avg_logprob, self.no_speech_prob = start, end, text, -0.3, ns


class _Core:
    """Stands in for the ctranslate2 model: the language of each encoded window."""

    def __init__(self, language):
        self.language = language

    def detect_language(self, encoder_output):
        lang, prob = self.language
        rest = "en" if lang != "en" else "ru"
        return [[(f"<|{lang}|>", prob), (f"<|{rest}|>", 1 - prob)]]


class _Model:
    """Stands in for WhisperModel: fixed segments; encodes one window per pass."""

    def __init__(self, segments, language=("ru", 0.97)):
        self.segments, self.model = segments, _Core(language)

    def encode(self, features):
        return features

    def transcribe(self, samples, **kw):
        self.encode(samples[: 30 * SR])
        return iter(self.segments), _Info(len(samples) / SR)


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_the_transcriber_drops_a_stock_phrase_and_flags_the_call(tmp_path):
    model = _Model([_Raw(0.5, 3.0, " Здравствуйте, компания Окна Комфорт."),
                    _Raw(8.0, 9.5, " Спасибо за просмотр!", ns=0.7)])
    t = WhisperTranscriber(TranscribeOptions(segmentation="vad"), home=tmp_path, model=model)
    tr = t.transcribe(Audio([_speech(10.0)], SR, 10.0, 1))
    assert [s.text for s in tr.segments] == ["Здравствуйте, компания Окна Комфорт."]
    assert "asr_hallucination_dropped" in tr.flags
    assert (tr.language, tr.language_probability, tr.channel_languages) == ("ru", 0.97, (("ru", 0.97),))


def test_english_speech_gets_its_language_so_scoring_calls_it_not_applicable(tmp_path):
    from scoring import text
    from scoring.call_type import classify_call
    from scoring.matcher import SegmentWords

    model = _Model([_Raw(0.5, 3.0, " Hello, this is John from the window company, how can I help you today?"),
                    _Raw(4.0, 8.0, " I would like to know the price of a new window for my kitchen please.")],
                   language=("en", 0.96))
    t = WhisperTranscriber(TranscribeOptions(segmentation="vad"), home=tmp_path, model=model)
    tr = t.transcribe(Audio([_speech(10.0)], SR, 10.0, 1))
    assert tr.language == "en" and tr.language_probability == pytest.approx(0.96)
    words = [SegmentWords.of(text.segment_with_lemmas(s)) for s in tr.segments]
    kind = classify_call(words, tr, 10.0, 1)
    assert kind.kind == "non_russian"


def test_a_channel_with_too_little_speech_is_not_detected():
    loud = DetectedLanguage("ru", 0.9, {"ru": 0.9, "uk": 0.1}, 40.0)
    assert call_language([loud, None], "ru") == ("ru", 0.9)
    assert call_language([], "ru") == ("ru", None)


def test_the_call_language_weighs_channels_by_speech_and_needs_a_clear_majority():
    ru = DetectedLanguage("ru", 0.95, {"ru": 0.95, "en": 0.05}, 60.0)
    en = DetectedLanguage("en", 0.95, {"en": 0.95, "ru": 0.05}, 60.0)
    short_en = DetectedLanguage("en", 0.95, {"en": 0.95, "ru": 0.05}, 5.0)
    unsure = DetectedLanguage("uk", 0.55, {"uk": 0.55, "ru": 0.45}, 60.0)
    assert call_language([en, en], "ru") == ("en", 0.95)
    assert call_language([ru, short_en], "ru")[0] == "ru"
    assert call_language([ru, en], "ru")[0] == "ru"  # half and half: stays the configured one
    assert call_language([unsure], "ru") == ("ru", 0.45)  # 0.55 is not sure enough to switch


def test_language_and_its_probability_are_stored_per_call_and_channel(tmp_path):
    path = tmp_path / "c.duckdb"
    db.init(path)
    tr = Transcript((Segment(0, "manager", 0.0, 2.0, "hello there"),), language="en",
                    language_probability=0.93, channel_languages=(("en", 0.95), ("", 0.0)))
    with db.writer(path) as con:
        writes.write_call(con, Call("c1", CallMeta(), tr, 10.0, 2, "audio"))
    row = db.query_rows(path, "SELECT language, language_prob, channel_languages FROM calls")[0]
    assert row == ("en", 0.93, "en:0.95,")
    assert transcripts.stored_calls(path)[0].language == "en"
