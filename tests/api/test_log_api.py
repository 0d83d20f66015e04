"""The verifiable log over HTTP: GET /checkpoint(.json), the two proofs, POST
/checkpoint/cosign; bad parameters just under, at and over each limit are a 422 naming
the field, and change nothing."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest
from tests.conftest import PARTY_KEYS, LiveServer, circle

from interlock.ledger import checkpoint as cp
from interlock.ledger import merkle
from interlock.ledger import note as n

MAX = 2**63 - 1


@pytest.fixture
def filled(live_server: LiveServer) -> LiveServer:
    for k in range(7):
        live_server.service.submit("blue", circle(30 + k, 10))
    return live_server


def b64s(items: list[str]) -> list[bytes]:
    return [base64.b64decode(x) for x in items]


def test_checkpoint_and_proofs_verify(
    filled: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    blue = client_for("blue")
    info = blue.get("/checkpoint.json").json()
    r = blue.get("/checkpoint")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.text == info["note"]
    key = n.parse_verifier_key(info["log_key"])
    signed = cp.open_checkpoint(r.text, key.public, info["origin"])
    size = signed.checkpoint.size
    entries = blue.get("/ledger").json()
    assert size == len(entries) == info["size"]
    leaves = [merkle.leaf_hash(bytes.fromhex(e["hash"])) for e in entries]
    assert signed.checkpoint.root == merkle.root_of(leaves)
    for seq in range(1, size + 1):
        p = blue.get("/proof/inclusion", params={"seq": seq, "size": size}).json()
        assert base64.b64decode(p["leaf_hash"]) == leaves[seq - 1]
        merkle.verify_inclusion(
            seq - 1, size, leaves[seq - 1], b64s(p["proof"]), signed.checkpoint.root
        )
    for first in range(1, size + 1):
        c = blue.get("/proof/consistency", params={"from": first, "to": size}).json()
        merkle.verify_consistency(
            first, size, merkle.root_of(leaves[:first]), signed.checkpoint.root, b64s(c["proof"])
        )


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/proof/inclusion", {"seq": 0, "size": 3}, "seq"),
        ("/proof/inclusion", {"seq": 1, "size": 0}, "size"),
        ("/proof/inclusion", {"seq": 4, "size": 3}, "seq"),
        ("/proof/inclusion", {"seq": 1, "size": "SIZE+1"}, "size"),
        ("/proof/inclusion", {"seq": 1, "size": MAX + 1}, "size"),
        ("/proof/inclusion", {"seq": MAX, "size": MAX}, "size"),
        ("/proof/inclusion", {"seq": "x", "size": 3}, "seq"),
        ("/proof/inclusion", {"size": 3}, "seq"),
        ("/proof/consistency", {"from": 0, "to": 3}, "from"),
        ("/proof/consistency", {"from": 4, "to": 3}, "from"),
        ("/proof/consistency", {"from": 1, "to": "SIZE+1"}, "to"),
        ("/proof/consistency", {"from": 1, "to": 10**30}, "to"),
        ("/proof/consistency", {"to": 3}, "from"),
    ],
)
def test_bad_proof_parameters(
    filled: LiveServer,
    client_for: Callable[[str | None], httpx.Client],
    path: str,
    params: dict[str, object],
    field: str,
) -> None:
    blue = client_for("blue")
    size = blue.get("/checkpoint.json").json()["size"]
    params = {k: size + 1 if v == "SIZE+1" else v for k, v in params.items()}
    r = blue.get(path, params=params)
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"]


def test_proof_limits_at_the_edge(
    filled: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    blue = client_for("blue")
    size = blue.get("/checkpoint.json").json()["size"]
    assert blue.get("/proof/inclusion", params={"seq": size, "size": size}).status_code == 200
    assert blue.get("/proof/inclusion", params={"seq": 1, "size": 1}).json()["proof"] == []
    c = blue.get("/proof/consistency", params={"from": size, "to": size})
    assert c.status_code == 200 and c.json()["proof"] == []
    assert client_for(None).get("/checkpoint").status_code == 401
    assert client_for(None).get("/proof/consistency?from=1&to=1").status_code == 401


def test_cosignature_published_and_forgeries_refused(
    filled: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    blue, red = client_for("blue"), client_for("red")
    info = blue.get("/checkpoint.json").json()
    key = n.parse_verifier_key(info["log_key"])
    signed = cp.open_checkpoint(info["note"], key.public)
    good = cp.cosign_checkpoint(signed, "blue", PARTY_KEYS["blue"], 1_800_000_000)
    line = good.line().removesuffix("\n")

    def post(client: httpx.Client, body: object) -> httpx.Response:
        return client.post("/checkpoint/cosign", json=body)

    # Refused, each naming the field, nothing published:
    cases = [
        (blue, {"size": info["size"], "cosignature": line.replace("blue", "red")}, "cosignature"),
        (red, {"size": info["size"], "cosignature": line}, "cosignature"),  # not red's key
        (blue, {"size": info["size"] + 1, "cosignature": line}, "size"),
        (blue, {"size": info["size"] - 1, "cosignature": line}, "cosignature"),  # other tree
        (blue, {"size": -1, "cosignature": line}, "size"),
        (blue, {"size": MAX + 1, "cosignature": line}, "size"),
        (blue, {"size": info["size"], "cosignature": line + "AA"}, "cosignature"),
        (blue, {"size": info["size"], "cosignature": "x" * 1001}, "cosignature"),
        (blue, {"size": info["size"]}, "cosignature"),
        (blue, [1], "body"),
    ]
    forged = cp.cosign_checkpoint(signed, "blue", PARTY_KEYS["red"], 1_800_000_000)
    cases.append((blue, {"size": info["size"], "cosignature": forged.line()[:-1]}, "cosignature"))
    for client, body, field in cases:
        r = post(client, body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["detail"], (body, r.text)
    assert blue.get("/checkpoint.json").json()["cosigned_by"] == []
    r = post(blue, {"size": info["size"], "cosignature": line})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "origin": info["origin"],
        "size": info["size"],
        "party": "blue",
        "time": 1_800_000_000,
    }
    published = blue.get("/checkpoint").text
    assert line in published.splitlines()
    reopened = cp.open_checkpoint(published, key.public)  # still the log's valid note
    assert cp.verify_witness(reopened, good, "blue", n.raw_public(PARTY_KEYS["blue"].public_key()))
    assert blue.get("/checkpoint.json").json()["cosigned_by"] == ["blue"]
