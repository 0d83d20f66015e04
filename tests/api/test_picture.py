"""The picture at any moment (issue 18): `GET /picture?at=T` asked later equals the live
picture each party was served at T, over a real server through a scripted run with changes
between the moments (a notice amended and one cancelled, a conflict closed, a message
delivered and acknowledged, escalations, an alert raised and cleared, an asset and a hazard
retired). What may differ, by design: GET /notices also lists cancelled and ended notices
and GET /tracks stale tracks (a picture shows what is in force and fresh only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import LiveServer, circle, radar
from tests.hazard_helpers import add_hazard, retire_hazard

from interlock.model.timeutil import iso
from interlock.service.replay import EVENT_KINDS, MAX_EVENTS
from interlock.service.root import Services

Client = Callable[[str | None], httpx.Client]
pytestmark = pytest.mark.manual_ticks
PARTIES = ("blue", "red", "green")
LIVE_PATHS = ("/notices", "/assets", "/hazards", "/conflicts", "/alerts", "/messages", "/tracks")


def unit(uid: str, lon: float, lat: float, at: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": uid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"time": iso(at), "domain": "air", **props},
    }


def post_units(c: httpx.Client, *units: Any) -> None:
    body = orjson.dumps({"type": "FeatureCollection", "features": list(units)})
    r = c.post("/tracks", content=body)
    assert r.status_code == 200 and r.json()["reports"] == len(units), r.text


def ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json()


def capture(clients: dict[str, httpx.Client]) -> dict[str, dict[str, Any]]:
    """What each party's live endpoints serve now."""
    out = {}
    for p, c in clients.items():
        live = {path: ok(c.get(path)) for path in LIVE_PATHS}
        live["/hotline/status"] = ok(c.get("/hotline/status"))
        out[p] = live
    return out


def in_force(fc: dict[str, Any]) -> dict[str, Any]:
    """GET /notices as a picture shows it: neither cancelled nor ended, by id."""
    return {
        f["id"]: f for f in fc["features"] if f["properties"]["status"] in ("submitted", "active")
    }


