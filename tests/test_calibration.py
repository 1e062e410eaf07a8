"""Calibration rounds: a seeded sample rated blind by two or more people, and their agreement
with each other and with the AI, on real DuckDB files with known answers."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from core.errors import AccessDeniedError, CallQAError
from owner.calibration import (
    REVISE_AI,
    UNCLEAR_CRITERION,
    PairAgreement,
    calibration_report,
    criterion_agreement,
    disagreements,
    kappa_text,
    share_text,
)
from owner.report import LOW_DATA
from store import calibration, db
from store.calibration import RoundSpec
from store.users import User
from tests.old_schema import store_at_schema
from tests.owner_data import CRITERIA, WEEK, add_call, at, batch, new_store

ROP = User("rop", "head", display_name="Анна Руководитель")
QA = User("qa", "head", display_name="Мария Контролёр")
OWNER = User("boss", "owner")
MANAGER = User("ivan", "manager", "m1")
MON = WEEK.start.date()
SUN = MON + timedelta(days=6)


def calibration_store(tmp_path, ai_greeting: list[str] | None = None) -> tuple:
    """The owner tests' store with a second head (QA) and 10 calls in ``WEEK`` (m1 on even
    days-hours, m2 on odd), plus a call the week before and a not-applicable call, which no
    round may draw. ``ai_greeting`` gives the AI's greeting verdict of each of the 10 calls."""
    path = new_store(tmp_path)
    ai_greeting = ai_greeting or ["pass"] * 10
    with batch(path):
        calls = [add_call(path, "m1" if n % 2 == 0 else "m2", at(n // 2, 9 + n),
                          verdicts={"greeting": ai_greeting[n]}) for n in range(10)]
        before = add_call(path, "m1", at(-3))
        ivr = add_call(path, "m2", at(5))
    with db.writer(path) as con:
        con.execute("UPDATE users SET display_name = 'Анна Руководитель' WHERE username = 'rop'")
        con.execute("INSERT INTO users (username, role, display_name, password_hash)"
                    " VALUES ('qa', 'head', 'Мария Контролёр', 'x')")
        con.execute("UPDATE call_scores SET applicable = FALSE WHERE call_id = ?", [ivr])
    return path, calls, before, ivr


def spec(n_calls: int = 5, seed: int = 7, **kw) -> RoundSpec:
    return RoundSpec(MON, SUN, n_calls, kw.pop("reviewers", ("rop", "qa")), seed, **kw)


def rate_all(path, user, rnd, verdict_of=lambda call_id, criterion_id: "pass") -> None:
    """``user`` rates every call of the round: ``verdict_of(call_id, criterion_id)``."""
    for call_id in _round_calls(path, rnd.round_id):
        sheet = calibration.call_sheet(path, user, rnd.round_id, call_id)
        calibration.save_verdicts(path, user, rnd.round_id, call_id,
                                  {c: verdict_of(call_id, c) for c in sheet.criteria["criterion_id"]})


def _round_calls(path, round_id) -> list[str]:
    return [r[0] for r in db.query_rows(
        path, "SELECT call_id FROM calibration_calls WHERE round_id = ? ORDER BY position", [round_id])]


# --- the sample -------------------------------------------------------------------------------

def test_a_round_is_the_seeded_sample_of_the_periods_scored_applicable_calls(tmp_path):
    path, calls, before, ivr = calibration_store(tmp_path)
    first = calibration.create_round(path, ROP, spec(seed=7))
    again = calibration.create_round(path, ROP, spec(seed=7))
    other = calibration.create_round(path, ROP, spec(seed=8))
    assert _round_calls(path, first.round_id) == _round_calls(path, again.round_id)
    assert _round_calls(path, first.round_id) == random.Random(7).sample(sorted(calls), 5)
    assert _round_calls(path, other.round_id) != _round_calls(path, first.round_id)
    assert first.calls == 5 and first.requested == 5 and first.seed == 7 and not first.show_ai
    assert before not in _round_calls(path, first.round_id) and ivr not in _round_calls(path, first.round_id)
    assert [(r.name, r.finished_calls) for r in first.reviewers] == [("Анна Руководитель", 0), ("Мария Контролёр", 0)]
    assert first.created_by_name == "Анна Руководитель" and not first.complete


def test_a_round_of_one_manager_takes_what_the_period_holds(tmp_path):
    path, calls, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, OWNER, spec(n_calls=50, manager_id="m2"))
    assert rnd.calls == 5 and rnd.requested == 50 and rnd.manager_name == "Менеджер m2"
    assert sorted(_round_calls(path, rnd.round_id)) == sorted(calls[1::2])


