"""Train the criterion correction models shipped with callqa for the default rubric:
``scoring/resources/criteria-bootstrap.json``.

They are learned from the evaluation corpus's **dev** split only (data/eval; the test split is
never used) plus the demo transcripts' train split, exactly as `callqa train` learns from a
company's РОП: every labelled verdict is an example. A company's own `callqa train` replaces
them. Run from the repository root after changing the rules or the corpus:
``HF_HUB_OFFLINE=1 .venv/bin/python tools/eval/train_bootstrap.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import scoring  # noqa: E402
from bench.demo_calls import load_demo_calls  # noqa: E402
from core.config import load_config  # noqa: E402
from scoring import corrections  # noqa: E402
from scoring.scorer import call_context  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="callqa-bootstrap-") as home:
        train(scoring.Scorer(load_config(overrides={"paths.home": home,
                                                     "scoring.bootstrap_models": False})))


def train(scorer: scoring.Scorer) -> None:
    calls = [c for c in load_demo_calls(ROOT / "data" / "eval" / "transcripts")
             if c.labels.get("split") == "dev" and c.labels.get("call_type", "sales") == "sales"]
    calls += [c for c in load_demo_calls() if c.labels.get("split", "train") == "train"]
    examples = []
    for c in calls:
        rubric = scorer.rubric_for(c.meta, c.team)
        ctx, _ = call_context(scoring.prepare_transcript(c.transcript), c.meta, c.duration_s,
                              c.channels, rubric, scorer.catalogue, scorer.model)
        if ctx is not None:
            examples += corrections.call_examples(rubric, ctx, c.labels.get("criteria") or {})
    models, reports = corrections.train_models(examples, version="bootstrap-eval-dev")
    models = corrections.CorrectionModels(models.version, models.models, scorer.default.rubric_id)
    out = ROOT / "scoring" / "resources" / "criteria-bootstrap.json"
    out.write_text(json.dumps(models.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    for r in reports:
        print(r)
    print(f"{len(examples)} examples from {len(calls)} calls → {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
