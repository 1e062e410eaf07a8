"""Render evaluation-corpus calls (data/eval/transcripts) into telephone-band stereo WAVs.

The «unseen set» of ``bench/asr.py --unseen``: calls whose text no ASR setting was tuned on
(the demo audio is what the ASR defaults were measured on). By default the DEV split is
rendered, so the test split stays untouched by any tuning; ``--split test`` renders the other.

    .venv/bin/python tools/eval/render_audio.py [--split dev] [--calls 8] [--out DIR]

Needs Debian festival + festvox-ru and sox (as tools/demo/generate_audio.py, whose voice, text
sanitising and TTS cache it reuses). Every turn is spoken by festival's Russian voice (the
client ``sox pitch 400``), company names kept in the text (only «» and other symbols festival
cannot say are stripped; numbers are spelled with num2words), turns placed one after another
with 0.3–1.2 s of silence between them (no overlaps), each speaker on its own channel. Odd
calls (1st, 3rd, …) have the manager on the LEFT channel, even ones on the RIGHT. The mix is
band-limited to the telephone band (``sox sinc 300-3400``), resampled to 8 kHz and written as
16-bit stereo WAV, without dither (``-D``) and in repeatable mode (``-R``): the same corpus
gives the same files, byte for byte.

Which calls: the chosen split and style (default ``clean``), Russian only (no call labelled
``non_russian``: a Kazakh call read by the Russian voice measures nothing), without Latin
letters (festival says nothing for them), ``--min-call-s`` ≤ written duration ≤ ``--max-call-s`` (default
20–65 s; festival speaks ~1.4× slower than the written timings, so the default 7 calls make
~7.5 min of audio); first one call per industry (call id without its number) in id order, then
the others, up to ``--calls``.

Output (default ``~/.cache/callqa-bench/eval-audio/<split>/``, not in git):

* ``<call_id>.wav``;
* ``audio_turns.json``: ``{file: [[speaker, start_s, end_s, text], …]}`` as
  data/demo/audio_turns.json (the corpus text of each turn, as written);
* ``calls.json``: ``{file: {call_id, direction, industry, manager_channel (0 left / 1 right),
  duration_s, source}}``; ``source`` (a hash of the turns, the layout and this renderer's
  version) lets a later run reuse a file instead of rendering it again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.demo.generate_audio import PAUSE_S, TTS_RATE, speak, write_pcm_wav  # noqa: E402

TRANSCRIPTS = ROOT / "data" / "eval" / "transcripts"
DEFAULT_OUT = Path("~/.cache/callqa-bench/eval-audio").expanduser()
SEED = 20261301
RENDER_VERSION = 1  # bump when the rendering changes: cached files are then rendered again
LEAD_S = (0.5, 1.2)
TAIL_S = 0.6


def select_calls(split: str = "dev", style: str | None = "clean", calls: int = 7,
                 min_s: float = 20.0, max_s: float = 65.0) -> list[dict]:
    """The corpus calls to render (see the module doc), in render order."""
    eligible = []
    for path in sorted(TRANSCRIPTS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        labels = doc.get("labels") or {}
        if labels.get("split") != split or (style and labels.get("style") != style):
            continue
        if labels.get("call_type") == "non_russian":  # Russian WER and key terms only
            continue
        text = " ".join(s["text"] for s in doc["segments"])
        if re.search(r"[A-Za-z]", text) or not min_s <= float(doc.get("duration_s") or 0) <= max_s:
            continue
        if {s["speaker"] for s in doc["segments"]} != {"manager", "client"}:
            continue
        eligible.append(doc)
    first, rest, seen = [], [], set()
    for doc in eligible:
        industry = re.sub(r"-\d+$", "", doc["call_id"])
        (rest if industry in seen else first).append(doc)
        seen.add(industry)
    return (first + rest)[:calls] if calls else first + rest


def render_call(doc: dict, manager_channel: int) -> tuple[np.ndarray, list[list]]:
    """Both channels (2 × samples at TTS_RATE) and the placed turns ``[speaker, start, end, text]``."""
    rng = random.Random(f"{SEED}:{doc['call_id']}")
    placed, clips, t = [], [], rng.uniform(*LEAD_S)
    for seg in doc["segments"]:
        clip = speak(seg["text"], seg["speaker"])
        placed.append([seg["speaker"], round(t, 3), round(t + len(clip) / TTS_RATE, 3), seg["text"]])
        clips.append(clip)
        t = placed[-1][2] + rng.uniform(*PAUSE_S)
    channels = np.zeros((2, int((placed[-1][2] + TAIL_S) * TTS_RATE)), dtype=np.float32)
    for (speaker, start, _, _), clip in zip(placed, clips, strict=True):
        row = manager_channel if speaker == "manager" else 1 - manager_channel
        at = int(start * TTS_RATE)
        channels[row, at:at + len(clip)] += clip
    return channels, placed


def write_phone_wav(channels: np.ndarray, out_path: Path) -> None:
    """Telephone band (300–3400 Hz), 8 kHz 16-bit stereo WAV, no dither, repeatable."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "call.wav"
        write_pcm_wav(channels, wav)
        part = out_path.with_suffix(".part.wav")
        subprocess.run(["sox", "-R", "-D", str(wav), "-b", "16", str(part), "sinc", "300-3400", "rate", "8k"],
                       check=True)
        part.replace(out_path)


