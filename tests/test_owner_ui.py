"""The owner's pages, driven with Streamlit's AppTest: who sees them and what they show."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from store.users import User
from tests.owner_data import WEEK, add_call, at, feedback, healthy_store

pytestmark = pytest.mark.ui  # drives Streamlit pages through AppTest (make test-ui)

TIMEOUT = 60
USERS = {"owner": User("boss", "owner"), "head": User("rop", "head"),
         "manager": User("ivan", "manager", "m1")}


@pytest.fixture(scope="module")
def owner_store(tmp_path_factory):
    path = healthy_store(tmp_path_factory.mktemp("owner-ui"))
    cid = add_call(path, "m2", at(4, 16), score=30, verdicts={"summary": "fail"})
    feedback(path, "m2", at(5, 9), cid, "summary")
    return path


@pytest.fixture
def env(owner_store, home, monkeypatch):
    """A fresh home that reads the module's store (the pages here only read, except the log)."""
    monkeypatch.setenv("CALLQA_DB", str(owner_store))
    return owner_store


def page_as(role: str, page: str) -> AppTest:
    script = f"from ui.pages import BY_URL\nBY_URL[{page!r}].draw()"
    at_ = AppTest.from_string(script, default_timeout=TIMEOUT)
    at_.session_state["user"] = USERS[role]
    return at_.run()


def test_menu_gives_owner_pages_by_role():
    from ui.pages import CONTROL, page_titles

    titles = {role: page_titles(role, CONTROL) for role in USERS}
    assert titles == {"owner": ["Контроль РОП", "Журнал РОП", "Калибровка", "Дайджест"],
                      "head": ["Журнал РОП", "Калибровка"], "manager": []}


def test_owner_sees_the_control_page(env):
    at_ = page_as("owner", "owner")
    assert not at_.exception
    assert at_.title[0].value == "Контроль РОП"
    at_.selectbox(key="owner-week").select(WEEK)
    at_.run()
    metrics = {m.label: m.value for m in at_.metric}
    assert metrics["Прослушано"] == "36 мин"
    assert metrics["Разобрано звонков"] == "13 из 13", metrics
    assert metrics["Обратная связь"] == "1"
    subheaders = [s.value for s in at_.subheader]
    assert "Красные флаги" in subheaders and "Согласие ИИ и РОП" in subheaders


@pytest.mark.parametrize("role", ["head", "manager"])
def test_head_and_manager_are_refused_the_control_page(env, role):
    at_ = page_as(role, "owner")
    assert [e.value for e in at_.error] == ["Недостаточно прав для этой страницы."]
    assert not at_.metric


def test_manager_is_refused_the_head_log_and_the_digest(env):
    for page in ("head-log", "digest"):
        assert page_as("manager", page).error[0].value == "Недостаточно прав для этой страницы."


def test_head_writes_the_log_and_owner_reads_it(env, tmp_path):
    at_ = page_as("head", "head-log")
    at_.selectbox[0].select("one_to_one")
    at_.selectbox[1].select("m1")
    at_.text_area[0].input("Разобрали отработку «дорого»")
    at_.button[0].click().run()
    assert not at_.exception
    assert at_.success[0].value == "Записано."
    owner = page_as("owner", "head-log")
    assert "Разобрали отработку «дорого»" in owner.dataframe[0].value["Заметка"].tolist()
    assert not owner.text_area  # the owner reads, does not write


def test_head_log_asks_for_the_manager_of_a_one_to_one(env):
    at_ = page_as("head", "head-log")
    at_.selectbox[0].select("one_to_one")  # «С кем» left at «вся команда»
    at_.button[0].click().run()
    assert not at_.exception
    assert [e.value for e in at_.error] == ["Для встречи один на один выберите менеджера."]
    assert not at_.success


def test_digest_page_shows_sections_and_downloads(env):
    at_ = page_as("owner", "digest")
    assert not at_.exception
    assert [s.value for s in at_.subheader][:3] == ["Ситуация", "Выводы", "Действия"]


@pytest.mark.parametrize("role", ["owner", "head", "manager"])
def test_app_builds_its_menu_with_the_owner_pages_for_every_role(env, role):
    from pathlib import Path

    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at_ = AppTest.from_file(app, default_timeout=TIMEOUT)
    at_.session_state["user"] = USERS[role]
    assert not at_.run().exception
