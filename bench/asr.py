"""ASR benchmark on the demo calls: callqa's transcription vs bare faster-whisper, same run.

Prints, for each mode, RTF (processing time / audio time), WER against the reference turns
(data/demo/audio_turns.json), the overhead ratio of callqa over bare ``WhisperModel.transcribe``
with the same settings, and peak RSS. Targets (2 cores): overhead ≤ 1.05, RTF ≤ 0.10
sequential and ≤ 0.08 batched, peak RSS ≤ 1.5 GB.

    .venv/bin/python bench/asr.py [--calls 4] [--all]
    .venv/bin/python bench/asr.py --unseen [--calls 7] [--split dev]

``--unseen``: the same measurements on calls no ASR setting was tuned on — evaluation-corpus
calls rendered by tools/eval/render_audio.py (festival, two voices, telephone band, 8 kHz
stereo WAV; odd calls manager LEFT, even ones manager RIGHT; DEV split by default, so the test
split stays unseen; rendered once into ~/.cache/callqa-bench/eval-audio/, then reused). It prints

* WER per side (manager / client): each channel's words against that side's reference turns
  (the channel is the side's by the rendered layout, so a role mistake is counted by the role
  accuracy below, not twice);
* key-term recall, without and with ``asr.vocabulary``: occurrences of the terms in a side's
  reference found in the same side's transcript (word-stem prefixes after ``normalise``), by
  kind — ``price`` (рубл-, тысяч-, процент-, стоимост-, цена/цену/…, стоит, бюджет-, прайс-),
  ``deal`` (competitor and discount words: конкурент-, дешевл-, дороже/дорого, скидк-, акция/…,
  рассрочк-), ``brand`` (the company/brand names written in «» in the reference: the call's
  company, competitors, shops) and ``name`` (other capitalised words inside a sentence: people,
  streets, places); a name of several words counts when all its words follow each other;
* the vocabulary is built per call, as that company's ``asr.vocabulary`` would be: the call's
  «brand» names as written plus the fixed price/deal words of ``UNSEEN_DEAL_WORDS``;
* roles: the manager channel callqa decided (``manager_channel = auto``, ``stereo_layout =
  auto``, no direction: text alone) against the rendered layout, per call; and what the same
  decision gives with the layout configured (``manager_left`` / ``manager_right``);
* the manager's name as the managers list would give it (``roster_name``: the name the manager
  introduces themself with in the reference), then also the layout configured
  (``stereo_layout``): the configuration of a real install, where the name and the company's
  words are prompted on the manager's channel only;
* determinism: the default (batched, with vocabulary) run twice on the same files, identical
  segments (speaker, channel, start, end, text) per call; also sequential vs batched words;
* RTF of each mode, callqa / bare faster-whisper with the same settings (interleaved, the
  fastest of ``--repeat``), and peak RSS.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ingest  # noqa: E402
from core.types import CallMeta  # noqa: E402
from transcribe import TranscribeOptions  # noqa: E402
from transcribe.engine import WhisperTranscriber, usable_cores  # noqa: E402
from transcribe.model import resolve_model  # noqa: E402

AUDIO = ROOT / "data" / "demo" / "audio"
TURNS = json.loads((AUDIO.parent / "audio_turns.json").read_text(encoding="utf-8"))


def normalise(text: str) -> list[str]:
    from num2words import num2words

    text = text.lower().replace("ё", "е").replace("%", " процентов")
    text = re.sub(r"\d+", lambda m: " " + num2words(int(m.group(0)), lang="ru") + " ", text)
    return re.findall(r"[а-яa-z]+", text)


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)


def reference(name: str, speaker: str) -> list[str]:
    return normalise(" ".join(t[3] for t in TURNS[name] if t[0] == speaker))


def score(results: dict[str, dict[str, str]]) -> float:
    errors = words = 0
    for name, by_role in results.items():
        for role in ("manager", "client"):
            e, n = wer(reference(name, role), normalise(by_role.get(role, "")))
            errors, words = errors + e, words + n
    return errors / max(words, 1)


BEAM = TranscribeOptions().beam_size  # bare Whisper decodes with callqa's default beam
LOOPS_DROPPED: list[str] = []  # "mode: call" for transcripts flagged asr_loop_dropped


def run_callqa(audios, opts: TranscribeOptions, home: Path) -> tuple[float, dict]:
    t = WhisperTranscriber(opts, home=home)
    t._whisper()  # load outside the timing, as bare does
    out, t0 = {}, time.perf_counter()
    for name, audio in audios:
        tr = t.transcribe(audio)
        out[name] = {r: " ".join(s.text for s in tr.segments if s.speaker == r) for r in ("manager", "client")}
        if "asr_loop_dropped" in tr.flags:
            LOOPS_DROPPED.append(f"{opts.segmentation}/batch {opts.batch_size}: {name}")
    return time.perf_counter() - t0, out


def run_bare(audios, home: Path, threshold: float) -> tuple[float, dict]:
    from faster_whisper import WhisperModel

    model = WhisperModel(resolve_model("base", home), device="cpu", compute_type="int8", cpu_threads=usable_cores())
    out, t0 = {}, time.perf_counter()
    for name, audio in audios:
        texts = {}
        for role, samples in zip(("manager", "client"), audio.channels, strict=False):
            segs, _ = model.transcribe(samples, language="ru", vad_filter=True, beam_size=BEAM,
                                       vad_parameters={"threshold": threshold, "min_silence_duration_ms": 500},
                                       condition_on_previous_text=False)
            texts[role] = " ".join(s.text.strip() for s in segs)
        out[name] = texts
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=None, help="demo: 4; --unseen: 7")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="interleaved runs of bare vs same-settings callqa")
    ap.add_argument("--unseen", action="store_true", help="rendered evaluation-corpus calls (see the doc)")
    ap.add_argument("--split", default="dev", choices=("dev", "test"), help="--unseen: the corpus split")
    args = ap.parse_args()
    if args.unseen:
        main_unseen(args)
        return
    args.calls = 4 if args.calls is None else args.calls
    files = sorted(AUDIO.glob("*.mp3"))
    files = files if args.all else files[: args.calls]
    audios = [(f.name, ingest.decode(f)) for f in files]
    audio_s = sum(a.duration_s for _, a in audios)
    home = Path(tempfile.mkdtemp(prefix="callqa-asr-"))
    atexit.register(shutil.rmtree, home, True)  # a bench leaves no store behind
    print(f"{len(audios)} demo calls, {audio_s / 60:.1f} min of stereo audio, {usable_cores()} cores, load average {os.getloadavg()[0]:.1f} at start")
    rows = []
    # bare vs callqa with the same settings, interleaved and repeated (the fastest of each
    # counts): one pass each swung the overhead ratio between 0.75 and 1.28 on a shared machine
    bare_times, same_times = [], []
    for _ in range(max(1, args.repeat)):
        bare_s, bare_out = run_bare(audios, home, 0.3)
        same_s, same_out = run_callqa(audios, TranscribeOptions(segmentation="vad", batch_size=1), home)
        bare_times.append(bare_s)
        same_times.append(same_s)
    bare_s, same_s = min(bare_times), min(same_times)
    rows.append(("bare WhisperModel.transcribe, VAD 0.3 per channel", bare_s, score(bare_out)))
    rows.append(("callqa, same settings (VAD 0.3, sequential)", same_s, score(same_out)))
    seq_s, seq_out = run_callqa(audios, TranscribeOptions(segmentation="turns", batch_size=1), home)
    rows.append(("callqa, energy turns, one window per pass", seq_s, score(seq_out)))
    bat_s, bat_out = run_callqa(audios, TranscribeOptions(segmentation="turns", batch_size=8), home)
    rows.append(("callqa default: energy turns, batched ×8, beam 1", bat_s, score(bat_out)))
    clip_s, clip_out = run_callqa(audios, TranscribeOptions(segmentation="clips", batch_size=8), home)
    rows.append(("callqa: one clip per turn, batched ×8", clip_s, score(clip_out)))
    print(f"\n{'mode':<55} {'RTF':>6} {'WER':>6}")
    for name, secs, w in rows:
        print(f"{name:<55} {secs / audio_s:>6.3f} {w:>6.3f}")
    print(f"\noverhead ratio callqa / bare (same settings): {same_s / bare_s:.3f}  (target ≤ 1.05)")
    print(f"RTF sequential (turns): {seq_s / audio_s:.3f} (target ≤ 0.10); batched: {bat_s / audio_s:.3f} (target ≤ 0.08)")
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak RSS: {rss_gb:.2f} GB (target ≤ 1.5 GB)")
    print(f"transcripts with a repetition loop dropped: {len(LOOPS_DROPPED)}", *LOOPS_DROPPED, sep="\n  ")


# --- the unseen set: rendered evaluation-corpus calls ------------------------------------------

PRICE_RE = re.compile(r"рубл\w*|тысяч\w*|процент\w*|стоимост\w*|цен(а|у|ы|е|ой|ам|ах|ами)?|стоит|стоят"
                      r"|бюджет\w*|прайс\w*")
DEAL_RE = re.compile(r"конкурент\w*|дешевл\w*|дороже|дорого|скидк\w*|акци(я|и|ю|ей|ях|ям)|рассрочк\w*")
UNSEEN_DEAL_WORDS = ("цена", "стоимость", "рублей", "тысяч", "процентов", "скидка", "акция",
                     "рассрочка", "конкуренты", "дешевле", "дороже")
TERM_KINDS = ("price", "amount", "deal", "brand", "name")


def _number_words() -> frozenset[str]:
    from num2words import num2words

    return frozenset(w for n in range(1000) for w in num2words(n, lang="ru").split()) - {"ноль"}


NUMBER_WORDS = _number_words()


def _stem(word: str) -> str:
    return word if len(word) <= 4 else word[: max(4, len(word) - 2)]


def brand_names(text: str) -> list[str]:
    """Company/brand names written in «» (capitalised, at most 3 words), as written."""
    return [q.strip() for q in re.findall(r"«([^»]+)»", text)
            if q.strip()[:1].isupper() and len(q.split()) <= 3]


def other_names(text: str) -> list[str]:
    """Capitalised words inside a sentence (people, streets, places), not in «», not all-caps."""
    text = re.sub(r"«[^»]*»", " , ", text)
    out = []
    for sentence in re.split(r"[.!?…]+", text):
        words = re.findall(r"[А-ЯЁа-яё]+", sentence)
        out += [w for w in words[1:] if w[0].isupper() and not w.isupper() and len(w) >= 3]
    return out


def term_keys(text: str) -> dict[str, list[tuple[str, ...]]]:
    """The key terms of a side's reference text, by kind, as tuples of word stems."""
    words = normalise(text)
    return {"price": [(w,) for w in words if PRICE_RE.fullmatch(w)],
            "amount": [(w,) for w in words if w in NUMBER_WORDS],
            "deal": [(w,) for w in words if DEAL_RE.fullmatch(w)],
            "brand": [tuple(_stem(w) for w in normalise(n)) for n in brand_names(text)],
            "name": [(_stem(normalise(n)[0]),) for n in other_names(text)]}


