"""Company vocabulary and stereo roles on the demo audio, with the real embedded Whisper base.

Transcribes the demo calls twice — without and with ``asr.vocabulary`` (Whisper ``hotwords``)
— with the default options (``manager_channel = auto``, ``stereo_layout = auto``, the call's
direction and template from its Asterisk file name) and prints:

* key-term recall: occurrences of the company's key terms (brand, products, prices,
  discounts, competitors) in the reference turns (data/demo/audio_turns.json) found in the
  same side's transcript, by word stem;
* WER per side (as bench/asr.py);
* roles: the demo audio has the manager on the left channel; how many calls the auto decision
  got right, and how many it flagged ``roles_uncertain``.

    .venv/bin/python bench/vocabulary.py [--calls N]
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ingest  # noqa: E402
from bench.asr import AUDIO, TURNS, normalise, wer  # noqa: E402
from transcribe import TranscribeOptions  # noqa: E402
from transcribe.engine import WhisperTranscriber  # noqa: E402

# What a window company would write in callqa.toml: its name, products, price and deal words.
VOCABULARY = ("Окна Комфорт", "пятикамерный профиль", "фурнитура", "балконный блок", "замер",
              "монтаж", "гарантия", "скидка", "конкуренты", "тысяч рублей")
# Key terms counted for recall: word-stem prefixes (after bench.asr.normalise)
KEY_STEMS = ("комфорт", "пятикамерн", "профил", "фурнитур", "балкон", "замер", "монтаж",
             "гаранти", "скидк", "конкурент", "дешевл", "тысяч", "процент")


def key_terms(words: list[str]) -> Counter:
    return Counter(stem for w in words for stem in KEY_STEMS if w.startswith(stem))


def run(audios, opts: TranscribeOptions, home: Path):
    t = WhisperTranscriber(opts, home=home)
    out, t0 = {}, time.perf_counter()
    for name, audio, meta in audios:
        tr = t.transcribe(audio, meta)
        channel_of = {s.speaker: s.channel for s in tr.segments}
        out[name] = ({r: " ".join(s.text for s in tr.segments if s.speaker == r) for r in ("manager", "client")},
                     channel_of.get("manager"), "roles_uncertain" in tr.flags)
    return time.perf_counter() - t0, out


def report(label: str, secs: float, audio_s: float, out: dict) -> None:
    found = total = errors = words = right = flagged = 0
    missed: Counter = Counter()
    for name, (texts, manager_ch, uncertain) in out.items():
        right += manager_ch == 0
        flagged += uncertain
        for role in ("manager", "client"):
            ref = normalise(" ".join(t[3] for t in TURNS[name] if t[0] == role))
            hyp = normalise(texts.get(role, ""))
            e, n = wer(ref, hyp)
            errors, words = errors + e, words + n
            want, got = key_terms(ref), key_terms(hyp)
            for stem, k in want.items():
                found += min(k, got[stem])
                total += k
                missed[stem] += max(0, k - got[stem])
    print(f"{label:<22} RTF {secs / audio_s:.3f}  WER {errors / max(words, 1):.3f}  "
          f"key-term recall {found}/{total} = {found / max(total, 1):.3f}  "
          f"roles right {right}/{len(out)}, flagged {flagged}")
    print("   missed:", ", ".join(f"{s} ×{k}" for s, k in missed.most_common() if k) or "none")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=0, help="first N demo calls (0 = all)")
    args = ap.parse_args()
    files = sorted(AUDIO.glob("*.mp3"))
    files = files[: args.calls] if args.calls else files
    audios = [(f.name, ingest.decode(f), ingest.parse_filename(f, templates=("asterisk",))) for f in files]
    audio_s = sum(a.duration_s for _, a, _ in audios)
    home = Path(tempfile.mkdtemp(prefix="callqa-vocab-"))
    atexit.register(shutil.rmtree, home, True)  # a bench leaves no store behind
    print(f"{len(audios)} demo calls, {audio_s / 60:.1f} min, vocabulary: {', '.join(VOCABULARY)}")
    secs, out = run(audios, TranscribeOptions(), home)
    report("without vocabulary", secs, audio_s, out)
    secs, out = run(audios, TranscribeOptions(vocabulary=VOCABULARY), home)
    report("with vocabulary", secs, audio_s, out)


if __name__ == "__main__":
    main()
