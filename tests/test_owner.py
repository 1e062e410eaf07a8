"""The owner's view of the РОП: analytics on constructed histories with known answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest

from core.stats import wilson
from owner.report import (
    IMPROVED,
    LOW_DATA,
    NO_EFFECT,
    Week,
    agreement,
    coaching_effects,
    cohen_kappa,
    objection_agreement,
    owner_report,
    two_proportion_p,
)
from tests.owner_data import (
    AS_OF,
    MON,
    OWNER,
    PARAMS,
    PREV,
    WEEK,
    add_call,
    at,
    batch,
    event,
    feedback,
    head_log,
    healthy_store,
    label,
    new_store,
    override,
    training_clip,
)


def flag(report, code):
    return next(f for f in report.flags if f.code == code)


# --- weeks ----------------------------------------------------------------------------------

def test_iso_week_bounds_and_previous():
    assert WEEK.start.isoformat() == "2026-11-16T00:00:00"
    assert WEEK.end.isoformat() == "2026-11-23T00:00:00"
    assert PREV.label == "2026-W46"
    assert Week.parse("2027-W01").start.date().isoformat() == "2027-01-04"


def test_a_week_reads_in_words_not_as_its_iso_code():
    assert WEEK.title == "16–22 ноября 2026"
    assert Week.parse("2026-W49").title == "30 ноября – 6 декабря 2026"
    assert Week.parse("2026-W01").title == "29 декабря 2025 – 4 января 2026"


def test_a_running_week_is_judged_now():
    now = MON + timedelta(days=2)
    assert WEEK.as_of(now) == now
    assert WEEK.as_of(WEEK.end + timedelta(days=5)) == WEEK.end


# --- listening and coverage -------------------------------------------------------------------

def test_played_minutes_and_review_coverage_count_only_the_rop(tmp_path):
    """Reviewed = played >= 10 s in total, or overridden; opening alone or 5 s is not a review;
    the owner's own listening is not the РОП's."""
    path = new_store(tmp_path)
    with batch(path):
        c1, c2, c3, c4 = (add_call(path, "m1", at(d)) for d in range(4))
        event(path, c1, "played", at(4, 11), played_s=6)
        event(path, c1, "played", at(4, 12), played_s=6)
        event(path, c2, "opened", at(4, 13))
        event(path, c2, "played", at(4, 13, 1), played_s=5)
        override(path, c3, "greeting", "fail", at(4, 14))
        event(path, c4, "played", at(4, 15), played_s=600, username=OWNER)
    m1 = owner_report(path, PARAMS, WEEK).managers.set_index("manager_id").loc["m1"]
    assert (m1.calls, m1.reviewed_calls, m1.opened_calls, m1.played_calls) == (4, 2, 1, 2)
    assert m1.played_s == pytest.approx(17.0)
    assert m1.overrides == 1


def test_events_after_the_week_do_not_change_it(tmp_path):
    path = new_store(tmp_path)
    c1 = add_call(path, "m1", at(0))
    event(path, c1, "played", WEEK.end + timedelta(hours=1), played_s=60)
    m1 = owner_report(path, PARAMS, WEEK).managers.set_index("manager_id").loc["m1"]
    assert (m1.reviewed_calls, m1.played_s) == (0, 0)


def test_feedback_given_and_acknowledged_in_the_week(tmp_path):
    path = new_store(tmp_path)
    c1 = add_call(path, "m2", at(0), score=40)
    feedback(path, "m2", at(1), c1, "greeting", acknowledged_at=at(2))
    feedback(path, "m2", at(3), c1, "summary")
    activity = owner_report(path, PARAMS, WEEK).activity
    assert (activity.feedback_given, activity.feedback_ack) == (2, 1)


# --- latency ----------------------------------------------------------------------------------

def test_latency_from_low_score_to_first_feedback(tmp_path):
    """24 h on the call itself; 6 h via feedback on the manager + failed criterion; one call
    still open counts with its age at the end of the week (60 h)."""
    path = new_store(tmp_path)
    with batch(path):
        a = add_call(path, "m1", at(0, 10), score=40)
        b = add_call(path, "m1", at(2, 10), score=40, verdicts={"next_step": "fail"})
        c = add_call(path, "m2", at(4, 12), score=30)
        add_call(path, "m2", at(4, 13), score=90)  # not low: not counted
        other = add_call(path, "m1", at(2, 11), score=90)
        feedback(path, "m1", at(1, 10), a, "greeting")
        feedback(path, "m1", at(1, 12), a, "summary")  # later than the first: ignored
        feedback(path, "m1", at(2, 16), other, "next_step")
    lat = owner_report(path, PARAMS, WEEK).latency
    hours = dict(zip(lat.calls["call_id"], lat.calls["latency_h"], strict=True))
    assert hours == pytest.approx({a: 24.0, b: 6.0, c: 60.0})
    assert (lat.low_calls, lat.answered, lat.open) == (3, 2, 1)
    assert lat.median_h == pytest.approx(24.0)
    assert lat.worst_h == pytest.approx(60.0)


# --- coaching effect --------------------------------------------------------------------------

def _history(path, manager, criterion, before: list[bool], after: list[bool], feedback_at):
    with batch(path):
        _history_rows(path, manager, criterion, before, after, feedback_at)


def _history_rows(path, manager, criterion, before, after, feedback_at):
    for i, ok in enumerate(reversed(before)):
        add_call(path, manager, feedback_at - timedelta(hours=i + 1), verdicts={criterion: "pass" if ok else "fail"})
    for i, ok in enumerate(after):
        add_call(path, manager, feedback_at + timedelta(hours=i + 1), verdicts={criterion: "pass" if ok else "fail"})
    feedback(path, manager, feedback_at, None, criterion)


def test_coaching_effect_improved_with_wilson_intervals(tmp_path):
    path = new_store(tmp_path)
    given = at(0, 0, week=PREV)
    # 12 calls before: the 2 oldest passed, the 10 nearest fail but one; 10 after: 9 pass
    _history(path, "m1", "next_step", [True, True] + [True] + [False] * 9, [True] * 9 + [False], given)
    (effect,) = coaching_effects(path, PARAMS, AS_OF)
    assert (effect.before_k, effect.before_n, effect.after_k, effect.after_n) == (1, 10, 9, 10)
    assert effect.before_ci == pytest.approx(wilson(1, 10))
    assert effect.after_ci == pytest.approx(wilson(9, 10))
    assert effect.after_ci[0] > effect.before_ci[1]
    assert effect.verdict == IMPROVED


def test_coaching_without_change_is_no_effect_and_few_calls_is_low_data(tmp_path):
    path = new_store(tmp_path)
    _history(path, "m1", "summary", [True, False] * 5, [False, True] * 5, at(0, 0, week=PREV))
    _history(path, "m2", "greeting", [False] * 4, [True] * 10, at(0, 0, week=PREV))
    effects = {e.manager_id: e for e in coaching_effects(path, PARAMS, AS_OF)}
    assert effects["m1"].verdict == NO_EFFECT
    assert effects["m2"].before_n == 4
    assert effects["m2"].verdict == LOW_DATA  # 4 < 10 / 2


def test_coaching_window_counts_the_managers_calls_not_only_judged_ones(tmp_path):
    """«N calls before vs after» (the issue's words): a call where the criterion was not
    applicable takes its place in the window and adds no verdict."""
    path = new_store(tmp_path)
    given = at(0, 0, week=PREV)
    with batch(path):
        for i in range(12):  # newest first: 4 not applicable among the 10 nearest calls
            verdict = "not_applicable" if i % 3 == 0 else "fail"
            add_call(path, "m1", given - timedelta(hours=i + 1), verdicts={"next_step": verdict})
            add_call(path, "m1", given + timedelta(hours=i + 1), verdicts={"next_step": "pass"})
        feedback(path, "m1", given, None, "next_step")
    (effect,) = coaching_effects(path, PARAMS, AS_OF)
    assert (effect.before_k, effect.before_n, effect.after_k, effect.after_n) == (0, 6, 10, 10)


def test_feedback_to_a_manager_without_calls_is_low_data(tmp_path):
    path = new_store(tmp_path)
    feedback(path, "m1", at(0, 0, week=PREV), None, "next_step")
    (effect,) = coaching_effects(path, PARAMS, AS_OF)
    assert (effect.before_n, effect.after_n, effect.verdict) == (0, 0, LOW_DATA)


def test_objection_coaching_measures_answers_without_discount(tmp_path):
    path = new_store(tmp_path)
    given = at(0, 0, week=PREV)
    with batch(path):
        for i in range(8):
            add_call(path, "m1", given - timedelta(hours=i + 1), objections=[("price", "discount")])
            add_call(path, "m1", given + timedelta(hours=i + 1), objections=[("price", "value")])
        add_call(path, "m1", given + timedelta(hours=20), objections=[("no_time", "discount")])  # other kind
        feedback(path, "m1", given, None, objection_kind="price")
    (effect,) = coaching_effects(path, PARAMS, AS_OF)
    assert (effect.about, effect.subject) == ("objection", "price")
    assert (effect.before_k, effect.before_n, effect.after_k, effect.after_n) == (0, 8, 8, 8)
    assert effect.verdict == IMPROVED


def test_two_proportion_test_on_a_known_case():
    # 10/50 vs 20/50: z = 2.182, two-sided p = 0.0291
    assert two_proportion_p(10, 50, 20, 50) == pytest.approx(0.0291, abs=1e-3)
    assert two_proportion_p(0, 0, 1, 1) is None


# --- red flags --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def healthy_report(tmp_path_factory):
    return owner_report(healthy_store(tmp_path_factory.mktemp("healthy")), PARAMS, WEEK)


def test_no_flag_is_on_for_a_healthy_department(healthy_report):
    assert [f.code for f in healthy_report.flags_on] == []
    assert len(healthy_report.flags) == 7


def test_rop_not_listening_fires_below_the_weekly_minutes(tmp_path):
    path = healthy_store(tmp_path)  # not on with PARAMS: the healthy department
    strict = replace(PARAMS, min_played_minutes_week=40)  # 36 min played
    assert flag(owner_report(path, strict, WEEK), "not_listening").on


def test_abandoned_manager_fires_with_his_calls(tmp_path):
    path = healthy_store(tmp_path)
    add_call(path, "m3", at(3), call_id="m3-call")
    f = flag(owner_report(path, PARAMS, WEEK), "abandoned")
    assert f.on and f.manager_ids == ("m3",) and f.call_ids == ("m3-call",)
    # reviewing one of his old calls this week is working with him too
    with batch(path):
        old = add_call(path, "m3", AS_OF - timedelta(days=120))
        event(path, old, "reviewed", at(4, 9))
    assert not flag(owner_report(path, PARAMS, WEEK), "abandoned").on


def test_no_training_fires_after_a_month_without_trainings_or_clips(tmp_path):
    path = new_store(tmp_path)
    assert flag(owner_report(path, PARAMS, WEEK), "no_training").on
    head_log(path, "training", (AS_OF - timedelta(days=29)).date())
    assert not flag(owner_report(path, PARAMS, WEEK), "no_training").on
    path2 = new_store(tmp_path / "clip")
    training_clip(path2, add_call(path2, "m1", at(0)), at(1))
    assert not flag(owner_report(path2, PARAMS, WEEK), "no_training").on


def test_no_meetings_fires_without_the_weekly_planning(tmp_path):
    path = new_store(tmp_path)
    head_log(path, "planning", (MON - timedelta(days=1)).date())  # Sunday before: last week
    assert flag(owner_report(path, PARAMS, WEEK), "no_meetings").on
    head_log(path, "planning", MON.date())
    assert not flag(owner_report(path, PARAMS, WEEK), "no_meetings").on
    with batch(path):
        add_call(path, "m1", at(1, 10))
        add_call(path, "m2", at(1, 11))
        head_log(path, "one_to_one", MON.date(), "m1")
    met = flag(owner_report(path, PARAMS, WEEK), "no_meetings")
    assert "Без встречи один на один за 30 дней: 1 менеджер." in met.detail and met.manager_ids == ("m2",)


def test_repeated_errors_without_feedback_fire_until_feedback_is_given(tmp_path):
    path = healthy_store(tmp_path)
    with batch(path):
        calls = [add_call(path, "m2", at(5, 9 + i), verdicts={"next_step": "fail"}) for i in range(3)]
    f = flag(owner_report(path, PARAMS, WEEK), "repeat_errors")
    assert f.on and f.manager_ids == ("m2",) and set(f.call_ids) == set(calls)
    feedback(path, "m2", at(6, 9), calls[-1], "next_step")
    assert not flag(owner_report(path, PARAMS, WEEK), "repeat_errors").on


def test_a_pass_breaks_the_run_of_errors(tmp_path):
    path = healthy_store(tmp_path)
    with batch(path):
        add_call(path, "m2", at(5, 9), verdicts={"next_step": "fail"})
        add_call(path, "m2", at(5, 10), verdicts={"next_step": "fail"})
        add_call(path, "m2", at(5, 11), verdicts={"next_step": "pass"})
        add_call(path, "m2", at(5, 12), verdicts={"next_step": "fail"})
    assert not flag(owner_report(path, PARAMS, WEEK), "repeat_errors").on


def test_team_stage_failure_fires_at_the_configured_rate(tmp_path):
    path = new_store(tmp_path)
    with batch(path):
        for i in range(10):
            add_call(path, "m1" if i % 2 else "m2", at(i % 5, 9 + i), verdicts={"summary": "fail" if i < 6 else "pass"})
    f = flag(owner_report(path, PARAMS, WEEK), "team_stage_fail")
    assert f.on and len(f.call_ids) == 6 and "Резюме договорённостей" in f.detail
    assert not flag(owner_report(path, replace(PARAMS, team_stage_fail_rate=0.7), WEEK), "team_stage_fail").on


def test_discount_share_rise_on_price_fires_week_over_week(tmp_path):
    path = healthy_store(tmp_path)  # 2 of 12 both weeks: not on (the healthy department)
    with batch(path):
        for i in range(4):
            add_call(path, "m1", at(4, 9 + i), objections=[("price", "discount")])
    f = flag(owner_report(path, PARAMS, WEEK), "discount_rise")
    assert f.on  # 6/16 = 37.5 % vs 16.7 %
    assert "6 из 16" in f.detail and f.manager_ids


# --- agreement --------------------------------------------------------------------------------

def test_cohen_kappa_on_a_known_table():
    table = pd.DataFrame([[20, 5], [10, 15]], index=["pass", "fail"], columns=["pass", "fail"])
    assert cohen_kappa(table) == pytest.approx(0.4)
    assert cohen_kappa(pd.DataFrame([[7]], index=["pass"], columns=["pass"])) is None


def test_agreement_counts_reviewed_calls_without_override_as_agreement(tmp_path):
    """summary: AI pass/fail vs РОП on 10 reviewed calls → confusion [[4,1],[2,3]], κ = 0.4;
    greeting was never overridden: full agreement; unreviewed calls are not counted."""
    path = new_store(tmp_path)
    pattern = [("pass", "pass")] * 4 + [("pass", "fail")] + [("fail", "pass")] * 2 + [("fail", "fail")] * 3
    with batch(path):
        for i, (auto, head) in enumerate(pattern):
            cid = add_call(path, "m1", at(i % 5, 9 + i), verdicts={"summary": auto})
            event(path, cid, "reviewed", at(i % 5, 18))
            if head != auto:
                override(path, cid, "summary", head, at(i % 5, 19))
        add_call(path, "m1", at(0, 8), verdicts={"summary": "fail"})  # not reviewed
    items = {a.subject: a for a in agreement(path, PARAMS, AS_OF)}
    s = items["summary"]
    assert (s.n, s.agreed) == (10, 7)
    assert s.confusion.loc["pass", "fail"] == 1 and s.confusion.loc["fail", "pass"] == 2
    assert s.kappa == pytest.approx(0.4)
    assert not s.flagged  # κ = 0.4 is not below 0.4
    assert items["greeting"].agreed == 10 and not items["greeting"].flagged
    low = {a.subject: a for a in agreement(path, replace(PARAMS, low_kappa=0.5), AS_OF)}
    assert low["summary"].flagged and low["summary"].action == "пересмотреть формулировку критерия"


def test_agreement_reaches_back_to_old_calls_the_rop_reviewed_in_the_window(tmp_path):
    """A call from half a year ago, reviewed this week only by giving feedback on it, counts."""
    path = new_store(tmp_path)
    old = add_call(path, "m1", AS_OF - timedelta(days=180), verdicts={"summary": "fail"})
    feedback(path, "m1", at(2, 10), old, "summary")
    items = {a.subject: a for a in agreement(path, PARAMS, AS_OF)}
    assert (items["summary"].n, items["summary"].agreed) == (1, 1)


def test_objection_agreement_uses_the_rops_labels(tmp_path):
    path = new_store(tmp_path)
    with batch(path):
        for i, (auto, head) in enumerate([("discount", "discount")] * 3 + [("value", "question")] * 3):
            cid = add_call(path, "m1", at(i % 5, 9 + i), objections=[("price", auto)])
            label(path, cid, 1, head, at(i % 5, 19))
    a = objection_agreement(path, PARAMS, AS_OF)
    assert (a.n, a.agreed) == (6, 3)
    assert a.confusion.loc["value", "question"] == 3


def test_a_turn_the_rop_marked_as_no_objection_leaves_the_week(tmp_path):
    from core.types import NOT_OBJECTION
    from store import owner_queries as q

    path = new_store(tmp_path)
    with batch(path):
        kept = add_call(path, "m1", at(1), objections=[("price", "discount")])
        dropped = add_call(path, "m1", at(2), objections=[("price", "discount")])
        label(path, dropped, 1, NOT_OBJECTION, at(3))
    week = q.objection_week(path, WEEK.start, WEEK.end, AS_OF)
    assert int(week["n"].sum()) == 1 and list(week["call_ids"].iloc[0]) == [kept]
