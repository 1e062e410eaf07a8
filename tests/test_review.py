"""РОП actions written by store.review: rules, event log, and no lost work under a busy store."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import AccessDeniedError, CallQAError, StoreBusyError
from store import db, queries, review
from store import users as accounts
from store.review_history import replace_review_history
from tests.ui_data import build_store, user
from ui.common import mask_digits, masked_file_name, query_lemmas, save
from ui.player import Played, new_played_seconds

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data(tmp_path):
    return build_store(tmp_path / "callqa.duckdb", users=False)


def events(path, kind=None):
    sql = "SELECT username, call_id, kind, played_s FROM review_events"
    return db.query_rows(path, sql + (" WHERE kind = ?" if kind else "") + " ORDER BY event_id",
                         [kind] if kind else [])


def test_latest_override_wins_and_every_action_is_logged(data):
    call = data.call_ids[0]
    review.override_verdict(data.db_path, user("rop"), call, "greeting", "fail", "нет компании")
    review.override_verdict(data.db_path, user("rop"), call, "greeting", "insufficient", "плохо слышно")
    criteria = queries.call_view(data.db_path, user("rop"), call).criteria.set_index("criterion_id")
    assert criteria.loc["greeting", "verdict"] == "insufficient"
    assert criteria.loc["greeting", "auto_verdict"] == "pass"
    assert [e[2] for e in events(data.db_path)] == ["override", "override"]


def test_overrides_survive_rescoring(data):
    """РОП data references (call_id, criterion_id), so a new score keeps the override visible."""
    from store import writes
    from tests.ui_data import _score, _segments

    call = data.call_ids[0]
    review.override_verdict(data.db_path, user("rop"), call, "farewell", "fail", "не попрощался")
    with db.writer(data.db_path) as con:
        writes.write_score(con, call, _score(_segments(0, True), True, 0, "v2-test"))
    criteria = queries.call_view(data.db_path, user("rop"), call).criteria.set_index("criterion_id")
    assert criteria.loc["farewell", "verdict"] == "fail"


def test_objection_label_replaces_shown_handling(data):
    call = data.call_ids[2]
    review.label_objection(data.db_path, user("rop"), call, 7, "competitor_cheaper", "question")
    objections = queries.call_view(data.db_path, user("rop"), call).objections
    assert list(objections["handling"]) == ["question"]
    assert list(objections["auto_handling"]) == ["discount"]


def test_a_turn_marked_no_objection_leaves_the_figures_and_teaches_the_turn_model(data):
    from core.types import NOT_OBJECTION
    from store import effective

    call = data.call_ids[2]
    rop = user("rop")
    before = queries.handling_mix(data.db_path, rop)["n"].sum()
    review.label_objection(data.db_path, rop, call, 7, "competitor_cheaper", NOT_OBJECTION)
    objections = queries.call_view(data.db_path, rop, call).objections
    assert list(objections["handling"]) == [NOT_OBJECTION]  # shown «не возражение» on the call page
    assert queries.handling_mix(data.db_path, rop)["n"].sum() == before - 1
    assert (call, 7, NOT_OBJECTION) in effective.labelled_objection_kinds(data.db_path)
    assert all(row[:2] != (call, 7) for row in effective.labelled_handlings(data.db_path))
    with pytest.raises(CallQAError):
        review.label_objection(data.db_path, rop, call, 7, "price", "maybe")


def test_a_note_about_a_manager_without_a_call_leaves_the_unreviewed_calls_unreviewed(data):
    """A loaded review history may hold feedback about a manager in general (no call): that is
    no reviewed call, so «Не разобранные РОП» and the queue still list the calls."""
    rop = user("rop")
    unreviewed = queries.CallFilters(not_reviewed_only=True)
    before = queries.list_calls(data.db_path, rop, unreviewed).total
    queue = len(queries.review_queue(data.db_path, rop, low_score=101))
    assert before == len(data.call_ids) and queue > 0
    replace_review_history(data.db_path, [{"type": "feedback", "username": "rop", "manager_id": "m101",
                                           "text": "Больше вопросов", "created_at": "2025-03-03T12:00:00"}])
    page = queries.list_calls(data.db_path, rop, unreviewed)
    assert page.total == before and not page.rows["reviewed"].any()
    assert len(queries.review_queue(data.db_path, rop, low_score=101)) == queue


@pytest.mark.parametrize("username", ["owner", "ivan"])
def test_only_the_head_annotates(data, username):
    with pytest.raises(AccessDeniedError):
        review.override_verdict(data.db_path, user(username), data.call_ids[0], "greeting", "fail", "x")
    with pytest.raises(AccessDeniedError):
        review.add_training_item(data.db_path, user(username), data.call_ids[0], 0, 5, "example")


def test_feedback_goes_to_the_calls_manager_and_only_they_acknowledge(data):
    ivan_call = data.calls_of("m101")[0]
    fid = review.give_feedback(data.db_path, user("rop"), ivan_call, "Назовите дату замера", "next_step")
    with pytest.raises(AccessDeniedError):
        review.acknowledge_feedback(data.db_path, user("olga"), fid)
    assert queries.feedback_for_manager(data.db_path, user("olga")).empty
    review.acknowledge_feedback(data.db_path, user("ivan"), fid)
    review.acknowledge_feedback(data.db_path, user("ivan"), fid)  # twice is harmless
    mine = queries.feedback_for_manager(data.db_path, user("ivan"))
    assert mine["acknowledged_at"].notna().all()
    assert [e[2] for e in events(data.db_path)] == ["feedback", "ack"]


def test_bad_input_is_refused_with_a_clear_message(data):
    with pytest.raises(CallQAError, match="verdict"):
        review.override_verdict(data.db_path, user("rop"), data.call_ids[0], "greeting", "maybe", "x")
    with pytest.raises(CallQAError, match="end after"):
        review.add_training_item(data.db_path, user("rop"), data.call_ids[0], 5, 5, "example")
    with pytest.raises(CallQAError, match="not in the store"):
        review.mark_reviewed(data.db_path, user("rop"), "0123456789abcdef")


def test_played_seconds_are_logged_once_per_report(data):
    review.record_played(data.db_path, user("rop"), data.call_ids[0], 12.5, position_s=14.0)
    review.record_played(data.db_path, user("rop"), data.call_ids[0], 0.0)  # nothing played: no row
    assert events(data.db_path, "played") == [("rop", data.call_ids[0], "played", 12.5)]


def test_player_reports_turn_into_new_seconds_only():
    import streamlit as st

    st.session_state.clear()
    assert new_played_seconds("c1", Played("mount-a", 10.0, 10.0)) == 10.0
    assert new_played_seconds("c1", Played("mount-a", 10.0, 10.0)) == 0.0  # a rerun repeats it
    assert new_played_seconds("c1", Played("mount-a", 25.0, 30.0)) == 15.0
    assert new_played_seconds("c1", Played("mount-b", 4.0, 4.0)) == 4.0  # page reloaded


def test_manager_cannot_log_listening_to_another_managers_call(data):
    with pytest.raises(AccessDeniedError):
        review.record_opened(data.db_path, user("ivan"), data.calls_of("m102")[0])


def test_passwords_are_bcrypt_hashes(tmp_path):
    path = tmp_path / "c.duckdb"
    accounts.add_user(path, "rop", "head", "s3cret-pass")
    stored = db.query_rows(path, "SELECT password_hash FROM users")[0][0]
    assert stored.startswith("$2b$") and "s3cret" not in stored
    assert accounts.authenticate(path, "rop", "s3cret-pass") == accounts.User("rop", "head")
    assert accounts.authenticate(path, "rop", "wrong") is None
    assert accounts.authenticate(path, "nobody", "s3cret-pass") is None
    accounts.set_password(path, "rop", "new-pass-1")
    assert accounts.authenticate(path, "rop", "new-pass-1") is not None
    with pytest.raises(CallQAError, match="--manager"):
        accounts.add_user(path, "x", "manager", "pw")


def test_users_cli_adds_and_changes_passwords(tmp_path):
    from click.testing import CliRunner

    from cli.users import users
    from core.config import load_config

    cfg = load_config(overrides={"paths.db": str(tmp_path / "c.duckdb")})
    runner = CliRunner()
    result = runner.invoke(users, ["add", "ivan", "--role", "manager", "--manager", "m101"],
                           obj=cfg, input="pw-12345678\npw-12345678\n")
    assert result.exit_code == 0, result.output
    assert accounts.authenticate(cfg.db_path, "ivan", "pw-12345678").manager_id == "m101"
    result = runner.invoke(users, ["passwd", "ivan", "--password", "pw-67890123"], obj=cfg)
    assert result.exit_code == 0, result.output
    assert accounts.authenticate(cfg.db_path, "ivan", "pw-67890123") is not None


def test_phone_digits_are_masked_but_dates_stay():
    assert masked_file_name("/pbx/out-89161234567-101-20250303-090000.wav") == "out-*********67-101-20250303-090000.wav"
    assert mask_digits("+79161234567") == "**********67"


def test_search_phrase_is_lemmatised():
    assert query_lemmas("скидку") == ("скидка",)
    assert query_lemmas("  ") == ()


def test_save_retries_while_the_store_is_busy():
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise StoreBusyError("busy")

    assert save(flaky) is True
    assert len(attempts) == 3


_BATCH_STAND_IN = """
import sys, time
from pathlib import Path
from core.types import Call, CallMeta, Segment, Transcript
from store import db, writes
path, stop = Path(sys.argv[1]), Path(sys.argv[2])
n = 0
while not stop.exists():
    segs = tuple(Segment(i, "manager", i, i + 1, "фраза") for i in range(40))
    with db.writer(path) as con:
        writes.write_call(con, Call(f"batch{n:011d}", CallMeta(), Transcript(segs), 40.0, 2, "import"))
        time.sleep(0.02)  # a transaction that takes a moment, like a real call write
    n += 1
    time.sleep(0.01)  # "transcribing" the next call outside the lock
