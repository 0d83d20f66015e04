"""The advice benchmark runs in quick mode, and the core's advice equals the brute-force
grid's for every kind (not timed: a smoke test)."""

from __future__ import annotations

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_advice_benchmark_runs_and_core_equals_grid() -> None:
    out = run_quick("advice.py", timeout=300)
    # Exit 2 would mean the core's and the grid's answers differ.
    assert "core and grid differ" not in out.stdout
    assert "time + level" in out.stdout and "grid/p50" in out.stdout