def count_term(words: list[str], key: tuple[str, ...], exact: bool) -> int:
    n = len(key)
    if exact:  # price/deal words: the same word form
        return sum(words[i] == key[0] for i in range(len(words)))
    return sum(all(words[i + j].startswith(key[j]) for j in range(n)) for i in range(len(words) - n + 1))


def term_recall(ref_text: str, hyp_text: str) -> dict[str, tuple[int, int, list[str]]]:
    """Per kind: (found, total, missed) for one side of one call."""
    hyp = normalise(hyp_text)
    out = {}
    for kind, keys in term_keys(ref_text).items():
        exact = kind in ("price", "amount", "deal")
        found = total = 0
        missed = []
        for key in dict.fromkeys(keys):
            want, got = keys.count(key), count_term(hyp, key, exact)
            found, total = found + min(want, got), total + want
            missed += [" ".join(key)] * max(0, want - got)
        out[kind] = (found, total, missed)
    return out


def _unseen_bare(audios, home: Path, threshold: float) -> tuple[float, dict]:
    """Bare faster-whisper per channel; {name: [channel 0 text, channel 1 text]}."""
    from faster_whisper import WhisperModel

    model = WhisperModel(resolve_model("base", home), device="cpu", compute_type="int8", cpu_threads=usable_cores())
    out, t0 = {}, time.perf_counter()
    for name, audio in audios:
        texts = []
        for samples in audio.channels[:2]:
            segs, _ = model.transcribe(samples, language="ru", vad_filter=True, beam_size=BEAM,
                                       vad_parameters={"threshold": threshold, "min_silence_duration_ms": 500},
                                       condition_on_previous_text=False)
            texts.append(" ".join(s.text.strip() for s in segs))
        out[name] = texts
    return time.perf_counter() - t0, out


