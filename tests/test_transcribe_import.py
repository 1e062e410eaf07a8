"""Transcript importers: callqa JSON v1, Whisper JSON, Yandex SpeechKit JSON; clear errors."""

import copy
import json
import random
from pathlib import Path

import pytest

from core.errors import TranscriptFormatError
from transcribe.importers import (
    ImportedCall,
    _fast_items_schema,
    _fast_valid,
    _validator,
    load_transcript_file,
    load_transcript_paths,
)

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "transcripts"


def _write(tmp_path, name, data) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
    return p


CALLQA = {
    "format": "callqa.transcript", "version": 1, "call_id": "c-1",
    "started_at": "2026-09-01T10:15:00", "direction": "in",
    "manager": {"id": "m101", "name": "Анна", "extension": "101", "team": "Розница"},
    "client_number": "+7 916 123-45-67", "duration_s": 20, "channels": 2,
    "segments": [
        {"speaker": "client", "start": 3.0, "end": 5.0, "text": "Мой номер восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь"},
        {"speaker": "manager", "start": 0.0, "end": 2.5, "text": "Здравствуйте, компания Окна Комфорт."},
    ],
}


def test_callqa_json_is_loaded_sorted_and_masked(tmp_path):
    call = load_transcript_file(_write(tmp_path, "a.json", CALLQA))
    assert call.call_id == "c-1" and call.channels == 2 and call.duration_s == 20
    assert [s.speaker for s in call.transcript.segments] == ["manager", "client"]
    assert [s.idx for s in call.transcript.segments] == [0, 1]
    assert "[номер]" in call.transcript.segments[1].text
    assert call.meta.client_number_masked.endswith("67") and "916" not in call.meta.client_number_masked
    assert call.manager.id == "m101" and call.meta.manager_ext == "101"
    assert call.meta.started_at.hour == 10


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"segments": [{"speaker": "boss", "start": 0, "end": 1, "text": "x"}]}, r"\$\.segments\[0\]\.speaker"),
        ({"segments": [{"speaker": "manager", "start": "0", "end": 1, "text": "x"}]}, r"\$\.segments\[0\]\.start"),
        ({"version": 2}, r"\$\.version"),
        ({"started_at": "вчера"}, r"\$\.started_at.*ISO 8601"),
        ({"segments": [{"speaker": "manager", "start": 5, "end": 1, "text": "x"}]}, r"end 1 is before start 5"),
    ],
)
def test_callqa_json_errors_name_file_and_field(tmp_path, patch, expected):
    path = _write(tmp_path, "bad.json", {**CALLQA, **patch})
    with pytest.raises(TranscriptFormatError, match=expected) as err:
        load_transcript_file(path)
    assert "bad.json" in str(err.value)


def test_whisper_json_gets_roles_guessed(tmp_path):
    data = {"language": "ru", "text": "…", "segments": [
        {"start": 0.0, "end": 2.0, "text": " Здравствуйте, компания Окна Комфорт, меня зовут Анна.", "avg_logprob": -0.3, "no_speech_prob": 0.01},
        {"start": 2.5, "end": 4.0, "text": " Сколько стоит окно?", "avg_logprob": -0.4, "no_speech_prob": 0.02},
    ]}
    call = load_transcript_file(_write(tmp_path, "w.json", data))
    assert call.channels == 1 and len(call.transcript.segments) == 2
    assert call.transcript.segments[0].avg_logprob == -0.3
    assert "roles_guessed" in call.transcript.flags
    assert [s.speaker for s in call.transcript.segments] == ["manager", "client"]


def test_whisper_json_missing_text_is_reported(tmp_path):
    with pytest.raises(TranscriptFormatError, match=r"\$\.segments\[0\]\.text is missing"):
        load_transcript_file(_write(tmp_path, "w.json", {"segments": [{"start": 0, "end": 1}]}))


def test_speechkit_v2_channels_become_roles(tmp_path):
    data = {"done": True, "response": {"chunks": [
        {"channelTag": "2", "alternatives": [{"text": "алло слушаю", "confidence": 1,
            "words": [{"startTime": "3.100s", "endTime": "3.500s", "word": "алло"}, {"startTime": "3.600s", "endTime": "4.200s", "word": "слушаю"}]}]},
        {"channelTag": "1", "alternatives": [{"text": "добрый день компания окна комфорт", "confidence": 1,
            "words": [{"startTime": "0.500s", "endTime": "0.900s", "word": "добрый"}, {"startTime": "1.000s", "endTime": "2.800s", "word": "комфорт"}]}]},
    ]}}
    call = load_transcript_file(_write(tmp_path, "sk.json", data))
    segs = call.transcript.segments
    assert [(s.speaker, s.start_s) for s in segs] == [("manager", 0.5), ("client", 3.1)]
    assert call.channels == 2 and call.duration_s == pytest.approx(4.2)


