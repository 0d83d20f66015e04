"""The live picture over HTTP: feed batches in, GeoJSON tracks out, bad input counted."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import LiveServer

from interlock.feeds.readers import reports_from
from interlock.model.picture import Picture
from interlock.model.track import Skip, TrackReport

Client = Callable[[str | None], httpx.Client]

# "The 1090 Megahertz Riddle" (J. Sun), airborne position example: ICAO 40621D, an
# even/odd CPR pair decoding to 52.2572 N... (odd frame latest: 52.26578 N, 3.93891 E).
EVEN, ODD = "8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6"
SBS_POSITION = (
    "MSG,3,1,1,4CA1FA,1,2026/12/01,08:00:00.000,2026/12/01,08:00:00.000,,35000,,,35.5,35.9,,,,,,0"
)
SBS_VELOCITY = (
    "MSG,4,1,1,4CA1FA,1,2026/12/01,08:00:01.000,2026/12/01,08:00:01.000,,,450,270,,,-512,,,,,0"
)


def post_lines(c: httpx.Client, feed: str, lines: list[str]) -> httpx.Response:
    return c.post(
        f"/feeds/{feed}",
        content="\n".join(lines).encode(),
        headers={"Content-Type": "text/plain"},
    )


def tracks(c: httpx.Client, **params: Any) -> dict[str, dict[str, Any]]:
    r = c.get("/tracks", params=params)
    assert r.status_code == 200, r.text
    return {f["properties"]["track_id"]: f for f in r.json()["features"]}


def test_sbs_partials_become_one_track_and_bad_lines_are_counted(
    live_server: LiveServer, client_for: Client
) -> None:
    blue = client_for("blue")
    r = post_lines(blue, "sbs", [SBS_POSITION, SBS_VELOCITY, "MSG,3,garbage", "hello"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["reports"] == 2 and body["updates"] == {"new": 1, "updated": 1}
    assert sum(body["skipped"].values()) == 2
    (plane,) = tracks(client_for("red")).values()  # every party sees the picture
    p = plane["properties"]
    assert plane["geometry"]["coordinates"] == [35.9, 35.5]
    assert (p["track_id"], p["alt_ft"], p["speed_kt"], p["course_deg"]) == (
        "icao:4ca1fa",
        35000,
        450,
        270,
    )
    assert p["owner"] is None and p["source"] == "sbs"
    stats = blue.get("/tracks/stats").json()
    assert stats["feeds"]["sbs"]["reports"] == 2 and stats["tracks"] == 1


def test_mode_s_pair_decodes_to_the_known_position(
    live_server: LiveServer, client_for: Client
) -> None:
    blue = client_for("blue")
    # A pair split across two batches still decodes: the decoder keeps its state.
    assert post_lines(blue, "modes", [f"2026-12-01T07:59:59Z {EVEN}"]).status_code == 200
    r = post_lines(blue, "modes", [f"1796112000.5 *{ODD};", "not-a-time 8D40", "x"])
    assert r.status_code == 200 and r.json()["reports"] >= 1
    assert r.json()["skipped"] == {"bad_time": 1, "not_hex": 1}  # "x": a bare frame, not hex
    plane = tracks(blue)["icao:40621d"]
    lon, lat = plane["geometry"]["coordinates"]
    assert abs(lat - 52.26578) < 1e-4 and abs(lon - 3.93891) < 1e-4
    assert plane["properties"]["alt_ft"] == 38000


def test_own_forces_are_owned_and_cannot_be_posted_for_another_party(
    live_server: LiveServer, client_for: Client
) -> None:
    unit = {
        "type": "Feature",
        "id": "raven-1",
        "geometry": {"type": "Point", "coordinates": [35.0, 35.0]},
        "properties": {"time": "2026-12-01T08:00:00Z", "domain": "air", "alt_ft": 18_000},
    }
    bad = {**unit, "id": "bad", "properties": {**unit["properties"], "speed_kt": 5000}}
    doc = {"type": "FeatureCollection", "features": [unit, bad]}
    r = client_for("blue").post("/tracks", content=orjson.dumps(doc))
    assert r.status_code == 200 and r.json()["skipped"] == {"impossible_speed": 1}
    red_unit = {**unit, "geometry": {"type": "Point", "coordinates": [36.0, 36.0]}}
    client_for("red").post("/tracks", content=orjson.dumps(red_unit))
    # Green sees each party's unit (units named by alias: see test_track_provenance)
    seen = {f["properties"]["owner"]: f for f in tracks(client_for("green")).values()}
    assert seen["blue"]["geometry"]["coordinates"] == [35.0, 35.0]  # not red's
    assert seen["red"]["geometry"]["coordinates"] == [36.0, 36.0]
    assert tracks(client_for("blue"))["blue:raven-1"]["properties"]["owner"] == "blue"
    # bbox filter
    (red_seen,) = tracks(client_for("blue"), bbox="35.5,35.5,36.5,36.5").values()
    assert red_seen["properties"]["owner"] == "red"


def test_bad_requests_are_refused_and_change_nothing(
    live_server: LiveServer, client_for: Client
) -> None:
    blue = client_for("blue")
    before = tracks(blue)
    assert post_lines(blue, "radar", ["x"]).status_code == 422
    r = blue.post("/tracks", content=b'{"type": "Polygon"}')
    assert r.status_code == 422 and "FeatureCollection" in r.json()["detail"]
    assert blue.post("/tracks", content=b"{not json").status_code == 422
    big = post_lines(blue, "sbs", [SBS_POSITION] * 20_000)  # > 1 MB
    assert big.status_code == 413
    assert client_for(None).get("/tracks").status_code == 401
    assert tracks(blue) == before


# -- one Mode S line parser: the API takes every form the CLI's reader takes ------------------

MODES_FORMS = {
    "epoch": lambda t, f: f"{t} {f}",
    "iso": lambda t, f: f"{datetime.fromtimestamp(t, UTC).isoformat()} {f}",
    "hex": lambda t, f: f,
    "avr": lambda t, f: f"*{f};",
    "epoch_avr": lambda t, f: f"{t} *{f};",
    "json_frame": lambda t, f: json.dumps({"timestamp": t, "frame": f}),
    "json_rawmsg": lambda t, f: json.dumps({"timestamp": t, "rawmsg": f}),
    "json_raw_untimed": lambda t, f: json.dumps({"raw": f}),
}


@pytest.mark.parametrize("form", sorted(MODES_FORMS))
def test_every_mode_s_line_form_gives_the_api_and_the_reader_the_same_reports(
    live_server: LiveServer, client_for: Client, form: str
) -> None:
    now = live_server.clock()
    t = now.timestamp() - 1.5
    lines = [
        "# a comment",
        "",
        MODES_FORMS[form](t, EVEN),
        MODES_FORMS[form](t + 1, ODD),
        MODES_FORMS[form](t + 1, "5D4CA2D4A0E9B7"),  # DF11 all-call: not a squitter
        "a b c",
    ]
    expected = Picture()
    want: Counter[str] = Counter()
    n = 0
    for out in reports_from("modes", lines, received_at=now):
        result = expected.apply(out, "blue", now) if isinstance(out, TrackReport) else out
        if isinstance(result, Skip):
            want[result.reason] += 1
        else:
            n += 1
    assert n == 2 and want == {"unsupported_df": 1, "malformed": 1}  # the reader's view
    r = post_lines(client_for("blue"), "modes", lines)
    assert r.status_code == 200, r.text
    assert (r.json()["reports"], r.json()["skipped"]) == (n, dict(want))
    got = tracks(client_for("red"))
    assert got == {f["id"]: f for f in expected.to_geojson(now)["features"]}
    lon, lat = got["icao:40621d"]["geometry"]["coordinates"]
    assert abs(lat - 52.26578) < 1e-4 and abs(lon - 3.93891) < 1e-4
