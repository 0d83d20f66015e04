"""A hostile party through the real server: what it may not see it cannot probe, what it
signs is read one way only, and every state change happens once however many race for it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import PARTY_KEYS, LiveServer, circle

from interlock.client import Client
from interlock.codec.canonical import canonical
from interlock.ledger.envelope import sign, signing_bytes

HttpClient = Callable[[str | None], httpx.Client]


@pytest.fixture
def clients(live_server: LiveServer) -> Iterator[dict[str, Client]]:
    made = {p: live_server.party_client(p) for p in ("blue", "red", "green")}
    yield made
    for c in made.values():
        c.close()


def post(c: httpx.Client, path: str, body: Any = None) -> httpx.Response:
    content = b"" if body is None else orjson.dumps(body)
    return c.post(path, content=content, headers={"Content-Type": "application/json"})


def ledger_length(live_server: LiveServer) -> int:
    return len(list(live_server.service.store.ledger_entries()))


def race(n: int, action: Callable[[], int]) -> list[int]:
    """Run `action` in n threads released together; their status codes, sorted."""
    gate = threading.Barrier(n)
    codes: list[int] = []

    def run() -> None:
        gate.wait()
        codes.append(action())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(codes)


# ---- leaks ---------------------------------------------------------------------------------


def test_a_message_between_others_cannot_be_referred_to_nor_probed(
    live_server: LiveServer, clients: dict[str, Client], client_for: HttpClient
) -> None:
    blue, red, green = clients["blue"], clients["red"], clients["green"]
    private = blue.send("red", "between blue and red")
    before = ledger_length(live_server)
    body = {"to": ["blue"], "subject": "probe", "refs": [{"kind": "message", "id": private["id"]}]}
    r = post(client_for("green"), "/messages", green.sign("message", body))
    missing = {**body, "refs": [{"kind": "message", "id": "m-0000000000000000"}]}
    r2 = post(client_for("green"), "/messages", green.sign("message", missing))
    assert r.status_code == r2.status_code == 404
    assert r.json()["detail"].replace(private["id"], "ID") == r2.json()["detail"].replace(
        "m-0000000000000000", "ID"
    )
    assert ledger_length(live_server) == before
    # its own parties may refer to it
    reply = red.send("blue", "re", refs=[{"kind": "message", "id": private["id"]}])
    assert reply["refs"] == [{"kind": "message", "id": private["id"]}]


def test_a_conflict_between_others_cannot_be_referred_to(
    live_server: LiveServer, clients: dict[str, Client], client_for: HttpClient
) -> None:
    post(client_for("blue"), "/notices", circle(36.0, 35.0))
    (c,) = post(client_for("red"), "/notices", circle(36.02, 35.0)).json()["conflicts"]
    green = clients["green"]
    body = {"to": ["blue"], "subject": "probe", "refs": [{"kind": "conflict", "id": str(c["id"])}]}
    assert post(client_for("green"), "/messages", green.sign("message", body)).status_code == 404
    blue_body = {**body, "to": ["red"]}
    blue = clients["blue"]
    assert post(client_for("blue"), "/messages", blue.sign("message", blue_body)).status_code == 201


def test_a_receipt_for_someone_elses_message_is_a_404_like_a_missing_one(
    clients: dict[str, Client],
) -> None:
    from interlock.errors import NotFound

    sent = clients["blue"].send("red", "for red")
    with pytest.raises(NotFound) as theirs:
        clients["green"].ack(sent["id"])
    with pytest.raises(NotFound) as missing:
        clients["green"].ack("m-0000000000000000")
    assert theirs.value.http_status == missing.value.http_status == 404


def test_a_405_names_the_methods_allowed(client_for: HttpClient) -> None:
    r = client_for("blue").delete("/notices")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


# ---- signatures and nonces -----------------------------------------------------------------


def test_nonces_are_scoped_per_party(
    live_server: LiveServer, client_for: HttpClient, clients: dict[str, Client]
) -> None:
    """Red may use a nonce blue used (it cannot know blue's); a party's own reuse is a
    replay (409)."""
    first = clients["blue"].sign("message", {"to": ["red"], "subject": "one"})
    assert post(client_for("blue"), "/messages", first).status_code == 201
    now = live_server.clock()
    theirs = sign("message", "red", {"to": ["blue"], "subject": "two"}, PARTY_KEYS["red"], now)
    theirs["nonce"] = first["nonce"]
    theirs["signature"] = _resign(theirs, "red")
    assert post(client_for("red"), "/messages", theirs).status_code == 201
    again = sign("message", "blue", {"to": ["red"], "subject": "three"}, PARTY_KEYS["blue"], now)
    again["nonce"] = first["nonce"]
    again["signature"] = _resign(again, "blue")
    r = post(client_for("blue"), "/messages", again)
    assert r.status_code == 409 and "replayed" in r.json()["detail"]


def _resign(env: dict[str, Any], party: str) -> str:
    import base64

    return base64.urlsafe_b64encode(PARTY_KEYS[party].sign(signing_bytes(env))).decode()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda s: s + "AAAA",  # trailing junk a lenient decoder skips
        lambda s: s + "\n",
        lambda s: " " + s,
        lambda s: s[:-2],  # unpadded
        lambda s: s.replace("-", "+").replace("_", "/") if ("-" in s or "_" in s) else s + "!",
        lambda s: s[:85] + chr(ord(s[85]) + 1) + "==" if s[85] in "AEIMQUYcgkosw048" else s + "x",
    ],
    ids=["trailing junk", "newline", "leading space", "unpadded", "other alphabet", "spare bits"],
)
def test_a_signature_is_read_one_way_only(
    live_server: LiveServer, client_for: HttpClient, clients: dict[str, Client], spoil: Any
) -> None:
    env = clients["blue"].sign("message", {"to": ["red"], "subject": "strict"})
    bad = copy.deepcopy(env)
    bad["signature"] = spoil(env["signature"])
    assert bad["signature"] != env["signature"]
    before = ledger_length(live_server)
    r = post(client_for("blue"), "/messages", bad)
    assert r.status_code == 401 and "signature" in r.json()["detail"]
    assert ledger_length(live_server) == before
    assert post(client_for("blue"), "/messages", env).status_code == 201  # the true text
    assert canonical(env)  # still a plain JSON object


# ---- state changes race ---------------------------------------------------------------------


def test_concurrent_cancels_of_one_notice_succeed_once(
    live_server: LiveServer, client_for: HttpClient
) -> None:
    n = post(client_for("blue"), "/notices", circle(30.0, 30.0)).json()["notice"]["id"]

    def cancel() -> int:
        with live_server.client("blue") as c:
            return post(c, f"/notices/{n}/cancel").status_code

    assert race(8, cancel) == [200] + [409] * 7
    kinds = [e["event"]["type"] for e in live_server.service.store.ledger_entries()]
    assert kinds.count("notice_cancelled") == 1


def test_concurrent_acknowledgements_of_one_message_succeed_once(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    sent = clients["blue"].send("red", "ack me once")
    red = clients["red"]
    envelopes = [
        red.sign("receipt", {"message": sent["id"], "status": "acknowledged"}) for _ in range(8)
    ]
    it = iter(envelopes)
    lock = threading.Lock()

    def ack() -> int:
        with lock:
            env = next(it)
        with live_server.client("red") as c:
            return post(c, f"/messages/{sent['id']}/receipts", env).status_code

    assert race(8, ack) == [201] + [409] * 7
    receipts = [
        e
        for e in live_server.service.store.ledger_entries()
        if e["event"]["type"] == "receipt" and e["event"]["status"] == "acknowledged"
    ]
    assert len(receipts) == 1
