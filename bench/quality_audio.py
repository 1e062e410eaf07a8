"""Verdicts from audio against verdicts from text, on the same labelled evaluation calls.

    .venv/bin/python bench/quality_audio.py [--calls 24] [--split dev] [--max-call-s 240]

The labelled calls of data/eval/ are text. This bench renders clean ones into telephone-band
stereo audio (tools/eval/render_audio.py: festival, two voices, 8 kHz; odd calls manager LEFT,
even ones RIGHT; DEV split by default, so the test split stays unseen; rendered once into
``~/.cache/callqa-bench/eval-audio/<split>-verdicts/`` and reused), transcribes them with
callqa's default transcription (the channel layout configured per call, so a role mistake does
not hide the ASR's effect; ``bench/asr.py --unseen`` measures roles), scores both the written
text and the transcript with the same scorer and prints, side by side:

* criterion accuracy against the labels, per criterion and overall, text vs audio;
* objection recall and precision (all kinds and per kind), text vs audio. An objection found in
  the transcript counts when its kind is right and it starts inside the rendered time of the
  labelled client turn (±1 s); a label's turn has its time from the rendering;
* handling agreement on the objections found in both;
* call type: sales calls the audio version dropped as not applicable.

The gap between the two columns is what ASR costs the verdicts (issue: objection recall from
audio ≥ 0.80, the ASR-style subset within 0.03 of clean).
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "eval"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ingest  # noqa: E402
import scoring  # noqa: E402
from bench.demo_calls import load_demo_call  # noqa: E402
from bench.quality import _rate  # noqa: E402
from core.config import load_config  # noqa: E402
from transcribe import TranscribeOptions  # noqa: E402
from transcribe.engine import WhisperTranscriber, usable_cores  # noqa: E402
from transcribe.model import resolve_model  # noqa: E402

TRANSCRIPTS = ROOT / "data" / "eval" / "transcripts"
SLACK_S = 1.0  # an objection's start may fall this far outside its labelled turn's rendered time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=24)
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--max-call-s", type=float, default=240.0, help="longest written call to render")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the verdicts the audio got wrong and the text right")
    ap.add_argument("--reuse-transcripts", action="store_true",
                    help="keep each call's transcript next to its audio and reuse it (to iterate on scoring "
                         "only; delete transcripts/ after changing the transcription)")
    args = ap.parse_args()
    from render_audio import DEFAULT_OUT, render

    folder, turns, meta = render(args.split, args.calls, out=DEFAULT_OUT / f"{args.split}-verdicts",
                                 max_s=args.max_call_s, log=print)
    home = tempfile.mkdtemp(prefix="callqa-quality-audio-")
    atexit.register(shutil.rmtree, home, True)
    scorer = scoring.Scorer(load_config(overrides={"paths.home": home}))
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    model = WhisperModel(resolve_model("base", Path(home)), device="cpu", compute_type="int8",
                         cpu_threads=usable_cores())
    batched = BatchedInferencePipeline(model)  # one load for every call
    text_t, audio_t = Tally(), Tally()
    dropped = 0
    audio_s = 0.0
    for name, m in meta.items():
        call = load_demo_call(TRANSCRIPTS / f"{m['call_id']}.json")
        if call.labels.get("call_type", "sales") != "sales" or not call.labels.get("criteria"):
            continue
        audio = ingest.decode(folder / name)
        audio_s += audio.duration_s
        layout = "manager_left" if m["manager_channel"] == 0 else "manager_right"
        kept = folder / "transcripts" / f"{m['call_id']}-{m['source'][:12]}.json"
        if args.reuse_transcripts and kept.exists():
            transcript = _load_transcript(kept)
        else:
            transcript = WhisperTranscriber(TranscribeOptions(stereo_layout=layout), home=Path(home), model=model,
                                            batched=batched).transcribe(audio)
            if args.reuse_transcripts:
                _save_transcript(kept, transcript)
        written = scorer.score(scoring.prepare_transcript(call.transcript), call.meta, call.duration_s,
                               call.channels, team=call.team)
        heard = scorer.score(scoring.prepare_transcript(transcript), call.meta, audio.duration_s, 2, team=call.team)
        dropped += not heard.applicable
        times = {i: (t[1], t[2]) for i, t in enumerate(turns[name])}
        text_t.add(call.labels, written, {i: (s.start_s, s.end_s) for i, s in enumerate(call.transcript.segments)})
        audio_t.add(call.labels, heard, times)
        print(f"  {m['call_id']:<40} criteria text {text_t.last:.2f} audio {audio_t.last:.2f}", flush=True)
        if args.verbose:
            for kind, start, end in audio_t.missed:
                said = " / ".join(s.text for s in transcript.segments
                                  if s.speaker == "client" and s.end_s > start - SLACK_S and s.start_s < end + SLACK_S)
                print(f"    missed {kind}: «{said[:200]}»")
            audio_t.missed.clear()
            lost = {r.criterion_id: r for r in heard.criteria}
            for crit, gold in call.labels["criteria"].items():
                if text_t.verdicts.get(crit) == gold != lost[crit].verdict:
                    print(f"    {crit}: {gold} → {lost[crit].verdict} — {lost[crit].reason}")
    n = len(text_t.calls)
    print(f"\n{n} labelled sales calls, {audio_s / 60:.1f} min of audio ({args.split} split, clean style)")
    print(f"\n{'criterion accuracy':<26}{'text':>22}{'audio':>22}")
    for crit in sorted(text_t.crit_n):
        print(f"{crit:<26}{_rate(text_t.crit_ok[crit], text_t.crit_n[crit]):>22}"
              f"{_rate(audio_t.crit_ok[crit], audio_t.crit_n[crit]):>22}")
    print(f"{'ALL':<26}{_rate(sum(text_t.crit_ok.values()), sum(text_t.crit_n.values())):>22}"
          f"{_rate(sum(audio_t.crit_ok.values()), sum(audio_t.crit_n.values())):>22}")
    print(f"\n{'objections':<26}{'text':>22}{'audio':>22}")
    print(f"{'recall':<26}{_rate(text_t.hits, text_t.gold):>22}{_rate(audio_t.hits, audio_t.gold):>22}")
    print(f"{'precision':<26}{_rate(text_t.hits, text_t.found):>22}{_rate(audio_t.hits, audio_t.found):>22}")
    for kind in sorted(text_t.gold_kind):
        print(f"  recall {kind:<17}{_rate(text_t.hit_kind[kind], text_t.gold_kind[kind]):>22}"
              f"{_rate(audio_t.hit_kind[kind], audio_t.gold_kind[kind]):>22}")
    print(f"{'handling right (found)':<26}{_rate(text_t.handling_ok, text_t.hits):>22}"
          f"{_rate(audio_t.handling_ok, audio_t.hits):>22}")
    print(f"\nsales calls the audio version scored not applicable: {dropped} of {n}")


def _save_transcript(path: Path, transcript) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = dataclasses.asdict(transcript)
    for row in doc["segments"]:
        row["lemmas"] = []  # scoring lemmatises again
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _load_transcript(path: Path):
    from core.types import Segment, Transcript

    doc = json.loads(path.read_text(encoding="utf-8"))
    segments = tuple(Segment(**{**row, "lemmas": ()}) for row in doc.pop("segments"))
    return Transcript(segments, **{k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
                                   if isinstance(v, list) else v for k, v in doc.items()})


class Tally:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.crit_ok: Counter = Counter()
        self.crit_n: Counter = Counter()
        self.gold = self.found = self.hits = self.handling_ok = 0
        self.gold_kind: Counter = Counter()
        self.hit_kind: Counter = Counter()
        self.last = 0.0
        self.verdicts: dict[str, str] = {}
        self.missed: list[tuple[str, float, float]] = []

    def add(self, labels: dict, score, turn_times: dict[int, tuple[float, float]]) -> None:
        self.calls.append(labels.get("industry", ""))
        verdicts = self.verdicts = {r.criterion_id: r.verdict for r in score.criteria}
        ok = n = 0
        for crit, gold in labels["criteria"].items():
            n += 1
            ok += verdicts.get(crit) == gold
            self.crit_n[crit] += 1
            self.crit_ok[crit] += verdicts.get(crit) == gold
        self.last = ok / max(n, 1)
        found = list(score.objections)
        self.found += len(found)
        used: set[int] = set()
        for o in labels.get("objections") or []:
            self.gold += 1
            self.gold_kind[o["kind"]] += 1
            start, end = turn_times.get(o["segment"], (-1.0, -1.0))
            match = next((k for k, f in enumerate(found) if k not in used and f.kind == o["kind"]
                          and start - SLACK_S <= f.start_s <= end + SLACK_S), None)
            if match is None:
                self.missed.append((o["kind"], start, end))
            else:
                used.add(match)
                self.hits += 1
                self.hit_kind[o["kind"]] += 1
                self.handling_ok += found[match].handling == o.get("handling")


if __name__ == "__main__":
    main()
