"""Scripted encounters over a real server: alerts raised to the parties concerned, on
their streams and as system messages, and cleared once the encounter is over."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
from tests.conftest import LiveServer, circle, wait_until

from interlock.model.timeutil import iso

Client = Callable[[str | None], httpx.Client]


def unit(uid: str, lon: float, lat: float, at: Any, domain: str = "air", **props: Any) -> Any:
    return {
        "type": "Feature",
        "id": uid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"time": iso(at), "domain": domain, **props},
    }


def post_units(c: httpx.Client, *units: Any) -> None:
    r = c.post("/tracks", content=orjson.dumps({"type": "FeatureCollection", "features": units}))
    assert r.status_code == 200 and r.json()["reports"] == len(units), r.text


def alert_records(c: httpx.Client) -> list[dict[str, Any]]:
    """The alert events on the record, oldest first (recorded just after the scan that
    lists them)."""
    return [e["event"] for e in c.get("/ledger").json() if e["event"]["type"] == "alert"]


def alert_events(c: httpx.Client) -> list[str]:
    return [e["event"] for e in alert_records(c)]


def wait_alerts(c: httpx.Client, predicate: Callable[[list[Any]], bool]) -> list[Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alerts = c.get("/alerts").json()["alerts"]
        if predicate(alerts):
            return alerts
        time.sleep(0.05)
    raise AssertionError(f"alerts never matched: {alerts}")


def test_converging_aircraft_raise_then_clear_an_alert(
    live_server: LiveServer, client_for: Client
) -> None:
    now = live_server.clock.now
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    # Head-on at FL200, 20 NM apart closing at 900 kt: CPA 0 NM in 80 s (< 300 s).
    post_units(blue, unit("b1", 35.0, 35.0, now, alt_ft=20_000, speed_kt=450, course_deg=90))
    post_units(red, unit("r1", 35.407, 35.0, now, alt_ft=20_200, speed_kt=450, course_deg=270))
    (alert,) = wait_alerts(blue, lambda a: len(a) == 1)
    assert alert["kind"] == "cpa" and alert["parties"] == ["blue", "red"]
    assert alert["severity"] == "critical" and 60 < alert["tcpa_s"] < 100
    assert alert["cpa_distance_m"] < 500
    assert red.get("/alerts").json()["alerts"][0]["id"] == alert["id"]
    assert green.get("/alerts").json()["alerts"] == []  # not concerned
    # On the record, addressed to both, and a flash system message to acknowledge. The
    # alert is listed as soon as the scan finds it; its record commits just after.
    raised = wait_until(
        lambda: [e for e in blue.get("/ledger").json() if e["event"]["type"] == "alert"], 5
    )
    assert raised[0]["event"]["event"] == "raised"
    msgs = [m for m in blue.get("/messages").json() if "alert" in m["subject"]]
    assert msgs and msgs[0]["priority"] == "flash" and msgs[0]["to"] == ["blue", "red"]
    # Red turns away and climbs: the alert clears after its hysteresis (2 scans, 10 s).
    live_server.clock.advance(seconds=5)
    later = live_server.clock.now
    post_units(red, unit("r1", 35.38, 35.0, later, alt_ft=30_000, speed_kt=450, course_deg=0))
    live_server.clock.advance(seconds=11)
    wait_alerts(blue, lambda a: a == [])
    events = wait_until(lambda: (kinds := alert_events(blue)) and kinds[-1] == "cleared" and kinds)
    assert events[0] == "raised" and events[-1] == "cleared"


def test_a_track_heading_into_another_partys_notice_raises_an_entry_alert(
    live_server: LiveServer, client_for: Client
) -> None:
    now = live_server.clock.now
    red, green = client_for("red"), client_for("green")
    # Red's active notice: a 10 km circle, surface to 10,000 ft, for the next two hours.
    notice = circle(35.5, 35.0, 10_000, start=now - timedelta(minutes=30), hours=2)
    assert red.post("/notices", content=orjson.dumps(notice)).status_code == 201
    # Green's aircraft 15 km west at 5,000 ft heading east at 300 kt: inside in ~1 min.
    post_units(green, unit("g1", 35.335, 35.0, now, alt_ft=5_000, speed_kt=300, course_deg=90))
    # A red unit flying the same path is red's own business: no alert for it.
    post_units(red, unit("r9", 35.335, 35.02, now, alt_ft=5_000, speed_kt=300, course_deg=90))
    alerts = wait_alerts(green, lambda a: any(x["kind"] == "entry" for x in a))
    (entry,) = [a for a in alerts if a["kind"] == "entry"]
    # green's unit is named as red may see it (others_see lacks "unit"): by the alias
    # green's own view of its track gives
    (g1,) = [f for f in green.get("/tracks").json()["features"] if f["id"] == "green:g1"]
    alias = g1["properties"]["alias"]
    assert alias.startswith("green:unit-") and "g1" not in alias.removeprefix("green:")
    assert entry["track_ids"] == [alias] and entry["parties"] == ["green", "red"]
    assert entry["reported_by"] == ["green"] and entry["corroborated"] is True
    assert 30 < entry["entry_s"] < 120
    entries = [a for a in red.get("/alerts").json()["alerts"] if a["kind"] == "entry"]
    assert [a["track_ids"] for a in entries] == [[alias]]


def test_an_alert_clears_at_once_when_a_track_goes_stale(
    live_server: LiveServer, client_for: Client
) -> None:
    now = live_server.clock.now
    blue = client_for("blue")
    post_units(blue, unit("s1", 35.0, 35.0, now, "sea", speed_kt=15, course_deg=90))
    post_units(client_for("red"), unit("s2", 35.2, 35.0, now, "sea", speed_kt=15, course_deg=270))
    (alert,) = wait_alerts(blue, lambda a: len(a) == 1)
    assert alert["domain"] == "sea" and alert["kind"] == "cpa"
    live_server.clock.advance(minutes=11)  # sea tracks are stale after 10 min of silence
    wait_alerts(blue, lambda a: a == [])
    cleared = wait_until(
        lambda: (recs := alert_records(blue)) and recs[-1]["event"] == "cleared" and recs[-1]
    )
    assert cleared["cleared_reason"] == "track_gone"
