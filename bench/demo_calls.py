"""Load demo transcripts (data/demo/transcripts/*.json, callqa transcript v1) for the benches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.types import CallMeta, Segment, Transcript

DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo" / "transcripts"


@dataclass(frozen=True, slots=True)
class DemoCall:
    call_id: str
    meta: CallMeta
    transcript: Transcript
    duration_s: float
    channels: int
    team: str | None
    manager_id: str | None
    labels: dict


def load_demo_calls(folder: Path = DEMO_DIR) -> list[DemoCall]:
    return [load_demo_call(p) for p in sorted(folder.glob("*.json"))]


def load_demo_call(path: Path) -> DemoCall:
    d = json.loads(path.read_text(encoding="utf-8"))
    segs = tuple(
        Segment(i, s["speaker"], float(s["start"]), float(s["end"]), s["text"], s.get("channel"),
                avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob"),
                low_confidence=(s.get("avg_logprob") or 0.0) < -1.0, call_id=d.get("call_id", path.stem))
        for i, s in enumerate(d["segments"])
    )
    manager = d.get("manager") or {}
    started = datetime.fromisoformat(d["started_at"]) if d.get("started_at") else None
    duration = float(d.get("duration_s") or (segs[-1].end_s if segs else 0.0))
    return DemoCall(
        d.get("call_id", path.stem), CallMeta(started_at=started, direction=d.get("direction")),
        Transcript(segs), duration, int(d.get("channels", 2)), manager.get("team"),
        manager.get("id"), d.get("labels") or {},
    )