def _v3(kind, tag, text, start_ms, end_ms, index=None, wrap=True):
    update = {"alternatives": [{"text": text, "startTimeMs": str(start_ms), "endTimeMs": str(end_ms),
                                "words": [], "confidence": 0}], "channelTag": tag}
    if kind == "final":
        body = {"final": update, "audioCursors": {"finalIndex": str(index)}, "channelTag": tag}
    elif kind == "refinement":
        body = {"finalRefinement": {"finalIndex": str(index), "normalizedText": update}, "channelTag": tag}
    else:
        body = {"partial": update, "channelTag": tag}
    return {"result": body} if wrap else body


def test_speechkit_v3_results(tmp_path):
    data = [
        _v3("partial", "0", "здра", 0, 400),
        _v3("final", "0", "здравствуйте компания окна комфорт", 0, 2100, index=0),
        _v3("refinement", "0", "Здравствуйте, компания «Окна Комфорт».", 0, 2100, index=0),
        _v3("final", "1", "сколько стоит окно", 2500, 3900, index=0),
        {"result": {"statusCode": {"codeType": "WORKING"}}},
    ]
    call = load_transcript_file(_write(tmp_path, "sk3.json", data))
    segs = call.transcript.segments
    assert [(s.speaker, s.channel, s.text) for s in segs] == [
        ("manager", 0, "Здравствуйте, компания «Окна Комфорт»."),  # the refined text replaces the final
        ("client", 1, "сколько стоит окно"),
    ]
    assert segs[0].end_s == pytest.approx(2.1) and call.channels == 2
    assert call.transcript.asr_model == "yandex-speechkit-v3"


