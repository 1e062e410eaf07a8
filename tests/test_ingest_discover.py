"""ingest.find_recordings: every audio file in the PBX folder becomes one Found item."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from core.errors import ConfigError
from core.types import Recording
from ingest import TooFresh, Unreadable, find_recordings
from tests.audio_factory import speech_like, write_audio

OLD = time.time() - 3600


def _make(path, seed=0, mtime=OLD):
    path.parent.mkdir(parents=True, exist_ok=True)
    write_audio(path, [speech_like(1.0, 8000, seed=seed)], 8000)
    os.utime(path, (mtime, mtime))
    return path


def test_finds_audio_recursively_sorted_by_path_and_skips_other_files(tmp_path):
    _make(tmp_path / "b" / "2.mp3")
    _make(tmp_path / "a.wav")
    _make(tmp_path / "b" / "1.flac")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "crm.csv").write_text("x")
    found = find_recordings(tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in found] == ["a.wav", "b/1.flac", "b/2.mp3"]
    assert all(isinstance(f, Recording) for f in found)


def test_hidden_and_partial_files_are_ignored(tmp_path):
    _make(tmp_path / ".hidden.wav")
    _make(tmp_path / ".sync" / "x.wav")
    (tmp_path / "call.wav.part").write_bytes(b"x")
    (tmp_path / "call.mp3.tmp").write_bytes(b"x")
    _make(tmp_path / "real.WAV")
    assert [f.path.name for f in find_recordings(tmp_path)] == ["real.WAV"]


def test_recording_carries_content_sha256_size_and_mtime(tmp_path):
    path = _make(tmp_path / "call.wav")
    (rec,) = find_recordings(tmp_path)
    assert rec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rec.size == path.stat().st_size and rec.mtime == pytest.approx(OLD)
    assert rec.call_id == rec.sha256[:16]


def test_renamed_or_moved_file_keeps_its_sha_and_copies_share_it(tmp_path):
    path = _make(tmp_path / "in" / "call.wav", seed=3)
    (before,) = find_recordings(tmp_path)
    moved = tmp_path / "archive" / "2024" / "renamed.wav"
    moved.parent.mkdir(parents=True)
    path.rename(moved)
    (tmp_path / "copy.wav").write_bytes(moved.read_bytes())
    os.utime(tmp_path / "copy.wav", (OLD, OLD))
    after = find_recordings(tmp_path)
    assert {r.sha256 for r in after} == {before.sha256} and len(after) == 2


def test_different_content_gives_different_sha(tmp_path):
    _make(tmp_path / "a.wav", seed=1)
    _make(tmp_path / "b.wav", seed=2)
    a, b = find_recordings(tmp_path)
    assert a.sha256 != b.sha256


def test_file_modified_within_min_age_is_too_fresh(tmp_path):
    now = time.time()
    _make(tmp_path / "writing.wav", mtime=now - 10)
    _make(tmp_path / "done.wav", mtime=now - 120)
    found = {f.path.name: f for f in find_recordings(tmp_path, min_age_s=60, now=now)}
    assert found["writing.wav"] == TooFresh(tmp_path / "writing.wav")
    assert isinstance(found["done.wav"], Recording)
    assert isinstance(find_recordings(tmp_path, min_age_s=0, now=now)[1], Recording)


def test_broken_link_is_unreadable_with_a_reason(tmp_path):
    (tmp_path / "call.wav").symlink_to(tmp_path / "gone.wav")
    (item,) = find_recordings(tmp_path)
    assert isinstance(item, Unreadable)
    assert "broken link" in item.error and str(tmp_path / "call.wav") in item.error


def test_pipe_is_unreadable_and_never_opened(tmp_path):
    os.mkfifo(tmp_path / "call.wav")
    (item,) = find_recordings(tmp_path)
    assert isinstance(item, Unreadable) and "not a regular file" in item.error


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission_says_how_to_fix_it(tmp_path):
    path = _make(tmp_path / "call.wav")
    path.chmod(0)
    (item,) = find_recordings(tmp_path)
    assert isinstance(item, Unreadable)
    assert "permission denied" in item.error and "chmod o+r" in item.error


def test_permission_message_is_actionable():
    """Tests run as root here, so the message is checked on the error path directly."""
    import errno
    from pathlib import Path

    from ingest.discover import _read_error

    msg = _read_error(Path("/calls/x.wav"), PermissionError(errno.EACCES, "Permission denied"))
    assert msg.startswith("cannot read /calls/x.wav: permission denied")
    assert "give the callqa user read access (chmod o+r" in msg


def test_missing_folder_is_an_error_not_an_empty_day(tmp_path):
    with pytest.raises(ConfigError, match="does not exist.*mount the PBX share"):
        find_recordings(tmp_path / "nope")


def test_a_file_that_grows_while_it_is_hashed_is_too_fresh_whatever_min_age(tmp_path, monkeypatch):
    import ingest.discover as discover

    path = _make(tmp_path / "growing.wav")
    real = discover.file_sha256

    def hash_while_the_pbx_writes(p):
        digest = real(p)
        with open(p, "ab") as fh:
            fh.write(b"\x00" * 1600)
        return digest

    monkeypatch.setattr(discover, "file_sha256", hash_while_the_pbx_writes)
    assert find_recordings(tmp_path, min_age_s=0) == [TooFresh(path)]


def test_check_unchanged_refuses_a_recording_whose_file_changed_since_discovery(tmp_path):
    from core.errors import FileChangingError
    from ingest import check_unchanged

    path = _make(tmp_path / "call.wav")
    [rec] = find_recordings(tmp_path, min_age_s=0)
    check_unchanged(rec)  # the same file: fine
    with open(path, "ab") as fh:
        fh.write(b"\x00" * 1600)
    with pytest.raises(FileChangingError, match="still writing"):
        check_unchanged(rec)
