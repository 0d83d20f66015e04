"""The abuse benchmark runs end to end against a real `interlock serve` (a smoke test: not
timed; the quick run judges no target)."""

from __future__ import annotations

import re

import pytest
from tests.bench.conftest import ROOT, run_quick


def _rows(text: str) -> dict[str, list[str]]:
    rows = [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]
    return {r[0]: r for r in rows if r[0]}


@pytest.mark.slow
@pytest.mark.server
def test_quick_abuse_benchmark_floods_and_the_hotline_still_delivers() -> None:
    # The child server imports this checkout's package.
    out = run_quick("abuse.py", timeout=180, env={"PYTHONPATH": str(ROOT / "src")})
    rows = _rows(out.stdout)
    for phase in ("baseline", "flood"):  # every flash message sent arrived on green's stream
        assert rows[phase][1] == rows[phase][2] == "20", rows[phase]
        assert all(re.fullmatch(r"[\d.]+", c) for c in rows[phase][3:6])
    streams = rows["push streams asked"]
    assert streams[1] == "100"
    assert re.match(r"8 granted \(cap 8\), 92 refused 429, 0 other", streams[2]), streams
    assert rows["slow-header connections"][2].startswith("20 closed by the server")
    # signed notices are filed (201) or refused for their share (429), never malformed (422)
    assert "201" in rows["notices posted"][2] and "422" not in rows["notices posted"][2]
    assert "each in the ledger once" in out.stdout
    assert any(k.startswith("flood p99 <= 2x baseline") for k in rows)
