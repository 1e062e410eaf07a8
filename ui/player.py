"""An audio player that seeks on request and reports the seconds actually played.

Listening is measured in the browser, not by page opens: the player adds up the advance of
``currentTime`` between ``timeupdate`` events while the audio is playing (jumps from seeking
are not counted) and reports the running total with ``setStateValue`` every 10 s of playback
and on pause / end, plus a ``stopped`` trigger on pause / end. Each mount gets a random
session id so Python can log only the new seconds (:func:`new_played_seconds`).
"""

from __future__ import annotations

import base64
import logging
import mimetypes
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


def audio_source(path: Path, key: str) -> str | None:
    """A URL the browser can load: Streamlit's media endpoint, else a data URL for small files."""
    mimetype = mimetypes.guess_type(path.name)[0] or "audio/wav"
    try:
        from streamlit.runtime import get_instance

        return get_instance().media_file_mgr.add(str(path), mimetype, f"callqa_player.{key}")
    except Exception as exc:  # no runtime (bare mode) or media manager refused the file
        log.debug("media manager unavailable (%s); using a data URL", exc)
    if path.stat().st_size > MAX_DATA_URL_BYTES:
        return None
    return f"data:{mimetype};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


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
