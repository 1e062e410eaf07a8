"""ingest.decode: every PBX format becomes 16 kHz float32 channels; bad files say what to do."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from core.errors import BadAudioError
from ingest import decode
from ingest.decode import SAMPLE_RATE, channels_duplicated, format_duration
from tests.audio_factory import (
    speech_like,
    tone,
    write_audio,
    write_long_silent_wav,
    write_wav_header_only,
)


def _two_speakers(seconds: float = 3.0, sr: int = 8000) -> list[np.ndarray]:
    return [speech_like(seconds, sr, seed=1), speech_like(seconds, sr, seed=2, offset_s=1.0)]


@pytest.mark.parametrize("ext", ["wav", "mp3", "ogg", "opus", "webm", "m4a", "aac", "mp4", "flac", "wma"])
def test_each_stereo_format_decodes_to_two_16k_float32_channels(tmp_path, ext):
    sr = 16000 if ext == "wma" else 8000
    path = write_audio(tmp_path / f"call.{ext}", _two_speakers(sr=sr), sr)
    audio = decode(path)
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.source_channels == 2 and audio.true_stereo and len(audio.channels) == 2
    assert all(ch.dtype == np.float32 and ch.ndim == 1 for ch in audio.channels)
    assert len(audio.channels[0]) == len(audio.channels[1])
    assert audio.duration_s == pytest.approx(3.0, abs=0.3)


def test_amr_narrowband_mono_decodes_and_says_it_was_8k(tmp_path):
    path = write_audio(tmp_path / "call.amr", [speech_like(3.0, 8000, seed=3)], 8000)
    audio = decode(path)
    assert audio.source_channels == 1 and not audio.true_stereo and len(audio.channels) == 1
    assert audio.duration_s == pytest.approx(3.0, abs=0.3)
    assert "resampled_from_8k" in audio.flags


def test_16k_input_is_not_flagged_as_resampled(tmp_path):
    path = write_audio(tmp_path / "call.wav", _two_speakers(sr=16000), 16000)
    assert not any(f.startswith("resampled") for f in decode(path).flags)


def test_resampling_keeps_the_pitch(tmp_path):
    path = write_audio(tmp_path / "tone.wav", [tone(2.0, 440.0, 8000)], 8000)
    samples = decode(path).channels[0]
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(samples)
    assert peak_hz == pytest.approx(440.0, abs=2.0)


def test_mono_file_is_one_channel_not_two_copies(tmp_path):
    path = write_audio(tmp_path / "mono.wav", [speech_like(2.0, 8000)], 8000)
    audio = decode(path)
    assert audio.source_channels == 1 and len(audio.channels) == 1 and not audio.true_stereo


@pytest.mark.parametrize("ext", ["wav", "mp3", "m4a"])
def test_stereo_with_the_same_signal_on_both_sides_becomes_one_channel(tmp_path, ext):
    same = speech_like(3.0, 8000, seed=5)
    audio = decode(write_audio(tmp_path / f"dup.{ext}", [same, same], 8000))
    assert audio.source_channels == 2
    assert not audio.true_stereo and len(audio.channels) == 1
    assert "duplicated_stereo" in audio.flags


def test_stereo_with_one_silent_side_is_true_stereo_and_flagged(tmp_path):
    left = speech_like(2.0, 8000)
    audio = decode(write_audio(tmp_path / "one.wav", [left, np.zeros_like(left)], 8000))
    assert audio.true_stereo and "one_channel_silent" in audio.flags


def test_channel_duplication_check_tolerates_codec_noise_but_not_other_speech():
    a = speech_like(2.0, seed=1)
    rng = np.random.default_rng(0)
    assert channels_duplicated(a, a + rng.normal(0, 1e-4, len(a)).astype(np.float32))
    assert channels_duplicated(a, -a)  # phase-inverted copy is still one signal
    assert not channels_duplicated(a, speech_like(2.0, seed=2, offset_s=1.0))


def test_more_than_two_channels_keeps_the_first_two_and_says_so(tmp_path):
    ch = [speech_like(2.0, 8000, seed=i, offset_s=0.3 * i) for i in range(4)]
    audio = decode(write_audio(tmp_path / "quad.wav", ch, 8000))
    assert audio.source_channels == 4 and len(audio.channels) == 2 and audio.true_stereo
    assert "more_than_2_channels" in audio.flags
    # the kept channels are channels 0 and 1, not a downmix
    assert np.corrcoef(audio.channels[0][::2][: 15000], ch[0][: 15000])[0, 1] > 0.95


# --- bad inputs: each raises BadAudioError with a reason and a remedy ---------------------------


def _error(path, **kw) -> str:
    with pytest.raises(BadAudioError) as info:
        decode(path, **kw)
    return str(info.value)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    msg = _error(path)
    assert "empty (0 bytes)" in msg and "recording settings" in msg


def test_wav_with_zero_samples_is_refused(tmp_path):
    msg = _error(write_wav_header_only(tmp_path / "zero.wav"))
    assert "no sound (0 seconds" in msg


def test_one_sample_file_is_too_short_to_be_a_call(tmp_path):
    msg = _error(write_wav_header_only(tmp_path / "one.wav", data_bytes=2))
    assert "too short to be a call (1 sample," in msg


def test_file_cut_inside_its_header_is_damaged(tmp_path):
    good = write_audio(tmp_path / "good.wav", _two_speakers(), 8000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:30])
    msg = _error(cut)
    assert "damaged or incomplete" in msg and "export the recording" in msg


def test_m4a_missing_its_index_is_damaged(tmp_path):
    good = write_audio(tmp_path / "good.m4a", _two_speakers(), 8000)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "damaged or incomplete" in _error(cut)


def test_mp3_cut_in_the_middle_keeps_the_decoded_part_and_is_flagged(tmp_path):
    good = write_audio(tmp_path / "good.mp3", _two_speakers(6.0), 8000)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    audio = decode(cut)
    assert 1.5 < audio.duration_s < 4.5
    assert "truncated" in audio.flags


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_text_file_with_an_mp3_name_is_called_a_text_file(tmp_path, encoding):
    path = tmp_path / "call.mp3"
    path.write_bytes(("это не аудио, а текстовый файл\n" * 20).encode(encoding))
    msg = _error(path)
    assert "не аудиофайл: текст" in msg and "a text file, not a recording" in msg and "remove it" in msg


def test_unknown_codec_is_refused_with_a_conversion_hint(tmp_path):
    path = write_wav_header_only(tmp_path / "odd.wav", format_tag=0x3344, data_bytes=16000)
    msg = _error(path)
    assert "codec callqa cannot decode" in msg and "convert the file to WAV" in msg


def test_recording_longer_than_the_limit_is_refused_before_decoding(tmp_path):
    path = write_long_silent_wav(tmp_path / "long.wav", seconds=2 * 3600 + 35 * 60)
    msg = _error(path, max_duration_s=7200)
    assert "is 2 h 35 min long" in msg and "ingest.max_duration_h=2" in msg
    assert "split it or raise the limit" in msg


def test_pipe_with_an_audio_name_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "call.wav"
    os.mkfifo(fifo)
    assert "not a regular file" in _error(fifo)


def test_broken_link_is_refused(tmp_path):
    link = tmp_path / "call.wav"
    link.symlink_to(tmp_path / "missing.wav")
    msg = _error(link)
    assert "gone or is a broken link" in msg


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_says_how_to_grant_access(tmp_path):
    path = write_audio(tmp_path / "call.wav", _two_speakers(), 8000)
    path.chmod(0)
    assert "permission denied" in _error(path) and "chmod o+r" in _error(path)


def test_durations_read_like_a_person_would_say_them():
    assert format_duration(9300) == "2 h 35 min"
    assert format_duration(7200) == "2 h"
    assert format_duration(95) == "1 min 35 s"
    assert format_duration(4) == "4 s"


@pytest.mark.slow
def test_one_hour_call_decodes_without_a_second_copy_in_memory(tmp_path):
    """Peak memory stays near the size of the result (~230 MB per channel at 16 kHz)."""
    import subprocess
    import sys

    path = tmp_path / "hour.wav"
    write_audio(path, [speech_like(3600.0, 8000, seed=9)], 8000)
    code = (
        "import resource, ingest\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        f"a = ingest.decode({str(path)!r})\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print(a.duration_s, peak - base, a.channels[0].nbytes, base)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    duration, decode_peak, nbytes, base = (float(x) for x in out.stdout.split())
    assert duration == pytest.approx(3600.0, abs=1.0)
    # What decoding adds on top of the loaded libraries: the result plus buffers, not a
    # second full-size copy (which would add another ~230 MB).
    assert decode_peak < nbytes + 150e6, f"decode peak +{decode_peak / 1e6:.0f} MB over {base / 1e6:.0f} MB"


FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


@pytest.mark.parametrize("name", ["speech_8k.gsm", "speech_gsm610.wav"])
def test_gsm_recordings_of_old_asterisk_setups_decode(name):
    """PyAV cannot encode GSM, so these 3 KB fixtures were made once with Debian sox."""
    audio = decode(FIXTURES / name)
    assert audio.source_channels == 1 and audio.duration_s == pytest.approx(2.0, abs=0.1)
    assert "resampled_from_8k" in audio.flags


# --- content, not extension ---------------------------------------------------------------


_NOT_AUDIO = {
    "text_utf8.mp3": ("заметки о звонке: перезвонить в четверг\n" * 40).encode("utf-8"),
    "text_cp1251.wav": ("заметки о звонке: перезвонить в четверг\n" * 40).encode("cp1251"),
    "text_utf16.mp3": ("call notes, Windows Notepad\r\n" * 40).encode("utf-16"),
    "list.gsm": ("file;manager;date\n" + "in-101-79161234567.wav;Иванов;15.01.2024\n" * 40).encode(),
    "error_page.mp3": b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n",
    "api_answer.ogg": b'{"status":"error","message":"record not found"}\n',
    "picture.mp3": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "photo.wav": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8,
    "doc.mp3": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8,
    "archive.amr": b"PK\x03\x04\x14\x00\x00\x00" + bytes(range(256)) * 8,
}
_KIND = {"text": "текст", "list": "текст", "error": "HTML-страница", "api": "JSON",
         "picture": "изображение", "photo": "изображение", "doc": "PDF-документ",
         "archive": "архив"}


@pytest.mark.parametrize("name", sorted(_NOT_AUDIO))
def test_what_is_not_audio_is_refused_by_content_whatever_its_name(tmp_path, name):
    """FFmpeg picks a demuxer by the name when the content does not say: a text file named
    .gsm used to decode as seconds of noise and be stored as a call."""
    path = tmp_path / name
    path.write_bytes(_NOT_AUDIO[name])
    msg = _error(path)
    assert f"не аудиофайл: {_KIND[name.split('_')[0].split('.')[0]]}" in msg, msg
    assert "remove it from the calls folder" in msg


@pytest.mark.parametrize("ext", ["wav", "mp3", "ogg", "opus", "webm", "m4a", "aac", "mp4", "flac", "amr", "wma"])
def test_real_audio_of_every_format_passes_the_content_check(tmp_path, ext):
    from ingest import sniff

    channels = _two_speakers(1.0)[:1] if ext == "amr" else _two_speakers(1.0)
    path = write_audio(tmp_path / f"call.{ext}", channels, 8000)
    assert sniff(path) is None


def test_gsm_fixtures_pass_the_content_check():
    from ingest import sniff

    for path in sorted((Path(__file__).parent / "fixtures" / "ingest").iterdir()):
        assert sniff(path) is None, path.name


# --- truncated ---------------------------------------------------------------------------


def test_wav_whose_header_says_10_s_but_holds_2_s_is_flagged_truncated(tmp_path):
    whole = write_audio(tmp_path / "whole.wav", _two_speakers(10.0), 8000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: 44 + 2 * 8000 * 2 * 2])  # header + 2 s of 16-bit stereo
    audio = decode(cut)
    assert 1.9 < audio.duration_s < 2.1 and "truncated" in audio.flags
    assert "truncated" not in decode(whole).flags


def test_wav_with_the_size_placeholder_of_a_live_recorder_is_not_flagged(tmp_path):
    path = write_audio(tmp_path / "live.wav", _two_speakers(3.0), 8000)
    data = bytearray(path.read_bytes())
    at = data.find(b"data")
    data[at + 4:at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    audio = decode(path)
    assert "truncated" not in audio.flags and audio.duration_s > 2.9


def test_mp3_cut_to_30_percent_is_flagged_truncated(tmp_path):
    good = write_audio(tmp_path / "good.mp3", _two_speakers(20.0), 8000)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(good.read_bytes()[: int(good.stat().st_size * 0.3)])
    audio = decode(cut)
    assert audio.duration_s < 8.0 and "truncated" in audio.flags


@pytest.mark.parametrize("ext", ["ogg", "opus"])
def test_ogg_cut_short_is_flagged_truncated_and_a_whole_one_is_not(tmp_path, ext):
    good = write_audio(tmp_path / f"good.{ext}", _two_speakers(20.0), 8000)
    assert "truncated" not in decode(good).flags
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(good.read_bytes()[: int(good.stat().st_size * 0.3)])
    assert "truncated" in decode(cut).flags
