"""ingest.parse_filename: what PBX and CRM file names tell about a call; mask_phone."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.types import CallMeta
from ingest import mask_phone, parse_filename

T = datetime(2024, 1, 15, 10, 30, 15)
MASKED_67 = "+7 *** ***-**-67"


def _summary(meta: CallMeta) -> tuple:
    return (meta.template, meta.direction, meta.manager_ext, meta.client_number_masked,
            meta.started_at, meta.external_id)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("in-101-79161234567-20240115-103015-1705303815.12.wav",
         ("asterisk", "in", "101", MASKED_67, T, "1705303815.12")),
        ("out-89161234567-101-20240115-103015-1705303815.12.wav",
         ("asterisk", "out", "101", MASKED_67, T, "1705303815.12")),
        ("external-+79161234567-2045-20240115-103015-1705303815.7.mp3",
         ("asterisk", "out", "2045", MASKED_67, T, "1705303815.7")),
        # the queue / ring group number is not a manager: no extension
        ("q-600-79161234567-20240115-103015-1705303815.12.wav",
         ("asterisk", "in", None, MASKED_67, T, "1705303815.12")),
        ("rg-600-+79161234567-20240115-103015-1705303815.12.wav",
         ("asterisk", "in", None, MASKED_67, T, "1705303815.12")),
        # internal call between two extensions: no client
        ("exten-101-102-20240115-103015-1705303815.12.wav",
         ("asterisk", "in", "101", None, T, "1705303815.12")),
        # anonymous caller: the source is empty
        ("in-101--20240115-103015-1705303815.12.wav",
         ("asterisk", "in", "101", None, T, "1705303815.12")),
        # on-demand recording: the name does not say who called
        ("ondemand-101-89161234567-20240115-103015-1705303815.12.wav",
         ("asterisk", None, "101", MASKED_67, T, "1705303815.12")),
        # fewer fields: no uniqueid
        ("out-89161234567-101-20240115-103015.wav",
         ("asterisk", "out", "101", MASKED_67, T, None)),
        # FreePBX 2.x names
        ("OUT101-20240115-103015-1705303815.12.wav", ("asterisk", "out", "101", None, T, "1705303815.12")),
        ("q600-20240115-103015-1705303815.12.wav", ("asterisk", "in", None, None, T, "1705303815.12")),
        ("20240115-103015-1705303815.12.wav", ("asterisk", None, None, None, T, "1705303815.12")),
    ],
)
def test_asterisk_freepbx_names(name, expected):
    assert _summary(parse_filename(f"/var/spool/asterisk/monitor/2024/01/15/{name}")) == expected


@pytest.mark.parametrize(
    ("name", "expected", "manager_name"),
    [
        ("2024-01-15__10-30-15__79161234567__101_ivanov.mp3",
         ("mango", "in", "101", MASKED_67, T, None), "ivanov"),
        ("2024-01-15__10-30-15__101__79161234567.mp3",
         ("mango", "out", "101", MASKED_67, T, None), None),
        ("mango_20240115_103015_101_79161234567.mp3",
         ("mango", "out", "101", MASKED_67, T, None), None),
        ("mango_in_2024-01-15_10-30-15_79161234567_101_Иванов_MToxMDE0NTY3.mp3",
         ("mango", "in", "101", MASKED_67, T, "MToxMDE0NTY3"), "Иванов"),
    ],
)
def test_mango_office_names(name, expected, manager_name):
    meta = parse_filename(name)
    assert _summary(meta) == expected and meta.manager_name == manager_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("call_20240115_103015_79161234567_101.mp3",
         ("bitrix24", None, "101", MASKED_67, T, None)),
        ("call_20240115_103015_79161234567_101_48213.mp3",
         ("bitrix24", None, "101", MASKED_67, T, "48213")),
        ("call_out_2024-01-15_10-30-15_79161234567_101.mp3",
         ("bitrix24", "out", "101", MASKED_67, T, None)),
        ("record_48213.mp3", ("bitrix24", None, None, None, None, "48213")),
    ],
)
def test_bitrix24_names(name, expected):
    assert _summary(parse_filename(name)) == expected


def test_bitrix24_rest_call_id_carries_the_unix_start_time():
    meta = parse_filename("externalCall.2d0b9e6a81bd4d72a2c3.1705303815.mp3")
    assert meta.external_id == "externalCall.2d0b9e6a81bd4d72a2c3.1705303815"
    assert meta.started_at == datetime.fromtimestamp(1705303815)


def test_custom_regex_with_named_groups_wins_over_templates():
    rx = r"(?P<date>\d{4}-\d{2}-\d{2})_(?P<time>\d{2}-\d{2}-\d{2})_(?P<direction>in|out)_(?P<ext>\d+)_(?P<client>\d+)"
    meta = parse_filename("rec/2024-01-15_10-30-15_out_205_79161234567.wav", custom_regex=rx)
    assert _summary(meta) == ("custom", "out", "205", MASKED_67, T, None)


def test_custom_regex_with_iso_start_and_id():
    rx = r"^(?P<id>[a-f0-9]+)@(?P<started>[\d\-T:]+)"
    meta = parse_filename("abc123@2024-01-15T10:30:15.ogg", custom_regex=rx)
    assert meta.started_at == T and meta.external_id == "abc123"


def test_invalid_custom_regex_falls_back_to_templates():
    meta = parse_filename("in-101-79161234567-20240115-103015-1.1.wav", custom_regex="(unclosed")
    assert meta.template == "asterisk"


def test_only_the_templates_asked_for_are_used():
    assert parse_filename("call_20240115_103015_79161234567_101.mp3", templates=("asterisk",)) == CallMeta()


@pytest.mark.parametrize(
    "name",
    ["Запись 15 января.mp3", "recording.wav", "in-xx.wav", "", "....", "2024.mp3",
     "call_2024_01.mp3", "mango_.mp3"],
)
def test_unparseable_name_gives_empty_meta_and_never_raises(name):
    meta = parse_filename(name)
    assert meta.started_at is None and meta.manager_ext is None and meta.client_number_masked is None


def test_impossible_date_is_dropped_and_the_rest_kept():
    meta = parse_filename("in-101-79161234567-20241315-103015-1.1.wav")
    assert meta.started_at is None and meta.manager_ext == "101" and meta.template == "asterisk"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("79161234567", MASKED_67),
        ("+7 (916) 123-45-67", MASKED_67),
        ("89161234567", MASKED_67),
        ("9161234567", MASKED_67),
        ("+380441234589", "**********89"),
        ("anonymous", ""),
        (None, ""),
    ],
)
def test_phone_numbers_keep_only_their_last_two_digits(number, masked):
    assert mask_phone(number) == masked


def test_no_clear_client_number_leaves_parse_filename():
    meta = parse_filename("in-101-79161234567-20240115-103015-1705303815.12.wav")
    assert "1234567" not in repr(meta)
