"""Stereo speaker roles (issue 13, item 2): the per-call ``auto`` decision from the PBX layout,
the file name's direction, both channels' text and recorded messages; the low-confidence flag;
the company vocabulary on the ASR side (hotwords) and the scoring side (known names)."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ConfigError
from core.types import Audio, CallMeta, Segment
from transcribe import TranscribeOptions
from transcribe.base import _DEFAULT_LINES, vocabulary_terms
from transcribe.engine import WhisperTranscriber, call_vocabulary, hotwords
from transcribe.roles import ROLES_UNCERTAIN, decide_manager_channel, layout_prior

MANAGER = [t for who, t in _DEFAULT_LINES if who == "manager"]
CLIENT = [t for who, t in _DEFAULT_LINES if who == "client"]
IVR = ["Здравствуйте, вы позвонили в компанию Окна Комфорт. Ваш звонок очень важен для нас.",
       "Все операторы заняты, оставайтесь на линии."]
TRUE_LAYOUTS = ("caller_left", "manager_left", "manager_right")


def manager_left(layout: str, direction: str) -> bool:
    """Where the PBX puts the manager: caller_left = the leg that started the call is left."""
    return {"manager_left": True, "manager_right": False}.get(layout, direction == "out")


def channels(left_is_manager: bool, manager=MANAGER, client=CLIENT):
    return [manager, client] if left_is_manager else [client, manager]


@pytest.mark.parametrize("layout", TRUE_LAYOUTS)
@pytest.mark.parametrize("direction", ["in", "out"])
@pytest.mark.parametrize("configured", ["right", "auto"])
def test_roles_right_in_every_layout_and_direction(layout, direction, configured):
    """Configured right, or left on auto: the manager's channel is found, confidently."""
    left = manager_left(layout, direction)
    d = decide_manager_channel(channels(left), direction=direction,
                               layout=layout if configured == "right" else "auto")
    assert d.manager_channel == (0 if left else 1), d.reason
    assert not d.uncertain, d.reason


@pytest.mark.parametrize("direction", ["in", "out"])
def test_caller_left_prior_follows_the_direction(direction):
    llr, why = layout_prior("caller_left", direction)
    assert (llr > 0) == (direction == "out") and "caller_left" in why
    assert layout_prior("caller_left", None)[0] == 0.0  # direction unknown: no prior
    assert layout_prior("auto", direction)[0] == 0.0
    assert 0 < abs(layout_prior("auto", direction, "asterisk")[0]) < abs(llr)  # a weak hint


@pytest.mark.parametrize("layout", ["caller_left", "auto"])
def test_a_company_ivr_is_not_taken_for_the_manager(layout):
    """Inbound call: the company channel holds the IVR then the manager; the caller is left.
    The IVR turns never count as manager speech; they mark the company's side."""
    d = decide_manager_channel([CLIENT, IVR + MANAGER], direction="in", layout=layout)
    assert d.manager_channel == 1 and "ivr@1" in d.reason


def test_ivr_words_on_the_client_channel_do_not_pull_the_manager_there():
    """A caller's channel that carries the IVR prompts (bleed) and the caller's own words: the
    recorded turns are left out of the text evidence, so the live manager still wins."""
    with_ivr = decide_manager_channel([IVR * 3 + CLIENT, MANAGER], direction="in")
    assert with_ivr.manager_channel == 1


def test_ivr_only_call_puts_the_company_side_on_the_ivr_channel():
    d = decide_manager_channel([IVR, ["Алло? Алло, ничего не слышно."]], direction="in")
    assert d.manager_channel == 0


def test_voicemail_marks_the_called_party_on_an_outbound_call():
    d = decide_manager_channel([["Алло, здравствуйте."], ["Абонент не отвечает или временно недоступен."]],
                               direction="out")
    assert d.manager_channel == 0


ROBOT = ["Здравствуйте! Это служба доставки Суши Мастер. Пожалуйста, оцените качество обслуживания "
         "от одного до пяти. Назовите цифру или нажмите её на телефоне.",
         "Спасибо за ваш ответ! До свидания."]