def test_speechkit_v3_json_lines_as_saved_from_get_recognition(tmp_path):
    lines = [_v3("final", "1", "алло", 500, 900, index=0), _v3("final", "0", "добрый день", 0, 400, index=0)]
    path = _write(tmp_path, "sk3.jsonl", "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    call = next(iter(load_transcript_paths([tmp_path])))
    assert call == load_transcript_file(path)
    assert [(s.speaker, s.text) for s in call.transcript.segments] == [("manager", "добрый день"), ("client", "алло")]


def test_speechkit_v3_bad_time_is_reported(tmp_path):
    data = [_v3("final", "0", "да", "скоро", 400, index=0)]
    with pytest.raises(TranscriptFormatError, match=r"\$\[0\]\.result\.final\.alternatives\[0\]\.startTimeMs.*milliseconds"):
        load_transcript_file(_write(tmp_path, "sk3.json", data))


def test_openai_verbose_json_language_and_low_confidence(tmp_path):
    data = {"task": "transcribe", "language": "russian", "duration": 9.5, "text": "…", "segments": [
        {"id": 0, "seek": 0, "start": 0.0, "end": 6.0, "text": " ммм алло", "avg_logprob": -1.4, "no_speech_prob": 0.2},
        {"id": 1, "seek": 0, "start": 6.0, "end": 8.0, "text": " Добрый день", "avg_logprob": -0.2, "no_speech_prob": 0.7},
        {"id": 2, "seek": 0, "start": 8.0, "end": 9.0, "text": " Да", "avg_logprob": -0.2, "no_speech_prob": 0.1},
    ]}
    call = load_transcript_file(_write(tmp_path, "w.json", data))
    assert call.transcript.language == "ru" and call.duration_s == 9.5
    assert [s.low_confidence for s in call.transcript.segments] == [True, True, False]
    assert "low_confidence" in call.transcript.flags


def test_whisper_json_with_text_numbers_is_reported(tmp_path):
    data = {"segments": [{"start": 0, "end": "1.5", "text": "да"}]}
    with pytest.raises(TranscriptFormatError, match=r"w\.json: field \$\.segments\[0\]\.end: expected a number"):
        load_transcript_file(_write(tmp_path, "w.json", data))


def test_callqa_json_unknown_speakers_get_roles_and_stay_mono(tmp_path):
    segs = [{"speaker": "unknown", "start": 0, "end": 2, "text": "Здравствуйте, компания Окна Комфорт, меня зовут Анна."},
            {"speaker": "unknown", "start": 2.5, "end": 4, "text": "Сколько у вас стоит окно?"}]
    data = {"format": "callqa.transcript", "version": 1, "segments": segs}
    call = load_transcript_file(_write(tmp_path, "u.json", data))
    assert call.call_id.startswith("imp-") and len(call.call_id) == 20
    assert [s.speaker for s in call.transcript.segments] == ["manager", "client"]
    assert call.channels == 1 and "roles_guessed" in call.transcript.flags


def test_speechkit_bad_time_is_reported(tmp_path):
    data = {"response": {"chunks": [{"channelTag": "1", "alternatives": [{"text": "да", "words": [{"startTime": "soon", "endTime": "1s"}]}]}]}}
    with pytest.raises(TranscriptFormatError, match=r"startTime.*expected a time"):
        load_transcript_file(_write(tmp_path, "sk.json", data))


def test_a_bad_file_never_stops_the_others(tmp_path):
    _write(tmp_path, "1.json", CALLQA)
    _write(tmp_path, "2.json", "{not json")
    _write(tmp_path, "3.json", {"hello": "world"})
    items = list(load_transcript_paths([tmp_path]))
    good = [i for i in items if isinstance(i, ImportedCall)]
    bad = [i for i in items if not isinstance(i, ImportedCall)]
    assert len(good) == 1 and len(bad) == 2
    assert "not valid UTF-8 JSON" in str(bad[0][1]) and "unknown transcript format" in str(bad[1][1])


def test_all_demo_transcripts_load():
    items = list(load_transcript_paths([DEMO]))
    assert len(items) >= 300
    assert [i for i in items if not isinstance(i, ImportedCall)] == []


def _mutations(seg: dict, rng: random.Random):
    bad_values = [None, "1", -1, 1.5, True, [], {}, "boss", "", "manager", 0]
    for _ in range(12):
        s = copy.deepcopy(seg)
        action = rng.choice(["set", "drop", "add"])
        if action == "drop":
            s.pop(rng.choice(list(s)), None)
        elif action == "add":
            s[rng.choice(["extra", "speaker", "words"])] = rng.choice(bad_values)
        else:
            s[rng.choice(["speaker", "start", "end", "text", "channel", "avg_logprob", "no_speech_prob"])] = rng.choice(bad_values)
        yield s


def test_fast_segment_check_agrees_with_the_json_schema():
    """The quick segment check used for speed must accept exactly what the schema accepts."""
    items = _fast_items_schema(json.dumps(_validator().schema))
    assert items is not None
    rng = random.Random(7)
    seg = {"speaker": "manager", "start": 0.0, "end": 1.0, "text": "да", "channel": 0, "avg_logprob": -0.2, "no_speech_prob": 0.1}
    for s in [seg, *_mutations(seg, rng), *_mutations(seg, rng), *_mutations(seg, rng)]:
        doc = {"format": "callqa.transcript", "version": 1, "segments": [s]}
        assert _fast_valid(items, s) == _validator().is_valid(doc), s


def test_every_example_in_the_import_docs_loads(tmp_path):
    import re

    doc = Path(__file__).resolve().parent.parent / "docs" / "transcribe-import.md"
    blocks = re.findall(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 4
    for i, block in enumerate(blocks):
        call = load_transcript_file(_write(tmp_path, f"{i}.json", block))
        assert [s.speaker for s in call.transcript.segments] == ["manager", "client"]


def test_mono_whisper_import_takes_roles_from_the_homes_retrained_model(store, cfg, scorer, tmp_path):
    """`callqa import-transcripts` of a mono Whisper JSON uses the role model `callqa train`
    saved in <home>/models, not the shipped one (here a model that hears only clients)."""
    import joblib
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    from pipeline.importer import import_transcripts
    from store import db
    from transcribe import roles

    only_clients = make_pipeline(TfidfVectorizer(), DummyClassifier(strategy="constant", constant="client"))
    only_clients.fit(["добрый день", "алло"], ["manager", "client"])
    roles.model_path(cfg.home).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(only_clients, roles.model_path(cfg.home))
    data = {"language": "ru", "segments": [
        {"start": 0.0, "end": 3.0, "text": "Добрый день, компания Окна Комфорт, меня зовут Анна."},
        {"start": 3.0, "end": 5.0, "text": "Здравствуйте, сколько стоит окно?"},
        {"start": 5.0, "end": 8.0, "text": "Подскажите, как я могу к вам обращаться?"},
    ]}
    path = _write(tmp_path, "mono.json", data)
    assert [s.speaker for s in load_transcript_file(path).transcript.segments][0] == "manager"  # seed model
    summary = import_transcripts(cfg, [path], scorer=scorer)
    assert summary.imported == 1 and summary.errors == []
    speakers = db.query_rows(store, "SELECT speaker FROM segments ORDER BY idx")
    assert speakers == [("client",), ("client",), ("client",)]
