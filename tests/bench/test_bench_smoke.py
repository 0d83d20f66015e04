"""The strategic benchmark runs end to end on a small store (not timed: a smoke test)."""

from __future__ import annotations

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_benchmark_runs_and_its_results_are_sound() -> None:
    out = run_quick("strategic.py", timeout=600)
    # Exit 2 would mean unsound results (indexed and scanned conflicts differ, HTTP errors).
    assert "0 mismatching submits" in out.stdout
