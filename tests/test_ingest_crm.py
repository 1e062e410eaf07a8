"""ingest CRM sidecars: amoCRM / Bitrix24 / hand-made call lists merged into CallMeta."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from core.types import CallMeta
from ingest import find_sidecars, load_crm_csv, match_crm, parse_filename

ASTERISK = "in-101-79161234567-20240115-103015-1705303815.12.wav"


def _write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_bitrix24_call_detail_export_in_cp1251_with_semicolons(tmp_path):
    csv_path = _write(tmp_path / "calls.csv", (
        "Дата звонка;Тип звонка;Сотрудник;Номер телефона;Длительность;Запись разговора;ID звонка;ID сделки\n"
        f"15.01.2024 10:30:15;Входящий;Иванов Иван;+7 916 123-45-67;02:15;{ASTERISK};1705303815.12;5511\n"
        "15.01.2024 11:02;Исходящий;Петрова Анна;89161112233;00:40;;;\n"
    ), "cp1251")
    first, second = load_crm_csv(csv_path)
    assert first.row_no == 2 and first.file == ASTERISK and first.call_id == "1705303815.12"
    assert first.manager_name == "Иванов Иван" and first.direction == "in"
    assert first.started_at == datetime(2024, 1, 15, 10, 30, 15)
    assert first.client_number_masked == "+7 *** ***-**-67" and first.deal_id == "5511"
    assert second.direction == "out" and second.started_at == datetime(2024, 1, 15, 11, 2)


def test_amocrm_export_with_bom_and_commas(tmp_path):
    csv_path = _write(tmp_path / "amo.csv", (
        "ID сделки,Ответственный,Дата и время,Направление,Телефон,Ссылка на запись\n"
        "9001,Сидоров,2024-01-15 10:30:15,исходящий,79161234567,https://pbx.example/rec/out-1.mp3?x=1\n"
    ), "utf-8-sig")
    (row,) = load_crm_csv(csv_path)
    assert row.deal_id == "9001" and row.manager_name == "Сидоров" and row.direction == "out"
    assert row.file == "https://pbx.example/rec/out-1.mp3?x=1"


def test_english_headers_any_case(tmp_path):
    csv_path = _write(tmp_path / "c.csv", (
        "FILE,Call ID,MANAGER,Started_At,Direction,Client Phone,Deal ID\n"
        "a.mp3,42,Ann,2024-01-15T10:30:15,incoming,+79161234567,7\n"
    ))
    (row,) = load_crm_csv(csv_path)
    assert (row.file, row.call_id, row.manager_name, row.direction, row.deal_id) == ("a.mp3", "42", "Ann", "in", "7")


def test_separate_date_and_time_columns_are_joined(tmp_path):
    csv_path = _write(tmp_path / "c.csv", "Файл;Дата;Время\na.mp3;15.01.2024;10:30:15\n")
    (row,) = load_crm_csv(csv_path)
    assert row.started_at == datetime(2024, 1, 15, 10, 30, 15)


def test_bad_date_is_reported_with_its_row_number_and_the_row_kept(tmp_path, caplog):
    csv_path = _write(tmp_path / "c.csv", "Файл;Дата\na.mp3;15.01.2024 10:00\nb.mp3;32.01.2024\nc.mp3;вчера\n")
    with caplog.at_level(logging.WARNING, logger="ingest.crm"):
        rows = load_crm_csv(csv_path)
    assert [r.file for r in rows] == ["a.mp3", "b.mp3", "c.mp3"]
    assert rows[1].started_at is None
    assert "row 3" in caplog.text and "row 4" in caplog.text and "'32.01.2024'" in caplog.text


def test_client_column_holding_a_name_is_not_taken_for_a_number(tmp_path):
    csv_path = _write(tmp_path / "c.csv", "Файл;Клиент\na.mp3;ООО Ромашка\n")
    assert load_crm_csv(csv_path)[0].client_number_masked is None


def test_csv_that_is_not_a_call_list_is_ignored(tmp_path):
    csv_path = _write(tmp_path / "managers.csv", "extension,name,team\n101,Иванов,A\n")
    assert load_crm_csv(csv_path) == []


def test_sidecars_are_the_csv_files_next_to_the_audio(tmp_path):
    for name in ("b.csv", "a.CSV", ".hidden.csv", "x.wav", "notes.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.csv").write_text("x")
    assert [p.name for p in find_sidecars(tmp_path)] == ["a.CSV", "b.csv"]
    assert find_sidecars(tmp_path / "missing") == []


# --- matching ----------------------------------------------------------------------------------


@pytest.fixture()
def rows(tmp_path):
    return load_crm_csv(_write(tmp_path / "crm.csv", (
        "Запись;ID звонка;Менеджер;Дата и время;Тип звонка;Телефон;Сделка\n"
        f"{ASTERISK};;Иванов;15.01.2024 10:30:20;Входящий;79161234567;D-1\n"
        ";1705309999.4;Петров;15.01.2024 12:00:00;Исходящий;;D-2\n"
        ";;Сидоров;15.01.2024 14:00:00;Исходящий;79160000011;D-3\n"
        ";;Смирнов;15.01.2024 14:00:30;Исходящий;79160000099;D-4\n"
    ), "cp1251"))


def test_row_matched_by_file_name_wins_over_the_file_name_fields(rows):
    path = f"/calls/{ASTERISK}"
    meta = match_crm(rows, path, parse_filename(path))
    assert meta.manager_name == "Иванов" and meta.deal_id == "D-1"
    assert meta.started_at == datetime(2024, 1, 15, 10, 30, 20)  # CRM time wins
    assert meta.manager_ext == "101" and meta.external_id == "1705303815.12"  # kept from the name
    assert meta.template == "asterisk"


def test_row_matched_by_call_id(rows):
    path = "/calls/out-89161234567-102-20240115-120000-1705309999.4.wav"
    meta = match_crm(rows, path, parse_filename(path))
    assert meta.manager_name == "Петров" and meta.deal_id == "D-2" and meta.direction == "out"


def test_row_matched_by_time_when_exactly_one_agrees(rows):
    path = "/calls/out-79160000011-103-20240115-140010-1705320000.1.wav"
    meta = match_crm(rows, path, parse_filename(path))
    assert meta.deal_id == "D-3"  # D-4 is as close in time but has another client number


def test_no_match_leaves_meta_unchanged(rows):
    meta = parse_filename("/calls/in-101-79161234500-20240116-090000-1705395600.1.wav")
    assert match_crm(rows, "/calls/whatever.wav", meta) == meta
    assert match_crm([], "/calls/whatever.wav", CallMeta()) == CallMeta()


def test_crm_alone_fills_an_unparseable_name(tmp_path):
    rows = load_crm_csv(_write(tmp_path / "c.csv", "Файл;Менеджер;Дата\nЗапись 15 января.mp3;Иванов;15.01.2024 10:30\n"))
    meta = match_crm(rows, tmp_path / "Запись 15 января.mp3", CallMeta())
    assert meta.manager_name == "Иванов" and meta.started_at == datetime(2024, 1, 15, 10, 30)
    assert meta.template == "crm"
