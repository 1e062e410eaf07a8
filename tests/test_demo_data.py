"""The bundled demo data: transcripts with gold labels, the РОП's history, the demo recordings."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from datetime import date, datetime
from functools import cache

import jsonschema
import numpy as np
import pytest

from tests.paths import DEMO_DIR, TOOLS_DEMO_DIR
from transcribe import importers

DEMO = DEMO_DIR
CRITERIA = {
    "greeting", "client_name", "needs_discovery", "value_presentation", "objection_handling",
    "next_step", "summary", "farewell", "forbidden_phrases", "no_rudeness",
}
OBJECTION_KINDS = {"price", "competitor_cheaper", "think_later", "no_time", "have_supplier", "send_offer", "need_consult"}
FIRST_MONDAY = date(2026, 9, 28)


@cache
def transcripts() -> tuple[dict, ...]:
    return tuple(json.loads(p.read_text(encoding="utf-8")) for p in sorted((DEMO / "transcripts").glob("*.json")))


@cache
def history() -> tuple[dict, ...]:
    return tuple(json.loads((DEMO / "review_history.json").read_text(encoding="utf-8")))


def week(iso: str) -> int:
    return (datetime.fromisoformat(iso).date() - FIRST_MONDAY).days // 7


def conversations() -> list[dict]:
    return [c for c in transcripts() if c["labels"]["criteria"]["greeting"] != "not_applicable"]


# --- transcripts ----------------------------------------------------------------------------


def test_every_transcript_validates_against_the_import_schema():
    schema = json.loads(importers.SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for call in transcripts():
        validator.validate(call)


def test_at_least_300_calls_of_5_managers_over_8_weeks_of_weekdays():
    calls = transcripts()
    assert len(calls) >= 300
    assert {c["manager"]["id"] for c in calls} == {"m101", "m102", "m103", "m104", "m105"}
    assert {week(c["started_at"]) for c in calls} == set(range(8))
    assert max(c["started_at"] for c in calls) < "2026-11-21"
    assert all(datetime.fromisoformat(c["started_at"]).weekday() < 5 for c in calls)
    assert all(9 <= datetime.fromisoformat(c["started_at"]).hour < 18 for c in calls)


def test_managers_match_managers_csv():
    with (DEMO / "managers.csv").open(encoding="utf-8") as fh:
        rows = {r["extension"]: r for r in csv.DictReader(fh)}
    for call in transcripts():
        m = call["manager"]
        assert m["id"] == f"m{m['extension']}"
        assert (rows[m["extension"]]["name"], rows[m["extension"]]["team"]) == (m["name"], m["team"])


def test_call_ids_are_unique_and_name_their_files():
    ids = [c["call_id"] for c in transcripts()]
    assert len(set(ids)) == len(ids)
    assert {f"{i}.json" for i in ids} == {p.name for p in (DEMO / "transcripts").glob("*.json")}


def test_conversations_have_20_to_60_turns_of_2_to_6_seconds_in_time_order():
    for call in conversations():
        segs = call["segments"]
        assert 20 <= len(segs) <= 60, call["call_id"]
        assert all(2.0 <= round(s["end"] - s["start"], 2) <= 6.0 for s in segs)
        assert all(a["start"] < b["start"] for a, b in zip(segs, segs[1:], strict=False))
        assert call["duration_s"] >= segs[-1]["end"]
        assert all(s["channel"] == (0 if s["speaker"] == "manager" else 1) for s in segs)


def test_a_few_calls_are_voicemail_or_ivr_and_not_applicable_throughout():
    voicemail = [c for c in transcripts() if c["labels"]["criteria"]["greeting"] == "not_applicable"]
    assert 3 <= len(voicemail) <= 15
    for call in voicemail:
        assert set(call["labels"]["criteria"].values()) == {"not_applicable"}
        assert {s["speaker"] for s in call["segments"]} == {"unknown"}


def test_gold_labels_name_every_criterion_and_point_at_client_triggers():
    for call in transcripts():
        labels = call["labels"]
        assert set(labels["criteria"]) == CRITERIA
        assert (labels["criteria"]["objection_handling"] == "not_applicable") == (not labels["objections"])
        for obj in labels["objections"]:
            assert obj["kind"] in OBJECTION_KINDS
            assert call["segments"][obj["segment"]]["speaker"] == "client"
            assert call["segments"][obj["segment"] + 1]["speaker"] == "manager"


def test_all_objection_kinds_and_handling_classes_occur():
    objections = [o for c in transcripts() for o in c["labels"]["objections"]]
    assert {o["kind"] for o in objections} == OBJECTION_KINDS
    assert {o["handling"] for o in objections} == {"value", "question", "discount", "ignored", "other"}


def test_about_a_quarter_of_calls_is_the_test_split():
    splits = Counter(c["labels"]["split"] for c in transcripts())
    assert 0.18 <= splits["test"] / len(transcripts()) <= 0.32


def test_some_transcripts_look_like_whisper_output():
    texts = [s["text"] for c in transcripts() for s in c["segments"]]
    assert any(re.search(r"\d+%", t) for t in texts)  # "на 20% дешевле"
    assert any(t and t == t.lower() and not re.search(r"[.,!?]", t) for t in texts)


def test_bad_calls_use_the_forbidden_phrases_and_the_instant_discount():
    manager_texts = " ".join(s["text"].lower() for c in transcripts() for s in c["segments"] if s["speaker"] == "manager")
    for phrase in ("не знаю", "это не ко мне", "перезвоните позже", "скидку"):
        assert phrase in manager_texts


def pass_rate(calls, criterion: str) -> float:
    verdicts = [c["labels"]["criteria"][criterion] for c in calls]
    return sum(v == "pass" for v in verdicts) / len(verdicts)


def test_managers_differ_strong_weak_average():
    by_manager = {m: [c for c in conversations() if c["manager"]["id"] == m] for m in ("m101", "m102", "m105")}
    overall = {m: sum(pass_rate(cs, k) for k in CRITERIA - {"objection_handling"}) for m, cs in by_manager.items()}
    assert overall["m101"] > overall["m105"] > overall["m102"]


def test_m104_keeps_giving_a_discount_on_price_in_every_fortnight():
    m104 = [c for c in conversations() if c["manager"]["id"] == "m104"]
    for fortnight in range(4):
        handlings = [o["handling"] for c in m104 if week(c["started_at"]) // 2 == fortnight
                     for o in c["labels"]["objections"] if o["kind"] in ("price", "competitor_cheaper")]
        assert handlings.count("discount") >= len(handlings) / 2


# --- the РОП's history ----------------------------------------------------------------------


def test_history_events_have_a_known_type_user_and_iso_time():
    types = {"opened", "played", "override", "feedback", "training", "objection_label", "head_log"}
    for event in history():
        assert event["type"] in types
        assert event["username"] == "rop"
        datetime.fromisoformat(event["created_at"])


def test_history_references_existing_calls_and_segments():
    calls = {c["call_id"]: c for c in transcripts()}
    for event in history():
        if event["type"] == "head_log":
            continue
        call = calls[event["call_id"]]
        assert event["created_at"] > call["started_at"]
        if event["type"] == "objection_label":
            assert call["segments"][event["segment_idx"]]["speaker"] == "client"
        if event["type"] == "training":
            assert 0 <= event["start_s"] < event["end_s"] <= call["duration_s"]
        if event["type"] == "feedback":
            assert event["manager_id"] == call["manager"]["id"]
            assert (event["criterion_id"] in CRITERIA) != (event["objection_kind"] in OBJECTION_KINDS)


def test_coaching_on_next_step_in_week_3_raised_m103s_pass_rate():
    feedback = [e for e in history() if e["type"] == "feedback" and e["manager_id"] == "m103"
                and e["criterion_id"] == "next_step"]
    assert len(feedback) == 1 and week(feedback[0]["created_at"]) == 2
    at = feedback[0]["created_at"]
    m103 = [c for c in conversations() if c["manager"]["id"] == "m103"]
    before = pass_rate([c for c in m103 if c["started_at"] < at], "next_step")
    after = pass_rate([c for c in m103 if c["started_at"] > at], "next_step")
    assert after - before >= 0.4


def test_m104_is_left_alone_for_the_last_weeks():
    calls = {c["call_id"]: c for c in transcripts()}
    touched = [e for e in history() if e.get("call_id") and calls[e["call_id"]]["manager"]["id"] == "m104"]
    touched += [e for e in history() if e.get("manager_id") == "m104"]
    assert touched and max(week(e["created_at"]) for e in touched) <= 4


def test_planning_meetings_are_weekly_and_then_stop():
    planning_weeks = {week(e["held_on"]) for e in history() if e["type"] == "head_log" and e["kind"] == "planning"}
    assert {0, 1, 2, 3, 4} <= planning_weeks
    assert not planning_weeks & {5, 6, 7}


def test_generators_are_deterministic_and_keep_the_bank_discipline():
    sys.path.insert(0, str(TOOLS_DEMO_DIR))
    try:
        import generate_transcripts as gen
        import phrase_banks
    finally:
        sys.path.remove(str(TOOLS_DEMO_DIR))
    assert phrase_banks.lint_banks() == []
    import random

    calls = gen.generate_transcripts(random.Random(gen.SEED))
    assert [c["call_id"] for c in calls] == [c["call_id"] for c in transcripts()]
    assert calls[7] == next(c for c in transcripts() if c["call_id"] == calls[7]["call_id"])


def test_demo_transcripts_stay_small():
    assert sum(p.stat().st_size for p in (DEMO / "transcripts").glob("*.json")) < 3_000_000


# --- audio ----------------------------------------------------------------------------------

AUDIO = sorted((DEMO / "audio").glob("*.mp3"))


def test_twelve_demo_recordings_exist_and_stay_under_5_mb():
    assert len(AUDIO) >= 12
    assert sum(p.stat().st_size for p in AUDIO) < 5_000_000


def test_demo_recordings_are_named_like_asterisk_for_managers_101_to_104():
    from ingest.filenames import parse_filename

    extensions = set()
    for path in AUDIO:
        meta = parse_filename(path.name)
        assert meta.started_at is not None and meta.direction in ("in", "out"), path.name
        assert meta.started_at.strftime("%Y-%m") in ("2026-09", "2026-10")
        extensions.add(meta.manager_ext)
    assert extensions == {"101", "102", "103", "104"}


def test_every_recording_has_its_script_and_reference_turns():
    turns = json.loads((DEMO / "audio_turns.json").read_text(encoding="utf-8"))
    assert set(turns) == {p.name for p in AUDIO}
    for placed in turns.values():
        assert {t[0] for t in placed} == {"manager", "client"}
        assert 60 <= placed[-1][2] <= 180  # 1-3 minutes


def solo_intervals(placed: list) -> list[tuple[str, float, float]]:
    """Each turn's time with the overlaps of its neighbours cut off."""
    out = []
    for i, (speaker, start, end, _) in enumerate(placed):
        if i > 0:
            start = max(start, placed[i - 1][2])
        if i + 1 < len(placed):
            end = min(end, placed[i + 1][1])
        out.append((speaker, start, end))
    return out


