"""Hand-written Russian calls for the scoring tests (one line = one turn, 5 s each)."""

from __future__ import annotations

from functools import lru_cache

from core.config import load_config
from core.types import CallMeta, Segment, Transcript

GOOD_CALL = [
    ("manager", "Добрый день, компания Окна Плюс, меня зовут Анна. Как к вам обращаться?"),
    ("client", "Сергей. Хочу поменять окна в квартире."),
    ("manager", "Очень приятно, Сергей. Какие окна у вас сейчас стоят? Сколько окон нужно заменить? Что для вас важнее всего?"),
    ("client", "Три окна, старые деревянные. Главное чтобы было тепло."),
    ("manager", "У нас собственное производство и гарантия десять лет, вы получите тёплые окна и экономию на отоплении."),
    ("client", "Ну это дорого."),
    ("manager", "Понимаю. А с чем вы сравниваете, в ту цену входит монтаж?"),
    ("client", "Ладно, давайте посмотрим на замер."),
    ("manager", "Итак, договорились: замерщик приедет в четверг в 10:00. Всего доброго, до свидания!"),
]


def transcript(lines, step: float = 6.0, low_confidence: bool = False) -> Transcript:
    segs = [
        Segment(i, speaker, i * step, i * step + step - 1, text, channel=0 if speaker == "manager" else 1,
                low_confidence=low_confidence)
        for i, (speaker, text) in enumerate(lines)
    ]
    return Transcript(tuple(segs))


@lru_cache(maxsize=1)
def scorer():
    import scoring

    return scoring.Scorer(load_config(overrides={"paths.home": "/nonexistent-callqa-home"}))


def score(lines, direction: str = "in", channels: int = 2, **kw):
    import scoring

    t = scoring.prepare_transcript(transcript(lines, **kw))
    duration = t.segments[-1].end_s + 1 if t.segments else 30.0
    return scorer().score(t, CallMeta(direction=direction), duration, channels)


def verdicts(call_score) -> dict[str, str]:
    return {c.criterion_id: c.verdict for c in call_score.criteria}


def criterion(call_score, criterion_id: str):
    return next(c for c in call_score.criteria if c.criterion_id == criterion_id)
