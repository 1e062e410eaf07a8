"""Who speaks: a text role classifier (manager vs client) for mono calls and for deciding which
stereo channel is the manager (``asr.manager_channel = auto``).

TF-IDF over character n-grams + LogisticRegression, trained on the role-labelled demo
turns shipped as package data (``transcribe/resources/role_seed.json``, the demo transcripts'
train split) and refreshable from stereo
calls already in the store; then turn-alternation smoothing (a two-state Viterbi pass where
speakers tend to alternate between consecutive turns).

Callers say whose model they want: ``role_classifier(home)`` gives the model `callqa train`
saved in ``<home>/models`` (or the seed model when there is none), and is passed to
``assign_roles`` / ``manager_channel_auto``; nothing here remembers a home between calls.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from core.types import Segment

log = logging.getLogger(__name__)
SEED = resources.files(__package__).joinpath("resources/role_seed.json")
P_SWITCH = 0.7  # consecutive turns change speaker more often than not


def load_seed() -> tuple[list[str], list[str]]:
    """The shipped role-labelled turns: (texts, labels)."""
    turns = json.loads(SEED.read_text(encoding="utf-8"))["turns"]
    return [text for _, text in turns], [label for label, _ in turns]


def train_role_classifier(texts: Sequence[str], labels: Sequence[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True, lowercase=True),
        LogisticRegression(max_iter=1000, C=4.0),
    )
    model.fit(list(texts), list(labels))
    return model


MODEL_FILE = "roles.joblib"


def model_path(home: str | Path) -> Path:
    """Where `callqa train` saves the refreshed role model of a CALLQA_HOME."""
    return Path(home) / "models" / MODEL_FILE


def role_classifier(home: str | Path | None = None):
    """The role model of ``home``: the refreshed one if `callqa train` saved it in
    ``<home>/models``, else the one trained from the shipped turns — fitted once (about 6 s)
    and kept as ``<home>/models/roles-seed-<hash of the seed>.joblib``, so the next process
    (each worker of a batch, the next run) loads it instead of fitting it again.

    Loaded models are cached by file and modification time, so a retrain is picked up."""
    path = model_path(home) if home is not None else None
    if path is not None and path.exists():
        return _load_saved(str(path.resolve()), path.stat().st_mtime_ns)
    if home is None:
        return seed_classifier()
    cached = seed_cache_path(home)
    if cached.exists():
        try:
            return _load_saved(str(cached.resolve()), cached.stat().st_mtime_ns)
        except Exception as exc:  # a broken cache file is fitted again, never fatal
            log.warning("role classifier cache %s unusable (%s); fitting the seed model", cached, exc)
    model = seed_classifier()
    try:
        import joblib

        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")  # two workers may write at once
        joblib.dump(model, tmp)
        tmp.replace(cached)
    except OSError as exc:  # a read-only home still works, it only fits each time
        log.info("role classifier cache not written (%s)", exc)
    return model


def seed_cache_path(home: str | Path) -> Path:
    """Where the fitted seed model of this package's seed is kept in ``home``."""
    return Path(home) / "models" / f"roles-seed-{_seed_digest()}.joblib"


@lru_cache(maxsize=1)
def _seed_digest() -> str:
    return hashlib.sha256(SEED.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def seed_classifier():
    """The classifier trained from the shipped role-labelled transcripts only."""
    return train_role_classifier(*load_seed())


@lru_cache(maxsize=4)
def _load_saved(path: str, mtime_ns: int):
    import joblib

    log.info("role classifier: %s", path)
    return joblib.load(path)


def refresh_from_store(db_path: Path, home: Path) -> tuple[int, Path]:
    """Retrain on the shipped transcripts plus the turns of stereo calls already processed
    (their roles come from the channels, so they are reliable labels); save to <home>/models."""
    import joblib

    from store.role_turns import stereo_role_turns

    texts, labels = load_seed()
    store_texts, store_labels = stereo_role_turns(db_path)
    model = train_role_classifier(texts + store_texts, labels + store_labels)
    path = model_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)
    return len(store_texts), path


