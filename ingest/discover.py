"""Find call recordings in the PBX folder.

Every audio file becomes exactly one ``Found`` item: a ``Recording`` (readable, hashed), an
``Unreadable`` (we could not open it; the batch records the reason) or a ``TooFresh`` (modified
less than ``min_age_s`` ago, so the PBX may still be writing it; the batch skips it this run).
A sub-folder that cannot be listed is an ``Unreadable`` too: the files inside it would otherwise
silently never appear, so the batch records it and `callqa status` shows the reason.
Names are taken as the OS gives them: bytes that are not UTF-8 arrive as surrogate escapes and
are shown with ``core.types.display_path``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError, FileChangingError
from core.types import Recording, display_path

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {
        "wav", "mp3", "ogg", "opus", "oga", "m4a", "aac", "mp4", "flac", "amr", "awb",
        "wma", "webm", "gsm", "3gp", "mka", "aif", "aiff", "au",
    }
)
_PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An audio file (or a sub-folder) we could not read; ``error`` says why and what to do."""

    path: Path
    error: str


@dataclass(frozen=True, slots=True)
class TooFresh:
    """An audio file modified so recently that the PBX may still be writing it."""

    path: Path


Found = Recording | Unreadable | TooFresh


def find_recordings(
    folder: str | os.PathLike, min_age_s: float = 60.0, now: float | None = None
) -> list[Found]:
    """Walk ``folder`` recursively and classify every audio file, sorted by path.

    A missing folder raises ConfigError: an unmounted PBX share must not look like "no calls".
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"calls folder {root} does not exist or is not a folder; check "
                          "paths.calls_folder in callqa.toml or mount the PBX share")
    now = time.time() if now is None else now
    folder_errors: list[Unreadable] = []
    found: list[Found] = [_classify(path, min_age_s, now) for path in sorted(_audio_files(root, folder_errors))]
    return sorted([*found, *folder_errors], key=lambda item: os.fsencode(item.path))


def file_sha256(path: Path) -> str:
    """sha256 of the file content, read in 1 MiB chunks (hour-long WAVs stay out of memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_audio_name(name: str) -> bool:
    """True for names we treat as recordings: known audio extension, not hidden, not partial."""
    if name.startswith(".") or name.lower().endswith(_PARTIAL_SUFFIXES):
        return False
    return name.rsplit(".", 1)[-1].lower() in AUDIO_EXTENSIONS if "." in name else False


def _audio_files(root: Path, folder_errors: list[Unreadable]):
    def walk_error(exc: OSError) -> None:
        folder = Path(exc.filename) if exc.filename else root
        error = _folder_error(folder, exc)
        log.warning("%s", error)
        folder_errors.append(Unreadable(folder, error))

    for dirpath, dirnames, filenames in os.walk(root, onerror=walk_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if is_audio_name(name):
                yield Path(dirpath) / name


def _folder_error(folder: Path, exc: OSError) -> str:
    shown = display_path(folder)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot list folder {shown}: permission denied; the recordings inside are not "
                f"processed until the callqa user may read it (chmod o+rx '{shown}')")
    reason = (exc.strerror or str(exc)).lower()
    return f"cannot list folder {shown}: {reason}; the recordings inside are not processed"


def _classify(path: Path, min_age_s: float, now: float) -> Found:
    try:
        st = path.stat()
    except OSError as exc:
        return Unreadable(path, _read_error(path, exc))
    if not stat.S_ISREG(st.st_mode):
        return Unreadable(path, f"cannot read {display_path(path)}: it is not a regular file; "
                                "put the recording itself in the folder, not a pipe or device")
    if st.st_mtime > now - min_age_s:
        return TooFresh(path)
    try:
        sha = file_sha256(path)
        after = path.stat()
    except OSError as exc:
        return Unreadable(path, _read_error(path, exc))
    if _changed(st, after):  # written to while we hashed it: the hash is of half a file
        log.info("%s changed while it was hashed; skipped until it is stable", path)
        return TooFresh(path)
    return Recording(path=path, sha256=sha, size=st.st_size, mtime=st.st_mtime)


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime) != (after.st_size, after.st_mtime)


def check_unchanged(rec: Recording) -> None:
    """Raise ``FileChangingError`` when ``rec``'s file is no longer the one that was found and
    hashed (another size or modification time): the PBX is still writing it. The batch calls
    this right before and right after decoding, so a growing file is never stored as a call,
    even with ``ingest.min_age_s = 0``."""
    try:
        st = rec.path.stat()
    except OSError:
        return  # gone or unreadable: decoding reports that with its own reason
    if (st.st_size, st.st_mtime) != (rec.size, rec.mtime):
        raise FileChangingError(
            f"{rec.path.name} changed while callqa was reading it (size {rec.size} → "
            f"{st.st_size} bytes): the PBX is still writing it; skipped until it is stable")


def _read_error(file: Path, exc: OSError) -> str:
    path = display_path(file)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot read {path}: permission denied; give the callqa user read access "
                f"(chmod o+r '{path}' or add the user to the file's group)")
    if exc.errno == errno.ENOENT:
        return (f"cannot read {path}: the file disappeared or is a broken link; "
                "check that the PBX did not move it, or fix the link")
    if exc.errno == errno.ELOOP:
        return f"cannot read {path}: the link points to itself (symlink loop); fix or remove it"
    reason = exc.strerror or str(exc)
    return f"cannot read {path}: {reason.lower()}; check the disk and the file, then run again"
