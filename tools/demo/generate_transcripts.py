"""Generate the demo transcripts (``transcripts/*.json``) and the РОП history (``review_history.json``).

Run from anywhere: ``.venv/bin/python data/demo/generate_transcripts.py``. Deterministic (fixed
seed): running it twice gives byte-identical files. Calls are built combinatorially from
``phrase_banks.py``; each file carries gold ``labels`` derived from the steps put into it.

The story told by the data (8 weeks, 2026-09-28 … 2026-11-20, «Окна Комфорт»):
- m101 Анна — strong; m105 Сергей — average;
- m102 Игорь — weak (forbidden phrases, now and then rude), gets feedback that changes little;
- m103 Дмитрий — weak next step until the РОП's feedback on ``next_step`` in week 3, then strong;
- m104 Ольга — gives a discount on «дорого» all along; the РОП stops looking at her calls after
  week 2 and never gives her feedback;
- the РОП holds a planning meeting every Monday for five weeks, then stops (a red flag).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import jsonschema
import phrase_banks as pb

log = logging.getLogger("generate_transcripts")

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "data" / "demo"  # the committed demo data
SCHEMA_PATH = ROOT / "transcribe" / "resources" / "transcript-v1.schema.json"
TRANSCRIPTS_DIR = HERE / "transcripts"
HISTORY_PATH = HERE / "review_history.json"

SEED = 20261120
FIRST_MONDAY = date(2026, 9, 28)
WEEKS = 8  # ends Friday 2026-11-20
COACHING_AT = datetime(2026, 10, 14, 17, 30)  # РОП's feedback to m103 on next_step (week 3)
VOICEMAIL_CALLS = 8
CRITERIA = (
    "greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
    "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness",
)
MANAGERS = {  # extension: (name, team)
    "101": ("Анна Смирнова", "Розница"),
    "102": ("Игорь Петров", "Розница"),
    "103": ("Дмитрий Козлов", "Розница"),
    "104": ("Ольга Волкова", "Корпоративные"),
    "105": ("Сергей Морозов", "Корпоративные"),
}
OBJECTION_WEIGHTS = {
    "price": 30, "competitor_cheaper": 15, "think_later": 15, "no_time": 8, "have_supplier": 10,
    "send_offer": 12, "need_consult": 10,
}
HANDLINGS = ("value", "question", "discount", "ignored", "other")


@dataclass(frozen=True, slots=True)
class Profile:
    """How likely a manager performs each script step, and how they answer objections."""

    calls_per_week: int
    steps: dict[str, float]
    handling: tuple[float, ...]  # weights in HANDLINGS order
    price_handling: tuple[float, ...] | None = None  # for price and competitor_cheaper, if different
    after_coaching: dict[str, float] = field(default_factory=dict)


def _steps(greeting, name, needs, value, next_step, summary, farewell, forbidden, rude) -> dict[str, float]:
    return {"greeting": greeting, "client_name": name, "needs": needs, "value": value, "next_step": next_step,
            "summary": summary, "farewell": farewell, "forbidden": forbidden, "rude": rude}


PROFILES = {
    "101": Profile(9, _steps(.97, .92, .9, .92, .88, .85, .97, .02, 0), (50, 40, 3, 4, 3)),
    "102": Profile(7, _steps(.45, .3, .3, .35, .3, .15, .6, .35, .07), (10, 10, 25, 35, 20)),
    "103": Profile(8, _steps(.8, .6, .55, .6, .15, .25, .85, .1, 0), (35, 30, 15, 10, 10),
                   after_coaching={"next_step": .88, "summary": .65}),
    "104": Profile(8, _steps(.85, .75, .6, .65, .6, .5, .9, .08, 0), (30, 30, 15, 15, 10),
                   price_handling=(8, 8, 75, 4, 5)),
    "105": Profile(7, _steps(.8, .65, .6, .6, .55, .45, .85, .1, .01), (30, 30, 15, 15, 10)),
}


# --- one call ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps one call contains; the gold labels follow from it."""

    direction: str
    greeting: bool
    client_name: bool
    needs_open: int
    value: bool
    objections: tuple[tuple[str, str], ...]  # (kind, handling)
    next_step: bool
    summary: bool
    farewell: bool
    forbidden: bool
    rude: bool


