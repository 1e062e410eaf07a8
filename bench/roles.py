"""Stereo role accuracy: the ``asr.manager_channel = auto`` decision (transcribe.roles.
decide_manager_channel) on role-labelled transcripts placed in synthetic stereo layouts.

Every transcript (demo + evaluation corpus) is laid out as a PBX would record it — manager on
the left, on the right, or the leg that started the call on the left (Asterisk MixMonitor) —
for its own direction, and the decision runs with the layout configured right and with
``stereo_layout = auto`` (with and without an Asterisk file name). Right = the company's side
is labelled «Менеджер» (for IVR/voicemail calls: the channel the company's recording is on).

    .venv/bin/python bench/roles.py [--split test]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transcribe.roles import decide_manager_channel, role_classifier  # noqa: E402

FOLDERS = {"demo": ROOT / "data/demo/transcripts", "eval": ROOT / "data/eval/transcripts"}


def manager_on_left(true_layout: str, direction: str) -> bool:
    if true_layout == "manager_left":
        return True
    if true_layout == "manager_right":
        return False
    return direction == "out"  # caller_left: the manager started an outbound call


# (true layout, configured layout, file-name template)
SCENARIOS = [
    ("caller_left", "caller_left", None),
    ("caller_left", "auto", "asterisk"),
    ("caller_left", "auto", None),
    ("manager_left", "manager_left", None),
    ("manager_left", "auto", None),
    ("manager_right", "manager_right", None),
    ("manager_right", "auto", None),
]


def load(folder: Path, split: str | None):
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = data.get("labels") or {}
        if split and labels.get("split") not in (split, None):
            continue
        segs = [s for s in data["segments"] if s["speaker"] in ("manager", "client") and s["text"].strip()]
        if not segs or not {s["speaker"] for s in segs} >= {"manager"}:
            continue
        yield path.stem, data.get("direction") or labels.get("direction"), labels.get("call_type", "sales"), segs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default=None, help="dev / test / train: only that split")
    ap.add_argument("--show", action="store_true", help="print every miss")
    args = ap.parse_args()
    model = role_classifier(None)
    from functools import lru_cache

    from scoring.call_type import recorded_message_kind

    recorded = lru_cache(maxsize=None)(recorded_message_kind)  # the same turns in every scenario
    for corpus, folder in FOLDERS.items():
        calls = list(load(folder, args.split))
        stats = defaultdict(lambda: [0, 0, 0, 0])  # right, total, flagged, wrong-and-unflagged
        for name, direction, kind, segs in calls:
            for true_layout, layout, template in SCENARIOS:
                left = manager_on_left(true_layout, direction or "in")
                by_ch = [[s["text"] for s in segs if (s["speaker"] == "manager") == (left if ch == 0 else not left)]
                         for ch in (0, 1)]
                d = decide_manager_channel(by_ch, direction=direction, template=template, layout=layout, model=model,
                                           recorded_kind=recorded)
                ok = (d.manager_channel == 0) == left
                st = stats[(true_layout, layout, template)]
                st[0] += ok
                st[1] += 1
                st[2] += d.uncertain
                st[3] += (not ok) and not d.uncertain
                if args.show and (not ok or d.uncertain):
                    print(f"  {'MISS' if not ok else 'flag'} {corpus}/{name} [{kind}, {direction}] "
                          f"{true_layout} cfg {layout}/{template}: {d.reason}")
        print(f"\n{corpus}: {len(calls)} transcripts{' (' + args.split + ')' if args.split else ''}")
        print(f"{'true layout':<14} {'configured':<14} {'name':<9} {'right':>7} {'flagged':>8} {'wrong, unflagged':>17}")
        tot = [0, 0, 0, 0]
        for (true_layout, layout, template), st in stats.items():
            tot = [a + b for a, b in zip(tot, st, strict=True)]
            print(f"{true_layout:<14} {layout:<14} {template or '-':<9} {st[0] / st[1]:>7.3f} "
                  f"{st[2] / st[1]:>8.3f} {st[3] / st[1]:>17.3f}")
        print(f"{'all':<38} {tot[0] / tot[1]:>7.3f} {tot[2] / tot[1]:>8.3f} {tot[3] / tot[1]:>17.3f}")


if __name__ == "__main__":
    main()
