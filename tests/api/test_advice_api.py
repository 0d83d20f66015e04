"""Advice through the HTTP API (issue 19), as a hostile party would try it: another
party's conflict or notice, an asset owner's side, an unknown piece, a body that is not
the advice, a stale version, two applies at once, and signatures where the agreement
requires them. Every refusal is a clear 4xx naming what is wrong and changes nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import PARTY_KEYS, T0, LiveServer, circle, make_agreement, signed_notice

from interlock.model.agreement import Agreement


def ok(r: httpx.Response, code: int = 200) -> Any:
    assert r.status_code == code, r.text
    return r.json()


def conflict_pair(blue: httpx.Client, red: httpx.Client) -> tuple[int, str, str]:
    """Blue's circle, then red's overlapping one: (conflict id, blue's id, red's id)."""
    b = ok(blue.post("/notices", json=circle(35.0, 34.0, 20_000, callsign="FALCON 1")), 201)
    r = ok(
        red.post("/notices", json=circle(35.1, 34.0, 15_000, callsign="EAGLE 2")),
        201,
    )
    (c,) = r["conflicts"]
    return c["id"], b["notice"]["id"], r["notice"]["id"]


@pytest.fixture
def clients(live_server: LiveServer) -> Any:
    c = {p: live_server.client(p) for p in ("blue", "red", "green")}
    yield c
    for client in c.values():
        client.close()


def version(c: httpx.Client, nid: str) -> int:
    return int(ok(c.get(f"/notices/{nid}"))["properties"]["version"])


def test_advice_for_either_side_names_what_it_clears(clients: dict[str, httpx.Client]) -> None:
    blue, red, green = clients["blue"], clients["red"], clients["green"]
    cid, bid, rid = conflict_pair(blue, red)
    for party, client, mine, theirs in (
        ("red", red, rid, "FALCON 1"),
        ("blue", blue, bid, "EAGLE 2"),
    ):
        a = ok(client.get(f"/conflicts/{cid}/advice"))
        assert a["conflict"] == cid and a["notice"]["id"] == mine and a["notice"]["party"] == party
        assert a["clears"] == [cid]
        assert [m["name"] for m in a["meets"]] == [theirs]
        kinds = [p["kind"] for p in a["advice"]]
        assert kinds and kinds == sorted(
            kinds,
            key=["delay", "advance", "level_up", "level_down", "offset", "narrow", "shrink"].index,
        )
        for p in a["advice"]:
            assert p["summary"] and p["feature"]["type"] == "Feature"
        assert {u["kind"] for u in a["unavailable"]}.isdisjoint(kinds)
    # a third party has no part in it; nobody reads advice on another's notice
    assert green.get(f"/conflicts/{cid}/advice").status_code == 404
    r = red.get(f"/notices/{bid}/advice")
    assert r.status_code == 403 and "blue" in r.json()["detail"]
    assert red.get("/notices/n-nope/advice").status_code == 404
    assert red.get("/conflicts/999999/advice").status_code == 404
    assert red.get("/conflicts/0/advice").status_code == 422
    assert red.get("/conflicts/abc/advice").status_code == 422


def test_an_asset_owner_is_told_advice_is_the_notice_owners(
    clients: dict[str, httpx.Client],
) -> None:
    blue, red = clients["blue"], clients["red"]
    zone = circle(35.0, 34.0, 10_000, name="depot", kind="zone", start=T0)
    del zone["properties"]["domain"]
    ok(blue.post("/assets", json=zone), 201)
    hit = ok(red.post("/notices", json=circle(35.05, 34.0, 5_000)), 201)
    (c,) = hit["conflicts"]
    r = blue.get(f"/conflicts/{c['id']}/advice")
    assert r.status_code == 409 and "asset" in r.json()["detail"]
    advice = ok(red.get(f"/conflicts/{c['id']}/advice"))
    assert [m["kind"] for m in advice["meets"]] == ["asset"]
    assert [m["name"] for m in advice["meets"]] == ["depot"]


def test_apply_amends_once_and_refuses_what_is_not_the_advice(
    clients: dict[str, httpx.Client],
) -> None:
    blue, red = clients["blue"], clients["red"]
    cid, bid, rid = conflict_pair(blue, red)
    advice = ok(red.get(f"/notices/{rid}/advice"))
    offered = [p["k"] for p in advice["advice"]]
    # refusals: unknown piece, another's notice, malformed body; nothing changes
    r = red.post(f"/notices/{rid}/advice/teleport/apply")
    assert r.status_code == 404 and "offered: " + ", ".join(offered) in r.json()["detail"]
    assert red.post(f"/notices/{rid}/advice/{len(offered)}/apply").status_code == 404
    assert red.post(f"/notices/{bid}/advice/delay/apply").status_code == 403
    r = red.post(f"/notices/{rid}/advice/delay/apply", content=b"{nope")
    assert r.status_code == 422 and r.json()["detail"].startswith("body:")
    r = red.post(f"/notices/{rid}/advice/delay/apply", json=[1, 2])
    assert r.status_code == 422 and r.json()["detail"].startswith("body:")
    assert version(red, rid) == 1
    # by index: the first piece offered
    done = ok(red.post(f"/notices/{rid}/advice/0/apply"))
    assert done["applied"]["kind"] == offered[0] and done["conflicts"] == []
    assert done["notice"]["properties"]["version"] == 2
    assert cid not in [c["id"] for c in ok(red.get("/conflicts"))]  # closed: superseded
    # advice on a clear notice offers nothing to apply
    assert ok(red.get(f"/notices/{rid}/advice"))["advice"] == []
    assert red.post(f"/notices/{rid}/advice/delay/apply").status_code == 404
    assert version(red, rid) == 2


def test_two_applies_at_once_amend_once(clients: dict[str, httpx.Client]) -> None:
    blue, red = clients["blue"], clients["red"]
    _, _, rid = conflict_pair(blue, red)
    codes: list[int] = []

    def go() -> None:
        codes.append(red.post(f"/notices/{rid}/advice/delay/apply").status_code)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(200) == 1 and set(codes) <= {200, 404, 409}, codes
    assert version(red, rid) == 2


@pytest.fixture
def agreement(request: pytest.FixtureRequest) -> Agreement:
    return make_agreement(**getattr(request, "param", {}))


@pytest.mark.parametrize("agreement", [{"require_signatures": True}], indirect=True)
def test_signed_where_the_agreement_requires_it(live_server: LiveServer) -> None:
    blue, red = live_server.client("blue"), live_server.client("red")
    try:
        b = signed_notice("blue", PARTY_KEYS["blue"], circle(35.0, 34.0, 20_000), T0)
        ok(blue.post("/notices", json=b), 201)
        r = signed_notice("red", PARTY_KEYS["red"], circle(35.1, 34.0, 15_000), T0)
        rid = ok(red.post("/notices", json=r), 201)["notice"]["id"]
        advice = ok(red.get(f"/notices/{rid}/advice"))
        piece = advice["advice"][0]
        k = piece["k"]
        # unsigned: refused, as any unsigned amendment is
        assert red.post(f"/notices/{rid}/advice/{k}/apply").status_code == 401
        # signed, but not the advised notice
        wrong = circle(35.1, 34.0, 15_000, start=T0 + timedelta(hours=9))
        env = signed_notice("red", PARTY_KEYS["red"], wrong, T0, notice_id=rid, version=2)
        r2 = red.post(f"/notices/{rid}/advice/{k}/apply", json=env)
        assert r2.status_code == 409 and "not the advice" in r2.json()["detail"]
        # signed by another party
        env = signed_notice(
            "blue", PARTY_KEYS["blue"], piece["feature"], T0, notice_id=rid, version=2
        )
        assert red.post(f"/notices/{rid}/advice/{k}/apply", json=env).status_code == 403
        assert version(red, rid) == 1
        # the advised feature, signed as version 2 of this notice
        env = signed_notice(
            "red", PARTY_KEYS["red"], piece["feature"], T0, notice_id=rid, version=2
        )
        done = ok(red.post(f"/notices/{rid}/advice/{k}/apply", json=env))
        assert done["conflicts"] == [] and done["notice"]["properties"]["version"] == 2
    finally:
        blue.close()
        red.close()