def _unseen_callqa(audios, options, home: Path, shared, meta=None) -> tuple[float, dict]:
    """callqa over every call, the options per call (``options(name)``), the call's metadata
    (``meta(name)``, default none); {name: Transcript}. One loaded model is shared by every
    pass (the load is outside the timing)."""
    out, t0 = {}, time.perf_counter()
    for name, audio in audios:
        t = WhisperTranscriber(options(name), home=home, model=shared[0], batched=shared[1])
        out[name] = t.transcribe(audio, meta(name) if meta else None)
        if "asr_loop_dropped" in out[name].flags:
            LOOPS_DROPPED.append(f"{options(name).segmentation}/batch {options(name).batch_size}: {name}")
    return time.perf_counter() - t0, out


_NAME_CUE_RE = re.compile(r"(?i:меня зовут|зовут|это|с вами|менеджер|администратор|мастер)\s+([А-ЯЁ][а-яё]+)")


def roster_name(manager_text: str) -> str | None:
    """The manager's first name as a managers list would give it for the call's extension: the
    first common first name the manager introduces themself with in the reference («это Максим»)."""
    from scoring.detectors import _common_names

    return next((m.group(1) for m in _NAME_CUE_RE.finditer(manager_text)
                 if m.group(1).lower().replace("ё", "е") in _common_names()), None)