def test_a_round_needs_calls_and_two_reviewers_of_the_calibration_roles(tmp_path):
    path, *_ = calibration_store(tmp_path)
    with pytest.raises(CallQAError, match="нет оценённых звонков"):
        calibration.create_round(path, ROP, RoundSpec(date(2020, 1, 1), date(2020, 1, 31), 5, ("rop", "qa"), 1))
    with pytest.raises(CallQAError, match="двух проверяющих"):
        calibration.create_round(path, ROP, spec(reviewers=("rop", "rop")))
    with pytest.raises(CallQAError, match="не может проверять"):
        calibration.create_round(path, ROP, spec(reviewers=("rop", "ivan")))
    with pytest.raises(CallQAError, match="позже"):
        calibration.create_round(path, ROP, RoundSpec(SUN, MON, 5, ("rop", "qa"), 1))
    with pytest.raises(AccessDeniedError):
        calibration.create_round(path, MANAGER, spec())
    assert calibration.rounds(path, ROP) == ()


def test_reviewer_choices_are_active_heads_and_owners_by_name(tmp_path):
    path, *_ = calibration_store(tmp_path)
    with db.writer(path) as con:
        con.execute("INSERT INTO users (username, role, password_hash, disabled_at)"
                    " VALUES ('gone', 'head', 'x', now())")
    assert calibration.reviewer_choices(path) == [
        ("rop", "Анна Руководитель"), ("boss", "Владелец (boss)"), ("qa", "Мария Контролёр")]


# --- blind --------------------------------------------------------------------------------

@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_nobody_sees_anothers_verdicts_or_the_ai_before_the_round_is_complete(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=3))
    first = _round_calls(path, rnd.round_id)[0]
    criteria = list(CRITERIA)
    calibration.save_verdicts(path, ROP, rnd.round_id, first, dict.fromkeys(criteria, "fail"))

    own = calibration.call_sheet(path, ROP, rnd.round_id, first)
    assert own.finished and set(own.criteria["verdict"]) == {"fail"}
    assert set(own.criteria["ai_verdict"]) == {None}  # the AI is hidden by default
    theirs = calibration.call_sheet(path, QA, rnd.round_id, first)
    assert not theirs.finished and set(theirs.criteria["verdict"]) == {None}
    assert set(theirs.criteria["ai_verdict"]) == {None}

    rate_all(path, ROP, rnd)
    assert calibration.round_results(path, ROP, rnd.round_id) is None
    assert calibration.round_results(path, OWNER, rnd.round_id) is None  # the owner waits too
    assert calibration_report(path, OWNER, rnd.round_id) is None
    assert calibration.awaits_verdicts(path, QA, first) and not calibration.awaits_verdicts(path, ROP, first)
    assert not calibration.awaits_verdicts(path, OWNER, first)  # not a reviewer of the round
    assert not calibration.awaits_verdicts(path, MANAGER, first)

    rate_all(path, QA, rnd)
    assert calibration.get_round(path, OWNER, rnd.round_id).complete
    assert not calibration.awaits_verdicts(path, QA, first)
    results = calibration.round_results(path, OWNER, rnd.round_id)
    assert len(results) == 3 * len(criteria) * 2
    assert set(calibration.call_sheet(path, QA, rnd.round_id, first).criteria["ai_verdict"]) == {"pass"}


def test_a_round_may_show_the_ai_verdicts_while_rating(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=2, show_ai=True))
    call_id = _round_calls(path, rnd.round_id)[0]
    sheet = calibration.call_sheet(path, QA, rnd.round_id, call_id)
    assert set(sheet.criteria["ai_verdict"]) == {"pass"} and set(sheet.criteria["verdict"]) == {None}


