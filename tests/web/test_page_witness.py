"""The map page as a witness of the server's record, end to end in headless Chromium:
it shows how far it verified the record, cosigns what it verified (the server accepts the
cosignature and publishes it), binds its receipts to the checkpoint it verified, and
raises a red, plain-words warning, keeping what it held, when the server shows a smaller
tree, a second root, another key or an unprovable history."""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.conftest import wait_until
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on
from tests.web.test_page import TIMEOUT_MS, sign_in

from interlock.ledger import checkpoint as cp
from interlock.ledger import merkle
from interlock.ledger.envelope import sign
from interlock.ledger.keys import read_private
from interlock.ledger.note import parse_note, parse_signature_line, verifier_key
from interlock.service.bootstrap import LOG_KEY_FILE

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]
expect.set_options(timeout=TIMEOUT_MS)
STATUS = re.compile(r"Record verified to entry ([\d,]+) at (\d\d):(\d\d) UTC")
TELL = "keep this page open and tell the other parties"


def held(page: Any) -> dict[str, Any]:
    """What the page keeps as the last checkpoint it verified (localStorage)."""
    text = page.evaluate("localStorage.getItem('interlock.witness')")
    assert text, "the page keeps no verified checkpoint"
    state: dict[str, Any] = json.loads(text)
    return state


def roots_from_ledger(api: Any) -> merkle.History:
    """The tree over the ledger as the party reads it, built here from the entries' hashes:
    an independent check of any (size, root) the page or a receipt states."""
    history = merkle.History()
    for e in api.get("/ledger", params={"limit": 10000}).json():
        history.append(merkle.leaf_hash(merkle.leaf_input(e["hash"])))
    return history


def deliver_all(server: DemoServer, party: str) -> None:
    """Report every message to `party` delivered, signed with its key, as its own client
    would: the page then has no receipts of its own to send, and the record stays quiet."""
    with server.client(party) as api:
        for m in api.get("/messages", params={"box": "in", "limit": 200}).json():
            row = next(r for r in m["recipients"] if r["party"] == party)
            if row["delivered_at"] is None:
                body = {"message": m["id"], "status": "delivered"}
                env = sign("receipt", party, body, server.keys[party], datetime.now(UTC))
                server.hotline.receipt(party, m["id"], env)


def shown_size(page: Any) -> int:
    m = STATUS.search(page.inner_text("#record-state"))
    assert m, page.inner_text("#record-state")
    return int(m[1].replace(",", ""))


def test_the_page_verifies_and_cosigns_the_record(
    demo_server: DemoServer, browser: Browser
) -> None:
    page = browser.page
    with demo_server.client("base") as api:
        deliver_all(demo_server, "base")
        before = api.get("/checkpoint.json").json()
        sign_in(page, demo_server, "base")
        status = page.locator("#record-state")
        expect(status).to_contain_text("cosigned")
        size = shown_size(page)
        state = held(page)
        # The size shown is the one kept, at least the server's size before sign-in, and
        # its root is the root of that many ledger entries, recomputed here.
        assert size == state["size"] >= before["size"]
        assert state["origin"] == before["origin"] and state["log_key"] == before["log_key"]
        assert roots_from_ledger(api).root(size) == base64.b64decode(state["root"])
        hour, minute = map(int, STATUS.search(status.inner_text()).groups()[1:])  # type: ignore[union-attr]
        now = datetime.now(UTC)
        assert abs((now.hour * 60 + now.minute) - (hour * 60 + minute)) % (24 * 60) <= 2
        screenshot(page, "page-record-verified")

        # The server stored the page's cosignature of that checkpoint, made with base's key.
        stored = demo_server.service.store.cosignatures(before["origin"], size)
        line = next(c["line"] for c in stored if c["party"] == "base")
        note = demo_server.service.store.checkpoint_at(before["origin"], size)["note"]
        signed = cp.open_checkpoint(note, signed_log_public(demo_server))
        base_public = cp.log_public_of(demo_server.keys["base"])
        assert cp.verify_witness(signed, parse_signature_line(line), "base", base_public) > 0

        # GET /checkpoint publishes it: the page cosigns each checkpoint it verifies, so
        # once it has checked the record's last growth (which the stream tells it of), the
        # latest checkpoint carries base's line.
        demo_server.send("command", ["base"], "Web test: the record grows", "routine")

        def published() -> bool:
            text = api.get("/checkpoint").text
            latest = cp.open_checkpoint(text, signed_log_public(demo_server))
            lines = [s for s in parse_note(text).signatures if s.name == "interlock-party/base"]
            return bool(lines) and cp.verify_witness(latest, lines[0], "base", base_public) > 0

        waiting_on(page, published, timeout_s=20)
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def signed_log_public(server: DemoServer) -> bytes:
    return cp.log_public_of(read_private(server.directory / LOG_KEY_FILE))


