"""Rollups the owner's queries read at contact-centre scale (migration 010).

``current_scores``, ``current_verdicts`` and ``current_objections`` hold, for every call, the
score, verdict and objection rows of its **current score** (the version
:func:`store.effective.current_scores` picks) with the call's start and manager. A question about the last 13 weeks then reads the rows of those
weeks only, already narrowed to one version and labelled with their manager, instead of
joining 100M verdict rows to ``call_scores`` and ``calls`` by random call ids.

They are derived data, kept by the one writer of results (:mod:`store.writes`):

* :func:`refresh` after a call's results, start or manager change (``write_call``,
  ``write_score``, the bulk ``write_scores`` of ``callqa rescore``);
* :func:`rebuild` when the current rubric version changes (``register_rubric_version``, at the
  start of ``callqa rescore``), by migration 010 for existing stores, and by anything that
  writes result rows with its own SQL (the benchmark generator, test fixtures).

Review rows (``review_events``, ``overrides``, ``objection_labels``, ``feedback``,
``training_items``) carry ``call_started_at`` / ``call_manager_id``, copies of the reviewed
call's start and manager made when the row is written (:func:`call_info`) and kept in step by
``write_call`` (:func:`copy_call_info`); a row without them (its call was not in the store then)
is looked up in ``calls`` by the queries.

``call_verdicts`` (migration 012) holds one row per call in ``calls`` (scored or not) with its
start, manager and the automatic verdicts of its current score as one string: the letter of
each verdict (``verdict_letters``: ``p`` pass, ``f`` fail, ``i`` insufficient, ``n`` not
applicable) at its criterion's position (``criterion_positions``, given in order of first
appearance and never changed; ``-`` where the call has no row for a criterion). Questions about
a few criteria of many calls (coaching windows, agreement, the week's low-score calls) read a
row per call from it instead of ten verdict rows joined by call id. :func:`refresh` and
:func:`rebuild_results` keep it with the current-score rollups; ``write_call`` adds the row of a
new call (:func:`refresh_calls`).

``call_handlings`` (migration 013) sits beside it: one row per call with objections in its
current score (``current_objections``), with its start and its handling string: the automatic
handling of each objection as one letter (``handling_letters``: ``v`` value, ``q`` question,
``d`` discount, ``i`` ignored, ``o`` other, another handling ``A``, ``B``, … when first stored;
``-`` an objection without one) in the objections' order, then ``:`` and their turns in the same
order, comma-separated (``''`` for an objection without a turn: the РОП labels an objection by
its turn), e.g. ``vd-:3,7,7``. Replaced wherever ``call_verdicts`` is, in the same step. The
agreement on objection handling reads the reviewed calls' strings instead of 13 weeks of
``current_objections``.

``review_days`` sums the РОП's review rows per call, day and user (first and last action,
seconds played and the last play: :func:`store.effective.review_rows`), so "which calls did he
review in 13 weeks" reads a row per reviewed call and day instead of an event per 10 s of
listening. Kept by :func:`count_review` for every event :mod:`store.review` logs, rebuilt by
:func:`rebuild_reviews` (a loaded review history, migration 010, test fixtures, the benchmark).
Its rows carry copies of the call's verdict string and handling string (``verdicts``,
``handlings``), always made together: a row with the verdict copy has the current handling copy
too (NULL: the call has no objections).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import duckdb

from store.effective import REVIEW_KINDS, current_scores, review_rows

# rollup table -> (result table, its columns copied, the rows' order within a call)
_ROLLUPS = {
    "current_scores": ("call_scores", ("rubric_id", "score_pct", "points", "max_points", "fatal_failed",
                                       "applicable", "uncertain"), "rubric_version"),
    "current_verdicts": ("criterion_results", ("criterion_id", "verdict"), "criterion_id"),
    "current_objections": ("objections", ("n", "kind", "segment_idx", "handling"), "n"),
}
REVIEW_TABLES = ("review_events", "overrides", "objection_labels", "feedback", "training_items")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Every rollup from the tables it sums."""
    rebuild_results(con)
    rebuild_reviews(con)


