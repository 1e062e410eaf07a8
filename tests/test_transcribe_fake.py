"""The transcription contract: options from config, the fake engine other stages test with,
and make_transcriber wiring (the model is never loaded before the first call)."""

import numpy as np
import pytest

import transcribe
from core.config import load_config
from core.errors import ConfigError
from core.types import Audio, Transcript
from transcribe import FakeTranscriber, TranscribeOptions, Transcriber


def _audio(duration_s: float = 30.0, silent: bool = False, channels: int = 2) -> Audio:
    n = int(duration_s * 16000)
    rng = np.random.default_rng(0)
    chans = [np.zeros(n, np.float32) if silent else (0.1 * rng.standard_normal(n)).astype(np.float32)
             for _ in range(channels)]
    return Audio(channels=chans, sample_rate=16000, duration_s=duration_s,
                 source_channels=channels, true_stereo=channels == 2)


def _cfg(home, overrides=None):
    """The config of ``home`` from an empty callqa.toml (no file found in the cwd counts)."""
    home.mkdir(parents=True, exist_ok=True)
    toml = home / "callqa.toml"
    toml.write_text("", encoding="utf-8")
    return load_config(toml, overrides=overrides)


def test_options_default_to_the_documented_values():
    o = TranscribeOptions()
    assert (o.model, o.language, o.device, o.compute_type) == ("base", "ru", "cpu", "int8")
    assert (o.cpu_threads, o.batch_size, o.segmentation, o.vad_threshold) == (0, 8, "turns", 0.3)
    assert (o.manager_channel, o.word_timestamps, o.mask_numbers, o.low_confidence_logprob) == ("auto", False, True, -1.0)
    assert (o.stereo_layout, o.vocabulary) == ("auto", ())


def test_options_come_from_asr_config_keys(home, monkeypatch):
    monkeypatch.setenv("CALLQA_ASR_MANAGER_CHANNEL", "right")
    monkeypatch.setenv("CALLQA_ASR_BATCH_SIZE", "1")
    o = TranscribeOptions.from_config(_cfg(home))
    assert o.manager_channel == "right" and o.batch_size == 1 and o.model == "base"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("asr.segmentation", "words", r"asr.segmentation = 'words'.* one of turns, clips, vad"),
        ("asr.manager_channel", "middle", r"asr.manager_channel .* left, right, auto"),
        ("asr.stereo_layout", "left", r"asr.stereo_layout .* auto, caller_left, manager_left, manager_right"),
        ("asr.vad_threshold", 1.5, r"asr.vad_threshold .* between 0 and 1"),
        ("asr.cpu_threads", -2, r"asr.cpu_threads"),
    ],
)
def test_options_that_cannot_work_are_a_config_error(home, key, value, message):
    """Most are refused when the configuration is loaded, the rest by the options' check."""
    with pytest.raises(ConfigError, match=message):
        TranscribeOptions.from_config(_cfg(home, {key: value}))


def test_fake_default_is_a_short_russian_sales_exchange():
    t = FakeTranscriber().transcribe(_audio(30.0))
    assert isinstance(t, Transcript) and t.asr_model == "fake"
    speakers = [s.speaker for s in t.segments]
    assert speakers[:3] == ["manager", "client", "manager"]
    assert "меня зовут Анна" in t.segments[0].text
    assert all(s.channel == (0 if s.speaker == "manager" else 1) for s in t.segments)
    assert [s.idx for s in t.segments] == list(range(len(t.segments)))


def test_fake_segments_fit_the_audio_and_are_time_ordered():
    for duration in (4.0, 30.0, 600.0):
        segs = FakeTranscriber().transcribe(_audio(duration)).segments
        assert all(a.end_s <= b.start_s for a, b in zip(segs, segs[1:], strict=False))
        assert segs[-1].end_s <= duration and segs[0].start_s == 0


def test_fake_takes_configured_lines_and_is_deterministic():
    fake = FakeTranscriber(lines=[("client", "Алло"), ("manager", "Добрый день")], name="stub")
    a, b = fake.transcribe(_audio(10.0)), fake.transcribe(_audio(10.0))
    assert a == b and fake.name == "stub"
    assert [(s.speaker, s.text, s.start_s, s.end_s) for s in a.segments] == [
        ("client", "Алло", 0.0, 4.5), ("manager", "Добрый день", 5.0, 9.5)]


def test_fake_returns_nothing_for_silent_audio():
    assert FakeTranscriber().transcribe(_audio(10.0, silent=True)).segments == ()
    assert FakeTranscriber().transcribe(_audio(10.0, silent=True, channels=1)).segments == ()


def test_fake_and_whisper_satisfy_the_protocol_and_the_model_loads_lazily(home, fake_transcriber):
    engine = transcribe.make_transcriber(_cfg(home))
    fake: Transcriber = fake_transcriber
    assert engine.name.startswith("whisper") and callable(engine.transcribe) and fake.name == "fake"
    assert not (home / "models").exists()  # nothing joined or loaded before the first call
