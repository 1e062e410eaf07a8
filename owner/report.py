"""The owner's view of the head of sales (РОП): is he listening, coaching, and does it work?

Public entry: :func:`owner_report` (everything the «Контроль РОП» page and the weekly digest
show for one ISO week). The parts are public too: :func:`coaching_effects`,
:func:`red_flags`, :func:`agreements`, :func:`cohen_kappa`, :func:`two_proportion_p`.

Rolling windows end at ``as_of`` (the end of the week, or now for the current week): the
РОП's meetings are checked over the last 7 days, one-to-ones and trainings over the last 30,
"managers left alone" over ``owner.no_review_days``; so a past week reads the same forever
and the current week is judged on the days that have really passed.
"""

from __future__ import annotations

import functools
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from core.errors import CallQAError
from core.stats import wilson
from store import db
from store import owner_queries as q

log = logging.getLogger(__name__)

PathLike = q.PathLike
MONTH_DAYS = 30
LOOKBACK_DAYS = 91  # coaching effects and AI–РОП agreement use the last 13 weeks
STREAK_LOOKBACK_DAYS = 30
SIGNIFICANCE = 0.05

IMPROVED, NO_EFFECT, LOW_DATA = "улучшилось", "без эффекта", "мало данных"
REVISE_CRITERION = "пересмотреть формулировку критерия"


# --- weeks --------------------------------------------------------------------------------

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week ``YYYY-Www``: ``[start, end)`` from Monday 00:00."""

    label: str
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, label: str) -> Week:
        try:
            year, num = label.strip().upper().split("-W")
            monday = date.fromisocalendar(int(year), int(num), 1)
        except ValueError as exc:
            raise CallQAError(f"Week {label!r} is not an ISO week; write it as 2026-W47.") from exc
        return cls.containing(monday)

    @classmethod
    def containing(cls, day: date | datetime) -> Week:
        day = day.date() if isinstance(day, datetime) else day
        year, num, weekday = day.isocalendar()
        start = datetime.combine(day - timedelta(days=weekday - 1), datetime.min.time())
        return cls(f"{year}-W{num:02d}", start, start + timedelta(days=7))

    def previous(self) -> Week:
        return Week.containing(self.start - timedelta(days=1))

    def as_of(self, now: datetime | None = None) -> datetime:
        """The moment the week is judged at: its end, or now while it is running."""
        return min(self.end, now or datetime.now())

    @property
    def title(self) -> str:
        """The week in words, as people say it: «16–22 ноября 2026», «30 ноября – 6 декабря
        2026», «29 декабря 2025 – 4 января 2026» (the ISO label stays for files and the CLI)."""
        first, last = self.start, self.end - timedelta(days=1)
        end = f"{last.day} {MONTHS_GENITIVE[last.month - 1]} {last.year}"
        if first.year != last.year:
            return f"{first.day} {MONTHS_GENITIVE[first.month - 1]} {first.year} – {end}"
        if first.month != last.month:
            return f"{first.day} {MONTHS_GENITIVE[first.month - 1]} – {end}"
        return f"{first.day}–{end}"


def recent_weeks(db_path: PathLike, now: datetime | None = None, limit: int = 26) -> list[Week]:
    """Weeks with calls in the store, newest first (at least the current week)."""
    return weeks_back(*q.data_weeks(db_path), now=now, limit=limit)


def weeks_back(first: datetime | None, last: datetime | None, now: datetime | None = None,
               limit: int = 26) -> list[Week]:
    """The weeks from the one of the ``last`` call (or of ``now``, when earlier) back to the
    one of the ``first``, newest first, at most ``limit``."""
    now = now or datetime.now()
    newest = Week.containing(min(last, now) if last else now)
    weeks = [newest]
    while len(weeks) < limit and first is not None and weeks[-1].start > first:
        weeks.append(weeks[-1].previous())
    return weeks


# --- parameters ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OwnerParams:
    low_score: float = 60.0
    min_calls: int = 5
    no_review_days: int = 14
    min_review_share: float = 0.05
    min_played_minutes_week: float = 30
    expected_planning_per_week: int = 1
    expected_one_to_one_per_month: int = 1
    expected_training_per_month: int = 1
    coaching_window_calls: int = 10
    repeat_error_calls: int = 3
    team_stage_fail_rate: float = 0.6
    discount_share_rise: float = 0.15
    low_kappa: float = 0.4

    @classmethod
    def from_config(cls, cfg) -> OwnerParams:
        owner_keys = {name: cfg[f"owner.{name}"] for name in cls.__dataclass_fields__
                      if f"owner.{name}" in cfg.values}
        return cls(low_score=float(cfg["scoring.low_score_threshold"]),
                   min_calls=int(cfg["scoring.min_calls"]), **owner_keys)


# --- results ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HeadActivity:
    """The РОП's week in numbers (calls = calls started in the week)."""

    opened_calls: int
    played_calls: int
    played_min: float
    calls: int
    reviewed_calls: int
    overrides: int
    feedback_given: int
    feedback_ack: int

    @property
    def coverage(self) -> float:
        return self.reviewed_calls / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class Latency:
    """Hours from a low-scoring call to the first feedback; open calls count with their age."""

    low_calls: int
    answered: int
    open: int
    median_h: float | None
    worst_h: float | None
    calls: pd.DataFrame  # call_id, manager_id, manager_name, started_at, score_pct, latency_h, open


