"""The spectrum benchmark runs in quick mode and finds the detector identical to the loop."""

from __future__ import annotations

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_spectrum_benchmark_runs_and_is_identical() -> None:
    out = run_quick("spectrum.py")  # exit 2 would mean the detector and the loop differ
    assert "identical" in out.stdout
    assert "100 x 10" in out.stdout and "1,000 x 100" in out.stdout
    assert "NO" not in out.stdout