def test_the_page_s_receipts_carry_the_checkpoint_it_verified(
    demo_server: DemoServer, browser: Browser
) -> None:
    page = browser.page
    deliver_all(demo_server, "base")  # the page's own delivery is then this message's
    message_id = demo_server.send("command", ["base"], "Web test: a bound acknowledgement")
    sign_in(page, demo_server, "base")
    card = page.locator(f'.msg[data-id="{message_id}"]').first
    card.wait_for(timeout=TIMEOUT_MS)
    with demo_server.client("base") as api:
        seq = api.get(f"/messages/{message_id}").json()["seq"]

        def receipts() -> dict[str, dict[str, Any]]:
            found = {}
            for e in api.get("/ledger", params={"from_seq": seq, "limit": 10000}).json():
                ev = e["event"]
                if ev.get("type") == "receipt" and ev.get("message") == message_id:
                    found[ev["status"]] = ev
            return found

        waiting_on(page, lambda: "delivered" in receipts())
        card.locator("button.ack").click()
        found = waiting_on(page, lambda: (r := receipts()).get("acknowledged") and r)
        tree = roots_from_ledger(api)
    for status in ("delivered", "acknowledged"):
        ref = found[status]["envelope"]["body"]["checkpoint"]  # accepted: it is on record
        assert set(ref) == {"size", "root"}
        # It holds the message's entry, and its root is this ledger's at that size.
        assert seq <= ref["size"] <= tree.size
        assert tree.root(ref["size"]) == base64.b64decode(ref["root"]), status
    assert browser.console_errors == []


def _fork_of(info: dict[str, Any], server: DemoServer) -> dict[str, Any]:
    """The latest checkpoint with another root at the same size, signed by the log's own
    key: what a server showing a second history to this party would serve."""
    key = read_private(server.directory / LOG_KEY_FILE)
    signed = cp.sign_checkpoint(cp.Checkpoint(info["origin"], info["size"], os.urandom(32)), key,
                                int(datetime.now(UTC).timestamp()))  # fmt: skip
    return {**info, "root": cp.root_text(signed.checkpoint.root), "note": signed.text(),
            "cosigned_by": []}  # fmt: skip