def manager_probabilities(texts: Iterable[str], model=None) -> list[float]:
    """P(manager) per text; ``model`` defaults to the shipped-seed classifier."""
    model = model or seed_classifier()
    texts = list(texts)
    if not texts:
        return []
    classes = list(model.classes_)
    return [float(p[classes.index("manager")]) for p in model.predict_proba(texts)]


def assign_roles(segments: Sequence[Segment], model=None) -> tuple[Segment, ...]:
    """Manager/client for each segment of a mono call: classifier + alternation smoothing."""
    if not segments:
        return ()
    probs = manager_probabilities([s.text for s in segments], model)
    roles = _viterbi(probs)
    return tuple(replace(s, speaker=r) for s, r in zip(segments, roles, strict=True))


def _viterbi(p_manager: list[float]) -> list[str]:
    states = ("manager", "client")
    eps = 1e-6
    log_t = {(a, b): math.log(P_SWITCH if a != b else 1 - P_SWITCH) for a in states for b in states}

    def emit(i, s):
        p = p_manager[i] if s == "manager" else 1 - p_manager[i]
        return math.log(min(max(p, eps), 1 - eps))

    # The manager usually speaks first on a sales call (greeting), but let the text decide.
    score = {s: emit(0, s) for s in states}
    back: list[dict[str, str]] = []
    for i in range(1, len(p_manager)):
        new, ptr = {}, {}
        for s in states:
            prev = max(states, key=lambda a, s=s: score[a] + log_t[(a, s)])
            new[s] = score[prev] + log_t[(prev, s)] + emit(i, s)
            ptr[s] = prev
        score, back = new, back + [ptr]
    state = max(states, key=score.get)
    path = [state]
    for ptr in reversed(back):
        state = ptr[state]
        path.append(state)
    return path[::-1]


def manager_channel_auto(channel_texts: Sequence[Sequence[str]], model=None) -> int:
    """Index of the channel whose words sound most like the manager's (text only; the stereo
    ``auto`` decision is :func:`decide_manager_channel`)."""
    means = []
    for texts in channel_texts:
        probs = manager_probabilities(texts, model)
        means.append(sum(probs) / len(probs) if probs else 0.0)
    return max(range(len(means)), key=means.__getitem__) if means else 0


# --- stereo: which channel is the manager's --------------------------------------------------
# Every piece of evidence is a log-odds that the manager is on channel 0 (left); they add up.

STEREO_LAYOUTS = ("auto", "caller_left", "manager_left", "manager_right")
LAYOUT_LLR = 5.0           # a configured layout (manager_left / _right): P ≈ 0.993
CALLER_LEFT_LLR = 4.0      # caller_left + the file name's direction (a callback may flip it)
TEMPLATE_LLR = 1.0         # layout auto, an Asterisk name: MixMonitor's default, a weak hint
TEXT_SCALE = 1.0           # × the difference of the channels' mean classifier log-odds …
TEXT_FULL_WORDS = 15       # … in full once the quieter channel has this many live words
TEXT_CAP = 8.0
IVR_LLR = 1.5              # a voice menu on a channel: the company's side
VOICEMAIL_LLR = 1.5        # an answering machine: the called party's side
ROBOCALL_LLR = 1.5         # a robot call: the calling company's side (ours when we called)
UNCERTAIN_BELOW = 0.9      # P(chosen channel) under this → transcript flag roles_uncertain
ROLES_UNCERTAIN = "roles_uncertain"


@dataclass(frozen=True, slots=True)
class RoleDecision:
    """Which stereo channel is the manager's, how sure, and why (for logs and tests)."""

    manager_channel: int
    confidence: float  # P(the manager is on manager_channel)
    uncertain: bool
    prior_llr: float
    text_llr: float
    recorded_llr: float
    reason: str