@dataclass(frozen=True, slots=True)
class Cadence:
    kind: str  # planning | one_to_one | training
    period_days: int
    expected: int
    held: int
    missing_manager_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.held >= self.expected and not self.missing_manager_ids


@dataclass(frozen=True, slots=True)
class CoachingEffect:
    """Pass rate before vs after one feedback (objections: share of answers without discount)."""

    feedback_id: int
    manager_id: str
    manager_name: str
    subject: str  # criterion id or objection kind
    about: str  # criterion | objection
    given_at: datetime
    call_id: str | None
    text: str
    before_n: int
    before_k: int
    after_n: int
    after_k: int
    before_ci: tuple[float, float]
    after_ci: tuple[float, float]
    p_value: float | None
    verdict: str

    @property
    def before_rate(self) -> float | None:
        return self.before_k / self.before_n if self.before_n else None

    @property
    def after_rate(self) -> float | None:
        return self.after_k / self.after_n if self.after_n else None


@dataclass(frozen=True, slots=True)
class RedFlag:
    code: str
    title: str
    on: bool
    detail: str
    call_ids: tuple[str, ...] = ()
    manager_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Agreement:
    """AI vs РОП on one criterion (or ``objection_handling`` classes)."""

    subject: str
    n: int
    agreed: int
    kappa: float | None
    confusion: pd.DataFrame  # rows: automatic verdict, columns: РОП verdict
    flagged: bool

    @property
    def action(self) -> str:
        return REVISE_CRITERION if self.flagged else ""


@dataclass(frozen=True, slots=True)
class OwnerReport:
    week: Week
    as_of: datetime
    params: OwnerParams
    managers: pd.DataFrame
    previous_managers: pd.DataFrame
    activity: HeadActivity
    latency: Latency
    cadence: tuple[Cadence, ...]
    coaching: tuple[CoachingEffect, ...]
    flags: tuple[RedFlag, ...]
    agreement: tuple[Agreement, ...]
    objection_agreement: Agreement
    objections: pd.DataFrame
    previous_objections: pd.DataFrame
    criteria: pd.DataFrame

    @property
    def flags_on(self) -> tuple[RedFlag, ...]:
        return tuple(f for f in self.flags if f.on)


# --- the report ---------------------------------------------------------------------------

def owner_report(db_path: PathLike, params: OwnerParams, week: Week,
                 now: datetime | None = None) -> OwnerReport:
    """Everything about the РОП's work in ``week``, judged at the week's end (or now).

    All queries share one short read-only connection; independent parts run two at a time
    (each on its own cursor, DuckDB on one thread per part: the parts keep both cores busy,
    and single-threaded queries skip merging per-thread hash tables, ~10 % less CPU at 10M
    calls). The connection is closed after the report is returned.
    """
    with db.reader(db_path, threads=1, close_in_background=True) as con, \
            ThreadPoolExecutor(PARALLEL_PARTS) as pool:
        def part(fn, *args):
            return pool.submit(_on_cursor, con, fn, *args)

        return _owner_report(part, params, week, now)


PARALLEL_PARTS = 2


def _on_cursor(con, fn, *args):
    cursor = con.cursor()
    try:
        return fn(cursor, *args)
    finally:
        cursor.close()


