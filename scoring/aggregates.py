"""Per-manager aggregates over the store, for the current rubric version with РОП overrides.

Every function takes the db path, a period [start, end) on ``calls.started_at`` and an
optional manager, and returns a DataFrame (the store → UI edge). Managers with fewer than
``min_calls`` scored calls get ``low_data = True`` and no rank (the UI shows "мало данных").
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import pandas as pd
import yaml

from scoring.stats import mean_t_interval, wilson
from store import db
from store.effective import latest_labels, latest_overrides

DEFAULT_MIN_CALLS = 5

_CALLS = """
    SELECT c.call_id, c.manager_id, c.started_at, cs.rubric_version, cs.score_pct, cs.applicable,
           cs.fatal_failed
    FROM calls c
    JOIN call_scores cs ON cs.call_id = c.call_id
    JOIN rubric_versions rv ON rv.rubric_id = cs.rubric_id AND rv.version = cs.rubric_version AND rv.is_current
    WHERE c.started_at >= ? AND c.started_at < ? AND (?::VARCHAR IS NULL OR c.manager_id = ?)
"""

_CRITERIA = f"""
    WITH cur AS ({_CALLS}),
    ov AS ({latest_overrides(columns="call_id, criterion_id, verdict")})
    SELECT cur.call_id, cur.manager_id, cur.started_at, cur.rubric_version, cr.criterion_id,
           cr.title, cr.fatal, cr.verdict AS model_verdict,
           coalesce(ov.verdict, cr.verdict) AS verdict, ov.verdict IS NOT NULL AS overridden
    FROM cur
    JOIN criterion_results cr ON cr.call_id = cur.call_id AND cr.rubric_version = cur.rubric_version
    LEFT JOIN ov ON ov.call_id = cr.call_id AND ov.criterion_id = cr.criterion_id
