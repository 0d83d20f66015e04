"""Running a benchmark script in quick mode, the way a user would (a smoke test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_quick(
    script: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python bench/SCRIPT --quick` from the repository root; fails the test on a non-zero
    exit, showing the output's tail."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **(env or {})},
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out
