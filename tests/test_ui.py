"""The review UI, driven server-side with Streamlit's AppTest, for each page and role."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store import db, review
from store import users as accounts
from tests.ui_data import PASSWORD, build_store, call_page_app, serve_from, user

pytestmark = pytest.mark.ui  # drives Streamlit pages through AppTest (make test-ui)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A read-mostly store shared by the tests that change nothing."""
    home = tmp_path_factory.mktemp("ui-shared")
    return build_store(home / "callqa.duckdb", audio_dir=home / "audio")


@pytest.fixture
def ui_store(shared, monkeypatch, tmp_path):
    return serve_from(monkeypatch, tmp_path, shared)


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A store of its own for tests that write."""
    return serve_from(monkeypatch, tmp_path, build_store(tmp_path / "callqa.duckdb", audio_dir=tmp_path / "audio"))


def app_as(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["user"] = user(username)
    return at.run()


def open_call(at: AppTest, call_id: str) -> AppTest:
    at.selectbox(key="open-choice").select(call_id)
    return at.button(key="open-submit").click().run()




def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    # what a person reads: the backslashes of ui.common.plain are not shown
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def nav_titles(username: str) -> list[str]:
    from ui.pages import work_page_titles

    return work_page_titles(user(username).role)


# --- login and navigation ------------------------------------------------------------------

def test_wrong_password_is_refused(ui_store):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login-user").input("rop")
    at.text_input(key="login-password").input("wrong")
    at.button[0].click().run()
    assert "Неверный логин или пароль" in texts(at)
    assert "user" not in at.session_state


def test_login_opens_the_calls_list(ui_store):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login-user").input("rop")
    at.text_input(key="login-password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["user"].role == "head"
    assert "Найдено звонков: 12" in texts(at)


@pytest.mark.parametrize("username, has, lacks", [
    ("owner", ["Звонки", "Менеджеры", "Рубрика"], ["Мои отзывы"]),
    ("rop", ["Звонки", "Менеджеры", "Библиотека обучения"], ["Мои отзывы"]),
    ("ivan", ["Звонки", "Мои отзывы", "Рубрика"], ["Менеджеры"]),
])
def test_menu_depends_on_role(ui_store, username, has, lacks):
    menu = nav_titles(username)
    for title in has:
        assert title in menu
    for title in lacks:
        assert title not in menu


def test_logout_returns_to_login(ui_store):
    at = app_as("rop")
    at.button(key="logout").click().run()
    assert "Войти" in [b.label for b in at.button]


def test_login_with_remember_keeps_a_browser_token_and_logout_drops_it(fresh):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login-user").input("rop")
    at.text_input(key="login-password").input(PASSWORD)
    at.button[0].click().run()
    token = at.session_state["session-token"]
    assert accounts.user_for_token(fresh.db_path, token).username == "rop"
    assert db.query_rows(fresh.db_path, "SELECT count(*) FROM login_sessions")[0][0] == 1
    assert token not in str(db.query_rows(fresh.db_path, "SELECT * FROM login_sessions"))  # hash only
    at.button(key="logout").click().run()
    assert accounts.user_for_token(fresh.db_path, token) is None


def test_session_days_zero_means_no_browser_token(fresh, monkeypatch):
    monkeypatch.setenv("CALLQA_UI_SESSION_DAYS", "0")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.checkbox  # nothing to offer
    at.text_input(key="login-user").input("rop")
    at.text_input(key="login-password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["user"].role == "head" and "session-token" not in at.session_state
    assert db.query_rows(fresh.db_path, "SELECT count(*) FROM login_sessions")[0][0] == 0


def test_browser_tokens_expire_and_a_new_password_signs_browsers_out(fresh):
    from datetime import datetime, timedelta

    token = accounts.create_login_session(fresh.db_path, "rop", days=14)
    assert accounts.user_for_token(fresh.db_path, token).role == "head"
    assert accounts.user_for_token(fresh.db_path, token + "x") is None
    assert accounts.user_for_token(fresh.db_path, None) is None
    accounts.set_password(fresh.db_path, "rop", "another-password-1")
    assert accounts.user_for_token(fresh.db_path, token) is None
    old = accounts.create_login_session(fresh.db_path, "owner", days=14)
    with db.writer(fresh.db_path) as con:
        con.execute("UPDATE login_sessions SET expires_at = ?", [datetime.now() - timedelta(seconds=1)])
    assert accounts.user_for_token(fresh.db_path, old) is None


def test_a_disabled_account_cannot_sign_in_and_its_open_tab_is_signed_out(fresh):
    at = app_as("ivan")
    token = accounts.create_login_session(fresh.db_path, "ivan", days=14)
    accounts.set_disabled(fresh.db_path, "ivan", True)
    assert accounts.authenticate(fresh.db_path, "ivan", PASSWORD) is None
    assert accounts.user_for_token(fresh.db_path, token) is None
    at.run()  # the tab he still had open
    assert "user" not in at.session_state and "Войти" in [b.label for b in at.button]
    # his past actions keep his name (and role): nothing is deleted
    assert db.query_rows(fresh.db_path, "SELECT role FROM users WHERE username = 'ivan'") == [("manager",)]
    accounts.set_disabled(fresh.db_path, "ivan", False)
    assert accounts.authenticate(fresh.db_path, "ivan", PASSWORD).role == "manager"


def test_the_last_owner_cannot_be_disabled(fresh):
    from core.errors import CallQAError

    with pytest.raises(CallQAError, match="only active owner"):
        accounts.set_disabled(fresh.db_path, "owner", True)
    accounts.add_user(fresh.db_path, "owner2", "owner", "password-123")
    accounts.set_disabled(fresh.db_path, "owner", True)
    assert accounts.get_user(fresh.db_path, "owner") is None


# --- calls list ------------------------------------------------------------------------------

@pytest.mark.parametrize("username, count", [("owner", 12), ("rop", 12), ("ivan", 6), ("olga", 6)])
def test_calls_list_is_limited_to_own_calls_for_managers(ui_store, username, count):
    at = _page(username, "calls") if username == "owner" else app_as(username)  # the owner lands on «Контроль РОП»
    assert not at.exception
    assert f"Найдено звонков: {count}" in texts(at)
    shown = set(at.dataframe[0].value["Менеджер"])
    if username in ("ivan", "olga"):
        assert shown == {user(username).display_name}


def test_phrase_search_finds_other_word_forms(ui_store):
    """«скидка» finds calls where the manager said «скидку»."""
    at = app_as("rop")
    at.text_input(key="f-phrase").input("скидка").run()
    assert "Найдено звонков: 8" in texts(at)
    assert all("скидку" in m for m in at.dataframe[0].value["Найдено"])


def test_filters_fatal_and_low_confidence(ui_store):
    at = app_as("rop")
    at.checkbox(key="f-fatal").check().run()
    assert "Найдено звонков: 1" in texts(at)
    at.checkbox(key="f-fatal").uncheck()
    at.checkbox(key="f-lowconf").check().run()
    assert "Найдено звонков: 2" in texts(at)


def test_filter_by_objection_and_handling(ui_store):
    at = app_as("rop")
    at.selectbox(key="f-kind").select("price")
    at.selectbox(key="f-handling").select("value").run()
    assert "Найдено звонков: 4" in texts(at)


def test_handling_filter_follows_the_rops_label(fresh):
    at = app_as("rop")
    at.selectbox(key="f-kind").select("price")
    at.selectbox(key="f-handling").select("value").run()
    assert "Найдено звонков: 4" in texts(at)
    call_id, seg = db.query_rows(fresh.db_path, "SELECT call_id, segment_idx FROM objections"
                                 " WHERE kind = 'price' AND handling = 'value' ORDER BY call_id LIMIT 1")[0]
    with db.writer(fresh.db_path) as con:
        con.execute("INSERT INTO objection_labels (call_id, segment_idx, handling, username)"
                    " VALUES (?, ?, 'discount', 'rop')", [call_id, seg])
    at.run()
    assert "Найдено звонков: 3" in texts(at)
    at.selectbox(key="f-handling").select("discount").run()
    assert at.selectbox(key="open-choice").value == call_id  # the only call left


def test_sort_by_score_ascending(ui_store):
    at = app_as("rop")
    at.selectbox(key="f-sort").select("score")
    at.toggle(key="f-desc").set_value(False).run()
    scores = list(at.dataframe[0].value["Оценка"])
    assert scores == sorted(scores)


# --- call page -------------------------------------------------------------------------------

def test_head_opens_a_call_from_the_list_and_jumps_to_evidence(fresh):
    at = open_call(app_as("rop"), fresh.call_ids[0])
    assert not at.exception
    page = texts(at)
    assert "Добрый день, компания Окна Плюс" in page  # transcript
    assert "Приветствие" in page and "выполнено" in page  # verdicts
    assert "дорого" in page and "ценность" in page  # objection and handling
    at.button(key="ev-client_name").click().run()
    assert "Переход к 00:04" in texts(at)
    opened = db.query_rows(fresh.db_path, "SELECT username, call_id FROM review_events WHERE kind = 'opened'")
    assert opened == [("rop", fresh.call_ids[0])]


def test_verdicts_show_the_current_rubric_version(ui_store):
    """Call 0 also has an old version's score (20%): the current one (100%) is shown."""
    at = call_page_app("rop", ui_store.call_ids[0])
    assert at.metric[0].value == "100%" and "20%" not in [m.value for m in at.metric]


