"""Property-based tests of file-name parsing and discovery (issue 14, item 9): any name, any
bytes, never raises, and a name that is not UTF-8 is shown escaped."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.types import CallMeta, display_path
from ingest import find_recordings, parse_filename

_names = st.text(alphabet=st.characters(blacklist_characters="/\x00"), min_size=1, max_size=80)
_pbx_like = st.builds(
    lambda parts, ext: "-".join(parts) + ext,
    st.lists(st.one_of(st.sampled_from(["in", "out", "external", "q", "600"]),
                       st.integers(0, 10**12).map(str),
                       st.from_regex(r"20\d\d[01]\d[0-3]\d", fullmatch=True),
                       st.from_regex(r"[0-2]\d[0-5]\d[0-5]\d", fullmatch=True)), min_size=1, max_size=7),
    st.sampled_from([".wav", ".mp3", ".WAV", ""]),
)


@given(name=_names | _pbx_like, templates=st.lists(st.sampled_from(["asterisk", "mango", "bitrix24", "nope"]),
                                                   max_size=3))
def test_parse_filename_never_raises(name, templates):
    meta = parse_filename(name, templates=templates)
    assert isinstance(meta, CallMeta)


@given(raw=st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\x00" not in b))
def test_any_bytes_name_parses_and_displays_as_utf8_text(raw):
    name = os.fsdecode(raw)
    assert isinstance(parse_filename(name), CallMeta)
    shown = display_path(name)
    shown.encode("utf-8")  # storable: no surrogates left
    try:
        assert shown == raw.decode("utf-8")
    except UnicodeDecodeError:
        assert "\\x" in shown


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raws=st.lists(st.binary(min_size=1, max_size=20).filter(lambda b: b"/" not in b and b"\x00" not in b
                                                                and b not in (b".", b"..")),
                     min_size=1, max_size=5, unique=True))
def test_discovery_finds_every_audio_file_whatever_its_bytes(tmp_path_factory, raws):
    folder = tmp_path_factory.mktemp("calls")
    for raw in raws:
        (folder / os.fsdecode(raw + b".wav")).write_bytes(b"RIFF")
    found = find_recordings(folder, min_age_s=0)
    assert sorted(os.fsencode(item.path.name) for item in found) == sorted(
        raw + b".wav" for raw in raws if not raw.startswith(b"."))
