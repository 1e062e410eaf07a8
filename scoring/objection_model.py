"""Objections in words nobody wrote a trigger for: a classifier of client turns.

The catalogue's trigger phrases and the cues (:mod:`scoring.objection_cues`) are precise but
miss ordinary wording; this model reads the whole turn — lemmas, word pairs and character
4-grams of the words as written (robust to one-letter ASR slips) — and says which objection
kind, if any, it voices. It is trained on:

* the shipped training turns ``scoring/resources/training/objection_turns_*.yaml`` (client
  turns per kind, written for this purpose: many industries, clean and ASR-style text) and
  ``client_turns_none.yaml`` (client turns that are not objections, hard negatives included);
* the catalogue's ``examples:`` of each kind (an owner's own kinds are learnt from them);
* the РОП's labelled objections from the store (``callqa train``): the turn he labelled is an
  example of its kind.

It is asked only about client turns that no trigger or cue matched; a kind is taken when its
probability reaches ``scoring.objection_model_min``. Training takes about a second and is done
once per process and catalogue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from core.types import Segment
from scoring.linear import FastLinear, doc_of_text, fit_pipeline, turn_doc

log = logging.getLogger(__name__)

TRAINING = resources.files(__package__).joinpath("resources", "training")
NONE = "none"
DEFAULT_MIN_PROBABILITY = 0.7
MIN_WORDS = 3  # «ну давайте», «могу»: too little to read an objection from without a trigger


@dataclass(frozen=True)
class TurnModel:
    fast: FastLinear
    version: str

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(c for c in self.fast.classes if c != NONE)

    def kind(self, segment: Segment) -> tuple[str, float]:
        """The most probable objection kind of a client turn and its probability."""
        probs = self.fast.predict(turn_doc([segment]))
        best = max(self.kinds, key=probs.__getitem__)
        return best, probs[best]


def shipped_turns() -> dict[str, tuple[str, ...]]:
    """Kind (or ``none``) → training turns shipped with callqa."""
    out: dict[str, list[str]] = {}
    for entry in sorted(TRAINING.iterdir(), key=lambda e: e.name):
        name = entry.name
        if not name.endswith(".yaml") or not (name.startswith("objection_turns") or name.startswith("client_turns")):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for kind, turns in data.items():
            out.setdefault(str(kind), []).extend(str(t) for t in turns or ())
    return {k: tuple(v) for k, v in out.items()}


def training_set(kind_examples: dict[str, tuple[str, ...]],
                 labelled: tuple[tuple[str, str], ...] = ()) -> tuple[list[str], list[str]]:
    """Docs and labels: shipped turns of the kinds the catalogue has, ``none`` turns, the
    catalogue's examples and the РОП's labelled turns (``(doc, kind)``)."""
    kinds = set(kind_examples)
    docs: list[str] = []
    labels: list[str] = []
    for kind, turns in shipped_turns().items():
        if kind != NONE and kind not in kinds:
            continue  # an owner's catalogue without this kind: its turns are not objections
        label = kind
        for t in turns:
            docs.append(doc_of_text(t))
            labels.append(label)
    for kind, texts in kind_examples.items():
        for t in texts:
            docs.append(doc_of_text(t))
            labels.append(kind)
    for doc, kind in labelled:
        docs.append(doc)
        labels.append(kind if kind in kinds else NONE)
    return docs, labels


def train(kind_examples: dict[str, tuple[str, ...]], labelled: tuple[tuple[str, str], ...] = (),
          version: str = "bootstrap") -> TurnModel | None:
    docs, labels = training_set(kind_examples, labelled)
    if len(set(labels) - {NONE}) < 1 or NONE not in labels:
        return None
    fast = FastLinear.of(fit_pipeline(docs, labels, c=4.0, min_df=2))
    return None if fast is None else TurnModel(fast, version)


@lru_cache(maxsize=4)
def bootstrap(kind_examples: tuple[tuple[str, tuple[str, ...]], ...]) -> TurnModel | None:
    """The model from the shipped turns and the catalogue (cached per catalogue)."""
    model = train(dict(kind_examples))
    if model is not None:
        log.info("objection turn model: %d kinds", len(model.kinds))
    return model
