"""Page «Калибровка», driven with Streamlit's AppTest: a round is created by names, each
reviewer rates blind, and the agreement opens to everyone once all have finished."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from store import calibration
from store import users as accounts
from store.calibration import RoundSpec
from tests.ui_data import APP_TIMEOUT, PASSWORD, build_store, call_page_app, serve_from, user
from ui.calibration import NOTHING_TO_RATE

pytestmark = pytest.mark.ui  # drives Streamlit pages through AppTest (make test-ui)

QA = accounts.User("qa", "head", None, "Мария Контролёр")
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture
def store(monkeypatch, tmp_path):
    """The UI test store (12 scored calls in March 2025) with a second head, Мария."""
    data = build_store(tmp_path / "callqa.duckdb")
    accounts.add_user(data.db_path, "qa", "head", PASSWORD, display_name="Мария Контролёр")
    return serve_from(monkeypatch, tmp_path, data)


def page_as(who: accounts.User | str) -> AppTest:
    at = AppTest.from_string("from ui.pages import BY_URL\nBY_URL['calibration'].draw()",
                             default_timeout=APP_TIMEOUT)
    at.session_state["user"] = who if isinstance(who, accounts.User) else user(who)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "error", "success")
             for e in getattr(at, kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))  # plain()'s escapes unseen


def new_round(store, n_calls: int = 2) -> calibration.Round:
    return calibration.create_round(store.db_path, user("rop"),
                                    RoundSpec(*MARCH, n_calls, ("rop", "qa"), seed=3))


def verdict_radios(at: AppTest) -> list:
    return [r for r in at.radio if r.key.startswith("cv-")]


def save_button(at: AppTest):
    return next(b for b in at.button if b.label == "Сохранить оценки")


def test_head_creates_a_round_choosing_reviewers_by_name(store):
    at = page_as("rop")
    assert not at.exception
    assert NOTHING_TO_RATE in texts(at)
    assert at.multiselect(key="calib-reviewers").options == [
        "Владелец", "Мария Контролёр", "Руководитель отдела продаж"]  # names, never logins
    at.date_input(key="calib-from").set_value(MARCH[0])
    at.date_input(key="calib-to").set_value(MARCH[1])
    at.number_input(key="calib-n").set_value(4)
    at.multiselect(key="calib-reviewers").select("rop").select("qa")
    at.button(key="FormSubmitter:calib-new-Создать раунд").click().run()
    assert not at.exception
    assert "Раунд создан: 4 звонка, проверяющие: Мария Контролёр, Руководитель отдела продаж." in texts(at)
    rounds = at.dataframe[0].value
    assert rounds["Период"].tolist() == ["01.03.2025–31.03.2025"]
    assert rounds["Проверяющие"].tolist() == ["Мария Контролёр — 0 из 4; Руководитель отдела продаж — 0 из 4"]
    assert rounds["Состояние"].tolist() == ["идёт"]
    assert len(at.selectbox(key="calib-call").options) == 4
    assert "Итоги откроются, когда все проверяющие закончат" in texts(at)


def test_a_round_needs_two_reviewers(store):
    at = page_as("rop")
    at.multiselect(key="calib-reviewers").select("rop")
    at.button(key="FormSubmitter:calib-new-Создать раунд").click().run()
    assert "Выберите хотя бы двух проверяющих" in texts(at)
    assert calibration.rounds(store.db_path, user("rop")) == ()


def test_reviewers_rate_blind_and_see_the_agreement_when_all_have_finished(store):
    rnd = new_round(store)
    rop = page_as("rop")
    radios = verdict_radios(rop)
    assert len(radios) == 10 and all(r.value is None for r in radios)
    assert "ИИ:" not in texts(rop)  # the AI's verdicts are hidden by default
    save_button(rop).click().run()
    assert "Оцените все критерии" in texts(rop)

    first = rop.selectbox(key="calib-call").value
    for radio in verdict_radios(rop):
        radio.set_value("fail" if radio.key.endswith("-greeting") else "pass")
    save_button(rop).click().run()
    assert not rop.exception
    assert "Оценки сохранены." in texts(rop)
    assert rop.selectbox(key="calib-call").value != first  # on to the next call
    assert "оценён" in rop.selectbox(key="calib-call").format_func(first)

    qa = page_as(QA)
    assert qa.selectbox(key="calib-call").value == first
    assert all(r.value is None for r in verdict_radios(qa))  # Анна's verdicts are not shown
    assert "Итоги откроются" in texts(qa) and "Мария Контролёр — 0 из 2" in texts(qa)

    _, _, call_id = first.partition(":")
    for who in (user("rop"), QA):
        for cid in (calibration.assignments(store.db_path, who)["call_id"]):
            sheet = calibration.call_sheet(store.db_path, who, rnd.round_id, cid)
            if sheet.finished:
                continue
            calibration.save_verdicts(store.db_path, who, rnd.round_id, cid,
                                      dict.fromkeys(sheet.criteria["criterion_id"], "pass"))
    owner = page_as("owner")
    assert not owner.exception
    assert NOTHING_TO_RATE in texts(owner)
    agreement = owner.dataframe[1].value
    assert list(agreement.columns) == ["Критерий", "Согласие между проверяющими", "κ между проверяющими",
                                       "Согласие ИИ с проверяющими", "κ ИИ с проверяющими", "Что делать"]
    greeting = agreement.set_index("Критерий").loc["Приветствие с названием компании и именем"]
    assert greeting["Согласие между проверяющими"] == "50% (1 из 2)"
    assert greeting["κ между проверяющими"] == "мало данных"
    disagreed = owner.dataframe[2].value
    assert disagreed["Звонок"].tolist() == [f"/call?call_id={call_id}"]
    assert disagreed["Оценки"].tolist() == ["Мария Контролёр — выполнено; Руководитель отдела продаж — не выполнено"]
    assert re.fullmatch(r"\d\d\.\d\d\.2025 \d\d:\d\d · .+", disagreed["Когда"].iloc[0])


def test_the_call_page_hides_verdicts_from_a_reviewer_until_he_has_rated_the_call(store):
    rnd = new_round(store, n_calls=1)
    (call_id,) = calibration.assignments(store.db_path, QA)["call_id"]
    blind = call_page_app("rop", call_id)
    assert not blind.exception
    assert "Критерии" not in [s.value for s in blind.subheader]
    assert "Расшифровка" in [s.value for s in blind.subheader]
    assert blind.metric[0].value == "скрыта"
    assert "ждёт вашей оценки на странице «Калибровка»" in texts(blind)
    assert "Критерии" in [s.value for s in call_page_app("owner", call_id).subheader]  # not a reviewer

    sheet = calibration.call_sheet(store.db_path, user("rop"), rnd.round_id, call_id)
    calibration.save_verdicts(store.db_path, user("rop"), rnd.round_id, call_id,
                              dict.fromkeys(sheet.criteria["criterion_id"], "pass"))
    assert "Критерии" in [s.value for s in call_page_app("rop", call_id).subheader]


def test_managers_are_refused_the_page(store):
    at = page_as("ivan")
    assert [e.value for e in at.error] == ["Недостаточно прав для этой страницы."]


def submit(at: AppTest, form: str, label: str) -> AppTest:
    return at.button(key=f"FormSubmitter:{form}-{label}").click().run()


def test_the_rounds_creator_adds_and_removes_reviewers_and_others_are_told_who_may(store):
    rnd = new_round(store)
    rid = rnd.round_id
    rop = page_as("rop")
    assert "Оценки исключённого проверяющего в итоги раунда не входят" in texts(rop)
    add = rop.selectbox(key=f"calib-add-who-{rid}")
    assert add.options == ["Владелец"]  # by name, only those not in it yet
    add.set_value("owner")
    submit(rop, f"calib-add-{rid}", "Добавить в раунд")
    assert not rop.exception
    assert "В раунд добавлен проверяющий: Владелец." in texts(rop)
    assert rop.dataframe[0].value["Проверяющие"].tolist() == [
        "Владелец — 0 из 2; Мария Контролёр — 0 из 2; Руководитель отдела продаж — 0 из 2"]
    assert "Добавить некого" in texts(rop)

    rop.selectbox(key=f"calib-remove-who-{rid}").set_value("qa")
    submit(rop, f"calib-remove-{rid}", "Исключить из раунда")
    assert "Больше не проверяет этот раунд: Мария Контролёр." in texts(rop)
    assert "Мария Контролёр" not in rop.dataframe[0].value["Проверяющие"].iloc[0]
    assert "Исключить проверяющего можно, когда их больше двух" in texts(rop)  # two are left
    assert f"calib-remove-who-{rid}" not in [s.key for s in rop.selectbox]

    qa = page_as(QA)  # no longer a reviewer, and not the round's creator
    assert NOTHING_TO_RATE in texts(qa)
    assert ("Менять проверяющих и завершать раунд может тот, кто его создал "
            "(Руководитель отдела продаж), или владелец.") in texts(qa)
    assert not [b for b in qa.button if b.key.startswith("FormSubmitter:calib-")  # only «Создать раунд»
                and not b.key.startswith("FormSubmitter:calib-new")]


def test_closing_a_round_early_marks_it_finished_with_the_date_and_opens_what_was_rated(store):
    rnd = new_round(store)
    rid = rnd.round_id
    first = calibration.assignments(store.db_path, user("rop"))["call_id"].iloc[0]
    sheet = calibration.call_sheet(store.db_path, user("rop"), rid, first)
    for who, verdict in ((user("rop"), "pass"), (QA, "fail")):
        calibration.save_verdicts(store.db_path, who, rid, first, dict.fromkeys(sheet.criteria["criterion_id"], verdict))

    owner = page_as("owner")  # not a reviewer, but the owner may end any round
    submit(owner, f"calib-close-{rid}", "Завершить раунд")
    assert "Отметьте «Да, больше не принимать оценки»" in texts(owner)
    assert owner.dataframe[0].value["Состояние"].tolist() == ["идёт"]
    owner.checkbox(key=f"calib-close-sure-{rid}").check()
    submit(owner, f"calib-close-{rid}", "Завершить раунд")
    assert not owner.exception
    today = f"{date.today():%d.%m.%Y}"
    assert "Раунд завершён, итоги открыты." in texts(owner)
    assert owner.dataframe[0].value["Состояние"].tolist() == [f"завершён досрочно {today}"]
    assert (f"Раунд завершён досрочно {today} (Владелец): итоги — по звонкам, которые проверяющие "
            "успели оценить. Оценили: Мария Контролёр — 1 из 2; Руководитель отдела продаж — 1 из 2.") in texts(owner)
    greeting = owner.dataframe[1].value.set_index("Критерий").loc["Приветствие с названием компании и именем"]
    assert greeting["Согласие между проверяющими"] == "0% (0 из 1)"
    assert f"FormSubmitter:calib-close-{rid}-Завершить раунд" not in [b.key for b in owner.button]

    rop = page_as("rop")  # the round left his list, and nothing is hidden on the call page any more
    assert NOTHING_TO_RATE in texts(rop)
    (other,) = set(calibration.assignments(store.db_path, user("rop"), open_only=False)["call_id"]) - {first}
    assert "Критерии" in [s.value for s in call_page_app("rop", other).subheader]
