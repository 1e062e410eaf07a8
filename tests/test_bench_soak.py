"""bench/soak.py in miniature: 12 seconds of dropping files, runs killed at random and a РОП
annotating meanwhile, then the last run and the check (the real soak runs 30 minutes)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # batch runs in processes of their own, each loading the scorer: ~30 s
def test_a_short_soak_loses_no_annotation_and_stores_no_call_twice(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "0.2", "--seed", "1", "--work", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("SUMMARY") and summary.endswith("OK"), output
    assert re.search(r"(?<!\d)0 lost\b", summary) and re.search(r"(?<!\d)0 duplicates\b", summary), summary
    written = int(re.search(r"annotations (\d+) written / (\d+) found", summary).group(1))
    assert written > 0, summary  # the annotator did write while the batch ran
    assert re.search(r"[1-9]\d* calls in store \(0 missing\)", summary), summary
