"""The ingest benchmark runs in quick mode and prints a sane table (not timed)."""

from __future__ import annotations

import re

import pytest
from tests.bench.conftest import run_quick


@pytest.mark.slow
def test_quick_ingest_benchmark_runs_and_prints_its_table() -> None:
    out = run_quick("ingest.py")
    assert "Ingest, one core" in out.stdout
    assert "SBS (synthetic)" in out.stdout  # synthetic: always there
    # AIS needs ../shared, Mode S the traffic wheel: each is either measured or skipped
    assert "AIS (real" in out.stdout or "AIS skipped" in out.stdout
    assert "Mode S (real" in out.stdout or "Mode S skipped" in out.stdout
    row = re.search(r"SBS \(synthetic\)\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*([\d,]+)", out.stdout)
    assert row is not None, out.stdout[-3000:]
    lines, parse, e2e = (int(g.replace(",", "")) for g in row.groups())
    assert lines == 20_000 and parse > 0 and e2e > 0
    assert "targets:" in out.stdout
