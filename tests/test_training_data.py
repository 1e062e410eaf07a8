"""The shipped training turns and answers stay independent of the evaluation corpus's test
split: no training utterance is a near-copy of a turn of a test call, and the turns taken from
whole calls (``objection_turns_calls.yaml``) come from the dev split only, so bench/quality.py's
test split measures generalisation, not recall of what the models were shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.objection_model import shipped_turns
from scoring.objections import shipped_pairs
from scoring.text import lemmatize

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval" / "transcripts"
NEAR = 0.7  # Jaccard similarity of the content-word sets


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in lemmatize(text) if len(w) > 2 and not w.startswith("<"))


def near_copies(training: list[str], corpus: list[str]) -> list[tuple[str, str]]:
    index: dict[str, list[frozenset[str]]] = {}
    texts: dict[frozenset[str], str] = {}
    for t in corpus:
        ws = _words(t)
        if len(ws) >= 3:
            texts.setdefault(ws, t)
            for w in ws:
                index.setdefault(w, []).append(ws)
    out = []
    for t in training:
        ws = _words(t)
        if len(ws) < 3:
            continue
        for other in {o for w in ws for o in index.get(w, ())}:
            if len(ws & other) / len(ws | other) >= NEAR:
                out.append((t, texts[other]))
                break
    return out


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_no_training_utterance_is_a_near_copy_of_an_evaluation_turn():
    corpus = [s["text"] for p in sorted(EVAL.glob("*.json"))
              if (call := json.loads(p.read_text(encoding="utf-8")))["labels"]["split"] == "test"
              for s in call["segments"]]
    import yaml

    from scoring.objections import TRAINING

    value_turns = yaml.safe_load(TRAINING.joinpath("manager_value_turns.yaml").read_text(encoding="utf-8"))
    from scoring.objection_model import CALL_TURNS

    calls = yaml.safe_load(TRAINING.joinpath(CALL_TURNS).read_text(encoding="utf-8"))
    from_calls = {t for turns in calls.values() for t in turns}  # dev turns: checked below
    from scoring.objections import CALL_ANSWERS

    answers = yaml.safe_load(TRAINING.joinpath(CALL_ANSWERS).read_text(encoding="utf-8"))
    from_calls |= {p["answer"] for pairs in answers.values() for p in pairs}
    training = ([t for turns in shipped_turns().values() for t in turns if t not in from_calls]
                + [a for _, a, _, _ in shipped_pairs() if a not in from_calls]
                + [t for turns in value_turns.values() for t in turns])
    assert len(corpus) > 1000 and len(training) > 1000
    assert near_copies(training, corpus) == []


def test_turns_from_calls_are_the_train_splits_labelled_client_turns():
    """``objection_turns_calls.yaml`` is exactly what tools/eval/export_training_turns.py makes of
    the corpora now: eval dev and demo train calls only, every label as in the corpus."""
    import sys

    import yaml

    from scoring.objection_model import CALL_TURNS
    from scoring.objections import TRAINING

    sys.path.insert(0, str(EVAL.parents[2] / "tools" / "eval"))
    from export_training_turns import dev_answers, dev_turns

    from scoring.objections import CALL_ANSWERS

    shipped = yaml.safe_load(TRAINING.joinpath(CALL_TURNS).read_text(encoding="utf-8"))
    assert shipped == dev_turns()
    answers = yaml.safe_load(TRAINING.joinpath(CALL_ANSWERS).read_text(encoding="utf-8"))
    assert answers == dev_answers()
    demo = EVAL.parents[1] / "demo" / "transcripts"
    dev = {s["text"] for p in sorted(EVAL.glob("*.json"))
           if (call := json.loads(p.read_text(encoding="utf-8")))["labels"]["split"] == "dev"
           for s in call["segments"]}
    dev |= {s["text"] for p in sorted(demo.glob("*.json"))
            if (call := json.loads(p.read_text(encoding="utf-8")))["labels"].get("split", "train") == "train"
            for s in call["segments"]}
    assert {t for turns in shipped.values() for t in turns} <= dev
    assert {p["objection"] for pairs in answers.values() for p in pairs} <= dev


def test_the_shipped_objection_models_were_fitted_on_the_current_training_files():
    """After editing a training file, the default catalogue's examples or the features, run
    tools/train_objection_models.py; until then scoring would refit at every start."""
    import json

    from scoring.objections import SHIPPED_MODELS, load_catalogue, training_source

    shipped = json.loads(SHIPPED_MODELS.read_text(encoding="utf-8"))
    assert shipped["source"] == training_source(load_catalogue())


def test_the_role_seed_holds_no_test_split_turn_and_is_current():
    """The role classifier's seed (tools/demo/make_role_seed.py) learns from the eval dev split
    and the demo train split only, and matches what the generator writes from them now."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    seed = json.loads((root / "transcribe" / "resources" / "role_seed.json").read_text(encoding="utf-8"))["turns"]
    texts = {text for _, text in seed}
    for path in sorted(EVAL.glob("*.json")):
        call = json.loads(path.read_text(encoding="utf-8"))
        if (call.get("labels") or {}).get("split") == "test":
            leaked = [s["text"] for s in call["segments"] if s["text"].strip() and s["text"] in texts
                      and len(s["text"].split()) > 10]  # not stock phrases («как я могу к вам обращаться?»)
            assert not leaked, f"{path.name}: {leaked[:2]}"
    spec = importlib.util.spec_from_file_location("make_role_seed", root / "tools" / "demo" / "make_role_seed.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert seed == gen.seed_turns(), "run tools/demo/make_role_seed.py"
