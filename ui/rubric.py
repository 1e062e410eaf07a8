"""Page «Рубрика»: the current rubric as a table (and its source text), and its version history.
Versions read «v3 от 12.11» (their order of loading); the sha256 shows only in the hints."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import yaml

from store import queries
from ui import auth
from ui.common import EMPTY, db_path, plain

SPEAKERS = {"manager": "менеджер", "client": "клиент"}


def rubric_page() -> None:
    auth.require_role("owner", "head", "manager")
    st.title("Рубрика")
    path = db_path()
    current = queries.current_rubrics(path)
    versions = queries.rubric_versions(path)
    names = version_names(versions)
    titles = {r.rubric_id: rubric_title(r.yaml) for r in current.itertuples()}
    if current.empty:
        st.info("Рубрика ещё не загружена: она появится после первого запуска `callqa run`.")
    for r in current.itertuples():
        st.subheader(f"{plain(titles[r.rubric_id])} · {names.get((r.rubric_id, r.version), 'версия без номера')}",
                     help=f"Отпечаток версии (sha256): {r.version}")
        st.caption(f"Загружена {r.loaded_at:%d.%m.%Y %H:%M}")
        table = rubric_table(r.yaml)
        if table.empty:
            st.warning("Не удалось прочитать этапы рубрики.")
        else:
            st.dataframe(table, hide_index=True, placeholder=EMPTY, width="stretch")
        with st.expander("Исходный текст рубрики"):
            st.code(r.yaml, language="yaml")
    st.subheader("История версий")
    st.dataframe(history_table(versions, titles, names), hide_index=True, placeholder=EMPTY, width="stretch",
                 column_config={"Версия": st.column_config.TextColumn(help=fingerprints(versions, names)),
                                "Загружена": st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm")})


def version_names(versions: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(rubric_id, version) → «v3 от 12.11»."""
    return {(v.rubric_id, v.version): f"v{v.number} от {v.loaded_at:%d.%m}" for v in versions.itertuples()}


def fingerprints(versions: pd.DataFrame, names: dict[tuple[str, str], str]) -> str:
    """The hint of the «Версия» column: each version's sha256, for those who compare files."""
    lines = [f"{names[(v.rubric_id, v.version)]}: {v.version}" for v in versions.itertuples()]
    return "Номер версии по порядку загрузки и дата. Отпечатки (sha256):  \n" + "  \n".join(lines)


def history_table(versions: pd.DataFrame, titles: dict[str, str],
                  names: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The «История версий» table: rubric titles and version names in words."""
    return pd.DataFrame({
        "Рубрика": [titles.get(r, "Рубрика") for r in versions["rubric_id"]],
        "Версия": [names[(v.rubric_id, v.version)] for v in versions.itertuples()],
        "Загружена": versions["loaded_at"],
        "Текущая": versions["is_current"],
        "Оценено звонков": versions["calls_scored"],
    })


def rubric_title(yaml_text: str) -> str:
    """The rubric's own title (YAML ``title``); «Рубрика» where it has none."""
    try:
        data = yaml.safe_load(yaml_text) or {}
    except yaml.YAMLError:
        return "Рубрика"
    title = data.get("title") if isinstance(data, dict) else None
    return str(title) if title else "Рубрика"


def rubric_table(yaml_text: str) -> pd.DataFrame:
    """Stages and criteria of a rubric YAML as rows (stage, criterion, speaker, weight, fatal)."""
    try:
        data = yaml.safe_load(yaml_text) or {}
    except yaml.YAMLError:
        return pd.DataFrame()
    rows = []
    for stage in data.get("stages") or []:
        for c in stage.get("criteria") or []:
            rows.append({
                "Этап": stage.get("title") or stage.get("id"),
                "Критерий": c.get("title") or c.get("id"),
                "Кто": SPEAKERS.get(c.get("speaker"), "любой" if c.get("speaker") else ""),
                "Вес": c.get("weight"),
                "Фатальный": bool(c.get("fatal", False)),
            })
    return pd.DataFrame(rows)
