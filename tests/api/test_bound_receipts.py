"""Receipts bound to the log (issue 16, step 3), end to end over a real server.

A receipt may carry the checkpoint its signer had verified; the server stores it only if
it is the root of this log's tree at that size and that tree holds the message's entry
(else 422 naming `checkpoint.root` / `checkpoint.size`, nothing stored). The client with a
witness state binds every receipt, the stream's included, with one witness round for a
burst. Roots are checked here against the brute-force RFC 9162 recursion over the
entries' hashes (`merkle.root_of`), not the store's nodes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.test_hotline import Collector, wait_for
from tests.conftest import LiveServer

from interlock.client import Client
from interlock.ledger import merkle
from interlock.ledger.chain import audit
from interlock.witness import WitnessError, WitnessState

SAFE = 2**53 - 1  # the largest integer RFC 8785 signs (I-JSON): a signed size is at most it


def entries(live: LiveServer) -> list[dict[str, Any]]:
    return list(live.service.store.ledger_entries())


def root_at(all_entries: list[dict[str, Any]], size: int) -> str:
    leaves = [merkle.leaf_hash(bytes.fromhex(e["hash"])) for e in all_entries[:size]]
    return base64.b64encode(merkle.root_of(leaves)).decode()


@pytest.fixture
def clients(live_server: LiveServer) -> Iterator[dict[str, Client]]:
    made = {p: live_server.party_client(p) for p in ("blue", "red")}
    yield made
    for c in made.values():
        c.close()


def keys(live: LiveServer) -> dict[str, list[str]]:
    return {p.id: list(p.public_keys) for p in live.service.agreement.parties}


def post_receipt(red: Client, message_id: str, checkpoint: Any) -> httpx.Response:
    body = {"message": message_id, "status": "acknowledged", "checkpoint": checkpoint}
    return red.http.post(f"/messages/{message_id}/receipts", json=red.sign("receipt", body))


def test_a_receipt_with_a_good_checkpoint_is_stored_and_audits(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red = clients["blue"], clients["red"]
    sent = blue.send("red", "bound")
    blue.send("red", "after it")  # the tree grows past the message
    log = entries(live_server)
    seq = sent["seq"]
    for size in (seq, len(log)):  # exactly at the message, and beyond it
        good = {"size": size, "root": root_at(log, size)}
        status = "delivered" if size == seq else "acknowledged"
        body = {"message": sent["id"], "status": status, "checkpoint": good}
        r = red.http.post(f"/messages/{sent['id']}/receipts", json=red.sign("receipt", body))
        assert r.status_code == 201, r.text
    stored = [e for e in entries(live_server) if e["event"]["type"] == "receipt"]
    assert [e["event"]["envelope"]["body"]["checkpoint"]["size"] for e in stored] == [
        seq,
        len(log),
    ]
    verdict = audit(entries(live_server), keys(live_server))
    assert verdict.problem is None and verdict.count == len(log) + 2


def test_bad_checkpoints_are_refused_naming_the_field_and_store_nothing(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red = clients["blue"], clients["red"]
    blue.send("red", "earlier")
    sent = blue.send("red", "to bind")
    blue.send("red", "later")
    log = entries(live_server)
    n, seq = len(log), sent["seq"]
    good_root = root_at(log, n)
    root = base64.b64decode(good_root)
    cases: list[tuple[Any, str]] = [
        # a root this log had at another size
        ({"size": n, "root": root_at(log, n - 1)}, "checkpoint.root"),
        ({"size": seq, "root": root_at(log, seq + 1)}, "checkpoint.root"),
        ({"size": n, "root": base64.b64encode(bytes(32)).decode()}, "checkpoint.root"),
        # a size before the message: the log's true root there, but not holding it
        ({"size": seq - 1, "root": root_at(log, seq - 1)}, "checkpoint.size"),
        # beyond the log
        ({"size": n + 1, "root": good_root}, "checkpoint.size"),
        ({"size": SAFE, "root": good_root}, "checkpoint.size"),
        # malformed
        (None, "checkpoint"),
        ([n, good_root], "checkpoint"),
        ({"size": n, "root": good_root, "origin": "x"}, "checkpoint.origin"),
        ({"root": good_root}, "checkpoint.size"),
        ({"size": 0, "root": good_root}, "checkpoint.size"),
        ({"size": -1, "root": good_root}, "checkpoint.size"),
        ({"size": True, "root": good_root}, "checkpoint.size"),
        ({"size": str(n), "root": good_root}, "checkpoint.size"),
        ({"size": float(n), "root": good_root}, "checkpoint.size"),
        ({"size": n}, "checkpoint.root"),
        ({"size": n, "root": root.hex()}, "checkpoint.root"),
        ({"size": n, "root": base64.urlsafe_b64encode(root * 3).decode()}, "checkpoint.root"),
        ({"size": n, "root": good_root.rstrip("=")}, "checkpoint.root"),
        ({"size": n, "root": good_root + " "}, "checkpoint.root"),
        ({"size": n, "root": base64.b64encode(root[:31]).decode()}, "checkpoint.root"),
        ({"size": n, "root": 7}, "checkpoint.root"),
    ]
    before = entries(live_server)
    for checkpoint, field in cases:
        r = post_receipt(red, sent["id"], checkpoint)
        assert r.status_code == 422, (checkpoint, r.text)
        assert r.json()["detail"].startswith(f"{field}: "), (checkpoint, r.json())
    assert entries(live_server) == before
    mine = red.message(sent["id"])["recipients"][0]
    assert mine["delivered_at"] is None and mine["acknowledged_at"] is None
    # ...and the good one still goes through afterwards (no nonce or state was taken).
    assert post_receipt(red, sent["id"], {"size": n, "root": good_root}).status_code == 201


def test_stream_receipts_carry_a_checkpoint_covering_their_message(
    live_server: LiveServer, tmp_path: Path
) -> None:
    blue = live_server.party_client("blue")
    red = Client(
        live_server.url, live_server.tokens["red"], "red", live_server.party_client("red").key,
        clock=live_server.clock, state=tmp_path / "state",
    )  # fmt: skip
    stream = Collector(red)
    try:
        for k in range(4):
            blue.send("red", f"one by one {k}")
            wait_for(lambda k=k: len(_receipts(live_server)) == k + 1)
        ack = blue.send("red", "ack me")
        wait_for(lambda: len(_receipts(live_server)) == 5)
        red.ack(ack["id"], reply="Understood")  # a person's act: the entry read by id
    finally:
        stream.stop()
        red.close()
        blue.close()
    log = entries(live_server)
    seq_of = {e["event"]["id"]: e["seq"] for e in log if e["event"]["type"] == "message"}
    receipts = _receipts(live_server)
    assert len(receipts) == 6
    for e in receipts:
        cp = e["event"]["envelope"]["body"]["checkpoint"]
        assert seq_of[e["event"]["message"]] <= cp["size"] < e["seq"]
        assert cp["root"] == root_at(log, cp["size"])
    held = WitnessState(tmp_path / "state").last_verified(live_server.url)
    assert held is not None and held.size >= max(seq_of.values())
    assert audit(log, keys(live_server)).problem is None


def _receipts(live: LiveServer) -> list[dict[str, Any]]:
    return [e for e in entries(live) if e["event"]["type"] == "receipt"]


def test_one_witness_round_covers_a_burst(live_server: LiveServer, tmp_path: Path) -> None:
    blue = live_server.party_client("blue")
    sent = [blue.send("red", f"burst {k}") for k in range(12)]
    red = Client(
        live_server.url, live_server.tokens["red"], "red", live_server.party_client("red").key,
        clock=live_server.clock, state=tmp_path / "state",
    )  # fmt: skip
    stream = Collector(red)
    try:
        wait_for(lambda: len(_receipts(live_server)) == len(sent))
    finally:
        stream.stop()
        red.close()
        blue.close()
    assert red.witness_rounds == 1
    sizes = {e["event"]["envelope"]["body"]["checkpoint"]["size"] for e in _receipts(live_server)}
    assert len(sizes) == 1 and sizes.pop() >= sent[-1]["seq"]


def test_without_a_state_receipts_stay_unbound_and_valid(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    sent = clients["blue"].send("red", "old client")
    clients["red"].ack(sent["id"])
    (r,) = _receipts(live_server)
    assert "checkpoint" not in r["event"]["envelope"]["body"]
    assert audit(entries(live_server), keys(live_server)).problem is None


def test_a_client_refuses_to_bind_to_a_log_that_fails_its_witness_check(
    live_server: LiveServer, clients: dict[str, Client], tmp_path: Path
) -> None:
    """The server now names its log otherwise than the state pinned for its URL: the
    person's acknowledgement is refused by the client itself, nothing sent."""
    sent = clients["blue"].send("red", "the log changed its name")
    state = WitnessState(tmp_path / "state")
    state.directory.mkdir()
    (state.directory / "servers.json").write_text(
        json.dumps({live_server.url: "interlock/0000000000000000"})
    )
    red = Client(
        live_server.url, live_server.tokens["red"], "red", clients["red"].key,
        clock=live_server.clock, state=state,
    )  # fmt: skip
    try:
        with pytest.raises(WitnessError, match="pinned"):
            red.ack(sent["id"])
    finally:
        red.close()
    assert _receipts(live_server) == []


def test_the_streams_delivery_goes_out_unbound_when_the_log_fails_its_check(
    live_server: LiveServer, clients: dict[str, Client], tmp_path: Path
) -> None:
    """Delivery is a fact whatever the log did: reported, but vouching for nothing."""
    state = WitnessState(tmp_path / "state")
    state.directory.mkdir()
    (state.directory / "servers.json").write_text(
        json.dumps({live_server.url: "interlock/0000000000000000"})
    )
    red = Client(
        live_server.url, live_server.tokens["red"], "red", clients["red"].key,
        clock=live_server.clock, state=state,
    )  # fmt: skip
    stream = Collector(red)
    try:
        clients["blue"].send("red", "the log changed its name")
        wait_for(lambda: len(_receipts(live_server)) == 1)
    finally:
        stream.stop()
        red.close()
    (r,) = _receipts(live_server)
    assert r["event"]["status"] == "delivered"
    assert "checkpoint" not in r["event"]["envelope"]["body"]
    assert list((state.directory / "evidence").iterdir())  # the offending note is kept
