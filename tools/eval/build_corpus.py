"""Build the evaluation corpus: ``data/eval/calls/*.yaml`` (hand-written calls, the source)
→ ``data/eval/transcripts/*.json`` (callqa transcript v1 with gold ``labels``).

Each YAML file holds a list of calls::

    - id: eval-dental-01            # unique, [a-z0-9-]
      industry: стоматология
      split: dev                    # dev | test (by industry; test is never tuned on)
      direction: in                 # in | out
      style: clean                  # clean | asr (phone ASR output: no punctuation, lower case…)
      call_type: sales              # sales | ivr | voicemail | robocall | wrong_number |
                                    # call_back_later | non_russian | too_short | no_speech
      quality: good                 # good | mediocre | poor (the manager's performance)
      source: written               # or a public corpus name; then `licence:` too
      turns:                        # M = manager (company side), C = client
        - M: Стоматология «Белый клык», Марина, здравствуйте.
        - C: Здравствуйте, я хотел записаться…
      criteria: {greeting: pass, client_name: fail, …}   # sales calls only; docs/labelling.md
      objections:                   # client turn index (0-based, in `turns`), kind, handling
        - {turn: 5, kind: price, handling: value}

Times are estimated from the words (≈ 2.6 words/s, 0.5 s pauses) — the corpus tests scoring,
not ASR. Run from the repository root: ``.venv/bin/python tools/eval/build_corpus.py``; it
checks every label against docs/labelling.md's vocabulary and refuses to write on errors;
``--check`` only checks.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data" / "eval" / "calls"
OUT = ROOT / "data" / "eval" / "transcripts"

CRITERIA = ("greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
            "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness")
KINDS = ("price", "competitor_cheaper", "think_later", "no_time", "have_supplier", "send_offer",
         "need_consult")
HANDLINGS = ("value", "question", "discount", "ignored", "other")
CALL_TYPES = ("sales", "ivr", "voicemail", "robocall", "wrong_number", "call_back_later",
              "non_russian", "too_short", "no_speech")
WORDS_PER_S = 2.6
PAUSE_S = 0.5


def check_call(call: dict) -> list[str]:
    """Problems of one call's source (empty when fine)."""
    cid = call.get("id", "?")
    errs = []
    need = ("id", "industry", "split", "direction", "style", "call_type", "turns")
    errs += [f"{cid}: missing {k}" for k in need if k not in call]
    if not re.fullmatch(r"[a-z0-9-]+", str(cid)):
        errs.append(f"{cid}: id must be [a-z0-9-]")
    if call.get("split") not in ("dev", "test"):
        errs.append(f"{cid}: split must be dev or test")
    if call.get("direction") not in ("in", "out"):
        errs.append(f"{cid}: direction must be in or out")
    if call.get("style") not in ("clean", "asr"):
        errs.append(f"{cid}: style must be clean or asr")
    if call.get("call_type") not in CALL_TYPES:
        errs.append(f"{cid}: call_type must be one of {CALL_TYPES}")
    turns = call.get("turns") or []
    for i, t in enumerate(turns):
        if not (isinstance(t, dict) and len(t) == 1 and next(iter(t)) in ("M", "C")):
            errs.append(f"{cid}: turn {i} must be {{M: text}} or {{C: text}}")
    crit = call.get("criteria") or {}
    if call.get("call_type") == "sales":
        missing = [c for c in CRITERIA if c not in crit]
        if missing:
            errs.append(f"{cid}: criteria missing {missing}")
    elif crit:
        errs.append(f"{cid}: a {call.get('call_type')} call gets no criteria labels")
    for k, v in crit.items():
        if k not in CRITERIA or v not in ("pass", "fail", "not_applicable"):
            errs.append(f"{cid}: bad criterion label {k}: {v}")
    objs = call.get("objections") or []
    for o in objs:
        t = o.get("turn")
        if not isinstance(t, int) or not 0 <= t < len(turns) or "C" not in turns[t]:
            errs.append(f"{cid}: objection turn {t} is not a client turn")
        if o.get("kind") not in KINDS or o.get("handling") not in HANDLINGS:
            errs.append(f"{cid}: bad objection {o}")
    if call.get("call_type") == "sales" and (crit.get("objection_handling") == "not_applicable") != (not objs):
        errs.append(f"{cid}: objection_handling is not_applicable exactly when there are no objections")
    if call.get("source", "written") != "written" and not call.get("licence"):
        errs.append(f"{cid}: a call from a public source needs its licence")
    return errs


def to_transcript(call: dict) -> dict:
    segments, t = [], 0.4
    for turn in call["turns"]:
        (who, text), = turn.items()
        dur = max(0.8, len(str(text).split()) / WORDS_PER_S)
        segments.append({"speaker": "manager" if who == "M" else "client", "start": round(t, 2),
                         "end": round(t + dur, 2), "text": str(text), "channel": 0 if who == "M" else 1})
        t += dur + PAUSE_S
    labels = {"split": call["split"], "industry": call["industry"], "style": call["style"],
              "call_type": call["call_type"], "quality": call.get("quality"),
              "source": call.get("source", "written"), "licence": call.get("licence"),
              "criteria": call.get("criteria") or {},
              "objections": [{"segment": o["turn"], "kind": o["kind"], "handling": o["handling"]}
                             for o in call.get("objections") or []]}
    return {"format": "callqa.transcript", "version": 1, "call_id": call["id"],
            "direction": call["direction"], "duration_s": round(t, 2), "channels": 2,
            # no "language": written text has no ASR guess, the call-type gate must read the text
            "asr_model": "written", "segments": segments, "labels": labels}


def main() -> int:
    calls, errs = [], []
    for path in sorted(SOURCE.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            errs.append(f"{path.name}: {exc}")
            continue
        for call in data:
            errs += [f"{path.name}: {e}" for e in check_call(call)]
            calls.append(call)
    ids = [c.get("id") for c in calls]
    errs += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    by_industry: dict[str, set] = {}
    for c in calls:
        if c.get("call_type") == "sales":
            by_industry.setdefault(c.get("industry"), set()).add(c.get("split"))
    errs += [f"industry {i!r} is in both splits" for i, s in by_industry.items() if len(s) > 1]
    if errs:
        print("\n".join(errs), file=sys.stderr)
        return 1
    if "--check" in sys.argv[1:]:
        print(f"{len(calls)} calls OK (checked only, nothing written)")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for c in calls:
        (OUT / f"{c['id']}.json").write_text(json.dumps(to_transcript(c), ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    sales = [c for c in calls if c["call_type"] == "sales"]
    print(f"{len(calls)} calls ({len(sales)} sales, {len(calls) - len(sales)} not applicable), "
          f"{len(by_industry)} industries, {sum(c['style'] == 'asr' for c in calls)} in ASR style "
          f"→ {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
