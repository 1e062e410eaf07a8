"""CRM / sidecar CSV import: call lists exported from amoCRM, Bitrix24 or written by hand.

Columns are found by alias (case-insensitive, ё = е), the file may be utf-8, utf-8 with BOM
or cp1251 (Excel on Russian Windows), with ``,``, ``;`` or tab between fields. A row with a
date we cannot read is kept without the date and logged with its row number.
A CSV without any column we can match on (file, call id or date) is not a call list and is
ignored, so a managers.csv lying next to the recordings does no harm.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from core.errors import ConfigError
from core.types import CallMeta
from ingest.filenames import mask_phone, normalize_direction

log = logging.getLogger(__name__)

MATCH_WINDOW = timedelta(seconds=90)  # CRM and PBX clocks disagree by up to a minute or so


@dataclass(frozen=True, slots=True)
class CrmRow:
    """One call of a CRM export; the client number is already masked."""

    row_no: int  # line number in the CSV (header = 1)
    source: Path
    file: str | None = None
    call_id: str | None = None
    manager_name: str | None = None
    manager_ext: str | None = None
    started_at: datetime | None = None
    direction: str | None = None
    client_number_masked: str | None = None
    deal_id: str | None = None


# Field → header aliases, normalised (lower case, ё→е, single spaces). amoCRM and Bitrix24
# column names are included as seen in their call-list / call-detail exports.
ALIASES: dict[str, tuple[str, ...]] = {
    "file": ("file", "filename", "file name", "record file", "record", "recording",
             "record url", "recording url", "link", "запись", "файл", "файл записи",
             "запись разговора", "запись звонка", "ссылка на запись", "ссылка на запись разговора"),
    "call_id": ("call id", "call_id", "callid", "uniqueid", "unique id", "id звонка",
                "идентификатор звонка", "ид звонка", "call_uuid", "uuid"),
    "manager_name": ("manager", "responsible", "responsible user", "employee", "user", "operator",
                     "ответственный", "сотрудник", "менеджер", "пользователь", "оператор",
                     "ответственный пользователь"),
    "manager_ext": ("extension", "ext", "internal number", "внутренний номер", "добавочный",
                    "внутренний", "добавочный номер"),
    "started_at": ("started_at", "start", "started", "date", "datetime", "call date", "call time",
                   "date time", "created", "created at", "дата", "дата и время", "время звонка",
                   "дата звонка", "дата и время звонка", "начало звонка", "начало разговора",
                   "дата создания"),
    "time": ("time", "время", "время начала"),
    "direction": ("direction", "type", "call type", "тип звонка", "направление", "тип",
                  "направление звонка"),
    "client": ("client phone", "phone", "number", "phone number", "client number", "номер",
               "телефон", "клиент", "номер клиента", "телефон клиента", "номер телефона",
               "номер абонента", "абонент", "контакт"),
    "deal_id": ("deal id", "deal", "deal_id", "lead id", "сделка", "id сделки", "номер сделки",
                "ид сделки", "сделка id"),
}
_KEY_FIELDS = ("file", "call_id", "started_at")

_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S",
)


def find_sidecars(folder: str | os.PathLike) -> list[Path]:
    """CSV files directly in ``folder`` (not hidden), sorted by name."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.suffix.lower() == ".csv" and not p.name.startswith(".") and p.is_file())


