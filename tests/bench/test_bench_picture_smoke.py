"""The picture benchmark runs end to end on a small history (not timed: a smoke test)."""

from __future__ import annotations

import re

import pytest
from tests.bench.conftest import ROOT, run_quick


@pytest.mark.slow
@pytest.mark.server
def test_quick_picture_benchmark_runs_and_prints_its_table() -> None:
    # this checkout's package (the venv's editable install may be another worktree's)
    out = run_quick("picture.py", timeout=300, env={"PYTHONPATH": str(ROOT / "src")}).stdout
    assert "HTTP latency (ms)" in out and "its tracks alone (ms)" in out
    shown = re.search(r"tracks shown\s*│\s*(\d+)", out)
    assert shown and int(shown.group(1)) == 500, out  # every track was fresh at every moment
    assert re.search(r"target p99 ≤ 100 ms at 500 tracks: (met|MISSED)", out), out