def test_verdicts_are_whole_calls_by_reviewers_and_final_once_the_round_is_complete(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=1))
    call_id = _round_calls(path, rnd.round_id)[0]
    full = dict.fromkeys(CRITERIA, "pass")
    with pytest.raises(CallQAError, match="без оценки осталось 1"):
        calibration.save_verdicts(path, ROP, rnd.round_id, call_id, {c: "pass" for c in CRITERIA[:-1]})
    with pytest.raises(CallQAError, match="может быть только «выполнено»"):
        calibration.save_verdicts(path, ROP, rnd.round_id, call_id, full | {"greeting": "insufficient"})
    with pytest.raises(CallQAError, match="которого в звонке нет"):
        calibration.save_verdicts(path, ROP, rnd.round_id, call_id, full | {"farewell": "pass"})
    with pytest.raises(AccessDeniedError):
        calibration.save_verdicts(path, OWNER, rnd.round_id, call_id, full)
    with pytest.raises(AccessDeniedError):
        calibration.call_sheet(path, OWNER, rnd.round_id, call_id)

    calibration.save_verdicts(path, ROP, rnd.round_id, call_id, full)
    calibration.save_verdicts(path, ROP, rnd.round_id, call_id, full | {"greeting": "fail"})  # changed his mind
    assert calibration.call_sheet(path, ROP, rnd.round_id, call_id).criteria.set_index(
        "criterion_id")["verdict"]["greeting"] == "fail"
    calibration.save_verdicts(path, QA, rnd.round_id, call_id, full)
    with pytest.raises(CallQAError, match="Раунд завершён"):
        calibration.save_verdicts(path, ROP, rnd.round_id, call_id, full)


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_assignments_list_the_reviewers_calls_of_open_rounds(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=3))
    calls = _round_calls(path, rnd.round_id)
    calibration.save_verdicts(path, QA, rnd.round_id, calls[1], dict.fromkeys(CRITERIA, "pass"))
    mine = calibration.assignments(path, QA)
    assert mine["call_id"].tolist() == calls
    assert mine["finished"].tolist() == [False, True, False]
    assert mine["rated"].tolist() == [0, 4, 0] and set(mine["manager_name"]) <= {"Менеджер m1", "Менеджер m2"}
    assert calibration.assignments(path, OWNER).empty
    assert [r.finished_calls for r in calibration.get_round(path, ROP, rnd.round_id).reviewers] == [0, 1]
    rate_all(path, ROP, rnd)
    rate_all(path, QA, rnd)
    assert calibration.assignments(path, QA).empty
    assert len(calibration.assignments(path, QA, open_only=False)) == 3


# --- ending a round, changing its reviewers ----------------------------------------------------

@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_a_round_closed_early_takes_no_verdicts_leaves_task_lists_and_opens_what_was_rated(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=3))
    calls = _round_calls(path, rnd.round_id)
    rate_all(path, ROP, rnd)
    calibration.save_verdicts(path, QA, rnd.round_id, calls[0], dict.fromkeys(CRITERIA, "fail"))
    assert calibration.round_results(path, OWNER, rnd.round_id) is None  # still blind
    with pytest.raises(AccessDeniedError, match="тот, кто создал раунд, или владелец"):
        calibration.close_round(path, QA, rnd.round_id)  # a reviewer, not its creator
    with pytest.raises(AccessDeniedError):
        calibration.close_round(path, MANAGER, rnd.round_id)

    closed = calibration.close_round(path, ROP, rnd.round_id)
    assert closed.ended and closed.ended_early and not closed.complete
    assert closed.closed_by == "rop" and closed.closed_by_name == "Анна Руководитель"
    assert closed.closed_at is not None and closed.closed_at >= closed.created_at
    assert [(r.name, r.finished_calls) for r in closed.reviewers] == [("Анна Руководитель", 3), ("Мария Контролёр", 1)]
    with pytest.raises(CallQAError, match="завершён досрочно"):
        calibration.save_verdicts(path, QA, rnd.round_id, calls[1], dict.fromkeys(CRITERIA, "pass"))
    assert calibration.assignments(path, QA).empty
    assert len(calibration.assignments(path, QA, open_only=False)) == 3
    assert not calibration.awaits_verdicts(path, QA, calls[1])  # the call page shows everything again
    with pytest.raises(CallQAError, match="уже завершён"):
        calibration.close_round(path, OWNER, rnd.round_id)

    results = calibration.round_results(path, OWNER, rnd.round_id)
    assert sorted(results.groupby("username")["call_id"].nunique().items()) == [("qa", 1), ("rop", 3)]
    report = calibration_report(path, QA, rnd.round_id)
    greeting = next(a for a in report.criteria if a.criterion_id == "greeting")
    assert (greeting.people.n, greeting.people.agreed) == (1, 0)  # the one call both rated
    assert greeting.ai.n == 4
    assert [d.call_id for d in report.disagreements] == [calls[0]] * len(CRITERIA)


