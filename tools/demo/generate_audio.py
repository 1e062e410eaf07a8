"""Render the demo call scripts (``scripts/dialogues.yaml``) into PBX-like stereo recordings.

Run: ``.venv/bin/python data/demo/generate_audio.py`` (needs Debian festival, festvox-ru, sox;
takes several minutes; `make demo` does not run it — the rendered files are committed).

Each turn is spoken by festival's Russian voice (the client one octave-ish higher via
``sox pitch``), placed on its own channel — manager LEFT, client RIGHT, silence on the other —
with natural pauses and now and then a short overlap, band-limited to the telephone band,
resampled to 8 kHz and written as MP3 named like Asterisk/FreePBX recordings. The turn times
and reference texts go to ``audio_turns.json`` (tests check the channels with them; benchmarks
can compute WER against them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from num2words import num2words

log = logging.getLogger("generate_audio")

HERE = Path(__file__).resolve().parents[2] / "data" / "demo"  # the committed demo data
SCRIPTS_PATH = HERE / "scripts" / "dialogues.yaml"
AUDIO_DIR = HERE / "audio"
TURNS_PATH = HERE / "audio_turns.json"
CACHE_DIR = Path(tempfile.gettempdir()) / "callqa-demo-tts"

SEED = 20260915
TTS_RATE = 16000  # festival's clunits voice speaks at 16 kHz
VOICE = "(voice_msu_ru_nsh_clunits)"
CLIENT_PITCH_CENTS = 400
MP3_KBPS = 24  # 12 dialogues stay well under 5 MB
TURN_RMS = 0.08
PAUSE_S = (0.3, 1.2)
OVERLAP_S = (0.15, 0.4)
OVERLAP_SHARE = 0.12


@dataclass(frozen=True, slots=True)
class Dialogue:
    dialogue_id: str
    file: str
    turns: tuple[tuple[str, str], ...]  # (manager|client, text)


@dataclass(frozen=True, slots=True)
class PlacedTurn:
    speaker: str
    start_s: float
    end_s: float
    text: str


def load_dialogues(path: Path = SCRIPTS_PATH) -> list[Dialogue]:
    speakers = {"m": "manager", "c": "client"}
    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        turns = tuple((speakers[k], str(v)) for turn in item["turns"] for k, v in turn.items())
        out.append(Dialogue(item["id"], item["file"], turns))
    return out


def festival_text(text: str) -> str:
    """Text festival speaks: it silently writes nothing for digits, %, «», dashes, capitals inside
    words or a space before punctuation, so lower-case, spell numbers and strip symbols."""
    text = text.replace("%", " процентов").replace("ё", "е").replace("Ё", "Е")
    text = re.sub(r"\d+", lambda m: f" {num2words(int(m.group()), lang='ru')} ", text)
    text = re.sub(r"[^а-яА-ЯеЕ.,?! ]", " ", text).lower()
    text = re.sub(r"\s+([.,?!])", r"\1", text)
    text = re.sub(r"^[\s.,?!]+", "", text)  # a turn that starts «...и у нас»: festival says nothing
    return re.sub(r"\s+", " ", text).strip()


def speak(text: str, speaker: str) -> np.ndarray:
    """One turn as float32 mono at TTS_RATE; raises if festival produced no audio."""
    said = festival_text(text)
    raw = _festival_wav(said, text)
    effects = ["pitch", str(CLIENT_PITCH_CENTS)] if speaker == "client" else []
    wav = raw.with_suffix(f".{'-'.join(effects) or 'plain'}.wav")
    if not wav.exists():
        subprocess.run(["sox", str(raw), "-r", str(TTS_RATE), "-c", "1", str(wav), *effects], check=True)
    samples = _read_wav(wav)
    rms = float(np.sqrt(np.mean(samples**2))) or 1.0
    return (samples * (TURN_RMS / rms)).clip(-0.95, 0.95)


def _festival_wav(said: str, original: str) -> Path:
    """festival's rendering of ``said``, cached by its text (TTS is the slow part)."""
    key = hashlib.sha256(said.encode()).hexdigest()[:20]
    raw = CACHE_DIR / f"{key}.wav"
    if not raw.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        txt = CACHE_DIR / f"{key}.txt"
        txt.write_text(said + "\n", encoding="utf-8")
        subprocess.run(["text2wave", "-eval", VOICE, str(txt), "-o", str(raw)], check=True, capture_output=True)
        if not raw.exists() or raw.stat().st_size < 2000:
            raw.unlink(missing_ok=True)
            raise RuntimeError(f"festival wrote no audio for {said!r} (from {original!r}); rephrase the turn")
    return raw


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if w.getframerate() != TTS_RATE or w.getsampwidth() != 2:
            raise RuntimeError(f"{path}: expected 16-bit {TTS_RATE} Hz audio")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


def place_turns(rng: random.Random, dialogue: Dialogue) -> tuple[np.ndarray, list[PlacedTurn]]:
    """Both channels (2 x samples) with pauses and occasional overlaps; manager = row 0 (left)."""
    clips = [(speaker, text, speak(text, speaker)) for speaker, text in dialogue.turns]
    placed, t, previous = [], rng.uniform(0.5, 1.5), None
    for speaker, text, clip in clips:
        if previous is not None:
            overlap = speaker != previous.speaker and rng.random() < OVERLAP_SHARE
            t = previous.end_s - rng.uniform(*OVERLAP_S) if overlap else previous.end_s + rng.uniform(*PAUSE_S)
        previous = PlacedTurn(speaker, round(t, 3), round(t + len(clip) / TTS_RATE, 3), text)
        placed.append(previous)
    total = int((placed[-1].end_s + 0.6) * TTS_RATE)
    channels = np.zeros((2, total), dtype=np.float32)
    for turn, (_, _, clip) in zip(placed, clips, strict=True):
        row = 0 if turn.speaker == "manager" else 1
        start = int(turn.start_s * TTS_RATE)
        channels[row, start:start + len(clip)] += clip
    return channels, placed


def write_pcm_wav(channels: np.ndarray, path: Path) -> None:
    """``channels`` (2 × n floats in −1…1) as a 16-bit stereo WAV at TTS_RATE."""
    pcm = (channels.T.clip(-1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(TTS_RATE)
        w.writeframes(pcm.tobytes())


def encode_phone_mp3(channels: np.ndarray, out_path: Path) -> None:
    """Telephone band (300-3400 Hz), 8 kHz stereo MP3."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "call.wav"
        write_pcm_wav(channels, wav)
        subprocess.run(["sox", str(wav), "-C", str(MP3_KBPS), str(out_path), "sinc", "300-3400", "rate", "8k"],
                       check=True)


def render_all() -> dict[str, list]:
    rng = random.Random(SEED)
    AUDIO_DIR.mkdir(exist_ok=True)
    for old in AUDIO_DIR.glob("*.mp3"):
        old.unlink()
    turns = {}
    for dialogue in load_dialogues():
        channels, placed = place_turns(rng, dialogue)
        encode_phone_mp3(channels, AUDIO_DIR / dialogue.file)
        turns[dialogue.file] = [[p.speaker, p.start_s, p.end_s, p.text] for p in placed]
        log.info("%s: %.0f s, %d turns", dialogue.file, placed[-1].end_s, len(placed))
    return turns


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    turns = render_all()
    TURNS_PATH.write_text(json.dumps(turns, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in AUDIO_DIR.glob("*.mp3"))
    log.info("%d recordings, %.2f MB", len(turns), size / 1e6)


if __name__ == "__main__":
    main()
