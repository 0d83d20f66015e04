"""A hostile party against the shared picture, over a real server: its future-dated
lines are refused, its reports never freeze another's, alerts resting on its word alone
say so, fused tracks name their sources, and units follow the agreement's visibility."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from tests.api.test_tactical_alerts import alert_records, post_units, unit, wait_alerts
from tests.conftest import LiveServer, circle, make_agreement, wait_until

from interlock.model.agreement import Agreement

Client = Callable[[str | None], httpx.Client]
RED_ICAO = "4CA1FA"


def sbs(
    at: datetime, lon: float, lat: float = 35.0, hexid: str = RED_ICAO, alt: int = 20_000
) -> str:
    d, t = at.strftime("%Y/%m/%d"), at.strftime("%H:%M:%S.%f")[:-3]
    return f"MSG,3,1,1,{hexid},1,{d},{t},{d},{t},,{alt},,,{lat},{lon},,,,,,0"


def sbs_velocity(at: datetime, speed: float, course: float, hexid: str = RED_ICAO) -> str:
    d, t = at.strftime("%Y/%m/%d"), at.strftime("%H:%M:%S.%f")[:-3]
    return f"MSG,4,1,1,{hexid},1,{d},{t},{d},{t},,,{speed},{course},,,0,,,,,0"


def post(c: httpx.Client, lines: list[str]) -> dict[str, Any]:
    r = c.post("/feeds/sbs", content="\n".join(lines).encode())
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def features(c: httpx.Client) -> dict[str, dict[str, Any]]:
    r = c.get("/tracks")
    assert r.status_code == 200, r.text
    return {f["id"]: f for f in r.json()["features"]}


def test_a_future_dated_line_is_refused_and_the_real_track_keeps_updating(
    live_server: LiveServer, client_for: Client
) -> None:
    blue, red = client_for("blue"), client_for("red")
    clock = live_server.clock
    body = post(blue, [sbs(datetime(2099, 1, 1, tzinfo=clock.now.tzinfo), 20.0)])
    assert body["reports"] == 0 and body["skipped"] == {"future_time": 1}
    # the boundary through the server: 5 s ahead taken, 5.001 s refused
    edge = post(blue, [sbs(clock.now + timedelta(seconds=5.001), 35.0, hexid="AAAAA1")])
    assert edge["skipped"] == {"future_time": 1}
    edge = post(blue, [sbs(clock.now + timedelta(seconds=5), 35.0, hexid="AAAAA1")])
    assert edge["reports"] == 1
    for k in range(6):  # red's receiver, one fix every 10 s, moving east
        assert post(red, [sbs(clock.now, 35.0 + 0.01 * k)])["reports"] == 1
        clock.advance(seconds=10)
    clock.advance(seconds=-10)
    track = features(red)["icao:4ca1fa"]["properties"]
    assert track["time"] == clock.now.isoformat().replace("+00:00", "Z")
    assert features(red)["icao:4ca1fa"]["geometry"]["coordinates"] == [35.05, 35.0]
    assert (track["stale"], track["sources"], track["position_from"]) == (False, ["red"], "red")
    stats = red.get("/tracks/stats").json()["feeds"]["sbs"]
    assert stats["skipped"]["future_time"] == 2 and "out_of_order" not in stats["skipped"]
    # silence turns it stale honestly
    clock.advance(seconds=61)
    assert features(red)["icao:4ca1fa"]["properties"]["stale"] is True


def test_a_fabricated_track_into_reds_notice_raises_an_alert_that_says_it_rests_on_blue(
    live_server: LiveServer, client_for: Client
) -> None:
    now = live_server.clock.now
    blue, red = client_for("blue"), client_for("red")
    notice = circle(35.5, 35.0, 10_000, start=now - timedelta(minutes=30), hours=2)
    r = red.post("/notices", content=orjson.dumps(notice))
    assert r.status_code == 201
    notice_id = r.json()["notice"]["id"]
    # blue "sees" an aircraft 15 km west of red's notice, heading in at 300 kt, 5,000 ft
    post(blue, [sbs(now, 35.335, alt=5_000), sbs_velocity(now, 300, 90)])
    (alert,) = wait_alerts(red, lambda a: len(a) == 1)
    assert alert["kind"] == "entry" and alert["notice_id"] == notice_id
    assert alert["parties"] == ["red"] and alert["reported_by"] == ["blue"]
    assert alert["corroborated"] is False and alert["uncorroborated_by"] == ["blue"]
    # the record (and so the push stream, which serves it) and the system message say so
    (rec,) = wait_until(lambda: alert_records(red))
    assert rec["reported_by"] == ["blue"] and rec["corroborated"] is False
    msgs = wait_until(
        lambda: [m for m in red.get("/messages").json() if alert["id"] in m["subject"]]
    )
    assert "uncorroborated" in msgs[0]["subject"]
    assert "rests on blue's reports alone" in msgs[0]["body"]
    with red.stream("GET", "/stream", params={"after": 0}) as s:
        lines: list[str] = []
        for line in s.iter_lines():
            lines.append(line)
            if line.startswith("data:") and lines[-2] == "event: alert":
                break
    pushed = orjson.loads(lines[-1].removeprefix("data:"))
    assert pushed["event"]["corroborated"] is False and pushed["event"]["reported_by"] == ["blue"]
    # red's own receiver sees the same aircraft: the alert is now corroborated (an update)
    live_server.clock.advance(seconds=1)
    t = live_server.clock.now
    post(red, [sbs(t, 35.337, alt=5_000), sbs_velocity(t, 300, 90)])
    (alert,) = wait_alerts(red, lambda a: len(a) == 1 and a[0]["corroborated"])
    assert alert["reported_by"] == ["blue", "red"] and alert["uncorroborated_by"] == []
    assert wait_until(lambda: [e for e in alert_records(red) if e["event"] == "updated"])


def test_a_track_reported_by_both_parties_is_one_fused_track_with_both_sources(
    live_server: LiveServer, client_for: Client
) -> None:
    now = live_server.clock.now
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    post(red, [sbs(now - timedelta(seconds=2), 35.0)])
    post(blue, [sbs(now - timedelta(seconds=1), 35.002)])
    got = features(green)
    assert list(got) == ["icao:4ca1fa"]
    p = got["icao:4ca1fa"]["properties"]
    assert p["sources"] == ["blue", "red"] and p["position_from"] == "blue"
    assert got["icao:4ca1fa"]["geometry"]["coordinates"] == [35.002, 35.0]
    # red's fix may be older than blue's: it is red's own track, not "out of order"
    body = post(red, [sbs(now - timedelta(seconds=1.5), 35.001)])
    assert body["reports"] == 1 and body["skipped"] == {}


def test_unit_ids_are_hidden_from_other_parties_by_default(
    live_server: LiveServer, client_for: Client
) -> None:
    now = live_server.clock.now
    blue, red = client_for("blue"), client_for("red")
    post_units(blue, unit("raven-1", 35.0, 35.0, now, alt_ft=18_000, name="RAVEN 1"))
    (own,) = features(blue).values()
    assert own["id"] == "blue:raven-1" and own["properties"]["name"] == "RAVEN 1"
    alias = own["properties"]["alias"]
    (seen,) = features(red).values()
    assert seen["id"] == seen["properties"]["track_id"] == alias != "blue:raven-1"
    assert "raven" not in orjson.dumps(seen).decode().lower()
    assert seen["properties"]["owner"] == "blue"
    assert seen["geometry"]["coordinates"] == [35.0, 35.0]
    assert features(red) == features(client_for("red"))  # stable between reads


class TestUnitsShownWhenTheAgreementSaysSo:
    @pytest.fixture
    def agreement(self) -> Agreement:
        return dataclasses.replace(make_agreement(), others_see=("callsign", "unit"))

    def test_unit_and_callsign_shown(self, live_server: LiveServer, client_for: Client) -> None:
        now = live_server.clock.now
        post_units(client_for("blue"), unit("raven-1", 35.0, 35.0, now, name="RAVEN 1"))
        (seen,) = features(client_for("red")).values()
        assert seen["id"] == "blue:raven-1" and seen["properties"]["name"] == "RAVEN 1"
        assert "alias" not in seen["properties"]
        (own,) = features(client_for("blue")).values()
        assert "alias" not in own["properties"]


def test_two_parties_posting_one_identity_at_once_leave_a_consistent_picture(
    live_server: LiveServer, client_for: Client
) -> None:
    n = 200
    start = live_server.clock.now - timedelta(
        seconds=n
    )  # fixes per party, one a second, each party in its own order, interleaved
    sent: dict[str, list[tuple[datetime, float]]] = {"blue": [], "red": []}
    for party, offset in (("blue", 0.0), ("red", 0.5)):
        for k in range(n):
            sent[party].append((start + timedelta(seconds=k + offset), 35.0 + 0.001 * k))
    errors: list[BaseException] = []

    def feed(party: str) -> None:
        try:
            with live_server.client(party) as c:
                for i in range(0, n, 5):
                    lines = [sbs(t, lon) for t, lon in sent[party][i : i + 5]]
                    assert post(c, lines)["reports"] == len(lines)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=feed, args=(p,)) for p in sent]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # every line taken (none "out of order" against the other party's), one fused track
    stats = client_for("green").get("/tracks/stats").json()
    assert stats["feeds"]["sbs"] == {"reports": 2 * n, "skipped": {}} and stats["tracks"] == 1
    (f,) = features(client_for("green")).values()
    last_t, last_lon = sent["red"][-1]  # red's last fix is the newest (offset 0.5 s)
    assert f["properties"]["position_from"] == "red"
    assert f["properties"]["time"] == last_t.isoformat().replace("+00:00", "Z")
    assert f["geometry"]["coordinates"] == [last_lon, 35.0]
    assert f["properties"]["sources"] == ["blue", "red"]
