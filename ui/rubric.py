"""Page «Рубрика»: the current rubric as YAML and as a table, and its version history."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import yaml

from store import queries
from ui import auth
from ui.common import db_path


def rubric_page() -> None:
    auth.require_role("owner", "head", "manager")
    st.title("Рубрика")
    path = db_path()
    current = queries.current_rubrics(path)
    if current.empty:
        st.info("Рубрика ещё не загружена: она появится после первого запуска `callqa run`.")
    for r in current.itertuples():
        st.subheader(f"{r.rubric_id} · версия {r.version[:12]}")
        st.caption(f"Загружена {r.loaded_at:%d.%m.%Y %H:%M}")
        table = rubric_table(r.yaml)
        if table.empty:
            st.warning("Не удалось прочитать этапы рубрики.")
        else:
            st.dataframe(table, hide_index=True, width="stretch")
        with st.expander("YAML"):
            st.code(r.yaml, language="yaml")
    st.subheader("История версий")
    versions = queries.rubric_versions(path)
    st.dataframe(
        versions.rename(columns={"rubric_id": "Рубрика", "version": "Версия", "loaded_at": "Загружена",
                                 "is_current": "Текущая", "calls_scored": "Оценено звонков"}),
        hide_index=True, width="stretch",
    )


def rubric_table(yaml_text: str) -> pd.DataFrame:
    """Stages and criteria of a rubric YAML as rows (stage, criterion, weight, fatal)."""
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
                "id": c.get("id"),
                "Кто": {"manager": "менеджер", "client": "клиент"}.get(c.get("speaker"), c.get("speaker") or ""),
                "Вес": c.get("weight"),
                "Фатальный": bool(c.get("fatal", False)),
            })
    return pd.DataFrame(rows)
