"""The evidence bundle's check (`ledger.bundle`), pure: a chain of signed and system
entries, proofs from an independent tree (`merkle.root_of`'s recursion checks the root),
a checkpoint signed by the log key; each boundary just inside and just outside."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from interlock.codec.canonical import digest
from interlock.codec.keys import public_text
from interlock.ledger import checkpoint as cp
from interlock.ledger import merkle
from interlock.ledger.bundle import check_bundle, make_bundle
from interlock.ledger.chain import GENESIS, make_entry
from interlock.ledger.envelope import sign
from interlock.ledger.note import raw_public, verifier_key

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BLUE = Ed25519PrivateKey.generate()
LOG = Ed25519PrivateKey.generate()
AGREEMENT = {
    "name": "test",
    "parties": [
        {"id": "blue", "name": "Blue", "public_keys": [public_text(BLUE.public_key())]},
        {"id": "red", "name": "Red", "public_keys": []},
    ],
}


def chain(n: int) -> list[dict[str, Any]]:
    """n entries: every third a message blue signed (to red), the rest system events."""
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        at = T0 + timedelta(seconds=i)
        if i % 3 == 0:
            body = {"to": ["red"], "priority": "routine", "subject": f"m{i}", "body": ""}
            env = sign("message", "blue", body, BLUE, at)
            event = {
                "type": "message",
                "id": f"m-{i:016x}",
                "from": "blue",
                "to": ["red"],
                "priority": "routine",
                "deadline": at.isoformat(),
                "envelope": env,
            }
        else:
            event = {"type": "violation", "kind": "late_notice", "detail": f"d{i}"}
        e = make_entry(i, prev, at.isoformat().replace("+00:00", "Z"), event, ["blue", "red"])
        out.append(e)
        prev = e["hash"]
    return out


def bundle(entries: list[dict[str, Any]], cited: list[int], size: int | None = None) -> Any:
    size = size or len(entries)
    leaves = [merkle.leaf_hash(merkle.leaf_input(e["hash"])) for e in entries[:size]]
    tree = merkle.History()
    for leaf in leaves:
        tree.append(leaf)
    root = tree.root(size)
    assert root == merkle.root_of(leaves)  # the recursion of RFC 9162 §2.1.1 agrees
    origin = cp.origin_for(digest(AGREEMENT))
    note = cp.sign_checkpoint(cp.Checkpoint(origin, size, root), LOG, 1).text()
    log = {
        "origin": origin,
        "log_key": verifier_key(origin, raw_public(LOG.public_key())),
        "note": note,
        "size": size,
        "root": base64.b64encode(root).decode(),
    }
    proofs = [
        [base64.b64encode(h).decode() for h in merkle.inclusion_proof(s - 1, size, tree.node)]
        for s in cited
    ]
    return make_bundle(
        party="blue",
        subject={"kind": "period"},
        generated_at="",
        server="",
        agreement=AGREEMENT,
        log=log,
        entries=[entries[s - 1] for s in cited],
        proofs=proofs,
    )


def check(data: Any, key: Ed25519PrivateKey = LOG) -> tuple[int, str | None]:
    verdict = check_bundle(data, raw_public(key.public_key()))
    p = verdict.problem
    return (verdict.count, None) if p is None else (p.seq, p.reason)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9])
def test_every_entry_of_trees_of_each_shape_verifies(size: int) -> None:
    entries = chain(9)
    cited = list(range(1, size + 1))  # the first and the last leaf of the tree included
    assert check(bundle(entries, cited, size)) == (size, None)


def test_an_entry_at_the_checkpoints_size_verifies_and_one_past_it_does_not() -> None:
    entries = chain(9)
    data = bundle(entries, [3, 8], size=8)
    assert check(data) == (2, None)
    past = copy.deepcopy(data)
    past["entries"][1]["entry"] = entries[8]  # entry 9, with entry 8's proof
    seq, reason = check(past)
    assert seq == 9 and reason is not None and "beyond the checkpoint's 8 entries" in reason


def test_a_proof_for_another_size_or_with_one_hash_less_fails() -> None:
    data = bundle(chain(9), [3, 6, 9])
    other = copy.deepcopy(data)
    other["entries"][0]["inclusion"]["size"] = 8
    assert check(other)[0] == 3 and "not the checkpoint's 9" in str(check(other)[1])
    short = copy.deepcopy(data)
    short["entries"][1]["inclusion"]["proof"].pop()
    assert check(short)[0] == 6 and "inclusion proof" in str(check(short)[1])


def test_a_signature_changed_and_a_signer_without_a_key() -> None:
    data = bundle(chain(9), [3])
    forged = copy.deepcopy(data)
    env = forged["entries"][0]["entry"]["event"]["envelope"]
    env["body"]["subject"] = "changed"  # the content hash no longer matches
    assert check(forged)[0] == 3 and "content changed" in str(check(forged)[1])
    resigned = copy.deepcopy(data)  # another key's signature, every hash made anew
    e = resigned["entries"][0]["entry"]
    body = e["event"]["envelope"]["body"]
    other = sign("message", "blue", body, Ed25519PrivateKey.generate(), T0)
    e["event"]["envelope"]["signature"] = other["signature"]
    redone = make_entry(e["seq"], e["prev_hash"], e["received_at"], e["event"], e["audience"])
    resigned["entries"][0]["entry"] = redone
    seq, reason = check(resigned)
    assert seq == 3 and "signature" in str(reason), reason
    unknown = copy.deepcopy(data)
    unknown["agreement"]["parties"][0]["public_keys"] = []
    unknown["agreement_sha256"] = digest(unknown["agreement"])
    # the agreement changed: the log's origin no longer names it
    assert "not the log of the agreement carried" in str(check(unknown)[1])


def test_the_log_key_must_be_the_logs() -> None:
    data = bundle(chain(3), [1, 2, 3])
    assert check(data) == (3, None)
    assert check(data, Ed25519PrivateKey.generate())[1] is not None
    assert "the checkpoint" in str(check(data, Ed25519PrivateKey.generate())[1])


def test_not_a_bundle_and_a_reader_outside_the_audience() -> None:
    assert "not an evidence bundle" in str(check({"x": 1})[1])
    data = bundle(chain(3), [1])
    data["party"] = "green"
    assert "green is not in its audience" in str(check(data)[1])
