"""The field's formats over HTTP (api/format_routes.py), through the real server and store:
KML and F3548 out as the party may see, `/notices/{id}.kml` not taken for a notice id,
imports filed through the notice collection's path (all or nothing, a refusal naming the
placemark or volume), hostile XML refused with nothing stored."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastkml import kml as fkml
from tests.conftest import T0, LiveServer, circle
from tests.formats.test_kml import BILLION_LAUGHS, GOOGLE_EARTH, XXE

KML_TYPE = "application/vnd.google-earth.kml+xml"
pytestmark = pytest.mark.server


def state(live: LiveServer) -> tuple[int, int]:
    store = live.service.store
    return store.count_notices(), sum(1 for _ in store.ledger_entries())


def post_import(c: httpx.Client, fmt: str, body: str | bytes) -> httpx.Response:
    return c.post("/notices/import", params={"format": fmt}, content=body)


def test_export_as_each_party_may_see_and_import_back(live_server: LiveServer) -> None:
    blue, red = live_server.client("blue"), live_server.client("red")
    mine = blue.post("/notices", json=circle(35.0, 34.0, callsign="PATROL 21", purpose="SECRET-X"))
    assert mine.status_code == 201, mine.text
    nid = mine.json()["notice"]["id"]
    theirs = red.post("/notices", json=circle(35.05, 34.0, callsign="TANKER 7"))
    assert theirs.json()["conflicts"], theirs.text
    far = red.post("/notices", json=circle(20.0, 10.0, callsign="FAR AWAY"))
    assert far.status_code == 201

    one = blue.get(f"/notices/{nid}.kml")  # not swallowed by /notices/{notice_id}
    assert one.status_code == 200 and one.headers["content-type"].startswith(KML_TYPE)
    [pm] = fkml.KML.from_string(one.content).features[0].features[0].features
    assert pm.name == "PATROL 21" and "SECRET-X" in one.text  # its owner sees its purpose

    seen_by_red = red.get("/export.kml")
    assert seen_by_red.status_code == 200
    assert "PATROL 21" in seen_by_red.text and "SECRET-X" not in seen_by_red.text
    assert "Conflict" in seen_by_red.text and "PATROL 21 (Blue command)" in seen_by_red.text
    boxed = red.get("/export.kml", params={"bbox": "34,33,36,35"})
    assert "FAR AWAY" not in boxed.text and "TANKER 7" in boxed.text
    later = red.get("/export.kml", params={"from": (T0 + timedelta(hours=5)).isoformat()})
    assert "TANKER 7" not in later.text
    bad = red.get("/export.kml", params={"from": "2026-12-01T10:00:00"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("from:")
    assert red.get("/notices/n-nothing.kml").status_code == 404
    far_id = far.json()["notice"]["id"]
    assert red.post(f"/notices/{far_id}/cancel").status_code == 200
    assert "FAR AWAY" not in red.get("/export.kml").text  # cancelled: left out
    gone = red.get(f"/notices/{far_id}.f3548")
    assert gone.status_code == 409 and "no state" in gone.json()["detail"]

    intent = blue.get(f"/notices/{nid}.f3548")
    assert intent.status_code == 200 and intent.headers["content-type"] == "application/json"
    assert intent.json()["reference"]["uss_base_url"] == live_server.url
    before = state(live_server)
    again = post_import(blue, "f3548", intent.content)
    assert again.status_code == 201, again.text
    [filed] = again.json()["results"]
    assert filed["notice"]["properties"]["party"] == "blue"
    assert filed["notice"]["properties"]["alt_upper_ft"] == pytest.approx(10_000.0)
    assert filed["conflicts"]  # against red's tanker, as any notice filed there
    assert state(live_server)[0] == before[0] + 1


def test_a_google_earth_file_is_filed_all_or_nothing(live_server: LiveServer) -> None:
    green = live_server.client("green")
    r = post_import(green, "kml", GOOGLE_EARTH)
    assert r.status_code == 201, r.text
    names = [x["notice"]["properties"]["callsign"] for x in r.json()["results"]]
    assert names == ["Range north", "Transit lane"]
    listed = green.get("/notices", params={"party": "green"}).json()["features"]
    assert {f["properties"]["shape"] for f in listed} == {"polygon", "corridor"}

    before = state(live_server)
    late = GOOGLE_EARTH.replace("2026-12-01T12:30:00Z", "2026-12-01T07:30:00Z")  # ends before start
    r = post_import(green, "kml", late)
    assert r.status_code == 422
    assert r.json()["detail"].startswith('placemark[0] "Range north".properties.end: ')
    assert state(live_server) == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (BILLION_LAUGHS, 422, "kml"),
        (XXE, 422, "kml"),
        (
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            + "<Placemark/>" * 10_000
            + "</Document></kml>",
            422,
            "kml",
        ),
        (
            GOOGLE_EARTH.replace("34.60,33.80,0 35.10", "34.60,33.80,0 35.10;"),
            422,
            'placemark[0] "Range north".Polygon',
        ),
        (
            GOOGLE_EARTH.replace("35.10,34.30,0", "35.10,94.30,0"),
            422,
            'placemark[0] "Range north".geometry.coordinates[0][2]',
        ),
        ("", 422, "body"),
        ("x" * 1_000_001, 413, None),
    ],
    ids=["billion laughs", "xxe", "10k placemarks", "malformed", "lat over 90", "empty", "huge"],
)
def test_hostile_kml_is_refused_naming_the_field_and_nothing_is_stored(
    live_server: LiveServer, body: str, status: int, field: str | None
) -> None:
    blue = live_server.client("blue")
    before = state(live_server)
    r = post_import(blue, "kml", body)
    assert r.status_code == status, r.text
    if field is not None:
        assert r.json()["detail"].startswith(field), r.json()
    assert state(live_server) == before


def test_an_unknown_format_and_a_bad_intent_are_refused(live_server: LiveServer) -> None:
    blue = live_server.client("blue")
    assert post_import(blue, "notam", "x").status_code == 422
    r = post_import(blue, "f3548", b'{"details": {"volumes": [], "off_nominal_volumes": []}}')
    assert r.status_code == 422 and r.json()["detail"].startswith("details.volumes: ")
    r = post_import(blue, "f3548", b"{not json")
    assert r.status_code == 422 and r.json()["detail"].startswith("body: malformed JSON")


def own_track(uid: str, lon: float, at: str) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": uid,
                "geometry": {"type": "Point", "coordinates": [lon, 34.5]},
                "properties": {"time": at, "domain": "air", "alt_ft": 20_000, "name": "VIPER 1"},
            }
        ],
    }


def test_track_trails_are_exported_with_their_times(live_server: LiveServer) -> None:
    blue, red = live_server.client("blue"), live_server.client("red")
    t0 = live_server.clock()
    times = [t0 - timedelta(seconds=20), t0 - timedelta(seconds=10)]
    for i, at in enumerate(times):
        r = blue.post("/tracks", json=own_track("b1", 35.0 + 0.01 * i, at.isoformat()))
        assert r.status_code == 200, r.text
    text = red.get("/export.kml").text
    doc = fkml.KML.from_string(text.encode()).features[0]
    [trail] = [pm for f in doc.features if f.name == "Track trails" for pm in f.features]
    # red may not see blue's units (others_see: callsign only): an alias, no name
    assert trail.name.startswith("blue:unit-") and trail.style_url.url == "#party-blue"
    assert "VIPER 1" not in text and "VIPER 1" in blue.get("/export.kml").text
    assert text.count("<when>") == 2 and "<gx:coord>35.0100000 34.5000000 6096.0</gx:coord>" in text
    after = red.get("/export.kml", params={"from": (t0 - timedelta(seconds=15)).isoformat()})
    assert "Track trails" not in after.text  # one fix left in the window: no trail