def rebuild_results(con: duckdb.DuckDBPyConnection) -> None:
    """Every call's current-score rollup rows from the result tables, in time order."""
    for table in _ROLLUPS:
        con.execute(f"DELETE FROM {table}")
        con.execute(_insert_sql(table, scope=None, started=None))
    con.execute("DELETE FROM call_verdicts")
    con.execute("DELETE FROM call_handlings")
    _add_codes(con, "", {})
    con.execute(_call_verdicts_sql(scope=None, started=None))
    con.execute(_call_handlings_sql(scope=None, started=None))
    _copy_verdicts(con, None, None, {})


def refresh(con: duckdb.DuckDBPyConnection, calls: Iterable[tuple[str, datetime | None]]) -> None:
    """Replace the rollup rows of ``calls`` (``(call_id, started_at)`` pairs: every start the
    call's rows may carry, old and new) by the rows of their current score.

    The starts bound every scan to the row groups of those moments (rollup and result rows
    fill in time order), so a call written into a 100M-row store costs a few row groups."""
    _replace_calls(con, calls, (*_ROLLUPS, "call_verdicts"))


def refresh_calls(con: duckdb.DuckDBPyConnection, calls: Iterable[tuple[str, datetime | None]]) -> None:
    """Replace the ``call_verdicts`` (and ``call_handlings``) rows of ``calls`` (``(call_id,
    started_at)`` pairs, as for :func:`refresh`): a call stored or moved without new results."""
    _replace_calls(con, calls, ("call_verdicts",))


def _replace_calls(con: duckdb.DuckDBPyConnection, calls: Iterable[tuple[str, datetime | None]],
                tables: tuple[str, ...]) -> None:
    """Replace the rows of ``calls`` in each of ``tables``: the dated calls within the span of
    their starts, the undated ones by id alone."""
    dated: dict[str, list[datetime]] = {}
    undated: set[str] = set()
    for call_id, started_at in calls:
        if started_at is None:
            undated.add(call_id)
        else:
            dated.setdefault(call_id, []).append(started_at)
    for table in tables:
        if dated:
            starts = [s for group in dated.values() for s in group]
            _replace(con, table, sorted(dated), {"lo": min(starts), "hi": max(starts) + timedelta(microseconds=1)})
        if undated:
            _replace(con, table, sorted(undated), None)


def _replace(con: duckdb.DuckDBPyConnection, table: str, ids: list[str], span: dict | None) -> None:
    scope = "(SELECT unnest($ids))"
    started = ("$lo", "$hi") if span else None
    in_span = " AND started_at >= $lo AND started_at < $hi" if span else ""
    params = {"ids": ids, **(span or {})}
    con.execute(f"DELETE FROM {table} WHERE call_id IN {scope}{in_span}", params)
    if table == "call_verdicts":  # built from current_verdicts / current_objections, replaced just before
        con.execute(f"DELETE FROM call_handlings WHERE call_id IN {scope}{in_span}", params)
        _add_codes(con, _where("r", scope, started), params)
        con.execute(_call_verdicts_sql(scope, started), params)
        con.execute(_call_handlings_sql(scope, started), params)
        _copy_verdicts(con, scope, started, params)
    else:
        con.execute(_insert_sql(table, scope, started), params)


def _insert_sql(table: str, scope: str | None, started: tuple[str, str] | None) -> str:
    """INSERT of the rollup rows of the calls in ``scope`` (None: every call) started in
    ``started`` = ``(lo, hi)`` (None: any time)."""
    source, columns, order = _ROLLUPS[table]
    cond, in_period = [], ""
    if scope:
        cond.append(f"r.call_id IN {scope}")
    if started:
        lo, hi = started
        cond.append(f"r.started_at >= {lo} AND r.started_at < {hi}")
        in_period = f" AND c.started_at >= {lo} AND c.started_at < {hi}"  # calls carry the same start
    where = f"WHERE {' AND '.join(cond)}" if cond else ""
    picked = current_scores("pick", call_scope=scope, started=started, columns=("rubric_version",),
                            materialized=True)
    cols = ", ".join(f"r.{c}" for c in columns)
    return f"""INSERT INTO {table} (call_id, started_at, manager_id, rubric_version, {", ".join(columns)})
    WITH {picked}
    SELECT r.call_id, r.started_at, c.manager_id, r.rubric_version, {cols}
    FROM {source} r JOIN pick p ON p.call_id = r.call_id AND p.rubric_version = r.rubric_version
    JOIN calls c ON c.call_id = r.call_id{in_period}
    {where}
    ORDER BY r.started_at, r.call_id, r.{order}"""


