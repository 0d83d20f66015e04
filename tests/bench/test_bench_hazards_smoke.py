"""The hazard checks benchmark runs in quick mode and fast paths equal references (not timed)."""

from __future__ import annotations

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_hazards_benchmark_runs_and_fast_equals_reference() -> None:
    out = run_quick("hazards.py")
    # Exit 2 would mean a fast path's alerts differ from its brute-force reference's.
    assert "0 mismatching ticks" in out.stdout
    assert "1,000" in out.stdout