def test_override_changes_the_shown_verdict(fresh):
    at = call_page_app("rop", fresh.call_ids[0])
    at.selectbox(key="ov-criterion").select("greeting")
    at.selectbox(key="ov-verdict").select("fail")
    at.text_input(key="ov-reason").input("Не назвал компанию")
    at.button(key="FormSubmitter:override-form-Сохранить исправление").click().run()
    assert not at.exception
    page = texts(at)
    assert "Исправлено РОП (Руководитель отдела продаж)" in page and "Не назвал компанию" in page
    rows = db.query_rows(fresh.db_path, "SELECT criterion_id, verdict FROM overrides")
    assert rows == [("greeting", "fail")]


def test_override_needs_a_reason(fresh):
    at = call_page_app("rop", fresh.call_ids[0])
    at.button(key="FormSubmitter:override-form-Сохранить исправление").click().run()
    assert "Укажите причину" in texts(at)
    assert db.query_rows(fresh.db_path, "SELECT count(*) FROM overrides")[0][0] == 0


def test_head_writes_feedback_labels_objection_adds_clip_and_marks_reviewed(fresh):
    call_id = fresh.call_ids[2]
    at = call_page_app("rop", call_id)
    at.selectbox(key="fb-criterion").select("crit:next_step")
    at.text_area(key="fb-text").input("Назначайте замер с датой и временем")
    at.button(key="FormSubmitter:feedback-form-Отправить менеджеру").click().run()
    at.selectbox(key="lb-kind").select("price")  # the РОП hears another kind than the machine
    at.selectbox(key="lb-handling").select("question")
    at.button(key="FormSubmitter:label-form-Сохранить отметку").click().run()
    at.number_input(key="tr-start").set_value(15.0)
    at.number_input(key="tr-end").set_value(20.0)
    at.selectbox(key="tr-label").select("mistake")
    at.button(key="FormSubmitter:training-form-Добавить в библиотеку").click().run()
    at.button(key="mark-reviewed").click().run()
    assert not at.exception
    kinds = [r[0] for r in db.query_rows(
        fresh.db_path, "SELECT kind FROM review_events WHERE call_id = ? ORDER BY event_id", [call_id])]
    assert kinds == ["opened", "feedback", "label", "training", "reviewed"]
    assert db.query_rows(fresh.db_path, "SELECT kind, handling FROM objection_labels WHERE call_id = ?",
                         [call_id]) == [("price", "question")]
    assert "ошибка: 00:15–00:20" in texts(at)
    assert "уточняющий вопрос (отметка РОП: Руководитель отдела продаж)" in texts(at)


