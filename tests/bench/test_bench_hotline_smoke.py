"""The hotline benchmark runs end to end against a real server (not timed: a smoke test)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _rows(text: str) -> list[list[str]]:
    """The cells of every body row of the rich tables in `text`."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


@pytest.mark.slow
@pytest.mark.server
def test_quick_hotline_benchmark_runs_and_prints_its_tables() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "hotline.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={"COLUMNS": "200", "PATH": os.defpath},
    )
    # Exit 2 would mean unsound results (a send failed, a message never reached red).
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    rows = _rows(out.stdout)
    by_first = {r[0]: r for r in rows}

    # Delivery: one row per receipt mode at the quick rate, every message arrived.
    for mode in ("auto", "bound", "off"):
        row = by_first[mode]
        assert row[1] == "50"  # rate target
        assert float(row[2]) == pytest.approx(50.0, rel=0.1)  # achieved
        assert row[3] == row[4] == "100"  # messages sent == arrived (2 s at 50/s)
        assert all(re.fullmatch(r"[\d,.]+", c) for c in row[6:9]), row  # p50, p99, max
    assert "Baseline: GET /health" in out.stdout
    # Bound receipts: the witness rounds are far fewer than the receipts (not one each).
    rounds = re.search(r"receipts bound: (\d+) witness rounds for about (\d+) receipts", out.stdout)
    assert rounds is not None, out.stdout[-4000:]
    assert 1 <= int(rounds.group(1)) <= int(rounds.group(2)) // 3

    # audit verify: the CLI and verify_chain over the ledger the run produced.
    cli = next(r for r in rows if r[0].startswith("interlock audit verify DIR"))
    inproc = next(r for r in rows if r[0].startswith("verify_chain("))
    assert cli[4].startswith("OK") and inproc[4].startswith("OK")
    assert int(cli[1].replace(",", "")) == int(inproc[1].replace(",", "")) > 200

    # Targets: both named, neither judged on a quick run.
    assert any(r[0].startswith("delivery p99 <= 20 ms at 500 msg/s") for r in rows)
    assert any(r[0].startswith("audit verify >= 20,000 entries/s") for r in rows)
