"""Hazard alerts over a real server (issue 15): an aircraft exposed in a hot hazard, an
aircraft off its party's notices, a kinetic aircraft masking another; each appears to the
parties concerned (alerts, ledger, system message) and clears once over. Own forces are
posted with `POST /tracks`; the tests tick by hand (`TrackService.scan`, the job of the
server's ticker) at the test clock's time, so each scan sees what was posted before it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import LiveServer, wait_until
from tests.hazard_helpers import SITE, add_hazard, add_notice, at_az, unit

from interlock.geo.units import KT_IN_MPS, M_PER_NM
from interlock.model.timeutil import iso
from interlock.service.root import Services

Client = Callable[[str | None], httpx.Client]
pytestmark = pytest.mark.manual_ticks


def post(c: httpx.Client, *units: Any) -> None:
    r = c.post("/tracks", content=orjson.dumps({"type": "FeatureCollection", "features": units}))
    assert r.status_code == 200 and r.json()["reports"] == len(units), r.text


def of_kind(c: httpx.Client, kind: str) -> list[dict[str, Any]]:
    r = c.get("/alerts", params={"kind": kind})
    assert r.status_code == 200, r.text
    return r.json()["alerts"]


def scanned(services: Services, c: httpx.Client, kind: str) -> list[dict[str, Any]]:
    """Tick (two scans at the clock's time, what the server's ticker runs) and read."""
    services.tracks.scan()
    services.tracks.scan()
    return of_kind(c, kind)


def recorded(c: httpx.Client, kind: str) -> list[dict[str, Any]]:
    return [
        e["event"]
        for e in c.get("/ledger").json()
        if e["event"]["type"] == "alert" and e["event"]["kind"] == kind
    ]


def strike(services: Services, now: Any) -> str:
    """Red's strike notice 60 km east of the battery (10 km circle): within reach_km of its
    40 km envelope, so the battery is hot from the strike's start."""
    return add_notice(
        services.store,
        "red",
        at_az(SITE, 90.0, 60_000.0),
        10_000.0,
        now - timedelta(minutes=10),
        now + timedelta(hours=1),
        activity="strike",
    )


def test_an_aircraft_in_a_hot_envelope_raises_an_exposure_alert_until_it_leaves(
    live_server: LiveServer, services: Services, client_for: Client
) -> None:
    now = live_server.clock.now
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    hazard = add_hazard(services.store, now)
    notice = strike(services, now)
    # Blue's reconnaissance aircraft 39 km west of the battery (1 km inside its 40 km
    # envelope), flying west (straight out) at 300 kt.
    post(blue, unit("b1", at_az(SITE, 270.0, 39_000.0), now, course_deg=270.0))
    (alert,) = scanned(services, blue, "exposure")
    assert alert["parties"] == ["blue", "red"] and alert["severity"] == "critical"
    assert alert["hazard_id"] == hazard and alert["notice_id"] == notice
    assert alert["key"][1] == hazard and alert["owners"] == ["blue"]
    assert alert["hot_from"] == iso(now - timedelta(minutes=10))
    assert alert["hot_to"] == iso(now + timedelta(hours=1, minutes=30))  # + reaction tail
    # The envelope is the 1 m site widened by the 40 km range: 1,001 m inside, at 300 kt
    # straight out 1001 / (300 * 1852 / 3600) = 6.49 s
    assert alert["depth_m"] == pytest.approx(1_001.0, abs=0.01)
    assert alert["exit_s"] == pytest.approx(1_001.0 / (300 * 1852 / 3600), rel=1e-6)
    assert [a["id"] for a in of_kind(red, "exposure")] == [alert["id"]]
    assert of_kind(green, "exposure") == []  # neither exposed nor kinetic
    assert of_kind(blue, "cpa") == [] and of_kind(blue, "masking") == []
    # a flash system message to both, naming the hazard, the notice and the window
    msgs = wait_until(
        lambda: [m for m in blue.get("/messages").json() if "exposure alert" in m["subject"]]
    )
    (msg,) = msgs
    assert msg["priority"] == "flash" and msg["to"] == ["blue", "red"]
    # (the window to the minute, UTC, as a watch officer reads it: the same day here)
    window = f"{alert['hot_from'][11:16]}–{alert['hot_to'][11:16]} UTC"
    for named in (hazard, notice, window):
        assert named in msg["subject"]
    assert "time to exit at its speed 6 s" in msg["body"] and "S-200" in msg["body"]
    assert recorded(red, "exposure")[0]["event"] == "raised"
    # 12 s later it is 40.85 km out, beyond the envelope: cleared after 2 scans and 10 s
    live_server.clock.advance(seconds=12)
    later = live_server.clock.now
    post(
        blue,
        unit("b1", at_az(SITE, 270.0, 39_000.0 + 12 * 300 * KT_IN_MPS), later, course_deg=270.0),
    )
    assert scanned(services, blue, "exposure") == []
    events = wait_until(lambda: (r := recorded(blue, "exposure")) and len(r) == 2 and r)
    assert [e["event"] for e in events] == ["raised", "cleared"]
    assert events[1]["cleared_reason"] == "absent"


