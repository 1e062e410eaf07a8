"""Read queries behind the owner's view of the РОП; each returns a DataFrame.

Conventions shared by every query here:

* **Who is the РОП.** Actions count as the РОП's when their ``username`` is not an owner or
  manager account in ``users`` (so the demo history counts even before its user exists).
* **Time.** ``start``/``end`` bound a week ``[start, end)``; ``as_of`` is "now" for the
  question asked (events after it are ignored, so a past week reads the same later).
* **Reviewed call.** The РОП played it for >= 10 s in total, overrode or commented on it, gave
  feedback on it, labelled an objection, clipped it for training, or marked it reviewed
  (:func:`store.effective.reviews_cte`, the same in the calls list and its filter).
* **Effective verdict.** The call's current score (current rubric version first, else the
  latest scored) with the РОП's latest override applied; objection handling likewise with the
  latest label.

How they stay fast on a contact centre's year (10M calls, 100M verdicts, 2 cores): verdicts and
objections come from the rollups of each call's current score (:mod:`store.rollups`:
``current_verdicts`` / ``current_objections``, with the call's start and manager, in time order),
so a question about some weeks reads the row groups of those weeks and joins only the РОП's
corrections to them; review rows carry the reviewed call's start and manager, so "whose calls
did he work on this week" reads the week's review rows, not every call. Questions about one or
a few criteria of many calls (coaching windows, the agreement of 13 weeks of reviewed calls,
the week's low-score calls) read ``call_verdicts``: a row per call with its verdicts as one
string, also copied onto ``review_days`` (migration 012). The agreement on objection handling
reads ``call_handlings`` likewise: a row per call with its objections' automatic handlings as
one string and their turns, copied onto ``review_days`` with the verdicts (migration 013).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from core.types import NOT_OBJECTION
from store import db, rollups
from store.effective import (  # the one definition of a reviewed call lives there
    _NOT_HEAD,
    _REVIEW_SOURCES,
    MIN_PLAYED_S,  # also re-exported
    effective_scores,
    latest_labels,
    latest_overrides,
    review_day_edges,
    with_call_info,
)
from store.effective import head_actions as _head_actions
from store.effective import reviews_cte as _reviews_cte
from store.queries import PERSON_JOIN, PERSON_NAME

# A store path (a short read-only connection per query) or an open connection (several
# queries of one report share it; see owner.report.owner_report).
PathLike = str | os.PathLike | duckdb.DuckDBPyConnection
RECENT_SPAN = timedelta(days=1)  # fail streaks: nearly every run starts within the last day


def _in_period(alias: str, lo: str, hi: str) -> str:
    """Result rows of calls started in ``[lo, hi)``: result tables carry the call's start
    (migration 002) and fill in time order, so this skips whole row groups."""
    return f"{alias}.started_at >= {lo} AND {alias}.started_at < {hi}"


def _effective_sc(lo: str, hi: str) -> str:
    """``sc``: the effective score of each call started in ``[lo, hi)`` (the РОП's overrides up
    to ``$as_of`` applied; :func:`store.effective.effective_scores`). The rollup's rows carry
    the call's start, so the start alone picks them (no set of call ids to join)."""
    return effective_scores("sc", started=(lo, hi), materialized=True,
                            fixes_where=f"created_at >= {lo} AND created_at < $as_of", rollup=True)


def _corrections(name: str, latest: str, key: str, value: str) -> str:
    """``name(call_id, m)``: per corrected call a map ``key → value`` of the РОП's latest
    corrections (``latest``). A few calls a week are corrected, so joining the map to the
    rollup rows is cheap and most rows find none (NULL)."""
    return f"{name} AS (SELECT call_id, map(list({key}), list({value})) AS m FROM ({latest}) GROUP BY call_id)"


def _fixed_in(call_scope: str | None, lo: str) -> str:
    """Corrections (of calls in scope) made in ``[lo, $as_of)``: nobody corrects a call before
    it starts, so the earliest start asked about bounds them."""
    in_scope = f" AND call_id IN {call_scope}" if call_scope else ""
    return f"created_at >= {lo} AND created_at < $as_of{in_scope}"


def _rollup_rows(alias: str, call_scope: str | None, lo: str, hi: str) -> str:
    """Rollup rows of calls (in scope) started in ``[lo, hi)``: the time bound skips whole row
    groups (rollups fill in time order)."""
    in_scope = f" AND {alias}.call_id IN {call_scope}" if call_scope else ""
    return f"{_in_period(alias, lo, hi)}{in_scope}"


def _verdict_cte(call_scope: str | None, lo: str, hi: str, materialized: bool = False) -> str:
    """``ev(call_id, manager_id, started_at, rubric_version, criterion_id, auto, verdict)``: the
    effective verdicts of calls (in ``call_scope``; None: every call) started in ``[lo, hi)``
    (``materialized``: computed once, before the joins that use it)."""
    fixes = latest_overrides(_fixed_in(call_scope, lo), "call_id, criterion_id, verdict")
    keyword = " MATERIALIZED" if materialized else ""
    return f"""{_corrections("ev_fix", fixes, "criterion_id", "verdict")},
    ev AS{keyword} ({_effective_verdicts("ev_fix", _rollup_rows("r", call_scope, lo, hi))})"""


def _effective_verdicts(fixes: str, where: str) -> str:
    """Rollup verdict rows ``r`` matching ``where`` with the corrections map ``fixes`` applied."""
    return f"""SELECT r.call_id, r.manager_id, r.started_at, r.rubric_version, r.criterion_id, r.verdict AS auto,
                  {_CORRECTED} AS verdict
           FROM current_verdicts r LEFT JOIN {fixes} f ON f.call_id = r.call_id
           WHERE {where}"""


# The effective verdict of a rollup row ``r`` given its call's corrections map ``f.m``.
_CORRECTED = "CASE WHEN f.m IS NULL THEN r.verdict ELSE coalesce(map_extract(f.m, r.criterion_id)[1], r.verdict) END"


def _handling_cte(call_scope: str | None, lo: str, hi: str) -> str:
    """``eo(call_id, manager_id, started_at, rubric_version, segment_idx, kind, auto, handling,
    labelled)``: objections of calls (in scope) started in ``[lo, hi)`` with the РОП's latest
    label applied; turns he marked as no objection left out."""
    fixes = latest_labels(_fixed_in(call_scope, lo), "call_id, segment_idx, handling")
    return f"""{_corrections("eo_fix", fixes, "segment_idx", "handling")},
    eo0 AS (SELECT o.call_id, o.manager_id, o.started_at, o.rubric_version, o.segment_idx, o.kind,
                   o.handling AS auto,
                   CASE WHEN f.m IS NULL THEN NULL ELSE map_extract(f.m, o.segment_idx)[1] END AS label
            FROM current_objections o LEFT JOIN eo_fix f ON f.call_id = o.call_id
            WHERE {_rollup_rows("o", call_scope, lo, hi)}),
    eo AS (SELECT call_id, manager_id, started_at, rubric_version, segment_idx, kind, auto,
                  coalesce(label, auto) AS handling, label IS NOT NULL AS labelled FROM eo0
           WHERE label IS DISTINCT FROM '{NOT_OBJECTION}')"""


