"""Speech energy and silence with pydub, on AudioSegments built from decoded PCM.

pydub's ``from_file`` needs ffprobe, which the product does not ship, so segments are made
from the float32 samples ``ingest.decode`` returns.
"""

from __future__ import annotations

import numpy as np
from pydub import AudioSegment
from pydub.silence import detect_nonsilent

from core.types import Audio

SILENCE_THRESH_DBFS = -45.0  # PBX comfort noise sits near -60 dBFS, quiet speech above -40
MIN_SILENCE_MS = 300
MIN_SPEECH_S = 1.0  # less speech than this in every channel = a silent call
ENERGY_RATE = 8000  # loudness is measured on telephone-band samples: half the work at 16 kHz
SEEK_STEP_MS = 20
_SILENCE_CHUNK_S = 120.0


def to_audio_segment(samples: np.ndarray, sample_rate: int = 16000) -> AudioSegment:
    """A mono 16-bit pydub AudioSegment from float32 samples in -1..1."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    return AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=sample_rate, channels=1)


def nonsilent_spans(
    samples: np.ndarray,
    sample_rate: int = 16000,
    min_silence_ms: int = MIN_SILENCE_MS,
    silence_thresh_dbfs: float = SILENCE_THRESH_DBFS,
    pad_s: float = 0.0,
) -> list[tuple[float, float]]:
    """(start_s, end_s) of the stretches louder than the threshold, padded and merged."""
    if len(samples) == 0:
        return []
    segment = to_audio_segment(*_telephone_band(samples, sample_rate))
    ranges = detect_nonsilent(segment, min_silence_len=min_silence_ms,
                              silence_thresh=silence_thresh_dbfs, seek_step=SEEK_STEP_MS)
    total = len(samples) / sample_rate
    spans: list[tuple[float, float]] = []
    for start_ms, end_ms in ranges:
        start, end = max(0.0, start_ms / 1000 - pad_s), min(total, end_ms / 1000 + pad_s)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _telephone_band(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """Average blocks of samples down to 8 kHz (a box low-pass): loudness needs no more."""
    factor = sample_rate // ENERGY_RATE
    if factor < 2 or sample_rate % ENERGY_RATE:
        return samples, sample_rate
    usable = len(samples) - len(samples) % factor
    return samples[:usable].reshape(-1, factor).mean(axis=1), ENERGY_RATE


def speech_energy_seconds(samples: np.ndarray, sample_rate: int = 16000) -> float:
    """Seconds of ``samples`` louder than the speech threshold (pauses under 300 ms count)."""
    return sum(end - start for start, end in nonsilent_spans(samples, sample_rate))


def is_silent(audio: Audio, min_speech_s: float = MIN_SPEECH_S) -> bool:
    """True when no channel has ``min_speech_s`` of sound: nothing worth transcribing.

    Channels are scanned in two-minute chunks and the scan stops at the first speech found,
    so a normal call costs a fraction of a second whatever its length.
    """
    return not any(_has_speech(ch, audio.sample_rate, min_speech_s) for ch in audio.channels)


def _has_speech(samples: np.ndarray, sample_rate: int, min_speech_s: float) -> bool:
    chunk = int(_SILENCE_CHUNK_S * sample_rate)
    found = 0.0
    for start in range(0, len(samples), chunk):
        found += speech_energy_seconds(samples[start:start + chunk], sample_rate)
        if found >= min_speech_s:
            return True
    return False
