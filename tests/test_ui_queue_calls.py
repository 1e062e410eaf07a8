"""Issue 14, row 7: calls without a manager (queue calls ``q-600-…``, by design) must not break
the «Менеджеры» page for the РОП and the owner."""

from __future__ import annotations

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from store import db, writes
from tests.ui_data import MANAGERS, _call, build_store, serve_from, user

pytestmark = pytest.mark.ui  # drives Streamlit pages through AppTest (make test-ui)

TIMEOUT = 60


@pytest.fixture
def with_queue_call(monkeypatch, tmp_path):
    data = build_store(tmp_path / "callqa.duckdb")
    queue_call = dataclasses.replace(_call(20, MANAGERS[0], None), call_id="q-600-1758000000.1",
                                     manager_id=None)
    queue_call = dataclasses.replace(queue_call, meta=dataclasses.replace(queue_call.meta, manager_ext="600"))
    with db.writer(data.db_path) as con:
        writes.write_call(con, queue_call)
    return serve_from(monkeypatch, tmp_path, data)


def _managers_page(username: str) -> AppTest:
    def script():
        from ui.managers import managers_page

        managers_page()

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["user"] = user(username)
    return at.run()


@pytest.mark.parametrize("username", ["owner", "rop"])
def test_the_managers_page_shows_calls_without_a_manager_as_their_own_row(with_queue_call, username):
    at = _managers_page(username)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert set(table["Менеджер"]) == {"Иван Петров", "Ольга Смирнова", "без менеджера (очередь)"}
    assert len(at.get("vega_lite_chart")) == 3


def test_the_head_calls_the_queue_his_tasks_and_the_owner_the_heads_queue():
    from ui.pages import page_titles

    assert "Мои задачи" in page_titles("head") and "Очередь РОП" not in page_titles("head")
    assert "Очередь РОП" in page_titles("owner")
