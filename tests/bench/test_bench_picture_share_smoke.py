"""The shared picture's benchmark runs in quick mode against the test cluster: a row with
its tracks, and the other process served what the owner serves (asserted inside)."""

from __future__ import annotations

import re

import pytest
from tests import pg
from tests.bench.conftest import run_quick

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.scale]


def test_quick_picture_share_benchmark_runs() -> None:
    if not pg.ADMIN_URL:
        pytest.skip(pg.NO_PG)
    out = run_quick("picture_share.py", env={"INTERLOCK_TEST_PG": pg.ADMIN_URL}).stdout
    assert re.search(r"^\W*300\W", out, re.M), out
