"""Confidence and abstention, precision-first fatal criteria, correction models learned from
the РОП's overrides (docs/scoring.md «Confidence and abstention», «Learning from the РОП»)."""

import pytest

import scoring
from core.types import Call, CallMeta, CriterionResult
from pipeline.train import train_criteria
from scoring import corrections, criteria
from scoring.scorer import _score
from store import db, writes
from tests.scoring_calls import GOOD_CALL, transcript


def _result(verdict, confidence, fatal=False, cid="greeting"):
    return CriterionResult(cid, verdict, 10.0 if verdict == "pass" else 0.0, 10.0, confidence=confidence,
                           reason="Причина", fatal=fatal)


def test_a_verdict_below_the_threshold_abstains_with_the_guess_in_the_reason():
    sure, unsure = _result("pass", 0.9), _result("fail", 0.5)
    out = criteria.abstain_below((sure, unsure), 0.62)
    assert out[0] == sure
    assert out[1].verdict == "insufficient" and out[1].max_points == 0 and out[1].points == 0
    assert out[1].reason.startswith("Недостаточно данных: Причина") and "не выполнено" in out[1].reason
    assert criteria.abstain_below((unsure,), 0.0) == (unsure,)


def test_the_configured_threshold_reaches_the_scorer(cfg):
    assert scoring.Scorer(cfg).min_confidence == cfg["scoring.min_confidence"] > 0


def test_a_fatal_fail_zeroes_the_score_only_when_sure(scorer):
    rubric = scorer.default
    ok = _result("pass", 0.9)
    unsure = _score(rubric, (ok, _result("fail", 0.7, fatal=True, cid="no_rudeness")), (), None)
    assert unsure.score_pct == 50.0 and unsure.fatal_failed == () and unsure.uncertain  # failed, not zeroed
    sure = _score(rubric, (ok, _result("fail", 0.95, fatal=True, cid="no_rudeness")), (), None)
    assert sure.score_pct == 0.0 and sure.fatal_failed == ("no_rudeness",)


def test_rudeness_in_the_managers_words_is_sure_enough_to_zero(scorer):
    lines = GOOD_CALL[:-1] + [("manager", "Да отстаньте вы, до свидания.")]
    s = scorer.score(scoring.prepare_transcript(transcript(lines)), CallMeta(direction="in"), 60.0, 2)
    r = next(r for r in s.criteria if r.criterion_id == "no_rudeness")
    assert r.verdict == "fail" and r.confidence >= 0.9 and s.score_pct == 0.0


def test_a_fail_by_absence_is_less_sure_than_a_fail_by_violation(scorer):
    lines = [("manager", "Алло, слушаю.")] + GOOD_CALL[1:-1] + [("manager", "Не знаю, до свидания.")]
    s = scorer.score(scoring.prepare_transcript(transcript(lines)), CallMeta(direction="in"), 60.0, 2)
    got = {r.criterion_id: r for r in s.criteria}
    assert got["forbidden_phrases"].verdict == "fail"
    assert got["greeting"].confidence < got["forbidden_phrases"].confidence


# --- learning from the РОП ------------------------------------------------------------------

# The РОП accepts «Алло, слушаю» as a greeting in this team; the rules fail it every time.
ALLO_OPENINGS = ("Алло, слушаю.", "Алло, слушаю вас внимательно.", "Алло-алло, слушаю вас.", "Алло, да, слушаю.")
DA_OPENINGS = ("Да, говорите.", "Да, говорите, что хотели?", "Да-да, говорите.", "Ну, да, говорите.")
ALLO = [("manager", ALLO_OPENINGS[0])] + GOOD_CALL[1:]
DA = [("manager", DA_OPENINGS[0])] + GOOD_CALL[1:]


def _opening(text):
    return [("manager", text)] + GOOD_CALL[1:]