# --- every call's verdicts in one string (migration 012) ----------------------------------------

# The letters of the four verdicts (other verdicts get 'A', 'B', … when first stored) and the mark
# of a criterion the call has no row for; a position past the end of a string has no row either.
VERDICT_LETTERS = {"pass": "p", "fail": "f", "insufficient": "i", "not_applicable": "n"}
# The letters of the automatic handlings in call_handlings (migration 013; others 'A', 'B', …;
# NO_ROW marks an objection without a handling).
HANDLING_LETTERS = {"value": "v", "question": "q", "discount": "d", "ignored": "i", "other": "o"}
NO_ROW = "-"
# the string of a call from the positions ``ps`` and letters ``ls`` of its rows, both in position
# order: the letters side by side, with NO_ROW where a position has no row
_VERDICT_STRING = f"""CASE WHEN len(ps) = ps[-1] THEN array_to_string(ls, '')
         ELSE array_to_string(list_transform(range(1, ps[-1] + 1),
                                             lambda i: coalesce(ls[list_position(ps, i)], '{NO_ROW}')), '') END"""


def _where(alias: str, scope: str | None, started: tuple[str, str] | None) -> str:
    """`` WHERE …`` keeping the rows of ``alias`` of calls in ``scope`` started in ``started``."""
    cond = [f"{alias}.call_id IN {scope}"] if scope else []
    if started:
        lo, hi = started
        cond.append(f"{alias}.started_at >= {lo} AND {alias}.started_at < {hi}")
    return f" WHERE {' AND '.join(cond)}" if cond else ""


def _add_codes(con: duckdb.DuckDBPyConnection, where_r: str, params: dict) -> None:
    """Positions for the criteria and letters for the verdicts of the ``current_verdicts`` rows
    ``r`` matching ``where_r``, and letters for the handlings of the ``current_objections`` rows
    ``r`` matching it, that have none yet (positions and letters never change)."""
    con.execute(f"""INSERT INTO criterion_positions
        SELECT criterion_id, (SELECT coalesce(max(pos), 0) FROM criterion_positions)
                             + row_number() OVER (ORDER BY criterion_id)::INTEGER
        FROM (SELECT DISTINCT r.criterion_id FROM current_verdicts r{where_r})
        WHERE criterion_id NOT IN (SELECT criterion_id FROM criterion_positions)""", params)
    _add_letters(con, "verdict_letters", "verdict", VERDICT_LETTERS, f"current_verdicts r{where_r}", params)
    _add_letters(con, "handling_letters", "handling", HANDLING_LETTERS, f"current_objections r{where_r}", params)


def _add_letters(con: duckdb.DuckDBPyConnection, table: str, column: str, fixed: dict, source: str,
                 params: dict) -> None:
    """Letters A, B, … (after the ``fixed`` ones) for the values of ``column`` in ``source``
    that ``table`` does not know yet."""
    known = ", ".join(f"'{letter}'" for letter in fixed.values())
    con.execute(f"""INSERT INTO {table}
        SELECT {column}, chr(64 + (SELECT count(*) FROM {table} WHERE letter NOT IN ({known}))::INTEGER
                             + row_number() OVER (ORDER BY {column})::INTEGER)
        FROM (SELECT DISTINCT r.{column} FROM {source})
        WHERE {column} NOT IN (SELECT {column} FROM {table})""", params)