def test_the_owner_may_close_a_round_someone_else_created(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, QA, spec(n_calls=2))
    assert calibration.may_manage(OWNER, rnd) and calibration.may_manage(QA, rnd)
    assert not calibration.may_manage(ROP, rnd) and not calibration.may_manage(MANAGER, rnd)
    closed = calibration.close_round(path, OWNER, rnd.round_id)
    assert closed.closed_by_name == "Владелец (boss)"
    report = calibration_report(path, ROP, rnd.round_id)  # nobody rated: an empty report, not an error
    assert report is not None and report.criteria == () and report.disagreements == ()


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_a_complete_round_ends_by_itself_and_can_no_longer_be_changed(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=2))
    rate_all(path, ROP, rnd)
    assert calibration.get_round(path, ROP, rnd.round_id).closed_at is None
    rate_all(path, QA, rnd)
    done = calibration.get_round(path, ROP, rnd.round_id)
    last = db.query_rows(path, "SELECT max(saved_at) FROM calibration_verdicts")[0][0]
    assert done.complete and done.ended and not done.ended_early
    assert done.closed_by is None and done.closed_at >= last
    for change in (lambda: calibration.close_round(path, ROP, rnd.round_id),
                   lambda: calibration.add_reviewer(path, ROP, rnd.round_id, "boss"),
                   lambda: calibration.remove_reviewer(path, ROP, rnd.round_id, "qa")):
        with pytest.raises(CallQAError, match="уже завершён"):
            change()


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_a_removed_reviewers_verdicts_leave_the_round_and_come_back_with_him(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=2, reviewers=("rop", "qa", "boss")))
    calls = _round_calls(path, rnd.round_id)
    calibration.save_verdicts(path, QA, rnd.round_id, calls[0], dict.fromkeys(CRITERIA, "fail"))
    with pytest.raises(AccessDeniedError):
        calibration.remove_reviewer(path, QA, rnd.round_id, "boss")

    less = calibration.remove_reviewer(path, ROP, rnd.round_id, "qa")
    assert [r.username for r in less.reviewers] == ["rop", "boss"] and not less.ended
    assert calibration.assignments(path, QA).empty and not calibration.awaits_verdicts(path, QA, calls[1])
    with pytest.raises(AccessDeniedError, match="не проверяющий"):
        calibration.save_verdicts(path, QA, rnd.round_id, calls[1], dict.fromkeys(CRITERIA, "pass"))
    with pytest.raises(CallQAError, match="хотя бы двое"):
        calibration.remove_reviewer(path, ROP, rnd.round_id, "boss")
    with pytest.raises(CallQAError, match="уже нет среди проверяющих"):
        calibration.remove_reviewer(path, ROP, rnd.round_id, "qa")

    back = calibration.add_reviewer(path, OWNER, rnd.round_id, "qa")
    assert back.reviewer("qa").finished_calls == 1  # his verdict on the first call counts again
    assert len(calibration.assignments(path, QA)) == 2
    with pytest.raises(CallQAError, match="Мария Контролёр уже проверяет"):
        calibration.add_reviewer(path, ROP, rnd.round_id, "qa")
    with pytest.raises(CallQAError, match="не может проверять"):
        calibration.add_reviewer(path, ROP, rnd.round_id, "ivan")

    calibration.remove_reviewer(path, ROP, rnd.round_id, "qa")
    rate_all(path, ROP, rnd)
    rate_all(path, OWNER, rnd)
    done = calibration.get_round(path, ROP, rnd.round_id)
    assert done.complete and done.closed_at is not None and done.closed_by is None
    results = calibration.round_results(path, ROP, rnd.round_id)
    assert set(results["username"]) == {"rop", "boss"}  # Мария's verdict is not in the round
    assert db.query_rows(path, "SELECT count(*) FROM calibration_verdicts WHERE username = 'qa'")[0][0] == len(CRITERIA)


