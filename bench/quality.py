"""Scoring quality against hand labels, with 95 % Wilson intervals.

Sets (each printed side by side when present):
  demo       the demo transcripts' held-out split (labels.split == "test"; generated from the
             same phrase banks as the rules, so an optimistic figure),
  eval-dev   the evaluation corpus (data/eval/, written by others, docs/labelling.md) dev split,
  eval-test  its test split: industries the rules never saw; nothing is tuned on it.

Per set: criterion verdict accuracy (an abstention, «недостаточно данных», counts as not right;
its share is printed), per criterion; ASR-style vs clean text; objection detection recall and
precision per kind (a detection matches a gold objection of the same kind within ±2 segments);
handling macro-F1 over matched objections; fatal false positives (a good call zeroed); call type
(non-sales calls must be not applicable, sales calls must stay applicable).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/quality.py [--sets demo,eval-dev,eval-test] [-v]
    HF_HUB_OFFLINE=1 .venv/bin/python bench/quality.py --learning-curve

--asr-twins: every clean sales call of the sets once more as phone ASR writes it (lower case, no
punctuation, no «?»): the share of criterion verdicts and objection lists that change, and the
twins' accuracy next to the originals' — the part of the clean–ASR gap that is the text form alone.

--learning-curve: for each industry of the eval dev split, hold it out, simulate 0, 20, 50 РОП
corrections from the other dev industries (calls drawn at random; on a drawn call every labelled
verdict the rules got wrong is an override, the others are confirmed), train the criterion
correction models (scoring/corrections.py) and score the held-out industry; prints the mean
curve, then eval-test once with models trained on every dev label (nothing tuned on it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scoring  # noqa: E402
from bench.demo_calls import DemoCall, load_demo_calls  # noqa: E402
from core.config import load_config  # noqa: E402
from core.stats import wilson  # noqa: E402
from core.types import HANDLINGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "data" / "eval" / "transcripts"
SEGMENT_TOLERANCE = 2


def load_sets(names: list[str]) -> dict[str, list[DemoCall]]:
    """Named sets; a name that is a folder of labelled transcripts is that folder's calls."""
    sets: dict[str, list[DemoCall]] = {}
    for name in names:
        if Path(name).is_dir():
            sets[Path(name).name] = load_demo_calls(Path(name))
    if "demo" in names:
        sets["demo"] = [c for c in load_demo_calls() if c.labels.get("split") == "test"]
    evals = load_demo_calls(EVAL_DIR) if EVAL_DIR.exists() else []
    for split in ("dev", "test"):
        if f"eval-{split}" in names:
            sets[f"eval-{split}"] = [c for c in evals if c.labels.get("split") == split]
    return {k: v for k, v in sets.items() if v}


class Tally:
    """Counts of one set."""

    def __init__(self) -> None:
        self.crit: dict[str, Counter] = defaultdict(Counter)  # criterion -> ok/bad/abstain
        self.style: dict[str, Counter] = defaultdict(Counter)
        self.kind: dict[str, Counter] = defaultdict(Counter)  # kind -> tp/fn/fp
        self.gold_h: list[str] = []
        self.pred_h: list[str] = []
        self.fatal_fp = 0
        self.call_type = Counter()
        self.errors: list[str] = []

    def add(self, c: DemoCall, s) -> None:
        labels = c.labels
        if "call_type" in labels:
            sales = labels["call_type"] == "sales"
        else:  # demo transcripts: a voicemail call has every criterion not applicable
            sales = any(v != "not_applicable" for v in (labels.get("criteria") or {}).values())
        if not sales:
            self.call_type["non-sales right" if not s.applicable else "non-sales scored"] += 1
            if s.applicable:
                self.errors.append(f"{c.call_id}: {labels.get('call_type')} call was scored")
            return
        if not s.applicable:
            self.call_type["sales dropped"] += 1
            self.errors.append(f"{c.call_id}: sales call judged not applicable")
        else:
            self.call_type["sales scored"] += 1
        got = {r.criterion_id: r for r in s.criteria}
        style = labels.get("style", "clean")
        for crit, gold in (labels.get("criteria") or {}).items():
            r = got.get(crit)
            verdict = r.verdict if r else "missing"
            outcome = "ok" if verdict == gold else ("abstain" if verdict == "insufficient" else "bad")
            self.crit[crit][outcome] += 1
            self.style[style][outcome] += 1
            if outcome == "bad":
                self.errors.append(f"{c.call_id} [{style}] {crit}: gold {gold}, got {verdict}"
                                   + (f" — {r.reason}" if r else ""))
            if r is not None and r.fatal and gold == "pass" and verdict == "fail":
                self.fatal_fp += 1
        self._objections(c, s)

    def _objections(self, c: DemoCall, s) -> None:
        gold = [(g["segment"], g["kind"], g["handling"]) for g in c.labels.get("objections", [])]
        found = [(o.segment_idx, o.kind, o.handling) for o in s.objections] if s.applicable else []
        unmatched = list(found)
        for seg, kind, handling in gold:
            match = min((f for f in unmatched if f[1] == kind and abs(f[0] - seg) <= SEGMENT_TOLERANCE),
                        key=lambda f: abs(f[0] - seg), default=None)
            if match is None:
                self.kind[kind]["fn"] += 1
                self.errors.append(f"{c.call_id}: missed {kind} at segment {seg}")
                continue
            unmatched.remove(match)
            self.kind[kind]["tp"] += 1
            self.gold_h.append(handling)
            self.pred_h.append(match[2])
            if match[2] != handling:
                self.errors.append(f"{c.call_id}: {kind} at {seg} handled {handling}, got {match[2]}")
        for seg, kind, _ in unmatched:
            self.kind[kind]["fp"] += 1
            self.errors.append(f"{c.call_id}: false {kind} at segment {seg}")


