"""The tactical benchmark runs in quick mode and its grid and baseline agree (not timed)."""

from __future__ import annotations

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_tactical_benchmark_runs_and_grid_equals_baseline() -> None:
    out = run_quick("tactical.py")
    # Exit 2 would mean the grid's conflicts differ from the all-pairs baseline's.
    assert "0 mismatching scans" in out.stdout
    assert "5,000" in out.stdout
