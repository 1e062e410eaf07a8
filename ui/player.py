"""An audio player that seeks on request and reports the seconds actually played.

Listening is measured in the browser, not by page opens: the player adds up the advance of
``currentTime`` between ``timeupdate`` events while the audio is playing (jumps from seeking
are not counted) and reports the running total with ``setStateValue`` every 10 s of playback
and on pause / end, plus a ``stopped`` trigger on pause / end. Each mount gets a random
session id so Python can log only the new seconds (:func:`new_played_seconds`).

Player and transcript (issue 15, item 5). The transcript is drawn inside the same component,
so the browser can follow playback without a Streamlit rerun: on ``timeupdate`` the line whose
``[start, end)`` holds ``currentTime`` gets the ``cq-now`` class and is scrolled into view inside
the transcript box (never the page); a click on a line seeks there. Lines cited as evidence
(``cq-evidence``) and search hits (``cq-hit``) are marked by segment ``idx``. The text is
untrusted and goes in with ``textContent`` only. Library clips wait at their start and pause at
their end.

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

_HTML = """<div class="cq-player"><div class="cq-bar"><audio controls preload="metadata"></audio>
<div class="cq-status"></div></div><div class="cq-transcript" role="list"></div></div>"""
_CSS = """
.cq-player audio { width: 100%; }
.cq-status { font-size: 0.8rem; color: var(--st-gray-70, #666); min-height: 1em; }
.cq-transcript { position: relative; overflow-y: auto; max-height: max(12rem, min(520px, calc(100vh - 24rem)));
  border: 1px solid rgba(128, 128, 128, 0.3); border-radius: 0.5rem; padding: 0.25rem; }
.cq-transcript:empty { display: none; }
.cq-line { padding: 0.2rem 0.4rem; border-radius: 0.3rem; line-height: 1.4; border-left: 3px solid transparent; }
.cq-seekable .cq-line { cursor: pointer; }
.cq-seekable .cq-line:hover { background: rgba(128, 128, 128, 0.12); }
.cq-time { font-size: 0.75rem; color: var(--st-gray-70, #888); margin-right: 0.4rem;
  font-variant-numeric: tabular-nums; }
.cq-who { font-weight: 600; margin-right: 0.3rem; }
.cq-who.cq-manager { color: #1c6fd1; }
.cq-who.cq-client { color: #1f8a4c; }
.cq-who.cq-unknown { color: #777; }
.cq-flag { color: #c76a00; font-style: italic; margin-left: 0.3rem; font-size: 0.85rem; }
.cq-line.cq-evidence { background: rgba(255, 196, 0, 0.18); border-left-color: #e0a800; }
.cq-line.cq-hit { background: rgba(160, 90, 255, 0.16); border-left-color: #8a4dff; }
.cq-line.cq-now { background: rgba(28, 111, 209, 0.2); border-left-color: #1c6fd1; }
"""
# Transcripts are untrusted text (ASR output, imported files): lines are built with
# createElement + textContent only, never innerHTML.
_JS = """
const SPEAKERS = ["manager", "client"];
const mmss = (s) => { const n = Math.round(s); return String(Math.floor(n / 60)).padStart(2, "0")
  + ":" + String(n % 60).padStart(2, "0"); };

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  if (!data) return;
  const audio = parentElement.querySelector("audio");
  const status = parentElement.querySelector(".cq-status");
  const box = parentElement.querySelector(".cq-transcript");
  const st = audio.__cq || (audio.__cq = {
    played: 0, last: null, prev: null, reported: 0, seekNonce: null, linesSig: null,
    rows: [], lines: [], current: -1, hitsSig: "", clipReady: false,
    sid: Math.random().toString(36).slice(2),
  });

  // --- the transcript: built once per set of lines, marks refreshed on every render
  const lines = data.lines || [];
  const sig = JSON.stringify(lines);
  if (sig !== st.linesSig) {
    st.linesSig = sig; st.lines = lines; st.rows = []; st.current = -1;
    box.replaceChildren();
    lines.forEach((l, k) => {
      const row = document.createElement("div");
      row.className = "cq-line"; row.setAttribute("role", "listitem");
      row.dataset.k = String(k); row.dataset.idx = String(l.idx); row.dataset.start = String(l.start);
      const time = document.createElement("span"); time.className = "cq-time"; time.textContent = mmss(l.start);
      const who = document.createElement("span");
      who.className = "cq-who cq-" + (SPEAKERS.includes(l.speaker) ? l.speaker : "unknown");
      who.textContent = l.who;
      const text = document.createElement("span"); text.className = "cq-text"; text.textContent = l.text;
      row.append(time, who, text);
      if (l.check) {
        const flag = document.createElement("span"); flag.className = "cq-flag";
        flag.textContent = "проверить на слух"; row.append(flag);
      }
      box.append(row); st.rows.push(row);
    });
  }
  const evidence = new Set(data.evidence || []), hits = new Set(data.hits || []);
  st.rows.forEach((row, k) => {
    row.classList.toggle("cq-evidence", evidence.has(st.lines[k].idx));
    row.classList.toggle("cq-hit", hits.has(st.lines[k].idx));
  });
  const reveal = (row) => {  // scroll the transcript box only, never the page
    const top = row.offsetTop, bottom = top + row.offsetHeight;
    if (top < box.scrollTop || bottom > box.scrollTop + box.clientHeight)
      box.scrollTo({ top: Math.max(0, top - box.clientHeight / 3), behavior: "smooth" });
  };
  const hitsSig = [...hits].join(",");
  if (hitsSig !== st.hitsSig) {
    st.hitsSig = hitsSig;
    const first = st.rows.find((row) => row.classList.contains("cq-hit"));
    if (first) reveal(first);
  }
  if (data.sticky) {  // keep the column with the player in view while the page scrolls
    const host = parentElement.host || parentElement;
    const column = host.closest && host.closest('[data-testid="stColumn"]');
    if (column) Object.assign(column.style, { position: "sticky", top: "3.75rem", alignSelf: "flex-start" });
  }
  if (!data.src) { parentElement.querySelector(".cq-bar").style.display = "none"; return; }
  box.classList.add("cq-seekable");
  if (audio.dataset.src !== data.src) { audio.src = data.src; audio.dataset.src = data.src; }

  const follow = () => {
    const t = audio.currentTime;
    const k = st.lines.findIndex((l) => l.start <= t && t < l.end);
    if (k === st.current) return;
    if (st.rows[st.current]) { st.rows[st.current].classList.remove("cq-now"); st.rows[st.current].removeAttribute("aria-current"); }
    st.current = k;
    if (k >= 0) { st.rows[k].classList.add("cq-now"); st.rows[k].setAttribute("aria-current", "true"); reveal(st.rows[k]); }
  };
  const report = (final) => {
    st.reported = st.played;
    const value = { sid: st.sid, total: Math.round(st.played * 100) / 100,
                    position: Math.round(audio.currentTime * 100) / 100 };
    status.textContent = "прослушано " + Math.round(st.played) + " с";
    setStateValue("played", value);
    if (final) setTriggerValue("stopped", value);
  };
  const clip = data.clip || null;  // [start, end]: a library clip stops at its end
  audio.ontimeupdate = () => {
    const t = audio.currentTime;
    if (!audio.paused && !audio.seeking && st.last !== null) {
      const d = t - st.last;
      if (d > 0 && d < 1.5) st.played += d;
    }
    st.last = t;
    if (clip && !audio.paused && st.prev !== null && st.prev < clip[1] && t >= clip[1]) {
      audio.pause(); audio.currentTime = clip[1];  // timeupdate comes every ~250 ms: stop at the end exactly
    }
    st.prev = t;
    follow();
    if (st.played - st.reported >= REPORT_EVERY_S) report(false);
  };
  audio.onseeking = () => { st.last = null; st.prev = null; };
  audio.onseeked = follow;
  audio.onplay = () => {
    if (clip && Math.abs(audio.currentTime - clip[1]) < 0.05) audio.currentTime = clip[0];  // replay
    st.last = audio.currentTime;
  };
  audio.onpause = () => { st.last = null; if (st.played - st.reported > 0.05) report(true); };
  audio.onended = () => { st.last = null; if (st.played - st.reported > 0.05) report(true); };
  box.onclick = (event) => {
    const row = event.target.closest(".cq-line");
    if (!row) return;
    audio.currentTime = Number(row.dataset.start);
    st.last = null;
    audio.play().catch(() => { status.textContent = "нажмите ▶, чтобы слушать"; });
  };
  const whenReady = (fn) => { if (audio.readyState >= 1) fn(); else audio.addEventListener("loadedmetadata", fn, { once: true }); };
  if (data.seek_nonce !== null && data.seek_nonce !== undefined && data.seek_nonce !== st.seekNonce) {
    st.seekNonce = data.seek_nonce;
    st.clipReady = true;
    whenReady(() => {
      audio.currentTime = data.seek_s;
      st.last = null;
      audio.play().catch(() => { status.textContent = "нажмите ▶, чтобы слушать"; });
    });
  } else if (clip && !st.clipReady) {  // a clip waits at its start for ▶
    st.clipReady = true;
    whenReady(() => { if (audio.currentTime < 0.01) audio.currentTime = clip[0]; });
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


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line as the player shows it; ``who`` is the speaker in Russian."""

    idx: int
    start_s: float
    end_s: float
    speaker: str
    who: str
    text: str
    check_by_ear: bool = False


@dataclass(frozen=True, slots=True)
class Transcript:
    """What the player shows under the audio: the lines and which of them to mark, by ``idx``
    (``evidence``: cited by verdicts and objections; ``hits``: found by the page's search)."""

    lines: tuple[Line, ...] = ()
    evidence: frozenset[int] = frozenset()
    hits: frozenset[int] = frozenset()


def find_lines(lines: Iterable[Line], query: str) -> frozenset[int]:
    """``idx`` of the lines that contain ``query`` (case and «ё» ignored); none for a blank query."""
    wanted = _fold(query.strip())
    if not wanted:
        return frozenset()
    return frozenset(line.idx for line in lines if wanted in _fold(line.text))


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def audio_player(key: str, src: str | None, seek_s: float | None = None, seek_nonce: int | None = None,
                 transcript: Transcript = Transcript(), clip: tuple[float, float] | None = None,
                 sticky: bool = False) -> Played | None:
    """Mount the player; a new ``seek_nonce`` makes it jump to ``seek_s`` and play.

    With ``transcript`` the lines are shown under the audio: the playing one is highlighted and
    kept in view, a click seeks there. ``clip`` (start, end) waits at the start and pauses at the
    end. ``sticky`` keeps the Streamlit column holding the player in view while the page scrolls.
    ``src`` None shows the transcript alone.
    """
    lines = [{"idx": ln.idx, "start": ln.start_s, "end": ln.end_s, "speaker": ln.speaker,
              "who": ln.who, "text": ln.text, "check": ln.check_by_ear} for ln in transcript.lines]
    result = _player(
        key=key,
        data={"src": src, "seek_s": seek_s or 0.0, "seek_nonce": seek_nonce, "lines": lines,
              "evidence": sorted(transcript.evidence), "hits": sorted(transcript.hits),
              "clip": list(clip) if clip else None, "sticky": sticky},
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
