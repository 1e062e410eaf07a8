"""Write ``transcribe/resources/role_seed.json``: the role-labelled turns of the demo
transcripts' train split, the seed the mono-call role classifier is trained on.

Run from the repository root after regenerating the demo transcripts:
``.venv/bin/python tools/demo/make_role_seed.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "data" / "demo" / "transcripts"
OUT = ROOT / "transcribe" / "resources" / "role_seed.json"


def main() -> None:
    turns = []
    for path in sorted(TRANSCRIPTS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if (data.get("labels") or {}).get("split", "train") != "train":
            continue
        turns += [[s["speaker"], s["text"]] for s in data["segments"]
                  if s["speaker"] in ("manager", "client") and s["text"].strip()]
    about = ("Role-labelled turns (manager/client) from the demo transcripts' train split; seed of "
             "the mono-call role classifier. Regenerate: tools/demo/make_role_seed.py")
    OUT.write_text(json.dumps({"about": about, "turns": turns}, ensure_ascii=False, indent=0),
                   encoding="utf-8")
    print(f"{len(turns)} turns → {OUT}")


if __name__ == "__main__":
    main()