print(n)
"""


def _wait_for_batch_writes(db_path, batch, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    sql = "SELECT count(*) FROM calls WHERE call_id LIKE 'batch%'"
    while db.query_rows(db_path, sql)[0][0] == 0:
        assert batch.poll() is None, "the batch stand-in ended before writing"
        assert time.monotonic() < deadline, f"the batch wrote nothing in {timeout_s} s"
        time.sleep(0.05)


@pytest.mark.slow  # ~0.1 s per DuckDB write transaction on this machine: 200 of them
def test_no_annotation_is_lost_while_a_batch_writes(data, tmp_path):
    """A subprocess keeps writing calls while 200 РОП annotations go in: all 200 are stored."""
    stop = tmp_path / "stop"
    batch = subprocess.Popen(
        [sys.executable, "-c", _BATCH_STAND_IN, str(data.db_path), str(stop)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        _wait_for_batch_writes(data.db_path, batch)  # the batch is going before the РОП starts
        rop = user("rop")
        for i in range(200):
            call = data.call_ids[i % len(data.call_ids)]
            match i % 4:
                case 0:
                    review.override_verdict(data.db_path, rop, call, "greeting", "fail", f"причина {i}")
                case 1:
                    review.give_feedback(data.db_path, rop, call, f"отзыв {i}")
                case 2:
                    review.add_training_item(data.db_path, rop, call, i, i + 5, "example", f"клип {i}")
                case 3:
                    review.label_objection(data.db_path, rop, call, 7, "price", "value")
    finally:
        stop.touch()
        out, _ = batch.communicate(timeout=60)
    assert batch.returncode == 0
    written = int(out.strip())
    # the batch was writing before the РОП started and went on (no count of writes per second:
    # how many fit in depends on the machine); every call it wrote is stored once
    assert written >= 2
    assert db.query_rows(data.db_path, "SELECT count(*) FROM calls WHERE call_id LIKE 'batch%'")[0][0] == written
    counts = db.query_rows(data.db_path, """SELECT
        (SELECT count(*) FROM overrides), (SELECT count(*) FROM feedback),
        (SELECT count(*) FROM training_items), (SELECT count(*) FROM objection_labels),
        (SELECT count(*) FROM review_events)""")[0]
    assert counts == (50, 50, 50, 50, 200)
