"""GET /tracks/history over a real server: trails with their times, named as live, and its
bounds (span, fixes) at, under and over; malformed queries are 4xx naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import T0, LiveServer

from interlock.api import history_routes
from interlock.model.timeutil import iso

pytestmark = pytest.mark.server


def post_units(live_server: LiveServer, client: httpx.Client, uid: str, n: int, lon: float) -> None:
    """n reports of one own unit, a second apart, 0.005 deg east each (about 250 kt)."""
    for k in range(n):
        live_server.clock.now = T0 + timedelta(seconds=k)
        feature = {
            "type": "Feature",
            "id": uid,
            "geometry": {"type": "Point", "coordinates": [lon + 0.001 * k, 34.0]},
            "properties": {
                "time": iso(live_server.clock.now),
                "domain": "air",
                "alt_ft": 9000,
                "name": uid.upper(),
            },
        }
        r = client.post("/tracks", json={"type": "FeatureCollection", "features": [feature]})
        assert r.status_code == 200, r.text


def window(**over: Any) -> dict[str, Any]:
    return {"from": iso(T0), "to": iso(T0 + timedelta(minutes=5)), **over}


def test_trails_named_as_live_and_bounded(
    live_server: LiveServer,
    client_for: Callable[[str | None], httpx.Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blue, red = client_for("blue"), client_for("red")
    post_units(live_server, blue, "raven", 21, 33.0)
    post_units(live_server, red, "viper", 21, 35.0)
    r = blue.get("/tracks/history", params=window())
    assert r.status_code == 200, r.text
    trails = {f["id"]: f for f in r.json()["features"]}
    mine = trails.pop("blue:raven")
    assert mine["geometry"]["type"] == "LineString"
    times = mine["properties"]["times"]
    assert times == [iso(T0 + timedelta(seconds=s)) for s in (0, 5, 10, 15, 20)]
    assert len(mine["geometry"]["coordinates"]) == 5 and mine["properties"]["name"] == "RAVEN"
    (other,) = trails.values()  # red's unit: as GET /tracks names it for blue
    live = {f["id"] for f in blue.get("/tracks").json()["features"]}
    assert other["id"] in live and other["id"].startswith("red:unit-")
    assert other["properties"]["name"] is None and "viper" not in r.text.lower()
    assert blue.get("/tracks/history", params=window(track="red:viper")).json()["features"] == []
    assert [
        f["id"]
        for f in blue.get("/tracks/history", params=window(track=other["id"])).json()["features"]
    ] == [other["id"]]
    assert (
        blue.get("/tracks/history", params=window(bbox="34.9,33.9,35.1,34.1")).json()["features"][
            0
        ]["id"]
        == other["id"]
    )
    # the span: 24 h is an answer, a second more is refused naming `to`
    day = {"from": iso(T0 - timedelta(hours=24)), "to": iso(T0)}
    assert blue.get("/tracks/history", params=day).status_code == 200
    over = blue.get(
        "/tracks/history", params={**day, "from": iso(T0 - timedelta(hours=24, seconds=1))}
    )
    assert over.status_code == 422 and over.json()["detail"].startswith("to:")
    # the fixes cap: 10 fixes in the window; at 10 an answer, at 9 refused naming `to`
    monkeypatch.setattr(history_routes, "MAX_FIXES", 10)
    assert blue.get("/tracks/history", params=window()).status_code == 200
    monkeypatch.setattr(history_routes, "MAX_FIXES", 9)
    r = blue.get("/tracks/history", params=window())
    assert r.status_code == 413 and r.json()["detail"].startswith("to:"), r.text
    assert blue.get("/tracks/history", params=window(track="blue:raven")).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": iso(T0)}, "from"),
        ({"from": iso(T0)}, "to"),
        (window(**{"from": "yesterday"}), "from"),
        (window(**{"from": "2026-12-01T08:00:00"}), "from"),  # naive: no offset
        (window(to="2026-13-01T08:00:00Z"), "to"),
        (window(to=iso(T0 - timedelta(seconds=1))), "to"),  # before from
        (window(bbox="1,2,3"), "bbox"),
        (window(bbox="0,50,1,40"), "bbox"),
        (window(track=""), "track"),
        (window(track="x" * 201), "track"),
    ],
)
def test_bad_queries_name_the_field(
    live_server: LiveServer,
    client_for: Callable[[str | None], httpx.Client],
    params: dict[str, Any],
    field: str,
) -> None:
    r = client_for("blue").get("/tracks/history", params=params)
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"].split(":")[0] or r.json()["detail"].startswith(
        f"query.{field}"
    )


def test_history_needs_a_token(
    live_server: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    assert client_for(None).get("/tracks/history", params=window()).status_code == 401
