"""POST /notices/collection: a FeatureCollection filed all or nothing, through the real
API and store. A refusal names the feature (`features[i]...`) and leaves the notices, the
violations and the ledger as they were, even when only the server could refuse it (a
late notice under an agreement that refuses them, a replayed envelope)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import PARTY_KEYS, T0, LiveServer, circle, make_agreement, signed_notice

from interlock.model.agreement import Agreement
from interlock.model.limits import MAX_COLLECTION_FEATURES
from interlock.service import notices as notices_service

Client = Callable[[str | None], httpx.Client]
LATE = T0 + timedelta(minutes=1)  # inside the agreement's 60 min lead time


@pytest.fixture
def agreement() -> Agreement:
    return make_agreement(late_notice="refuse")


def post(c: httpx.Client, body: Any) -> httpx.Response:
    return c.post(
        "/notices/collection",
        content=orjson.dumps(body),
        headers={"Content-Type": "application/json"},
    )


def collection(features: list[Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def spread(n: int) -> list[dict[str, Any]]:
    """n notices far enough apart (0.2 deg) that none conflicts with another."""
    return [circle(30.0 + 0.2 * i, 30.0, callsign=f"B{i}") for i in range(n)]


def state(live: LiveServer, c: httpx.Client) -> tuple[int, int, int, int]:
    """Notices stored, notices listed, violations, ledger entries (counted one by one)."""
    store = live.service.store
    return (
        store.count_notices(),
        len(c.get("/notices").json()["features"]),
        len(c.get("/violations").json()),
        sum(1 for _ in store.ledger_entries()),
    )


def refused(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["detail"].startswith(field + ": "), r.json()


@pytest.mark.parametrize("bad_at", [0, 1, 2], ids=["first", "middle", "last"])
def test_a_bad_feature_anywhere_files_none(
    client_for: Client, live_server: LiveServer, bad_at: int
) -> None:
    blue = client_for("blue")
    assert post(blue, collection(spread(1))).status_code == 201  # something on record
    before = state(live_server, blue)
    feats = spread(3)
    feats[bad_at]["properties"]["end"] = feats[bad_at]["properties"]["start"]
    refused(post(blue, collection(feats)), 422, f"features[{bad_at}].properties.end")
    assert state(live_server, blue) == before


def test_a_refusal_only_the_server_decides_on_the_last_feature_files_none(
    client_for: Client, live_server: LiveServer
) -> None:
    """Applied in order in one transaction: the first two are written, then the late
    third is refused and takes them back with it."""
    blue = client_for("blue")
    before = state(live_server, blue)
    r = post(blue, collection([*spread(2), circle(35.0, 35.0, start=LATE)]))
    refused(r, 422, "features[2].properties.start")
    assert r.json()["error"] == "rule_violation" and "late" in r.json()["detail"]
    assert state(live_server, blue) == before


def test_a_replayed_envelope_last_files_none(client_for: Client, live_server: LiveServer) -> None:
    blue = client_for("blue")
    replay = signed_notice("blue", PARTY_KEYS["blue"], circle(34.0, 34.0), T0)
    assert blue.post("/notices", json=replay).status_code == 201
    before = state(live_server, blue)
    fresh = [signed_notice("blue", PARTY_KEYS["blue"], f, T0) for f in spread(2)]
    r = post(blue, collection([*fresh, replay]))
    refused(r, 409, "features[2]")
    assert "replayed" in r.json()["detail"]
    assert state(live_server, blue) == before
    # The refused collection's nonces were not spent: the fresh envelopes still file.
    assert post(blue, collection(fresh)).status_code == 201


def test_the_same_envelope_twice_in_one_collection_is_a_replay(
    client_for: Client, live_server: LiveServer
) -> None:
    blue = client_for("blue")
    env = signed_notice("blue", PARTY_KEYS["blue"], circle(34.0, 34.0), T0)
    refused(post(blue, collection([env, env])), 409, "features[1]")
    assert state(live_server, blue) == (0, 0, 0, 0)


def test_a_good_collection_files_all_finding_conflicts_with_others(
    client_for: Client, live_server: LiveServer
) -> None:
    blue, red = client_for("blue"), client_for("red")
    theirs = red.post("/notices", json=circle(36.0, 36.0, callsign="R1")).json()["notice"]["id"]
    signer = live_server.party_client("blue")
    try:
        out = signer.submit_notices(
            [
                circle(36.01, 36.0, callsign="B1"),  # overlaps red's
                circle(20.0, 20.0, callsign="B2"),  # alone
                circle(36.0, 36.01, callsign="B3"),  # overlaps red's, and B1 (its own)
            ]
        )
    finally:
        signer.close()
    results = out["results"]
    assert [r["notice"]["properties"]["callsign"] for r in results] == ["B1", "B2", "B3"]
    ids = [r["notice"]["id"] for r in results]
    assert len(set(ids)) == 3 and all(r["violations"] == [] for r in results)
    pairs = [{frozenset((c["a_id"], c["b_id"])) for c in r["conflicts"]} for r in results]
    # A party's own notices never conflict (detect.strategic), in a collection as anywhere.
    assert pairs == [{frozenset((ids[0], theirs))}, set(), {frozenset((ids[2], theirs))}]
    listed = {f["id"] for f in blue.get("/notices").json()["features"]}
    assert listed == {*ids, theirs}
    seen = {frozenset((c["a_id"], c["b_id"])) for c in red.get("/conflicts").json()}
    assert seen == pairs[0] | pairs[2]


@pytest.mark.parametrize(("n", "status"), [(2, 201), (3, 201), (4, 422)])
def test_the_count_is_bounded_just_under_at_and_over(
    client_for: Client,
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    n: int,
    status: int,
) -> None:
    monkeypatch.setattr(notices_service, "MAX_COLLECTION_FEATURES", 3)
    blue = client_for("blue")
    r = post(blue, collection(spread(n)))
    assert r.status_code == status, r.text
    if status == 422:
        refused(r, 422, "features")
        assert "at most 3" in r.json()["detail"]
    assert state(live_server, blue)[0] == (n if status == 201 else 0)


def test_the_real_bound_is_refused_before_any_feature_is_read(client_for: Client) -> None:
    """One over the real limit, of junk: refused for the count, not for the junk."""
    r = post(client_for("blue"), collection([{}] * (MAX_COLLECTION_FEATURES + 1)))
    refused(r, 422, "features")
    assert f"at most {MAX_COLLECTION_FEATURES}" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (circle(35.0, 35.0), "type"),  # a lone Feature
        ({"features": spread(1)}, "type"),
        ([circle(35.0, 35.0)], "type"),
        ({"type": "FeatureCollection"}, "features"),
        ({"type": "FeatureCollection", "features": {}}, "features"),
        (collection([]), "features"),
        (collection([circle(35.0, 35.0), "not a feature"]), "features[1].type"),
    ],
    ids=["feature", "no-type", "array", "no-features", "features-object", "empty", "string"],
)
def test_what_is_not_a_collection_of_notices_is_refused(
    client_for: Client, live_server: LiveServer, body: Any, field: str
) -> None:
    blue = client_for("blue")
    refused(post(blue, body), 422, field)
    assert state(live_server, blue) == (0, 0, 0, 0)


def test_a_feature_filed_for_another_party_is_forbidden(
    client_for: Client, live_server: LiveServer
) -> None:
    blue = client_for("blue")
    feats = spread(2)
    feats[1]["properties"]["party"] = "red"
    refused(post(blue, collection(feats)), 403, "features[1]")
    assert state(live_server, blue) == (0, 0, 0, 0)