def test_manager_cannot_open_another_managers_call_by_url(ui_store):
    olga_call = ui_store.calls_of("m102")[0]
    at = call_page_app("ivan", olga_call)
    assert "Доступ запрещён" in texts(at)
    assert "Расшифровка" not in texts(at)


def test_manager_sees_own_call_without_head_actions(ui_store):
    at = call_page_app("ivan", ui_store.calls_of("m101")[1])
    assert "Расшифровка" in texts(at)
    assert "Действия РОП" not in texts(at)


def test_owner_sees_any_call_but_does_not_annotate(ui_store):
    at = call_page_app("owner", ui_store.call_ids[3])
    assert "Расшифровка" in texts(at)
    assert "Действия РОП" not in texts(at)


def test_imported_call_without_audio_is_shown_with_a_note(ui_store):
    page = texts(call_page_app("rop", ui_store.call_ids[1]))
    assert "Аудио нет" in page and "Расшифровка" in page


def test_missing_audio_file_is_reported_with_masked_name(fresh):
    fresh.audio_path.unlink()
    page = texts(call_page_app("rop", fresh.call_ids[0]))
    assert "Файл записи не найден: out-*********67-101-20250303-090000.wav" in page
    assert "89161234567" not in page


def test_unknown_call_id_says_not_found(ui_store):
    assert "не найден" in texts(call_page_app("rop", "ffffffffffffffff"))


