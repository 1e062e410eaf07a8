"""Write functions. Each takes an open transaction from :func:`store.db.writer`
(so a caller can group several writes) or a db path (then it opens its own)."""

from __future__ import annotations

import json
import os
from datetime import datetime

import duckdb
import pandas as pd

from core.types import (
    Call,
    CallMetrics,
    CallScore,
    Recording,
    Transcript,
    display_path,
    display_text,
)
from store import db, rollups


def _join(items) -> str | None:
    items = [str(i) for i in items if i]
    return ",".join(items) if items else None


def upsert_recording(con: duckdb.DuckDBPyConnection, rec: Recording) -> None:
    """Remember a recording (status new); a known sha keeps its status, path is refreshed."""
    con.execute(
        """
        INSERT INTO recordings (sha256, path, size, mtime) VALUES (?, ?, ?, ?)
        ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, updated_at = now()
        """,
        [rec.sha256, display_path(rec.path), rec.size, rec.mtime],
    )


def mark_recording_failed(con: duckdb.DuckDBPyConnection, rec: Recording, error: str, flags=()) -> None:
    upsert_recording(con, rec)
    con.execute(
        """UPDATE recordings SET status = 'failed', error = ?, attempts = attempts + 1,
           flags = ?, updated_at = now() WHERE sha256 = ?""",
        [display_text(error), _join(flags), rec.sha256],
    )


