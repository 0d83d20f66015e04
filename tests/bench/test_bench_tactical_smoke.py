"""The tactical benchmark runs in quick mode and its grid and baseline agree (not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_tactical_benchmark_runs_and_grid_equals_baseline() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tactical.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    # Exit 2 would mean the grid's conflicts differ from the all-pairs baseline's.
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "0 mismatching scans" in out.stdout
    assert "5,000" in out.stdout
