"""Decode a recording into 16 kHz float32 channels with PyAV.

Why these choices:
- The real channel count is read from the stream first: a mono file is one channel, not two
  copies (faster_whisper.decode_audio(split_stereo=True) would duplicate it).
- Stereo PBX files often carry the same mix on both sides; such "duplicated stereo" becomes
  one channel (``true_stereo=False``) so the transcriber does not do the work twice.
- More than two channels (rare: conference bridges, broken exports) keep the first two, which
  is where PBXes put the two call legs, and add the flag ``more_than_2_channels``.
- Frames are resampled as they stream into a growing buffer sized from the container's
  duration, so an hour-long call needs ~230 MB per channel and no second copy.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

import av
import numpy as np

from core.errors import BadAudioError
from core.types import Audio
from ingest.sniff import NotAudio, sniff

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
MIN_DURATION_S = 0.5  # shorter than this cannot be a conversation
_DUPLICATE_TOLERANCE = 0.01  # rms(L-R) below 1% of the louder channel = same signal
_SILENT_CHANNEL_PEAK = 1e-4
_TRUNCATED_SHARE = 0.9  # decoded less than 90% of the declared duration


def decode(path: str | os.PathLike, max_duration_s: float = 7200) -> Audio:
    """Decode ``path`` into :class:`Audio` (16 kHz float32, one array per kept channel).

    Raises ``BadAudioError`` with a reason a sales owner understands and what to do.
    """
    path = Path(path)
    _check_readable(path)
    _check_content(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise BadAudioError(_open_error(path, exc)) from exc
    with container:
        stream = _audio_stream(container, path)
        declared_s = _declared_duration(container, stream)
        _check_duration(path, declared_s, max_duration_s)
        header_s = header_duration(path)  # what the file's own header promises
        source_channels = stream.codec_context.channels
        source_rate = stream.codec_context.sample_rate
        data, source_samples, complete = _decode_stream(
            container, stream, path, declared_s, max_duration_s
        )
    _check_length(path, source_samples, source_rate)
    if header_s is not None and header_s <= max_duration_s:
        declared_s = max(declared_s or 0.0, header_s)
    complete = complete and not ogg_unfinished(path)
    return _to_audio(path, data, source_channels, source_rate, declared_s, complete)


def decode_bytes(data: bytes, name: str, max_duration_s: float = 7200) -> Audio:
    """:func:`decode` of a recording's content, for a worker that does not mount the calls
    folder (``pipeline.ray_engine``): the bytes go to a private temporary file named ``name``,
    so every check and every message is the same as for the file itself."""
    with tempfile.TemporaryDirectory(prefix="callqa-decode-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return decode(path, max_duration_s)


# --- checks before decoding --------------------------------------------------------------------


def _check_readable(path: Path) -> None:
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise BadAudioError(f"{path.name}: the file is gone or is a broken link ({path}); "
                            "check that the PBX did not move or delete it") from exc
    except OSError as exc:
        raise BadAudioError(f"{path.name}: cannot read it ({exc.strerror}); "
                            "check the disk and the file's permissions") from exc
    if not stat.S_ISREG(st.st_mode):  # av.open() on a pipe would wait forever
        raise BadAudioError(f"{path.name} is not a regular file (a pipe, device or folder); "
                            "put the recording itself in the calls folder")
    if st.st_size == 0:
        raise BadAudioError(f"{path.name} is empty (0 bytes): the PBX saved no sound or the copy "
                            "failed; check the PBX's call-recording settings and copy it again")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except PermissionError as exc:
        raise BadAudioError(f"cannot read {path}: permission denied; give the callqa user "
                            f"read access (chmod o+r '{path}')") from exc
    except OSError as exc:
        raise BadAudioError(f"{path.name}: cannot read it ({exc.strerror}); "
                            "check the disk and the file") from exc


def _check_content(path: Path) -> None:
    """Refuse by content what is not audio (text, HTML, JSON, images, PDF, archives) before
    FFmpeg sees it: FFmpeg picks a demuxer by the name when the content does not say, and a
    text file named ``.gsm`` would decode as seconds of noise."""
    try:
        found = sniff(path)
    except OSError:
        return  # _check_readable has read it; let the decoder report what is wrong
    if found is not None:
        raise BadAudioError(not_audio_message(path, found))


def not_audio_message(path: Path, found: NotAudio) -> str:
    starts = f"; it starts with {found.preview!r}" if found.preview else ""
    return (f"{path.name}: не аудиофайл: {found.kind_ru} — {found.kind_en}, not a recording"
            f"{starts}; remove it from the calls folder or export the audio again")


def _open_error(path: Path, exc: Exception) -> str:
    return (f"{path.name} is damaged or incomplete and cannot be played ({_short(exc)}); "
            "download or export the recording from the PBX again")


def _short(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def _audio_stream(container, path: Path):
    if not container.streams.audio:
        raise BadAudioError(f"{path.name} has no sound track (it may be a video or a picture); "
                            "export the call recording itself")
    stream = container.streams.audio[0]
    ctx = stream.codec_context
    if ctx is None or not ctx.channels or not ctx.sample_rate:
        raise BadAudioError(_unsupported(path, stream))
    return stream


def _unsupported(path: Path, stream) -> str:
    ctx = stream.codec_context
    codec = f" ({ctx.name})" if ctx is not None and ctx.name else ""
    return (f"{path.name} uses an audio codec callqa cannot decode{codec}; "
            "set the PBX to record WAV or MP3, or convert the file to WAV")


def _declared_duration(container, stream) -> float | None:
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _check_duration(path: Path, seconds: float | None, max_duration_s: float) -> None:
    if seconds is not None and seconds > max_duration_s:
        raise BadAudioError(
            f"{path.name} is {format_duration(seconds)} long, longer than "
            f"ingest.max_duration_h={max_duration_s / 3600:g} ({format_duration(max_duration_s)}); "
            "split it or raise the limit"
        )


def header_duration(path: Path) -> float | None:
    """Seconds a WAV's header says its data holds (RIFF ``data`` size / ``fmt`` byte rate).

    FFmpeg takes a WAV's duration from the file size, so a WAV whose header says 10 s but that
    holds 2 s (a copy cut short) looks whole to it. None for other formats, and for the
    placeholder sizes (0, 0xFFFFFFFF) a recorder writes while it is still recording."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
        if cid == b"fmt " and pos + 16 <= len(head):
            byte_rate = int.from_bytes(head[pos + 16:pos + 20], "little")
        elif cid == b"data":
            if not byte_rate or size in (0, 0xFFFFFFFF):
                return None
            return size / byte_rate
        pos += 8 + size + (size & 1)
    return None


