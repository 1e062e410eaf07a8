"""callqa ingest stage: find recordings, read their names and CRM sidecars, decode audio.

Public entry points::

    find_recordings(folder, min_age_s=60.0, now=None) -> list[Found]
    parse_filename(path, templates=("asterisk", "mango", "bitrix24"), custom_regex="") -> CallMeta
    mask_phone(number) -> str
    find_sidecars(folder) -> list[Path]
    load_crm_csv(path) -> list[CrmRow]
    match_crm(rows, recording_path, meta) -> CallMeta
    check_unchanged(recording)  # raises FileChangingError while the PBX still writes it
    sniff(path) -> NotAudio | None  # content that is clearly not audio
    decode(path, max_duration_s=7200) -> Audio
    decode_bytes(data, name, max_duration_s=7200) -> Audio   # a worker without the folder
    speech_energy_seconds(samples, sample_rate=16000) -> float
    is_silent(audio) -> bool
"""

from ingest.crm import CrmRow, find_sidecars, load_crm_csv, match_crm
from ingest.decode import channels_duplicated, decode, decode_bytes, format_duration
from ingest.discover import (
    AUDIO_EXTENSIONS,
    Found,
    TooFresh,
    Unreadable,
    check_unchanged,
    find_recordings,
)
from ingest.filenames import mask_phone, normalize_direction, parse_filename
from ingest.silence import is_silent, nonsilent_spans, speech_energy_seconds, to_pcm16
from ingest.sniff import NotAudio, sniff

__all__ = [
    "AUDIO_EXTENSIONS",
    "CrmRow",
    "Found",
    "NotAudio",
    "TooFresh",
    "Unreadable",
    "channels_duplicated",
    "check_unchanged",
    "decode",
    "decode_bytes",
    "find_recordings",
    "find_sidecars",
    "format_duration",
    "is_silent",
    "load_crm_csv",
    "mask_phone",
    "match_crm",
    "nonsilent_spans",
    "normalize_direction",
    "parse_filename",
    "sniff",
    "speech_energy_seconds",
    "to_pcm16",
]
