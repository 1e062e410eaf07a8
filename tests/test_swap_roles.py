"""The РОП / owner swaps manager and client in a call: segments swap, the call is re-scored at
once, the action is audited, a manager may not, and `callqa rescore` keeps the swap."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import scoring
from core.errors import AccessDeniedError
from core.types import Call, CallMeta
from pipeline.rescore import rescore, swap_roles
from store import db, writes
from tests.scoring_calls import GOOD_CALL, transcript
from tests.ui_data import build_store, call_page_app, serve_from, user

pytestmark = pytest.mark.ui  # drives Streamlit pages through AppTest (make test-ui)

SWAPPED = [("client" if who == "manager" else "manager", text) for who, text in GOOD_CALL]


@pytest.fixture
def swapped_call(cfg, scorer):
    """A good call stored with the roles the wrong way round (and flagged uncertain)."""
    with db.writer(cfg.db_path) as con:
        for rid, version, text in scorer.rubric_versions():
            writes.register_rubric_version(con, rid, version, text)
        t = scoring.prepare_transcript(transcript(SWAPPED))
        t = t.__class__(t.segments, t.language, t.asr_model, ("roles_uncertain",))
        s = scorer.score(t, CallMeta(direction="in"), 60.0, 2)
        writes.write_call(con, Call("c1", CallMeta(direction="in"), t, 60.0, 2, "audio", score=s))
    return cfg


def _speakers(db_path):
    return [r[0] for r in db.query_rows(db_path, "SELECT speaker FROM segments WHERE call_id = 'c1' ORDER BY idx")]


def _score(db_path):
    return db.query_rows(db_path, "SELECT score_pct FROM call_scores WHERE call_id = 'c1'")[0][0]


def _flags(db_path):
    return set((db.query_rows(db_path, "SELECT flags FROM calls WHERE call_id = 'c1'")[0][0] or "").split(","))


def test_swap_fixes_roles_rescores_and_is_audited(swapped_call):
    cfg = swapped_call
    before_score = _score(cfg.db_path)
    assert _speakers(cfg.db_path)[0] == "client"
    new = swap_roles(cfg, user("rop"), "c1")
    assert _speakers(cfg.db_path) == [who for who, _ in GOOD_CALL]
    assert _score(cfg.db_path) == new.score_pct > before_score
    assert "roles_swapped" in _flags(cfg.db_path) and "roles_uncertain" not in _flags(cfg.db_path)
    events = db.query_rows(cfg.db_path, "SELECT username, kind, payload FROM review_events WHERE call_id = 'c1'")
    assert [(u, k) for u, k, _ in events] == [("rop", "swap_roles")]
    assert json.loads(events[0][2])["swapped"] is True
    # `callqa rescore` re-scores from the stored (swapped) segments
    rescore(cfg)
    assert _speakers(cfg.db_path)[0] == "manager" and _score(cfg.db_path) == new.score_pct
    # swapping again restores the original, owner may do it too
    swap_roles(cfg, user("owner"), "c1")
    assert _speakers(cfg.db_path)[0] == "client" and "roles_swapped" not in _flags(cfg.db_path)
    assert _score(cfg.db_path) == before_score


def test_a_manager_cannot_swap_roles(swapped_call):
    with pytest.raises(AccessDeniedError):
        swap_roles(swapped_call, user("ivan"), "c1")
    assert _speakers(swapped_call.db_path)[0] == "client"
    assert db.query_rows(swapped_call.db_path, "SELECT count(*) FROM review_events")[0][0] == 0


# --- the call page ----------------------------------------------------------------------------

APP_TIMEOUT = 60




@pytest.fixture
def ui_store(monkeypatch, tmp_path):
    data = serve_from(monkeypatch, tmp_path, build_store(tmp_path / "callqa.duckdb"))
    monkeypatch.delenv("CALLQA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no callqa.toml of the checkout
    with db.writer(data.db_path) as con:
        con.execute("UPDATE calls SET flags = 'roles_uncertain' WHERE call_id = ?", [data.call_ids[0]])
    return data


def _page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("warning", "caption", "markdown", "error")
                     for e in getattr(at, kind))


def test_head_swaps_roles_on_thecall_page_app(ui_store):
    call_id = ui_store.call_ids[0]
    at = call_page_app("rop", call_id)
    assert "Проверьте роли: менеджер и клиент могли перепутаться" in _page_text(at)
    first = db.query_rows(ui_store.db_path, "SELECT speaker FROM segments WHERE call_id = ? AND idx = 0", [call_id])[0][0]
    at.button(key="swap-roles").click().run()
    assert not at.exception
    after = db.query_rows(ui_store.db_path, "SELECT speaker FROM segments WHERE call_id = ? AND idx = 0", [call_id])[0][0]
    assert {first, after} == {"manager", "client"}
    page = _page_text(at)
    assert "поменяны вручную" in page and "Проверьте роли" not in page
    kinds = [r[0] for r in db.query_rows(ui_store.db_path, "SELECT kind FROM review_events WHERE call_id = ?", [call_id])]
    assert "swap_roles" in kinds


def test_owner_sees_the_swap_button_and_a_manager_does_not(ui_store):
    assert any(b.key == "swap-roles" for b in call_page_app("owner", ui_store.call_ids[0]).button)
    own = ui_store.calls_of("m101")[0]
    at = call_page_app("ivan", own)
    assert "Расшифровка" in "\n".join(str(s.value) for s in at.subheader)
    assert not any(b.key == "swap-roles" for b in at.button)

