"""`interlock audit export` / `verify --file`: an export verifies with nothing else.

A real deployment (`init_with_keys`, the services, signed notices, messages and receipts,
system messages for a conflict) is exported through the CLI; each test edits a copy of the
export as a tamperer would and checks the verdict: exit 1 naming the right entry for any
tampering, 3 for a signature whose party has no key, 0 for the untouched export.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.conftest import circle, deployment_env, signed_notice
from typer.testing import CliRunner, Result

from interlock.cli.audit import EXIT_TAMPERED, EXIT_UNCHECKED
from interlock.cli.main import app
from interlock.codec.canonical import digest
from interlock.codec.keys import key_id, public_text
from interlock.ledger.chain import make_entry
from interlock.ledger.envelope import sign
from interlock.ledger.keys import new_private, read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT, load_agreement
from interlock.service.bootstrap import AGREEMENT_FILE, init_with_keys, open_services

runner = CliRunner()


def make_deployment(directory: Path) -> None:
    """Signed notices, a message and its receipts, a conflict and its system messages."""
    _, _, key_files = init_with_keys(directory, EXAMPLE_AGREEMENT)
    keys = {p: read_private(f) for p, f in key_files.items()}
    services = open_services(directory)
    service, hotline = services.notices, services.hotline
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)

    def now() -> datetime:
        return datetime.now(UTC)

    service.submit(
        "blue", signed_notice("blue", keys["blue"], circle(20.0, 60.0, start=start), now())
    )
    body = {"to": ["red"], "priority": "urgent", "subject": "transit", "body": "FL250"}
    sent = hotline.send("blue", sign("message", "blue", body, keys["blue"], now()))
    for status in ("delivered", "acknowledged"):
        receipt = {"message": sent["id"], "status": status}
        hotline.receipt("red", sent["id"], sign("receipt", "red", receipt, keys["red"], now()))
    service.submit(
        "red", signed_notice("red", keys["red"], circle(20.02, 60.0, start=start), now())
    )
    service.submit("blue", circle(21.0, 60.0, start=start))  # unsigned: allowed by the rules
    service.submit(
        "blue", signed_notice("blue", keys["blue"], circle(22.0, 60.0, start=start), now())
    )
    service.store.close()


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    directory = tmp_path / "deploy"
    make_deployment(directory)
    return directory


def cli(*args: str) -> Result:
    return runner.invoke(app, ["audit", *args], env={"COLUMNS": "300"})


def export(directory: Path, to: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    out = cli("export", str(directory), str(to))
    assert out.exit_code == 0, out.output
    lines = [orjson.loads(line) for line in to.read_bytes().splitlines()]
    return lines[0], lines[1:]


def write(to: Path, header: dict[str, Any], entries: list[dict[str, Any]]) -> Path:
    to.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in [header, *entries]))
    return to


def verify(path: Path, *extra: str) -> Result:
    return cli("verify", "--file", str(path), *extra)


def signed_by(entries: list[dict[str, Any]], party: str) -> list[int]:
    """Positions (1-based) of the entries signed by `party`."""
    return [e["seq"] for e in entries if e["event"].get("envelope", {}).get("author") == party]


def test_an_untouched_export_verifies_alone_in_a_fresh_process(
    deployment: Path, tmp_path: Path
) -> None:
    file = tmp_path / "ledger.jsonl"
    header, entries = export(deployment, file)
    assert header["entries"] == len(entries) and header["head"] == entries[-1]["hash"]
    agreement = load_agreement(deployment / AGREEMENT_FILE).to_dict()
    assert header["agreement_sha256"] == digest(agreement)  # RFC 8785 form, SHA-256
    assert set(header["keys"]) == {"blue", "red"} and signed_by(entries, "red")
    kinds = {e["event"]["type"] for e in entries}
    assert {"notice_version", "message", "receipt", "conflict"} <= kinds
    # Nothing but the export: a fresh process in an empty directory, no agreement given.
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    (alone / "ledger.jsonl").write_bytes(file.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "INTERLOCK_DB"}
    out = subprocess.run(
        [sys.executable, "-m", "interlock.cli", "audit", "verify", "--file", "ledger.jsonl"],
        capture_output=True, text=True, cwd=alone, env={**env, "COLUMNS": "300"}, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"OK {len(entries)} entries" in out.stdout
    assert header["agreement_sha256"] in out.stdout
    # The same with the deployment's agreement given, and the server directory itself.
    assert verify(file, "--agreement", str(deployment / AGREEMENT_FILE)).exit_code == 0
    child = {**os.environ, **deployment_env(deployment), "COLUMNS": "300"}
    out = subprocess.run(
        [sys.executable, "-m", "interlock.cli", "audit", "verify", str(deployment)],
        capture_output=True, text=True, env=child, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0 and f"OK {len(entries)} entries" in out.stdout, out.stdout


def tampered(out: Result, where: str) -> str:
    assert out.exit_code == EXIT_TAMPERED, out.output
    found = re.search(r"TAMPERED (at entry \d+|in the header): (.*)", out.output)
    assert found is not None, out.output
    assert found.group(1) == where, out.output
    return found.group(2)


def test_each_tampering_is_named(deployment: Path, tmp_path: Path) -> None:
    header, entries = export(deployment, tmp_path / "ledger.jsonl")
    n = len(entries)
    message = next(e["seq"] for e in entries if e["event"]["type"] == "message")
    conflict = next(e["seq"] for e in entries if e["event"]["type"] == "conflict")

    # One byte of a signed statement (the message's subject), and of a system event.
    e = copy.deepcopy(entries)
    env = e[message - 1]["event"]["envelope"]
    env["body"]["subject"] = "transiT"
    reason = tampered(verify(write(tmp_path / "a", header, e)), f"at entry {message}")
    assert "content changed" in reason
    e = copy.deepcopy(entries)
    e[conflict - 1]["event"]["parties"] = ["blue", "red", "green"]
    assert "content changed" in tampered(
        verify(write(tmp_path / "b", header, e)), f"at entry {conflict}"
    )

    # A deleted entry: the one after it is out of sequence.
    e = copy.deepcopy(entries)
    del e[2]
    assert "sequence 4 where 3" in tampered(verify(write(tmp_path / "c", header, e)), "at entry 3")

    # Two entries swapped: the first moved one is named.
    e = copy.deepcopy(entries)
    e[3], e[4] = e[4], e[3]
    assert "sequence 5 where 4" in tampered(verify(write(tmp_path / "d", header, e)), "at entry 4")

    # A truncated tail: every remaining link holds, only the header can tell.
    reason = tampered(verify(write(tmp_path / "e", header, entries[:-2])), f"at entry {n - 1}")
    assert f"ends after {n - 2} of the {n} entries" in reason
    assert "in the header" not in reason
    # ...and a header edited to match the shorter chain still lacks the head it states.
    short = {**header, "entries": n - 2}
    reason = tampered(verify(write(tmp_path / "f", short, entries[:-2])), f"at entry {n - 2}")
    assert "head hash" in reason
    # An entry added beyond the announced count.
    extra = make_entry(n + 1, entries[-1]["hash"], entries[-1]["received_at"], {"type": "x"})
    reason = tampered(verify(write(tmp_path / "g", header, [*entries, extra])), f"at entry {n + 1}")
    assert f"beyond the {n} entries" in reason


def attacker_header(header: dict[str, Any], party: str, rehash: bool) -> dict[str, Any]:
    forged = copy.deepcopy(header)
    attacker = public_text(new_private().public_key())
    for p in forged["agreement"]["parties"]:
        if p["id"] == party:
            p["public_keys"] = [attacker]
    forged["keys"][party] = [attacker]
    if rehash:
        forged["agreement_sha256"] = digest(forged["agreement"])
    return forged


def test_an_attackers_keys_in_the_header_fail(deployment: Path, tmp_path: Path) -> None:
    header, entries = export(deployment, tmp_path / "ledger.jsonl")
    first_red = signed_by(entries, "red")[0]
    # Keys and hash replaced together: the agreement hash differs from the true one (shown
    # by verify), and red's signatures are not by the attacker's key.
    forged = attacker_header(header, "red", rehash=True)
    out = verify(write(tmp_path / "a", forged, entries))
    reason = tampered(out, f"at entry {first_red}")
    red_key = key_id(header["keys"]["red"][0])
    assert f"signature: no key {red_key} among party 'red'" in reason
    # Keys replaced but not the hash: the header itself does not hold.
    out = verify(write(tmp_path / "b", attacker_header(header, "red", rehash=False), entries))
    assert "agreement's hash is" in tampered(out, "in the header")
    # Only the `keys` table replaced: not the agreement's keys.
    only = copy.deepcopy(header)
    only["keys"]["red"] = [public_text(new_private().public_key())]
    out = verify(write(tmp_path / "c", only, entries))
    assert "not the agreement's" in tampered(out, "in the header")
    # With the true agreement given, its keys are used, and the hashes are compared.
    out = verify(tmp_path / "a", "--agreement", str(deployment / AGREEMENT_FILE))
    assert out.exit_code == EXIT_TAMPERED and "AGREEMENT DIFFERS" in out.output, out.output
    assert header["agreement_sha256"] in out.output and forged["agreement_sha256"] in out.output


def test_an_unknown_key_cannot_be_checked_and_is_not_tampering(
    deployment: Path, tmp_path: Path
) -> None:
    # Red's key later struck from the agreement: red's statements can no longer be checked.
    text = (deployment / AGREEMENT_FILE).read_text()
    red_key = load_agreement(deployment / AGREEMENT_FILE).party("red").public_keys[0]
    (deployment / AGREEMENT_FILE).write_text(text.replace(f'"{red_key}"', ""))
    assert load_agreement(deployment / AGREEMENT_FILE).party("red").public_keys == ()
    header, entries = export(deployment, tmp_path / "ledger.jsonl")
    red = signed_by(entries, "red")
    out = verify(tmp_path / "ledger.jsonl")
    assert out.exit_code == EXIT_UNCHECKED == 3, out.output
    assert "TAMPERED" not in out.output
    assert f"CANNOT CHECK {len(red)} of the signatures (first at entry {red[0]})" in out.output
    assert "cannot check: no key for party 'red'" in out.output
    # The server directory says the same.
    out = cli("verify", str(deployment))
    assert out.exit_code == EXIT_UNCHECKED and "no key for party 'red'" in out.output
    # Tampering after the unchecked signature is still tampering.
    blue_after = next(s for s in signed_by(entries, "blue") if s > red[0])
    e = copy.deepcopy(entries)
    e[blue_after - 1]["event"]["envelope"]["nonce"] += "0"
    assert "content changed" in tampered(
        verify(write(tmp_path / "t", header, e)), f"at entry {blue_after}"
    )


def test_an_export_without_a_header_still_verifies_with_the_agreement(
    deployment: Path, tmp_path: Path
) -> None:
    _, entries = export(deployment, tmp_path / "ledger.jsonl")
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entries))
    out = verify(bare, "--agreement", str(deployment / AGREEMENT_FILE))
    assert out.exit_code == 0 and "no header: length unchecked" in out.output, out.output
    out = verify(bare)  # no keys at all: nothing tampered, signatures unchecked
    assert out.exit_code == EXIT_UNCHECKED, out.output


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda h: h.update(interlock_export=2), "format 2"),
        (lambda h: h.pop("head"), "malformed"),
        (lambda h: h.update(entries=-1), "malformed"),
        (lambda h: h.update(agreement="text"), "malformed"),
    ],
)
def test_a_malformed_header_is_named(
    deployment: Path, tmp_path: Path, edit: Any, reason: str
) -> None:
    header, entries = export(deployment, tmp_path / "ledger.jsonl")
    edit(header)
    assert reason in tampered(verify(write(tmp_path / "x", header, entries)), "in the header")