def ogg_unfinished(path: Path) -> bool:
    """True for an Ogg file (Opus/Vorbis) whose last page does not close the stream: a file cut
    short. Ogg has no duration in its header; its last page carries the end-of-stream bit."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"OggS":
                return False
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - (1 << 16)))
            tail = fh.read()
    except OSError:
        return False
    last = tail.rfind(b"OggS")
    if last < 0 or last + 6 > len(tail):
        return True
    return not tail[last + 5] & 0x04


def format_duration(seconds: float) -> str:
    """``9300`` → ``"2 h 35 min"``, ``95`` → ``"1 min 35 s"``."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    if h:
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{m} min {sec} s" if m else f"{sec} s"


# --- decoding ----------------------------------------------------------------------------------


class _Buffer:
    """Growable (channels, n) float32 buffer; starts at the declared size, doubles if needed."""

    def __init__(self, channels: int, expected: int):
        self.data = np.empty((channels, max(expected, SAMPLE_RATE)), dtype=np.float32)
        self.n = 0
        self.source_samples = 0  # before resampling: a 1-sample file may resample to nothing

    def append(self, block: np.ndarray) -> None:
        need = self.n + block.shape[1]
        if need > self.data.shape[1]:
            grown = np.empty((self.data.shape[0], max(need, 2 * self.data.shape[1])), np.float32)
            grown[:, : self.n] = self.data[:, : self.n]
            self.data = grown
        self.data[:, self.n:need] = block
        self.n = need

    def result(self) -> np.ndarray:
        return self.data[:, : self.n]


