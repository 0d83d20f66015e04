"""Several API processes over one PostgreSQL database: an event accepted by one process
reaches the push streams served by another, and `serve --workers` runs a pool."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import free_port

from interlock.client import Client
from interlock.ledger.keys import read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.service.bootstrap import init_with_keys

pytestmark = [pytest.mark.slow, pytest.mark.server]
INTERLOCK = [sys.executable, "-m", "interlock.cli"]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}: {log.read_text()[-2000:]}")


def serve(directory: Path, db: str, *extra: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    log = directory / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*INTERLOCK, "serve", str(directory), "--db", db, "--port", str(port), *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "INTERLOCK_DB": ""},
        )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, log)
    return url, proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, Any]]:
    directory = tmp_path / "deploy"
    _, tokens, files = init_with_keys(directory, EXAMPLE_AGREEMENT)
    return directory, tokens, {p: read_private(f) for p, f in files.items()}


@pytest.fixture
def two_processes(
    deployment: tuple[Path, dict[str, str], dict[str, Any]], pg_url: str
) -> Iterator[list[str]]:
    directory = deployment[0]
    started = [serve(directory, pg_url) for _ in range(2)]
    try:
        yield [url for url, _ in started]
    finally:
        for _, proc in started:
            stop(proc)


def test_an_event_accepted_by_one_process_reaches_a_stream_on_another(
    deployment: tuple[Path, dict[str, str], dict[str, Any]], two_processes: list[str]
) -> None:
    _, tokens, keys = deployment
    first, second = two_processes
    red = Client(first, tokens["red"], "red", keys["red"])  # red listens on process 1
    blue = Client(second, tokens["blue"], "blue", keys["blue"])  # blue writes to process 2
    got: list[dict[str, Any]] = []
    done = threading.Event()

    def listen() -> None:
        for entry in red.events(stop=done.is_set, retry_s=0.2):
            if entry["event"].get("type") == "message":
                got.append(entry)
                if len(got) == 5:
                    done.set()

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    time.sleep(0.5)  # the stream is open and waiting
    sent = [blue.send("red", f"over process 2, number {i}")["id"] for i in range(5)]
    assert done.wait(10), f"only {len(got)} of 5 events crossed to the other process"
    assert [e["event"]["id"] for e in got] == sent
    # Red's delivery receipts went to process 1 and are visible through process 2.
    red.flush_receipts()
    assert blue.message(sent[0])["recipients"][0]["delivered_at"] is not None
    blue.close()
    red.close()


def test_serve_runs_a_pool_of_workers_on_postgresql_only(
    deployment: tuple[Path, dict[str, str], dict[str, Any]], pg_url: str
) -> None:
    directory, tokens, keys = deployment
    refused = subprocess.run(
        [*INTERLOCK, "serve", str(directory), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "INTERLOCK_DB": ""},
    )
    assert refused.returncode == 2 and "needs a PostgreSQL store" in refused.stderr
    url, proc = serve(directory, pg_url, "--workers", "2")
    try:
        workers = [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        assert len(workers) >= 2  # uvicorn's workers (and its resource tracker)
        with Client(url, tokens["blue"], "blue", keys["blue"]) as blue:
            ids = [blue.send("red", f"pooled {i}")["id"] for i in range(20)]
        with Client(url, tokens["red"], "red", keys["red"]) as red:
            assert {m["id"] for m in red.messages("in")} == set(ids)
    finally:
        stop(proc)