def _rate(k: int, n: int) -> str:
    if not n:
        return "      —           "
    lo, hi = wilson(k, n)
    return f"{k / n:5.3f} [{lo:.2f}–{hi:.2f}]"


def report(tallies: dict[str, Tally], sizes: dict[str, int]) -> None:
    names = list(tallies)
    head = "".join(f"{n + f' ({sizes[n]})':>22}" for n in names)
    print(f"{'criterion accuracy':<26}{head}")
    crits = sorted({k for t in tallies.values() for k in t.crit})
    for crit in [*crits, "ALL"]:
        cells = []
        for t in tallies.values():
            cnt = sum(t.crit.values(), Counter()) if crit == "ALL" else t.crit.get(crit, Counter())
            n = sum(cnt.values())
            cells.append(f"{_rate(cnt['ok'], n):>22}")
        print(f"{crit:<26}{''.join(cells)}")
    print(f"{'  abstained (share)':<26}" + "".join(
        f"{_rate(sum(c['abstain'] for c in t.crit.values()), sum(sum(c.values()) for c in t.crit.values())):>22}"
        for t in tallies.values()))
    print(f"{'  answered (pass/fail) acc':<26}" + "".join(
        f"{_rate(sum(c['ok'] for c in t.crit.values()), sum(c['ok'] + c['bad'] for c in t.crit.values())):>22}"
        for t in tallies.values()))
    for style in ("clean", "asr"):
        print(f"{'  style ' + style:<26}" + "".join(
            f"{_rate(t.style[style]['ok'], sum(t.style[style].values())):>22}" for t in tallies.values()))
    print(f"\n{'objection recall':<26}{head}")
    kinds = sorted({k for t in tallies.values() for k in t.kind})
    for kind in [*kinds, "ALL"]:
        cells = []
        for t in tallies.values():
            cnt = sum(t.kind.values(), Counter()) if kind == "ALL" else t.kind.get(kind, Counter())
            cells.append(f"{_rate(cnt['tp'], cnt['tp'] + cnt['fn']):>22}")
        print(f"{kind:<26}{''.join(cells)}")
    print(f"\n{'objection precision':<26}{head}")
    for kind in [*kinds, "ALL"]:
        cells = []
        for t in tallies.values():
            cnt = sum(t.kind.values(), Counter()) if kind == "ALL" else t.kind.get(kind, Counter())
            cells.append(f"{_rate(cnt['tp'], cnt['tp'] + cnt['fp']):>22}")
        print(f"{kind:<26}{''.join(cells)}")
    print(f"\n{'handling':<26}{head}")
    print(f"{'macro-F1':<26}" + "".join(f"{_macro_f1(t):>22}" for t in tallies.values()))
    for h in HANDLINGS:
        print(f"{'  F1 ' + h:<26}" + "".join(f"{_f1(t, h):>22}" for t in tallies.values()))
    print(f"\n{'fatal false positives':<26}" + "".join(f"{t.fatal_fp:>22}" for t in tallies.values()))
    for key in ("sales scored", "sales dropped", "non-sales right", "non-sales scored"):
        print(f"{'call type: ' + key:<26}" + "".join(f"{t.call_type[key]:>22}" for t in tallies.values()))