def _store_calls(cfg, scorer, calls):
    with db.writer(cfg.db_path) as con:
        for rid, version, text in scorer.rubric_versions():
            writes.register_rubric_version(con, rid, version, text)
        for call_id, lines in calls:
            t = scoring.prepare_transcript(transcript(lines))
            s = scorer.score(t, CallMeta(direction="in"), 60.0, 2)
            writes.write_call(con, Call(call_id, CallMeta(direction="in"), t, 60.0, 2, "import", score=s))


@pytest.fixture
def trained(cfg, scorer):
    calls = ([(f"allo{i}", _opening(ALLO_OPENINGS[i % 4])) for i in range(8)]
             + [(f"da{i}", _opening(DA_OPENINGS[i % 4])) for i in range(8)])
    _store_calls(cfg, scorer, calls)
    with db.writer(cfg.db_path) as con:
        for i in range(8):
            con.execute("INSERT INTO overrides (call_id, criterion_id, verdict, username) "
                        "VALUES (?, 'greeting', 'pass', 'rop')", [f"allo{i}"])
            con.execute("INSERT INTO review_events (username, call_id, kind) VALUES ('rop', ?, 'reviewed')",
                        [f"da{i}"])
    return cfg


@pytest.mark.slow  # ≥ 2 s on the reference machine
def test_train_learns_a_systematic_correction_and_flips_a_held_out_call(trained):
    report = train_criteria(trained)
    assert report.overrides == 8 and report.reviewed_calls == 8 and report.path.exists()
    greeting = next(r for r in report.criteria if r.criterion_id == "greeting")
    assert greeting.trained and greeting.examples == 16 and greeting.overrides == 8
    assert greeting.rules_accuracy == 0.5 and greeting.model_accuracy == 1.0  # before / after
    rules, both, _ = report.accuracy()
    assert both > rules

    held_out = _opening("Алло, слушаю, говорите.")  # a call nobody labelled
    fresh = scoring.Scorer(trained)
    assert fresh.corrections is not None and fresh.corrections.version == report.version
    got = {r.criterion_id: r for r in fresh.score(scoring.prepare_transcript(transcript(held_out)),
                                                   CallMeta(direction="in"), 60.0, 2).criteria}
    assert got["greeting"].verdict == "pass" and "по исправлениям РОП" in got["greeting"].reason
    still = {r.criterion_id: r for r in fresh.score(scoring.prepare_transcript(transcript(DA)),
                                                     CallMeta(direction="in"), 60.0, 2).criteria}
    assert still["greeting"].verdict == "fail"


def test_models_are_versioned_and_the_previous_file_is_kept(trained):
    first = train_criteria(trained)
    second = train_criteria(trained)
    assert first.path != second.path and first.path.exists() and second.path.exists()
    pointer = second.path.parent / corrections.POINTER
    assert pointer.read_text(encoding="utf-8") == second.path.name
    pointer.write_text(first.path.name, encoding="utf-8")  # roll back
    assert scoring.Scorer(trained).corrections.version == first.version


def test_no_model_without_enough_examples_of_both_verdicts(cfg, scorer):
    _store_calls(cfg, scorer, [("allo0", ALLO)])
    with db.writer(cfg.db_path) as con:
        con.execute("INSERT INTO overrides (call_id, criterion_id, verdict, username) VALUES ('allo0', 'greeting', 'pass', 'rop')")
    report = train_criteria(cfg)
    assert report.path is None and not any(r.trained for r in report.criteria)
    assert scoring.Scorer(cfg).corrections is None


def test_the_shipped_bootstrap_models_load_for_the_default_rubric_only(tmp_path):
    from scoring import corrections

    models = corrections.load(tmp_path, bootstrap=True)
    assert models is not None and models.rubric_id == "default"
    assert {"greeting", "value_presentation", "objection_handling"} <= set(models.models)
    assert models.for_rubric("default") is models and models.for_rubric("my-own-script") is None
    assert corrections.load(tmp_path, bootstrap=False) is None
