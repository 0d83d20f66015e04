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
    # ...and a header edited to match the shorter chain: the log signed n entries.
    short = {**header, "entries": n - 2, "head": entries[-3]["hash"]}
    reason = tampered(verify(write(tmp_path / "f", short, entries[:-2])), "in the header")
    assert f"signed for {n} entries, the header announces {n - 2}" in reason
    # ...and with the log's checkpoint taken out too: the head it states is not the last.
    short = {k: v for k, v in header.items() if k != "log"} | {"entries": n - 2}
    reason = tampered(verify(write(tmp_path / "f2", short, entries[:-2])), f"at entry {n - 2}")
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
    # The log's signed checkpoint names the true agreement (its origin is its hash's start).
    assert "not this agreement's" in tampered(out, "in the header")
    forged = {k: v for k, v in forged.items() if k != "log"}  # ...so the forger drops it
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


def rehashed(entries: list[dict[str, Any]], first: int) -> list[dict[str, Any]]:
    """Entries from position `first` (0-based) on chained again, as a forger would."""
    out = entries[:first]
    for e in entries[first:]:
        prev = out[-1]["hash"] if out else "0" * 64
        out.append(make_entry(e["seq"], prev, e["received_at"], e["event"], e["audience"]))
    return out


def test_a_rehashed_chain_misses_the_logs_signed_root(deployment: Path, tmp_path: Path) -> None:
    """Every link and the header made to match after an entry is changed, or one dropped
    and one made up in its place: only the root the log signed can tell, and does."""
    header, entries = export(deployment, tmp_path / "ledger.jsonl")
    assert header["log"]["note"].startswith(header["log"]["origin"] + "\n")
    conflict = next(i for i, e in enumerate(entries) if e["event"]["type"] == "conflict")
    e = copy.deepcopy(entries)
    e[conflict]["event"]["severity"] = "info"  # the server's own event: no signature
    forged = rehashed(e, conflict)
    out = verify(write(tmp_path / "a", {**header, "head": forged[-1]["hash"]}, forged))
    assert "do not make the Merkle root the log signed" in tampered(out, "in the header")
    # Dropped, and a system event made up at the end to keep the count.
    e = copy.deepcopy(entries)
    del e[conflict]
    for i, x in enumerate(e):
        x["seq"] = i + 1
    e.append({**copy.deepcopy(entries[-1]), "seq": len(entries), "event": {"type": "channel"}})
    forged = rehashed(e, conflict)
    out = verify(write(tmp_path / "b", {**header, "head": forged[-1]["hash"]}, forged))
    assert "do not make the Merkle root the log signed" in tampered(out, "in the header")
    # The log's checkpoint altered: its signature fails.
    note = header["log"]["note"].replace(f"\n{len(entries)}\n", f"\n{len(entries) - 1}\n")
    out = verify(write(tmp_path / "c", {**header, "log": {**header["log"], "note": note}}, entries))
    assert "log checkpoint" in tampered(out, "in the header")


def test_an_export_must_extend_the_checkpoint_a_witness_holds(
    deployment: Path, tmp_path: Path
) -> None:
    """The holder of the log key can sign a shorter or rewritten history; a party's own
    witness state (a checkpoint it verified earlier) still tells."""
    from interlock.ledger import checkpoint as cp
    from interlock.ledger import merkle
    from interlock.ledger.note import parse_verifier_key, raw_public
    from interlock.service.bootstrap import LOG_KEY_FILE
    from interlock.witness import Verified, WitnessState

    header, entries = export(deployment, tmp_path / "ledger.jsonl")
    log = header["log"]
    held = cp.open_checkpoint(log["note"], parse_verifier_key(log["log_key"]).public)
    state = WitnessState(tmp_path / "state")
    c = held.checkpoint
    state.save(Verified(c.origin, log["log_key"], "", c.size, c.root, held.time, log["note"]))
    assert verify(tmp_path / "ledger.jsonl", "--state", str(tmp_path / "state")).exit_code == 0

    # The operator cuts the tail and signs the shorter tree with the log key itself.
    key = read_private(deployment / LOG_KEY_FILE)
    short = entries[:-2]
    root = merkle.root_of([merkle.leaf_hash(merkle.leaf_input(e["hash"])) for e in short])
    note = cp.sign_checkpoint(cp.Checkpoint(c.origin, len(short), root), key, held.time).text()
    forged = {
        **header,
        "entries": len(short),
        "head": short[-1]["hash"],
        "log": {**log, "note": note},
    }
    path = write(tmp_path / "short", forged, short)
    assert verify(path).exit_code == 0  # alone, a re-signed shorter history looks whole
    reason = tampered(
        verify(path, "--state", str(tmp_path / "state")), f"at entry {len(short) + 1}"
    )
    assert f"before the checkpoint you hold ({len(entries)} entries)" in reason

    # Another log key: not the one pinned.
    other = new_private()
    public = raw_public(other.public_key())
    signed = cp.sign_checkpoint(c, other, held.time).text()
    from interlock.ledger.note import verifier_key

    swapped = {**header, "log": {**log, "note": signed, "log_key": verifier_key(c.origin, public)}}
    out = verify(write(tmp_path / "swapped", swapped, entries), "--state", str(tmp_path / "state"))
    assert "another key than the one you pinned" in tampered(out, "in the header")
    # --state needs a checkpoint to compare.
    bare = {k: v for k, v in header.items() if k != "log"}
    out = verify(write(tmp_path / "bare", bare, entries), "--state", str(tmp_path / "state"))
    assert out.exit_code == 2 and "carries no signed checkpoint" in out.output
