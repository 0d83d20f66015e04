"""The replay benchmark (track history part) runs in quick mode and prints its tables (not
timed): the vectorised thinning it times is checked against `thin_reference` as it runs."""

from __future__ import annotations

import re

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_replay_benchmark_runs_and_prints_its_tables() -> None:
    out = run_quick("replay.py").stdout
    assert "vectorised thinning = thin_reference" in out
    assert "Track history, 1,000 tracks" in out
    row = re.search(r"SQLite\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*(\d+)", out)
    assert row is not None, out[-3000:]
    rows, rate, per_fix = (int(g.replace(",", "")) for g in row.groups())
    assert rows > 10_000 and rate > 0 and 50 < per_fix < 1000
    assert re.search(r"│\s*on\s*│", out) and "targets:" in out
