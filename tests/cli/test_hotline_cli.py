"""The hotline from the CLI: real `interlock` processes against a real `interlock serve`.

One server per module, over a directory made by `interlock init` whose agreement holds the
public keys `interlock keys new` printed; the CLI signs with the real clock, as does the
server. The agreement is tuned for speed and determinism: flash must be acknowledged in
2 s (so a late acknowledgement and an escalation take seconds), conflicts are announced
as routine messages (nothing else escalates), and heartbeats are due every 300 s (no
party goes "down" during the tests).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests import pg
from tests.conftest import circle, free_port

from interlock.client import Client

pytestmark = pytest.mark.server

INTERLOCK = [sys.executable, "-m", "interlock.cli"]
TOKEN = re.compile(r"(\w+)\s*│\s*(il_[A-Za-z0-9_-]{43})")
PUBLIC = re.compile(r'public_keys = \["(ed25519:[A-Za-z0-9_-]+)"\]')
PARTIES = ("blue", "red")
MESSAGE_ID = re.compile(r"\bm-[0-9a-f]{16}\b")
ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("INTERLOCK_KEY", "INTERLOCK_PARTY", "INTERLOCK_TOKEN", "INTERLOCK_URL")
}
ENV.update(COLUMNS="250", NO_COLOR="1")
WIDE = {"COLUMNS": "500"}  # no wrapping inside the timeline's table


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*INTERLOCK, *args], capture_output=True, text=True, timeout=60, env={**ENV, **(env or {})}
    )


def run_all(
    commands: list[tuple[tuple[str, ...], dict[str, str]]],
) -> list[subprocess.CompletedProcess[str]]:
    """Independent commands at once (each CLI process spends ~1 s importing)."""
    procs = [
        subprocess.Popen(
            [*INTERLOCK, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**ENV, **env},
        )
        for args, env in commands
    ]
    done = []
    for (args, _), proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=60)
        done.append(subprocess.CompletedProcess([*INTERLOCK, *args], proc.returncode, out, err))
    return done


@dataclass
class Deployment:
    directory: Path
    url: str
    tokens: dict[str, str]

    def key(self, party: str) -> Path:
        return self.directory / f"{party}.key"

    def env(self, party: str, key: str | None = None) -> dict[str, str]:
        """The environment of `party`'s duty officer: URL, token, party and key."""
        return {
            "INTERLOCK_URL": self.url,
            "INTERLOCK_TOKEN": self.tokens[party],
            "INTERLOCK_PARTY": party,
            "INTERLOCK_KEY": str(self.key(key or party)),
        }

    def http(self, party: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[party]}"}
        )

    def ledger(self) -> list[dict[str, Any]]:
        with self.http("blue") as h:
            return list(h.get("/ledger", params={"limit": 10_000}).json())

    def client(self, party: str) -> Client:
        return Client.from_key_file(self.url, self.tokens[party], party, self.key(party))