"""


def _params(start, end, manager_id):
    return [_ts(start), _ts(end), manager_id, manager_id]


def _ts(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def criterion_rows(db_path, start, end, manager_id: str | None = None) -> pd.DataFrame:
    """Effective verdict per call and criterion (the РОП's latest override wins)."""
    return db.query_df(db_path, _CRITERIA, _params(start, end, manager_id))


def call_scores(db_path, start, end, manager_id: str | None = None) -> pd.DataFrame:
    """One row per scored call with ``score_pct`` recomputed after overrides."""
    calls = db.query_df(db_path, _CALLS, _params(start, end, manager_id))
    if calls.empty:
        return calls.assign(score=pd.Series(dtype=float))
    crit = criterion_rows(db_path, start, end, manager_id)
    weights = _weights_for(db_path, tuple(calls["rubric_version"].unique()))
    crit["weight"] = [weights.get((v, c), (0.0, False))[0] for v, c in zip(crit["rubric_version"], crit["criterion_id"], strict=True)]
    crit["counted"] = crit["verdict"].isin(["pass", "fail"])
    crit["points"] = crit["weight"].where(crit["verdict"] == "pass", 0.0)
    crit["max_points"] = crit["weight"].where(crit["counted"], 0.0)
    crit["fatal_fail"] = crit["fatal"] & (crit["verdict"] == "fail")
    per_call = crit.groupby("call_id").agg(points=("points", "sum"), max_points=("max_points", "sum"),
                                           fatal_fail=("fatal_fail", "any"), overridden=("overridden", "any"))
    out = calls.merge(per_call, left_on="call_id", right_index=True, how="left")
    score = 100.0 * out["points"] / out["max_points"].where(out["max_points"] > 0)
    score = score.where(~out["fatal_fail"].fillna(False).astype(bool), 0.0)
    out["score"] = score.where(out["applicable"] | out["overridden"].fillna(False).astype(bool))
    return out


def manager_summary(db_path, start, end, manager_id: str | None = None,
                    min_calls: int = DEFAULT_MIN_CALLS) -> pd.DataFrame:
    """Calls, mean score with a 95 % t-interval, fatal calls, low_data flag and rank."""
    scores = call_scores(db_path, start, end, manager_id)
    rows = []
    for mid, g in scores.groupby("manager_id", dropna=False):
        scored = g["score"].dropna().tolist()
        mean, lo, hi = mean_t_interval(scored)
        rows.append({
            "manager_id": mid, "calls": len(g), "scored_calls": len(scored),
            "not_applicable_calls": int((~g["applicable"]).sum()),
            "mean_score": mean, "score_lo": lo, "score_hi": hi,
            "fatal_calls": int(g["fatal_fail"].fillna(False).astype(bool).sum()),
            "low_data": len(scored) < min_calls,
        })
    out = pd.DataFrame(rows, columns=["manager_id", "calls", "scored_calls", "not_applicable_calls",
                                      "mean_score", "score_lo", "score_hi", "fatal_calls", "low_data"])
    ranked = out[~out["low_data"]].sort_values("mean_score", ascending=False)
    out["rank"] = pd.Series(range(1, len(ranked) + 1), index=ranked.index, dtype="Int64")
    return out.sort_values(["low_data", "mean_score"], ascending=[True, False]).reset_index(drop=True)


def criterion_pass_rates(db_path, start, end, manager_id: str | None = None,
                         min_calls: int = DEFAULT_MIN_CALLS) -> pd.DataFrame:
    """Pass rate per manager and criterion over pass/fail verdicts, with a Wilson interval."""
    crit = criterion_rows(db_path, start, end, manager_id)
    crit = crit[crit["verdict"].isin(["pass", "fail"])]
    rows = []
    for (mid, cid), g in crit.groupby(["manager_id", "criterion_id"], dropna=False):
        k, n = int((g["verdict"] == "pass").sum()), len(g)
        lo, hi = wilson(k, n)
        rows.append({"manager_id": mid, "criterion_id": cid, "title": g["title"].iloc[0],
                     "n": n, "passed": k, "pass_rate": k / n, "lo": lo, "hi": hi,
                     "overridden": int(g["overridden"].sum()), "low_data": n < min_calls})
    return pd.DataFrame(rows, columns=["manager_id", "criterion_id", "title", "n", "passed",
                                       "pass_rate", "lo", "hi", "overridden", "low_data"])


def objection_mix(db_path, start, end, manager_id: str | None = None) -> pd.DataFrame:
    """Objections by kind and handling class per manager, with the share within the kind."""
    df = db.query_df(
        db_path,
        f"""WITH cur AS ({_CALLS}),
            lb AS ({latest_labels(columns="call_id, segment_idx, handling")})
            SELECT cur.manager_id, o.kind, coalesce(lb.handling, o.handling) AS handling, count(*) AS n
            FROM cur JOIN objections o ON o.call_id = cur.call_id AND o.rubric_version = cur.rubric_version
            LEFT JOIN lb ON lb.call_id = o.call_id AND lb.segment_idx = o.segment_idx
            GROUP BY ALL ORDER BY 1, 2, 3""",
        _params(start, end, manager_id),
    )
    if df.empty:
        return df.assign(share=pd.Series(dtype=float))
    df["share"] = df["n"] / df.groupby(["manager_id", "kind"], dropna=False)["n"].transform("sum")
    return df


METRIC_COLUMNS = ("manager_talk_ratio", "longest_manager_monologue_s", "manager_questions",
                  "manager_questions_per_min", "interruptions", "silence_share",
                  "longest_silence_s", "patience_s", "manager_words_per_min")


def metric_medians(db_path, start, end, manager_id: str | None = None) -> pd.DataFrame:
    cols = ", ".join(f"median(m.{c}) AS {c}" for c in METRIC_COLUMNS)
    return db.query_df(
        db_path,
        f"""SELECT c.manager_id, count(*) AS calls, {cols}
            FROM calls c JOIN call_metrics m ON m.call_id = c.call_id
            WHERE c.started_at >= ? AND c.started_at < ? AND (?::VARCHAR IS NULL OR c.manager_id = ?)
            GROUP BY 1 ORDER BY 1""",
        _params(start, end, manager_id),
    )


def weekly_change(db_path, start, end, manager_id: str | None = None,
                  min_calls: int = DEFAULT_MIN_CALLS) -> pd.DataFrame:
    """Mean score per manager and ISO week, with the change against the previous week."""
    scores = call_scores(db_path, start, end, manager_id)
    if scores.empty:
        return pd.DataFrame(columns=["manager_id", "week", "calls", "mean_score", "change", "low_data"])
    scores["week"] = pd.to_datetime(scores["started_at"]).dt.to_period("W-SUN").dt.start_time
    weekly = (scores.groupby(["manager_id", "week"], dropna=False)
              .agg(calls=("call_id", "count"), mean_score=("score", "mean")).reset_index())
    weekly["change"] = weekly.groupby("manager_id", dropna=False)["mean_score"].diff()
    weekly["low_data"] = weekly["calls"] < min_calls
    return weekly


def _weights_for(db_path, versions: tuple[str, ...]) -> dict[tuple[str, str], tuple[float, bool]]:
    out: dict[tuple[str, str], tuple[float, bool]] = {}
    for version in versions:
        rows = db.query_rows(db_path, "SELECT yaml FROM rubric_versions WHERE version = ? LIMIT 1", [version])
        if rows:
            for cid, wf in _weights_of_yaml(rows[0][0]).items():
                out[(version, cid)] = wf
    return out


@lru_cache(maxsize=16)
def _weights_of_yaml(yaml_text: str) -> dict[str, tuple[float, bool]]:
    """Criterion weights straight from the YAML (no lemmatisation needed for aggregates)."""
    data = yaml.safe_load(yaml_text)
    return {
        c["id"]: (float(c.get("weight", 1)), bool(c.get("fatal", False)))
        for stage in data.get("stages", []) for c in stage.get("criteria", [])
    }
