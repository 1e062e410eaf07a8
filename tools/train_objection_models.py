"""Fit the objection models shipped with callqa and write
``scoring/resources/objection-models.json``: the handling classifier (the default catalogue's
example answers + ``scoring/resources/training/handling_answers*.yaml``) and the objection-turn
classifier (``objection_turns_*.yaml``, ``client_turns_none*.yaml`` + the catalogue's kind
examples). Of ``data/`` only what ``tools/eval/export_training_turns.py`` exported into
``training/`` is used: the evaluation corpus's dev split and the demo's train split, never a
test split.

Run from the repository root after changing the training files, the default catalogue's
examples or ``scoring/linear.py``'s features (a test fails until you do):
``HF_HUB_OFFLINE=1 .venv/bin/python tools/train_objection_models.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.objections import SHIPPED_MODELS, load_catalogue, shipped_models_json  # noqa: E402


def main() -> None:
    data = shipped_models_json(load_catalogue())
    out = Path(str(SHIPPED_MODELS))
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{out} ({out.stat().st_size // 1024} KB): handling {len(data['handling']['terms'])} terms, "
          f"turns {len(data['turns']['terms']) if data['turns'] else 0} terms")


if __name__ == "__main__":
    main()
