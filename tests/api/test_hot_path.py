"""The lean path of the hot writes (api.hot_routes.HotPath) answers exactly as FastAPI's
routes of the same paths do: the same app built without it is the reference."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from tests.conftest import PARTY_KEYS, Clock, circle, serve_in_thread

from interlock.api import create_app
from interlock.api.hot_routes import HotPath
from interlock.ledger.envelope import sign
from interlock.service.auth import issue_tokens
from interlock.service.root import Services


def _without_hot_path(app: FastAPI) -> FastAPI:
    app.user_middleware = [m for m in app.user_middleware if m.cls is not HotPath]
    return app


Pair = tuple[httpx.Client, httpx.Client, dict[str, str]]


@pytest.fixture
def pair(services: Services) -> Iterator[Pair]:
    """The shipped app and the reference, both served over the test's services."""
    tokens, hashes = issue_tokens(services.agreement.party_ids)
    services.store.set_token_hashes(hashes)
    lean = create_app(services, max_body_bytes=4_000)
    assert any(m.cls is HotPath for m in lean.user_middleware)
    reference = _without_hot_path(create_app(services, max_body_bytes=4_000))
    with ExitStack() as stack:
        a, b = (stack.enter_context(serve_in_thread(app)) for app in (lean, reference))
        clients = [stack.enter_context(httpx.Client(base_url=u, timeout=10)) for u in (a, b)]
        yield clients[0], clients[1], tokens


def _answer(client: httpx.Client, path: str, headers: dict[str, str], body: bytes) -> Any:
    r = client.post(path, content=body, headers=headers)
    keep = ("content-type", "www-authenticate", "retry-after", "allow")
    return r.status_code, r.json(), {k: r.headers.get(k) for k in keep}


def test_refusals_are_the_reference_routes(pair: Pair, clock: Clock) -> None:
    lean, reference, tokens = pair
    blue = f"Bearer {tokens['blue']}"
    message = sign("message", "red", {"to": ["blue"], "subject": "x"}, PARTY_KEYS["red"], clock())
    cases: list[tuple[dict[str, str], bytes]] = [
        ({}, b"{}"),  # no token
        ({"Authorization": f"Basic {tokens['blue']}"}, b"{}"),  # another scheme
        ({"Authorization": "Bearer"}, b"{}"),  # no token after the scheme
        ({"Authorization": "Bearer nobody"}, b"{}"),  # an unknown token
        ({"Authorization": f"bEARER  {tokens['red']}"}, b"{}"),  # any case, spaces
        ({"Authorization": blue}, b""),  # no body
        ({"Authorization": blue}, b'{"type": '),  # malformed JSON
        ({"Authorization": blue}, b"[1, 2]"),  # JSON, but no envelope or Feature
        ({"Authorization": blue}, orjson.dumps(message)),  # red's envelope, blue's token
        ({"Authorization": blue}, b" " * 4_001),  # one byte over the body limit
    ]
    paths = ["/notices", "/messages", "/messages/m-1/receipts", "/messages/m%2F1/receipts"]
    for path in paths:
        for headers, body in cases:
            got = _answer(lean, path, headers, body)
            assert got == _answer(reference, path, headers, body), (path, headers, body[:20])
            assert 400 <= got[0] < 500


def test_writes_and_replays_answer_alike(pair: Pair, clock: Clock) -> None:
    lean, reference, tokens = pair
    headers = {"Authorization": f"Bearer {tokens['blue']}"}
    body = {"to": ["red"], "priority": "routine", "subject": "hot", "body": "", "refs": []}
    for first, second in ((lean, reference), (reference, lean)):
        env = orjson.dumps(sign("message", "blue", body, PARTY_KEYS["blue"], clock()))
        sent = first.post("/messages", content=env, headers=headers)
        assert sent.status_code == 201 and sent.json()["from"] == "blue"
        replay = _answer(second, "/messages", headers, env)  # the same envelope again
        assert replay == _answer(first, "/messages", headers, env)
        assert replay[0] == 409
    notice = orjson.dumps(circle(35.0, 35.0))
    a, b = (c.post("/notices", content=notice, headers=headers) for c in (lean, reference))
    assert a.status_code == b.status_code == 201
    assert a.json()["notice"]["properties"]["party"] == b.json()["notice"]["properties"]["party"]
    assert a.json().keys() == b.json().keys()
    # Other methods of the hot paths still reach their own routes.
    listed = lean.get("/messages", headers=headers).json()
    assert len(listed) == 2 and listed == reference.get("/messages", headers=headers).json()
    assert lean.get("/notices", headers=headers).json()["features"]