def layout_prior(layout: str, direction: str | None, template: str | None = None) -> tuple[float, str]:
    """Log-odds that the manager is on the left channel from the PBX layout and the call's
    direction (from the file name / CRM), and what gave it."""
    if layout == "manager_left":
        return LAYOUT_LLR, "layout manager_left"
    if layout == "manager_right":
        return -LAYOUT_LLR, "layout manager_right"
    caller_llr = CALLER_LEFT_LLR if layout == "caller_left" else (
        TEMPLATE_LLR if template == "asterisk" else 0.0)
    if not caller_llr or direction not in ("in", "out"):
        return 0.0, "no layout prior" if layout == "auto" else f"layout {layout}, direction unknown"
    # the leg that started the call is on the left: the client's on an inbound call
    source = "layout caller_left" if layout == "caller_left" else "Asterisk name (MixMonitor default)"
    return (caller_llr if direction == "out" else -caller_llr), f"{source}, direction {direction}"


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _weighted_log_odds(texts: Sequence[str], model=None) -> float:
    """A channel's mean classifier log-odds of «manager», each turn weighed by its words: a
    20-word pitch says more about who speaks than «да» or «угу», which either side says
    (measured on 100 rendered unseen channel pairs, roles held out of the classifier: 91 → 95
    right, 50 → 56 confident; docs/transcribe.md)."""
    if not texts:
        return 0.0
    sizes = [max(1, len(t.split())) for t in texts]
    return sum(n * _logit(p) for n, p in zip(sizes, manager_probabilities(texts, model), strict=True)) / sum(sizes)


def decide_manager_channel(channel_texts: Sequence[Sequence[str]], *, direction: str | None = None,
                           template: str | None = None, layout: str = "auto", model=None,
                           recorded_kind=None) -> RoleDecision:
    """The manager's channel of a stereo call from all the evidence there is.

    * **prior**: ``layout`` (``[asr] stereo_layout``) with the call's ``direction``;
    * **text**: the role classifier's mean log-odds per channel over its *live* turns (each
      turn weighed by its words), the left's minus the right's, weighed down while the quieter side has said little;
    * **recorded messages** (``recorded_kind(text)`` → ``ivr`` / ``voicemail`` / ``robocall`` /
      None; default :func:`scoring.call_type.recorded_message_kind`): those turns never count as
      the manager's words (a company IVR talks like a manager but is a recording); an IVR marks
      its channel as the company's, an answering machine as the called party's, a robot call as
      the calling company's (the manager's side on an outbound call, the client's on an inbound
      one; a weak pull to the company's side when the direction is unknown, as the robot sells).

    The evidence adds up as log-odds; text against a configured layout wins only when it is
    stronger than the layout, and then the call is flagged uncertain."""
    if recorded_kind is None:
        from scoring.call_type import recorded_message_kind as recorded_kind
    texts = [list(t) for t in channel_texts[:2]] + [[] for _ in range(2 - len(channel_texts[:2]))]
    prior, prior_why = layout_prior(layout, direction, template)
    recorded = 0.0
    live: list[list[str]] = [[], []]
    kinds: list[str] = []
    for ch in (0, 1):
        sign = 1.0 if ch == 0 else -1.0
        for text in texts[ch]:
            kind = recorded_kind(text)
            if kind == "ivr":
                recorded += sign * IVR_LLR
            elif kind == "robocall":  # a robot speaks for the company that placed the call
                ours = {"out": 1.0, "in": -1.0}.get(direction or "", 0.5)
                recorded += sign * ROBOCALL_LLR * ours
            elif kind == "voicemail":
                company = direction == "in"  # the company's own answering machine
                recorded += sign * VOICEMAIL_LLR * (1.0 if company else -1.0 if direction == "out" else -0.5)
            if kind:
                kinds.append(f"{kind}@{ch}")
            else:
                live[ch].append(text)
    recorded = max(-2 * IVR_LLR, min(2 * IVR_LLR, recorded))
    words = [sum(len(x.split()) for x in t) for t in live]
    means = [_weighted_log_odds(t, model) for t in live]
    weight = min(1.0, min(words) / TEXT_FULL_WORDS) if min(words) else min(0.5, max(words) / (4 * TEXT_FULL_WORDS))
    text = max(-TEXT_CAP, min(TEXT_CAP, TEXT_SCALE * weight * (means[0] - means[1])))
    total = prior + text + recorded
    channel = 0 if total >= 0 else 1
    confidence = 1.0 / (1.0 + math.exp(-abs(total)))
    overrode = abs(prior) >= CALLER_LEFT_LLR and (prior > 0) != (total >= 0)
    uncertain = confidence < UNCERTAIN_BELOW or overrode
    reason = (f"{prior_why} ({prior:+.1f}), text {text:+.1f} (words {words[0]}/{words[1]}), "
              f"recorded {recorded:+.1f}{' ' + ','.join(kinds) if kinds else ''}"
              f"{', text overrode the layout' if overrode else ''}")
    return RoleDecision(channel, round(confidence, 4), uncertain, prior, round(text, 3), recorded, reason)


