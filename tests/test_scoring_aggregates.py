"""Per-manager aggregates: current rubric version, РОП overrides, Wilson intervals, low data."""

from datetime import date, datetime, timedelta

import pytest

import scoring
from core.config import load_config
from core.types import Call, CallMeta
from scoring import aggregates
from store import db, writes
from tests.scoring_calls import GOOD_CALL, transcript

POOR = [("manager", "Алло, слушаю.")] + GOOD_CALL[1:]


@pytest.fixture
def store(tmp_path):
    cfg = load_config(overrides={"paths.home": str(tmp_path / "home")})
    scorer = scoring.Scorer(cfg)
    good = scoring.prepare_transcript(transcript(GOOD_CALL))
    poor = scoring.prepare_transcript(transcript(POOR))
    with db.writer(cfg.db_path) as con:
        for rid, version, text in scorer.rubric_versions():
            writes.register_rubric_version(con, rid, version, text)
        for i in range(8):  # anna: 8 calls over two weeks, every other one without a greeting
            t = good if i % 2 == 0 else poor
            meta = CallMeta(started_at=datetime(2026, 3, 2) + timedelta(days=i * 2), direction="in")
            s = scorer.score(t, meta, 60.0, 2)
            writes.write_call(con, Call(f"a{i}", meta, t, 60.0, 2, "import", manager_id="anna", score=s))
        for i in range(2):  # boris: too few calls to rank
            meta = CallMeta(started_at=datetime(2026, 3, 3 + i), direction="in")
            s = scorer.score(good, meta, 60.0, 2)
            writes.write_call(con, Call(f"b{i}", meta, good, 60.0, 2, "import", manager_id="boris", score=s))
    return cfg.db_path


PERIOD = (date(2026, 3, 1), date(2026, 4, 1))


def test_summary_ranks_only_managers_with_enough_calls(store):
    s = aggregates.manager_summary(store, *PERIOD).set_index("manager_id")
    assert s.loc["anna", "calls"] == 8 and not s.loc["anna", "low_data"] and s.loc["anna", "rank"] == 1
    assert s.loc["boris", "low_data"] and s.loc["boris", "rank"] is pd_na()
    assert s.loc["anna", "score_lo"] < s.loc["anna", "mean_score"] < s.loc["anna", "score_hi"]


def pd_na():
    import pandas as pd

    return pd.NA


def test_pass_rates_use_overrides_and_wilson(store):
    rates = aggregates.criterion_pass_rates(store, *PERIOD, manager_id="anna").set_index("criterion_id")
    assert rates.loc["greeting", "passed"] == 4 and rates.loc["greeting", "n"] == 8
    assert (rates.loc["greeting", "lo"], rates.loc["greeting", "hi"]) == pytest.approx(scoring.wilson(4, 8))
    with db.writer(store) as con:
        con.execute("INSERT INTO overrides (call_id, criterion_id, verdict, username) VALUES ('a1', 'greeting', 'fail', 'rop')")
        con.execute("INSERT INTO overrides (call_id, criterion_id, verdict, username) VALUES ('a1', 'greeting', 'pass', 'rop')")
    rates = aggregates.criterion_pass_rates(store, *PERIOD, manager_id="anna").set_index("criterion_id")
    assert rates.loc["greeting", "passed"] == 5 and rates.loc["greeting", "overridden"] == 1
    scores = aggregates.call_scores(store, *PERIOD, manager_id="anna").set_index("call_id")
    assert scores.loc["a1", "score"] == pytest.approx(95.0)  # client_name still failed


def test_wilson_interval():
    assert scoring.wilson(0, 0) == (0.0, 1.0)
    lo, hi = scoring.wilson(8, 10)
    assert lo == pytest.approx(0.490, abs=1e-3) and hi == pytest.approx(0.943, abs=1e-3)


def test_objections_metrics_and_weekly_change(store):
    mix = aggregates.objection_mix(store, *PERIOD)
    anna = mix[mix["manager_id"] == "anna"]
    assert set(anna["kind"]) == {"price"} and anna["share"].sum() == pytest.approx(1.0)
    # the РОП's latest label wins here too (as on the Менеджеры page and the owner's view)
    seg, auto = db.query_rows(store, "SELECT segment_idx, handling FROM objections WHERE call_id = 'a0'")[0]
    relabel = "discount" if auto != "discount" else "value"
    with db.writer(store) as con:
        for handling in ("ignored", relabel):
            con.execute("INSERT INTO objection_labels (call_id, segment_idx, handling, username)"
                        " VALUES ('a0', ?, ?, 'rop')", [seg, handling])
    after = aggregates.objection_mix(store, *PERIOD).set_index(["manager_id", "kind", "handling"])["n"]
    before = mix.set_index(["manager_id", "kind", "handling"])["n"]
    assert after.get(("anna", "price", relabel), 0) == before.get(("anna", "price", relabel), 0) + 1
    med = aggregates.metric_medians(store, *PERIOD).set_index("manager_id")
    assert med.loc["anna", "manager_questions"] >= 3
    weekly = aggregates.weekly_change(store, *PERIOD, manager_id="anna")
    assert len(weekly) >= 2 and weekly["change"].iloc[0] != weekly["change"].iloc[0]  # NaN first week
