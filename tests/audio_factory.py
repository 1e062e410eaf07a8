"""Make test audio: synthetic tone / noise / speech-like signals encoded with PyAV.

Other areas may import these helpers; everything is generated on the fly in ``tmp_path``.

    >>> left = speech_like(3.0, seed=1); right = speech_like(3.0, seed=2, offset_s=1.5)
    >>> write_audio(tmp_path / "call.mp3", [left, right], sample_rate=8000)
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# extension → (container format, codec, sample format, allowed rates or None, max channels)
FORMATS: dict[str, tuple[str, str, str, tuple[int, ...] | None, int]] = {
    "wav": ("wav", "pcm_s16le", "s16", None, 8),
    "mp3": ("mp3", "libmp3lame", "s16p", (8000, 16000, 22050, 44100, 48000), 2),
    "ogg": ("ogg", "libopus", "s16", (8000, 16000, 48000), 2),
    "opus": ("opus", "libopus", "s16", (8000, 16000, 48000), 2),
    "webm": ("webm", "libopus", "s16", (8000, 16000, 48000), 2),
    "m4a": ("ipod", "aac", "fltp", (8000, 16000, 22050, 44100, 48000), 2),
    "aac": ("adts", "aac", "fltp", (8000, 16000, 22050, 44100, 48000), 2),
    "mp4": ("mp4", "aac", "fltp", (8000, 16000, 22050, 44100, 48000), 2),
    "flac": ("flac", "flac", "s16", None, 8),
    "amr": ("amr", "libopencore_amrnb", "s16", (8000,), 1),
    "wma": ("asf", "wmav2", "fltp", (8000, 16000, 22050, 44100, 48000), 2),
}


def tone(seconds: float, freq: float = 440.0, sample_rate: int = 16000, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float, sample_rate: int = 16000, amp: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amp * rng.standard_normal(int(seconds * sample_rate))).clip(-1, 1).astype(np.float32)


def silence(seconds: float, sample_rate: int = 16000) -> np.ndarray:
    return np.zeros(int(seconds * sample_rate), dtype=np.float32)


def speech_like(
    seconds: float,
    sample_rate: int = 16000,
    seed: int = 0,
    burst_s: float = 1.2,
    pause_s: float = 0.8,
    offset_s: float = 0.0,
    amp: float = 0.3,
) -> np.ndarray:
    """Voiced bursts (harmonics of a wandering pitch, syllable-rate envelope) with pauses.

    ``offset_s`` delays the first burst, so two channels with different offsets take turns
    like a manager and a client on a stereo PBX recording.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    out = np.zeros(n, dtype=np.float32)
    pos = int(offset_s * sample_rate)
    while pos < n:
        length = min(int(burst_s * sample_rate * rng.uniform(0.7, 1.3)), n - pos)
        out[pos:pos + length] = _voiced(length, sample_rate, rng, amp)
        pos += length + int((pause_s + burst_s) * sample_rate * rng.uniform(0.8, 1.2))
    return out


def _voiced(length: int, sample_rate: int, rng: np.random.Generator, amp: float) -> np.ndarray:
    t = np.arange(length) / sample_rate
    f0 = rng.uniform(110, 220) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t))  # ~4 syllables per second
    return (amp * 0.5 * wave * envelope).astype(np.float32)


def write_audio(
    path: str | Path,
    channels: list[np.ndarray],
    sample_rate: int = 16000,
    fmt: str | None = None,
) -> Path:
    """Encode float32 ``channels`` (equal lengths, -1..1) into ``path``; format from suffix."""
    path = Path(path)
    container_fmt, codec, sample_fmt, rates, max_ch = FORMATS[fmt or path.suffix.lstrip(".").lower()]
    if rates and sample_rate not in rates:
        raise ValueError(f"{codec} cannot encode {sample_rate} Hz; use one of {rates}")
    if len(channels) > max_ch:
        raise ValueError(f"{codec} encodes at most {max_ch} channels")
    data = np.stack([np.asarray(c, dtype=np.float32) for c in channels])
    with av.open(str(path), "w", format=container_fmt) as container:
        stream = container.add_stream(codec, rate=sample_rate)
        stream.layout = _layout(len(channels))
        stream.format = sample_fmt
        if codec == "libopencore_amrnb":
            stream.bit_rate = 12200
        elif codec == "wmav2":
            stream.bit_rate = 64000
        _encode_all(container, stream, data, sample_rate, sample_fmt)
    return path


def _layout(n: int) -> str:
    return {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 6: "5.1"}.get(n, f"{n}c")


def _encode_all(container, stream, data: np.ndarray, sample_rate: int, sample_fmt: str) -> None:
    frame_size = stream.codec_context.frame_size or 1024
    total = data.shape[1]
    for start in range(0, total, frame_size):
        chunk = data[:, start:start + frame_size]
        frame = _frame(chunk, sample_fmt, len(data))
        frame.sample_rate = sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, sample_rate)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def _frame(chunk: np.ndarray, sample_fmt: str, n_channels: int) -> av.AudioFrame:
    planar = sample_fmt.endswith("p")
    if sample_fmt.startswith("s16"):
        pcm = (np.clip(chunk, -1, 1) * 32767).astype(np.int16)
    else:
        pcm = chunk.astype(np.float32)
    array = pcm if planar else pcm.T.reshape(1, -1)
    return av.AudioFrame.from_ndarray(np.ascontiguousarray(array), format=sample_fmt,
                                      layout=_layout(n_channels))


def write_wav_header_only(path: str | Path, sample_rate: int = 8000, channels: int = 1,
                          data_bytes: int = 0, format_tag: int = 1, bits: int = 16) -> Path:
    """A RIFF/WAVE header (with ``data_bytes`` zero bytes of PCM after it).

    ``format_tag`` lets a test make a WAV with a codec nobody knows.
    """
    block = channels * bits // 8
    fmt_chunk = struct.pack("<HHIIHH", format_tag, channels, sample_rate, sample_rate * block,
                            block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    body += b"data" + struct.pack("<I", data_bytes) + b"\x00" * data_bytes
    Path(path).write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return Path(path)


def write_long_silent_wav(path: str | Path, seconds: float, sample_rate: int = 1000) -> Path:
    """A real, silent, ``seconds``-long WAV made cheap: 8-bit samples at 1 kHz (1 KB/s).

    A 2 h 35 min file is 9 MB and is written in a few milliseconds.
    """
    n = int(seconds * sample_rate)
    fmt_chunk = struct.pack("<HHIIHH", 1, 1, sample_rate, sample_rate, 1, 8)
    header = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    header += b"data" + struct.pack("<I", n)
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(header) + n) + header)
        fh.write(b"\x80" * n)  # 8-bit PCM is unsigned: 0x80 is silence
    return Path(path)
