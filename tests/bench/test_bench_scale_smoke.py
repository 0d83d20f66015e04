"""The scale-out benchmark runs in quick mode against the test cluster: every row served
its writes, with no error answers and the ledger check passing (not timed)."""

from __future__ import annotations

import re

import pytest
from tests import pg
from tests.bench.conftest import run_quick

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.scale]


def test_quick_scale_benchmark_runs_and_every_row_checks_its_ledger() -> None:
    if not pg.ADMIN_URL:
        pytest.skip(pg.NO_PG)
    out = run_quick("scale.py", timeout=600, env={"INTERLOCK_PG": pg.ADMIN_URL}).stdout
    rows = re.findall(r"^\W*(SQLite|PostgreSQL)\W+(\d+)\W+([\d,]+)", out, re.M)
    assert {(store, n) for store, n, _ in rows} == {
        ("SQLite", "1"),
        ("PostgreSQL", "1"),
        ("PostgreSQL", "2"),
    }, out
    assert all(int(rate.replace(",", "")) > 0 for _, _, rate in rows), out
    assert "BAD" not in out and out.count(" ok") >= 3, out