def _other_key(info: dict[str, Any]) -> dict[str, Any]:
    """The latest checkpoint re-signed by a key the page never saw, with that key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    c = cp.Checkpoint(info["origin"], info["size"], base64.b64decode(info["root"]))
    signed = cp.sign_checkpoint(c, key, int(datetime.now(UTC).timestamp()))
    return {**info, "note": signed.text(), "log_key": verifier_key(info["origin"],
            cp.log_public_of(key)), "cosigned_by": []}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("rollback", "The server's record no longer extends what this page verified at entry"),
        ("fork", "The server now shows a different record at entry"),
        ("key", "The server's record is now signed with a different key"),
        ("proof", "The server could not prove that its record of"),
    ],
)
def test_a_server_that_rewrites_the_record_raises_the_alarm(
    demo_server: DemoServer, browser: Browser, kind: str, words: str
) -> None:
    page = browser.page
    with demo_server.client("base") as api:
        deliver_all(demo_server, "base")  # a quiet record: the page holds the latest
        old = api.get("/checkpoint.json").json()  # an honest, older signed checkpoint
        demo_server.send("command", ["base"], f"Web test: the record grows ({kind})", "routine")
        wait_until(lambda: api.get("/checkpoint.json").json()["size"] > old["size"])
        sign_in(page, demo_server, "base")
        latest = lambda: api.get("/checkpoint.json").json()["size"]  # noqa: E731
        kept = waiting_on(
            page, lambda: (h := held(page))["cosigned"] == "base" and h["size"] == latest() and h
        )
        assert kept["size"] > old["size"]

        if kind == "proof":  # the latest checkpoint, with a consistency proof that fails

            def spoil(route: Any) -> None:
                answer = route.fetch().json()
                answer["proof"][0] = cp.root_text(os.urandom(32))
                route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

            page.route("**/proof/consistency*", spoil)
        else:
            served = {"rollback": old, "fork": None, "key": None}[kind]

            def serve(route: Any) -> None:
                info = served
                if info is None:  # made from what the page holds now: same size
                    now = {**old, "size": kept["size"], "root": kept["root"], "note": kept["note"]}
                    info = _fork_of(now, demo_server) if kind == "fork" else _other_key(now)
                route.fulfill(status=200, content_type="application/json", body=json.dumps(info))

            page.route("**/checkpoint.json", serve)
        # The record grows: the push stream tells the page, which checks it again.
        demo_server.send("command", ["base"], f"Web test: after the {kind}", "routine")
        alarm = page.locator("#record-alarm")
        expect(alarm).to_be_visible()
        text = alarm.inner_text()
        assert words in text and TELL in text, text
        if kind != "key":
            assert f"entry {kept['size']:,}" in text
        expect(page.locator("#record-state")).to_contain_text("RECORD CHECK FAILED")
        # The checkpoint held is kept; what the server showed is kept as evidence.
        assert held(page)["size"] == kept["size"] and held(page)["root"] == kept["root"]
        evidence = json.loads(page.evaluate("localStorage.getItem('interlock.witness.evidence')"))
        assert evidence[-1]["kind"] == kind and evidence[-1]["held"] == kept["note"]
        if kind == "rollback":
            assert evidence[-1]["shown"] == old["note"]
            page.click("#record-alarm summary")
            screenshot(page, "page-record-alarm")
    # A handler left on the page could still run while the next test starts ("Response
    # has been disposed" from a fetch the closing page cut short).
    page.unroute_all(behavior="ignoreErrors")
    assert browser.foreign_requests() == []


def test_a_message_the_server_cannot_prove_is_receipted_unbound_with_the_alarm(
    demo_server: DemoServer, browser: Browser
) -> None:
    page = browser.page
    deliver_all(demo_server, "base")
    sign_in(page, demo_server, "base")
    expect(page.locator("#record-state")).to_contain_text("cosigned")

    def spoil(route: Any) -> None:  # the server's inclusion proof, one hash changed
        answer = route.fetch().json()
        answer["proof"][0] = cp.root_text(os.urandom(32))
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    page.route("**/proof/inclusion*", spoil)
    message_id = demo_server.send("command", ["base"], "Web test: an unprovable message")
    with demo_server.client("base") as api:
        seq = api.get(f"/messages/{message_id}").json()["seq"]

        def delivered() -> dict[str, Any] | None:
            for e in api.get("/ledger", params={"from_seq": seq, "limit": 10000}).json():
                ev = e["event"]
                if ev.get("type") == "receipt" and ev.get("message") == message_id:
                    return dict(ev)
            return None

        receipt = waiting_on(page, delivered)
    # Delivery is still reported (a person must see the message), without a checkpoint.
    assert "checkpoint" not in receipt["envelope"]["body"]
    alarm = page.locator("#record-alarm")
    expect(alarm).to_be_visible()
    text = alarm.inner_text()
    assert f"could not prove that message {message_id} is in the record" in text, text
    assert TELL in text
    page.unroute_all(behavior="ignoreErrors")
