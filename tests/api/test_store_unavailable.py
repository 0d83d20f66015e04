"""A lost database answers 503 store_unavailable with Retry-After on every route (the push
stream included), changes nothing, and the same server recovers by itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from tests import pg
from tests.conftest import PARTY_KEYS, Clock, circle, make_agreement, serve_in_thread

from interlock.api import create_app
from interlock.client import Client, ServerError
from interlock.service.auth import issue_tokens
from interlock.service.root import build_services
from interlock.store import open_store

pytestmark = [pytest.mark.server]


@contextmanager
def blue_served(pg_url: str) -> Iterator[Client]:
    """Blue's client of a server on `pg_url`, its token already cached (one notice filed)."""
    clock = Clock()
    store = open_store(pg_url)
    services = build_services(store, make_agreement(), clock)
    tokens, hashes = issue_tokens(services.agreement.party_ids)
    store.set_token_hashes(hashes)
    try:
        with serve_in_thread(create_app(services, tick_s=0.05, keepalive_s=0.5)) as url:
            blue = Client(url, tokens["blue"], "blue", PARTY_KEYS["blue"], clock=clock)
            blue.submit_notice(circle(20.0, 40.0))  # the token is now cached
            yield blue
            blue.close()
    finally:
        store.close()


def test_every_route_answers_503_while_the_database_is_away(pg_url: str) -> None:
    with blue_served(pg_url) as blue:
        pg.block_connections(pg_url, allow=False)
        try:
            sent = blue.sign("message", {"to": ["red"], "subject": "while away"})
            answers = [
                blue.http.get("/notices"),
                blue.http.post("/notices", json=blue.signed_notice(circle(21.0, 40.0))),
                blue.http.post("/messages", json=sent),
                blue.http.get("/stream", headers={"Accept": "text/event-stream"}),
            ]
            for r in answers:
                assert r.status_code == 503, (r.request.url, r.text)
                assert r.json()["error"] == "store_unavailable"
                assert r.headers["Retry-After"] == "1"
        finally:
            pg.block_connections(pg_url, allow=True)
        assert len(blue.call("GET", "/notices")["features"]) == 1  # nothing half-stored
        again = blue.http.post("/messages", json=sent)  # the same envelope, retried
        assert again.status_code == 201, again.text


def test_the_client_resends_a_signed_write_until_it_lands(pg_url: str) -> None:
    """Client.send while the database is away: the same envelope is resent on each 503
    until the database is back, and stored once. A resend of an envelope that was stored
    (its answer lost) is refused as a replay, which the client reports as Landed."""
    import threading

    from interlock.client import Landed

    with blue_served(pg_url) as blue:
        pg.block_connections(pg_url, allow=False)
        back = threading.Timer(1.0, pg.block_connections, (pg_url, True))
        back.start()
        sent = blue.send("red", "while away")  # 503s first, then 201
        back.join()
        mine = [m for m in blue.messages("out") if m["subject"] == "while away"]
        assert [m["id"] for m in mine] == [sent["id"]]
        # A write stored, then resent after a 503 (as if its answer had been lost).
        envelope = blue.sign("message", {"to": ["red"], "subject": "answer lost"})
        assert blue.http.post("/messages", json=envelope).status_code == 201
        pg.block_connections(pg_url, allow=False)
        back = threading.Timer(0.5, pg.block_connections, (pg_url, True))
        back.start()
        with pytest.raises(Landed) as landed:
            blue.call("POST", "/messages", json=envelope, resend=True)
        back.join()
        assert landed.value.nonce == envelope["nonce"]
        subjects = [m["subject"] for m in blue.messages("out")]
        assert subjects.count("answer lost") == 1
        # An unsigned write is not resent: its 503 is the caller's at once.
        pg.block_connections(pg_url, allow=False)
        try:
            with pytest.raises(ServerError, match="HTTP 503"):
                blue.submit_notice(circle(22.0, 40.0), signed=False)
        finally:
            pg.block_connections(pg_url, allow=True)