def test_removing_the_last_reviewer_still_rating_completes_the_round(tmp_path):
    path, *_ = calibration_store(tmp_path)
    rnd = calibration.create_round(path, ROP, spec(n_calls=1, reviewers=("rop", "qa", "boss")))
    rate_all(path, ROP, rnd)
    rate_all(path, QA, rnd)
    assert calibration.round_results(path, ROP, rnd.round_id) is None
    done = calibration.remove_reviewer(path, ROP, rnd.round_id, "boss")
    assert done.complete and done.closed_at is not None and not done.ended_early
    assert set(calibration.round_results(path, ROP, rnd.round_id)["username"]) == {"rop", "qa"}


def test_migration_011_ends_the_rounds_that_were_already_complete(tmp_path):
    """A store of schema 10 with a complete and an unfinished round: the complete one gets the
    time of its last verdict as its end, the other stays in progress."""
    path = tmp_path / "old.duckdb"
    con = store_at_schema(path, 10)
    t = datetime(2026, 11, 20, 12)
    for round_id in (1, 2):
        con.execute("INSERT INTO calibration_rounds (round_id, period_from, period_to, requested, seed, created_by)"
                    " VALUES (?, DATE '2026-11-16', DATE '2026-11-22', 1, 1, 'rop')", [round_id])
        con.execute("INSERT INTO calibration_calls VALUES (?, 'a', 0, 'v1', 2)", [round_id])
        con.execute("INSERT INTO calibration_reviewers VALUES (?, 'rop'), (?, 'qa')", [round_id, round_id])
    verdicts = [(1, "rop", "greeting", t), (1, "rop", "summary", t), (1, "qa", "greeting", t + timedelta(hours=1)),
                (1, "qa", "summary", t + timedelta(hours=2)), (2, "rop", "greeting", t), (2, "rop", "summary", t),
                (2, "qa", "greeting", t)]
    con.executemany("INSERT INTO calibration_verdicts VALUES (?, 'a', ?, ?, 'pass', ?)",
                    [[r, c, u, at_] for r, u, c, at_ in verdicts])
    con.close()
    db.init(path)
    assert db.query_rows(path, "SELECT round_id, closed_at, closed_by FROM calibration_rounds ORDER BY 1") == [
        (1, t + timedelta(hours=2), None), (2, None, None)]


# --- agreement ------------------------------------------------------------------------------

