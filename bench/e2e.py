"""End-to-end check on the demo audio: decode → Whisper → score, compared with the verdicts the
call scripts were written to produce (data/demo/scripts/dialogues.yaml). Prints per-criterion
accuracy, the mismatches, and the batch RTF.

    .venv/bin/python bench/e2e.py [--home DIR]   # reuses DIR's transcripts if already processed
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import yaml  # noqa: E402

from core.config import load_config  # noqa: E402
from pipeline.run import RunOptions, run  # noqa: E402
from scoring import Scorer  # noqa: E402
from store import db  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, default=None)
    args = ap.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="callqa-e2e-"))
    cfg = load_config(ROOT / "data" / "demo" / "callqa.toml", overrides={"paths.home": str(home), "paths.db": ""})
    t0 = time.perf_counter()
    summary = run(cfg, RunOptions(folder=ROOT / "data" / "demo" / "audio"))
    if summary.done:
        print(f"processed {summary.done} calls, {summary.audio_s / 60:.1f} min audio in {time.perf_counter() - t0:.0f} s, RTF {summary.rtf:.3f}")
    scorer = Scorer(cfg)
    _, version, _ = scorer.rubric_versions()[0]
    got = {
        (name, crit): verdict
        for name, crit, verdict in db.query_rows(
            cfg.db_path,
            "SELECT split_part(c.path, '/', -1), r.criterion_id, r.verdict FROM calls c "
            "JOIN criterion_results r USING (call_id) WHERE r.rubric_version = ?", [version])
    }
    dialogues = yaml.safe_load((ROOT / "data" / "demo" / "scripts" / "dialogues.yaml").read_text(encoding="utf-8"))
    per, ok = Counter(), Counter()
    misses = []
    for d in dialogues:
        for crit, expected in d["labels"].items():
            per[crit] += 1
            actual = got.get((d["file"], crit))
            ok[crit] += actual == expected
            if actual != expected:
                misses.append(f"  {d['id']:<32} {crit:<20} expected {expected:<15} got {actual}")
    print(f"\n{'criterion':<22}{'accuracy':>9}")
    for crit in per:
        print(f"{crit:<22}{ok[crit] / per[crit]:>9.2f}")
    total = sum(ok.values()) / sum(per.values())
    print(f"{'ALL (audio → verdict)':<22}{total:>9.3f}  ({sum(ok.values())}/{sum(per.values())})")
    print("mismatches:\n" + "\n".join(misses))


if __name__ == "__main__":
    main()