def _owner_report(part, params: OwnerParams, week: Week, now: datetime | None) -> OwnerReport:
    """``part(fn, *args)`` starts ``fn(connection, *args)`` and returns its future."""
    as_of = week.as_of(now)
    prev = week.previous()
    # the longest parts first
    agreed = part(agreements, params, as_of)
    coaching = part(coaching_effects, params, as_of)
    latency = part(feedback_latency, params, week, as_of)
    managers = part(q.manager_week, week.start, week.end, as_of, params.low_score)
    previous = part(q.manager_week, prev.start, prev.end, prev.as_of(now), params.low_score)
    flag_data = part(_flag_data, params, week, as_of)
    objections = part(q.objection_week, week.start, week.end, as_of)
    prev_objections = part(q.objection_week, prev.start, prev.end, prev.as_of(now))
    criteria = part(q.team_criterion_rates, week.start, week.end, as_of)
    cadence = part(head_cadence, params, as_of)
    criteria_agreement, handling_agreement = agreed.result()
    report = OwnerReport(
        week=week, as_of=as_of, params=params, managers=managers.result(),
        previous_managers=previous.result(),
        activity=head_activity(managers.result()),
        latency=latency.result(),
        cadence=cadence.result(),
        coaching=coaching.result(),
        flags=(),
        agreement=criteria_agreement,
        objection_agreement=handling_agreement,
        objections=objections.result(), previous_objections=prev_objections.result(),
        criteria=criteria.result(),
    )
    return _replace_flags(report, _red_flags(params, report, flag_data.result()))


def _replace_flags(report: OwnerReport, flags: tuple[RedFlag, ...]) -> OwnerReport:
    return replace(report, flags=flags)


def head_activity(managers: pd.DataFrame) -> HeadActivity:
    return HeadActivity(
        opened_calls=int(managers["opened_calls"].sum()),
        played_calls=int(managers["played_calls"].sum()),
        played_min=float(managers["played_s"].sum()) / 60.0,
        calls=int(managers["calls"].sum()),
        reviewed_calls=int(managers["reviewed_calls"].sum()),
        overrides=int(managers["overrides"].sum()),
        feedback_given=int(managers["feedback_given"].sum()),
        feedback_ack=int(managers["feedback_ack"].sum()),
    )


def feedback_latency(db_path: PathLike, params: OwnerParams, week: Week, as_of: datetime) -> Latency:
    calls = q.low_score_calls(db_path, week.start, week.end, as_of, params.low_score)
    answered = calls["first_feedback_at"].notna()
    until = calls["first_feedback_at"].where(answered, pd.Timestamp(as_of))
    calls = calls.assign(
        latency_h=(until - calls["started_at"]).dt.total_seconds() / 3600.0,
        open=~answered,
    )
    hours = calls["latency_h"]
    return Latency(
        low_calls=len(calls), answered=int(answered.sum()), open=int((~answered).sum()),
        median_h=float(hours.median()) if len(hours) else None,
        worst_h=float(hours.max()) if len(hours) else None,
        calls=calls,
    )


def head_cadence(db_path: PathLike, params: OwnerParams, as_of: datetime) -> tuple[Cadence, ...]:
    """The РОП's regular actions from his log against the expected cadence."""
    month_ago = as_of - timedelta(days=MONTH_DAYS)
    week_ago = as_of - timedelta(days=7)
    entries = q.head_log_entries(db_path, month_ago, as_of)
    held_on = pd.to_datetime(entries["held_on"])
    planning = entries[(entries["kind"] == "planning") & (held_on >= pd.Timestamp(week_ago.date()))]
    one_to_one = entries[entries["kind"] == "one_to_one"]
    training = entries[entries["kind"] == "training"]
    active = q.active_managers(db_path, month_ago, as_of)["manager_id"].tolist()
    met = one_to_one.groupby("manager_id").size()
    missing = tuple(m for m in active if met.get(m, 0) < params.expected_one_to_one_per_month)
    return (
        Cadence("planning", 7, params.expected_planning_per_week, len(planning)),
        Cadence("one_to_one", MONTH_DAYS, params.expected_one_to_one_per_month * len(active),
                int(len(one_to_one)), missing),
        Cadence("training", MONTH_DAYS, params.expected_training_per_month, len(training)),
    )


