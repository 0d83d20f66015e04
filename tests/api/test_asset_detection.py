"""Assets and notices are checked both ways: the order of events changes nothing.

A protected asset registered after another party's notice over it records the same
conflict as the notice filed after the asset; retiring the asset closes it; concurrent
retires of one asset succeed once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from tests.conftest import LiveServer, circle

Client = Callable[[str | None], httpx.Client]
# What must not depend on the order (ids, versions and detection times may).
SAME = (
    "a_kind",
    "b_kind",
    "a_party",
    "b_party",
    "severity",
    "parties",
    "window_start",
    "window_end",
    "time_gap_s",
    "horizontal_distance_m",
    "horizontal_minimum_m",
    "vertical_gap_m",
    "vertical_minimum_m",
    "worst_lon",
    "worst_lat",
)


def post(c: httpx.Client, path: str, body: Any = None) -> httpx.Response:
    content = b"" if body is None else orjson.dumps(body)
    return c.post(path, content=content, headers={"Content-Type": "application/json"})


def zone(lon: float, lat: float, radius_m: float = 4000.0, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"kind": "zone", "name": "Exclusion zone", "radius_m": radius_m, **props},
    }


def essence(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in SAME}


def test_an_asset_under_an_earlier_notice_records_the_same_conflict_as_the_reverse(
    client_for: Client,
) -> None:
    blue, red = client_for("blue"), client_for("red")
    # order 1: blue's notice first, then red's zone over it
    n1 = post(blue, "/notices", circle(36.0, 35.0)).json()
    assert n1["conflicts"] == []
    r = post(red, "/assets", zone(36.03, 35.0))
    assert r.status_code == 201, r.text  # a conflicting asset is accepted, never refused
    (after,) = r.json()["conflicts"]
    assert (after["a_id"], after["b_id"]) == (n1["notice"]["id"], r.json()["id"])
    # order 2, elsewhere: red's zone first, then blue's notice over it
    z2 = post(red, "/assets", zone(26.03, 35.0)).json()
    assert z2["conflicts"] == []
    (before,) = post(blue, "/notices", circle(26.0, 35.0)).json()["conflicts"]
    assert (before["b_kind"], before["b_id"]) == ("asset", z2["id"])
    shifted = {**essence(after), "worst_lon": after["worst_lon"] - 10.0}
    assert essence(before) == shifted | {"worst_lon": before["worst_lon"]}
    assert abs(before["worst_lon"] - (after["worst_lon"] - 10.0)) < 1e-6
    assert before["horizontal_distance_m"] == after["horizontal_distance_m"] == 0.0
    # both recorded, both parties see them, each announced as a system message to both
    listed = {c["id"] for c in blue.get("/conflicts").json()}
    assert {after["id"], before["id"]} <= listed
    assert {after["id"], before["id"]} <= {c["id"] for c in red.get("/conflicts").json()}
    for party in (blue, red):
        subjects = [m["subject"] for m in party.get("/messages").json()]
        assert any(f"conflict #{after['id']}:" in s for s in subjects)


def test_an_asset_of_the_same_party_or_far_away_records_nothing(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    post(blue, "/notices", circle(30.0, 40.0))
    assert post(blue, "/assets", zone(30.0, 40.0)).json()["conflicts"] == []  # its own
    # 20 km off a 5 km circle: 11 km clear of a 4 km zone > 5 NM (9.26 km)
    assert post(red, "/assets", zone(30.0 + 20_000 / 91_000, 40.0)).json()["conflicts"] == []


def test_an_asset_above_the_notices_band_is_separated(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    post(blue, "/notices", circle(31.0, 40.0, lower_ft=0, upper_ft=10_000))
    # a zone from 11,000 ft up: exactly the 1,000 ft vertical minimum above the notice
    high = zone(31.0, 40.0, alt_lower_ft=11_000, alt_upper_ft=20_000)
    assert post(red, "/assets", high).json()["conflicts"] == []
    lower = zone(31.0, 40.0, alt_lower_ft=10_999, alt_upper_ft=20_000)
    assert len(post(red, "/assets", lower).json()["conflicts"]) == 1


def test_retiring_an_asset_closes_its_conflicts(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    post(blue, "/notices", circle(32.0, 35.0))
    asset = post(red, "/assets", zone(32.0, 35.0)).json()
    (c,) = asset["conflicts"]
    assert post(red, f"/assets/{asset['id']}/retire").status_code == 200
    assert c["id"] not in {x["id"] for x in blue.get("/conflicts").json()}
    closed = blue.get("/conflicts", params={"include_closed": True}).json()
    (row,) = [x for x in closed if x["id"] == c["id"]]
    assert row["closed_reason"] == "asset retired"
    kinds = [e["event"]["type"] for e in blue.get("/ledger").json()]
    assert kinds.count("asset_retired") == 1 and "conflicts_closed" in kinds


def test_concurrent_retires_of_one_asset_succeed_once(
    client_for: Client, live_server: LiveServer
) -> None:
    red = client_for("red")
    asset = post(red, "/assets", zone(33.0, 35.0)).json()
    codes: list[int] = []
    gate = threading.Barrier(8)

    def retire() -> None:
        with live_server.client("red") as c:
            gate.wait()
            codes.append(post(c, f"/assets/{asset['id']}/retire").status_code)

    threads = [threading.Thread(target=retire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(codes) == [200] + [409] * 7
    kinds = [e["event"]["type"] for e in red.get("/ledger").json()]
    assert kinds.count("asset_retired") == 1


def test_another_partys_asset_cannot_be_retired_and_nothing_changes(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    asset = post(red, "/assets", zone(34.0, 35.0)).json()
    before = len(red.get("/ledger").json())
    r = post(blue, f"/assets/{asset['id']}/retire")
    assert r.status_code == 403 and r.json()["error"]
    assert post(red, "/assets/a-0000000000000000/retire").status_code == 404
    assert len(red.get("/ledger").json()) == before
    assert red.get(f"/assets/{asset['id']}").json()["properties"]["retired_at"] is None
