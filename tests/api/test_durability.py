"""kill -9 durability: whatever the server answered 2xx survives a SIGKILL mid-burst.

A real `interlock serve` process takes signed messages (and a few signed notices) from
several threads as fast as it answers them; it is killed with SIGKILL mid-burst, then
restarted on the same directory. Every write that got a 2xx must be there exactly once
(over the API and in the ledger), and the ledger must be a gap-free chain that
`interlock audit verify` accepts. A write that never got an answer may or may not be
there; each thread has at most one such write (the request in flight at the kill).

A SIGKILL loses the process, not the operating system's page cache: this proves that no
2xx goes out before its commit and that the store recovers its WAL on restart, not that
the fsync reaches the disk (a power cut would test that; `synchronous=FULL` covers it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import deployment_env
from tests.servers import ServerProcess

from interlock.client import Client
from interlock.codec.keys import public_text
from interlock.ledger.chain import verify_chain
from interlock.ledger.keys import new_private
from interlock.service.bootstrap import init_directory
from interlock.store import open_store

pytestmark = [pytest.mark.slow, pytest.mark.server]

PARTIES = ("blue", "red")
THREADS_PER_PARTY = 2
BURST_S = 1.5  # how long the burst runs before the kill
NOTICE_EVERY = 10  # every 10th write of a thread is a signed notice, the rest messages


def agreement_text(public: dict[str, str]) -> str:
    parties = "".join(
        f'[[parties]]\nid = "{p}"\nname = "{p.title()} command"\npublic_keys = ["{k}"]\n\n'
        for p, k in public.items()
    )
    return (
        '[agreement]\nname = "kill -9 test agreement"\n\n'
        + parties
        + "[rules]\nmin_lead_time_min = 60\ntime_buffer_min = 15\nrequire_signatures = true\n"
        # A load test of capacity, not of fair share: each party may write flat out.
        + "\n[server]\nrequests_per_s = 1e6\nrequest_burst = 1000000\n"
        + "bytes_per_s = 1e9\nbyte_burst = 1000000000\n"
    )


@dataclass
class Tally:
    """What the senders were told, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (id, sender) answered 201
    notices: list[str] = field(default_factory=list)  # ids answered 201
    unanswered: int = 0  # requests cut off by the kill (each thread's last)
    other_errors: list[str] = field(default_factory=list)


def notice(k: int, i: int, party: str) -> dict[str, Any]:
    """A signed-notice body: a circle 3 h ahead, each party in its own sea area (no
    conflicts: those add system messages, which are fine but not what is tested)."""
    start = datetime.now(UTC) + timedelta(hours=3)
    lon = (10.0 if party == "blue" else 20.0) + 0.01 * (i % 50)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, 35.0 + 0.1 * k]},
        "properties": {
            "domain": "air",
            "radius_m": 2000,
            "alt_lower_ft": 0,
            "alt_upper_ft": 5000,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
    }


def sender(
    url: str, token: str, party: str, key: Any, k: int, tally: Tally, stop: threading.Event
) -> None:
    other = next(p for p in PARTIES if p != party)
    with Client(url, token, party, key, timeout=10.0) as client:
        i = 0
        while not stop.is_set():
            try:
                if i % NOTICE_EVERY == NOTICE_EVERY - 1:
                    result = client.submit_notice(notice(k, i, party))
                    with tally.lock:
                        tally.notices.append(result["notice"]["id"])
                else:
                    sent = client.send(other, f"{party} thread {k} message {i}")
                    with tally.lock:
                        tally.messages.append((sent["id"], party))
            except httpx.TransportError:  # the server died under this request
                with tally.lock:
                    tally.unanswered += 1
                return
            except Exception as exc:  # anything else is a failure of the test's premise
                with tally.lock:
                    tally.other_errors.append(repr(exc))
                return
            i += 1


def all_ledger(url: str, token: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        while True:
            page = http.get("/ledger", params={"from_seq": len(out) + 1, "limit": 10_000})
            page.raise_for_status()
            if not page.json():
                return out
            out += page.json()


def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    started = time.monotonic()
    directory = tmp_path / "theatre"
    keys = {p: new_private() for p in PARTIES}
    public = {p: public_text(k.public_key()) for p, k in keys.items()}
    _, tokens = init_directory(directory, agreement_text(public))

    server = ServerProcess(directory, env=deployment_env(directory)).wait_healthy()
    tally, stop = Tally(), threading.Event()
    threads = [
        threading.Thread(
            target=sender,
            args=(server.url, tokens[p], p, keys[p], k, tally, stop),
            daemon=True,
        )
        for p in PARTIES
        for k in range(THREADS_PER_PARTY)
    ]
    try:
        for t in threads:
            t.start()
        time.sleep(BURST_S)
        server.kill()  # SIGKILL mid-burst: no shutdown, no final checkpoint
        for t in threads:
            t.join(timeout=15)
        stop.set()
        assert not any(t.is_alive() for t in threads)
    finally:
        stop.set()
        server.stop()
    assert not tally.other_errors, tally.other_errors
    assert len(tally.messages) >= 20 and tally.notices, "the burst did not get going"
    assert tally.unanswered >= 1, "the kill did not land mid-burst"

    server = ServerProcess(directory, env=deployment_env(directory)).wait_healthy()
    try:
        clients = {p: Client(server.url, tokens[p], p, keys[p]) for p in PARTIES}
        # Over the API: every answered message is there, as it was answered.
        for message_id, party in tally.messages:
            got = clients[party].message(message_id)
            assert got["id"] == message_id and got["from"] == party
            assert [r["party"] for r in got["recipients"]] == [
                next(p for p in PARTIES if p != party)
            ]
        for notice_id in tally.notices:
            assert clients["blue"].call("GET", f"/notices/{notice_id}")["id"] == notice_id

        # In the ledger: each exactly once, and at most one unanswered write per thread.
        entries = all_ledger(server.url, tokens["blue"])
        assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))  # gap-free
        events = [e["event"] for e in entries]
        message_count = Counter(e["id"] for e in events if e["type"] == "message")
        notice_count = Counter(e["id"] for e in events if e["type"] == "notice_version")
        assert all(n == 1 for n in message_count.values()), message_count.most_common(3)
        assert all(n == 1 for n in notice_count.values()), notice_count.most_common(3)
        answered = {m for m, _ in tally.messages}
        assert answered <= set(message_count)
        assert set(tally.notices) <= set(notice_count)
        extra = (set(message_count) - answered) | (set(notice_count) - set(tally.notices))
        assert len(extra) <= len(threads), extra

        # The chain goes on after the crash: one more write, chained at the end.
        after = clients["blue"].send("red", "after the restart")
        assert after["seq"] == len(entries) + 1
        for c in clients.values():
            c.close()
    finally:
        server.stop()

    # The whole record verifies: in process, and with the CLI an auditor would run.
    store = open_store(directory / "interlock.db")
    try:
        count, problem = verify_chain(store.ledger_entries(), {p: [k] for p, k in public.items()})
    finally:
        store.close()
    assert problem is None and count == len(entries) + 1
    audit = subprocess.run(
        [sys.executable, "-m", "interlock.cli", "audit", "verify", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **deployment_env(directory)},
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert f"OK {count} entries" in audit.stdout
    assert time.monotonic() - started < 30