@dataclass(slots=True)
class Turn:
    speaker: str
    text: str
    objection: tuple[str, str] | None = None  # set on a client's trigger
    name_question: bool = False


def make_plan(rng: random.Random, profile: Profile, started_at: datetime) -> Plan:
    p = dict(profile.steps)
    if started_at > COACHING_AT:
        p.update(profile.after_coaching)
    hit = {k: rng.random() < v for k, v in p.items()}
    n_objections = rng.choices((0, 1, 2), (30, 50, 20))[0]
    kinds = rng.choices(list(OBJECTION_WEIGHTS), weights=list(OBJECTION_WEIGHTS.values()), k=n_objections)
    if len(set(kinds)) < len(kinds):
        kinds = kinds[:1]
    objections = tuple((kind, _pick_handling(rng, profile, kind)) for kind in kinds)
    return Plan(
        direction=rng.choices(("in", "out"), (55, 45))[0],
        greeting=hit["greeting"], client_name=hit["client_name"],
        needs_open=rng.randint(3, 5) if hit["needs"] else rng.randint(0, 1),
        value=hit["value"], objections=objections, next_step=hit["next_step"], summary=hit["summary"],
        farewell=hit["farewell"], forbidden=hit["forbidden"], rude=hit["rude"],
    )


def _pick_handling(rng: random.Random, profile: Profile, kind: str) -> str:
    weights = profile.handling
    if kind in ("price", "competitor_cheaper") and profile.price_handling:
        weights = profile.price_handling
    return rng.choices(HANDLINGS, weights)[0]


