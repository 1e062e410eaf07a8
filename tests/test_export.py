"""Exports of a period (CSV, Excel, Parquet), the CLI `callqa export`, and the demo history loader."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from core.errors import CallQAError
from owner.export import export_period
from pipeline.demo_seed import load_review_history
from store import db
from tests.owner_data import PREV, add_call, at, batch, new_store, override

D_FROM, D_TO = date(2026, 11, 16), date(2026, 11, 22)


@pytest.fixture
def period_store(tmp_path):
    """3 calls in the period (one with an override and an objection), 1 the week before."""
    path = new_store(tmp_path)
    with batch(path):
        first = add_call(path, "m1", at(0), 80, {"summary": "fail"}, [("price", "discount")], call_id="a")
        add_call(path, "m1", at(3), 40, call_id="b")
        add_call(path, "m2", at(6, 23, 59), 90, call_id="c")  # Sunday 23:59: still in
        add_call(path, "m2", at(4, week=PREV), 10, call_id="old")
        override(path, first, "summary", "pass", at(1))
    return path


def test_csv_export_writes_one_readable_file_per_table(period_store, tmp_path):
    result = export_period(period_store, D_FROM, D_TO, "csv", tmp_path / "out")
    assert [p.name for p in result.files] == [f"callqa-20261116-20261122-{t}.csv"
                                              for t in ("calls", "verdicts", "objections", "managers")]
    calls = pd.read_csv(result.files[0])
    assert sorted(calls["call_id"]) == ["a", "b", "c"]
    assert calls.set_index("call_id").loc["a", "score_pct"] == 80  # current version, not 'old'
    verdicts = pd.read_csv(result.files[1])
    summary = verdicts[(verdicts["call_id"] == "a") & (verdicts["criterion_id"] == "summary")].iloc[0]
    assert (summary["auto_verdict"], summary["verdict"], bool(summary["overridden"])) == ("fail", "pass", True)
    objections = pd.read_csv(result.files[2])
    assert objections[["kind", "handling"]].values.tolist() == [["price", "discount"]]
    managers = pd.read_csv(result.files[3]).set_index("manager_id")
    assert managers.loc["m1", "calls"] == 2 and managers.loc["m1", "low_calls"] == 1
    assert result.rows == {"calls": 3, "verdicts": 12, "objections": 1, "managers": 2}


def test_parquet_export_reads_back_in_duckdb(period_store, tmp_path):
    result = export_period(period_store, D_FROM, D_TO, "parquet", tmp_path / "pq")
    con = duckdb.connect()
    assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(result.files[0])]).fetchone()[0] == 3
    assert con.execute("SELECT avg(score_pct) FROM read_parquet(?)", [str(result.files[0])]).fetchone()[0] == 70


def test_excel_export_has_a_sheet_per_table(period_store, tmp_path):
    (path,) = export_period(period_store, D_FROM, D_TO, "xlsx", tmp_path).files
    wb = load_workbook(path)
    assert wb.sheetnames == ["calls", "verdicts", "objections", "managers"]
    assert wb["calls"].max_row == 4  # header + 3 calls


def test_bad_period_or_format_is_refused(period_store, tmp_path):
    with pytest.raises(CallQAError, match="before it starts"):
        export_period(period_store, D_TO, D_FROM, "csv", tmp_path)
    with pytest.raises(CallQAError, match="format"):
        export_period(period_store, D_FROM, D_TO, "json", tmp_path)


def test_cli_export(period_store, tmp_path):
    from cli.main import main

    out = tmp_path / "cli"
    res = CliRunner().invoke(main, ["--db", str(period_store), "export", "--from", "2026-11-16", "--to", "2026-11-22",
                                    "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "calls 3 · verdicts 12 · objections 1 · managers 2" in res.output
    assert len(list(out.glob("*.csv"))) == 4


# --- demo history loader -------------------------------------------------------------------

HISTORY = [
    {"type": "opened", "username": "demo-rop", "call_id": "a", "created_at": "2026-11-17T10:00:00"},
    {"type": "played", "username": "demo-rop", "call_id": "a", "played_s": 42.5, "created_at": "2026-11-17T10:02:00"},
    {"type": "override", "username": "demo-rop", "call_id": "a", "criterion_id": "greeting", "verdict": "fail",
     "reason": "не назвал компанию", "created_at": "2026-11-17T10:05:00"},
    {"type": "feedback", "username": "demo-rop", "manager_id": "m1", "call_id": "a", "criterion_id": "greeting",
     "objection_kind": None, "text": "Называй компанию", "acknowledged_at": None, "created_at": "2026-11-17T10:06:00"},
    {"type": "training", "username": "demo-rop", "call_id": "a", "start_s": 1.0, "end_s": 9.0, "label": "example",
     "note": "хорошо", "created_at": "2026-11-17T10:07:00"},
    {"type": "objection_label", "username": "demo-rop", "call_id": "a", "segment_idx": 1, "kind": "price",
     "handling": "discount", "created_at": "2026-11-17T10:08:00"},
    {"type": "head_log", "username": "demo-rop", "kind": "planning", "held_on": "2026-11-16", "manager_id": None,
     "note": "Планёрка", "created_at": "2026-11-16T18:00:00"},
]
TABLES = ("review_events", "overrides", "feedback", "training_items", "objection_labels", "head_log")


def _counts(path):
    return {t: db.query_rows(path, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def test_demo_history_loads_every_type_and_twice_changes_nothing(period_store, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps(HISTORY, ensure_ascii=False), encoding="utf-8")
    before = _counts(period_store)
    assert load_review_history(period_store, history) == 7
    once = _counts(period_store)
    load_review_history(period_store, history)
    assert _counts(period_store) == once
    added = {t: once[t] - before[t] for t in TABLES}
    assert added == {"review_events": 6, "overrides": 1, "feedback": 1, "training_items": 1,
                     "objection_labels": 1, "head_log": 1}
    assert db.query_rows(period_store, "SELECT sum(played_s) FROM review_events WHERE kind = 'played' "
                                "AND username = 'demo-rop'")[0][0] == 42.5
    assert db.query_rows(period_store, "SELECT count(*) FROM overrides WHERE username = 'rop'")[0][0] == 1  # kept


def test_demo_history_refuses_a_broken_file(period_store, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"type": "dance", "username": "x", "created_at": "2026-11-17T10:00:00"}]')
    with pytest.raises(CallQAError, match="item 0"):
        load_review_history(period_store, bad)
