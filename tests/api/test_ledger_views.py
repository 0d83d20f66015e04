"""/ledger, the push stream and /conflicts agree on who reads what: an entry's audience.

A B-C conflict and B-C hotline traffic are read whole by B and C and as stubs by A;
A's /conflicts does not list the conflict either, and A's stream never carries it.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from tests.conftest import PUBLIC_KEYS, LiveServer, circle

from interlock.ledger.chain import verify_chain


def test_the_ledger_the_stream_and_conflicts_agree_on_who_reads_what(
    live_server: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    c = {p: client_for(p) for p in ("blue", "red", "green")}
    assert c["red"].post("/notices", json=circle(35.8, 35.5, purpose="patrol")).status_code == 201
    assert c["green"].post("/notices", json=circle(35.82, 35.5)).status_code == 201
    with live_server.party_client("red") as red:  # signed: the client commits the purpose
        red.submit_notice(circle(10.0, 10.0, purpose="strike", callsign="VIPER"))
        red.send(["green"], "transit", "FL250")
    conflicts = c["red"].get("/conflicts").json()
    assert conflicts and all(set(x["parties"]) == {"red", "green"} for x in conflicts)
    for party, client in c.items():
        view = client.get("/ledger").json()
        assert verify_chain(view, PUBLIC_KEYS, party)[1] is None
        readable = {e["seq"] for e in view if not e["event"].get("redacted")}
        assert readable == {e["seq"] for e in view if party in e["audience"]}
        # The stream carries exactly the entries the party may read, whole.
        streamed = live_server.hotline.stream_entries(party, 0, 10_000)
        assert [e["seq"] for e in streamed] == sorted(readable)
        assert all(not e["event"].get("redacted") for e in streamed)
        # /conflicts lists exactly the conflicts the ledger lets it read.
        listed = {str(x["id"]) for x in client.get("/conflicts").json()}
        on_record = {
            e["event"]["id"]
            for e in view
            if e["event"]["type"] == "conflict" and not e["event"].get("redacted")
        }
        assert listed == {str(i) for i in on_record}, party
        if party == "blue":
            assert not listed and any(e["event"].get("redacted") for e in view)
        # Red's hidden purposes reach red alone, as openings; the others read hashes.
        text = str(view)
        assert ("strike" in text and "patrol" in text) == (party == "red")