def _macro_f1(t: Tally) -> str:
    if not t.gold_h:
        return "—"
    from sklearn.metrics import f1_score

    labels = [h for h in HANDLINGS if h in t.gold_h or h in t.pred_h]
    return f"{f1_score(t.gold_h, t.pred_h, labels=labels, average='macro', zero_division=0):.3f} (n={len(t.gold_h)})"


def _f1(t: Tally, h: str) -> str:
    if h not in t.gold_h and h not in t.pred_h:
        return "—"
    from sklearn.metrics import f1_score

    n = t.gold_h.count(h)
    return f"{f1_score(t.gold_h, t.pred_h, labels=[h], average='macro', zero_division=0):.2f} (n={n})"


CURVE_POINTS = (0, 20, 50)
CURVE_SEEDS = (0, 1, 2)


def _labelled_verdicts(scorer, c: DemoCall, corrections_models) -> tuple[int, int, int]:
    """(right, abstained, labelled) pass/fail/na verdicts of a sales call."""
    from scoring.scorer import score_call

    t = scoring.prepare_transcript(c.transcript)
    meta = c.meta
    rubric = scorer.rubric_for(meta, c.team)
    s = score_call(t, meta, c.duration_s, c.channels, rubric, scorer.catalogue, scorer.model,
                   corrections_models, scorer.min_confidence)
    got = {r.criterion_id: r.verdict for r in s.criteria}
    gold = c.labels.get("criteria") or {}
    right = sum(got.get(k) == v for k, v in gold.items())
    abstained = sum(got.get(k) == "insufficient" and v != "insufficient" for k, v in gold.items())
    return right, abstained, len(gold)


def _call_examples(scorer, c: DemoCall):
    from scoring import corrections
    from scoring.scorer import call_context

    rubric = scorer.rubric_for(c.meta, c.team)
    ctx, _ = call_context(scoring.prepare_transcript(c.transcript), c.meta, c.duration_s, c.channels,
                          rubric, scorer.catalogue, scorer.model)
    return [] if ctx is None else corrections.call_examples(rubric, ctx, c.labels.get("criteria") or {})


def learning_curve(scorer) -> None:
    import random

    from scoring import corrections

    evals = load_demo_calls(EVAL_DIR)
    dev = [c for c in evals if c.labels.get("split") == "dev" and c.labels.get("call_type", "sales") == "sales"]
    examples = {c.call_id: _call_examples(scorer, c) for c in dev}
    industries = sorted({c.labels.get("industry") for c in dev})
    curve: dict[int, list[tuple[int, int, int]]] = {n: [] for n in CURVE_POINTS}
    for industry in industries:
        held = [c for c in dev if c.labels.get("industry") == industry]
        pool = [c for c in dev if c.labels.get("industry") != industry]
        for n in CURVE_POINTS:
            for seed in CURVE_SEEDS if n else (0,):
                models = None
                if n:
                    order = random.Random(seed).sample(pool, len(pool))
                    drawn, overrides = [], 0
                    for c in order:
                        if overrides >= n:
                            break
                        drawn += examples[c.call_id]
                        overrides += sum(e.rule_verdict != e.label for e in examples[c.call_id])
                    models, _ = corrections.train_models(drawn, version="curve", validate=False)
                tot = [_labelled_verdicts(scorer, c, models) for c in held]
                curve[n].append(tuple(map(sum, zip(*tot, strict=True))))
    print(f"\nlearning curve (eval dev, {len(industries)} industries held out in turn, "
          f"{len(CURVE_SEEDS)} draws per point)")
    print(f"{'РОП corrections':<18}{'accuracy (mean of industries)':>32}{'pooled':>22}{'abstained':>12}")
    for n in CURVE_POINTS:
        rows = curve[n]
        mean = sum(r / t for r, _, t in rows if t) / len([1 for *_, t in rows if t])
        right, abst, total = map(sum, zip(*rows, strict=True))
        print(f"{n:<18}{mean:>32.3f}{_rate(right, total):>22}{abst / total:>12.3f}")
    all_dev = [e for c in dev for e in examples[c.call_id]]
    models, reports = corrections.train_models(all_dev, version="dev", validate=False)
    test = [c for c in evals if c.labels.get("split") == "test" and c.labels.get("call_type", "sales") == "sales"]
    for name, m in (("rules alone", None), (f"+ models from all dev ({len(all_dev)} verdicts)", models)):
        right, abst, total = map(sum, zip(*[_labelled_verdicts(scorer, c, m) for c in test], strict=True))
        print(f"eval-test sales calls, {name:<40} {_rate(right, total)}  abstained {abst / total:.3f}")