def load_crm_csv(path: str | os.PathLike) -> list[CrmRow]:
    """Read a CRM call-list CSV into rows; raises ConfigError if the file cannot be read."""
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text), dialect=_dialect(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ConfigError(f"CRM file {path}, line 1: {exc}; fix or remove the file, then run again") from exc
    columns = _map_columns(header or [])
    if not any(f in columns for f in _KEY_FIELDS):
        log.info("%s: no file / call id / date column, not a CRM call list; ignored", path.name)
        return []
    rows = []
    try:
        for values in reader:
            if any(v.strip() for v in values):
                rows.append(_row(path, reader.line_num, columns, values))
    except csv.Error as exc:
        # An unterminated quote would otherwise swallow the rest of the file into one field.
        raise ConfigError(f"CRM file {path}, line {reader.line_num}: {exc} (a quote \" opened and "
                          "never closed?); fix or remove the file, then run again") from exc
    return rows


def match_crm(rows: list[CrmRow], recording_path: str | os.PathLike, meta: CallMeta) -> CallMeta:
    """``meta`` merged with the CRM row for this recording (CRM fields win); unchanged if none.

    A row matches by file name, else by call id (the name's uniqueid or inside the name), else
    by start time within 90 s when exactly one row is that close (the manager's extension or
    the client's masked number must agree if both sides know it).
    """
    row = (_by_file(rows, Path(recording_path)) or _by_call_id(rows, Path(recording_path), meta)
           or _by_time(rows, meta))
    return _merge(meta, row) if row else meta


# --- reading -----------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read CRM file {path}: {exc.strerror}; "
                          "give the callqa user read access") from exc
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"CRM file {path} is neither UTF-8 nor Windows-1251 text; "
                      "save it from Excel as 'CSV UTF-8'")  # pragma: no cover (cp1251 decodes all)


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)

    class _Dialect(csv.excel):
        strict = True  # a broken quote is an error, not the rest of the file in one field

    _Dialect.delimiter = delimiter
    return _Dialect


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().strip('"').lower().replace("ё", "е"))


def _map_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    normalised = [_norm(h) for h in header]
    for field, aliases in ALIASES.items():
        for alias in aliases:  # the first alias that is present wins, in alias order
            if alias in normalised and normalised.index(alias) not in columns.values():
                columns[field] = normalised.index(alias)
                break
    return columns


def _row(path: Path, row_no: int, columns: dict[str, int], values: list[str]) -> CrmRow:
    def get(field: str) -> str | None:
        i = columns.get(field)
        v = values[i].strip() if i is not None and i < len(values) else ""
        return v or None

    started = _parse_when(get("started_at"), get("time"))
    if get("started_at") and started is None:
        log.warning("%s row %d: cannot read date %r (expected e.g. 15.01.2024 10:30:15 or "
                    "2024-01-15 10:30:15); the row is used without a date",
                    path.name, row_no, get("started_at"))
    client = get("client")
    return CrmRow(
        row_no=row_no, source=path, file=get("file"), call_id=get("call_id"),
        manager_name=get("manager_name"), manager_ext=get("manager_ext"), started_at=started,
        direction=normalize_direction(get("direction")),
        client_number_masked=mask_phone(client) if client and len(re.sub(r"\D", "", client)) >= 6
        else None,
        deal_id=get("deal_id"),
    )


def _parse_when(date: str | None, time: str | None) -> datetime | None:
    if not date:
        return None
    text = f"{date} {time}" if time and ":" not in date else date
    text = re.sub(r"\s+", " ", text.strip())
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# --- matching ----------------------------------------------------------------------------------


def _file_key(name: str) -> str:
    base = re.split(r"[\\/?#]", name.strip().rstrip("/"))
    tail = [p for p in base if p]
    return tail[-1].lower() if tail else ""


def _by_file(rows: list[CrmRow], path: Path) -> CrmRow | None:
    name = path.name.lower()
    for row in rows:
        if row.file:
            key = _file_key(row.file)
            if key == name or (key and key == path.stem.lower()):
                return row
    return None


def _by_call_id(rows: list[CrmRow], path: Path, meta: CallMeta) -> CrmRow | None:
    for row in rows:
        if row.call_id and (row.call_id == meta.external_id or
                            (len(row.call_id) >= 6 and row.call_id in path.name)):
            return row
    return None


def _by_time(rows: list[CrmRow], meta: CallMeta) -> CrmRow | None:
    if meta.started_at is None:
        return None
    close = [r for r in rows if r.started_at and abs(r.started_at - meta.started_at) <= MATCH_WINDOW
             and _agrees(r.manager_ext, meta.manager_ext)
             and _agrees(r.client_number_masked, meta.client_number_masked)]
    return close[0] if len(close) == 1 else None


def _agrees(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _merge(meta: CallMeta, row: CrmRow) -> CallMeta:
    crm = {
        "started_at": row.started_at, "direction": row.direction,
        "manager_ext": row.manager_ext, "client_number_masked": row.client_number_masked,
        "external_id": row.call_id, "deal_id": row.deal_id, "manager_name": row.manager_name,
    }
    merged = replace(meta, **{k: v for k, v in crm.items() if v is not None})
    return merged if meta.template else replace(merged, template="crm")