def test_no_exposure_without_a_kinetic_notice_nor_for_the_kinetic_party(
    live_server: LiveServer, services: Services, client_for: Client
) -> None:
    now = live_server.clock.now
    blue, red = client_for("blue"), client_for("red")
    add_hazard(services.store, now)
    # a patrol (not kinetic) beside the battery makes nothing hot
    add_notice(
        services.store,
        "red",
        at_az(SITE, 90.0, 60_000.0),
        10_000.0,
        now - timedelta(minutes=10),
        now + timedelta(hours=1),
        activity="patrol",
    )
    post(blue, unit("b1", at_az(SITE, 270.0, 20_000.0), now, course_deg=270.0))
    services.tracks.scan()
    assert of_kind(blue, "exposure") == []
    # a strike makes it hot: blue is exposed, red's own aircraft in the envelope is not
    strike(services, now)
    post(red, unit("r1", at_az(SITE, 0.0, 20_000.0), now, alt_ft=25_000, course_deg=0.0))
    (alert,) = scanned(services, red, "exposure")
    assert alert["owners"] == ["blue"]


def test_the_kind_filter_refuses_unknown_kinds_naming_the_field(
    live_server: LiveServer, client_for: Client
) -> None:
    blue = client_for("blue")
    for kind in ("cpa", "entry", "exposure", "nonconformance", "masking"):
        assert of_kind(blue, kind) == []
    for bad in ("conflict", "EXPOSURE", ""):
        r = blue.get("/alerts", params={"kind": bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["detail"].startswith("kind: must be one of cpa, entry, exposure")


BASE = (34.5, 34.8)  # blue's patrol area, away from any hazard


def patrol(services: Services, party: str, now: Any, centre: Any = BASE) -> str:
    return add_notice(
        services.store,
        party,
        centre,
        20_000.0,
        now - timedelta(minutes=10),
        now + timedelta(hours=2),
        activity="patrol",
    )


def test_an_aircraft_off_its_notices_longer_than_the_grace_is_nonconforming_to_everyone(
    live_server: LiveServer, services: Services, client_for: Client
) -> None:
    clock = live_server.clock
    t0 = clock.now
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    notice = patrol(services, "blue", t0)
    # 25 km north of its 20 km circle, flying east at 120 kt (out of it all along)
    start = at_az(BASE, 0.0, 25_000.0)

    def report() -> None:
        flown = (clock.now - t0).total_seconds() * 120 * KT_IN_MPS
        post(blue, unit("b1", at_az(start, 90.0, flown), clock.now, 12_000, 120, 90.0))

    report()
    services.tracks.scan()
    assert of_kind(blue, "nonconformance") == []
    clock.advance(seconds=30)  # outside for the grace exactly: not longer
    report()
    services.tracks.scan()
    assert of_kind(blue, "nonconformance") == []
    clock.advance(seconds=0.1)  # just over
    report()
    (alert,) = scanned(services, green, "nonconformance")
    assert alert["parties"] == ["blue", "green", "red"] and alert["owners"] == ["blue"]
    assert alert["severity"] == "warning" and alert["kinetic_notice_id"] is None
    assert alert["outside_s"] == pytest.approx(30.1) and alert["notice_id"] == notice
    assert alert["key"][1] == "" and alert["vertical_gap_m"] == 0.0
    assert 5_000 < alert["distance_m"] < 5_100  # 25 km out, flown ~1.9 km east
    assert [a["id"] for a in of_kind(red, "nonconformance")] == [alert["id"]]
    msgs = wait_until(
        lambda: [m for m in red.get("/messages").json() if "nonconformance" in m["subject"]]
    )
    assert msgs[0]["priority"] == "urgent" and msgs[0]["to"] == ["blue", "green", "red"]
    assert "outside all of blue's active notices for 30 s" in msgs[0]["body"]
    # Blue files a notice over where it flies: conforming again, cleared after 10 s
    patrol(services, "blue", clock.now, centre=at_az(start, 90.0, 5_000.0))
    clock.advance(seconds=11)
    report()
    assert scanned(services, blue, "nonconformance") == []
    events = wait_until(lambda: (r := recorded(green, "nonconformance")) and len(r) == 2 and r)
    assert [e["event"] for e in events] == ["raised", "cleared"]


def test_kinetic_activity_off_its_notice_is_a_critical_nonconformance(
    live_server: LiveServer, services: Services, client_for: Client
) -> None:
    clock = live_server.clock
    t0 = clock.now
    red, green = client_for("red"), client_for("green")
    notice = strike(services, t0)  # "said north" ...
    # ... struck west: red's aircraft 100 km west of its strike area; green flies with no
    # notice at all (outside all of none)
    west = at_az(SITE, 270.0, 100_000.0)
    post(red, unit("r1", west, t0, 20_000, 0.0, 0.0))
    post(green, unit("g1", at_az(west, 180.0, 30_000.0), t0, 20_000, 0.0, 0.0))
    services.tracks.scan()  # seen outside from t0
    clock.advance(seconds=31)
    post(red, unit("r1", west, clock.now, 20_000, 0.0, 0.0))
    post(green, unit("g1", at_az(west, 180.0, 30_000.0), clock.now, 20_000, 0.0, 0.0))
    alerts = scanned(services, red, "nonconformance")
    assert len(alerts) == 2
    by_owner = {a["owners"][0]: a for a in alerts}
    assert by_owner["red"]["severity"] == "critical"
    assert by_owner["red"]["kinetic_notice_id"] == notice
    assert by_owner["red"]["notice_id"] == notice  # its nearest active notice
    assert by_owner["green"]["severity"] == "warning"
    assert by_owner["green"]["notice_id"] is None and by_owner["green"]["distance_m"] is None
    msgs = wait_until(
        lambda: [m for m in green.get("/messages").json() if "nonconformance" in m["subject"]]
    )
    kinetic = [m for m in msgs if notice in m["subject"]]
    assert kinetic and "kinetic activity off its notice" in kinetic[0]["body"]


def masking_scene(services: Services, now: Any) -> tuple[float, float]:
    """Battery hot by red's strike; blue's aircraft 20 km west of the battery (exposed)."""
    add_hazard(services.store, now)
    strike(services, now)
    return at_az(SITE, 270.0, 20_000.0)


@pytest.mark.parametrize(
    ("at", "over"),
    [
        # 10 NM beyond blue on the same bearing from the site: exactly masking_nm, then 20 m more
        ((270.0, 20_000.0 + 10 * M_PER_NM), (270.0, 20_000.0 + 10 * M_PER_NM + 20.0)),
        # at blue's range, 5 degrees round: exactly masking_deg, then 0.05 degree more
        ((275.0, 20_000.0), (275.05, 20_000.0)),
    ],
    ids=["distance", "bearing"],
)
def test_a_kinetic_aircraft_beside_an_exposed_one_masks_it_at_the_limits(
    live_server: LiveServer,
    services: Services,
    client_for: Client,
    at: tuple[float, float],
    over: tuple[float, float],
) -> None:
    clock = live_server.clock
    now = clock.now
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    b1 = masking_scene(services, now)
    post(blue, unit("b1", b1, now, 15_000, 0.0, 0.0))
    post(red, unit("r1", at_az(SITE, *at), now, 25_000, 0.0, 0.0))
    (alert,) = scanned(services, blue, "masking")
    assert alert["parties"] == ["blue", "red"] and alert["owners"] == ["red", "blue"]
    assert alert["severity"] == "critical" and alert["hazard_id"]
    if at[0] == 270.0:
        assert alert["distance_m"] == pytest.approx(10 * M_PER_NM, abs=1e-3)
        assert alert["bearing_diff_deg"] == pytest.approx(0.0, abs=1e-9)
    else:
        assert alert["bearing_diff_deg"] == pytest.approx(5.0, abs=1e-9)
    assert [a["id"] for a in of_kind(red, "masking")] == [alert["id"]]
    assert of_kind(green, "masking") == []
    msgs = wait_until(
        lambda: [m for m in red.get("/messages").json() if "masking alert" in m["subject"]]
    )
    assert msgs[0]["priority"] == "flash" and msgs[0]["to"] == ["blue", "red"]
    # just over the limit: no longer masking; cleared after its hysteresis
    clock.advance(seconds=11)
    post(blue, unit("b1", b1, clock.now, 15_000, 0.0, 0.0))
    post(red, unit("r1", at_az(SITE, *over), clock.now, 25_000, 0.0, 0.0))
    assert scanned(services, blue, "masking") == []
    assert len(of_kind(blue, "exposure")) == 1  # still exposed: only the masking is over
    events = wait_until(lambda: (r := recorded(red, "masking")) and len(r) == 2 and r)
    assert [e["event"] for e in events] == ["raised", "cleared"]
