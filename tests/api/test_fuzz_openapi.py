"""Schemathesis against the server's own OpenAPI spec: generated requests for every
operation (valid, edge and invalid ones) never get a 5xx. The two cases it found are kept
as plain regression tests below."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import LiveServer

pytestmark = [pytest.mark.server, pytest.mark.slow]
ST = Path(sys.executable).with_name("st")


@pytest.mark.skipif(
    not ST.exists(), reason="schemathesis is not installed (pip install -e '.[test]')"
)
def test_no_generated_request_gets_a_server_error(live_server: LiveServer, tmp_path: Path) -> None:
    out = subprocess.run(
        [
            str(ST),
            "run",
            f"{live_server.url}/openapi.json",
            "-H",
            f"Authorization: Bearer {live_server.tokens['blue']}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            "10",
            "--seed",
            "20261125",
            # one worker: with two threads, CPython 3.11's AST constructor can raise a
            # spurious "SystemError: AST constructor recursion depth mismatch" inside the
            # tool's example generation (python/cpython#106905), failing the run
            "--workers",
            "1",
            "--exclude-path",
            "/stream",  # a push stream never ends: it has its own tests
            "--request-timeout",
            "10",
            # its coverage phase crashes inside schemathesis 4.32 (a hypothesis filter
            # description it cannot render), a tool error, not our server's: the other
            # phases run
            "--phases",
            "examples,fuzzing,stateful",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert "Server error" not in out.stdout


@pytest.mark.parametrize(
    "path",
    [
        "/ledger?from_seq=3459362247108624641949696",  # beyond SQLite's integers
        "/notices/n-0/versions/15108881690774466560",
        "/notices?offset=99999999999999999999",
        "/stream?after=99999999999999999999",
    ],
)
def test_huge_integers_are_a_422_not_a_500(live_server: LiveServer, path: str) -> None:
    with live_server.client("blue") as c:
        r = c.get(path)
    assert r.status_code == 422, r.text
    assert r.json()["error"]


def test_a_huge_last_event_id_is_a_422(live_server: LiveServer) -> None:
    with live_server.client("blue") as c:
        r = c.get("/stream", headers={"Last-Event-ID": "9" * 30})
    assert r.status_code == 422 and "Last-Event-ID" in r.json()["detail"]