def _call_verdicts_sql(scope: str | None, started: tuple[str, str] | None) -> str:
    """INSERT of the ``call_verdicts`` rows of the calls in ``scope`` (None: every call) started
    in ``started`` (None: any time), from their ``current_verdicts`` rows."""
    return f"""INSERT INTO call_verdicts (call_id, started_at, manager_id, verdicts)
    SELECT c.call_id, c.started_at, c.manager_id, v.verdicts
    FROM calls c LEFT JOIN (
        SELECT call_id, {_VERDICT_STRING} AS verdicts
        FROM (SELECT r.call_id, list(p.pos ORDER BY p.pos) AS ps, list(l.letter ORDER BY p.pos) AS ls
              FROM current_verdicts r JOIN criterion_positions p USING (criterion_id)
              JOIN verdict_letters l USING (verdict){_where("r", scope, started)}
              GROUP BY r.call_id)) v USING (call_id){_where("c", scope, started)}
    ORDER BY c.started_at, c.call_id"""


def _call_handlings_sql(scope: str | None, started: tuple[str, str] | None) -> str:
    """INSERT of the ``call_handlings`` rows of the calls in ``scope`` (None: every call) started
    in ``started`` (None: any time), from their ``current_objections`` rows."""
    return f"""INSERT INTO call_handlings (call_id, started_at, handlings)
    SELECT r.call_id, r.started_at, string_agg(coalesce(l.letter, '{NO_ROW}'), '' ORDER BY r.n) || ':'
                                    || string_agg(coalesce(r.segment_idx::VARCHAR, ''), ',' ORDER BY r.n)
    FROM current_objections r LEFT JOIN handling_letters l ON l.handling = r.handling{_where("r", scope, started)}
    GROUP BY r.call_id, r.started_at
    ORDER BY r.started_at, r.call_id"""


def _copy_verdicts(con: duckdb.DuckDBPyConnection, scope: str | None, started: tuple[str, str] | None,
                   params: dict) -> None:
    """Copy the verdict and handling strings of the calls in ``scope`` (None: every call) started
    in ``started`` onto their rows of ``review_days`` (all of them, rows written before the call
    was stored included): both copies in one UPDATE, so they are always in step."""
    in_scope = f" AND d.call_id IN {scope}" if scope else ""
    # the rows with the call's start (review_days fills in time order: a few row groups), then
    # those written before the call was stored (row groups without such rows are skipped)
    days = [f" AND d.call_started_at >= {started[0]} AND d.call_started_at < {started[1]}",
            " AND d.call_started_at IS NULL"] if started else [""]
    for in_days in days:
        con.execute(f"""UPDATE review_days d SET verdicts = v.verdicts, handlings = v.handlings
                        FROM (SELECT c.call_id, c.verdicts, h.handlings
                              FROM (SELECT * FROM call_verdicts c{_where("c", scope, started)}) c
                              LEFT JOIN (SELECT * FROM call_handlings h{_where("h", scope, started)}) h
                                   ON h.call_id = c.call_id) v
                        WHERE d.call_id = v.call_id{in_scope}{in_days}
                          AND (d.verdicts IS DISTINCT FROM v.verdicts OR d.handlings IS DISTINCT FROM v.handlings)""",
                    params)


def _strings_of(con: duckdb.DuckDBPyConnection, call_id: str | None,
                started_at: datetime | None) -> tuple[str | None, str | None]:
    """The verdict and handling strings of a call (its rows of ``call_verdicts`` and
    ``call_handlings``; None where it has none)."""
    if call_id is None:
        return None, None
    in_time = " AND started_at = $started" if started_at is not None else ""
    row = con.execute(f"""SELECT (SELECT verdicts FROM call_verdicts WHERE call_id = $id{in_time}),
                                 (SELECT handlings FROM call_handlings WHERE call_id = $id{in_time})""",
                      {"id": call_id, **({"started": started_at} if started_at is not None else {})}).fetchone()
    return row[0], row[1]


# --- the reviewed call's start and manager on review rows -------------------------------------