def _head_rows(table: str, lo: str, hi: str, columns: str) -> str:
    """``columns`` of the РОП's rows of a review ``table`` made in ``[lo, hi)``, with their
    call's ``started_at`` and ``manager_id`` (rows of calls not in the store left out)."""
    return with_call_info(table, _head_actions(lo, hi=hi, alias="t."), columns)


# Each query first materialises the set of call ids it is about (``scope``): DuckDB would
# otherwise inline the subquery at every use and re-scan calls / review_events each time.
_SCOPE = "(SELECT call_id FROM scope)"
_WEEK_SCOPE = "scope AS MATERIALIZED (SELECT call_id FROM calls WHERE started_at >= $start AND started_at < $end)"
_WEEK_CALLS = _SCOPE
_WEEK = ("$start", "$end")
_WEEK_SCORES = _effective_sc(*_WEEK)


def manager_week(db_path: PathLike, start: datetime, end: datetime, as_of: datetime,
                 low_score: float) -> pd.DataFrame:
    """Per manager: the week's calls, scores, review coverage and the РОП's actions.

    ``calls``/``scored``/``mean_score``/``low_calls``/``reviewed_calls`` are about calls
    started in the week (reviewed by ``as_of``); ``opened_calls``/``played_s``/``overrides``/
    ``feedback_given``/``feedback_ack`` are the РОП's actions dated in the week on the
    manager's calls (feedback: addressed to the manager).
    """
    sql = f"""
    WITH {_WEEK_SCOPE}, {_WEEK_SCORES}, {_reviews_cte(_WEEK_CALLS, '$start', rollup=True)},
    wk AS (SELECT c.manager_id, count(*) AS calls, count(sc.score_pct) AS scored,
                  avg(sc.score_pct) AS mean_score,
                  count(*) FILTER (WHERE sc.score_pct < $low) AS low_calls,
                  count(rev.call_id) AS reviewed_calls
           FROM calls c LEFT JOIN sc ON sc.call_id = c.call_id
           LEFT JOIN rev ON rev.call_id = c.call_id
           WHERE c.started_at >= $start AND c.started_at < $end GROUP BY c.manager_id),
    -- per call first, then per manager (one aggregation instead of one per DISTINCT count)
    act AS (SELECT manager_id, count(*) FILTER (WHERE opened) AS opened_calls,
                   count(*) FILTER (WHERE played) AS played_calls, coalesce(sum(played_s), 0) AS played_s
            FROM (SELECT e.manager_id, e.call_id, bool_or(e.kind = 'opened') AS opened,
                         bool_or(e.kind = 'played' AND e.played_s > 0) AS played,
                         sum(e.played_s) FILTER (WHERE e.kind = 'played') AS played_s
                  FROM ({_head_rows("review_events", "$start", "$until", "t.call_id, t.kind, t.played_s")}) e
                  GROUP BY e.manager_id, e.call_id)
            GROUP BY manager_id),
    ovr AS (SELECT o.manager_id, count(*) AS overrides
            FROM ({_head_rows("overrides", "$start", "$until", "t.call_id")}) o GROUP BY o.manager_id),
    fb AS (SELECT manager_id, count(*) AS feedback_given,
                  count(*) FILTER (WHERE acknowledged_at IS NOT NULL
                                   AND acknowledged_at < $as_of) AS feedback_ack
           FROM feedback WHERE created_at >= $start AND created_at < $until
             AND username NOT IN {_NOT_HEAD}
           GROUP BY manager_id),
    ids AS (SELECT manager_id FROM managers WHERE active
            UNION SELECT manager_id FROM wk UNION SELECT manager_id FROM act
            UNION SELECT manager_id FROM fb)
    SELECT ids.manager_id, coalesce(m.name, ids.manager_id, '—') AS manager_name,
           coalesce(wk.calls, 0) AS calls, coalesce(wk.scored, 0) AS scored, wk.mean_score,
           coalesce(wk.low_calls, 0) AS low_calls, coalesce(wk.reviewed_calls, 0) AS reviewed_calls,
           coalesce(act.opened_calls, 0) AS opened_calls,
           coalesce(act.played_calls, 0) AS played_calls, coalesce(act.played_s, 0) AS played_s,
           coalesce(ovr.overrides, 0) AS overrides, coalesce(fb.feedback_given, 0) AS feedback_given,
           coalesce(fb.feedback_ack, 0) AS feedback_ack
    FROM ids LEFT JOIN managers m ON m.manager_id = ids.manager_id
    LEFT JOIN wk ON wk.manager_id IS NOT DISTINCT FROM ids.manager_id
    LEFT JOIN act ON act.manager_id IS NOT DISTINCT FROM ids.manager_id
    LEFT JOIN ovr ON ovr.manager_id IS NOT DISTINCT FROM ids.manager_id
    LEFT JOIN fb ON fb.manager_id IS NOT DISTINCT FROM ids.manager_id
    ORDER BY manager_name"""
    until = min(end, as_of)
    return _df(db_path, sql, start=start, end=end, until=until, as_of=as_of, low=low_score)