def _channel_texts(tr) -> list[str]:
    return [" ".join(s.text for s in tr.segments if s.channel == ch) for ch in (0, 1)]


def _side_texts(turns, meta, name: str, channel_texts: list[str]) -> dict[str, tuple[str, str]]:
    """{side: (reference text, hypothesis text)}: a side's words are those of its channel."""
    m = meta[name]["manager_channel"]
    return {side: (" ".join(t[3] for t in turns[name] if t[0] == side), channel_texts[m if side == "manager" else 1 - m])
            for side in ("manager", "client")}


def unseen_wer(turns, meta, out: dict) -> dict[str, float]:
    tot = {"manager": [0, 0], "client": [0, 0]}
    for name, texts in out.items():
        for side, (ref, hyp) in _side_texts(turns, meta, name, texts).items():
            e, n = wer(normalise(ref), normalise(hyp))
            tot[side][0] += e
            tot[side][1] += n
    both = [sum(v[0] for v in tot.values()), sum(v[1] for v in tot.values())]
    return {side: e / max(n, 1) for side, (e, n) in {**tot, "both": both}.items()}


def unseen_terms(turns, meta, out: dict):
    found = {k: [0, 0] for k in TERM_KINDS}
    missed: list[str] = []
    for name, texts in out.items():
        for ref, hyp in _side_texts(turns, meta, name, texts).values():
            for kind, (f, n, miss) in term_recall(ref, hyp).items():
                found[kind][0] += f
                found[kind][1] += n
                missed += miss
    return found, missed


def _fmt_recall(found) -> str:
    f, n = sum(v[0] for v in found.values()), sum(v[1] for v in found.values())
    parts = [f"{k} {v[0]}/{v[1]}" for k, v in found.items()]
    return f"{f}/{n} = {f / max(n, 1):.3f}  ({', '.join(parts)})"