# --- other pages -----------------------------------------------------------------------------

def _page(username: str, url_path: str) -> AppTest:
    """Run one page of the registry (AppTest cannot switch to callable st.navigation pages)."""
    def script():
        import streamlit as st

        from ui.pages import BY_URL

        BY_URL[st.session_state["_target"]].draw()

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["user"] = user(username)
    at.session_state["_target"] = url_path
    return at.run()


@pytest.mark.parametrize("username", ["owner", "rop"])
def test_managers_page_shows_charts_per_manager(ui_store, username):
    at = _page(username, "managers")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Менеджер"]) == {"Иван Петров", "Ольга Смирнова"}
    assert len(at.get("vega_lite_chart")) == 3


def test_managers_page_marks_small_counts(ui_store, monkeypatch):
    monkeypatch.setenv("CALLQA_SCORING_MIN_CALLS", "10")
    at = _page("rop", "managers")
    assert set(at.dataframe[0].value["Средняя оценка"]) == {"мало данных"}


def test_managers_page_is_refused_to_a_manager(ui_store):
    at = _page("ivan", "managers")
    assert "Недостаточно прав" in texts(at)


def test_manager_reads_and_acknowledges_feedback(fresh):
    ivan_call = fresh.calls_of("m101")[1]
    review.give_feedback(fresh.db_path, user("rop"), ivan_call, "Не давайте скидку сразу", "objection_handling")
    review.give_feedback(fresh.db_path, user("rop"), fresh.calls_of("m102")[1], "Для Ольги")
    at = _page("ivan", "my-feedback")
    page = texts(at)
    assert "Не давайте скидку сразу" in page and "Для Ольги" not in page
    ack = [b for b in at.button if b.label == "Ознакомлен"]
    ack[0].click().run()
    assert "Ознакомлен " in texts(at)
    rows = db.query_rows(fresh.db_path, "SELECT username, kind FROM review_events WHERE kind = 'ack'")
    assert rows == [("ivan", "ack")]


def test_feedback_page_is_for_managers_only(ui_store):
    assert "Недостаточно прав" in texts(_page("rop", "my-feedback"))


def test_training_library_filters_by_label_and_hides_other_managers_clips(fresh):
    review.add_training_item(fresh.db_path, user("rop"), fresh.call_ids[0], 0, 4, "example", "Образцовое приветствие")
    review.add_training_item(fresh.db_path, user("rop"), fresh.call_ids[3], 17, 20, "mistake", "Скидка сразу")
    at = _page("rop", "library")
    assert "Образцовое приветствие" in texts(at) and "Скидка сразу" in texts(at)
    at.radio(key="lib-label").set_value("mistake").run()
    assert "Образцовое приветствие" not in texts(at) and "Скидка сразу" in texts(at)
    ivan = texts(_page("ivan", "library"))
    assert "Образцовое приветствие" in ivan and "Скидка сразу" not in ivan


def test_rubric_page_shows_criteria_and_history(ui_store):
    at = _page("ivan", "rubric")
    assert not at.exception
    criteria = at.dataframe[0].value
    assert "Отработка возражений" in set(criteria["Критерий"])
    assert "id" not in criteria.columns  # criterion ids are for the YAML, not for people
    history = at.dataframe[1].value
    assert sorted(history["Текущая"]) == [False, True]  # two versions, exactly one current
    # versions by number and date (newest first), the sha256 only in the hint; rubric by title
    assert [v.split(" от ")[0] for v in history["Версия"]] == ["v2", "v1"]
    assert set(history["Рубрика"]) == {"Скрипт продаж (тест)"}
    assert at.subheader[0].value.replace("\\", "").startswith("Скрипт продаж (тест) · v2 от ")  # markdown-escaped


def test_pages_refuse_anonymous_visitors(ui_store):
    def script():
        from ui.calls import calls_page

        calls_page()

    at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert "Войдите в систему" in texts(at)



def test_managers_page_preselects_the_manager_of_a_red_flag_link(ui_store):
    """Owner red flags link to /managers?manager_id=…: the page opens filtered to that manager."""

    def script():
        from ui.managers import managers_page

        managers_page()

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["user"] = user("owner")
    at.query_params["manager_id"] = "m101"
    at.run()
    assert not at.exception
    assert at.multiselect[0].value == ["m101"]
    assert list(at.dataframe[0].value["Менеджер"]) == ["Иван Петров"]
