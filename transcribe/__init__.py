"""callqa transcription stage: local Whisper (faster-whisper) with speaker roles, transcript
importers and number masking.

Public entry points::

    make_transcriber(cfg) -> Transcriber        # WhisperTranscriber with options from config
    Transcriber.transcribe(audio) -> Transcript
    FakeTranscriber(lines=None)                 # tests of other stages
    mask_numbers(text) -> str                   # phone/card numbers -> [номер] / [карта]
    load_transcript_file(path, roles_home=None) -> ImportedCall  # callqa/Whisper/SpeechKit JSON
    load_transcript_paths(paths, roles_home=None) -> Iterator[ImportedCall | (path, TranscriptFormatError)]
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at run time

from transcribe.base import FakeTranscriber, TranscribeOptions, Transcriber  # noqa: E402
from transcribe.importers import (  # noqa: E402
    ImportedCall,
    ImportedManager,
    load_transcript_file,
    load_transcript_paths,
)
from transcribe.masking import mask_numbers  # noqa: E402


def make_transcriber(cfg) -> Transcriber:
    """The configured engine; the model loads lazily on the first call."""
    from transcribe.engine import WhisperTranscriber

    return WhisperTranscriber(TranscribeOptions.from_config(cfg), home=cfg.home)


__all__ = [
    "FakeTranscriber",
    "ImportedCall",
    "ImportedManager",
    "Transcriber",
    "TranscribeOptions",
    "load_transcript_file",
    "load_transcript_paths",
    "make_transcriber",
    "mask_numbers",
]