def _roles(meta, out: dict, home: Path) -> tuple[int, int, int]:
    """(auto roles right, flagged uncertain, right with the layout configured) over the calls."""
    from transcribe.roles import decide_manager_channel, role_classifier

    auto = flagged = layout = 0
    for name, tr in out.items():
        truth = meta[name]["manager_channel"]
        manager_ch = {s.channel for s in tr.segments if s.speaker == "manager"}
        auto += manager_ch == {truth}
        flagged += "roles_uncertain" in tr.flags
        texts = [[s.text for s in tr.segments if s.channel == ch] for ch in (0, 1)]
        d = decide_manager_channel(texts, layout="manager_left" if truth == 0 else "manager_right",
                                   model=role_classifier(home))
        layout += d.manager_channel == truth
    return auto, flagged, layout


def _segments(tr) -> list[tuple]:
    return [(s.speaker, s.channel, s.start_s, s.end_s, s.text) for s in tr.segments]


def main_unseen(args) -> None:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    sys.path.insert(0, str(ROOT / "tools" / "eval"))
    from render_audio import render

    n_calls = 7 if args.calls is None else args.calls
    print(f"unseen set: {n_calls} {args.split}-split evaluation calls (tools/eval/render_audio.py)")
    folder, turns, meta = render(args.split, n_calls, log=print)
    audios = [(name, ingest.decode(folder / name)) for name in meta]
    audio_s = sum(a.duration_s for _, a in audios)
    vocab = {name: tuple(dict.fromkeys(brand_names(" ".join(t[3] for t in turns[name])))) + UNSEEN_DEAL_WORDS
             for name in meta}
    home = Path(tempfile.mkdtemp(prefix="callqa-asr-"))
    atexit.register(shutil.rmtree, home, True)  # a bench leaves no store behind
    layouts = " ".join(f"{m['call_id']}:{'L' if m['manager_channel'] == 0 else 'R'}" for m in meta.values())
    print(f"{len(audios)} calls, {audio_s / 60:.1f} min of 8 kHz stereo audio, {usable_cores()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start; manager channel {layouts}")
    print("vocabulary per call (brand names from the references + price/deal words):")
    for name in meta:
        print(f"  {meta[name]['call_id']}: {', '.join(vocab[name][: -len(UNSEEN_DEAL_WORDS)]) or '—'}")
    print(f"  every call: {', '.join(UNSEEN_DEAL_WORDS)}")

    model = WhisperModel(resolve_model("base", home), device="cpu", compute_type="int8", cpu_threads=usable_cores())
    shared = (model, BatchedInferencePipeline(model))

    def plain(**kw):
        opts = TranscribeOptions(**kw)
        return lambda name: opts

    def with_vocab(name):
        return TranscribeOptions(vocabulary=vocab[name])

    def with_layout(name):  # the PBX layout configured (asr.stereo_layout), as a real install would
        side = "manager_left" if meta[name]["manager_channel"] == 0 else "manager_right"
        return TranscribeOptions(vocabulary=vocab[name], stereo_layout=side)

    roster = {name: roster_name(" ".join(t[3] for t in turns[name] if t[0] == "manager")) for name in meta}

    def with_name(name):  # what the managers list gives the call's extension
        return CallMeta(manager_name=roster[name])

    bare_times, same_times = [], []
    for _ in range(max(1, args.repeat)):
        bare_s, bare_out = _unseen_bare(audios, home, 0.3)
        same_s, same_tr = _unseen_callqa(audios, plain(segmentation="vad", batch_size=1), home, shared)
        bare_times.append(bare_s)
        same_times.append(same_s)
    bare_s, same_s = min(bare_times), min(same_times)
    seq_s, seq_tr = _unseen_callqa(audios, plain(segmentation="turns", batch_size=1), home, shared)
    bat_s, bat_tr = _unseen_callqa(audios, plain(), home, shared)
    voc_s, voc_tr = _unseen_callqa(audios, with_vocab, home, shared)
    again_s, again_tr = _unseen_callqa(audios, with_vocab, home, shared)
    name_s, name_tr = _unseen_callqa(audios, with_vocab, home, shared, with_name)
    lay_s, lay_tr = _unseen_callqa(audios, with_layout, home, shared, with_name)

    rows = [("bare WhisperModel.transcribe, VAD 0.3 per channel", bare_s, bare_out),
            ("callqa, same settings (VAD 0.3, sequential)", same_s, {n: _channel_texts(t) for n, t in same_tr.items()}),
            ("callqa, energy turns, sequential", seq_s, {n: _channel_texts(t) for n, t in seq_tr.items()}),
            ("callqa default: energy turns, batched ×8", bat_s, {n: _channel_texts(t) for n, t in bat_tr.items()}),
            ("callqa default + vocabulary", voc_s, {n: _channel_texts(t) for n, t in voc_tr.items()}),
            ("callqa default + vocabulary, again", again_s, {n: _channel_texts(t) for n, t in again_tr.items()}),
            ("  + the manager's name (managers list)", name_s, {n: _channel_texts(t) for n, t in name_tr.items()}),
            ("  + stereo_layout set (vocabulary on the manager side)", lay_s,
             {n: _channel_texts(t) for n, t in lay_tr.items()})]
    print(f"\n{'mode':<52} {'RTF':>6} {'WER mgr':>8} {'WER cli':>8} {'WER':>6}  key-term recall")
    for label, secs, texts in rows:
        w = unseen_wer(turns, meta, texts)
        found, _ = unseen_terms(turns, meta, texts)
        f, n = sum(v[0] for v in found.values()), sum(v[1] for v in found.values())
        print(f"{label:<52} {secs / audio_s:>6.3f} {w['manager']:>8.3f} {w['client']:>8.3f} {w['both']:>6.3f}"
              f"  {f / max(n, 1):.3f}")
    print("\nkey-term recall (target ≥ 0.85 with the vocabulary):")
    for label, out in (("without vocabulary", bat_tr), ("with vocabulary", voc_tr),
                       ("+ name + layout", lay_tr)):
        found, missed = unseen_terms(turns, meta, {n: _channel_texts(t) for n, t in out.items()})
        print(f"  {label:<19} {_fmt_recall(found)}")
        print(f"  {'':<19} missed: {', '.join(missed) or 'none'}")
    print("\nroles (target ≥ 98 % of calls right):")
    for label, out in (("default", bat_tr), ("with vocabulary", voc_tr)):
        auto, flagged, layout = _roles(meta, out, home)
        print(f"  {label:<16} auto (text only): {auto}/{len(out)} right, {flagged} flagged roles_uncertain; "
              f"with stereo_layout set: {layout}/{len(out)}")
    same = sum(_segments(voc_tr[n]) == _segments(again_tr[n]) for n in meta)
    words = sum(_channel_texts(seq_tr[n]) == _channel_texts(bat_tr[n]) for n in meta)
    print(f"\ndeterminism: the same file twice → identical segments in {same}/{len(meta)} calls "
          f"({100 * same / max(len(meta), 1):.0f} %, target 100 %); sequential vs batched ×8 same words "
          f"in {words}/{len(meta)} calls")
    print(f"RTF sequential (turns): {seq_s / audio_s:.3f} (target ≤ 0.10); batched: {bat_s / audio_s:.3f}, "
          f"with vocabulary {min(voc_s, again_s) / audio_s:.3f} (target ≤ 0.08); bare: {bare_s / audio_s:.3f}")
    print(f"callqa / bare faster-whisper, same settings: {same_s / bare_s:.3f} (target ≤ 1.05); "
          f"default batched / bare: {bat_s / bare_s:.3f}  (bare runs {', '.join(f'{t:.0f}' for t in bare_times)} s, "
          f"same-settings {', '.join(f'{t:.0f}' for t in same_times)} s)")
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak RSS: {rss_gb:.2f} GB (target ≤ 1.5 GB); load average at the end {os.getloadavg()[0]:.1f}")
    print(f"transcripts with a repetition loop dropped: {len(LOOPS_DROPPED)}", *LOOPS_DROPPED, sep="\n  ")


if __name__ == "__main__":
    main()
