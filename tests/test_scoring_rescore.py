"""Re-scoring from stored lemmas keeps old versions' results and reports flips; training."""

import dataclasses

import pytest
from click.testing import CliRunner

import scoring
from cli import scoring as cli_scoring
from core.types import Call, CallMeta
from pipeline.rescore import rescore
from pipeline.train import train
from scoring.rubric import DEFAULT_RUBRIC
from store import db, writes
from store.rubrics import diff_versions
from tests.scoring_calls import GOOD_CALL, transcript

POOR_GREETING = [("manager", "Алло, слушаю.")] + GOOD_CALL[1:]


@pytest.fixture
def cfg(cfg, scorer):
    """The shared ``cfg`` with three calls scored in its store: good, poor greeting, good."""
    with db.writer(cfg.db_path) as con:
        for rid, version, text in scorer.rubric_versions():
            writes.register_rubric_version(con, rid, version, text)
        for i, lines in enumerate([GOOD_CALL, POOR_GREETING, GOOD_CALL]):
            t = scoring.prepare_transcript(transcript(lines))
            s = scorer.score(t, CallMeta(direction="in"), 60.0, 2)
            writes.write_call(con, Call(f"call{i}", CallMeta(direction="in"), t, 60.0, 2, "import", score=s))
    return cfg


def _lenient_rubric(tmp_path):
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8")
    text = text.replace("[меня зовут,", "[алло, меня зовут,").replace("[компания, фирма,", "[слушать, компания, фирма,")
    p = tmp_path / "lenient.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_rescore_keeps_old_results_and_reports_flips(cfg, tmp_path):
    old = scoring.load_rubric().version
    report = rescore(cfg, _lenient_rubric(tmp_path))
    assert report.calls == 3 and report.old_version == old and report.new_version != old
    assert report.nlp_fallback_segments == 0  # stored lemmas only
    assert report.flips == 1 and report.flips_by_criterion == {"greeting": 1}
    rows = db.query_rows(cfg.db_path, "SELECT rubric_version, count(*) FROM call_scores GROUP BY 1")
    assert dict(rows) == {old: 3, report.new_version: 3}
    current = db.query_rows(cfg.db_path, "SELECT version FROM rubric_versions WHERE is_current")
    assert current == [(report.new_version,)]
    flips = diff_versions(cfg.db_path, old, report.new_version)
    assert list(flips[["call_id", "criterion_id", "old_verdict", "new_verdict"]].itertuples(index=False, name=None)) == [
        ("call1", "greeting", "fail", "pass")]


def test_rescored_rows_match_the_batch_writer(cfg):
    """Bulk rows written by rescore equal what store.writes.write_score wrote for the same version."""
    before = db.query_df(cfg.db_path, "SELECT * EXCLUDE (scored_at) FROM call_scores ORDER BY call_id")
    crit_before = db.query_df(cfg.db_path, "SELECT * FROM criterion_results ORDER BY call_id, criterion_id")
    report = rescore(cfg)
    assert report.flips == 0
    after = db.query_df(cfg.db_path, "SELECT * EXCLUDE (scored_at) FROM call_scores ORDER BY call_id")
    crit_after = db.query_df(cfg.db_path, "SELECT * FROM criterion_results ORDER BY call_id, criterion_id")
    assert before.equals(after) and crit_before.equals(crit_after)


@pytest.mark.slow  # starts two worker processes, each loading the scorer
def test_rescore_in_worker_processes_gives_the_same_results(cfg, tmp_path):
    report = rescore(cfg, _lenient_rubric(tmp_path), batch_size=1, workers=2)
    assert report.calls == 3 and report.flips == 1 and report.flips_by_criterion == {"greeting": 1}
    parallel = db.query_df(cfg.db_path, "SELECT * FROM criterion_results WHERE rubric_version = ?"
                           " ORDER BY call_id, criterion_id", [report.new_version])
    again = rescore(cfg, _lenient_rubric(tmp_path), workers=1)  # same version: rows replaced
    assert again.new_version == report.new_version
    serial = db.query_df(cfg.db_path, "SELECT * FROM criterion_results WHERE rubric_version = ?"
                         " ORDER BY call_id, criterion_id", [report.new_version])
    assert len(parallel) == 30 and parallel.equals(serial)


def test_cli_rescore_and_diff(cfg, tmp_path):
    runner = CliRunner()
    cmds = {c.name: c for c in (cli_scoring.rescore_cmd, cli_scoring.rubric_group)}
    result = runner.invoke(cmds["rescore"], ["--rubric", str(_lenient_rubric(tmp_path))], obj=cfg)
    assert result.exit_code == 0, result.output
    assert "1 verdicts flipped" in result.output and "greeting" in result.output
    versions = [r[0][:10] for r in db.query_rows(cfg.db_path, "SELECT version FROM rubric_versions ORDER BY loaded_at")]
    diff = runner.invoke(cmds["rubric"], ["diff", *versions], obj=cfg)
    assert diff.exit_code == 0 and "call1  greeting: fail → pass" in diff.output


@pytest.mark.slow  # fits the handling (5-fold CV) and objection-turn classifiers on the shipped training data
def test_train_uses_rop_labels_and_the_new_model_is_loaded(cfg):
    with db.writer(cfg.db_path) as con:
        con.execute("INSERT INTO objection_labels (call_id, segment_idx, kind, handling, username)"
                    " VALUES ('call0', 5, 'price', 'question', 'rop')")
    report = train(cfg)
    assert report.store_labels == 1 and report.path.exists()
    assert report.cv_folds == 5  # the catalogue has at least 5 examples of every handling
    assert 0.5 <= report.cv_accuracy <= 1  # 5 classes; measured 0.78
    scorer = scoring.Scorer(cfg)
    assert scorer.model.version == report.version
    # the objection-turn classifier was refit with the labelled turn; the value classifier kept
    assert scorer.model.turns.version == report.version and scorer.model.value is not None
    s = scorer.score(scoring.prepare_transcript(transcript(GOOD_CALL)), CallMeta(), 60.0, 2)
    assert dataclasses.asdict(s.objections[0])["handling"] == "question"
