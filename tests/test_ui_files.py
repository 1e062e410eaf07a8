"""Issue 14, row 9: the player serves only regular files inside a recordings folder."""

from __future__ import annotations

import os

import pytest

from tests.ui_data import build_store, call_page_app, serve_from
from ui.player import RecordingRefused, audio_source, read_recording

TIMEOUT = 60


def test_a_recording_inside_the_folder_is_read(tmp_path):
    wav = tmp_path / "calls" / "a.wav"
    wav.parent.mkdir()
    wav.write_bytes(b"RIFF-audio")
    assert read_recording(wav, [tmp_path / "calls"]) == b"RIFF-audio"


def test_a_symlink_leading_out_of_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root only")
    (tmp_path / "calls").mkdir()
    link = tmp_path / "calls" / "a.wav"
    link.symlink_to(secret)
    with pytest.raises(RecordingRefused, match="outside the recordings folders"):
        read_recording(link, [tmp_path / "calls"])


def test_a_folder_symlinked_into_the_calls_folder_does_not_widen_it(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.wav").write_bytes(b"x")
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "sub").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RecordingRefused):
        read_recording(tmp_path / "calls" / "sub" / "x.wav", [tmp_path / "calls"])


def test_a_sibling_folder_with_the_same_prefix_is_outside(tmp_path):
    (tmp_path / "calls-old").mkdir()
    (tmp_path / "calls-old" / "a.wav").write_bytes(b"x")
    (tmp_path / "calls").mkdir()
    with pytest.raises(RecordingRefused):
        read_recording(tmp_path / "calls-old" / "a.wav", [tmp_path / "calls"])


def test_a_fifo_or_a_folder_is_not_a_recording(tmp_path):
    (tmp_path / "calls").mkdir()
    fifo = tmp_path / "calls" / "a.wav"
    os.mkfifo(fifo)
    with pytest.raises(RecordingRefused, match="not a regular file"):
        read_recording(fifo, [tmp_path / "calls"])
    (tmp_path / "calls" / "d.wav").mkdir()
    with pytest.raises(RecordingRefused):
        read_recording(tmp_path / "calls" / "d.wav", [tmp_path / "calls"])


def test_no_folder_configured_serves_nothing(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"x")
    with pytest.raises(RecordingRefused):
        read_recording(wav, [])
    assert audio_source(wav, "k", []) is None


def test_outside_the_runtime_a_recording_becomes_a_data_url(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    assert audio_source(wav, "k", [tmp_path]) == "data:audio/x-wav;base64,UklGRg=="




@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_a_processed_recording_replaced_by_a_symlink_plays_nothing(tmp_path, monkeypatch):
    """The attack of row 9: the call page keeps working, the player refuses the file."""
    data = serve_from(monkeypatch, tmp_path,
                      build_store(tmp_path / "callqa.duckdb", n_calls=1, audio_dir=tmp_path / "audio"))
    page = call_page_app("rop", data.call_ids[0])
    assert not page.exception and not page.warning  # the real recording plays
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:$6$...")
    data.audio_path.unlink()
    data.audio_path.symlink_to(secret)
    page = call_page_app("rop", data.call_ids[0])
    assert not page.exception
    assert "вне папки записей" in page.warning[0].value
