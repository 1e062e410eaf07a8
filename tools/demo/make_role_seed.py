"""Write ``transcribe/resources/role_seed.json``: the role-labelled turns of the demo
transcripts' train split and of the evaluation corpus's **dev** split sales calls (never a test
split), the seed the role classifier is trained on (mono calls, and the text evidence of the
stereo channel decision).

Run from the repository root after regenerating the demo transcripts or changing the corpus:
``.venv/bin/python tools/demo/make_role_seed.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "data" / "demo" / "transcripts"
EVAL = ROOT / "data" / "eval" / "transcripts"
OUT = ROOT / "transcribe" / "resources" / "role_seed.json"


def seed_turns() -> list[list[str]]:
    """[speaker, text] of every manager/client turn of the demo train split and of the eval
    corpus's dev-split sales calls (250+ industries, half in ASR style), in file order."""
    turns = []
    for folder, split in ((TRANSCRIPTS, "train"), (EVAL, "dev")):
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            labels = data.get("labels") or {}
            if labels.get("split", "train") != split or labels.get("call_type", "sales") != "sales":
                continue
            turns += [[s["speaker"], s["text"]] for s in data["segments"]
                      if s["speaker"] in ("manager", "client") and s["text"].strip()]
    return turns


def main() -> None:
    turns = seed_turns()
    about = ("Role-labelled turns (manager/client) from the demo transcripts' train split and the "
             "evaluation corpus's dev split sales calls; seed of the role classifier. Regenerate: "
             "tools/demo/make_role_seed.py")
    OUT.write_text(json.dumps({"about": about, "turns": turns}, ensure_ascii=False, indent=0),
                   encoding="utf-8")
    print(f"{len(turns)} turns → {OUT}")


if __name__ == "__main__":
    main()