def call_info(con: duckdb.DuckDBPyConnection, call_id: str | None) -> list:
    """``[started_at, manager_id]`` of a call (``[None, None]`` when it is not stored): the
    values of ``call_started_at`` / ``call_manager_id`` for a review row about it."""
    if call_id is None:
        return [None, None]
    row = con.execute("SELECT started_at, manager_id FROM calls WHERE call_id = ?", [call_id]).fetchone()
    return list(row) if row else [None, None]


def copy_call_info(con: duckdb.DuckDBPyConnection, call_id: str | None = None) -> None:
    """Copy the call's start and manager onto its review rows (every call's, when ``call_id``
    is None: review rows written without them)."""
    for table in (*REVIEW_TABLES, "review_days"):
        if call_id is None:
            con.execute(f"""UPDATE {table} t SET call_started_at = c.started_at, call_manager_id = c.manager_id
                            FROM calls c WHERE c.call_id = t.call_id AND t.call_started_at IS NULL""")
        else:
            con.execute(f"""UPDATE {table} SET call_started_at = c.started_at, call_manager_id = c.manager_id
                            FROM (SELECT started_at, manager_id FROM calls WHERE call_id = $id) c
                            WHERE {table}.call_id = $id""", {"id": call_id})


# --- the РОП's reviews per call and day --------------------------------------------------------

_DAY_COLUMNS = ("day, call_id, username, call_started_at, call_manager_id, first_action_at, last_action_at, "
                "played_s, last_played_at, verdicts, handlings")


def rebuild_reviews(con: duckdb.DuckDBPyConnection, usernames: list[str] | None = None) -> None:
    """``review_days`` from the review tables (only the rows of ``usernames``, when given)."""
    where, params = ("list_contains($users, username)", {"users": usernames}) if usernames is not None \
        else ("TRUE", {})
    con.execute(f"DELETE FROM review_days WHERE {where}", params)
    con.execute(f"""INSERT INTO review_days ({_DAY_COLUMNS})
        SELECT d.*, v.verdicts, h.handlings FROM (
            SELECT created_at::DATE AS day, call_id, username, max(call_started_at), max(call_manager_id),
                   min(first_action_at), max(last_action_at), sum(played_s), max(last_played_at)
            FROM ({review_rows(where, call=True)}) x(call_id, username, created_at, first_action_at,
                 last_action_at, played_s, last_played_at, call_started_at, call_manager_id)
            GROUP BY ALL) d LEFT JOIN call_verdicts v USING (call_id) LEFT JOIN call_handlings h USING (call_id)
        ORDER BY 1, 2""", params)


def count_review(con: duckdb.DuckDBPyConnection, username: str, call_id: str | None, kind: str,
                 played_s: float | None, created_at: datetime, call: list) -> None:
    """Add one event just logged (``call``: its ``[started_at, manager_id]`` copies) to its
    call's day in ``review_days``; events that are neither a review action nor listening count
    for nothing there."""
    action, played = kind in REVIEW_KINDS, kind == "played"
    if not action and not played:
        return
    values = {"day": created_at.date(), "call": call_id, "user": username,
              "first": created_at if action else None, "played": played_s if played else None,
              "played_at": created_at if played else None}
    updated = con.execute(
        """UPDATE review_days SET first_action_at = least(first_action_at, $first),
               last_action_at = greatest(last_action_at, $first),
               played_s = CASE WHEN $played IS NULL THEN played_s ELSE coalesce(played_s, 0) + $played END,
               last_played_at = greatest(last_played_at, $played_at)
           WHERE day = $day AND call_id IS NOT DISTINCT FROM $call AND username = $user""", values).fetchone()[0]
    if not updated:
        verdicts, handlings = _strings_of(con, call_id, call[0])
        con.execute(f"INSERT INTO review_days ({_DAY_COLUMNS}) VALUES ($day, $call, $user, $started, $manager,"
                    " $first, $first, $played, $played_at, $verdicts, $handlings)",
                    {**values, "started": call[0], "manager": call[1], "verdicts": verdicts, "handlings": handlings})