def _source_key(doc: dict, manager_channel: int) -> str:
    turns = [[s["speaker"], s["text"]] for s in doc["segments"]]
    blob = json.dumps([RENDER_VERSION, SEED, manager_channel, turns], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def render(split: str = "dev", calls: int = 7, out: Path | None = None, style: str | None = "clean",
           min_s: float = 20.0, max_s: float = 65.0, log=print) -> tuple[Path, dict, dict]:
    """Render (or reuse) the selected calls; returns (folder, audio_turns, calls_meta)."""
    folder = Path(out or DEFAULT_OUT / split).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    old_meta_path = folder / "calls.json"
    old_meta = json.loads(old_meta_path.read_text(encoding="utf-8")) if old_meta_path.exists() else {}
    old_turns_path = folder / "audio_turns.json"
    old_turns = json.loads(old_turns_path.read_text(encoding="utf-8")) if old_turns_path.exists() else {}
    turns, meta = {}, {}
    for i, doc in enumerate(select_calls(split, style, calls, min_s, max_s)):
        manager_channel = i % 2  # 1st, 3rd, … call: manager left; 2nd, 4th, …: right
        name = f"{doc['call_id']}.wav"
        key = _source_key(doc, manager_channel)
        if (folder / name).exists() and old_meta.get(name, {}).get("source") == key and name in old_turns:
            placed = old_turns[name]
            log(f"  {name}: cached")
        else:
            channels, placed = render_call(doc, manager_channel)
            write_phone_wav(channels, folder / name)
            log(f"  {name}: rendered, {placed[-1][2]:.0f} s, manager {'left' if manager_channel == 0 else 'right'}")
        turns[name] = placed
        meta[name] = {"call_id": doc["call_id"], "direction": doc.get("direction"),
                      "industry": (doc.get("labels") or {}).get("industry"),
                      "manager_channel": manager_channel, "duration_s": round(placed[-1][2] + TAIL_S, 3),
                      "source": key}
    old_turns_path.write_text(json.dumps(turns, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    old_meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return folder, turns, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--style", default="clean", help="clean | asr | all")
    ap.add_argument("--calls", type=int, default=7, help="how many calls (0 = all eligible)")
    ap.add_argument("--min-call-s", type=float, default=20.0)
    ap.add_argument("--max-call-s", type=float, default=65.0)
    ap.add_argument("--out", type=Path, default=None, help="default ~/.cache/callqa-bench/eval-audio/<split>")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder, _, meta = render(args.split, args.calls, args.out, None if args.style == "all" else args.style,
                             args.min_call_s, args.max_call_s)
    total = sum(m["duration_s"] for m in meta.values())
    print(f"{len(meta)} calls, {total / 60:.1f} min of audio in {folder}")


if __name__ == "__main__":
    main()
