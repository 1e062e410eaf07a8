"""The owner's figures on a busy constructed history stay exactly what they were before the
queries were reshaped for contact-centre scale (tests/fixtures/owner_golden.json, written by
the queries of commit "owner golden figures" from the same seeded history)."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from owner.report import LOOKBACK_DAYS, STREAK_LOOKBACK_DAYS, owner_report
from store import owner_queries as q
from tests.owner_data import PARAMS, PREV, WEEK, busy_store

GOLDEN = Path(__file__).parent / "fixtures" / "owner_golden.json"
# (label, week, now): three weeks judged at their end, and the week while it is running
CASES = (
    ("week", WEEK, None),
    ("previous", PREV, None),
    ("five weeks back", WEEK.previous().previous().previous().previous().previous(), None),
    ("running", WEEK, WEEK.start + timedelta(days=3, hours=12)),
)


def _plain(value):
    """A JSON-able, order-independent form of a figure (lists from SQL list() sorted)."""
    if isinstance(value, pd.DataFrame):
        rows = [{k: _plain(v) for k, v in r.items()} for r in value.to_dict("records")]
        return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [_plain(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if all(
            isinstance(v, str) for v in items) else items
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        return round(float(value), 6)
    return value


def _confusions(report_part):
    """Agreement items with their confusion tables as plain dicts."""
    items = report_part if isinstance(report_part, tuple) else (report_part,)
    return [dict(_plain(a), confusion=_plain(a.confusion.to_dict())) for a in items]


def figures(path: Path) -> dict:
    out = {}
    for label, week, now in CASES:
        report = owner_report(path, PARAMS, week, now)
        as_of = report.as_of
        lookback = as_of - timedelta(days=LOOKBACK_DAYS)
        window = PARAMS.coaching_window_calls
        part = _plain(dataclasses.replace(report, agreement=(), objection_agreement=None))
        part["agreement"] = _confusions(report.agreement)
        part["objection_agreement"] = _confusions(report.objection_agreement)
        part["queries"] = {
            "last_reviews_30": _plain(q.last_reviews(path, as_of - timedelta(days=30), as_of)),
            "coaching_samples": _plain(q.coaching_samples(path, lookback, as_of, window)),
            "objection_coaching": _plain(q.objection_coaching_samples(path, lookback, as_of, window)),
            "fail_streaks_2": _plain(q.fail_streaks(path, as_of - timedelta(days=STREAK_LOOKBACK_DAYS), as_of, 2)),
            "agreement_pairs": _plain(q.agreement_pairs(path, lookback, as_of)),
            "objection_agreement_pairs": _plain(q.objection_agreement_pairs(path, lookback, as_of)),
            "head_activity_weeks": _plain(q.head_activity_weeks(path, week.start - timedelta(weeks=7), as_of)),
            "manager_week_7d": _plain(q.manager_week(path, as_of - timedelta(days=7), as_of, as_of,
                                                     PARAMS.low_score)),
        }
        if label == "week":
            part["exports"] = {name: _plain(q.export_table(path, name, week.start, week.end, PARAMS.low_score))
                               for name in q.EXPORT_TABLES}
        out[label] = part
    return out


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    return busy_store(tmp_path_factory.mktemp("busy"))


@pytest.mark.slow
def test_owner_figures_on_a_busy_history_are_unchanged(busy):
    got = json.loads(json.dumps(figures(busy), ensure_ascii=False))
    if os.environ.get("CALLQA_WRITE_OWNER_GOLDEN") == "1":  # only with the reference queries
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for label in want:
        for key in want[label]:
            assert got[label][key] == want[label][key], f"{label}: {key}"


@pytest.mark.slow  # the busy history takes ~8 s to build
def test_the_busy_history_has_what_the_figures_need(busy):
    """An assert on the golden file must be able to fail: the history holds flags, coaching
    effects with data on both sides, disagreements and reviews of old calls."""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))["week"]
    assert any(f["on"] for f in want["flags"]) and not all(f["on"] for f in want["flags"])
    assert sum(1 for e in want["coaching"] if e["before_n"] >= 5 and e["after_n"] >= 5) >= 5
    assert any(e["about"] == "objection" and e["after_n"] for e in want["coaching"])
    assert any(a["n"] > a["agreed"] for a in want["agreement"])
    assert want["objection_agreement"][0]["n"] > want["objection_agreement"][0]["agreed"]
    assert sum(r["reviewed_calls"] for r in want["managers"]) > 10
    assert want["queries"]["fail_streaks_2"] and want["latency"]["low_calls"] > 3
    assert want["activity"]["feedback_given"] and want["activity"]["feedback_ack"]


@pytest.mark.slow  # ≥ 2 s
def test_coaching_windows_reach_past_a_burst_of_calls(tmp_path):
    """A manager's pace is uneven: 200 calls the day after the feedback, the 10 calls before
    it three months earlier (still within the lookback). The window before the feedback is
    those 10 calls all the same, and the one after the 10 nearest of the burst."""
    from owner.report import coaching_effects
    from tests.owner_data import AS_OF, add_call, batch, feedback, new_store

    path = new_store(tmp_path)
    given = AS_OF - timedelta(days=20)
    with batch(path):
        for i in range(10):
            add_call(path, "m1", given - timedelta(days=90, minutes=i), verdicts={"next_step": "fail"})
        for i in range(200):
            add_call(path, "m1", given + timedelta(hours=20, seconds=30 * i),
                     verdicts={"next_step": "pass" if i < 10 else "fail"})
        feedback(path, "m1", given, None, "next_step")
    (effect,) = coaching_effects(path, PARAMS, AS_OF)
    assert (effect.before_k, effect.before_n, effect.after_k, effect.after_n) == (0, 10, 10, 10)


@pytest.mark.slow
def test_coaching_rows_come_in_one_order(busy):
    """Feedback by time (then id), each with its window before and then after: the same rows
    in the same order on every run, whichever round of the span search found them."""
    as_of = WEEK.end
    lookback = as_of - timedelta(days=LOOKBACK_DAYS)
    for rows in (q.coaching_samples(busy, lookback, as_of, PARAMS.coaching_window_calls),
                 q.objection_coaching_samples(busy, lookback, as_of, PARAMS.coaching_window_calls)):
        assert len(rows) > 5
        keys = list(zip(rows["created_at"], rows["feedback_id"], ~rows["before"].fillna(False).astype(bool),
                        strict=True))
        assert keys == sorted(keys)
