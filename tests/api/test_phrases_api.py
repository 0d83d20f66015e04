"""Standard phrases over the API: signed with the message, refused when bad (422 naming
the field, nothing stored), served once as the catalogue the page renders from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
from tests.conftest import PARTY_KEYS, PUBLIC_KEYS, LiveServer

from interlock.ledger.chain import verify_chain
from interlock.ledger.envelope import sign
from interlock.model.phrases import catalogue

HOLD = {"code": "REQUEST_HOLD", "args": {"notice": "n-1a2b", "until": "2026-12-01T09:30:00Z"}}


def test_a_phrase_is_signed_recorded_and_served_with_its_catalogue(
    live_server: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    blue, red = live_server.party_client("blue"), live_server.party_client("red")
    with blue, red:
        old = blue.send("red", "no phrase", "as before")
        sent = blue.send("red", "Hold", "Tanker still on station", phrase=HOLD)
        assert sent["phrase"] == HOLD and sent["body"] == "Tanker still on station"
        assert old["phrase"] is None
        got = {m["id"]: m for m in red.messages("in")}
        assert got[sent["id"]]["phrase"] == HOLD and got[old["id"]]["phrase"] is None
        # The phrase is inside the signed body: the ledger's envelope carries it.
        entry = next(
            e
            for e in live_server.service.store.ledger_entries()
            if e["event"].get("id") == sent["id"]
        )
        assert entry["event"]["envelope"]["body"]["phrase"] == HOLD
        # The catalogue the page renders from is model.phrases's, as is.
        http = client_for("red")
        assert http.get("/phrases").json() == catalogue()
        assert client_for(None).get("/phrases").status_code == 401
    # The chain, signatures included, verifies with and without phrases.
    entries = list(live_server.service.store.ledger_entries())
    assert verify_chain(entries, PUBLIC_KEYS) == (len(entries), None)


def test_bad_phrases_are_refused_naming_the_field_and_store_nothing(
    live_server: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    http = client_for("blue")
    before = list(live_server.service.store.ledger_entries())
    good: dict[str, Any] = {"to": ["red"], "priority": "urgent", "subject": "s", "body": "b"}
    cases = [
        ({"code": "HOLD_FIRE", "args": {}}, "phrase.code"),
        ({"code": "REQUEST_HOLD", "args": {"notice": "n-1"}}, "phrase.args.until"),
        ({"code": "UNABLE", "args": {"reason": "fuel", "area": "K"}}, "phrase.args.area"),
        ({"code": "UNABLE", "args": {"reason": "x" * 201}}, "phrase.args.reason"),
        ({"code": "REQUEST_HOLD", "args": {**HOLD["args"], "until": "noon"}}, "phrase.args.until"),
    ]
    for phrase, field in cases:
        body = {**good, "phrase": phrase}
        env = sign("message", "blue", body, PARTY_KEYS["blue"], live_server.clock())
        r = http.post(
            "/messages", content=orjson.dumps(env), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith(field), r.text
    assert list(live_server.service.store.ledger_entries()) == before
    # At the limit it goes through.
    at_limit = {"code": "UNABLE", "args": {"reason": "x" * 200}}
    with live_server.party_client("blue") as blue:
        assert blue.send("red", "s", phrase=at_limit)["phrase"] == at_limit
