"""bench/asr.py --unseen: which calls are rendered and how key terms are counted (no TTS, no Whisper)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


asr = _load("bench_asr_unseen", ROOT / "bench" / "asr.py")
render_audio = _load("eval_render_audio", ROOT / "tools" / "eval" / "render_audio.py")


def test_the_dev_split_is_rendered_by_default_and_never_the_test_split():
    calls = render_audio.select_calls()
    assert 6 <= len(calls) <= 8
    assert {c["labels"]["split"] for c in calls} == {"dev"}
    assert {c["labels"]["style"] for c in calls} == {"clean"}
    assert calls == render_audio.select_calls()  # deterministic
    ids = [c["call_id"] for c in calls]
    assert len({i.rsplit("-", 1)[0] for i in ids}) == len(ids)  # one call per industry first


def test_key_terms_count_brands_prices_and_names_by_side():
    ref = "Компания «Аква-Дом», Ольга. Бутыль триста пятьдесят рублей, у «Легиона» дешевле, скидка пять процентов."
    got = asr.term_recall(ref, "компания аква дом ольга бутыль 350 рублей у легиона дешевле скидка пять процентов")
    assert {k: v[:2] for k, v in got.items()} == {
        "price": (2, 2), "amount": (3, 3), "deal": (2, 2), "brand": (2, 2), "name": (1, 1)}
    miss = asr.term_recall(ref, "компания аква ольга бутыль рублей")
    assert miss["brand"] == (0, 2, ["аква дом", "легио"])
    assert miss["deal"][:2] == (0, 2)


def test_a_name_inside_a_sentence_counts_and_the_first_word_does_not():
    assert asr.other_names("Ольга, это Максим из «Атлетики». На Ленина, дом три.") == ["Максим", "Ленина"]
    assert asr.brand_names("Окна «Тёплый дом» и «под ключ».") == ["Тёплый дом"]


def test_non_russian_calls_are_never_rendered():
    """A Kazakh call read by the Russian voice measures nothing of Russian WER."""
    calls = render_audio.select_calls(calls=0)
    assert calls and all(c["labels"].get("call_type") != "non_russian" for c in calls)


def test_the_roster_name_is_the_name_the_manager_introduces_themself_with():
    assert asr.roster_name("Ольга, это Максим, фитнес-клуб «Атлетика».") == "Максим"
    assert asr.roster_name("Добрый день, меня зовут Алёна, салон «Эстетика».") == "Алёна"
    assert asr.roster_name("Это компания «Окна», слушаю вас.") is None
