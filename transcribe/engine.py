"""WhisperTranscriber: local faster-whisper, telephone-safe, with speaker roles.

Stereo calls: each channel is split into turns by energy (a PBX channel is mostly silence while
the other side talks). The turns are packed, with 0.5 s gaps, into windows of at most 28 s, one
Whisper pass per window (batched with ``BatchedInferencePipeline`` and ``clip_timestamps``), and
every word goes back to its turn by its timestamp; the channels are merged by time. Measured on
4 demo calls: WER 0.20 (packed turns) vs 0.24 (one clip per turn, 4x slower) vs 0.33 (VAD 0.3
per channel). ``asr.segmentation = clips`` keeps the one-clip-per-turn mode.

Mono calls: Silero VAD at a telephone-safe threshold (its default 0.5 drops most 300–3400 Hz
speech), guarded by an energy estimate, then the text role classifier.

Deterministic: every path decodes at temperature 0 only (greedy or beam, no sampled fallback),
and windows always go through the same batched decoder, so the same audio and options give the
same segments, words and times whatever the batch size or the calls around it.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import ingest
from core.types import Audio, CallMeta, Segment, Transcript
from transcribe import vocabulary
from transcribe.base import TranscribeOptions
from transcribe.guard import guard
from transcribe.masking import mask_numbers
from transcribe.model import resolve_model

log = logging.getLogger(__name__)

SR = 16000
MAX_CLIP_S = 28.0  # Whisper sees 30 s windows; longer turns are cut into pieces
TURN_MIN_SILENCE_MS = 600
TURN_PAD_S = 0.2
VAD_KEEP_MIN_SHARE = 0.5  # VAD keeping less than half the energy-estimated speech is suspicious
# gzip compression ratio above which a segment is a repetition loop (Whisper's own fallback
# threshold): dropped, since no temperature fallback re-decodes it
LOOP_COMPRESSION_RATIO = 2.4
# a call is tagged with another language than asr.language when the speech-weighted probability
# of that language over the channels is at least this
LANGUAGE_SWITCH_PROB = 0.7


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    language: str
    probability: float
    all_probs: dict[str, float]
    weight: float  # how much of the call it was judged on (windows)


def call_language(per_channel: list[DetectedLanguage | None], configured: str | None) -> tuple[str, float | None]:
    """The call's language and its probability from the channels' detections, each weighted by
    how much of its speech was heard. The configured ``asr.language`` stays unless another language is at least
    ``LANGUAGE_SWITCH_PROB`` likely (an English call is tagged ``en``, so scoring treats it as
    not applicable); with no detection, the configured language and no probability."""
    found = [d for d in per_channel if d is not None]
    configured = configured if configured and configured != "auto" else ""
    if not found:
        return configured or "unknown", None
    total = sum(d.weight for d in found)

    def score(lang: str) -> float:
        return sum(d.weight * d.all_probs.get(lang, 0.0) for d in found) / total

    langs = sorted({lang for d in found for lang in d.all_probs})
    best = max(langs, key=lambda lang: (score(lang), lang == configured))
    if configured and best != configured and score(best) < LANGUAGE_SWITCH_PROB:
        best = configured
    return best, round(score(best), 3)


class WhisperTranscriber:
    """Whisper over telephone audio. ``model`` is a loaded ``faster_whisper.WhisperModel`` (or
    anything with its ``transcribe``); None loads ``options.model`` on first use. ``batched`` is
    the batched pipeline every window is decoded with; None builds one over ``model``. Speaker
    roles of mono calls (and ``manager_channel = auto``) come from the role model of ``home``."""

    _loops_dropped = 0  # repetition loops dropped in the call being transcribed
    _tap_channel = 0  # the channel whose windows are being decoded (language votes)
    _meta = CallMeta()  # the call being transcribed (direction, file-name template)

    def __init__(self, options: TranscribeOptions, home: Path, model=None, batched=None):
        self.options = options
        self.home = Path(home)
        self.name = f"whisper-{Path(options.model).name}"
        self._model = model
        self._batched = batched

    # --- model ---------------------------------------------------------------------------

    def load(self) -> WhisperTranscriber:
        """Load the model now instead of on the first call (a Ray worker checks it at start)."""
        self._whisper()
        return self

    def _whisper(self):
        if self._model is None:
            from faster_whisper import WhisperModel

            path = resolve_model(self.options.model, self.home)
            self._model = WhisperModel(
                path, device=self.options.device, compute_type=self.options.compute_type,
                cpu_threads=self.options.cpu_threads or usable_cores(),
            )
        if self._batched is None:
            from faster_whisper import BatchedInferencePipeline

            self._batched = BatchedInferencePipeline(self._model)
        return self._model

    def _role_model(self):
        from transcribe.roles import role_classifier

        return role_classifier(self.home)

    # --- entry -------------------------------------------------------------------------

    def transcribe(self, audio: Audio, meta: CallMeta | None = None) -> Transcript:
        """``meta`` (what the file name / CRM says: direction, template) feeds the stereo role
        decision of ``manager_channel = auto``."""
        self._loops_dropped = 0
        self._meta = meta or CallMeta()
        self._votes, self._tap_channel = {}, 0
        vocab = call_vocabulary(self.options.vocabulary, self._meta)
        prompt = hotwords(self.options.vocabulary)
        with self._language_tap():
            if len(audio.channels) >= 2 and self.options.segmentation in ("turns", "clips"):
                segments, flags = self._stereo(audio, prompt)
            elif len(audio.channels) >= 2:
                segments, flags = self._stereo_vad(audio, prompt)
            else:
                segments, flags = self._mono(audio.channels[0], prompt)
        segments, hallucinated = guard(segments, audio.channels)
        segments = self._finish(segments, vocab)
        if _mostly_low_confidence(segments):
            flags.append("low_confidence")
        if self._loops_dropped:
            flags.append("asr_loop_dropped")
        if hallucinated:
            flags.append("asr_hallucination_dropped")
        if not segments and any(ingest.speech_energy_seconds(ch) > 1.0 for ch in audio.channels):
            flags.append("asr_empty_with_energy")  # never a result: the UI asks to listen
        per_channel = self._detected_languages(min(len(audio.channels), 2))
        language, probability = call_language(per_channel, self.options.language)
        return Transcript(segments=segments, language=language, asr_model=self.name,
                          flags=tuple(dict.fromkeys(flags)), language_probability=probability,
                          channel_languages=tuple((d.language, round(d.probability, 3)) if d else ("", 0.0)
                                                  for d in per_channel))

    # --- language ----------------------------------------------------------------------

    @contextmanager
    def _language_tap(self):
        """While Whisper transcribes, read the language of every window it encodes: the
        encoder output is already there, so the language is one decoder step per window
        (``ctranslate2`` ``detect_language`` on the encoder output) instead of a second encoder
        pass per channel (measured 6–10 s a call under load). Votes go to ``self._votes`` under
        the channel being decoded (``self._tap_channel``). A stand-in model without a
        ``ctranslate2`` core is left alone."""
        model = self._whisper()
        core = getattr(model, "model", None)
        if not hasattr(core, "detect_language") or not hasattr(model, "encode"):
            yield
            return
        encode = model.encode

        def encode_and_listen(features):
            out = encode(features)
            for probs in core.detect_language(out):
                self._votes.setdefault(self._tap_channel, []).append(
                    {tok.strip("<|>"): float(p) for tok, p in probs})
            return out

        model.encode = encode_and_listen
        try:
            yield
        finally:
            del model.encode  # back to the class's method

    def _detected_languages(self, n_channels: int) -> list[DetectedLanguage | None]:
        """Each channel's language: its windows' probabilities averaged; None for a channel
        Whisper never heard."""
        out: list[DetectedLanguage | None] = []
        for ch in range(n_channels):
            votes = self._votes.get(ch)
            if not votes:
                out.append(None)
                continue
            langs = {lang for v in votes for lang in v}
            mean = {lang: sum(v.get(lang, 0.0) for v in votes) / len(votes) for lang in langs}
            top = max(sorted(mean), key=mean.get)
            out.append(DetectedLanguage(top, mean[top], mean, float(len(votes))))
        return out

    # --- stereo: energy turns per channel, batched clips --------------------------------

    def _stereo(self, audio: Audio, prompt: str | None) -> tuple[list[Segment], list[str]]:
        per_channel: list[list[Segment]] = []
        flags: list[str] = []
        known = self._manager_channel_before_decoding()
        for ch, samples in enumerate(audio.channels[:2]):
            # the vocabulary prompt costs the client's short turns words (docs/transcribe.md)
            off = known is not None and ch != known and self.options.vocabulary_channel == "manager"
            ch_prompt = None if off else prompt
            spans = _split_long(ingest.nonsilent_spans(
                samples, SR, min_silence_ms=TURN_MIN_SILENCE_MS, pad_s=TURN_PAD_S))
            if self.options.segmentation == "clips":
                segs = self._transcribe_clips(samples, spans, ch, ch_prompt)
            else:
                segs = self._transcribe_packed(samples, spans, ch, ch_prompt)
            if not segs and ingest.speech_energy_seconds(samples) > 1.0:
                log.info("channel %d: no words from energy turns; retrying with guarded VAD", ch)
                segs, f = self._vad_guarded(samples, ch_prompt)
                segs = [replace(s, channel=ch) for s in segs]
                flags += ["vad_retry", *f]
            per_channel.append(segs)
        manager_ch = self._manager_channel(per_channel, flags)
        segments = []
        for ch, segs in enumerate(per_channel):
            role = "manager" if ch == manager_ch else "client"
            segments.extend(replace(s, speaker=role) for s in segs)
        segments = dedupe_crosstalk(segments, audio.channels)
        return segments, flags

    def _transcribe_packed(self, samples: np.ndarray, spans: list[tuple[float, float]], channel: int,
                           prompt: str | None) -> list[Segment]:
        """Turns packed into ≤ 28 s windows (silence between turns cut to a short gap), one
        Whisper pass per window, words mapped back to their turn: real turn boundaries at the
        cost of a few windows per call instead of one padded 30 s window per turn."""
        self._tap_channel = channel  # language votes of this channel's windows
        if not spans:
            return []
        packed, pieces, windows = _pack(samples, spans)
        raw = self._decode_windows(packed, windows, prompt, without_timestamps=False, word_timestamps=True)
        return _words_to_turns(raw, pieces, channel)

    def _decode_windows(self, samples: np.ndarray, windows: list[tuple[float, float]], prompt: str | None,
                        without_timestamps: bool, word_timestamps: bool) -> list:
        """Whisper over each ``(start, end)`` window of ``samples``, ``asr.batch_size`` windows
        per pass (≤ 1: one at a time); segment times on the array's timeline.

        Always the same decoder (``BatchedInferencePipeline`` with ``clip_timestamps``) at one
        temperature, so a window's words do not depend on the batch size or on which windows
        share its batch; repetition loops are dropped (see ``_drop_loops``)."""
        self._whisper()
        o = self.options
        raw, _ = self._batched.transcribe(
            samples, clip_timestamps=[{"start": a, "end": b} for a, b in windows],
            batch_size=max(1, o.batch_size or 1), vad_filter=False,
            without_timestamps=without_timestamps, word_timestamps=word_timestamps,
            **self._decoding(prompt),
        )
        return self._drop_loops(raw)

    def _manager_channel_before_decoding(self) -> int | None:
        """The manager's channel when the configuration tells it before any text: a fixed
        ``manager_channel``, or a ``stereo_layout`` that, with the call's direction, is as
        strong as a configured layout (text can still override it afterwards)."""
        o = self.options
        if o.manager_channel in ("left", "right"):
            return 0 if o.manager_channel == "left" else 1
        from transcribe.roles import CALLER_LEFT_LLR, layout_prior

        prior, _ = layout_prior(o.stereo_layout, self._meta.direction, self._meta.template)
        if abs(prior) >= CALLER_LEFT_LLR:
            return 0 if prior > 0 else 1
        return None

    def _decoding(self, prompt: str | None) -> dict:
        """Decoding options shared by every path: greedy or beam search at temperature 0 only,
        no temperature fallback (it samples: a different transcript on every run), no
        conditioning on the previous window's text; ``prompt``, the company vocabulary
        (``asr.vocabulary``) as ``hotwords`` or None, is the same for every window of a channel
        and depends on configuration and file name only, so decoding stays deterministic."""
        o = self.options
        return {"language": o.language, "beam_size": max(1, o.beam_size or 1),
                "temperature": 0.0, "condition_on_previous_text": False, "hotwords": prompt}

    def _drop_loops(self, raw) -> list:
        """Segments that compress like a repetition loop ("да да да да ...", the same phrase
        over and over) are dropped: without temperature fallback nothing re-decodes them."""
        kept = []
        for seg in raw:
            ratio = getattr(seg, "compression_ratio", None)
            if ratio is not None and ratio > LOOP_COMPRESSION_RATIO and seg.text.strip():
                log.info("dropped a repetition loop at %.1f s (compression ratio %.1f): %.60s",
                         float(seg.start), ratio, seg.text.strip())
                self._loops_dropped += 1
                continue
            kept.append(seg)
        return kept

    def _transcribe_clips(self, samples: np.ndarray, spans: list[tuple[float, float]], channel: int,
                          prompt: str | None) -> list[Segment]:
        self._tap_channel = channel
        if not spans:
            return []
        raw = self._decode_windows(samples, spans, prompt, without_timestamps=True,
                                   word_timestamps=self.options.word_timestamps)
        out = []
        for seg in raw:
            text = seg.text.strip()
            if text:
                out.append(Segment(
                    idx=0, speaker="unknown", start_s=round(float(seg.start), 3), end_s=round(float(seg.end), 3),
                    text=text, channel=channel, avg_logprob=float(seg.avg_logprob),
                    no_speech_prob=float(seg.no_speech_prob),
                ))
        return out

    def _manager_channel(self, per_channel: list[list[Segment]], flags: list[str]) -> int:
        """``left`` / ``right``: fixed. ``auto``: decided per call from the layout
        (``asr.stereo_layout``) and direction, both channels' text and recorded messages
        (``transcribe.roles.decide_manager_channel``); a weak decision flags ``roles_uncertain``."""
        choice = self.options.manager_channel
        if choice == "right":
            return 1
        if choice == "auto":
            from transcribe.roles import ROLES_UNCERTAIN, decide_manager_channel

            d = decide_manager_channel([[s.text for s in segs] for segs in per_channel],
                                       direction=self._meta.direction, template=self._meta.template,
                                       layout=self.options.stereo_layout, model=self._role_model())
            log.info("manager channel %d (P %.3f): %s", d.manager_channel, d.confidence, d.reason)
            if d.uncertain:
                flags.append(ROLES_UNCERTAIN)
            return d.manager_channel
        return 0

    def _stereo_vad(self, audio: Audio, prompt: str | None) -> tuple[list[Segment], list[str]]:
        flags: list[str] = []
        per_channel = []
        for ch, samples in enumerate(audio.channels[:2]):
            self._tap_channel = ch
            segs, f = self._vad_guarded(samples, prompt)
            flags += f
            per_channel.append([replace(s, channel=ch) for s in segs])
        manager_ch = self._manager_channel(per_channel, flags)
        segments = [replace(s, speaker="manager" if s.channel == manager_ch else "client")
                    for segs in per_channel for s in segs]
        return dedupe_crosstalk(segments, audio.channels), flags

    # --- mono: guarded VAD + role classifier --------------------------------------------

    def _mono(self, samples: np.ndarray, prompt: str | None) -> tuple[list[Segment], list[str]]:
        segments, flags = self._vad_guarded(samples, prompt)
        if segments:
            from transcribe.roles import assign_roles

            segments = list(assign_roles(segments, self._role_model()))
            flags.append("roles_guessed")
        return segments, flags

    def _vad_guarded(self, samples: np.ndarray, prompt: str | None) -> tuple[list[Segment], list[str]]:
        """VAD at the configured threshold; if it keeps much less speech than the energy says,
        retry lower, then without VAD, and flag the call."""
        energy_s = ingest.speech_energy_seconds(samples)
        flags: list[str] = []
        for attempt, threshold in enumerate((self.options.vad_threshold, self.options.vad_threshold / 2, None)):
            segs, kept_s = self._vad_pass(samples, threshold, prompt)
            if energy_s < 1.0 or kept_s >= VAD_KEEP_MIN_SHARE * energy_s:
                break
            if attempt < 2:
                log.info("VAD kept %.1f s of %.1f s speech energy; retrying", kept_s, energy_s)
                flags.append("vad_retry")
        return segs, flags

    def _vad_pass(self, samples: np.ndarray, threshold: float | None,
                  prompt: str | None) -> tuple[list[Segment], float]:
        model = self._whisper()
        o = self.options
        kwargs = {"vad_filter": threshold is not None}
        if threshold is not None:
            kwargs["vad_parameters"] = {"threshold": threshold, "min_silence_duration_ms": 500}
        raw, info = model.transcribe(
            samples, word_timestamps=o.word_timestamps, **self._decoding(prompt), **kwargs,
        )
        raw = self._drop_loops(raw)
        segs = [
            Segment(idx=0, speaker="unknown", start_s=round(s.start, 3), end_s=round(s.end, 3),
                    text=s.text.strip(), avg_logprob=s.avg_logprob, no_speech_prob=s.no_speech_prob)
            for s in raw if s.text.strip()
        ]
        kept = info.duration_after_vad if threshold is not None else info.duration
        return segs, float(kept or 0.0)

    # --- shared post-processing ---------------------------------------------------------

    def _finish(self, segments: list[Segment], vocab: tuple[str, ...]) -> tuple[Segment, ...]:
        o = self.options
        ordered = sorted(segments, key=lambda s: (s.start_s, s.end_s))
        out = []
        for i, s in enumerate(ordered):
            low = (s.avg_logprob is not None and s.avg_logprob < o.low_confidence_logprob) or (
                s.no_speech_prob is not None and s.no_speech_prob > 0.6)
            text = vocabulary.correct(s.text, vocab) if vocab else s.text
            text = mask_numbers(text) if o.mask_numbers else text
            out.append(replace(s, idx=i, text=text, low_confidence=low))
        return tuple(out)


PACK_GAP_S = 0.5
HOTWORDS_MAX_CHARS = 400  # faster-whisper keeps at most half of the 448-token context for them


def call_vocabulary(vocabulary: tuple[str, ...], meta: CallMeta) -> tuple[str, ...]:
    """The company vocabulary (``asr.vocabulary``) plus the words of the call's manager's name
    (``meta.manager_name``: from the CRM sidecar, the file name, or the managers list by the
    call's extension): names are the words Whisper base gets wrong most often. The whole list
    corrects slips after decoding («это макцем» → «это Максим»); only the company's words are
    the hotwords prompt (the name in the prompt found no more names and cost words,
    docs/transcribe.md). Depends on configuration and file name only."""
    names = re.findall(r"[A-Za-zА-Яа-яЁё]{3,}", meta.manager_name or "")
    return tuple(dict.fromkeys([*vocabulary, *(n[:1].upper() + n[1:] for n in names)]))


def hotwords(vocabulary) -> str | None:
    """The company vocabulary as Whisper's ``hotwords`` prompt ("Окна Комфорт, Rehau, …"); None
    when empty. Cut at whole terms to stay well inside the prompt budget."""
    out = ""
    for term in vocabulary or ():
        nxt = f"{out}, {term}" if out else term
        if len(nxt) > HOTWORDS_MAX_CHARS:
            break
        out = nxt
    return out or None


def _pack(samples: np.ndarray, spans: list[tuple[float, float]]):
    """Concatenate the turns with short silent gaps into windows of at most MAX_CLIP_S.

    Returns the packed audio, the pieces (packed_start, packed_end, original_start, turn_no)
    and the windows (packed_start, packed_end)."""
    gap = np.zeros(int(PACK_GAP_S * SR), dtype=np.float32)
    parts, pieces, windows = [], [], []
    pos = 0.0
    win_start = 0.0
    for n, (s, e) in enumerate(spans):
        dur = e - s
        if pos - win_start + dur > MAX_CLIP_S and pos > win_start:
            windows.append((win_start, pos))
            win_start = pos
        chunk = samples[int(s * SR): int(e * SR)].astype(np.float32, copy=False)
        parts.extend([chunk, gap])
        pieces.append((pos, pos + len(chunk) / SR, s, n))
        pos += (len(chunk) + len(gap)) / SR
    windows.append((win_start, pos))
    return np.concatenate(parts), pieces, windows


def _words_to_turns(raw, pieces, channel: int) -> list[Segment]:
    """Give every recognised word back to the turn it was spoken in, on the call's timeline."""
    turns: dict[int, dict] = {}
    for seg in raw:
        for w in seg.words or []:
            mid = (w.start + w.end) / 2
            p = min(pieces, key=lambda pc, mid=mid: 0.0 if pc[0] <= mid <= pc[1] else min(abs(mid - pc[0]), abs(mid - pc[1])))
            p0, p1, orig, n = p
            start = orig + max(0.0, min(w.start, p1) - p0)
            end = orig + max(0.0, min(w.end, p1) - p0)
            t = turns.setdefault(n, {"words": [], "start": start, "end": end, "lp": [], "ns": []})
            t["words"].append(w.word)
            t["start"], t["end"] = min(t["start"], start), max(t["end"], end)
            t["lp"].append(seg.avg_logprob)
            t["ns"].append(seg.no_speech_prob)
    out = []
    for n in sorted(turns):
        t = turns[n]
        text = "".join(t["words"]).strip()
        if text:
            out.append(Segment(
                idx=0, speaker="unknown", start_s=round(t["start"], 3), end_s=round(max(t["end"], t["start"]), 3),
                text=text, channel=channel, avg_logprob=float(np.mean(t["lp"])),
                no_speech_prob=float(np.mean(t["ns"])),
            ))
    return out


def usable_cores() -> int:
    """Cores this process may run on (respects taskset / container CPU sets)."""
    try:
        return len(os.sched_getaffinity(0)) or 2
    except AttributeError:  # not Linux
        return os.cpu_count() or 2


def _split_long(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for s, e in spans:
        while e - s > MAX_CLIP_S:
            out.append((s, s + MAX_CLIP_S))
            s += MAX_CLIP_S
        if e - s > 0.15:
            out.append((s, e))
    return out


def dedupe_crosstalk(segments: list[Segment], channels: list[np.ndarray]) -> list[Segment]:
    """Line bleed puts the same words at the same time on both channels: keep them once,
    on the channel where they are louder."""
    drop: set[int] = set()
    for i, a in enumerate(segments):
        for j in range(i + 1, len(segments)):
            b = segments[j]
            if a.channel == b.channel or i in drop or j in drop:
                continue
            overlap = min(a.end_s, b.end_s) - max(a.start_s, b.start_s)
            shorter = min(a.end_s - a.start_s, b.end_s - b.start_s)
            if shorter <= 0 or overlap < 0.5 * shorter:
                continue
            similar = difflib.SequenceMatcher(None, a.text.lower(), b.text.lower()).ratio()
            if similar < 0.8:
                continue
            quieter = i if _rms(channels, a) < _rms(channels, b) else j
            drop.add(quieter)
    return [s for k, s in enumerate(segments) if k not in drop]


def _rms(channels: list[np.ndarray], seg: Segment) -> float:
    if seg.channel is None or seg.channel >= len(channels):
        return 0.0
    part = channels[seg.channel][int(seg.start_s * SR): int(seg.end_s * SR)]
    return float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) if part.size else 0.0


def _mostly_low_confidence(segments) -> bool:
    total = sum(s.end_s - s.start_s for s in segments)
    low = sum(s.end_s - s.start_s for s in segments if s.low_confidence)
    return total > 0 and low / total > 0.5