def head_activity_weeks(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    """The РОП's activity per ISO week in ``[since, as_of)``: ``played_min`` (minutes played),
    ``reviewed_calls`` (calls he first reviewed that week, the one definition of reviewed) and
    ``feedback_given``; one row per week, weeks without activity included."""
    sql = f"""
    WITH {_reviews_cte(None, '$since', rollup=True)},
    weeks AS (SELECT unnest(generate_series(date_trunc('week', $since::TIMESTAMP),
                                            $as_of::TIMESTAMP - INTERVAL 1 MICROSECOND,
                                            INTERVAL 1 WEEK)) AS week),
    pl AS (SELECT date_trunc('week', created_at) AS week, sum(played_s) / 60.0 AS played_min
           FROM hev WHERE kind = 'played' GROUP BY ALL),
    rv AS (SELECT date_trunc('week', reviewed_at) AS week, count(*) AS reviewed_calls FROM rev GROUP BY ALL),
    fb AS (SELECT date_trunc('week', created_at) AS week, count(*) AS feedback_given FROM feedback
           WHERE {_head_actions('$since')} GROUP BY ALL)
    SELECT weeks.week, coalesce(pl.played_min, 0) AS played_min,
           coalesce(rv.reviewed_calls, 0) AS reviewed_calls,
           coalesce(fb.feedback_given, 0) AS feedback_given
    FROM weeks LEFT JOIN pl USING (week) LEFT JOIN rv USING (week) LEFT JOIN fb USING (week)
    ORDER BY weeks.week"""
    return _df(db_path, sql, since=since, as_of=as_of)


def last_reviews(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    """Per manager with calls since ``since``: calls and reviews made in ``[since, as_of)``
    (of any of his calls, however old), the last review time (``NULL`` when none) and the ids
    of his latest calls."""
    sql = f"""
    WITH {_reviews_cte(None, '$since', with_call=True, rollup=True)},
    mc AS (SELECT manager_id, count(*) AS calls, max_by(call_id, started_at, 5) AS latest_call_ids
           FROM calls WHERE started_at >= $since AND started_at < $as_of AND manager_id IS NOT NULL
           GROUP BY manager_id),
    mr AS (SELECT call_manager_id AS manager_id, max(last_review_at) AS last_review_at
           FROM rev GROUP BY call_manager_id)
    SELECT mc.manager_id, coalesce(m.name, mc.manager_id) AS manager_name, mc.calls,
           mr.last_review_at, mc.latest_call_ids
    FROM mc LEFT JOIN mr ON mr.manager_id = mc.manager_id
    LEFT JOIN managers m ON m.manager_id = mc.manager_id ORDER BY manager_name"""
    return _df(db_path, sql, since=since, as_of=as_of)


def active_managers(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    """Managers with calls started in ``[since, as_of)``, by name."""
    sql = """
    SELECT a.manager_id, coalesce(m.name, a.manager_id) AS manager_name
    FROM (SELECT DISTINCT manager_id FROM calls WHERE started_at >= $since AND started_at < $as_of
          AND manager_id IS NOT NULL) a
    LEFT JOIN managers m ON m.manager_id = a.manager_id ORDER BY manager_name"""
    return _df(db_path, sql, since=since, as_of=as_of)


def low_score_calls(db_path: PathLike, start: datetime, end: datetime, as_of: datetime,
                    low_score: float) -> pd.DataFrame:
    """Low-scoring calls of the week and the first РОП feedback on each.

    Feedback counts when it is on the call itself, or addressed to the call's manager about a
    criterion the call failed, given after the call started (and before ``as_of``).
    """
    sql = f"""
    WITH {_WEEK_SCORES},
    low AS MATERIALIZED (SELECT c.call_id, c.manager_id, c.started_at, sc.score_pct
            FROM calls c JOIN sc ON sc.call_id = c.call_id
            WHERE c.started_at >= $start AND c.started_at < $end AND sc.score_pct < $low),
    {_corrections("ev_fix", latest_overrides(_fixed_in("(SELECT call_id FROM low)", "$start"),
                                             "call_id, criterion_id, verdict"), "criterion_id", "verdict")},
    fb AS (SELECT call_id, manager_id, criterion_id, created_at FROM feedback
           WHERE created_at < $as_of AND created_at >= $start AND username NOT IN {_NOT_HEAD}),
    -- feedback to the call's manager on a criterion, and the call's effective verdict on it:
    -- the letter at the criterion's position in call_verdicts, or the РОП's correction
    on_crit AS (SELECT low.call_id, fb.created_at, fb.criterion_id, f.m, substr(v.verdicts, p.pos, 1) AS letter
                FROM low JOIN call_verdicts v ON v.call_id = low.call_id AND {_in_period("v", *_WEEK)}
                JOIN fb ON fb.manager_id = low.manager_id AND fb.created_at >= low.started_at
                JOIN criterion_positions p ON p.criterion_id = fb.criterion_id
                LEFT JOIN ev_fix f ON f.call_id = low.call_id),
    answers AS (  -- two equi-joins, not one OR-join (that one is a nested loop)
        SELECT low.call_id, fb.created_at FROM low JOIN fb
          ON fb.call_id = low.call_id AND fb.created_at >= low.started_at
        UNION ALL
        SELECT call_id, created_at FROM on_crit
        WHERE letter NOT IN ('', '{rollups.NO_ROW}')
          AND CASE WHEN map_extract(m, criterion_id)[1] IS NULL THEN letter = '{rollups.VERDICT_LETTERS["fail"]}'
                   ELSE map_extract(m, criterion_id)[1] = 'fail' END),
    first_fb AS (SELECT call_id, min(created_at) AS first_feedback_at FROM answers GROUP BY call_id)
    SELECT low.*, coalesce(m.name, low.manager_id) AS manager_name, first_fb.first_feedback_at
    FROM low LEFT JOIN first_fb USING (call_id) LEFT JOIN managers m ON m.manager_id = low.manager_id
    ORDER BY low.started_at"""
    return _df(db_path, sql, start=start, end=end, as_of=as_of, low=low_score)


def call_titles(db_path: PathLike, call_ids) -> pd.DataFrame:
    """When each of these calls started and its manager's name (link texts in words)."""
    ids = [str(c) for c in call_ids]
    if not ids:
        return pd.DataFrame(columns=["call_id", "started_at", "manager_name"])
    sql = """SELECT c.call_id, c.started_at, m.name AS manager_name
             FROM calls c LEFT JOIN managers m ON m.manager_id = c.manager_id
             WHERE list_contains($ids, c.call_id)"""
    return _df(db_path, sql, ids=ids)


def head_log_entries(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    """The РОП's log (planning / one_to_one / training) held in ``[since, as_of)``; ``author``
    is the writer's name as the UI shows it (never the login)."""
    sql = f"""
    SELECT h.entry_id, h.kind, h.held_on, h.manager_id, coalesce(m.name, h.manager_id) AS manager_name,
           h.note, h.username, {PERSON_NAME} AS author, h.created_at
    FROM head_log h LEFT JOIN managers m ON m.manager_id = h.manager_id
    {PERSON_JOIN.format(alias='h')}
    WHERE h.held_on >= CAST($since AS DATE) AND h.held_on < CAST($as_of AS DATE) + 1
    ORDER BY h.held_on DESC, h.entry_id DESC"""
    return _df(db_path, sql, since=since, as_of=as_of)


def training_clips(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    sql = """SELECT item_id, call_id, label, note, created_at FROM training_items
             WHERE created_at >= $since AND created_at < $as_of ORDER BY created_at DESC"""
    return _df(db_path, sql, since=since, as_of=as_of)


# --- coaching: the window of samples around each feedback ------------------------------------
#
# A feedback is judged on its manager's ``window`` samples (calls; answers to an objection kind)
# right before and right after it, none earlier than SAMPLE_LOOKBACK before the period.
# Numbering every sample of the managers' months to find them sorts a million rows at
# contact-centre scale. Instead each feedback takes the samples within a span around it (three
# times the window at the manager's average pace, per side), found by an equi-join on buckets of
# that span, and keeps the nearest ``window`` on each side with top-N aggregates (no sort). A feedback
# whose span held fewer on a side than the window (without reaching the lookback's start or
# ``as_of`` there) is done again for its manager with an eight times wider span, so the windows
# are exactly the nearest samples however uneven the pace.

SAMPLE_LOOKBACK = timedelta(days=120)
_MIN_SPAN = timedelta(hours=1)
_SPAN_FACTOR = 4  # the first span per side holds this many windows at the manager's average pace
_WIDER = 8
_COACHING = ("$lo", "$hi")
_STILL_OPEN = "coalesce(list_contains($open, f.feedback_id), TRUE)"  # later rounds: the incomplete ones


def _window_rounds(db_path: PathLike, round_sql: str, paces: pd.DataFrame, since: datetime,
                   as_of: datetime, window: int) -> pd.DataFrame:
    """Rows of ``round_sql`` (one per feedback and side, with ``complete``) for every feedback,
    widening the span of the managers whose windows were incomplete.

    ``paces`` has a row per span key (``manager_id``, and ``subj`` for objection kinds) with
    ``samples`` in ``[since, as_of)`` and ``first_at``, the key's earliest feedback; a round
    binds ``$managers`` (``$subjects``), ``$half`` (the span per side, microseconds), ``$lo`` and
    ``$hi`` (the round's samples lie between) and ``$open`` (the feedback still to do; NULL: all)."""
    lookback = since - SAMPLE_LOOKBACK
    us = timedelta(microseconds=1)
    paces = paces.assign(half=[int(max(_MIN_SPAN / us, _SPAN_FACTOR * window * ((as_of - since) / us) / max(n, 1)))
                               for n in paces["samples"]])
    keys = ["manager_id", "subj"] if "subj" in paces else ["manager_id"]
    done: list[pd.DataFrame] = []
    todo = None  # feedback still to do: all of them at first
    lo, hi = min((t - h * us for t, h in zip(paces["first_at"], paces["half"], strict=True)), default=since), as_of
    while True:  # at least once: no feedback still gives the columns
        params = {"managers": paces["manager_id"].tolist(), "half": paces["half"].tolist(),
                  "open": None if todo is None else todo["feedback_id"].astype(int).tolist()}
        if "subj" in paces:
            params["subjects"] = paces["subj"].tolist()
        rows = _df(db_path, round_sql, since=since, as_of=as_of, window=window, lookback=lookback,
                   lo=max(lookback, lo), hi=min(as_of, hi), **params)
        done.append(rows[rows["complete"]])
        todo = rows[~rows["complete"]].rename(columns={"objection_kind": "subj"}).drop_duplicates("feedback_id")
        paces = paces.merge(todo[keys].drop_duplicates(), on=keys).assign(half=lambda p: p["half"] * _WIDER)
        if paces.empty:
            break
        spans = todo.merge(paces, on=keys)  # the samples of the next round lie within these spans
        lo = min(t - h * us for t, h in zip(spans["created_at"], spans["half"], strict=True))
        hi = max(t + h * us for t, h in zip(spans["created_at"], spans["half"], strict=True))
    rows = pd.concat(done, ignore_index=True).drop(columns="complete")
    return rows.sort_values(["created_at", "feedback_id", "before"], ascending=[True, True, False],
                            kind="stable", ignore_index=True)  # each feedback: before, then after


def _nearest(keys: str, payload: str, order: str) -> str:
    """CTEs ``cand``, ``win``, ``ok``, ``picked`` from ``fb(feedback_id, t, half, <keys>)`` (one
    row per bucket ``b`` the feedback's span touches) and ``samples(<keys>, started_at, ...)``:
    per feedback the ``payload`` (an expression over a sample's columns) of the nearest
    ``$window`` samples before and after it (ranked by ``order``, ties broken by its later
    columns), whether both sides are complete, and the payloads one row each (``picked``:
    ``feedback_id``, ``before``, ``sample``)."""
    return f"""
    cand AS (SELECT fb.feedback_id, fb.t, s.* FROM fb JOIN samples s USING ({keys})
             WHERE s.started_at >= fb.t - to_microseconds(fb.half) AND s.started_at < fb.t + to_microseconds(fb.half)),
    win AS (SELECT feedback_id,
                   max_by({payload}, ({order}), $window) FILTER (WHERE started_at < t) AS before,
                   min_by({payload}, ({order}), $window) FILTER (WHERE started_at >= t) AS after
            FROM cand GROUP BY feedback_id),
    ok AS (SELECT f.feedback_id,
                  (len(coalesce(w.before, [])) >= $window OR f.t - to_microseconds(f.half) <= $lookback)
                  AND (len(coalesce(w.after, [])) >= $window OR f.t + to_microseconds(f.half) >= $as_of) AS complete
           FROM (SELECT DISTINCT feedback_id, t, half FROM fb) f LEFT JOIN win w USING (feedback_id)),
    picked AS (SELECT w.feedback_id, x.before, x.sample FROM win w,
               LATERAL (SELECT TRUE AS before, unnest(w.before) AS sample
                        UNION ALL SELECT FALSE, unnest(w.after)) x)"""


def _buckets(alias: str, at: str) -> str:
    """The buckets (of width ``half``) a span of ``half`` either side of ``at`` touches."""
    return (f"unnest(range((epoch_us({at}) - {alias}.half) // {alias}.half, "
            f"(epoch_us({at}) + {alias}.half) // {alias}.half + 1)) AS b")


def _coached_feedback(subject: str) -> str:
    """``fbk``: the РОП's feedback given in ``[$since, $as_of)`` about a ``subject`` column
    (``criterion_id`` or ``objection_kind``), as ``subj``."""
    return f"""fbk AS (SELECT feedback_id, manager_id, {subject} AS subj, created_at, call_id, text
                 FROM feedback WHERE {subject} IS NOT NULL AND created_at >= $since
                   AND created_at < $as_of AND username NOT IN {_NOT_HEAD})"""


def _coaching_result(subject: str, counted: str, outcome: str) -> str:
    """One row per (feedback, side) from ``j(feedback_id, before, outcome)``: ``n`` samples
    and ``counted`` = those whose outcome is ``outcome``; feedback without samples keeps a row;
    ``complete`` from ``ok`` (feedback of this round only)."""
    return f"""SELECT f.feedback_id, f.manager_id, coalesce(m.name, f.manager_id) AS manager_name,
           f.subj AS {subject}, f.created_at, f.call_id, f.text, s.before,
           coalesce(s.n, 0) AS n, coalesce(s.{counted}, 0) AS {counted}, ok.complete
    FROM fbk f JOIN ok USING (feedback_id)
    LEFT JOIN (SELECT feedback_id, before, count(*) AS n,
                      count(*) FILTER (WHERE outcome = '{outcome}') AS {counted}
               FROM j GROUP BY ALL) s USING (feedback_id)
    LEFT JOIN managers m ON m.manager_id = f.manager_id
    ORDER BY f.created_at, f.feedback_id"""


# Corrections of calls started within a round's samples (by the copy of the call's start on the
# override; one written before its call was stored has none and is kept): a later round reads
# the corrections of its few spans, not of the whole period.
_STARTED_IN_ROUND = " AND (call_started_at IS NULL OR (call_started_at >= $lo AND call_started_at < $hi))"

# A window call's outcome on the feedback's criterion: 'p' (passed) or 'f' (failed) by its
# effective verdict (the РОП's latest correction, else the letter at the criterion's position in
# the call's verdicts); a call with no row for the criterion ('-', or past the string's end), not
# scored, or whose verdict is neither keeps its place in the window and adds no verdict. Computed
# once per window call (``fixed`` first: DuckDB would repeat a nested CASE in the filter).
_LETTER = "substr(v.verdicts, p.pos, 1)"
_WINDOW_OUTCOME = f"""CASE WHEN {_LETTER} IN ('', '{rollups.NO_ROW}') THEN NULL ELSE fixed END"""
_FIXED = f"""CASE WHEN f.verdict IS NULL THEN {_LETTER} WHEN f.verdict = 'pass' THEN 'p' WHEN f.verdict = 'fail' THEN 'f' END"""


# The order of a manager's calls as one BIGINT (a struct of start and row id costs ~15 % more
# in the top-N): the start's second, then the storage position. Calls of one manager started
# in the same second are told apart by the order they were stored in.
_SECOND_THEN_ROW = "(epoch_us(started_at) // 1000000) * 2147483648 + r"


def coaching_samples(db_path: PathLike, since: datetime, as_of: datetime, window: int) -> pd.DataFrame:
    """For each criterion feedback given in ``[since, as_of)``: the manager's effective
    pass/fail verdicts on that criterion in his ``window`` calls before and after it.

    One row per (feedback, side): ``before`` true/false, ``n`` verdicts, ``passed``. The
    samples are rows of ``call_verdicts`` (a call with all its verdicts in one string): the
    windows are chosen by the calls' starts (to the second; ties by storage order), then each chosen call's
    verdict on the feedback's criterion is a letter of its row, fetched by row id, with the
    РОП's correction of that call and criterion if any.
    """
    paces = _df(db_path, f"""
    WITH {_coached_feedback("criterion_id")},
    m AS (SELECT manager_id, min(created_at) AS first_at FROM fbk GROUP BY manager_id)
    SELECT m.manager_id, m.first_at, coalesce(n.samples, 0) AS samples
    FROM m LEFT JOIN (SELECT manager_id, count(*) AS samples FROM calls
                      WHERE started_at >= $since AND started_at < $as_of
                        AND manager_id IN (SELECT manager_id FROM m) GROUP BY manager_id) n USING (manager_id)""",
                since=since, as_of=as_of)
    sql = f"""
    WITH {_coached_feedback("criterion_id")},
    span AS (SELECT unnest($managers) AS manager_id, unnest($half) AS half),
    fb AS (SELECT f.feedback_id, f.manager_id, f.created_at AS t, s.half, {_buckets("s", "f.created_at")}
           FROM fbk f JOIN span s USING (manager_id) WHERE {_STILL_OPEN}),
    fixes AS ({latest_overrides(_fixed_in(None, "$lo") + _STARTED_IN_ROUND, "call_id, criterion_id, verdict")}),
    -- every call of the managers in the span by its place in call_verdicts (rowid): the
    -- windows are chosen from the calls' starts alone, and only the chosen calls' verdict
    -- strings, ids and corrections are read after
    samples AS (SELECT c.manager_id, c.rowid AS r, c.started_at, epoch_us(c.started_at) // s.half AS b
                FROM call_verdicts c JOIN span s USING (manager_id)
                WHERE c.started_at >= $lo AND c.started_at < $hi),
    {_nearest("manager_id, b", "r", _SECOND_THEN_ROW)},
    j AS (SELECT feedback_id, before, outcome FROM (
            SELECT w.feedback_id, w.before, {_FIXED} AS fixed, {_WINDOW_OUTCOME} AS outcome
            FROM picked w JOIN call_verdicts v ON v.rowid = w.sample JOIN fbk fb USING (feedback_id)
            LEFT JOIN criterion_positions p ON p.criterion_id = fb.subj
            LEFT JOIN fixes f ON f.call_id = v.call_id AND f.criterion_id = fb.subj)
          WHERE outcome IN ('p', 'f'))
    {_coaching_result("criterion_id", "passed", "p")}"""
    return _window_rounds(db_path, sql, paces, since, as_of, window)


def objection_coaching_samples(db_path: PathLike, since: datetime, as_of: datetime,
                               window: int) -> pd.DataFrame:
    """Like :func:`coaching_samples` for feedback with an ``objection_kind``: the manager's
    answers to that objection kind, ``window`` before and after; ``discount`` counts them."""
    paces = _df(db_path, f"""
    WITH {_coached_feedback("objection_kind")},
    k AS (SELECT manager_id, subj, min(created_at) AS first_at FROM fbk GROUP BY ALL)
    SELECT k.manager_id, k.subj, k.first_at, coalesce(n.samples, 0) AS samples
    FROM k LEFT JOIN (SELECT manager_id, kind AS subj, count(*) AS samples FROM current_objections
                      WHERE started_at >= $since AND started_at < $as_of
                        AND kind IN (SELECT subj FROM k) GROUP BY ALL) n USING (manager_id, subj)""",
                since=since, as_of=as_of)
    sql = f"""
    WITH {_coached_feedback("objection_kind")},
    span AS (SELECT unnest($managers) AS manager_id, unnest($subjects) AS subj, unnest($half) AS half),
    fb AS (SELECT f.feedback_id, f.manager_id, f.subj, f.created_at AS t, s.half, {_buckets("s", "f.created_at")}
           FROM fbk f JOIN span s USING (manager_id, subj) WHERE {_STILL_OPEN}),
    {_handling_cte(None, *_COACHING)},
    samples AS (SELECT eo.manager_id, eo.kind AS subj, eo.started_at, eo.call_id, eo.segment_idx,
                       eo.handling AS outcome, epoch_us(eo.started_at) // s.half AS b
                FROM eo JOIN span s ON s.manager_id = eo.manager_id AND s.subj = eo.kind),
    {_nearest("manager_id, subj, b", "outcome", "started_at, call_id, segment_idx")},
    j AS (SELECT feedback_id, before, sample AS outcome FROM picked)
    {_coaching_result("objection_kind", "discount", "discount")}"""
    return _window_rounds(db_path, sql, paces, since, as_of, window)


def fail_streaks(db_path: PathLike, since: datetime, as_of: datetime, min_len: int) -> pd.DataFrame:
    """Managers whose latest ``>= min_len`` calls (since ``since``) all fail one criterion and
    who got no feedback on that criterion after the first failed call of the run.

    A run starts after the last pass, which for nearly every (manager, criterion) lies in the
    last day: that day's verdicts are read for every pair, the month's only for the pairs
    without a pass in it (none, mostly: the month is then only scanned for which pairs exist)."""
    fixes = latest_overrides(_fixed_in(None, "$since"), "call_id, criterion_id, verdict")
    sql = f"""
    WITH {_corrections("ev_fix", fixes, "criterion_id", "verdict")},
    -- every manager with scored calls in the period by every criterion judged in it: more pairs
    -- than have verdicts (those add no rows below), found by two one-column aggregations
    -- instead of one over the pairs of the month's verdicts
    pairs AS (SELECT m.manager_id, k.criterion_id
              FROM (SELECT DISTINCT manager_id FROM current_scores r
                    WHERE {_in_period("r", "$since", "$as_of")} AND manager_id IS NOT NULL) m,
                   (SELECT DISTINCT criterion_id FROM current_verdicts r WHERE {_in_period("r", "$since", "$as_of")}) k),
    recent AS MATERIALIZED ({_effective_verdicts("ev_fix", _in_period("r", "$recent", "$as_of"))}),
    unsettled AS (SELECT * FROM pairs
                  EXCEPT SELECT manager_id, criterion_id FROM recent WHERE verdict = 'pass'),
    older AS ({_effective_verdicts("ev_fix", _in_period("r", "$since", "$recent"))}
              AND EXISTS (SELECT 1 FROM unsettled u WHERE u.manager_id = r.manager_id
                                                      AND u.criterion_id = r.criterion_id)),
    mv AS MATERIALIZED (SELECT manager_id, call_id, started_at, criterion_id, verdict
                        FROM (SELECT * FROM recent UNION ALL SELECT * FROM older)
                        WHERE verdict IN ('pass', 'fail') AND manager_id IS NOT NULL),
    -- the run is every fail after the manager's last pass on the criterion (two hash
    -- aggregations: cheaper than a window sorted over all the verdicts of the month)
    lp AS (SELECT manager_id, criterion_id, max(started_at) FILTER (WHERE verdict = 'pass') AS last_pass
           FROM mv GROUP BY ALL),
    runs AS (SELECT mv.manager_id, mv.criterion_id, count(*) AS streak, min(mv.started_at) AS first_at,
                    list(mv.call_id ORDER BY mv.started_at DESC) AS call_ids
             FROM mv JOIN lp ON lp.manager_id = mv.manager_id AND lp.criterion_id = mv.criterion_id
             WHERE mv.verdict = 'fail' AND (lp.last_pass IS NULL OR mv.started_at > lp.last_pass)
             GROUP BY mv.manager_id, mv.criterion_id HAVING count(*) >= $min_len)
    SELECT runs.*, coalesce(m.name, runs.manager_id) AS manager_name FROM runs
    LEFT JOIN managers m ON m.manager_id = runs.manager_id
    WHERE NOT EXISTS (SELECT 1 FROM feedback f WHERE f.manager_id = runs.manager_id
                      AND f.criterion_id = runs.criterion_id AND f.created_at >= runs.first_at
                      AND f.created_at < $as_of)
    ORDER BY streak DESC, manager_name, criterion_id"""
    recent = max(since, as_of - RECENT_SPAN)
    return _df(db_path, sql, since=since, as_of=as_of, min_len=min_len, recent=recent)


def team_criterion_rates(db_path: PathLike, start: datetime, end: datetime, as_of: datetime) -> pd.DataFrame:
    """Per criterion over the week's calls: effective pass/fail counts and the ids of the first
    50 failed calls (a top-50 aggregate: a list of every failed call costs ~0.1 s at 10M calls)."""
    sql = f"""
    WITH {_verdict_cte(None, *_WEEK)}
    SELECT criterion_id, count(*) FILTER (WHERE verdict IN ('pass', 'fail')) AS n,
           count(*) FILTER (WHERE verdict = 'fail') AS failed,
           min_by(call_id, started_at, 50) FILTER (WHERE verdict = 'fail') AS failed_call_ids
    FROM ev GROUP BY criterion_id ORDER BY failed DESC, criterion_id"""
    return _df(db_path, sql, start=start, end=end, as_of=as_of)


def objection_week(db_path: PathLike, start: datetime, end: datetime, as_of: datetime) -> pd.DataFrame:
    """Objections in the week's calls by manager, kind and effective handling, with call ids."""
    sql = f"""
    WITH {_handling_cte(None, *_WEEK)}
    SELECT manager_id, kind, handling, sum(k)::BIGINT AS n, count(*) AS calls, list(call_id)[1:50] AS call_ids
    FROM (SELECT manager_id, kind, handling, call_id, count(*) AS k FROM eo GROUP BY ALL)  -- per call first
    GROUP BY ALL ORDER BY n DESC"""
    return _df(db_path, sql, start=start, end=end, as_of=as_of)


# The reviewed calls whose strings the agreement looks up (call_verdicts, call_handlings): those
# without verdicts, or whose review days have no copy of the call's start (or, in a part-day at
# the window's ends, no review_days row).
_NO_COPIES = "(SELECT call_id FROM reviewed WHERE verdicts IS NULL OR verdicts_at IS NULL)"


def agreement_tables(db_path: PathLike, since: datetime, as_of: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Over the calls the РОП reviewed in ``[since, as_of)``: per criterion (automatic verdict,
    РОП verdict, count), and (automatic handling, РОП handling, count) of their objections; a
    reviewed call without a correction counts as agreement. One query: the reviewed calls are
    found once for both tables.

    The verdicts come with the reviews (``review_days`` carries each reviewed call's verdict
    string, ``call_verdicts``): the uncorrected calls are counted per verdict string (calls
    with the same verdicts make one row) and only then spread over the criteria; the few
    corrected calls criterion by criterion.

    The objection handling comes with the reviews the same way (``review_days`` carries each
    reviewed call's handling string, ``call_handlings``, copied with its verdicts): the calls
    without a label are counted per handling string and spread over its letters; the few
    labelled calls letter by letter, the РОП's label found by the objection's turn (the string
    carries the turns). No objection rows are read."""
    sql = f"""
    WITH {_reviews_cte(None, '$since', rollup=True, verdicts=True)},
    -- the reviewed calls straight from their review rows (rev_raw): only whether each is
    -- reviewed is needed here, not when (all rows of a call carry the same copies)
    reviewed AS MATERIALIZED (SELECT call_id, any_value(verdicts) AS verdicts, any_value(handlings) AS handlings,
                                     any_value(verdicts_at) AS verdicts_at
                              FROM rev_raw GROUP BY call_id
                              HAVING count(first_action_at) > 0 OR sum(played_s) >= {MIN_PLAYED_S}),
    -- the corrections made since the earliest reviewed call started, of any call: nearly all
    -- are of reviewed calls (a correction is a review), and the joins below keep only those
    {_corrections("ev_fix", latest_overrides(_fixed_in(None, "$calls_from"), "call_id, criterion_id, verdict"),
                  "criterion_id", "verdict")},
    -- the verdicts came with the reviewed days (review_days; for the part-days at the window's
    -- ends, the day's row of the call) for calls started in the scanned period; the calls
    -- without them, or whose review days have no copy of the call's start, are looked up
    cv AS MATERIALIZED (SELECT call_id, verdicts FROM reviewed
                        WHERE verdicts IS NOT NULL AND verdicts_at >= $calls_from AND verdicts_at < $as_of
                        UNION ALL
                        SELECT v.call_id, v.verdicts FROM call_verdicts v
                        WHERE {_rollup_rows("v", _NO_COPIES, "$calls_from", "$as_of")} AND v.verdicts IS NOT NULL),
    same AS (SELECT verdicts, count(*) AS n FROM cv WHERE call_id NOT IN (SELECT call_id FROM ev_fix) GROUP BY verdicts),
    -- a criterion's verdict in a string: the letter at its position ('-' or past the end: no row)
    spread AS (SELECT x.n, NULL AS m, p.criterion_id, substr(x.verdicts, p.pos, 1) AS letter
               FROM same x, criterion_positions p
               UNION ALL
               SELECT 1, f.m, p.criterion_id, substr(cv.verdicts, p.pos, 1)
               FROM cv JOIN ev_fix f USING (call_id), criterion_positions p),
    ev AS (SELECT s.criterion_id, l.verdict AS auto,
                  CASE WHEN s.m IS NULL THEN l.verdict ELSE coalesce(map_extract(s.m, s.criterion_id)[1], l.verdict) END
                      AS verdict, s.n
           FROM spread s JOIN verdict_letters l USING (letter)),
    -- the РОП's latest labels since the earliest reviewed call started, of any call (as for
    -- the overrides above)
    {_corrections("eo_fix", latest_labels(_fixed_in(None, "$calls_from"), "call_id, segment_idx, handling"),
                  "segment_idx", "handling")},
    -- the handling strings came with the verdict strings: a call with the copy of its verdicts
    -- has the copy of its handlings (NULL: no objections); the others are looked up
    ch AS MATERIALIZED (SELECT call_id, handlings FROM reviewed
                        WHERE verdicts IS NOT NULL AND verdicts_at >= $calls_from AND verdicts_at < $as_of
                          AND handlings IS NOT NULL
                        UNION ALL
                        SELECT h.call_id, h.handlings FROM call_handlings h
                        WHERE {_rollup_rows("h", _NO_COPIES, "$calls_from", "$as_of")}),
    -- a handling string is the objections' letters ('-': no handling), ':' and their turns:
    -- the calls without a label counted per string, the labelled ones with the label of
    -- each objection's turn
    hspread AS (SELECT n, unnest(string_split(split_part(handlings, ':', 1), '')) AS letter, NULL::VARCHAR AS label
                FROM (SELECT handlings, count(*) AS n FROM ch WHERE call_id NOT IN (SELECT call_id FROM eo_fix)
                      GROUP BY handlings)
                UNION ALL
                SELECT 1, letter, map_extract(m, nullif(turn, '')::INTEGER)[1]
                FROM (SELECT f.m, unnest(string_split(split_part(ch.handlings, ':', 1), '')) AS letter,
                             unnest(string_split(split_part(ch.handlings, ':', 2), ',')) AS turn
                      FROM ch JOIN eo_fix f USING (call_id))),
    eo AS (SELECT l.handling AS auto, coalesce(s.label, l.handling) AS handling, s.n
           FROM hspread s LEFT JOIN handling_letters l USING (letter)
           WHERE s.label IS DISTINCT FROM '{NOT_OBJECTION}')
    SELECT 'criterion' AS part, criterion_id, auto, verdict AS head, sum(n)::BIGINT AS n FROM ev GROUP BY ALL
    UNION ALL
    SELECT 'handling', NULL, auto, handling, sum(n)::BIGINT FROM eo GROUP BY ALL
    ORDER BY ALL"""
    rows = _df(db_path, sql, since=since, as_of=as_of, calls_from=_first_start(db_path, since, as_of))
    verdicts = rows[rows["part"] == "criterion"].drop(columns="part").reset_index(drop=True)
    handling = rows[rows["part"] == "handling"][["auto", "head", "n"]].reset_index(drop=True)
    return verdicts, handling


def agreement_pairs(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    """The criteria table of :func:`agreement_tables`."""
    return agreement_tables(db_path, since, as_of)[0]


def objection_agreement_pairs(db_path: PathLike, since: datetime, as_of: datetime) -> pd.DataFrame:
    """The objection handling table of :func:`agreement_tables`."""
    return agreement_tables(db_path, since, as_of)[1]


def _first_start(db_path: PathLike, since: datetime, as_of: datetime) -> datetime:
    """The earliest start among the calls the РОП reviewed or acted on in ``[since, as_of)`` (a
    superset of those :func:`_reviews_cte` counts as reviewed there; reviews can reach back to
    old calls): bounds the rollup scans of the agreement queries. Read from the copies on
    ``review_days`` for the window's whole days (a row per call and day, not an event per 10 s
    of listening) and on the review rows of its part-days."""
    first_day, last_day, edge = review_day_edges("$since", "$as_of")
    days = f"d.day >= {first_day}::DATE AND d.day < {last_day}::DATE AND d.username NOT IN {_NOT_HEAD}"
    parts = [f"SELECT min(d.call_started_at) AS first FROM review_days d WHERE {days}",
             f"""SELECT min(c.started_at) FROM review_days d JOIN calls c ON c.call_id = d.call_id
                 WHERE {days} AND d.call_started_at IS NULL"""]
    for lo, hi in (("$since", edge), (f"greatest({last_day}, {edge})", "$as_of")):
        parts += [f"SELECT min(started_at) FROM ({_head_rows(t, lo, hi, 't.call_id')})" for t in _REVIEW_SOURCES]
    rows = _df(db_path, f"SELECT min(first) AS first FROM ({' UNION ALL '.join(parts)})", since=since, as_of=as_of)
    first = rows.iloc[0, 0] if len(rows) else None
    return since if first is None or pd.isna(first) else min(first.to_pydatetime(), since)


def data_weeks(db_path: PathLike) -> tuple[datetime | None, datetime | None]:
    """The first and last call start in the store (for the week selector)."""
    rows = _df(db_path, "SELECT min(started_at) AS first, max(started_at) AS last FROM calls")
    first, last = rows.iloc[0] if len(rows) else (None, None)
    return (None if pd.isna(first) else first.to_pydatetime(),
            None if pd.isna(last) else last.to_pydatetime())


def _df(db_path: PathLike, sql: str, **params) -> pd.DataFrame:
    """Run with named ``$params``; only the names the SQL uses are bound."""
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    if isinstance(db_path, duckdb.DuckDBPyConnection):
        return db_path.execute(sql, used).df()
    with db.reader(db_path) as con:
        return con.execute(sql, used).df()


# --- exports ------------------------------------------------------------------------------


EXPORT_TABLES: dict[str, str] = {
    "calls": f"""
    WITH {_effective_sc(*_WEEK)}
    SELECT c.call_id, c.started_at, c.direction, c.manager_id, m.name AS manager_name, m.team,
           c.duration_s, c.source, sc.score_pct, sc.fatal_failed, sc.rubric_version
    FROM calls c LEFT JOIN sc ON sc.call_id = c.call_id
    LEFT JOIN managers m ON m.manager_id = c.manager_id
    WHERE c.started_at >= $start AND c.started_at < $end ORDER BY c.started_at, c.call_id""",
    "verdicts": f"""
    WITH {_verdict_cte(None, *_WEEK)}
    SELECT ev.call_id, c.manager_id, ev.criterion_id, r.title, ev.auto AS auto_verdict, ev.verdict,
           ev.auto <> ev.verdict AS overridden, r.points, r.max_points, r.confidence,
           r.evidence_start_s, r.evidence_quote
    FROM ev JOIN calls c ON c.call_id = ev.call_id AND {_in_period("c", *_WEEK)}
    JOIN criterion_results r ON r.call_id = ev.call_id AND r.criterion_id = ev.criterion_id
         AND r.rubric_version = ev.rubric_version AND {_in_period("r", *_WEEK)}
    ORDER BY c.started_at, ev.call_id, ev.criterion_id""",
    "objections": f"""
    WITH {_handling_cte(None, *_WEEK)}
    SELECT o.call_id, c.manager_id, o.n, o.kind, o.segment_idx, o.start_s, o.quote,
           eo.auto AS auto_handling, eo.handling, eo.labelled, o.response_quote, o.confidence
    FROM eo JOIN objections o ON o.call_id = eo.call_id AND o.segment_idx IS NOT DISTINCT FROM eo.segment_idx
         AND o.rubric_version = eo.rubric_version AND {_in_period("o", *_WEEK)}
    JOIN calls c ON c.call_id = o.call_id AND {_in_period("c", *_WEEK)}
    ORDER BY c.started_at, o.call_id, o.n""",
    "managers": f"""
    WITH {_effective_sc(*_WEEK)}, {_verdict_cte(None, *_WEEK)},
    pc AS (SELECT c.manager_id, count(*) AS calls, count(sc.score_pct) AS scored,
                  avg(sc.score_pct) AS mean_score, count(*) FILTER (WHERE sc.score_pct < $low) AS low_calls
           FROM calls c LEFT JOIN sc ON sc.call_id = c.call_id
           WHERE c.started_at >= $start AND c.started_at < $end GROUP BY c.manager_id),
    pv AS (SELECT manager_id,
                  count(*) FILTER (WHERE verdict = 'pass') AS criteria_passed,
                  count(*) FILTER (WHERE verdict IN ('pass', 'fail')) AS criteria_judged
           FROM ev GROUP BY manager_id)
    SELECT pc.manager_id, m.name AS manager_name, m.team, pc.calls, pc.scored, pc.mean_score,
           pc.low_calls, pv.criteria_passed / nullif(pv.criteria_judged, 0) AS criteria_pass_rate
    FROM pc LEFT JOIN pv ON pv.manager_id IS NOT DISTINCT FROM pc.manager_id
    LEFT JOIN managers m ON m.manager_id = pc.manager_id ORDER BY manager_name""",
}


def export_table(db_path: PathLike, name: str, start: datetime, end: datetime,
                 low_score: float) -> pd.DataFrame:
    """One of :data:`EXPORT_TABLES` for calls started in ``[start, end)``."""
    return _df(db_path, EXPORT_TABLES[name], start=start, end=end, as_of=datetime.max, low=low_score)


def copy_table(con: duckdb.DuckDBPyConnection, name: str, start: datetime, end: datetime,
               low_score: float, target: str, options: str) -> int:
    """``COPY (export query) TO target (options)`` — DuckDB writes the file itself; returns
    the rows written."""
    sql = EXPORT_TABLES[name]
    params = {"start": start, "end": end, "as_of": datetime.max, "low": low_score}
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    quoted = target.replace("'", "''")
    return int(con.execute(f"COPY ({sql}) TO '{quoted}' ({options})", used).fetchone()[0])


# --- the РОП's log (the one write of this module) -----------------------------------------

HEAD_LOG_KINDS = ("planning", "one_to_one", "training")


def add_head_log(db_path: str | os.PathLike, username: str, kind: str, held_on, manager_id: str | None,
                 note: str) -> int:
    """The РОП records a planning meeting, a one-to-one or a training; returns its id."""
    from core.errors import CallQAError

    if kind not in HEAD_LOG_KINDS:
        raise CallQAError(f"Unknown log entry kind {kind!r}; use one of {', '.join(HEAD_LOG_KINDS)}.")
    if kind == "one_to_one" and not manager_id:
        raise CallQAError("A one-to-one needs the manager it was held with.")
    with db.writer(db_path) as con:
        row = con.execute(
            "INSERT INTO head_log (kind, held_on, manager_id, note, username) VALUES (?, ?, ?, ?, ?)"
            " RETURNING entry_id",
            [kind, held_on, manager_id or None, note.strip() or None, username],
        ).fetchone()
    return int(row[0])


def managers_list(db_path: PathLike) -> pd.DataFrame:
    return _df(db_path, "SELECT manager_id, name FROM managers WHERE active ORDER BY name")
