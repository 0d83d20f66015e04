"""Notices as Ed25519-signed envelopes: verified, replay-proof, chained with the signature."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.conftest import T0, LiveServer, circle, signed_notice

from interlock.codec.keys import public_text
from interlock.ledger.chain import verify_chain
from interlock.ledger.envelope import sign
from interlock.ledger.keys import new_private
from interlock.model.agreement import Agreement, agreement_from_dict

KEYS: dict[str, Ed25519PrivateKey] = {p: new_private() for p in ("blue", "red", "green")}
PUBLIC = {p: [public_text(k.public_key())] for p, k in KEYS.items()}


@pytest.fixture
def agreement(request: pytest.FixtureRequest) -> Agreement:
    required = getattr(request, "param", False)
    return agreement_from_dict(
        {
            "parties": [{"id": p, "public_keys": PUBLIC[p]} for p in KEYS],
            "rules": {"require_signatures": required},
        }
    )


def post(c: httpx.Client, body: Any) -> httpx.Response:
    return c.post(
        "/notices", content=orjson.dumps(body), headers={"Content-Type": "application/json"}
    )


def signed(
    party: str,
    feature: dict[str, Any],
    at: Any = T0,
    notice_id: str | None = None,
    version: int = 1,
) -> dict[str, Any]:
    return signed_notice(party, KEYS[party], feature, at, notice_id=notice_id, version=version)


Client = Callable[[str | None], httpx.Client]


def test_a_signed_notice_is_stored_and_chained_with_its_signature(
    client_for: Client, live_server: LiveServer
) -> None:
    env = signed("blue", circle(35.8, 35.5))
    r = post(client_for("blue"), env)
    assert r.status_code == 201, r.text
    entries = list(live_server.service.store.ledger_entries())
    assert entries[0]["event"]["envelope"] == env
    assert verify_chain(entries, PUBLIC) == (1, None)
    # The same statement sent again is a replay.
    again = post(client_for("blue"), env)
    assert again.status_code == 409 and "replayed" in again.json()["detail"]
    assert live_server.service.store.count_notices() == 1


@pytest.mark.parametrize("tamper", ["body", "author", "stale", "kind"])
def test_bad_envelopes_are_refused_and_nothing_is_stored(
    client_for: Client, live_server: LiveServer, tamper: str
) -> None:
    env = signed("blue", circle(35.8, 35.5))
    expected = 401
    if tamper == "body":
        env["body"]["feature"]["properties"]["alt_upper_ft"] = 20_000
    elif tamper == "author":
        env = signed("red", circle(35.8, 35.5))  # a valid statement, but by red
        expected = 403
    elif tamper == "stale":
        env = signed("blue", circle(35.8, 35.5), T0 - timedelta(minutes=10))
    else:
        env = sign("message", "blue", circle(35.8, 35.5), KEYS["blue"], T0)
        expected = 422
    r = post(client_for("blue"), env)
    assert r.status_code == expected, r.text
    assert live_server.service.store.count_notices() == 0
    assert list(live_server.service.store.ledger_entries()) == []


@pytest.mark.parametrize("agreement", [True], indirect=True)
def test_unsigned_notices_are_refused_when_the_agreement_requires_signatures(
    client_for: Client, live_server: LiveServer
) -> None:
    r = post(client_for("blue"), circle(35.8, 35.5))
    assert r.status_code == 401 and "signed" in r.json()["detail"]
    ok = post(client_for("blue"), signed("blue", circle(35.8, 35.5)))
    assert ok.status_code == 201
    nid = ok.json()["notice"]["id"]
    amended = client_for("blue").put(
        f"/notices/{nid}", content=orjson.dumps(signed("blue", circle(35.81, 35.5), T0, nid, 2))
    )
    assert amended.status_code == 200
    unsigned = client_for("blue").put(
        f"/notices/{nid}", content=orjson.dumps(copy.deepcopy(circle(35.9, 35.5)))
    )
    assert unsigned.status_code == 401
    assert verify_chain(live_server.service.store.ledger_entries(), PUBLIC)[1] is None


def put(c: httpx.Client, notice_id: str, body: Any) -> httpx.Response:
    return c.put(
        f"/notices/{notice_id}",
        content=orjson.dumps(body),
        headers={"Content-Type": "application/json"},
    )


def test_an_envelope_is_filed_only_as_the_write_it_names(
    client_for: Client, live_server: LiveServer
) -> None:
    blue = client_for("blue")
    first = post(blue, signed("blue", circle(35.8, 35.5))).json()["notice"]["id"]
    other = post(blue, signed("blue", circle(36.8, 35.5))).json()["notice"]["id"]
    before = list(live_server.service.store.ledger_entries())

    def refused(r: httpx.Response, status: int, field: str) -> None:
        assert r.status_code == status, r.text
        assert r.json()["detail"].startswith(field), r.text
        assert list(live_server.service.store.ledger_entries()) == before  # nothing stored

    # A new notice's envelope posted as an amendment of `first`.
    refused(put(blue, first, signed("blue", circle(35.81, 35.5))), 422, "body.notice.id")
    # An amendment of `first` posted as a new notice, and posted to `other`.
    amend = signed("blue", circle(35.81, 35.5), T0, first, 2)
    refused(post(blue, amend), 422, "body.notice.id")
    refused(put(blue, other, amend), 422, "body.notice.id")
    # The version it makes is not the next one: stale (1), or skipping one (3).
    for version in (1, 3):
        stale = signed("blue", circle(35.81, 35.5), T0, first, version)
        refused(put(blue, first, stale), 409, "body.notice.version")
    # A bare feature signed (the old form) says neither new nor which notice.
    bare = sign("notice", "blue", circle(35.81, 35.5), KEYS["blue"], T0)
    refused(put(blue, first, bare), 422, "body.feature")
    # At the right version it is filed, and recorded as signed.
    assert put(blue, first, amend).status_code == 200
    last = list(live_server.service.store.ledger_entries())[-1]["event"]
    assert (last["id"], last["version"]) == (first, 2)
    assert last["feature"] == amend["body"]["feature"]


def test_hidden_fields_are_signed_as_commitments_with_their_openings_beside(
    client_for: Client, live_server: LiveServer
) -> None:
    blue, red = client_for("blue"), client_for("red")
    feature = circle(35.8, 35.5, purpose="recce", callsign="HAWK1")
    plain = sign("notice", "blue", {"notice": {"id": None, "version": 1}, "feature": feature},
                 KEYS["blue"], T0)  # fmt: skip
    r = post(blue, plain)  # purpose in the clear in a signed body: every party would read it
    assert r.status_code == 422 and r.json()["detail"].startswith("properties.purpose"), r.text
    wrong = signed("blue", feature)
    wrong["openings"]["purpose"]["value"] = "strike"
    r = post(blue, wrong)
    assert r.status_code == 422 and "'purpose' does not match" in r.json()["detail"], r.text
    missing = signed("blue", feature)
    del missing["openings"]["purpose"]
    r = post(blue, missing)
    assert r.status_code == 422 and r.json()["detail"].startswith("openings.purpose"), r.text
    assert live_server.service.store.count_notices() == 0
    ok = post(blue, signed("blue", feature))
    assert ok.status_code == 201, ok.text
    nid = ok.json()["notice"]["id"]
    # What is served as the notice is unchanged: blue reads its purpose, red does not;
    # the callsign (others_see) was signed in the clear.
    assert blue.get(f"/notices/{nid}").json()["properties"]["purpose"] == "recce"
    theirs = red.get(f"/notices/{nid}").json()["properties"]
    assert "purpose" not in theirs and theirs["callsign"] == "HAWK1"
    # Red checks blue's signature and every hash of its own view of the ledger.
    view = red.get("/ledger").json()
    assert verify_chain(view, PUBLIC, "red") == (1, None)
    assert "recce" not in orjson.dumps(view).decode()