def decode_pcm(path) -> tuple[np.ndarray, int]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.channels == 2, f"{path.name} is not stereo"
        frames = [f.to_ndarray() for f in container.decode(stream)]
        rate = stream.codec_context.sample_rate
    return np.concatenate(frames, axis=1).astype(np.float64), rate


@pytest.mark.parametrize("path", AUDIO, ids=lambda p: p.name[:20])
def test_recording_decodes_with_pyav_as_stereo_8k_with_the_manager_on_the_left(path):
    pcm, rate = decode_pcm(path)
    assert rate == 8000
    turns = json.loads((DEMO / "audio_turns.json").read_text(encoding="utf-8"))[path.name]
    for speaker, start, end in solo_intervals(turns):
        if end - start < 0.5:
            continue
        chunk = pcm[:, int(start * rate):int(end * rate)]
        left, right = np.sqrt((chunk**2).mean(axis=1))
        louder, quieter = (left, right) if speaker == "manager" else (right, left)
        assert louder > 10 * quieter, (path.name, speaker, start)


def test_call_scripts_carry_expected_verdicts_and_objections_on_client_turns():
    import yaml

    dialogues = yaml.safe_load((DEMO / "scripts" / "dialogues.yaml").read_text(encoding="utf-8"))
    assert len(dialogues) >= 12
    kinds = set()
    for d in dialogues:
        turns = [next(iter(t.items())) for t in d["turns"]]
        assert {s for s, _ in turns} == {"m", "c"}
        assert set(d["labels"]) == CRITERIA
        for obj in d["objections"]:
            assert turns[obj["turn"]][0] == "c" and obj["kind"] in OBJECTION_KINDS
            kinds.add(obj["kind"])
    assert kinds == OBJECTION_KINDS
    verdicts = Counter(v for d in dialogues for v in d["labels"].values())
    assert verdicts["pass"] and verdicts["fail"]