@pytest.mark.parametrize("direction", ["out", None])
def test_a_robot_call_puts_the_company_side_on_the_robot_channel(direction):
    """Our robot survey calls a client (or the direction is unknown): the robot's channel is
    the company's, though its words are left out of the text evidence."""
    d = decide_manager_channel([ROBOT, ["Алло? Алло, кто это?"]], direction=direction)
    assert d.manager_channel == 0 and "robocall@0" in d.reason, d.reason
    d = decide_manager_channel([["Алло? Алло, кто это?"], ROBOT], direction=direction)
    assert d.manager_channel == 1, d.reason


def test_an_inbound_robot_call_is_the_client_side():
    """A robot that called the company is the outside party: the manager is the other channel."""
    d = decide_manager_channel([ROBOT, ["Алло, компания Окна Комфорт, слушаю."]], direction="in")
    assert d.manager_channel == 1, d.reason


def test_weak_evidence_is_flagged_uncertain():
    d = decide_manager_channel([["Да."], ["Алло?"]])
    assert d.uncertain and 0.5 <= d.confidence < 0.9


def test_a_configured_layout_wins_over_weak_contrary_text():
    d = decide_manager_channel([["Да, слушаю."], ["Здравствуйте."]], layout="manager_right")
    assert d.manager_channel == 1 and not d.uncertain


def test_text_that_overrides_a_configured_layout_is_flagged():
    """A strong contrary text may win over the layout (a transfer, a wrong setting), but a
    person should look."""
    lots_manager = MANAGER * 3
    d = decide_manager_channel([CLIENT * 3, lots_manager], layout="manager_left", direction="in")
    if d.manager_channel == 1:
        assert d.uncertain and "overrode" in d.reason
    else:
        assert d.prior_llr > 0


# --- through the engine ---------------------------------------------------------------------

class _Word:
    def __init__(self, start, end, word):
        self.start, self.end, self.word = start, end, word


class _Seg:
    def __init__(self, start, end, text):
        self.start, self.end, self.text = start, end, text
        self.avg_logprob, self.no_speech_prob, self.compression_ratio = -0.2, 0.01, 1.2
        n = max(1, len(text.split()))
        step = (end - start) / n
        self.words = [_Word(start + i * step, start + (i + 1) * step, " " + w) for i, w in enumerate(text.split())]


class _TextPerChannel:
    """Stands in for the batched Whisper pipeline: channel audio tagged by its amplitude says
    which channel is decoded; every window gets that channel's text. Records the kwargs."""

    def __init__(self, texts_by_amp: dict[float, str]):
        self.texts_by_amp, self.kwargs = texts_by_amp, []

    def transcribe(self, samples, clip_timestamps=(), **kw):
        self.kwargs.append(kw)
        amp = round(float(np.max(np.abs(samples))), 1)
        text = self.texts_by_amp[amp]
        return iter([_Seg(w["start"], w["end"], text) for w in clip_timestamps]), None


def _stereo(sr=16000, seconds=6.0):
    rng = np.random.default_rng(1)
    chans = []
    for amp, start in ((0.3, 0.5), (0.6, 3.0)):
        x = np.zeros(int(seconds * sr), np.float32)
        a, b = int(start * sr), int((start + 2.0) * sr)
        x[a:b] = np.clip(rng.normal(0, amp / 3, b - a), -amp, amp)
        x[a] = amp
        chans.append(x)
    return Audio(chans, sr, seconds, 2, true_stereo=True)


def _engine(tmp_path, left_text, right_text, **opts):
    fake = _TextPerChannel({0.3: left_text, 0.6: right_text})
    return WhisperTranscriber(TranscribeOptions(batch_size=1, **opts), home=tmp_path, model=fake, batched=fake), fake


@pytest.mark.parametrize("direction,manager_ch", [("in", 1), ("out", 0)])
def test_engine_uses_the_layout_and_the_file_names_direction(tmp_path, direction, manager_ch):
    """Asterisk MixMonitor (caller_left): the caller is left, so an inbound call's manager is
    right and an outbound call's manager is left — with short, uninformative words."""
    t, _ = _engine(tmp_path, "Да, алло.", "Да, слушаю.", stereo_layout="caller_left")
    tr = t.transcribe(_stereo(), CallMeta(direction=direction, template="asterisk"))
    roles = {s.channel: s.speaker for s in tr.segments}
    assert roles[manager_ch] == "manager" and roles[1 - manager_ch] == "client"
    assert ROLES_UNCERTAIN not in tr.flags


