"""The HTTP API through a real client against a real uvicorn server."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import T0, LiveServer, circle

Client = Callable[[str | None], httpx.Client]


def post(c: httpx.Client, path: str, body: Any) -> httpx.Response:
    return c.post(path, content=orjson.dumps(body), headers={"Content-Type": "application/json"})


def test_health_needs_no_token_but_everything_else_does(client_for: Client) -> None:
    anon = client_for(None)
    assert anon.get("/health").json()["status"] == "ok"
    for method, path in [
        ("GET", "/notices"),
        ("GET", "/conflicts"),
        ("POST", "/notices"),
        ("GET", "/agreement"),
        ("GET", "/assets"),
    ]:
        r = anon.request(method, path)
        assert r.status_code == 401, path
        assert r.json()["error"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"


def test_wrong_token_is_refused(live_server: LiveServer) -> None:
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": "Bearer il_not-a-token"}
    ) as c:
        r = c.get("/notices")
    assert r.status_code == 401
    assert "unknown" in r.json()["detail"]


def test_agreement_is_readable(client_for: Client) -> None:
    body = client_for("blue").get("/agreement").json()
    assert [p["id"] for p in body["parties"]] == ["blue", "red", "green"]
    assert body["rules"]["separation"]["air"]["horizontal_m"] == pytest.approx(9260.0)
    assert client_for("red").get("/me").json()["id"] == "red"


def test_submit_returns_its_conflicts_and_both_parties_see_them(client_for: Client) -> None:
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    r1 = post(blue, "/notices", circle(35.80, 35.50, purpose="training", callsign="BLUE1"))
    assert r1.status_code == 201, r1.text
    assert r1.json()["conflicts"] == []
    # 12 km apart centre to centre, radii 5 km: 2 km gap < 5 NM -> conflict.
    r2 = post(red, "/notices", circle(35.80 + 12_000 / 90_600, 35.50))
    assert r2.status_code == 201, r2.text
    conflicts = r2.json()["conflicts"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert {c["a_id"], c["b_id"]} == {r1.json()["notice"]["id"], r2.json()["notice"]["id"]}
    assert c["parties"] == ["blue", "red"]
    assert 1_500 < c["horizontal_distance_m"] < 2_500
    assert c["severity"] == "major"
    assert [x["id"] for x in blue.get("/conflicts").json()] == [c["id"]]
    assert [x["id"] for x in red.get("/conflicts").json()] == [c["id"]]
    assert green.get("/conflicts").json() == []


def test_visibility_hides_free_text_from_other_parties(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    nid = post(
        blue, "/notices", circle(35.8, 35.5, purpose="secret purpose", callsign="BLUE1")
    ).json()["notice"]["id"]
    own = blue.get(f"/notices/{nid}").json()["properties"]
    theirs = red.get(f"/notices/{nid}").json()["properties"]
    assert own["purpose"] == "secret purpose"
    assert "purpose" not in theirs
    assert theirs["callsign"] == "BLUE1"  # the agreement shares callsigns
    assert theirs["radius_m"] == own["radius_m"] and theirs["start"] == own["start"]


def test_only_the_owner_changes_a_notice(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    nid = post(blue, "/notices", circle(35.8, 35.5)).json()["notice"]["id"]
    r = post(red, f"/notices/{nid}/cancel", None)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = red.put(f"/notices/{nid}", content=orjson.dumps(circle(35.9, 35.5)))
    assert r.status_code == 403
    assert blue.get(f"/notices/{nid}").json()["properties"]["status"] == "submitted"
    assert blue.get(f"/notices/{nid}/versions").json()["features"].__len__() == 1


def test_amend_makes_a_new_version_and_supersedes_conflicts(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    b = post(blue, "/notices", circle(35.8, 35.5)).json()["notice"]["id"]
    r = post(red, "/notices", circle(35.85, 35.5)).json()
    rid, first_conflict = r["notice"]["id"], r["conflicts"][0]["id"]
    moved = red.put(f"/notices/{rid}", content=orjson.dumps(circle(36.8, 35.5)))
    assert moved.status_code == 200, moved.text
    assert moved.json()["notice"]["properties"]["version"] == 2
    assert moved.json()["conflicts"] == []
    assert blue.get("/conflicts").json() == []
    closed = blue.get("/conflicts", params={"include_closed": True}).json()
    assert [c["id"] for c in closed] == [first_conflict]
    assert closed[0]["closed_reason"] == "superseded by version 2"
    versions = red.get(f"/notices/{rid}/versions").json()["features"]
    assert [f["properties"]["version"] for f in versions] == [1, 2]
    assert versions[0]["geometry"]["coordinates"] == [35.85, 35.5]
    v1 = red.get(f"/notices/{rid}/versions/1").json()
    assert v1["geometry"]["coordinates"] == [35.85, 35.5]
    # Amending back into conflict raises it again, against version 3.
    back = red.put(f"/notices/{rid}", content=orjson.dumps(circle(35.85, 35.5))).json()
    assert back["conflicts"][0]["a_version"] == 3 and back["conflicts"][0]["b_id"] == b


def test_cancel_closes_conflicts_and_cannot_repeat(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    post(blue, "/notices", circle(35.8, 35.5))
    rid = post(red, "/notices", circle(35.85, 35.5)).json()["notice"]["id"]
    assert len(blue.get("/conflicts").json()) == 1
    r = post(red, f"/notices/{rid}/cancel", None)
    assert r.status_code == 200 and r.json()["properties"]["status"] == "cancelled"
    assert blue.get("/conflicts").json() == []
    again = post(red, f"/notices/{rid}/cancel", None)
    assert again.status_code == 409 and again.json()["error"] == "state_conflict"
    amend = red.put(f"/notices/{rid}", content=orjson.dumps(circle(35.85, 35.5)))
    assert amend.status_code == 409
    # A cancelled notice stays on record and no longer conflicts with newcomers.
    assert red.get(f"/notices/{rid}").json()["properties"]["status"] == "cancelled"
    newcomer = post(blue, "/notices", circle(35.86, 35.5)).json()
    assert newcomer["conflicts"] == []


def test_unknown_notice_is_404(client_for: Client) -> None:
    r = client_for("blue").get("/notices/n-doesnotexist")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_list_filters(client_for: Client, live_server: LiveServer) -> None:
    blue, red = client_for("blue"), client_for("red")
    post(blue, "/notices", circle(35.8, 35.5))
    post(red, "/notices", circle(10.0, 50.0))
    post(red, "/notices", circle(179.95, 0.0, radius_m=20_000))  # spans the antimeridian
    sea = copy.deepcopy(circle(34.0, 34.0))
    props = sea["properties"]
    del props["alt_lower_ft"], props["alt_upper_ft"]
    props.update(domain="sea", depth_min_m=0, depth_max_m=50)
    post(blue, "/notices", sea)

    def ids(**params: Any) -> int:
        return len(blue.get("/notices", params=params).json()["features"])

    assert ids() == 4
    assert ids(party="red") == 2
    assert ids(domain="sea") == 1
    assert ids(bbox="35,35,36,36") == 1
    assert ids(bbox="-179.9,-1,-179.8,1") == 1  # the far side of the antimeridian
    assert ids(bbox="179,-1,-179,1") == 1  # a bbox that crosses it
    assert ids(start=(T0 + timedelta(hours=5)).isoformat()) == 0
    assert ids(end=(T0 + timedelta(hours=3)).isoformat()) == 4
    assert ids(status="submitted") == 4
    live_server.clock.advance(hours=3)
    assert ids(status="active") == 4
    live_server.clock.advance(hours=2)
    assert ids(status="ended") == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "1,2,x,4"}, "bbox"),
        ({"bbox": "0,10,1,5"}, "bbox"),
        ({"bbox": "0,0,200,1"}, "bbox"),
        ({"party": "nobody"}, "party"),
        ({"domain": "space"}, "domain"),
        ({"status": "paused"}, "status"),
        ({"start": "2026-12-01T10:00:00"}, "start"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_list_queries_are_422_naming_the_field(
    client_for: Client, params: dict[str, str], field: str
) -> None:
    r = client_for("blue").get("/notices", params=params)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_input"
    assert field in body["detail"]


def _bad(mutate: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    f = circle(35.8, 35.5)
    mutate(f)
    return f


def _polygon(coords: list[list[float]]) -> dict[str, Any]:
    f = circle(35.8, 35.5)
    f["geometry"] = {"type": "Polygon", "coordinates": [coords]}
    del f["properties"]["radius_m"]
    return f


BAD_BODIES: list[tuple[str, bytes, int, str]] = [
    ("malformed json", b'{"type": "Feature", ', 422, "body"),
    ("nan literal", b'{"type": "Feature", "x": NaN}', 422, "body"),
    ("infinite number", orjson.dumps(circle(35.8, 35.5)).replace(b"5000.0", b"1e400"), 422, "body"),
    ("not a feature", orjson.dumps({"type": "FeatureCollection", "features": []}), 422, "type"),
    ("no properties", orjson.dumps({"type": "Feature", "geometry": None}), 422, "properties"),
    ("no geometry", orjson.dumps(_bad(lambda f: f.pop("geometry"))), 422, "geometry"),
    (
        "bow-tie polygon",
        orjson.dumps(_polygon([[35, 35], [36, 36], [36, 35], [35, 36], [35, 35]])),
        422,
        "geometry.coordinates",
    ),
    (
        "empty polygon",
        orjson.dumps(_polygon([[35, 35], [36, 36], [35, 35], [35, 35]])),
        422,
        "geometry.coordinates",
    ),
    (
        "unclosed ring",
        orjson.dumps(_polygon([[35, 35], [36, 35], [36, 36], [35, 36]])),
        422,
        "geometry.coordinates",
    ),
    (
        "longitude out of range",
        orjson.dumps(_bad(lambda f: f["geometry"].update(coordinates=[181.0, 35.5]))),
        422,
        "geometry.coordinates",
    ),
    (
        "latitude out of range",
        orjson.dumps(_bad(lambda f: f["geometry"].update(coordinates=[35.0, -91.0]))),
        422,
        "geometry.coordinates",
    ),
    (
        "negative radius",
        orjson.dumps(_bad(lambda f: f["properties"].update(radius_m=-1))),
        422,
        "radius_m",
    ),
    (
        "end before start",
        orjson.dumps(
            _bad(lambda f: f["properties"].update(end=(T0 + timedelta(hours=1)).isoformat()))
        ),
        422,
        "properties.end",
    ),
    (
        "naive start",
        orjson.dumps(_bad(lambda f: f["properties"].update(start="2026-12-01T10:00:00"))),
        422,
        "properties.start",
    ),
    (
        "lower above upper",
        orjson.dumps(_bad(lambda f: f["properties"].update(alt_lower_ft=20_000))),
        422,
        "alt_lower_ft",
    ),
    (
        "unknown domain",
        orjson.dumps(_bad(lambda f: f["properties"].update(domain="space"))),
        422,
        "properties.domain",
    ),
    (
        "area over the limit",
        orjson.dumps(_bad(lambda f: f["properties"].update(radius_m=400_000))),
        422,
        "geometry",
    ),
    (
        "duration over the limit",
        orjson.dumps(
            _bad(lambda f: f["properties"].update(end=(T0 + timedelta(days=30)).isoformat()))
        ),
        422,
        "properties.end",
    ),
    (
        "string altitude",
        orjson.dumps(_bad(lambda f: f["properties"].update(alt_upper_ft="high"))),
        422,
        "alt_upper_ft",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "status", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_bad_notices_are_refused_and_nothing_is_stored(
    client_for: Client, live_server: LiveServer, name: str, body: bytes, status: int, field: str
) -> None:
    blue = client_for("blue")
    before = live_server.service.store.count_notices()
    r = blue.post("/notices", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    err = r.json()
    assert set(err) == {"error", "detail"}
    assert field in err["detail"], err
    assert live_server.service.store.count_notices() == before
    assert blue.get("/notices").json()["features"] == []
    assert blue.get("/violations").json() == []


def test_oversized_body_is_413_and_nothing_is_stored(
    client_for: Client, live_server: LiveServer
) -> None:
    f = circle(35.8, 35.5, remarks="x" * 1_100_000)
    r = post(client_for("blue"), "/notices", f)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert live_server.service.store.count_notices() == 0


def test_late_notice_is_recorded_and_every_party_sees_it(client_for: Client) -> None:
    blue, green = client_for("blue"), client_for("green")
    r = post(blue, "/notices", circle(35.8, 35.5, start=T0 + timedelta(minutes=1)))
    assert r.status_code == 201
    (v,) = r.json()["violations"]
    assert v["kind"] == "late_notice" and v["lead_time_s"] == pytest.approx(60.0)
    assert v["required_s"] == pytest.approx(3600.0)
    seen = green.get("/violations").json()
    assert [x["notice"]["id"] for x in seen] == [r.json()["notice"]["id"]]


def test_late_notice_is_refused_when_the_agreement_says_so(
    client_for: Client, live_server: LiveServer
) -> None:
    from interlock.model.agreement import Rules

    rules = live_server.service.agreement.rules
    refusing = Rules(
        **{**{f: getattr(rules, f) for f in rules.__dataclass_fields__}, "late_notice": "refuse"}
    )
    live_server.service.agreement = type(live_server.service.agreement)(
        live_server.service.agreement.name,
        live_server.service.agreement.parties,
        refusing,
        live_server.service.agreement.others_see,
    )
    r = post(client_for("blue"), "/notices", circle(35.8, 35.5, start=T0 + timedelta(minutes=1)))
    assert r.status_code == 422 and r.json()["error"] == "rule_violation"
    assert "late" in r.json()["detail"]
    assert live_server.service.store.count_notices() == 0
    assert client_for("green").get("/violations").json() == []


def test_protected_assets_conflict_with_other_parties_notices(client_for: Client) -> None:
    blue, red = client_for("blue"), client_for("red")
    radar = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.0, 35.0]},
        "properties": {"kind": "radar", "name": "Coastal radar", "radius_m": 3000},
    }
    r = post(red, "/assets", radar)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert red.get(f"/assets/{aid}").json()["properties"]["name"] == "Coastal radar"
    own = post(red, "/notices", circle(36.0, 35.0)).json()
    assert own["conflicts"] == []  # a party's own asset does not conflict with it
    near = post(blue, "/notices", circle(36.05, 35.0)).json()
    assert {(c["b_kind"], c["b_id"]) for c in near["conflicts"]} == {
        ("asset", aid),
        ("notice", own["notice"]["id"]),
    }
    post(red, f"/notices/{own['notice']['id']}/cancel", None)
    assert post(blue, f"/assets/{aid}/retire", None).status_code == 403
    assert post(red, f"/assets/{aid}/retire", None).status_code == 200
    assert post(blue, "/notices", circle(36.05, 35.0)).json()["conflicts"] == []
    assert len(blue.get("/assets").json()["features"]) == 0
    assert len(blue.get("/assets", params={"include_retired": True}).json()["features"]) == 1
    bad = post(red, "/assets", {**radar, "properties": {"kind": "castle", "name": "x"}})
    assert bad.status_code == 422 and "properties.kind" in bad.json()["detail"]


def test_openapi_documents_every_route(client_for: Client) -> None:
    anon = client_for(None)
    spec = anon.get("/openapi.json").json()
    assert {
        "/notices",
        "/notices/{notice_id}",
        "/conflicts",
        "/violations",
        "/assets",
        "/agreement",
    } <= set(spec["paths"])
    post_schema = spec["paths"]["/notices"]["post"]["requestBody"]["content"]
    assert (
        "domain"
        in post_schema["application/json"]["schema"]["properties"]["properties"]["properties"]
    )
    assert anon.get("/docs").status_code == 200


def test_nobody_files_for_another_party(client_for: Client, live_server: LiveServer) -> None:
    r = post(client_for("blue"), "/notices", circle(35.8, 35.5, party="red"))
    assert r.status_code == 403 and "red" in r.json()["detail"]
    assert live_server.service.store.count_notices() == 0
    ok = post(client_for("blue"), "/notices", circle(35.8, 35.5, party="blue"))
    assert ok.status_code == 201


def test_string_coordinates_and_bow_ties_are_named_for_what_they_are(client_for: Client) -> None:
    blue = client_for("blue")
    f = circle(35.8, 35.5)
    f["geometry"]["coordinates"] = ["35.8", "35.5"]
    r = post(blue, "/notices", f)
    assert r.status_code == 422 and "must be numbers" in r.json()["detail"]
    bow = _polygon([[35, 35], [36, 36], [36, 35], [35, 36], [35, 35]])
    r = post(blue, "/notices", bow)
    assert r.status_code == 422 and "Self-intersection" in r.json()["detail"]