def asr_text(text: str) -> str:
    """Text as Whisper writes phone speech at its plainest: lower case, ё → е, no punctuation."""
    import re

    text = re.sub(r"[^\w\s-]|(?<!\w)-|-(?!\w)", " ", text.lower().replace("ё", "е"))
    return re.sub(r"\s+", " ", text).strip()


def asr_twins(scorer, sets: dict[str, list[DemoCall]]) -> None:
    """Clean calls scored as written and as their ASR-style twins (see the module docstring)."""
    import dataclasses

    print(f"\n{'ASR-style twins of clean calls':<34}{'calls':>6}{'verdicts changed':>18}"
          f"{'objections changed':>20}{'acc clean':>11}{'acc twin':>10}")
    for name, calls in sets.items():
        clean = [c for c in calls if c.labels.get("style", "clean") == "clean"
                 and c.labels.get("call_type", "sales") == "sales" and c.labels.get("criteria")]
        changed = verdicts = obj_changed = ok = ok_twin = labelled = 0
        for c in clean:
            twin = dataclasses.replace(c.transcript, segments=tuple(
                dataclasses.replace(seg, text=asr_text(seg.text), lemmas=()) for seg in c.transcript.segments))
            a, b = (scorer.score(scoring.prepare_transcript(t), c.meta, c.duration_s, c.channels, team=c.team)
                    for t in (c.transcript, twin))
            va = {r.criterion_id: r.verdict for r in a.criteria}
            vb = {r.criterion_id: r.verdict for r in b.criteria}
            verdicts += len(va)
            changed += sum(va[k] != vb.get(k) for k in va)
            obj_changed += sorted((o.segment_idx, o.kind) for o in a.objections) != sorted(
                (o.segment_idx, o.kind) for o in b.objections)
            for crit, gold in c.labels["criteria"].items():
                labelled += 1
                ok += va.get(crit) == gold
                ok_twin += vb.get(crit) == gold
        if clean:
            print(f"{name:<34}{len(clean):>6}{changed / verdicts:>18.3f}{obj_changed / len(clean):>20.3f}"
                  f"{ok / labelled:>11.3f}{ok_twin / labelled:>10.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="demo,eval-dev,eval-test",
                    help="comma-separated: demo, eval-dev, eval-test or a folder of labelled transcripts")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every wrong verdict (never for eval-test unless named alone)")
    ap.add_argument("--asr-twins", action="store_true", help="score each clean call again as ASR-style text")
    ap.add_argument("--learning-curve", action="store_true", help="accuracy on a held-out dev industry after 0/20/50 simulated РОП corrections")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="callqa-quality-") as home:
        run(args, home)


def run(args, home: str) -> None:
    if args.learning_curve:
        learning_curve(scoring.Scorer(load_config(overrides={"paths.home": home})))
        return
    sets = load_sets(args.sets.split(","))
    if not sets:
        sys.exit("no labelled calls found (demo test split, data/eval/transcripts)")
    scorer = scoring.Scorer(load_config(overrides={"paths.home": home}))  # bootstrap handling model: catalogue examples only
    tallies: dict[str, Tally] = {}
    for name, calls in sets.items():
        t = tallies[name] = Tally()
        for c in calls:
            t.add(c, scorer.score(scoring.prepare_transcript(c.transcript), c.meta, c.duration_s,
                                  c.channels, team=c.team))
    report(tallies, {k: len(v) for k, v in sets.items()})
    if args.asr_twins:
        asr_twins(scorer, sets)
    if scorer.corrections is not None and scorer.corrections.version.startswith("bootstrap"):
        print("\nnote: the shipped bootstrap correction models and the objection-turn and handling"
              " classifiers were trained on eval-dev (and the demo train split): eval-dev is in-sample"
              " here; eval-test and demo are not."
              " CALLQA_SCORING_BOOTSTRAP_MODELS=false scores by the rules alone.")
    if args.verbose:
        for name, t in tallies.items():
            if name == "eval-test" and len(tallies) > 1:
                continue  # looking at test errors is how a test split stops being one
            print(f"\n# {name}: {len(t.errors)} errors")
            print("\n".join(t.errors))


if __name__ == "__main__":
    main()