def write_segments(con: duckdb.DuckDBPyConnection, call_id: str, transcript: Transcript) -> None:
    con.execute("DELETE FROM segments WHERE call_id = ?", [call_id])
    rows = [
        (
            call_id, s.idx, s.speaker, s.channel, float(s.start_s), float(s.end_s), s.text,
            " ".join(s.lemmas) if s.lemmas else None, s.avg_logprob, s.no_speech_prob,
            bool(s.low_confidence),
        )
        for s in transcript.segments
    ]
    if rows:
        con.executemany(
            "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )


def write_call(con: duckdb.DuckDBPyConnection, call: Call) -> None:
    """Replace everything about one call (metadata, segments, current score) as a whole."""
    m = call.meta
    old = con.execute("SELECT started_at, manager_id FROM calls WHERE call_id = ?", [call.call_id]).fetchone()
    con.execute("DELETE FROM calls WHERE call_id = ?", [call.call_id])
    con.execute(
        """
        INSERT INTO calls (call_id, recording_sha, path, started_at, direction, manager_id,
            manager_ext, client_masked, external_id, deal_id, duration_s, channels, true_stereo,
            source, asr_model, language, flags, processed_at, language_prob, channel_languages)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            call.call_id,
            call.recording.sha256 if call.recording else None,
            display_path(call.recording.path) if call.recording else None,
            m.started_at, m.direction, call.manager_id, m.manager_ext, m.client_number_masked,
            m.external_id, m.deal_id, call.duration_s, call.channels, call.true_stereo,
            call.source, call.transcript.asr_model, call.transcript.language,
            _join(call.transcript.flags), datetime.now(), call.transcript.language_probability,
            _channel_languages(call.transcript.channel_languages),
        ],
    )
    write_segments(con, call.call_id, call.transcript)
    if old is not None and (old[0], old[1]) != (m.started_at, call.manager_id):  # e.g. CRM data arrived later
        if old[0] != m.started_at:
            for table in _RESULT_TABLES:
                con.execute(f"UPDATE {table} SET started_at = ? WHERE call_id = ?", [m.started_at, call.call_id])
        rollups.copy_call_info(con, call.call_id)
        rollups.refresh(con, [(call.call_id, old[0]), (call.call_id, m.started_at)])
    if call.score is not None:
        write_score(con, call.call_id, call.score)
    elif old is None:  # a new call without results: its row of call_verdicts
        rollups.refresh_calls(con, [(call.call_id, m.started_at)])
    if call.recording is not None:
        upsert_recording(con, call.recording)
        con.execute(
            """UPDATE recordings SET status = 'done', error = NULL, attempts = attempts + 1,
               flags = ?, updated_at = now() WHERE sha256 = ?""",
            [_join(call.transcript.flags), call.recording.sha256],
        )


def _channel_languages(per_channel: tuple[tuple[str, float], ...]) -> str | None:
    """``(("ru", 0.98), ("en", 0.91))`` → ``"ru:0.98,en:0.91"``; None when not detected."""
    if not per_channel:
        return None
    return ",".join(f"{lang}:{prob:g}" if lang else "" for lang, prob in per_channel)


def write_metrics(con: duckdb.DuckDBPyConnection, call_id: str, m: CallMetrics) -> None:
    con.execute("DELETE FROM call_metrics WHERE call_id = ?", [call_id])
    con.execute(
        "INSERT INTO call_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            call_id, m.manager_talk_ratio, m.longest_manager_monologue_s, m.manager_questions,
            m.manager_questions_per_min, m.interruptions, m.overlap_s, m.silence_share,
            m.longest_silence_s, m.patience_s, m.manager_words_per_min, m.client_words_per_min,
        ],
    )


# Result tables carry a copy of calls.started_at (migration 002) for time-pruned scans.
_RESULT_TABLES = ("call_scores", "criterion_results", "objections")
CRITERION_COLUMNS = (
    "call_id", "rubric_version", "criterion_id", "stage", "title", "verdict", "points",
    "max_points", "fatal", "confidence", "reason", "evidence_idx", "evidence_start_s",
    "evidence_end_s", "evidence_quote", "started_at")
OBJECTION_COLUMNS = (
    "call_id", "rubric_version", "n", "kind", "segment_idx", "start_s", "quote", "handling",
    "response_idx", "response_quote", "confidence", "rule_hits", "started_at")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def write_score(con: duckdb.DuckDBPyConnection, call_id: str, score: CallScore) -> None:
    """Store one rubric version's results for a call; other versions' rows are kept."""
    v = score.rubric_version
    for table in _RESULT_TABLES:
        con.execute(f"DELETE FROM {table} WHERE call_id = ? AND rubric_version = ?", [call_id, v])
    row = con.execute("SELECT started_at FROM calls WHERE call_id = ?", [call_id]).fetchone()
    started = row[0] if row else None
    con.execute(
        """INSERT INTO call_scores (call_id, rubric_id, rubric_version, score_pct, points,
           max_points, fatal_failed, applicable, uncertain, call_type, started_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            call_id, score.rubric_id, v, score.score_pct, score.points, score.max_points,
            _join(score.fatal_failed), score.applicable, score.uncertain, score.call_type, started,
        ],
    )
    crit_rows = []
    for c in score.criteria:
        e = c.evidence
        crit_rows.append((
            call_id, v, c.criterion_id, c.stage, c.title, c.verdict, c.points, c.max_points,
            c.fatal, c.confidence, c.reason,
            e.segment_idx if e else None, e.start_s if e else None, e.end_s if e else None,
            e.quote if e else None, started,
        ))
    if crit_rows:
        con.executemany(_insert_sql("criterion_results", CRITERION_COLUMNS), crit_rows)
    obj_rows = [
        (
            call_id, v, n, o.kind, o.segment_idx, o.start_s, o.quote, o.handling, o.response_idx,
            o.response_quote, o.confidence, json.dumps(list(o.rule_hits), ensure_ascii=False),
            started,
        )
        for n, o in enumerate(score.objections)
    ]
    if obj_rows:
        con.executemany(_insert_sql("objections", OBJECTION_COLUMNS), obj_rows)
    write_metrics(con, call_id, score.metrics)
    rollups.refresh(con, [(call_id, started)])


def register_rubric_version(
    con: duckdb.DuckDBPyConnection, rubric_id: str, version: str, yaml_text: str
) -> None:
    """Record a rubric version and make it the current one for its rubric_id."""
    register_rubric_versions(con, [(rubric_id, version, yaml_text)])


def register_rubric_versions(con: duckdb.DuckDBPyConnection, versions) -> None:
    """:func:`register_rubric_version` for several ``(rubric_id, version, yaml_text)``; when
    that changes which versions are current, the rollups of every call's current score are
    rebuilt once (store/rollups.py)."""
    current = "SELECT list(version ORDER BY version) FROM rubric_versions WHERE is_current"
    before = con.execute(current).fetchone()[0]
    for rubric_id, version, yaml_text in versions:
        con.execute(
            "INSERT INTO rubric_versions (rubric_id, version, yaml) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [rubric_id, version, yaml_text],
        )
        con.execute(
            "UPDATE rubric_versions SET is_current = (version = ?) WHERE rubric_id = ?",
            [version, rubric_id],
        )
    if con.execute(current).fetchone()[0] != before:
        rollups.rebuild_results(con)


def upsert_manager(con, manager_id: str, name: str, extension: str | None, team: str | None) -> None:
    con.execute(
        """INSERT INTO managers (manager_id, name, extension, team) VALUES (?, ?, ?, ?)
           ON CONFLICT (manager_id) DO UPDATE SET name = excluded.name,
             extension = excluded.extension, team = excluded.team""",
        [manager_id, name, extension, team],
    )


def add_manager_if_new(con, manager_id: str, name: str, extension: str | None,
                       team: str | None) -> str | None:
    """Add a manager that the store does not know yet; a known one is left as it is. Returns
    the stored name when it differs from ``name`` (an imported file must not rename a manager
    on all of their calls), else None."""
    row = con.execute("SELECT name FROM managers WHERE manager_id = ?", [manager_id]).fetchone()
    if row is None:
        con.execute("INSERT INTO managers (manager_id, name, extension, team) VALUES (?, ?, ?, ?)",
                    [manager_id, name, extension, team])
        return None
    return row[0] if row[0] != name else None


# --- many calls at once (re-scoring) ----------------------------------------------------------

def write_scores(db_path: str | os.PathLike, scores: list[tuple[str, CallScore]]) -> None:
    """Bulk version of :func:`write_score` for many calls in one transaction (its own)."""
    if not scores:
        return
    frames = _frames(scores)
    ids = pd.DataFrame({"call_id": [cid for cid, _ in scores],
                        "rubric_version": [s.rubric_version for _, s in scores]})
    with db.writer(db_path) as con:
        con.register("ids_df", ids)
        for table in ("call_scores", "criterion_results", "objections"):
            con.execute(f"DELETE FROM {table} t USING ids_df i WHERE t.call_id = i.call_id AND t.rubric_version = i.rubric_version")
        con.execute("DELETE FROM call_metrics t USING ids_df i WHERE t.call_id = i.call_id")
        for table, frame in frames.items():
            if len(frame):
                con.register("frame_df", frame)
                cols = ", ".join(frame.columns)
                if table == "call_metrics":
                    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM frame_df")
                else:  # result rows carry the call's start time (migration 002)
                    picked = ", ".join(f"f.{c}" for c in frame.columns)
                    con.execute(f"INSERT INTO {table} ({cols}, started_at) SELECT {picked}, c.started_at"
                                " FROM frame_df f LEFT JOIN calls c ON c.call_id = f.call_id")
                con.unregister("frame_df")
        starts = con.execute("SELECT i.call_id, c.started_at FROM ids_df i LEFT JOIN calls c USING (call_id)").fetchall()
        con.unregister("ids_df")
        rollups.refresh(con, starts)


def _frames(scores: list[tuple[str, CallScore]]) -> dict[str, pd.DataFrame]:
    call_rows, crit_rows, obj_rows, metric_rows = [], [], [], []
    for cid, s in scores:
        v = s.rubric_version
        call_rows.append((cid, s.rubric_id, v, s.score_pct, s.points, s.max_points,
                          ",".join(s.fatal_failed) or None, s.applicable, s.uncertain, s.call_type))
        for c in s.criteria:
            e = c.evidence
            crit_rows.append((cid, v, c.criterion_id, c.stage, c.title, c.verdict, c.points,
                              c.max_points, c.fatal, c.confidence, c.reason,
                              e.segment_idx if e else None, e.start_s if e else None,
                              e.end_s if e else None, e.quote if e else None))
        for n, o in enumerate(s.objections):
            obj_rows.append((cid, v, n, o.kind, o.segment_idx, o.start_s, o.quote, o.handling,
                             o.response_idx, o.response_quote, o.confidence, _json(o.rule_hits)))
        m = s.metrics
        metric_rows.append((cid, m.manager_talk_ratio, m.longest_manager_monologue_s,
                            m.manager_questions, m.manager_questions_per_min, m.interruptions,
                            m.overlap_s, m.silence_share, m.longest_silence_s, m.patience_s,
                            m.manager_words_per_min, m.client_words_per_min))
    return {
        "call_scores": pd.DataFrame(call_rows, columns=[
            "call_id", "rubric_id", "rubric_version", "score_pct", "points", "max_points",
            "fatal_failed", "applicable", "uncertain", "call_type"]),
        "criterion_results": pd.DataFrame(crit_rows, columns=list(CRITERION_COLUMNS[:-1])),
        "objections": pd.DataFrame(obj_rows, columns=list(OBJECTION_COLUMNS[:-1])),
        "call_metrics": pd.DataFrame(metric_rows, columns=[
            "call_id", "manager_talk_ratio", "longest_manager_monologue_s", "manager_questions",
            "manager_questions_per_min", "interruptions", "overlap_s", "silence_share",
            "longest_silence_s", "patience_s", "manager_words_per_min", "client_words_per_min"]),
    }


def _json(items) -> str:
    return json.dumps(list(items), ensure_ascii=False)
