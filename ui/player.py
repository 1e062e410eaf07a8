"""An audio player that seeks on request and reports the seconds actually played.

Listening is measured in the browser, not by page opens: the player adds up the advance of
``currentTime`` between ``timeupdate`` events while the audio is playing (jumps from seeking
are not counted) and reports the running total with ``setStateValue`` every 10 s of playback
and on pause / end, plus a ``stopped`` trigger on pause / end. Each mount gets a random
session id so Python can log only the new seconds (:func:`new_played_seconds`).

Which files it plays (issue 14, row 9). A recording is served only when, at serve time, its
real path (symlinks resolved) lies inside a *recordings folder* -- ``paths.calls_folder`` or a
folder a batch run processed (``runs.folder`` in the store) -- and is a regular file; it is
opened with ``O_NOFOLLOW`` on the resolved path and checked again with ``fstat``, so a
recording swapped for a symlink to ``/etc/shadow`` or a root-only file plays nothing. Pages
call :func:`audio_source` only after the store's access check (``queries.call_view`` takes
the user), so the bytes reach only a session that may see the call.

What Streamlit cannot do: its ``/media/<id>`` endpoint serves any stored media file to
whoever has the URL, without looking at cookies. We compensate: the bytes are read by us
(never a path handed to Streamlit), and the file id is salted with a random secret of this
browser session, so the URL is unguessable (128-bit) and differs per session; Streamlit drops
the file as soon as no run of the session shows it any more (leaving the page, signing out,
closing the tab). The URL is a short-lived bearer link: do not paste it into chats.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

log = logging.getLogger(__name__)

REPORT_EVERY_S = 10
MAX_DATA_URL_BYTES = 40 * 1024 * 1024

_HTML = """<div class="cq-player"><audio controls preload="metadata"></audio>
<div class="cq-status"></div></div>"""
_CSS = """
.cq-player audio { width: 100%; }
.cq-status { font-size: 0.8rem; color: var(--st-gray-70, #666); min-height: 1em; }
"""
_JS = """
export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const audio = parentElement.querySelector("audio");
  const status = parentElement.querySelector(".cq-status");
  if (!data || !data.src) { audio.style.display = "none"; return; }
  if (audio.dataset.src !== data.src) { audio.src = data.src; audio.dataset.src = data.src; }
  const st = audio.__cq || (audio.__cq = {
    played: 0, last: null, reported: 0, seekNonce: null,
    sid: Math.random().toString(36).slice(2),
  });
  const report = (final) => {
    st.reported = st.played;
    const value = { sid: st.sid, total: Math.round(st.played * 100) / 100,
                    position: Math.round(audio.currentTime * 100) / 100 };
    status.textContent = "прослушано " + Math.round(st.played) + " с";
    setStateValue("played", value);
    if (final) setTriggerValue("stopped", value);
  };
  audio.ontimeupdate = () => {
    const t = audio.currentTime;
    if (!audio.paused && !audio.seeking && st.last !== null) {
      const d = t - st.last;
      if (d > 0 && d < 1.5) st.played += d;
    }
    st.last = t;
    if (st.played - st.reported >= REPORT_EVERY_S) report(false);
  };
  audio.onseeking = () => { st.last = null; };
  audio.onplay = () => { st.last = audio.currentTime; };
  audio.onpause = () => { st.last = null; if (st.played - st.reported > 0.05) report(true); };
  audio.onended = () => { st.last = null; if (st.played - st.reported > 0.05) report(true); };
  if (data.seek_nonce !== null && data.seek_nonce !== undefined && data.seek_nonce !== st.seekNonce) {
    st.seekNonce = data.seek_nonce;
    const go = () => {
      audio.currentTime = data.seek_s;
      st.last = null;
      audio.play().catch(() => { status.textContent = "нажмите ▶, чтобы слушать"; });
    };
    if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
  }
}
""".replace("REPORT_EVERY_S", str(REPORT_EVERY_S))

_player = st.components.v2.component("callqa_player", html=_HTML, css=_CSS, js=_JS)


@dataclass(frozen=True, slots=True)
class Played:
    """What the player reported last: mount id, seconds played in total, current position."""

    sid: str
    total_s: float
    position_s: float | None


class RecordingRefused(Exception):
    """A recording the player must not serve; the message says why (for the log)."""


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def read_recording(path: str | os.PathLike, roots: Iterable[str | os.PathLike]) -> bytes:
    """The bytes of ``path`` when its real path is a regular file inside one of ``roots``.

    Raises :class:`RecordingRefused` otherwise (outside every root, a symlink leading out, a
    folder, a device, a FIFO). ``O_NOFOLLOW`` on the resolved path and ``fstat`` on the open
    descriptor close the gap between the check and the read.
    """
    real = os.path.realpath(path)
    real_roots = [os.path.realpath(r) for r in roots if str(r)]
    if not any(_inside(real, root) for root in real_roots):
        raise RecordingRefused(f"{path} resolves to {real}, outside the recordings folders")
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise RecordingRefused(f"{path}: cannot open ({exc.strerror})") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RecordingRefused(f"{path} is not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _session_salt() -> str:
    """A random secret of this browser session: makes media URLs unguessable, per session."""
    return st.session_state.setdefault("_media_salt", secrets.token_hex(16))


def audio_source(path: Path, key: str, roots: Iterable[str | os.PathLike]) -> str | None:
    """A URL the browser can load for a recording (None when refused or too large).

    Streamlit's media endpoint with a per-session salted id, else (no runtime) a data URL for
    small files. Call it only after the user's access to the call was checked.
    """
    try:
        if os.path.getsize(path) > MAX_DATA_URL_BYTES and not _has_runtime():
            return None
        data = read_recording(path, roots)
    except (RecordingRefused, OSError) as exc:
        log.warning("recording not served: %s", exc)
        return None
    mimetype = mimetypes.guess_type(path.name)[0] or "audio/wav"
    try:
        from streamlit.runtime import get_instance

        # The file name is hashed into the id: the salt makes the URL secret and per session.
        return get_instance().media_file_mgr.add(data, mimetype, f"callqa_player.{key}",
                                                 file_name=f"{_session_salt()}-{key}")
    except Exception as exc:  # no runtime (bare mode) or media manager refused the file
        log.debug("media manager unavailable (%s); using a data URL", exc)
    if len(data) > MAX_DATA_URL_BYTES:
        return None
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


def _has_runtime() -> bool:
    from streamlit.runtime import exists

    return exists()


def audio_player(key: str, src: str, seek_s: float | None = None, seek_nonce: int | None = None) -> Played | None:
    """Mount the player; a new ``seek_nonce`` makes it jump to ``seek_s`` and play."""
    result = _player(
        key=key,
        data={"src": src, "seek_s": seek_s or 0.0, "seek_nonce": seek_nonce},
        default={"played": None},
        on_played_change=lambda: None,
        on_stopped_change=lambda: None,
        height="content",
    )
    value = getattr(result, "played", None)
    if not isinstance(value, dict) or "sid" not in value:
        return None
    return Played(str(value["sid"]), float(value.get("total") or 0.0), value.get("position"))


def new_played_seconds(call_key: str, played: Played | None) -> float:
    """Seconds reported since the last call for this call and player mount (logged once)."""
    if played is None:
        return 0.0
    logged: dict = st.session_state.setdefault("_played_logged", {})
    key = (call_key, played.sid)
    delta = played.total_s - logged.get(key, 0.0)
    if delta <= 0.05:
        return 0.0
    logged[key] = played.total_s
    return delta