def test_engine_flags_roles_uncertain_without_evidence(tmp_path):
    t, _ = _engine(tmp_path, "Да.", "Алло?")
    tr = t.transcribe(_stereo())  # auto, no layout, no direction, nothing said
    assert ROLES_UNCERTAIN in tr.flags


def test_engine_text_decides_on_auto(tmp_path):
    t, _ = _engine(tmp_path, " ".join(CLIENT), " ".join(MANAGER))
    tr = t.transcribe(_stereo(), CallMeta(direction="out"))
    assert {s.channel: s.speaker for s in tr.segments} == {0: "client", 1: "manager"}


def test_fixed_manager_channel_is_kept(tmp_path):
    t, _ = _engine(tmp_path, " ".join(CLIENT), " ".join(MANAGER), manager_channel="left")
    tr = t.transcribe(_stereo())
    assert {s.channel: s.speaker for s in tr.segments} == {0: "manager", 1: "client"}
    assert ROLES_UNCERTAIN not in tr.flags


# --- company vocabulary ---------------------------------------------------------------------

def test_vocabulary_goes_to_whisper_as_hotwords(tmp_path):
    t, fake = _engine(tmp_path, "Да.", "Алло?", vocabulary=("Окна Комфорт", "Rehau"))
    t.transcribe(_stereo())
    assert fake.kwargs and all(k["hotwords"] == "Окна Комфорт, Rehau" for k in fake.kwargs)
    assert all(k["temperature"] == 0.0 for k in fake.kwargs)  # still deterministic
    t, fake = _engine(tmp_path, "Да.", "Алло?")
    t.transcribe(_stereo())
    assert all(k["hotwords"] is None for k in fake.kwargs)


@pytest.mark.parametrize("layout, direction, prompted", [
    ("manager_right", None, [None, "Окна Комфорт"]),  # the client's channel decoded first, no prompt
    ("caller_left", "in", [None, "Окна Комфорт"]),  # inbound: the caller left, the manager right
    ("caller_left", "out", ["Окна Комфорт", None]),
    ("auto", "in", ["Окна Комфорт", "Окна Комфорт"]),  # not known before the text: both channels
])
def test_vocabulary_on_the_managers_channel_only_when_the_layout_tells_it(tmp_path, layout, direction, prompted):
    t, fake = _engine(tmp_path, "Да.", "Алло?", vocabulary=("Окна Комфорт",), stereo_layout=layout,
                      vocabulary_channel="manager")
    t.transcribe(_stereo(), CallMeta(direction=direction))
    assert [k["hotwords"] for k in fake.kwargs] == prompted
    with pytest.raises(ConfigError, match="vocabulary_channel"):
        TranscribeOptions(vocabulary_channel="client").check()


def test_the_managers_name_joins_the_call_vocabulary(tmp_path):
    """The call's manager (CRM, file name or the managers list) corrects slips like a vocabulary
    term: names are what Whisper base mishears most («Максим» → «макцем»)."""
    t, fake = _engine(tmp_path, "Ольга, это макцем, фитнес-клуб.", "Алло?", vocabulary=("Окна Комфорт",))
    tr = t.transcribe(_stereo(), CallMeta(manager_name="Максим Петров"))
    # the prompt stays the company's words; the name corrects the slip after decoding
    assert fake.kwargs and all(k["hotwords"] == "Окна Комфорт" for k in fake.kwargs)
    assert "это Максим, фитнес-клуб" in " ".join(s.text for s in tr.segments)
    assert call_vocabulary((), CallMeta(manager_name="иванова ирина")) == ("Иванова", "Ирина")
    assert call_vocabulary(("Rehau",), CallMeta()) == ("Rehau",)  # no name known: the company's words
    t, fake = _engine(tmp_path, "Ольга, это макцем, фитнес-клуб.", "Алло?")
    tr = t.transcribe(_stereo())
    assert all(k["hotwords"] is None for k in fake.kwargs)
    assert "макцем" in " ".join(s.text for s in tr.segments)


def test_hotwords_are_cut_at_whole_terms():
    words = tuple(f"Бренд{i}" for i in range(200))
    text = hotwords(words)
    assert len(text) <= 400 and text.endswith(words[text.count(",")])