def _agreement(text: str, publics: dict[str, str]) -> str:
    for party in PARTIES:  # the example lists blue, then red, each with []
        text = text.replace("public_keys = []", f'public_keys = ["{publics[party]}"]', 1)
    replaced = (
        ("flash = 30 }", "flash = 2 }"),
        ("heartbeat_interval_s = 10", "heartbeat_interval_s = 300"),
        ('critical = "flash"', 'critical = "routine"'),
        ('major = "urgent"', 'major = "routine"'),
        ('late_notice = "urgent"', 'late_notice = "routine"'),
    )
    for old, new in replaced:
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("hotline")
    out, *made = run_all(
        [(("init", str(directory)), {})]
        + [(("keys", "new", p, "--out", str(directory / f"{p}.key")), {}) for p in PARTIES]
    )
    assert out.returncode == 0, out.stderr
    tokens = dict(TOKEN.findall(out.stdout))
    publics = {}
    for party, out in zip(PARTIES, made, strict=True):
        assert out.returncode == 0, out.stderr
        publics[party] = PUBLIC.search(out.stdout).group(1)  # type: ignore[union-attr]
    path = directory / "agreement.toml"
    path.write_text(_agreement(path.read_text(), publics))
    port = free_port()
    proc = subprocess.Popen(
        [*INTERLOCK, "serve", str(directory), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**ENV, **pg.child_env(directory)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.1)
        yield Deployment(directory, url, tokens)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def sent_id(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 0, out.stderr
    found = MESSAGE_ID.search(out.stdout)
    assert found, out.stdout
    return found.group(0)


def test_watch_receives_delivers_and_heartbeats(deployment: Deployment) -> None:
    entries = deployment.ledger()
    after = entries[-1]["seq"] if entries else 0
    watch = subprocess.Popen(
        [
            *INTERLOCK,
            "hotline",
            "watch",
            "--after",
            str(after),
            "--max-events",
            "3",
            "--timeout",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, **deployment.env("red")},
    )
    try:
        mid = sent_id(
            run(
                "hotline", "send", "--to", "red", "--subject", "Tanker orbit moved north",
                "--body", "Orbit K now 35.9N", "--priority", "urgent",
                env=deployment.env("blue"),
            )
        )  # fmt: skip
        out, err = watch.communicate(timeout=30)
    finally:
        if watch.poll() is None:
            watch.kill()
    assert watch.returncode == 0, err
    # The message, red's own delivery receipt (sent by the watch) and red "up" (its heartbeat).
    assert f"URGENT {mid} blue -> red: Tanker orbit moved north" in out
    assert "Orbit K now 35.9N" in out
    assert f"red delivered {mid}" in out
    assert "hotline up: red" in out
    assert "3 event(s)" in out and "resume with --after" in out
    with deployment.http("blue") as h:
        recipient = h.get(f"/messages/{mid}").json()["recipients"][0]
        status = {s["party"]: s["state"] for s in h.get("/hotline/status").json()}
    assert recipient["delivered_at"] is not None and recipient["acknowledged_at"] is None
    assert status["red"] == "up"


def row_of(table: str, ident: str) -> str:
    """The table row whose first cell is a prefix (6 characters or more) of `ident`."""
    for line in table.splitlines():
        first = line.split()[:1]
        if first and len(first[0]) >= 6 and ident.startswith(first[0]):
            return line
    raise AssertionError(f"no row for {ident} in\n{table}")


def test_send_inbox_ack_heartbeat_status(deployment: Deployment) -> None:
    blue, red = deployment.env("blue"), deployment.env("red")
    mid = sent_id(
        run("hotline", "send", "--to", "red", "--subject", "Exercise [Alpha] at 0900Z", env=blue)
    )
    inbox, table, beat = run_all(
        [
            (("hotline", "inbox", "--pending", "--json"), red),
            (("hotline", "inbox"), red),
            (("hotline", "heartbeat"), blue),
        ]
    )
    assert beat.returncode == 0, beat.stderr
    assert "blue: hotline up" in beat.stdout and "every 300 s" in beat.stdout
    assert inbox.returncode == 0, inbox.stderr
    mine = next(m for m in json.loads(inbox.stdout) if m["id"] == mid)
    assert mine["from"] == "blue" and mine["state"] == "pending" and mine["signed"]
    row = row_of(table.stdout, mid)  # the table shows the id's short prefix
    assert "Exercise [Alpha] at 0900Z" in row and "routine" in row and "pending" in row
    assert re.search(r"\d\d:\d\d in 1[45] min", row)  # 15 min to acknowledge a routine one
    acked = run("hotline", "ack", mid, "--reply", "Understood, clear of Alpha", env=red)
    assert acked.returncode == 0, acked.stderr
    assert f"{mid} acknowledged by red" in acked.stdout and "on time" in acked.stdout
    pending, outbox, again, status = run_all(
        [
            (("hotline", "inbox", "--pending", "--json"), red),
            (("hotline", "inbox", "--box", "out"), blue),
            (("hotline", "ack", mid), red),  # once only
            (("hotline", "status"), red),
        ]
    )
    # by name, to the second today with how long ago (a heartbeat's freshness)
    assert re.search(r"\(blue\)\s*│ up\s*│ \d\d:\d\d:\d\d \(", status.stdout), status.stdout
    assert mid not in [m["id"] for m in json.loads(pending.stdout)]
    row = row_of(outbox.stdout, mid)
    assert "acknowledged" in row and "1/1 acked" in row
    assert again.returncode == 2 and "already" in again.stderr


def test_bad_input_is_refused_clearly_and_stores_nothing(
    deployment: Deployment, tmp_path: Path
) -> None:
    blue = deployment.env("blue")
    before = deployment.ledger()
    send = ("hotline", "send", "--to", "red", "--subject", "x")
    notice = tmp_path / "notice.geojson"
    notice.write_text(json.dumps(circle(20.0, 60.0, start=datetime.now(UTC) + timedelta(hours=3))))
    cases: list[tuple[tuple[str, ...], dict[str, str], str]] = [
        (("hotline", "send", "--to", "purple", "--subject", "x"), blue, "unknown party 'purple'"),
        (send, {**blue, "INTERLOCK_PARTY": "purple"}, "'purple' but the token is blue's"),
        (send, {**blue, "INTERLOCK_KEY": str(tmp_path / "no.key")}, "cannot read a private key"),
        (send, deployment.env("blue", key="red"), "not one of blue's public keys"),
        ((*send, "--ref", "notice:n-0000000000000000"), blue, "no notice 'n-0000000000000000'"),
        (("hotline", "ack", "m-0000000000000000"), deployment.env("red"), "no message"),
        (("notice", "submit", str(notice)), deployment.env("blue", key="red"), "not one of blue's"),
    ]  # fmt: skip
    no_key = {k: v for k, v in blue.items() if k != "INTERLOCK_KEY"}
    cases.append((send, no_key, "no key to sign with"))
    for (args, _, reason), out in zip(cases, run_all([(a, e) for a, e, _ in cases]), strict=True):
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert reason in " ".join(out.stderr.split()), (args, out.stderr)
        assert "Traceback" not in out.stderr
    # An addressee-only act: blue cannot acknowledge its own message.
    mid = sent_id(run(*send, env=blue))
    own = run("hotline", "ack", mid, env=blue)
    assert own.returncode == 2 and "addressed to blue" in own.stderr  # the 404 of issue 14
    after = deployment.ledger()
    assert after[: len(before)] == before
    assert [e["event"]["type"] for e in after[len(before) :]] == ["message"]  # the one sent


def test_timeline_of_a_late_acknowledged_flash_message(
    deployment: Deployment, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=90)
    activity = circle(35.8, 35.5, start=start)
    payload = tmp_path / "activity.json"
    payload.write_text(
        json.dumps(
            {
                "activity": {
                    "geometry": activity["geometry"],
                    "radius_m": 5000,
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                }
            }
        )
    )
    sent = run(
        "hotline", "send", "--to", "red", "--subject", "SAM live fire", "--priority", "flash",
        "--payload", str(payload), env=deployment.env("blue"),
    )  # fmt: skip
    mid = sent_id(sent)
    assert "flash to red: acknowledge by" in sent.stdout
    with deployment.client("red") as red:
        red.deliver(mid)  # what red's watch would do
    with deployment.http("blue") as h:  # past the 2 s flash deadline the server escalates
        deadline = time.monotonic() + 10
        while not h.get(f"/messages/{mid}").json()["recipients"][0]["escalations"]:
            assert time.monotonic() < deadline, "no escalation"
            time.sleep(0.1)
    acked = run("hotline", "ack", mid, "--reply", "Holding south", env=deployment.env("red"))
    assert acked.returncode == 0, acked.stderr
    assert "late" in acked.stdout
    out = run(
        "audit",
        "timeline",
        str(deployment.directory),
        mid,
        env={**WIDE, **pg.child_env(deployment.directory)},
    )
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())  # undo the table's wrapping
    assert "blue -> red: flash 'SAM live fire' (signed by blue)" in text
    assert "deadline" in text and "(2 s)" in text
    assert re.search(r"lead time (89\.\d|90\.0) min \(meets the 60 min rule\)", text)
    assert "red's client reported delivery" in text
    assert "escalation 1: red had not acknowledged" in text
    assert re.search(r"red acknowledged \d+\.\d s after sending: LATE", text)
    assert "reply 'Holding south'" in text
    summary = next(line for line in out.stdout.splitlines() if line.startswith("red: "))
    assert "delivered +" in summary and "(LATE)" in summary and "escalated" in summary
    assert text.index("delivery") < text.index("escalation 1") < text.index("LATE")


def test_signed_notice_and_the_system_message_in_its_timeline(
    deployment: Deployment, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    mine, theirs = tmp_path / "blue.geojson", tmp_path / "red.geojson"
    mine.write_text(json.dumps(circle(20.0, 60.0, start=start)))
    theirs.write_text(json.dumps(circle(20.05, 60.0, start=start)))
    filed = run("notice", "submit", str(mine), env=deployment.env("blue"))
    assert filed.returncode == 0, filed.stderr
    nid = re.search(r"(n-[0-9a-f]{16}) filed", filed.stdout).group(1)  # type: ignore[union-attr]
    version = next(
        e["event"] for e in deployment.ledger() if e["event"].get("type") == "notice_version"
    )
    assert version["envelope"]["author"] == "blue"  # the record holds blue's signature
    # Red, without a key, files as before (unsigned); the conflict goes to both parties.
    red_env = {k: v for k, v in deployment.env("red").items() if k != "INTERLOCK_KEY"}
    assert run("notice", "submit", str(theirs), env=red_env).returncode == 0
    with deployment.http("blue") as h:
        inbox = h.get("/messages", params={"box": "in"}).json()
    system = next(
        m for m in inbox if m["from"] == "interlock" and {"kind": "notice", "id": nid} in m["refs"]
    )
    assert run("hotline", "ack", system["id"], env=deployment.env("blue")).returncode == 0
    out = run(
        "audit",
        "timeline",
        str(deployment.directory),
        nid,
        env={**WIDE, **pg.child_env(deployment.directory)},
    )
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "version 1 filed by blue" in text and "conflict #" in text
    assert f"system message {system['id']}: interlock (system) -> blue, red" in text
    assert re.search(rf"blue acknowledged {system['id']} \d+\.\d s after sending: on time", text)
    assert text.index("version 1") < text.index("system message") < text.index("acknowledged")


def test_an_acknowledgement_bound_to_the_log_reads_in_the_timeline(
    deployment: Deployment, tmp_path: Path
) -> None:
    """`hotline ack --state DIR` witnesses the log, binds the receipt to the checkpoint
    that holds the message, and says so; the timeline tells a person the same."""
    sent = run(
        "hotline", "send", "--to", "red", "--subject", "Tanker orbit moved",
        env=deployment.env("blue"),
    )  # fmt: skip
    mid = sent_id(sent)
    state = tmp_path / "red-state"
    acked = run("hotline", "ack", mid, "--state", str(state), env=deployment.env("red"))
    assert acked.returncode == 0, acked.stderr
    found = re.search(r"you had verified the record to entry (\d+)", acked.stdout)
    assert found is not None, acked.stdout
    size = int(found.group(1))
    entries = deployment.ledger()
    message = next(e for e in entries if e["event"].get("id") == mid)
    (receipt,) = [e for e in entries if e["event"].get("message") == mid]
    assert message["seq"] <= size < receipt["seq"]
    assert receipt["event"]["envelope"]["body"]["checkpoint"]["size"] == size
    assert (state / "servers.json").is_file()  # the witness state it verified and kept
    out = run(
        "audit", "timeline", str(deployment.directory), mid,
        env={**WIDE, **pg.child_env(deployment.directory)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert f"red had verified the record to entry {size}" in text
    summary = next(line for line in out.stdout.splitlines() if line.startswith("red: "))
    assert f"had verified the record to entry {size}" in summary


def test_watch_shows_what_a_receipt_had_verified() -> None:
    from interlock.cli.hotline import describe

    body = {"message": "m-1", "status": "delivered"}
    event = {"type": "receipt", "party": "red", "status": "delivered", "message": "m-1"}
    entry = {"seq": 9, "received_at": "2030-01-01T00:00:00Z", "event": event}
    bound = {**body, "checkpoint": {"size": 8, "root": "A" * 43 + "="}}
    assert "had verified" not in describe(
        {**entry, "event": {**event, "envelope": {"body": body}}}, "blue"
    )
    line = describe({**entry, "event": {**event, "envelope": {"body": bound}}}, "blue")
    assert "red delivered m-1" in line and "(had verified the record to entry 8)" in line
