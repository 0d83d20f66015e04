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
from tests.conftest import T0, LiveServer, circle

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


def signed(party: str, feature: dict[str, Any], at: Any = T0) -> dict[str, Any]:
    return sign("notice", party, feature, KEYS[party], at)


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
        env["body"]["properties"]["alt_upper_ft"] = 20_000
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
        f"/notices/{nid}", content=orjson.dumps(signed("blue", circle(35.81, 35.5)))
    )
    assert amended.status_code == 200
    unsigned = client_for("blue").put(
        f"/notices/{nid}", content=orjson.dumps(copy.deepcopy(circle(35.9, 35.5)))
    )
    assert unsigned.status_code == 401
    assert verify_chain(live_server.service.store.ledger_entries(), PUBLIC)[1] is None
