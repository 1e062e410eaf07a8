"""Scoring quality on the held-out demo transcripts (labels.split == "test", never tuned on):
criterion verdict accuracy, objection detection, objection-handling F1.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/quality.py
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scoring  # noqa: E402
from bench.demo_calls import load_demo_calls  # noqa: E402
from core.config import load_config  # noqa: E402
from core.types import HANDLINGS  # noqa: E402


def main() -> None:
    calls = [c for c in load_demo_calls() if c.labels.get("split") == "test"]
    if not calls:
        sys.exit("no held-out demo transcripts (labels.split == 'test')")
    cfg = load_config(overrides={"paths.home": tempfile.mkdtemp(prefix="callqa-quality-")})
    scorer = scoring.Scorer(cfg)  # bootstrap handling model: catalogue examples only
    per_crit: dict[str, Counter] = {}
    gold_h, pred_h = [], []
    det = Counter()
    for c in calls:
        s = scorer.score(scoring.prepare_transcript(c.transcript), c.meta, c.duration_s, c.channels, team=c.team)
        got = {r.criterion_id: r.verdict for r in s.criteria}
        for crit, gold in (c.labels.get("criteria") or {}).items():
            per_crit.setdefault(crit, Counter())["ok" if got.get(crit) == gold else "bad"] += 1
        found = {(o.segment_idx, o.kind): o.handling for o in s.objections}
        gold_objs = {(g["segment"], g["kind"]): g["handling"] for g in c.labels.get("objections", [])}
        det["tp"] += len(found.keys() & gold_objs.keys())
        det["fp"] += len(found.keys() - gold_objs.keys())
        det["fn"] += len(gold_objs.keys() - found.keys())
        for key in found.keys() & gold_objs.keys():
            gold_h.append(gold_objs[key])
            pred_h.append(found[key])
    print(f"held-out calls: {len(calls)}")
    print(f"{'criterion':<20} {'n':>5} {'accuracy':>9}")
    total = Counter()
    for crit, cnt in per_crit.items():
        n = cnt["ok"] + cnt["bad"]
        total.update(cnt)
        print(f"{crit:<20} {n:>5} {cnt['ok'] / n:>9.3f}")
    n = total["ok"] + total["bad"]
    print(f"{'ALL':<20} {n:>5} {total['ok'] / n:>9.3f}")
    p = det["tp"] / max(1, det["tp"] + det["fp"])
    r = det["tp"] / max(1, det["tp"] + det["fn"])
    print(f"objection detection (segment+kind): precision {p:.3f} recall {r:.3f} "
          f"(tp {det['tp']}, fp {det['fp']}, fn {det['fn']})")
    _handling_report(gold_h, pred_h)


def _handling_report(gold: list[str], pred: list[str]) -> None:
    if not gold:
        print("no matched objections to evaluate handling")
        return
    from sklearn.metrics import f1_score

    labels = [h for h in HANDLINGS if h in gold or h in pred]
    print(f"handling on {len(gold)} matched objections: accuracy "
          f"{sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold):.3f} · macro F1 "
          f"{f1_score(gold, pred, labels=labels, average='macro', zero_division=0):.3f}")
    per = f1_score(gold, pred, labels=labels, average=None, zero_division=0)
    print("  per class F1: " + ", ".join(f"{lab} {f:.2f}" for lab, f in zip(labels, per, strict=True)))


if __name__ == "__main__":
    main()