def by_id(items: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {i["id"]: i for i in items}


def assert_same(picture: dict[str, Any], live: dict[str, Any], where: str) -> None:
    assert by_id(picture["notices"]["features"]) == in_force(live["/notices"]), where
    assert picture["assets"] == live["/assets"], where
    assert picture["hazards"] == live["/hazards"], where
    assert by_id(picture["conflicts"]) == by_id(live["/conflicts"]), where
    assert by_id(picture["alerts"]["alerts"]) == by_id(live["/alerts"]["alerts"]), where
    assert picture["hotline"]["messages"] == live["/messages"], where
    assert picture["hotline"]["channels"] == live["/hotline/status"], where
    # Tracks: the live picture also lists stale tracks (flagged), the past one only those
    # not yet stale then; between two kept fixes the past one interpolates (its `time`
    # is then the moment), so a fix taken exactly then is shown as it was.
    fresh = [f for f in live["/tracks"]["features"] if not f["properties"]["stale"]]
    assert by_id(picture["tracks"]["features"]) == by_id(fresh), where


@pytest.fixture
def run(live_server: LiveServer, services: Services, client_for: Client) -> dict[str, Any]:
    """The scripted run: three moments, each captured live as every party saw it."""
    clock = live_server.clock
    c = {p: client_for(p) for p in PARTIES}
    signer = {p: live_server.party_client(p) for p in ("blue", "red")}
    moments: list[tuple[str, dict[str, Any]]] = []

    def tick() -> None:  # what the server's ticker runs, at the clock's time
        services.tracks.scan()
        live_server.hotline.tick()

    def moment() -> None:
        tick()
        moments.append((iso(clock.now), capture(c)))

    try:
        # A: two conflicting notices (a conflict and its system messages), a hazard, a
        # radar, and blue's message to red.
        n1 = ok(
            c["blue"].post(
                "/notices", json=circle(35.0, 35.0, callsign="PATROL 21", purpose="training")
            )
        )["notice"]["id"]
        n2 = ok(c["red"].post("/notices", json=circle(35.05, 35.0, callsign="SHIELD 3")))
        n2 = n2["notice"]["id"]
        hazard = add_hazard(services.store, clock.now)
        asset = ok(c["green"].post("/assets", json=radar(36.5, 36.5)))["id"]
        sent = signer["blue"].send("red", "Confirm PATROL 21 window", priority="urgent")
        moment()
        # B: blue amends its notice (a new version; the old conflict closes, a new one
        # opens), red's client reports delivery and red acknowledges; two aircraft close
        # head-on: an alert is raised.
        clock.advance(seconds=60)
        ok(
            c["blue"].put(
                f"/notices/{n1}", json=circle(35.02, 35.0, callsign="PATROL 21", purpose="training")
            )
        )
        signer["red"].deliver(sent["id"])
        clock.advance(seconds=5)
        signer["red"].ack(sent["id"], reply="window confirmed")
        now = clock.now
        post_units(
            c["blue"], unit("b1", 34.0, 34.0, now, alt_ft=20_000, speed_kt=450, course_deg=90)
        )
        post_units(
            c["red"], unit("r1", 34.407, 34.0, now, alt_ft=20_200, speed_kt=450, course_deg=270)
        )
        services.tracks.scan()
        assert ok(c["blue"].get("/alerts"))["alerts"], "no alert raised"
        moment()
        # C: red cancels its notice (the conflict closes), red's aircraft turns away (the
        # alert clears), the radar and the hazard are retired, messages escalate.
        clock.advance(seconds=60)
        ok(c["red"].post(f"/notices/{n2}/cancel"))
        later = clock.now
        post_units(
            c["red"], unit("r1", 34.33, 34.02, later, alt_ft=30_000, speed_kt=450, course_deg=0)
        )
        post_units(
            c["blue"], unit("b1", 34.12, 33.99, later, alt_ft=20_000, speed_kt=450, course_deg=180)
        )
        for _ in range(3):
            clock.advance(seconds=6)
            services.tracks.scan()
        ok(c["green"].post(f"/assets/{asset}/retire"))
        retire_hazard(services.store, hazard, clock.now)
        clock.advance(minutes=10)  # past the system messages' deadlines: escalations
        moment()
        assert not ok(c["blue"].get("/alerts"))["alerts"], "the alert never cleared"
        clock.advance(minutes=5)
        tick()
        return {"moments": moments, "clients": c, "n1": n1, "n2": n2, "clock": clock}
    finally:
        for s in signer.values():
            s.close()


def test_the_picture_at_a_past_moment_equals_the_live_picture_then(run: dict[str, Any]) -> None:
    c = run["clients"]
    changes = []
    for at, live in run["moments"]:
        for p in PARTIES:
            r = c[p].get("/picture", params={"at": at})
            picture = ok(r)
            assert picture["at"] == at and picture["live"] is False
            assert_same(picture, live[p], f"{p} at {at}")
        changes.append(live["blue"])
    a, b, cc = changes
    # The moments differ in what the script changed (so equality above is not vacuous).
    v = {
        m: in_force(x["/notices"])[run["n1"]]["properties"]["version"]
        for m, x in zip("abc", changes, strict=True)
    }
    assert v == {"a": 1, "b": 2, "c": 2}
    assert run["n2"] in in_force(a["/notices"]) and run["n2"] not in in_force(cc["/notices"])
    assert a["/conflicts"] and not cc["/conflicts"]
    assert not a["/alerts"]["alerts"] and b["/alerts"]["alerts"] and not cc["/alerts"]["alerts"]
    acked = {m["subject"]: m["state"] for m in b["/messages"]}
    assert acked["Confirm PATROL 21 window"] == "acknowledged"
    assert {m["subject"]: m["state"] for m in a["/messages"]}["Confirm PATROL 21 window"] == (
        "pending"
    )
    assert any(r["escalations"] for m in cc["/messages"] for r in m["recipients"])
    assert a["/hazards"]["features"] and not cc["/hazards"]["features"]
    assert not a["/tracks"]["features"] and len(b["/tracks"]["features"]) == 2
    assert a["/assets"]["features"] and not cc["/assets"]["features"]


def test_tracks_between_two_fixes_are_interpolated(run: dict[str, Any]) -> None:
    """Blue's b1 was at (34.0, 34.0) at B and (34.12, 33.99) 60 s later: half-way between
    them 30 s after B (geodesic; within 0.001 deg of the plane midpoint at this scale)."""
    at_b = run["moments"][1][0]
    half = iso(datetime.fromisoformat(at_b) + timedelta(seconds=30))
    picture = ok(run["clients"]["blue"].get("/picture", params={"at": half}))
    b1 = by_id(picture["tracks"]["features"])["blue:b1"]
    assert b1["properties"]["time"] == half
    lon, lat = b1["geometry"]["coordinates"]
    assert abs(lon - 34.06) < 1e-3 and abs(lat - 33.995) < 1e-3


def test_another_party_sees_the_past_as_it_saw_it_live(run: dict[str, Any]) -> None:
    c = run["clients"]
    at_b = run["moments"][1][0]
    blue = ok(c["blue"].get("/picture", params={"at": at_b}))
    red = ok(c["red"].get("/picture", params={"at": at_b}))
    green = ok(c["green"].get("/picture", params={"at": at_b}))
    n1 = run["n1"]
    shown = {
        p: by_id(x["notices"]["features"])[n1]["properties"]
        for p, x in (("blue", blue), ("red", red), ("green", green))
    }
    assert shown["blue"]["purpose"] == "training"  # its own
    assert "purpose" not in shown["red"] and "purpose" not in shown["green"]  # others_see
    assert shown["red"]["callsign"] == "PATROL 21"
    # Green is party to neither the conflict, the alert nor the message.
    assert blue["conflicts"] and not green["conflicts"]
    assert blue["alerts"]["alerts"] and not green["alerts"]["alerts"]
    subjects = {m["subject"] for m in green["hotline"]["messages"]}
    assert "Confirm PATROL 21 window" not in subjects
    assert "Confirm PATROL 21 window" in {m["subject"] for m in red["hotline"]["messages"]}


def test_the_box_applies_to_every_part(run: dict[str, Any]) -> None:
    c = run["clients"]
    at_b = run["moments"][1][0]
    far = ok(c["blue"].get("/picture", params={"at": at_b, "bbox": "10,10,11,11"}))
    assert far["notices"]["features"] == [] and far["conflicts"] == []
    assert far["alerts"]["alerts"] == [] and far["assets"]["features"] == []
    assert far["hazards"]["features"] == []
    near = ok(c["blue"].get("/picture", params={"at": at_b, "bbox": "34.9,34.9,35.2,35.1"}))
    assert {f["id"] for f in near["notices"]["features"]} == {run["n1"], run["n2"]}
    assert near["conflicts"] and near["alerts"]["alerts"] == []  # the alert is at 34 E
    planes = ok(c["blue"].get("/picture", params={"at": at_b, "bbox": "33.5,33.5,34.5,34.5"}))
    assert planes["alerts"]["alerts"] and planes["notices"]["features"] == []


def test_events_are_in_order_with_names_not_ids(run: dict[str, Any]) -> None:
    c = run["clients"]
    first = run["moments"][0][0]
    end = iso(run["clock"].now)
    events = ok(c["blue"].get("/picture/events", params={"from": first, "to": end}))
    # the first moment's filings are at `first` exactly: `from` is included
    times = [e["time"] for e in events]
    assert times == sorted(times)
    kinds = {e["kind"] for e in events}
    assert kinds <= set(EVENT_KINDS)
    assert {
        "notice_filed",
        "notice_amended",
        "notice_cancelled",
        "conflict_detected",
        "conflict_closed",
        "message_sent",
        "message_delivered",
        "message_acknowledged",
        "escalation",
        "alert_raised",
        "alert_cleared",
        "hazard_reported",
        "hazard_retired",
        "asset_registered",
        "asset_retired",
    } <= kinds
    filed = [e for e in events if e["kind"] == "notice_filed"]
    assert any("Blue command filed PATROL 21 (air," in e["text"] for e in filed)
    amended = next(e for e in events if e["kind"] == "notice_amended")
    assert amended["text"].startswith("Blue command amended PATROL 21 (version 2: air, ")
    assert all(run["n1"] not in e["text"] and run["n2"] not in e["text"] for e in events)
    acked = next(
        e for e in events if e["kind"] == "message_acknowledged" and "Confirm" in e["text"]
    )
    assert acked["text"] == (
        "Red airbase acknowledged “Confirm PATROL 21 window”, replying 'window confirmed'"
    )
    # Green saw none of blue's and red's exchange.
    green = ok(c["green"].get("/picture/events", params={"from": first, "to": end}))
    assert "conflict_detected" not in {e["kind"] for e in green}
    assert not [e for e in green if " cpa alert " in e["text"]]  # blue's and red's
    assert [e for e in events if " cpa alert " in e["text"]]
    assert all("Confirm PATROL 21" not in e["text"] for e in green)
    # limit: the first ones
    two = ok(c["blue"].get("/picture/events", params={"from": first, "to": end, "limit": 2}))
    assert two == events[:2]
    # a window after the amendment leaves out the filings
    after = run["moments"][1][0]
    later = ok(c["blue"].get("/picture/events", params={"from": after, "to": end}))
    assert all(e["time"] >= after for e in later)
    assert "notice_filed" not in {e["kind"] for e in later}


def _field(r: httpx.Response, status: int = 422) -> str:
    assert r.status_code == status, r.text
    return str(r.json()["detail"])


def test_bounds_of_the_moment_and_the_events(live_server: LiveServer, client_for: Client) -> None:
    blue = client_for("blue")
    now = live_server.clock.now
    assert ok(blue.get("/picture", params={"at": "1970-01-01T00:00:00Z"}))["live"] is False
    assert _field(blue.get("/picture", params={"at": "1969-12-31T23:59:59Z"})).startswith("at:")
    assert _field(blue.get("/picture", params={"at": "2200-01-01T00:00:00Z"})).startswith("at:")
    assert _field(blue.get("/picture", params={"at": "2199-12-31T23:59:59Z"})).startswith("at:")
    assert _field(blue.get("/picture", params={"at": "yesterday"})).startswith("at:")
    assert _field(blue.get("/picture", params={"at": "2026-12-01T08:00:00"})).startswith("at:")
    assert "at" in _field(blue.get("/picture"))
    # within 5 s of the clock it is the live picture; beyond, the future is refused
    for seconds, live in ((-6, False), (-5, True), (0, True), (5, True)):
        at = iso(now + timedelta(seconds=seconds))
        assert ok(blue.get("/picture", params={"at": at}))["live"] is live, seconds
    assert _field(
        blue.get("/picture", params={"at": iso(now + timedelta(seconds=5.001))})
    ).startswith("at:")
    assert _field(blue.get("/picture", params={"at": iso(now), "bbox": "1,2,3"})).startswith(
        "bbox:"
    )
    # events: to - from at most 7 days; 1 <= limit <= MAX_EVENTS
    week = {"from": iso(now - timedelta(days=7)), "to": iso(now)}
    assert ok(blue.get("/picture/events", params=week)) == []
    over = {"from": iso(now - timedelta(days=7, seconds=1)), "to": iso(now)}
    assert _field(blue.get("/picture/events", params=over)).startswith("to:")
    back = {"from": iso(now), "to": iso(now - timedelta(seconds=1))}
    assert _field(blue.get("/picture/events", params=back)).startswith("to:")
    for limit, good in ((0, False), (1, True), (MAX_EVENTS, True), (MAX_EVENTS + 1, False)):
        r = blue.get("/picture/events", params={**week, "limit": limit})
        if good:
            ok(r)
        else:
            assert _field(r).startswith("limit:")
    assert _field(blue.get("/picture/events", params={**week, "from": "x"})).startswith("from:")
    assert "to" in _field(blue.get("/picture/events", params={"from": iso(now)}))
    assert blue.get("/picture", params={"at": iso(now)}).status_code == 200
    assert client_for(None).get("/picture", params={"at": iso(now)}).status_code == 401
