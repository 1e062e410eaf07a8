"""The transcript inside the player, server side (AppTest): which lines it gets, which are marked
as evidence or search hits, the clip bounds, and the library's links back to the call."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from store import queries, review
from tests.ui_data import APP_TIMEOUT, build_store, call_page_app, serve_from, user
from ui import player
from ui.call import evidence_segments

pytestmark = pytest.mark.ui


@pytest.fixture
def store(monkeypatch, tmp_path):
    return serve_from(monkeypatch, tmp_path, build_store(tmp_path / "callqa.duckdb", n_calls=2,
                                                         audio_dir=tmp_path / "audio"))


def player_data(at: AppTest, key: str) -> dict:
    """What the page handed the player component with this key."""
    found = [e for e in at.get("bidi_component") if e.key == key]
    assert len(found) == 1, [e.key for e in at.get("bidi_component")]
    return json.loads(found[0].proto.json)


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info") for e in getattr(at, kind))


def test_find_lines_ignores_case_and_yo_and_finds_nothing_for_a_blank_query():
    lines = (player.Line(0, 0.0, 2.0, "manager", "Менеджер", "Всё ЗАПИШУ на замер"),
             player.Line(1, 2.0, 4.0, "client", "Клиент", "Хорошо"))
    assert player.find_lines(lines, "все  запишу") == {0}
    assert player.find_lines(lines, "хорош") == {1}
    assert player.find_lines(lines, "   ") == frozenset()
    assert player.find_lines(lines, "скидка") == frozenset()


def test_evidence_is_the_segments_cited_by_verdicts_objections_and_their_answers(store):
    view = queries.call_view(store.db_path, user("rop"), store.call_ids[0])
    assert evidence_segments(view.criteria, view.objections) == {0, 2, 4, 6, 7, 8, 10, 12}


def test_call_page_puts_the_transcript_with_speakers_and_evidence_into_the_player(store):
    call_id = store.call_ids[0]
    data = player_data(call_page_app("rop", call_id), f"player-{call_id}")
    assert data["src"] and data["sticky"] is True
    assert [line["idx"] for line in data["lines"]] == list(range(13))
    first = data["lines"][0]
    assert (first["who"], first["start"], first["end"]) == ("Менеджер", 0.0, 2.0)
    assert first["text"].startswith("Добрый день, компания Окна Плюс")
    assert data["evidence"] == [0, 2, 4, 6, 7, 8, 10, 12] and data["hits"] == []


def test_search_in_the_call_marks_the_lines_that_hold_the_phrase(store):
    call_id = store.call_ids[0]
    at = call_page_app("rop", call_id)
    at.text_input(key=f"find-{call_id}").input("ЗАМЕР").run()
    assert player_data(at, f"player-{call_id}")["hits"] == [10]
    assert "Найдено реплик: 1" in texts(at)
    at.text_input(key=f"find-{call_id}").input("рассрочка").run()
    assert player_data(at, f"player-{call_id}")["hits"] == []
    assert "В разговоре этого нет." in texts(at)


def test_imported_call_shows_its_transcript_without_audio(store):
    call_id = store.call_ids[1]  # no recording
    at = call_page_app("rop", call_id)
    data = player_data(at, f"player-{call_id}")
    assert data["src"] is None and len(data["lines"]) == 13
    assert "Аудио нет" in texts(at)


def test_a_link_with_t_opens_the_call_there_once(store):
    call_id = store.call_ids[0]
    at = AppTest.from_function(_call_page, default_timeout=APP_TIMEOUT)
    at.session_state["user"] = user("rop")
    at.query_params["call_id"] = call_id
    at.query_params["t"] = "17"
    at.run()
    data = player_data(at, f"player-{call_id}")
    assert (data["seek_s"], data["seek_nonce"]) == (17.0, 1)
    assert "Переход к 00:17" in texts(at)
    assert at.number_input(key="tr-start").value == 17.0  # a clip starts where the link pointed
    at.run()  # a rerun of the same link does not jump again
    assert player_data(at, f"player-{call_id}")["seek_nonce"] == 1


def _call_page():
    from ui.call import call_page

    call_page()


def test_library_clip_plays_between_its_bounds_and_links_to_the_call(store):
    review.add_training_item(store.db_path, user("rop"), store.call_ids[0], 4.4, 6.6, "example", "Имя")

    def script():
        from ui.library import library_page

        library_page()

    at = AppTest.from_function(script, default_timeout=APP_TIMEOUT)
    at.session_state["user"] = user("rop")
    at.run()
    clips = at.get("bidi_component")
    assert len(clips) == 1
    assert json.loads(clips[0].proto.json)["clip"] == [4.4, 6.6]
    links = [(e.proto.label, e.proto.page, e.proto.query_string) for e in at.get("page_link")]
    assert links == [("Открыть звонок с 00:04", "call", f"call_id={store.call_ids[0]}&t=4.4")]