def _decode_stream(container, stream, path: Path, declared_s: float | None,
                   max_duration_s: float) -> tuple[np.ndarray, int, bool]:
    """Samples of the first two channels at 16 kHz, the source sample count, and False if
    decoding broke off before the end."""
    keep = min(stream.codec_context.channels, 2)
    expected = int(((declared_s or 0) + 1) * SAMPLE_RATE)
    buffer = _Buffer(keep, expected)
    # Layout None keeps the source channels, so >2 channels are not downmixed into two.
    resampler = av.AudioResampler(format="fltp", layout=None, rate=SAMPLE_RATE)
    limit = int(max_duration_s * SAMPLE_RATE)
    try:
        for frame in container.decode(stream):
            buffer.source_samples += frame.samples
            _append_frames(buffer, resampler.resample(frame), keep)
            if buffer.n > limit:  # the header lied about the duration
                _check_duration(path, buffer.n / SAMPLE_RATE, max_duration_s)
        _append_frames(buffer, resampler.resample(None), keep)
    except av.error.DecoderNotFoundError as exc:
        raise BadAudioError(_unsupported(path, stream)) from exc
    except av.error.FFmpegError as exc:
        if buffer.source_samples == 0:
            raise BadAudioError(_open_error(path, exc)) from exc
        log.warning("%s: decoding stopped at %.1f s (%s); keeping what was decoded",
                    path.name, buffer.n / SAMPLE_RATE, _short(exc))
        return buffer.result(), buffer.source_samples, False
    return buffer.result(), buffer.source_samples, True


def _append_frames(buffer: _Buffer, frames, keep: int) -> None:
    for frame in frames or ():
        buffer.append(frame.to_ndarray()[:keep])


# --- result ------------------------------------------------------------------------------------


def _check_length(path: Path, source_samples: int, source_rate: int) -> None:
    if source_samples == 0:
        raise BadAudioError(f"{path.name} contains no sound (0 seconds of audio); the PBX "
                            "recorded nothing — check its call-recording settings")
    seconds = source_samples / source_rate
    if seconds < MIN_DURATION_S:
        unit = "sample" if source_samples == 1 else "samples"
        raise BadAudioError(f"{path.name} is too short to be a call ({source_samples} {unit}, "
                            f"{seconds:.3f} s); it is a failed recording and can be deleted")


def _to_audio(path: Path, data: np.ndarray, source_channels: int, source_rate: int,
              declared_s: float | None, complete: bool) -> Audio:
    duration_s = data.shape[1] / SAMPLE_RATE
    flags = []
    if source_rate != SAMPLE_RATE:
        flags.append(f"resampled_from_{source_rate / 1000:g}k")
    if source_channels > 2:
        flags.append("more_than_2_channels")
    if not complete or (declared_s and duration_s < _TRUNCATED_SHARE * declared_s - 0.5):
        flags.append("truncated")
    channels = [np.ascontiguousarray(ch) for ch in data]
    true_stereo = False
    if len(channels) == 2:
        if channels_duplicated(channels[0], channels[1]):
            channels = channels[:1]
            flags.append("duplicated_stereo")
        else:
            true_stereo = True
            if min(_peak(c) for c in channels) < _SILENT_CHANNEL_PEAK:
                flags.append("one_channel_silent")
    return Audio(channels=channels, sample_rate=SAMPLE_RATE, duration_s=duration_s,
                 source_channels=source_channels, true_stereo=true_stereo, flags=tuple(flags))


def _peak(samples: np.ndarray) -> float:
    # max/min instead of np.abs(): no temporary copy of an hour-long channel
    return max(float(samples.max()), -float(samples.min()))


def channels_duplicated(left: np.ndarray, right: np.ndarray, chunk: int = 1 << 20) -> bool:
    """True when both channels carry the same signal (equal, or equal up to sign/codec noise)."""
    diff = same = energy = 0.0
    for start in range(0, len(left), chunk):
        a = left[start:start + chunk].astype(np.float64)
        b = right[start:start + chunk].astype(np.float64)
        diff += float(np.sum((a - b) ** 2))
        same += float(np.sum((a + b) ** 2))
        energy += max(float(np.sum(a * a)), float(np.sum(b * b)))
    if energy == 0.0:
        return True  # both silent: nothing to tell apart
    return min(diff, same) <= (_DUPLICATE_TOLERANCE ** 2) * energy