# --- coaching effect ----------------------------------------------------------------------

def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test; None when undefined."""
    if not n1 or not n2:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None if k1 / n1 == k2 / n2 else 0.0
    z = (k2 / n2 - k1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2))


def effect_verdict(before_k: int, before_n: int, after_k: int, after_n: int, window: int) -> str:
    """«улучшилось» when the after-interval lies above the before-interval or the two-proportion
    test is significant upwards; «мало данных» with fewer than window/2 calls on either side."""
    return _verdict(before_k, before_n, after_k, after_n, window, wilson(before_k, before_n),
                    wilson(after_k, after_n), two_proportion_p(before_k, before_n, after_k, after_n))


def _verdict(before_k: int, before_n: int, after_k: int, after_n: int, window: int,
             before_ci: tuple[float, float], after_ci: tuple[float, float], p: float | None) -> str:
    """:func:`effect_verdict` from the intervals and p-value already computed."""
    if min(before_n, after_n) < window / 2:
        return LOW_DATA
    (_, b_hi), (a_lo, _) = before_ci, after_ci
    rising = after_k / after_n > before_k / before_n
    if rising and (a_lo > b_hi or (p is not None and p < SIGNIFICANCE)):
        return IMPROVED
    return NO_EFFECT


NOT_PROVEN = "рост пока не доказан"


def effect_text(e: CoachingEffect) -> str:
    """The coaching outcome in the digest's words: «улучшилось», «рост пока не доказан» (up,
    but within chance at this number of calls), «без эффекта», «мало данных»."""
    if e.verdict == NO_EFFECT and (e.after_rate or 0) > (e.before_rate or 0):
        return NOT_PROVEN
    return e.verdict


def activity_trend(db_path: PathLike, week: Week, now: datetime | None = None,
                   weeks: int = 8) -> pd.DataFrame:
    """The РОП's activity over the ``weeks`` weeks ending with ``week`` (see
    :func:`store.owner_queries.head_activity_weeks`)."""
    since = week.start - timedelta(days=7 * (weeks - 1))
    return q.head_activity_weeks(db_path, since, week.as_of(now))


def coaching_effects(db_path: PathLike, params: OwnerParams, as_of: datetime,
                     since: datetime | None = None) -> tuple[CoachingEffect, ...]:
    """One :class:`CoachingEffect` per feedback given in the lookback, newest first."""
    since = since or as_of - timedelta(days=LOOKBACK_DAYS)
    window = params.coaching_window_calls
    crit = q.coaching_samples(db_path, since, as_of, window)
    obj = q.objection_coaching_samples(db_path, since, as_of, window)
    obj = obj.assign(passed=obj["n"] - obj["discount"])
    effects = [*_effects(crit, "criterion_id", "criterion", window),
               *_effects(obj, "objection_kind", "objection", window)]
    return tuple(sorted(effects, key=lambda e: (e.given_at, e.feedback_id), reverse=True))


def _effects(samples: pd.DataFrame, subject_col: str, about: str, window: int) -> list[CoachingEffect]:
    if samples.empty:
        return []
    # one row per feedback with the before/after counts side by side: numpy over the columns
    # (pandas indexing per group cost ~1 s for 650 feedbacks at 1M calls, a dict of row tuples
    # ~60 ms for 6 500 at 10M), then the statistics once per distinct count (few: n <= window)
    firsts = samples.drop_duplicates("feedback_id")
    fids = firsts["feedback_id"].to_numpy(dtype="int64")
    sided = samples[samples["before"].notna()]  # NA: no calls on either side
    at = pd.Index(fids).get_indexer(sided["feedback_id"].to_numpy(dtype="int64"))
    before = sided["before"].to_numpy(dtype=bool)
    n, k = sided["n"].to_numpy(dtype="int64"), sided["passed"].to_numpy(dtype="int64")
    counts = np.zeros((4, len(fids)), dtype="int64")  # before n, before k, after n, after k
    counts[0, at[before]], counts[1, at[before]] = n[before], k[before]
    counts[2, at[~before]], counts[3, at[~before]] = n[~before], k[~before]
    given = firsts["created_at"].dt.to_pydatetime()
    return [CoachingEffect(feedback_id=fid, manager_id=manager_id, manager_name=manager_name, subject=subject,
                           about=about, given_at=given_at, call_id=call_id, text=text,
                           before_n=bn, before_k=bk, after_n=an, after_k=ak, **_effect_stats(bk, bn, ak, an, window))
            for fid, manager_id, manager_name, subject, given_at, call_id, text, bn, bk, an, ak in zip(
                fids.tolist(), firsts["manager_id"].tolist(), firsts["manager_name"].tolist(),
                firsts[subject_col].tolist(), given, firsts["call_id"].tolist(), firsts["text"].tolist(),
                *counts.tolist(), strict=True)]


@functools.lru_cache(maxsize=4096)
def _effect_stats(bk: int, bn: int, ak: int, an: int, window: int) -> dict:
    """The intervals, p-value and verdict of one pair of counts (shared: treat as read-only)."""
    before_ci, after_ci, p = wilson(bk, bn), wilson(ak, an), two_proportion_p(bk, bn, ak, an)
    return {"before_ci": before_ci, "after_ci": after_ci, "p_value": p,
            "verdict": _verdict(bk, bn, ak, an, window, before_ci, after_ci, p)}


# --- AI vs РОП agreement ------------------------------------------------------------------

def cohen_kappa(confusion: pd.DataFrame) -> float | None:
    """Cohen's κ of a square confusion table (rows: rater A, columns: rater B).

    None when undefined (every pair in one category: chance agreement is 1).
    """
    labels = sorted(set(confusion.index) | set(confusion.columns))
    table = confusion.reindex(index=labels, columns=labels, fill_value=0).astype(float)
    n = table.values.sum()
    if n == 0:
        return None
    observed = sum(table.at[label, label] for label in labels) / n
    expected = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / (n * n)
    if expected >= 1.0:
        return None
    return round(float((observed - expected) / (1.0 - expected)), 9)  # 0.4 stays 0.4


def _agreement(subject: str, pairs: pd.DataFrame, params: OwnerParams) -> Agreement:
    # rows: automatic verdict, columns: the РОП's (a groupby: pivot_table costs ~5 ms a table)
    confusion = pairs.groupby(["auto", "head"])["n"].sum().unstack("head", fill_value=0) \
        if len(pairs) else pd.DataFrame()
    n = int(pairs["n"].sum()) if len(pairs) else 0
    agreed = int(pairs.loc[pairs["auto"] == pairs["head"], "n"].sum()) if len(pairs) else 0
    kappa = cohen_kappa(confusion) if n else None
    flagged = bool(kappa is not None and n >= params.min_calls and kappa < params.low_kappa)
    return Agreement(subject, n, agreed, kappa, confusion, flagged)


def agreements(db_path: PathLike, params: OwnerParams, as_of: datetime,
               since: datetime | None = None) -> tuple[tuple[Agreement, ...], Agreement]:
    """:func:`agreement` and :func:`objection_agreement` from one query."""
    since = since or as_of - timedelta(days=LOOKBACK_DAYS)
    pairs, handling = q.agreement_tables(db_path, since, as_of)
    return (tuple(_agreement(cid, rows, params) for cid, rows in pairs.groupby("criterion_id")),
            _agreement("objection_handling", handling, params))


def agreement(db_path: PathLike, params: OwnerParams, as_of: datetime,
              since: datetime | None = None) -> tuple[Agreement, ...]:
    """Per criterion: κ and confusion between automatic verdicts and the РОП's, over calls he
    reviewed; criteria with κ < owner.low_kappa are flagged «пересмотреть формулировку»."""
    return agreements(db_path, params, as_of, since)[0]


def objection_agreement(db_path: PathLike, params: OwnerParams, as_of: datetime,
                        since: datetime | None = None) -> Agreement:
    return agreements(db_path, params, as_of, since)[1]


# --- red flags ----------------------------------------------------------------------------

def red_flags(db_path: PathLike, params: OwnerParams, report: OwnerReport) -> tuple[RedFlag, ...]:
    """Live signals, each with the calls / managers behind it."""
    return _red_flags(params, report, _flag_data(db_path, params, report.week, report.as_of))


@dataclass(frozen=True, slots=True)
class _FlagData:
    """What the red flags read beyond the report: the managers' last reviews, the training
    clips of the month, the runs of failed calls, and for a running week its last 7 days."""

    last_reviews: pd.DataFrame
    clips: pd.DataFrame
    streaks: pd.DataFrame
    last_7_days: pd.DataFrame | None


def _flag_data(db_path: PathLike, params: OwnerParams, week: Week, as_of: datetime) -> _FlagData:
    last_7_days = None
    if as_of < week.end:  # a running week: listening is judged on the last 7 days
        last_7_days = q.manager_week(db_path, as_of - timedelta(days=7), as_of, as_of, params.low_score)
    return _FlagData(
        last_reviews=q.last_reviews(db_path, as_of - timedelta(days=params.no_review_days), as_of),
        clips=q.training_clips(db_path, as_of - timedelta(days=MONTH_DAYS), as_of),
        streaks=q.fail_streaks(db_path, as_of - timedelta(days=STREAK_LOOKBACK_DAYS), as_of,
                               params.repeat_error_calls),
        last_7_days=last_7_days,
    )


def _red_flags(params: OwnerParams, report: OwnerReport, data: _FlagData) -> tuple[RedFlag, ...]:
    return (
        _not_listening(params, report, data.last_7_days),
        _abandoned(params, data.last_reviews),
        _no_training(params, report.cadence, data.clips),
        _no_meetings(report.cadence),
        _repeat_errors(data.streaks),
        _team_stage_fail(report.criteria, params),
        _discount_rise(report.objections, report.previous_objections, params),
    )


def _not_listening(params: OwnerParams, report: OwnerReport, last_7_days: pd.DataFrame | None) -> RedFlag:
    minutes = report.activity.played_min
    if last_7_days is not None:  # a running week: judge the last 7 days
        minutes = float(last_7_days["played_s"].sum()) / 60.0
    on = minutes < params.min_played_minutes_week
    return RedFlag("not_listening", "РОП не слушает звонки", on,
                   f"За 7 дней прослушано {fmt_minutes(minutes)} при норме "
                   f"{params.min_played_minutes_week:g} мин.")


def _abandoned(params: OwnerParams, managers: pd.DataFrame) -> RedFlag:
    left = managers[managers["last_review_at"].isna()]
    names = ", ".join(left["manager_name"])
    call_ids = tuple(cid for ids in left["latest_call_ids"] for cid in ids)
    detail = (f"Ни одного разобранного звонка за {params.no_review_days} дн.: {names}." if len(left)
              else f"Каждого менеджера с звонками РОП разбирал за последние {params.no_review_days} дн.")
    return RedFlag("abandoned", "Менеджеры брошены", bool(len(left)), detail, call_ids,
                   tuple(left["manager_id"]))


def _no_training(params: OwnerParams, cadence: tuple[Cadence, ...], clips: pd.DataFrame) -> RedFlag:
    sessions = next(c for c in cadence if c.kind == "training").held
    on = sessions < params.expected_training_per_month and clips.empty
    return RedFlag("no_training", "Нет обучения", on,
                   f"За 30 дней: обучений {sessions}, новых фрагментов в библиотеке {len(clips)}.",
                   tuple(clips["call_id"]))


def _no_meetings(cadence: tuple[Cadence, ...]) -> RedFlag:
    planning = next(c for c in cadence if c.kind == "planning")
    one_to_one = next(c for c in cadence if c.kind == "one_to_one")
    on = not planning.ok
    detail = f"Планёрок за 7 дней: {planning.held} (норма {planning.expected})."
    if one_to_one.missing_manager_ids:
        n = len(one_to_one.missing_manager_ids)
        detail += (f" Без встречи один на один за 30 дней: {n} "
                   f"{plural(n, ('менеджер', 'менеджера', 'менеджеров'))}.")
    return RedFlag("no_meetings", "Нет регулярных встреч", on, detail,
                   manager_ids=one_to_one.missing_manager_ids)


def _repeat_errors(streaks: pd.DataFrame) -> RedFlag:
    parts = [f"{r.manager_name} — «{criterion_name(r.criterion_id)}» {r.streak} "
             f"{plural(r.streak, ('звонок', 'звонка', 'звонков'))} подряд"
             for r in streaks.itertuples()]
    detail = ("; ".join(parts) + ", обратной связи не было.") if parts else \
        "Повторяющихся ошибок без обратной связи нет."
    call_ids = tuple(cid for ids in streaks["call_ids"] for cid in ids)
    return RedFlag("repeat_errors", "Повторяющиеся ошибки без обратной связи", bool(parts), detail,
                   call_ids, tuple(dict.fromkeys(streaks["manager_id"])))


def _team_stage_fail(criteria: pd.DataFrame, params: OwnerParams) -> RedFlag:
    rates = criteria[criteria["n"] >= params.min_calls]
    rates = rates.assign(rate=rates["failed"] / rates["n"])
    bad = rates[rates["rate"] >= params.team_stage_fail_rate]
    parts = [f"«{criterion_name(r.criterion_id)}» не выполнено в {r.rate:.0%} звонков"
             for r in bad.itertuples()]
    detail = "; ".join(parts) + "." if parts else "Ни один этап не проваливается у всей команды."
    call_ids = tuple(cid for ids in bad["failed_call_ids"] for cid in ids)
    return RedFlag("team_stage_fail", "Провал этапа скрипта у всей команды", bool(parts), detail, call_ids)


def discount_share(objections: pd.DataFrame, kind: str = "price") -> tuple[int, int]:
    """(discount answers, all answers) to one objection kind."""
    rows = objections[objections["kind"] == kind]
    return int(rows.loc[rows["handling"] == "discount", "n"].sum()), int(rows["n"].sum())


def _discount_rise(now: pd.DataFrame, before: pd.DataFrame, params: OwnerParams) -> RedFlag:
    k1, n1 = discount_share(before)
    k2, n2 = discount_share(now)
    enough = min(n1, n2) >= params.min_calls
    rise = (k2 / n2 - k1 / n1) if enough else 0.0
    on = enough and rise >= params.discount_share_rise
    detail = (f"Скидкой на «дорого» ответили в {k2} из {n2} случаев ({k2 / n2:.0%}) против "
              f"{k1} из {n1} ({k1 / n1:.0%}) неделей раньше." if enough
              else "Мало возражений «дорого», чтобы сравнить недели.")
    rows = now[(now["kind"] == "price") & (now["handling"] == "discount")]
    call_ids = tuple(dict.fromkeys(cid for ids in rows["call_ids"] for cid in ids))
    return RedFlag("discount_rise", "Рост доли скидок в ответ на «дорого»", on, detail, call_ids,
                   tuple(dict.fromkeys(rows["manager_id"].dropna())))


# --- wording ------------------------------------------------------------------------------

CRITERION_NAMES = {
    "greeting": "Приветствие",
    "client_name": "Имя клиента",
    "needs_discovery": "Выявление потребностей",
    "value_presentation": "Презентация ценности",
    "objection_handling": "Отработка возражений",
    "next_step": "Следующий шаг",
    "summary": "Резюме договорённостей",
    "farewell": "Прощание",
    "forbidden_phrases": "Запрещённые фразы",
    "no_rudeness": "Без грубости",
}
OBJECTION_NAMES = {
    "price": "дорого",
    "competitor_cheaper": "у конкурентов дешевле",
    "think_later": "подумаю / не сейчас",
    "no_time": "нет времени",
    "have_supplier": "уже работаем с другими",
    "send_offer": "пришлите КП",
    "need_consult": "надо посоветоваться",
}
HANDLING_NAMES = {"value": "ценность", "question": "уточняющий вопрос", "discount": "скидка",
                  "ignored": "проигнорировано", "other": "другое", "none": "не возражение"}
CADENCE_NAMES = {"planning": "Планёрки", "one_to_one": "Встречи один на один", "training": "Обучение"}


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """Russian plural: plural(1, ("звонок", "звонка", "звонков")) → «звонок»."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def criterion_name(criterion_id: str) -> str:
    return CRITERION_NAMES.get(criterion_id, criterion_id)


def objection_name(kind: str) -> str:
    return OBJECTION_NAMES.get(kind, kind)


def fmt_minutes(minutes: float) -> str:
    """«3 ч 20 мин», «45 мин»."""
    total = int(round(minutes))
    hours, mins = divmod(total, 60)
    return f"{hours} ч {mins} мин" if hours else f"{mins} мин"


def fmt_hours(hours: float | None) -> str:
    if hours is None or hours != hours:
        return "—"
    if hours < 48:
        return f"{hours:.0f} ч"
    return f"{hours / 24:.1f} дн".replace(".", ",")