def held_out_accuracy(folder: Path) -> float:
    """Per-turn accuracy on the test split of the callqa JSON transcripts in ``folder``
    (the demo transcripts' figure is in the README)."""
    correct = total = 0
    for path in sorted(Path(folder).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if (data.get("labels") or {}).get("split") != "test":
            continue
        segs = [Segment(i, "unknown", s["start"], s["end"], s["text"]) for i, s in enumerate(data["segments"])
                if s["speaker"] in ("manager", "client")]
        truth = [s["speaker"] for s in data["segments"] if s["speaker"] in ("manager", "client")]
        for seg, t in zip(assign_roles(segs), truth, strict=True):
            correct += seg.speaker == t
            total += 1
    return correct / total if total else float("nan")


# --- which layout a PBX writes, from the calls already processed ----------------------------

LAYOUT_MIN_CALLS = 10      # sure calls of a direction before it says anything about the layout
LAYOUT_MIN_SHARE = 0.95    # of them with the manager on the same side


@dataclass(frozen=True, slots=True)
class LayoutSuggestion:
    layout: str | None  # caller_left | manager_left | manager_right | None (not enough evidence)
    why: str  # one line for people
    sides: dict  # {direction or "?": (manager left, manager right)} over the sure calls


def suggest_layout(calls: Iterable[tuple[str | None, int, bool, bool]]) -> LayoutSuggestion:
    """The ``asr.stereo_layout`` the stored calls point to: ``(direction, manager channel,
    unsure, set by a person)`` per true-stereo call (``store.role_turns.stereo_role_sides``).
    Only sure calls count (not flagged ``roles_uncertain``, or roles a person set). The manager
    on one side in ≥ 95 % of ≥ 10 sure calls of each direction seen: ``manager_left`` /
    ``manager_right``; inbound calls on the right and outbound on the left (≥ 10 of each):
    ``caller_left``. Otherwise no suggestion, with the reason."""
    sides: dict[str, list[int]] = {}
    for direction, channel, unsure, swapped in calls:
        if unsure and not swapped:
            continue
        sides.setdefault(direction if direction in ("in", "out") else "?", [0, 0])[1 if channel else 0] += 1
    counts = {k: tuple(v) for k, v in sorted(sides.items())}

    def leaning(key: str) -> str | None:
        left, right = counts.get(key, (0, 0))
        n = left + right
        if n < LAYOUT_MIN_CALLS:
            return None
        return "left" if left >= LAYOUT_MIN_SHARE * n else "right" if right >= LAYOUT_MIN_SHARE * n else "mixed"

    lean = {k: leaning(k) for k in counts}
    total = sum(sum(v) for v in counts.values())
    told = {k: v for k, v in lean.items() if v is not None}
    if not told:
        return LayoutSuggestion(None, f"too few sure stereo calls ({total}; {LAYOUT_MIN_CALLS} of one direction needed)", counts)
    if "mixed" in told.values():
        return LayoutSuggestion(None, "the manager is sometimes left, sometimes right: keep auto and check the flagged calls", counts)
    if told.get("in") == "right" and told.get("out") == "left":
        return LayoutSuggestion("caller_left", "inbound calls have the manager right, outbound left: the caller's leg is left", counts)
    if set(told.values()) == {"left"} or set(told.values()) == {"right"}:
        side = next(iter(told.values()))
        if "in" in told and "out" in told or "?" in told:
            return LayoutSuggestion(f"manager_{side}", f"the manager is always {side}", counts)
        only = next(iter(told))
        return LayoutSuggestion(None, f"only {'inbound' if only == 'in' else 'outbound'} calls so far: a fixed side and "
                                      "the caller's leg look the same on them", counts)
    return LayoutSuggestion(None, "the directions disagree with every layout: keep auto", counts)