class CallBuilder:
    """Turns a Plan into an ordered list of turns."""

    def __init__(self, rng: random.Random, plan: Plan, manager_ext: str):
        self.rng, self.plan = rng, plan
        self.manager_name = pb.MANAGER_FIRST_NAMES[manager_ext]
        self.client_name = rng.choice(pb.CLIENT_NAMES)
        self.day, self.time = rng.choice(pb.NEXT_STEP_DAYS), rng.choice(pb.NEXT_STEP_TIMES)
        self.turns: list[Turn] = []

    def say(self, speaker: str, template: str, **flags) -> None:
        text = template.replace("{m}", self.manager_name).replace("{c}", self.client_name)
        self.turns.append(Turn(speaker, text.replace("{day}", self.day).replace("{time}", self.time), **flags))

    def pick(self, bank) -> str:
        if not self.plan.client_name:  # the manager cannot use a name they never asked for
            bank = [t for t in bank if "{c}" not in t] or bank
        return self.rng.choice(list(bank))

    def build(self, target_turns: int) -> list[Turn]:
        self._contact()
        self._objections({"no_time"})
        self._name()
        needs_start = len(self.turns)
        self._needs()
        needs_end = len(self.turns)
        self._compliance()
        self._presentation()
        self._objections({"price", "competitor_cheaper", "have_supplier"})
        self._objections({"think_later", "send_offer", "need_consult"})
        self._closing()
        self._fill(needs_start, needs_end, target_turns)
        return _alternate(self.rng, self.turns)

    def _contact(self) -> None:
        out = self.plan.direction == "out"
        if self.plan.greeting:
            self.say("manager", self.pick(pb.GREETING_PASS_OUT if out else pb.GREETING_PASS_IN))
        else:
            self.say("manager", self.pick(pb.GREETING_FAIL_OUT if out else pb.GREETING_FAIL_IN))
        self.say("client", self.pick(pb.CLIENT_OPENER_OUT if out else pb.CLIENT_OPENER_IN))

    def _name(self) -> None:
        if self.plan.client_name:
            self.say("manager", self.pick(pb.NAME_QUESTION), name_question=True)
            self.say("client", self.pick(pb.CLIENT_NAME_ANSWER))

    def _needs(self) -> None:
        n_closed = 0 if self.plan.needs_open >= 3 else self.rng.randint(1, 3)
        asked = self.rng.sample(pb.OPEN_QUESTIONS, self.plan.needs_open)
        asked += self.rng.sample(pb.CLOSED_QUESTIONS, n_closed)
        self.rng.shuffle(asked)
        for question, answers in asked:
            self.say("manager", question)
            self.say("client", self.rng.choice(answers))

    def _compliance(self) -> None:
        if self.plan.forbidden:
            question, answer = self.rng.choice(pb.FORBIDDEN_EXCHANGES)
            self.say("client", question)
            self.say("manager", answer)
        if self.plan.rude:
            question, answer = self.rng.choice(pb.RUDE_EXCHANGES)
            self.say("client", question)
            self.say("manager", answer)

    def _presentation(self) -> None:
        self.say("manager", self.pick(pb.VALUE_PRESENTATION if self.plan.value else pb.PRICE_ONLY_PRESENTATION))
        if not any(k in ("price", "competitor_cheaper", "have_supplier") for k, _ in self.plan.objections):
            self.say("client", self.pick(pb.CLIENT_PRESENTATION_REACTION))

    def _objections(self, kinds: set[str]) -> None:
        for kind, handling in self.plan.objections:
            if kind not in kinds:
                continue
            if kind in ("price", "competitor_cheaper") and self.turns[-1].speaker == "client":
                self.say("manager", self.pick(pb.OBJECTION_LEAD_IN))
            self.say("client", self.pick(pb.OBJECTION_TRIGGERS[kind]), objection=(kind, handling))
            self.say("manager", self.pick(self._responses(kind, handling)))
            self.say("client", self.pick(pb.CLIENT_REACTION[handling]))

    @staticmethod
    def _responses(kind: str, handling: str) -> tuple[str, ...]:
        if handling == "ignored":
            return pb.RESPONSES_IGNORED
        if handling == "other":
            return pb.RESPONSES_OTHER
        return pb.OBJECTION_RESPONSES[kind][handling]

    def _closing(self) -> None:
        step_idx = self.rng.randrange(len(pb.NEXT_STEP_PASS))
        if self.plan.next_step:
            self.say("manager", pb.NEXT_STEP_PASS[step_idx])
            self.say("client", self.pick(pb.CLIENT_NEXT_STEP_AGREE))
        else:
            self.say("manager", self.pick(pb.NEXT_STEP_FAIL))
            self.say("client", self.pick(pb.CLIENT_NEXT_STEP_VAGUE))
        if self.plan.summary:
            bank = pb.SUMMARY_WITH_STEP if self.plan.next_step else pb.SUMMARY_NO_STEP
            text = self.pick(bank).replace("{restate}", pb.NEXT_STEP_RESTATE[step_idx])
            self.say("manager", text.replace("{what}", self.rng.choice(pb.SUMMARY_WHAT)))
            self.say("client", self.pick(pb.CLIENT_SUMMARY_ACK))
        if self.plan.farewell:
            self.say("manager", self.pick(pb.FAREWELL_PASS))
            self.say("client", self.pick(pb.CLIENT_FAREWELL))
        else:
            self.say("client", self.pick(pb.CLIENT_FAREWELL))
            self.say("manager", self.pick(pb.FAREWELL_FAIL))

    def _fill(self, start: int, end: int, target_turns: int) -> None:
        """Client questions answered by the manager, inserted among the needs questions."""
        fillers = self.rng.sample(pb.FILLERS, len(pb.FILLERS))
        while _alternated_len(self.turns) + 3 <= target_turns and fillers:
            question, answer = fillers.pop()
            at = start + 2 * self.rng.randint(0, (end - start) // 2)  # between question/answer pairs
            self.turns[at:at] = [Turn("client", question), Turn("manager", answer)]
            end += 2


def _alternated_len(turns: list[Turn]) -> int:
    return len(turns) + sum(a.speaker == b.speaker for a, b in zip(turns, turns[1:], strict=False))


def _alternate(rng: random.Random, turns: list[Turn]) -> list[Turn]:
    """A short acknowledgement by the other side between two turns of the same speaker."""
    out: list[Turn] = []
    for turn in turns:
        if out and out[-1].speaker == turn.speaker:
            other = "client" if turn.speaker == "manager" else "manager"
            out.append(Turn(other, rng.choice(pb.CLIENT_ACK if other == "client" else pb.MANAGER_ACK)))
        out.append(turn)
    return out


def gold_labels(plan: Plan, turns: list[Turn]) -> dict:
    open_questions = sum(
        pb.open_question_count(t.text) for t in turns if t.speaker == "manager" and not t.name_question
    )
    handlings = [h for _, h in plan.objections]
    verdicts = {
        "greeting": plan.greeting, "client_name": plan.client_name, "needs_discovery": open_questions >= 3,
        "value_presentation": plan.value or "value" in handlings,
        "next_step": plan.next_step, "summary": plan.summary, "farewell": plan.farewell,
        "forbidden_phrases": not plan.forbidden, "no_rudeness": not plan.rude,
    }
    criteria = {k: "pass" if v else "fail" for k, v in verdicts.items()}
    if handlings:
        handled = sum(h in ("value", "question") for h in handlings) / len(handlings)
        criteria["objection_handling"] = "pass" if handled >= 0.5 and "discount" not in handlings else "fail"
    else:
        criteria["objection_handling"] = "not_applicable"
    objections = [
        {"segment": i, "kind": t.objection[0], "handling": t.objection[1]}
        for i, t in enumerate(turns) if t.objection
    ]
    return {"criteria": {k: criteria[k] for k in CRITERIA}, "objections": objections}


# --- surface: numbers, Whisper-like noise, timing -----------------------------------------

_NUMBER = re.compile(r"\{([^{}|]+)\|([^{}]+)\}")


def render_text(rng: random.Random, text: str, noisy: bool) -> str:
    text = _NUMBER.sub(lambda m: m.group(1) if noisy else m.group(2), text)
    if not noisy:
        return text
    text = text.replace("ё", "е").replace("Ё", "Е")
    if rng.random() < 0.35:
        text = re.sub(r"[.,!?:;]", "", text).lower()
    return " ".join(_typo(rng, w) if len(w) >= 6 and rng.random() < 0.03 else w for w in text.split())


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def timed_segments(rng: random.Random, turns: list[Turn], noisy: bool) -> list[dict]:
    segments, t = [], rng.uniform(0.4, 2.0)
    for turn in turns:
        text = render_text(rng, turn.text, noisy)
        duration = min(6.0, max(2.0, 0.42 * len(text.split()) + rng.uniform(-0.3, 0.6)))
        channel = 0 if turn.speaker == "manager" else 1
        logprob = rng.uniform(-0.9, -0.3) if noisy else rng.uniform(-0.45, -0.12)
        segments.append({
            "speaker": turn.speaker, "start": round(t, 2), "end": round(t + duration, 2), "text": text,
            "channel": channel, "avg_logprob": round(logprob, 2), "no_speech_prob": round(rng.uniform(0.01, 0.15), 2),
        })
        overlap = rng.random() < 0.08
        t += duration + (-rng.uniform(0.1, 0.4) if overlap else rng.uniform(0.3, 1.2))
    return segments


# --- the whole set -------------------------------------------------------------------------


def client_number(rng: random.Random) -> str:
    return "+79" + "".join(str(rng.randrange(10)) for _ in range(9))


def split_of(call_id: str) -> str:
    return "test" if int(hashlib.sha256(call_id.encode()).hexdigest()[:8], 16) % 4 == 0 else "train"


def manager_obj(ext: str) -> dict:
    name, team = MANAGERS[ext]
    return {"id": f"m{ext}", "name": name, "extension": ext, "team": team}


def schedule(rng: random.Random) -> list[tuple[str, datetime]]:
    """(extension, start time) for every conversation: weekdays, 9:00–18:00."""
    slots = []
    for week in range(WEEKS):
        for ext, profile in PROFILES.items():
            for _ in range(profile.calls_per_week + rng.choice((-1, 0, 0, 1))):
                day = FIRST_MONDAY + timedelta(weeks=week, days=rng.randrange(5))
                minute = rng.randrange(9 * 60, 17 * 60 + 50)
                slots.append((ext, datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60))))
    return sorted(slots, key=lambda s: s[1])