# Greeting over 10 calls: the AI and Мария say pass on calls 0-4 and fail on 5-9; Анна differs
# from them on call 0 (fail) and call 5 (pass). Between the reviewers: 8 of 10 pairs agree,
# p_o = 0.8, p_e = 0.5·0.5 + 0.5·0.5 = 0.5, κ = 0.6. AI with reviewers: 18 of 20 pairs,
# pooled table [[9, 1], [1, 9]], p_o = 0.9, p_e = 0.5, κ = 0.8. Every other criterion: all pass
# (κ undefined → «мало данных», 100 %).
AI_GREETING = ["pass"] * 5 + ["fail"] * 5


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_agreement_per_criterion_between_reviewers_and_with_the_ai_on_a_known_table(tmp_path):
    path, calls, *_ = calibration_store(tmp_path, AI_GREETING)
    rnd = calibration.create_round(path, OWNER, spec(n_calls=10))
    qa = dict(zip(calls, AI_GREETING, strict=True))
    anna = qa | {calls[0]: "fail", calls[5]: "pass"}
    rate_all(path, QA, rnd, lambda cid, crit: qa[cid] if crit == "greeting" else "pass")
    rate_all(path, ROP, rnd, lambda cid, crit: anna[cid] if crit == "greeting" else "pass")

    report = calibration_report(path, OWNER, rnd.round_id)
    by = {a.criterion_id: a for a in report.criteria}
    assert list(by) == list(CRITERIA)
    greeting = by["greeting"]
    assert (greeting.people.n, greeting.people.agreed) == (10, 8)
    assert greeting.people.kappa == pytest.approx(0.6)
    assert (greeting.ai.n, greeting.ai.agreed) == (20, 18)
    assert greeting.ai.kappa == pytest.approx(0.8)
    assert (share_text(greeting.people), kappa_text(greeting.people)) == ("80% (8 из 10)", "0,60")
    assert (share_text(greeting.ai), kappa_text(greeting.ai)) == ("90% (18 из 20)", "0,80")
    assert greeting.action == ""
    summary = by["summary"]
    assert summary.people.kappa is None and kappa_text(summary.people) == LOW_DATA
    assert share_text(summary.people) == "100% (10 из 10)"

    assert [(d.call_id, d.criterion_id) for d in report.disagreements] == [
        (c, "greeting") for c in _round_calls(path, rnd.round_id) if c in (calls[0], calls[5])]
    first = next(d for d in report.disagreements if d.call_id == calls[0])
    assert first.verdicts == (("Анна Руководитель", "fail"), ("Мария Контролёр", "pass"))
    assert first.ai_verdict == "pass" and first.manager_name == "Менеджер m1"


def _long(rows) -> pd.DataFrame:
    """A results table: (call, criterion, AI verdict, reviewer, verdict) rows."""
    frame = pd.DataFrame(rows, columns=["call_id", "criterion_id", "ai_verdict", "username", "verdict"])
    return frame.assign(title=None, started_at=pd.NaT, manager_name=None, reviewer_name=frame["username"])


def test_fewer_than_five_pairs_is_low_data_even_when_kappa_is_defined():
    rows = [(c, "greeting", "pass", who, v) for c, pair in
            enumerate([("pass", "pass"), ("fail", "fail"), ("pass", "fail"), ("fail", "fail")])
            for who, v in zip(("a", "b"), pair, strict=True)]
    (a,) = criterion_agreement(_long(rows))
    assert a.people.n == 4 and a.people.kappa is not None and not a.people.kappa_known
    assert kappa_text(a.people) == LOW_DATA and share_text(a.people) == "75% (3 из 4)"


def test_three_reviewers_make_three_pairs_per_call():
    rows = [(0, "greeting", "pass", who, v) for who, v in (("a", "pass"), ("b", "pass"), ("c", "fail"))]
    (a,) = criterion_agreement(_long(rows))
    assert (a.people.n, a.people.agreed) == (3, 1)
    assert (a.ai.n, a.ai.agreed) == (3, 2)
    assert [d.verdicts for d in disagreements(_long(rows))] == [(("a", "pass"), ("b", "pass"), ("c", "fail"))]


def test_the_action_says_whether_the_wording_or_the_ai_is_at_fault():
    def table(people_flip: int, ai_flip: int):
        rows = []
        for c in range(10):
            truth = "pass" if c % 2 else "fail"
            other = "fail" if truth == "pass" else "pass"
            b = other if c < people_flip else truth
            ai = other if c < ai_flip else truth
            rows += [(c, "next_step", ai, "a", truth), (c, "next_step", ai, "b", b)]
        return criterion_agreement(_long(rows), low_kappa=0.4)[0]

    assert table(people_flip=4, ai_flip=0).action == UNCLEAR_CRITERION  # κ = 0.2 between people
    assert table(people_flip=0, ai_flip=4).action == REVISE_AI  # people agree, the AI does not
    assert table(people_flip=0, ai_flip=0).action == ""
    assert PairAgreement.of([]).share is None and share_text(PairAgreement.of([])) == "нет пар"