def test_vocabulary_setting_is_read_and_checked():
    assert vocabulary_terms(["Окна Комфорт", " Rehau ", "", "Rehau"]) == ("Окна Комфорт", "Rehau")
    assert vocabulary_terms("Окна Комфорт, Rehau") == ("Окна Комфорт", "Rehau")  # env CALLQA_ASR_VOCABULARY
    with pytest.raises(ConfigError, match="asr.vocabulary"):
        vocabulary_terms(42)


def test_config_defaults_and_checks():
    from core.config import load_config

    cfg = load_config(overrides={"asr.vocabulary": ["Окна Комфорт"]})
    o = TranscribeOptions.from_config(cfg)
    assert (o.manager_channel, o.stereo_layout, o.vocabulary) == ("auto", "auto", ("Окна Комфорт",))
    with pytest.raises(ConfigError, match="stereo_layout"):
        TranscribeOptions.from_config(load_config(overrides={"asr.stereo_layout": "left_caller"}))


def test_vocabulary_names_are_organisations_for_scoring():
    from scoring.detectors import organisation
    from scoring.matcher import SegmentWords
    from scoring.scorer import known_names
    from scoring.text import lemmatize

    text = "добрый день окна комфорт меня зовут анна"  # phone ASR: no capitals, no quotes
    sw = SegmentWords.of(Segment(0, "manager", 0.0, 3.0, text, lemmas=lemmatize(text)))
    assert organisation(sw) == ""
    names = known_names(["Окна Комфорт", "скидка"])
    assert len(names) == 1  # lower-case terms only help the recogniser
    assert organisation(sw, names) == " ".join(names[0])


def test_the_fitted_seed_model_is_kept_in_the_home_and_loaded_next_time(tmp_path):
    """The seed model is fitted once and kept as <home>/models/roles-seed-<hash>.joblib; the
    next process loads it (here: the cache file is what a fresh lookup returns), and a broken
    file is fitted again instead of failing."""
    from transcribe import roles

    first = roles.role_classifier(tmp_path)
    cached = roles.seed_cache_path(tmp_path)
    assert cached.exists() and cached.name.startswith("roles-seed-")
    roles._load_saved.cache_clear()
    again = roles.role_classifier(tmp_path)
    assert again is not first  # loaded from the file, not the in-process fit
    assert list(again.predict(["Добрый день, компания Окна Комфорт, меня зовут Анна."])) == \
        list(first.predict(["Добрый день, компания Окна Комфорт, меня зовут Анна."]))
    cached.write_bytes(b"not a model")
    roles._load_saved.cache_clear()
    assert roles.role_classifier(tmp_path) is roles.seed_classifier()


# --- which layout the PBX writes, from the calls already processed --------------------------

def _calls(n_in_right=0, n_in_left=0, n_out_left=0, n_out_right=0, unsure=0):
    return ([("in", 1, False, False)] * n_in_right + [("in", 0, False, False)] * n_in_left
            + [("out", 0, False, False)] * n_out_left + [("out", 1, False, False)] * n_out_right
            + [("in", 0, True, False)] * unsure)


@pytest.mark.parametrize("calls, layout", [
    (_calls(n_in_right=12, n_out_left=15, unsure=30), "caller_left"),  # unsure calls do not count
    (_calls(n_in_left=12, n_out_left=15), "manager_left"),
    (_calls(n_in_right=12, n_out_right=11), "manager_right"),
    (_calls(n_in_right=12, n_out_left=5), None),  # too few outbound calls to tell caller_left apart
    (_calls(n_out_left=30), None),  # outbound only: manager_left and caller_left look the same
    (_calls(n_in_right=10, n_in_left=5, n_out_left=20), None),  # mixed
    (_calls(n_in_left=12, n_out_right=12), None),  # fits no layout
    ([], None),
])
def test_suggest_layout_from_sure_calls(calls, layout):
    from transcribe.roles import suggest_layout

    s = suggest_layout(calls)
    assert s.layout == layout, s.why
    assert s.why


def test_roles_a_person_swapped_count_even_when_flagged():
    from transcribe.roles import suggest_layout

    s = suggest_layout([("in", 1, True, True)] * 10 + [("out", 0, False, False)] * 10)
    assert s.layout == "caller_left" and s.sides == {"in": (0, 10), "out": (10, 0)}