def build_transcript(rng: random.Random, ext: str, started_at: datetime) -> dict:
    plan = make_plan(rng, PROFILES[ext], started_at)
    turns = CallBuilder(rng, plan, ext).build(target_turns=rng.randint(20, 60))
    segments = timed_segments(rng, turns, noisy=rng.random() < 0.3)
    labels = gold_labels(plan, turns)
    return _envelope(rng, ext, started_at, plan.direction, segments, labels)


def build_voicemail(rng: random.Random, ext: str, started_at: datetime) -> dict:
    lines = rng.choice(pb.VOICEMAIL)
    t, segments = rng.uniform(2.0, 6.0), []
    for line in lines:
        segments.append({"speaker": "unknown", "start": round(t, 2), "end": round(t + 5.5, 2), "text": line,
                         "channel": 1, "avg_logprob": -0.2, "no_speech_prob": 0.05})
        t += 6.5
    labels = {"criteria": dict.fromkeys(CRITERIA, "not_applicable"), "objections": []}
    return _envelope(rng, ext, started_at, "out", segments, labels)


def _envelope(rng, ext, started_at, direction, segments, labels) -> dict:
    call_id = f"demo-{started_at:%Y%m%d-%H%M%S}-{ext}"
    labels["split"] = split_of(call_id)
    return {
        "format": "callqa.transcript", "version": 1, "call_id": call_id,
        "started_at": started_at.isoformat(timespec="seconds"), "direction": direction,
        "manager": manager_obj(ext), "client_number": client_number(rng), "deal_id": None,
        "duration_s": round(segments[-1]["end"] + rng.uniform(0.5, 2.0), 2), "channels": 2,
        "language": "ru", "asr_model": "whisper-base (simulated)", "audio_file": None,
        "segments": segments, "labels": labels,
    }


