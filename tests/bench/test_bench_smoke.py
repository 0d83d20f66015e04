"""The strategic benchmark runs end to end on a small store (not timed: a smoke test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_runs_and_its_results_are_sound() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "strategic.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    # Exit 2 would mean unsound results (indexed and scanned conflicts differ, HTTP errors).
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "0 mismatching submits" in out.stdout
