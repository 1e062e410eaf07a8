"""callqa transcription stage: local Whisper (faster-whisper) with speaker roles, transcript
importers and number masking.

Public entry points::

    make_transcriber(cfg) -> Transcriber        # WhisperTranscriber with options from config
    Transcriber.transcribe(audio) -> Transcript
    FakeTranscriber(lines=None)                 # tests of other stages
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at run time

from transcribe.base import FakeTranscriber, TranscribeOptions, Transcriber  # noqa: E402


def make_transcriber(cfg) -> Transcriber:
    """The configured engine; the model loads lazily on the first call."""
    from transcribe.engine import WhisperTranscriber

    return WhisperTranscriber(TranscribeOptions.from_config(cfg), home=cfg.home)


__all__ = ["FakeTranscriber", "Transcriber", "TranscribeOptions", "make_transcriber"]