def generate_transcripts(rng: random.Random) -> list[dict]:
    calls = [build_transcript(rng, ext, at) for ext, at in schedule(rng)]
    for _ in range(VOICEMAIL_CALLS):
        day = FIRST_MONDAY + timedelta(weeks=rng.randrange(WEEKS), days=rng.randrange(5))
        at = datetime(day.year, day.month, day.day, rng.randrange(9, 18), rng.randrange(60), rng.randrange(60))
        calls.append(build_voicemail(rng, rng.choice(list(PROFILES)), at))
    return sorted(calls, key=lambda c: c["started_at"])


def write_transcripts(calls: list[dict]) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    ids = [c["call_id"] for c in calls]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate call ids; change the seed")
    TRANSCRIPTS_DIR.mkdir(exist_ok=True)
    for old in TRANSCRIPTS_DIR.glob("*.json"):
        old.unlink()
    for call in calls:
        validator.validate(call)
        path = TRANSCRIPTS_DIR / f"{call['call_id']}.json"
        path.write_text(json.dumps(call, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    problems = pb.lint_banks()
    if problems:
        raise SystemExit("phrase banks leak rubric keywords:\n" + "\n".join(problems))
    rng = random.Random(SEED)
    calls = generate_transcripts(rng)
    write_transcripts(calls)
    history = build_history(random.Random(SEED + 1), calls)
    write_history(history)
    log.info("m103 next_step pass rate before/after coaching: %.2f / %.2f", *coaching_effect(calls, "m103", "next_step"))
    size = sum(p.stat().st_size for p in TRANSCRIPTS_DIR.glob("*.json"))
    log.info("%d transcripts (%.2f MB), %d history events", len(calls), size / 1e6, len(history))


# --- the РОП's history ---------------------------------------------------------------------

HISTORY_END = datetime(2026, 11, 21, 12, 0)  # the demo's "now" is after the last call
ROP = "rop"


def week_of(when: datetime) -> int:
    return (when.date() - FIRST_MONDAY).days // 7


def review_share(ext: str, week: int) -> float:
    """Share of a manager's calls the РОП opens: m104 is left alone after week 2, everyone less later."""
    if ext == "104":
        return 0.2 if week <= 1 else 0.0
    return 0.35 if week <= 4 else 0.12


def _working_time(rng: random.Random, when: datetime) -> datetime:
    """The next moment in working hours (weekdays 9:00-19:00) at or after ``when``."""
    if when.hour >= 19:
        when = (when + timedelta(days=1)).replace(hour=rng.randint(9, 12), minute=rng.randrange(60))
    elif when.hour < 9:
        when = when.replace(hour=rng.randint(9, 12), minute=rng.randrange(60))
    while when.weekday() >= 5:
        when += timedelta(days=1)
    return when


def _ts(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _at(call: dict) -> datetime:
    return datetime.fromisoformat(call["started_at"])


def _is_conversation(call: dict) -> bool:
    return call["labels"]["criteria"]["greeting"] != "not_applicable"


class HistoryBuilder:
    def __init__(self, rng: random.Random, calls: list[dict]):
        self.rng = rng
        self.calls = [c for c in calls if _is_conversation(c)]
        self.events: list[dict] = []
        self.opened: dict[str, datetime] = {}

    def add(self, type_: str, created_at: datetime, **fields) -> None:
        self.events.append({"type": type_, "username": ROP, **fields, "created_at": _ts(created_at)})

    def open_call(self, call: dict, at: datetime | None = None) -> datetime:
        """`opened`, usually followed by `played` seconds; returns when the РОП opened the call."""
        if call["call_id"] in self.opened:
            return self.opened[call["call_id"]]
        at = at or min(_working_time(self.rng, _at(call) + timedelta(hours=self.rng.uniform(1, 40))), HISTORY_END)
        self.opened[call["call_id"]] = at
        self.add("opened", at, call_id=call["call_id"])
        if self.rng.random() < 0.75:
            played = call["duration_s"] * self.rng.uniform(0.25, 1.0)
            self.add("played", at + timedelta(minutes=self.rng.uniform(0.5, 4)), call_id=call["call_id"],
                     played_s=round(played, 1))
        return at

    def reviews(self) -> None:
        for call in self.calls:
            ext = call["manager"]["extension"]
            if self.rng.random() < review_share(ext, week_of(_at(call))):
                self.review(call)
        for ext in PROFILES:  # everyone but the ignored manager gets at least one review a week
            for week in range(WEEKS):
                mine = [c for c in self.calls if c["manager"]["extension"] == ext and week_of(_at(c)) == week]
                if review_share(ext, week) and not any(c["call_id"] in self.opened for c in mine):
                    self.review(self.rng.choice(mine))

    def review(self, call: dict) -> None:
        opened = self.open_call(call)
        if call["labels"]["objections"] and self.rng.random() < 0.5:
            for obj in call["labels"]["objections"]:
                self.add("objection_label", opened + timedelta(minutes=5), call_id=call["call_id"],
                         segment_idx=obj["segment"], kind=obj["kind"], handling=obj["handling"])

    def find_call(self, ext: str, week: int, test, before: datetime | None = None) -> dict:
        """A call of the manager in that week satisfying ``test``, preferring ones already opened."""
        pool = []
        for near in (week, week + 1, week - 1):  # a neighbouring week if that one has no such call
            pool = pool or [c for c in self.calls if c["manager"]["extension"] == ext
                            and week_of(_at(c)) == near and test(c)
                            and (before is None or _at(c) < before - timedelta(hours=3))]
        if not pool:
            raise SystemExit(f"story broken: no call of {ext} in week {week + 1} fits; change the seed")
        opened = [c for c in pool if c["call_id"] in self.opened]
        return (opened or pool)[0]

    def overrides(self, count: int = 10) -> None:
        noisy = [c for c in self.calls if c["call_id"] in self.opened
                 and sum(s["avg_logprob"] for s in c["segments"]) / len(c["segments"]) < -0.5]
        for call in self.rng.sample(noisy, min(count, len(noisy))):
            criterion = self.rng.choice(["greeting", "needs_discovery", "next_step", "summary", "value_presentation"])
            verdict = call["labels"]["criteria"][criterion]
            self.add("override", self.opened[call["call_id"]] + timedelta(minutes=7), call_id=call["call_id"],
                     criterion_id=criterion, verdict=verdict, reason=OVERRIDE_REASONS[verdict])


OVERRIDE_REASONS = {
    "pass": "Прослушал запись: менеджер это сделал, распознавание исказило слова.",
    "fail": "Прослушал запись: на самом деле этого не было.",
}

# (extension, week index, criterion_id, objection_kind, wanted verdict, text, hours to acknowledge or None)
FEEDBACK_SCRIPT = (
    ("102", 0, "greeting", None, "fail",
     "Игорь, в начале звонка называй компанию и своё имя: «Компания Окна Комфорт, меня зовут Игорь».", 20),
    ("102", 1, "needs_discovery", None, "fail",
     "Задавай минимум три открытых вопроса: сколько окон, что не устраивает, когда планируете установку.", 26),
    ("105", 1, None, "think_later", "fail",
     "На «я подумаю» уточняй, что именно вызывает сомнения, и сразу предлагай замер с датой.", 5),
    ("102", 2, "forbidden_phrases", None, "fail",
     "Фразы «не знаю» и «это не ко мне» клиенту не говорим. Лучше: «уточню и перезвоню сегодня до пяти».", None),
    ("101", 3, "value_presentation", None, "pass",
     "Отличная презентация: гарантия, экономия на отоплении, без давления ценой. Возьмём в обучение.", 3),
    ("105", 3, "summary", None, "fail",
     "Перед прощанием коротко проговаривай договорённости: что, когда, кто.", 30),
    ("102", 4, None, "price", "fail",
     "На «дорого» не уходи в цвета профиля: спроси, с чем сравнивают, и расскажи про гарантию.", None),
    ("103", 4, "summary", None, "fail",
     "Следующий шаг теперь назначаешь отлично. Добавь в конце короткое резюме договорённостей.", 4),
    ("101", 5, None, "competitor_cheaper", "pass",
     "Хорошо отработано «у конкурентов дешевле»: уточнила состав расчёта, без скидки.", 6),
)
COACHING_TEXT = (
    "Дмитрий, в конце звонка всегда назначай конкретный шаг: замер или встречу с датой и временем. "
    "Не «звоните, если надумаете», а «замерщик приедет в четверг в десять»."
)


def _fits(criterion: str | None, kind: str | None, wanted: str):
    def test(call: dict) -> bool:
        if criterion:
            return call["labels"]["criteria"][criterion] == wanted
        good = {o["handling"] in ("value", "question") for o in call["labels"]["objections"] if o["kind"] == kind}
        return (wanted == "pass") in good
    return test


def add_feedback(h: HistoryBuilder) -> None:
    coached = h.find_call("103", week_of(COACHING_AT), _fits("next_step", None, "fail"), before=COACHING_AT)
    h.open_call(coached, at=COACHING_AT - timedelta(minutes=40))
    h.add("feedback", COACHING_AT, manager_id="m103", call_id=coached["call_id"], criterion_id="next_step",
          objection_kind=None, text=COACHING_TEXT, acknowledged_at=_ts(COACHING_AT + timedelta(hours=2)))
    for ext, week, criterion, kind, wanted, text, ack_h in FEEDBACK_SCRIPT:
        call = h.find_call(ext, week, _fits(criterion, kind, wanted))
        opened = h.open_call(call)
        created = opened + timedelta(minutes=h.rng.uniform(10, 90))
        ack = _ts(created + timedelta(hours=ack_h)) if ack_h is not None else None
        h.add("feedback", created, manager_id=f"m{ext}", call_id=call["call_id"], criterion_id=criterion,
              objection_kind=kind, text=text, acknowledged_at=ack)


def _segment_of(call: dict, speaker: str, pattern: re.Pattern) -> int:
    return next(i for i, s in enumerate(call["segments"]) if s["speaker"] == speaker and pattern.search(s["text"]))


def _objection_of(call: dict, kind: str) -> int:
    return next(o["segment"] for o in call["labels"]["objections"] if o["kind"] == kind)


def add_training(h: HistoryBuilder) -> None:
    clips = (  # ext, week, test, first segment finder, label, note
        ("101", 1, _fits(None, "price", "pass"), lambda c: _objection_of(c, "price"), "example",
         "Отработка «дорого» через ценность и вопрос"),
        ("103", 4, _fits("next_step", None, "pass"), lambda c: len(c["segments"]) - 7, "example",
         "Конкретный следующий шаг с датой и временем"),
        ("102", 2, _fits("forbidden_phrases", None, "fail"),
         lambda c: _segment_of(c, "manager", pb.PATTERNS["forbidden"]) - 1, "mistake", "Запрещённая фраза"),
        ("104", 0, lambda c: any(o["handling"] == "discount" for o in c["labels"]["objections"]),
         lambda c: next(o["segment"] for o in c["labels"]["objections"] if o["handling"] == "discount"),
         "mistake", "Сразу скидка вместо отработки возражения"),
        ("105", 2, lambda c: any(o["handling"] == "question" for o in c["labels"]["objections"]),
         lambda c: next(o["segment"] for o in c["labels"]["objections"] if o["handling"] == "question"),
         "example", "Уточняющий вопрос на возражение"),
    )
    for ext, week, test, first, label, note in clips:
        call = h.find_call(ext, week, test)
        opened = h.open_call(call)
        i = max(0, first(call))
        segs = call["segments"][i:i + 3]
        h.add("training", opened + timedelta(minutes=20), call_id=call["call_id"], start_s=segs[0]["start"],
              end_s=segs[-1]["end"], label=label, note=note)


def add_head_log(h: HistoryBuilder) -> None:
    def entry(kind: str, week: int, weekday: int, manager_id: str | None, note: str) -> None:
        held = FIRST_MONDAY + timedelta(weeks=week, days=weekday)
        h.add("head_log", datetime(held.year, held.month, held.day, 18, 0), kind=kind, held_on=held.isoformat(),
              manager_id=manager_id, note=note)

    for week in range(5):  # weekly planning stops in the last three weeks: a red flag
        entry("planning", week, 0, None, "Планёрка: план продаж на неделю, разбор двух звонков")
    entry("one_to_one", 1, 3, "m102", "Разбор приветствия и вопросов на выявление потребностей")
    entry("one_to_one", 2, 2, "m103", "Следующий шаг: всегда дата и время замера или встречи")
    entry("one_to_one", 3, 1, "m105", "Резюме договорённостей в конце звонка")
    entry("one_to_one", 4, 3, "m101", "Планы развития, наставничество для новичков")
    entry("training", 1, 4, None, "Тренинг: работа с возражением «дорого» без скидки")
    entry("training", 3, 4, None, "Тренинг: следующий шаг с датой и временем")


def build_history(rng: random.Random, calls: list[dict]) -> list[dict]:
    h = HistoryBuilder(rng, calls)
    add_feedback(h)
    add_training(h)
    h.reviews()
    h.overrides()
    add_head_log(h)
    return sorted(h.events, key=lambda e: (e["created_at"], e["type"]))


def write_history(history: list[dict]) -> None:
    lines = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) for event in history)
    HISTORY_PATH.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


def coaching_effect(calls: list[dict], manager_id: str, criterion: str) -> tuple[float, float]:
    """Pass rate of ``criterion`` for the manager's calls before and after COACHING_AT."""
    rates = []
    for after in (False, True):
        verdicts = [c["labels"]["criteria"][criterion] for c in calls if c["manager"]["id"] == manager_id
                    and _is_conversation(c) and (_at(c) > COACHING_AT) == after]
        rates.append(sum(v == "pass" for v in verdicts) / len(verdicts))
    return rates[0], rates[1]


if __name__ == "__main__":
    main()
