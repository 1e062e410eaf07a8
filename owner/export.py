"""Exports for BI tools and spreadsheets: calls, verdicts, objections and per-manager
aggregates of a period as CSV, Excel or Parquet.

Public entry: :func:`export_period`. Verdicts and handling are *effective* (the РОП's latest
override / label applied); the automatic ones are kept beside them. CSV and Parquet files are
written by DuckDB itself (``COPY … TO``), Excel through pandas + openpyxl.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from core.errors import CallQAError
from store import db
from store import owner_queries as q

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "parquet")
TABLES = tuple(q.EXPORT_TABLES)
_COPY_OPTIONS = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet"}


@dataclass(frozen=True, slots=True)
class ExportResult:
    files: tuple[Path, ...]
    rows: dict[str, int]


def export_period(db_path: str | os.PathLike, date_from: date, date_to: date, fmt: str,
                  out_dir: str | os.PathLike, low_score: float = 60.0) -> ExportResult:
    """Write the period's tables (``date_to`` inclusive) to ``out_dir``; one file per table
    for csv/parquet, one workbook with a sheet per table for xlsx."""
    if fmt not in FORMATS:
        raise CallQAError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    if date_to < date_from:
        raise CallQAError(f"The period ends ({date_to}) before it starts ({date_from}).")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CallQAError(f"Cannot create the export folder {out}: {exc.strerror}.") from exc
    start = datetime.combine(date_from, datetime.min.time())
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time())
    stem = f"callqa-{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    if fmt == "xlsx":
        return _xlsx(db_path, start, end, out / f"{stem}.xlsx", low_score)
    return _copy(db_path, start, end, out, stem, fmt, low_score)


def _copy(db_path, start, end, out: Path, stem: str, fmt: str, low_score: float) -> ExportResult:
    files, rows = [], {}
    with db.reader(db_path) as con:
        for name in TABLES:
            target = out / f"{stem}-{name}.{fmt}"
            rows[name] = q.copy_table(con, name, start, end, low_score, str(target), _COPY_OPTIONS[fmt])
            files.append(target)
    log.info("exported %s to %s", rows, out)
    return ExportResult(tuple(files), rows)


def _xlsx(db_path, start, end, target: Path, low_score: float) -> ExportResult:
    import pandas as pd

    rows = {}
    with db.reader(db_path) as con, pd.ExcelWriter(target, engine="openpyxl") as xl:
        for name in TABLES:
            frame = q.export_table(con, name, start, end, low_score)
            for col in frame.select_dtypes(include=["datetimetz"]).columns:
                frame[col] = frame[col].dt.tz_localize(None)
            frame.to_excel(xl, sheet_name=name, index=False)
            rows[name] = len(frame)
    log.info("exported %s to %s", rows, target)
    return ExportResult((target,), rows)
