"""bench/quality_audio.py: how audio verdicts are matched to the labels (no TTS, no Whisper)."""

from __future__ import annotations

from types import SimpleNamespace

from bench import quality_audio as qa


def _score(verdicts: dict[str, str], objections: list[tuple[str, float, str]]):
    return SimpleNamespace(
        criteria=[SimpleNamespace(criterion_id=c, verdict=v) for c, v in verdicts.items()],
        objections=[SimpleNamespace(kind=k, start_s=t, handling=h) for k, t, h in objections])


def test_an_objection_counts_when_its_kind_is_right_and_it_starts_inside_the_labelled_turn():
    labels = {"criteria": {"greeting": "pass", "next_step": "fail"},
              "objections": [{"segment": 3, "kind": "price", "handling": "value"},
                             {"segment": 5, "kind": "no_time", "handling": "other"}]}
    times = {3: (20.0, 24.0), 5: (40.0, 42.0)}
    t = qa.Tally()
    t.add(labels, _score({"greeting": "pass", "next_step": "pass"},
                         [("price", 24.5, "value"),  # inside the slack after the turn
                          ("no_time", 50.0, "other"),  # another turn: not this label
                          ("send_offer", 41.0, "other")]), times)
    assert (t.gold, t.found, t.hits, t.handling_ok) == (2, 3, 1, 1)
    assert +t.crit_ok == {"greeting": 1} and t.crit_n == {"greeting": 1, "next_step": 1}
    assert t.last == 0.5 and t.hit_kind == {"price": 1}
