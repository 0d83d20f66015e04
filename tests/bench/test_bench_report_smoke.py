"""The report benchmark runs end to end against a real server (not timed: a smoke test)."""

from __future__ import annotations

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
@pytest.mark.server
def test_quick_report_benchmark_runs_and_prints_its_tables() -> None:
    out = run_quick("report.py", timeout=240)  # exit 2 would be a bundle that fails to verify
    text = out.stdout
    assert "One hour of record" in text and "entries cited" in text
    assert "HTML + bundle (baseline)" in text and "HTML + bundle + PDF" in text
