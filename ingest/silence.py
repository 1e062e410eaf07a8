"""Speech energy and silence on decoded PCM, with numpy.

The float32 samples ``ingest.decode`` returns are scaled to 16-bit PCM and scanned the way
pydub's ``detect_nonsilent`` does (a ``min_silence_ms`` window every ``SEEK_STEP_MS``, silent
when its integer RMS is at or under the threshold), with the same results, vectorised, and
without pydub (which warns about ffmpeg on import).
"""

from __future__ import annotations

import numpy as np

from core.types import Audio

SILENCE_THRESH_DBFS = -45.0  # PBX comfort noise sits near -60 dBFS, quiet speech above -40
MIN_SILENCE_MS = 300
MIN_SPEECH_S = 1.0  # less speech than this in every channel = a silent call
ENERGY_RATE = 8000  # loudness is measured on telephone-band samples: half the work at 16 kHz
SEEK_STEP_MS = 20
_SILENCE_CHUNK_S = 120.0


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """16-bit PCM from float32 samples in -1..1 (clipped)."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)


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
    band, rate = _telephone_band(samples, sample_rate)
    ranges = _nonsilent_ms(to_pcm16(band), rate, min_silence_ms, silence_thresh_dbfs, SEEK_STEP_MS)
    total = len(samples) / sample_rate
    spans: list[tuple[float, float]] = []
    for start_ms, end_ms in ranges:
        start, end = max(0.0, start_ms / 1000 - pad_s), min(total, end_ms / 1000 + pad_s)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _nonsilent_ms(pcm: np.ndarray, rate: int, min_silence_ms: int, thresh_dbfs: float,
                  seek_step: int) -> list[tuple[int, int]]:
    """(start_ms, end_ms) of the non-silent stretches of 16-bit ``pcm``: pydub's
    ``detect_nonsilent`` (same windows, same integer RMS, same merging), vectorised."""
    seg_ms = round(1000 * (len(pcm) / rate))
    if seg_ms < min_silence_ms:
        return [(0, seg_ms)]
    thresh = 10 ** (thresh_dbfs / 20) * 32768  # pydub: dBFS relative to the 16-bit maximum
    last = seg_ms - min_silence_ms
    starts = np.arange(0, last + 1, seek_step, dtype=np.int64)
    if last % seek_step:
        starts = np.append(starts, last)
    ends = np.minimum(starts + min_silence_ms, seg_ms)
    a = (starts * rate / 1000.0).astype(np.int64)
    b = (ends * rate / 1000.0).astype(np.int64)
    squares = np.concatenate(([0], np.cumsum(pcm.astype(np.int64) ** 2)))
    n = len(pcm)
    sums = squares[np.minimum(b, n)] - squares[np.minimum(a, n)]  # frames past the end are zeros
    with np.errstate(divide="ignore", invalid="ignore"):
        rms = np.floor(np.sqrt(sums / np.maximum(b - a, 1)))
    silent_starts = starts[rms <= thresh]
    if not len(silent_starts):
        return [(0, seg_ms)]
    # silent windows chain into one range unless the next starts after this one ends
    gaps = np.diff(silent_starts)
    breaks = np.flatnonzero((gaps != seek_step) & (gaps > min_silence_ms))
    range_starts = np.concatenate(([silent_starts[0]], silent_starts[breaks + 1]))
    range_ends = np.concatenate((silent_starts[breaks], [silent_starts[-1]])) + min_silence_ms
    silent = list(zip(range_starts.tolist(), range_ends.tolist(), strict=True))
    if silent[0] == (0, seg_ms):
        return []
    out, prev_end = [], 0
    for start, end in silent:
        out.append((prev_end, start))
        prev_end = end
    if prev_end != seg_ms:
        out.append((prev_end, seg_ms))
    return out[1:] if out[0] == (0, 0) else out


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
