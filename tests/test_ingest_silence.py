"""ingest silence helpers: speech seconds and silent-call detection on decoded PCM."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from core.types import Audio
from ingest import decode, is_silent, nonsilent_spans, speech_energy_seconds, to_pcm16
from tests.audio_factory import noise, silence, speech_like, tone, write_audio
from tests.paths import REPO_ROOT


def _audio(*channels: np.ndarray) -> Audio:
    return Audio(channels=list(channels), sample_rate=16000,
                 duration_s=len(channels[0]) / 16000, source_channels=len(channels),
                 true_stereo=len(channels) == 2)


def test_pcm16_is_clipped_and_scaled_from_float_samples():
    pcm = to_pcm16(np.array([0.0, 0.5, -1.0, 2.0, -3.0], np.float32))
    assert pcm.dtype == np.int16 and pcm.tolist() == [0, 16383, -32767, 32767, -32767]


def test_speech_seconds_count_the_loud_parts_only():
    samples = np.concatenate([silence(2.0), tone(3.0), silence(2.0), tone(1.0)])
    assert speech_energy_seconds(samples) == pytest.approx(4.0, abs=0.1)
    assert nonsilent_spans(samples) == [pytest.approx((2.0, 5.0), abs=0.05),
                                        pytest.approx((7.0, 8.0), abs=0.05)]


def test_spans_can_be_padded_and_merge_when_they_touch():
    samples = np.concatenate([silence(1.0), tone(1.0), silence(0.35), tone(1.0), silence(1.0)])
    assert nonsilent_spans(samples, min_silence_ms=300, pad_s=0.2) == [
        pytest.approx((0.8, 3.55), abs=0.05)]


def test_digital_silence_and_comfort_noise_are_silent_calls():
    assert is_silent(_audio(silence(10.0), silence(10.0)))
    assert is_silent(_audio(noise(10.0, amp=0.0005)))  # about -66 dBFS hiss


def test_a_conversation_is_not_silent_even_if_one_side_is():
    assert not is_silent(_audio(speech_like(10.0), silence(10.0)))


def test_a_short_click_is_still_a_silent_call():
    samples = silence(10.0)
    samples[16000:16000 + 1600] = 0.5
    assert is_silent(_audio(samples))


def test_decoded_8k_telephone_speech_is_not_silent(tmp_path):
    path = write_audio(tmp_path / "c.mp3", [speech_like(6.0, 8000, seed=1),
                                             speech_like(6.0, 8000, seed=2, offset_s=1.0)], 8000)
    audio = decode(path)
    assert not is_silent(audio)
    assert 1.0 < speech_energy_seconds(audio.channels[0]) < 5.0


def test_empty_samples_have_no_speech():
    assert speech_energy_seconds(np.zeros(0, dtype=np.float32)) == 0.0


def test_importing_the_stages_and_callqa_help_print_no_runtime_warning():
    """pydub warned "Couldn't find ffmpeg or avconv" on import, i.e. on every callqa command."""
    code = ("import ingest, transcribe, transcribe.engine, cli.main\n"
            "from click.testing import CliRunner\n"
            "r = CliRunner().invoke(cli.main.main, ['--help'])\n"
            "assert r.exit_code == 0, r.output\n"
            "import sys; assert 'pydub' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-W", "always", "-c", code], cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "RuntimeWarning" not in proc.stderr and "ffmpeg" not in proc.stderr, proc.stderr
