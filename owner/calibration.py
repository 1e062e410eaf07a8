"""Calibration results: how far the reviewers agree with each other, and the AI with them.

Public entry: :func:`calibration_report` (what the «Калибровка» page shows for an ended
round); the counting is :func:`criterion_agreement` and :func:`disagreements` over the long
table of :func:`store.calibration.round_results` (one row per call, criterion and reviewer, with
the AI's verdict), so a test can hand in a table whose answer it knows.

Per criterion:

* **between reviewers** every two reviewers who rated the criterion in a call make one pair
  (two reviewers: one pair per call); agreement = pairs with the same verdict / pairs; Cohen's
  κ (:func:`owner.report.cohen_kappa`, the one the AI–РОП agreement uses) of the confusion
  table of all pairs;
* **AI with reviewers** each reviewer's verdict against the AI's verdict of the same call and
  criterion is one pair; the AI's «недостаточно данных» is a verdict of its own, so it never
  agrees with a person.

κ is «мало данных» below :data:`MIN_PAIRS` pairs or when it is undefined (every verdict in one
category). A criterion whose reviewers agree poorly (κ < ``owner.low_kappa``) is worded
ambiguously; one where the reviewers agree and the AI does not is the AI's to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

import pandas as pd

from owner.report import LOW_DATA, cohen_kappa
from store import calibration
from store.calibration import Actor, Round

PathLike = str | os.PathLike
MIN_PAIRS = 5
UNCLEAR_CRITERION = "проверяющие понимают критерий по-разному: уточнить формулировку"
REVISE_AI = "ИИ расходится с проверяющими: пересмотреть правило критерия"


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Agreement over a set of (rater A, rater B) verdict pairs."""

    n: int
    agreed: int
    kappa: float | None  # None when undefined

    @property
    def share(self) -> float | None:
        return self.agreed / self.n if self.n else None

    @property
    def kappa_known(self) -> bool:
        return self.kappa is not None and self.n >= MIN_PAIRS

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> PairAgreement:
        if not pairs:
            return cls(0, 0, None)
        frame = pd.DataFrame(pairs, columns=["a", "b"])
        confusion = pd.crosstab(frame["a"], frame["b"])
        return cls(len(pairs), sum(a == b for a, b in pairs), cohen_kappa(confusion))


@dataclass(frozen=True, slots=True)
class CriterionAgreement:
    criterion_id: str
    title: str | None
    people: PairAgreement  # between reviewers
    ai: PairAgreement  # the AI with each reviewer
    action: str  # what to do, in words ("" when nothing)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A criterion of a call on which the reviewers gave different verdicts."""

    call_id: str
    started_at: datetime | None
    manager_name: str | None
    criterion_id: str
    title: str | None
    ai_verdict: str
    verdicts: tuple[tuple[str, str], ...]  # (reviewer's name, verdict), by name


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    round: Round
    criteria: tuple[CriterionAgreement, ...]
    disagreements: tuple[Disagreement, ...]


def calibration_report(db_path: PathLike, user: Actor, round_id: int,
                       low_kappa: float = 0.4) -> CalibrationReport | None:
    """The agreement table and the disagreements of a round; None while it is in progress
    (nobody sees other people's verdicts before every reviewer has finished or the round was
    closed early; then it counts the calls that were rated)."""
    rnd = calibration.get_round(db_path, user, round_id)
    results = calibration.round_results(db_path, user, round_id)
    if rnd is None or results is None:
        return None
    return CalibrationReport(rnd, criterion_agreement(results, low_kappa), disagreements(results))


def criterion_agreement(results: pd.DataFrame, low_kappa: float = 0.4) -> tuple[CriterionAgreement, ...]:
    """One :class:`CriterionAgreement` per criterion, in the order the criteria first appear."""
    out = []
    for criterion_id, rows in results.groupby("criterion_id", sort=False):
        people: list[tuple[str, str]] = []
        ai: list[tuple[str, str]] = []
        for _, call in rows.groupby("call_id", sort=False):
            verdicts = call.sort_values("username")["verdict"].tolist()
            people.extend(combinations(verdicts, 2))
            ai.extend((str(a), v) for a, v in zip(call["ai_verdict"], call["verdict"], strict=True))
        between, with_ai = PairAgreement.of(people), PairAgreement.of(ai)
        title = rows["title"].iloc[0]
        out.append(CriterionAgreement(str(criterion_id), None if pd.isna(title) else str(title),
                                      between, with_ai, _action(between, with_ai, low_kappa)))
    return tuple(out)


def _action(people: PairAgreement, ai: PairAgreement, low_kappa: float) -> str:
    if people.kappa_known and people.kappa < low_kappa:
        return UNCLEAR_CRITERION
    if people.kappa_known and ai.kappa_known and ai.kappa < low_kappa:
        return REVISE_AI
    return ""


def disagreements(results: pd.DataFrame) -> tuple[Disagreement, ...]:
    """Criteria of calls on which the reviewers differ, in sample and criterion order."""
    out = []
    for (call_id, criterion_id), rows in results.groupby(["call_id", "criterion_id"], sort=False):
        if rows["verdict"].nunique() < 2:
            continue
        first = rows.iloc[0]
        started = first["started_at"]
        out.append(Disagreement(
            call_id=str(call_id), started_at=None if pd.isna(started) else pd.Timestamp(started).to_pydatetime(),
            manager_name=None if pd.isna(first["manager_name"]) else str(first["manager_name"]),
            criterion_id=str(criterion_id), title=None if pd.isna(first["title"]) else str(first["title"]),
            ai_verdict=str(first["ai_verdict"]),
            verdicts=tuple(sorted(zip(rows["reviewer_name"], rows["verdict"], strict=True))),
        ))
    return tuple(out)


# --- wording --------------------------------------------------------------------------------

def share_text(a: PairAgreement) -> str:
    """«80% (8 из 10)»; «нет пар» when nobody rated."""
    if not a.n:
        return "нет пар"
    return f"{a.share:.0%} ({a.agreed} из {a.n})"


def kappa_text(a: PairAgreement) -> str:
    """«0,60», or «мало данных» below MIN_PAIRS pairs or when κ is undefined."""
    return f"{a.kappa:.2f}".replace(".", ",") if a.kappa_known else LOW_DATA
