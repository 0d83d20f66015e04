"""What one request may cost, through the real server: oversized and self-overlapping
shapes, extreme times and enormous candidate sets are refused with a 4xx naming the
limit, before the work they would cost, and nothing is stored."""

from __future__ import annotations

import random
import resource
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import Clock, LiveServer, circle, make_agreement

from interlock.errors import RuleViolation
from interlock.service.root import build_services
from interlock.store import open_store

Client = Callable[[str | None], httpx.Client]
MB = 1024  # ru_maxrss is in KiB on Linux


def post(c: httpx.Client, path: str, body: Any) -> httpx.Response:
    return c.post(path, content=orjson.dumps(body), headers={"Content-Type": "application/json"})


def ledger_length(c: httpx.Client) -> int:
    return len(c.get("/ledger", params={"limit": 10_000}).json())


def zigzag_corridor(n: int) -> dict[str, Any]:
    """The hostile probe: a corridor back and forth across 0.5 deg, crossing itself."""
    rnd = random.Random(7)
    feature = circle(30.0, 34.0)
    feature["geometry"] = {
        "type": "LineString",
        "coordinates": [
            [round(30 + (i % 2) * 0.5 + rnd.random() * 1e-3, 6), round(34 + rnd.random() * 0.5, 6)]
            for i in range(n)
        ],
    }
    del feature["properties"]["radius_m"]
    feature["properties"]["half_width_m"] = 1000
    return feature


@pytest.mark.parametrize("n", [300, 1000])
def test_the_zigzag_corridor_is_refused_with_bounded_work(client_for: Client, n: int) -> None:
    blue = client_for("blue")
    body = zigzag_corridor(n)
    if n == 1000:
        assert len(orjson.dumps(body)) >= 20_000  # 22 KB compact; the probe sent ~30 KB
    before = ledger_length(blue)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = post(blue, "/notices", body)
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("geometry.coordinates: ")
    assert "the agreement allows" in r.json()["detail"]
    assert "(rules.max_" in r.json()["detail"]
    assert growth < 200 * MB  # the probe's 300 vertices reached 1.8 GB
    assert ledger_length(blue) == before
    assert blue.get("/notices").json()["features"] == []


def test_positions_over_the_limit_are_413_and_at_it_accepted(client_for: Client) -> None:
    blue = client_for("blue")
    before = ledger_length(blue)
    ring = [[30 + i * 1e-4, 34.0] for i in range(4_998)] + [[30.5, 34.5], [30.0, 34.0]]
    at = circle(30.0, 34.0)
    at["geometry"] = {"type": "Polygon", "coordinates": [ring]}  # 5,000 positions
    del at["properties"]["radius_m"]
    assert post(blue, "/notices", at).status_code == 201
    over = orjson.loads(orjson.dumps(at))
    over["geometry"]["coordinates"][0].insert(1, [30.00005, 34.0])
    r = post(blue, "/notices", over)
    assert r.status_code == 413, r.text
    assert r.json()["detail"] == (
        "geometry.coordinates: 5,001 positions in all; the agreement allows 5,000 "
        "(rules.max_positions)"
    )
    assert ledger_length(blue) == before + 1


def zone(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"kind": "zone", "name": "Standing zone", "radius_m": 4000.0, **props},
    }


@pytest.mark.parametrize(
    ("end", "status"),
    [
        ("2199-12-31T23:59Z", 201),
        ("2200-01-01T00:00Z", 422),
        ("2199-12-31T23:59-23:59", 422),
        ("9999-12-31T23:00:00-23:59", 422),
        ("0001-01-01T00:00:00+23:59", 422),
        ("10000-01-01T00:00Z", 422),
        ("garbage", 422),
    ],
)
def test_an_assets_times_at_the_edge_of_the_window(
    client_for: Client, end: str, status: int
) -> None:
    red = client_for("red")
    r = post(red, "/assets", zone(30.0, 34.0, start="2026-12-01T00:00:00Z", end=end))
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["detail"].startswith("properties.end: ")


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:00:00-23:59",
        "0001-01-01T00:00:00+23:59",
        "2200-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "10000-01-01T00:00:00Z",
        "not a time",
    ],
)
@pytest.mark.parametrize("param", ["start", "end"])
def test_query_times_outside_the_window_are_422(client_for: Client, param: str, value: str) -> None:
    r = client_for("blue").get("/notices", params={param: value})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"{param}: ")


def test_a_notice_ending_past_the_planning_horizon_is_refused(
    client_for: Client, live_server: LiveServer
) -> None:
    blue = client_for("blue")
    now = live_server.clock()
    ok = circle(30.0, 34.0, start=now + timedelta(days=399), hours=24)  # ends at 400 days
    assert post(blue, "/notices", ok).status_code == 201
    late = circle(30.0, 34.0, start=now + timedelta(days=399), hours=24.001)
    r = post(blue, "/notices", late)
    assert r.status_code == 422, r.text
    assert "(rules.planning_horizon_days)" in r.json()["detail"]


def test_a_standing_asset_conflicts_at_the_end_of_the_window_and_2250_is_refused(
    client_for: Client, live_server: LiveServer
) -> None:
    blue, red = client_for("blue"), client_for("red")
    assert post(red, "/assets", zone(30.0, 34.0)).status_code == 201  # no start, no end
    clock: Clock = live_server.clock  # type: ignore[assignment]
    for year in (2200, 2250):
        clock.now = datetime(year - 1, 6, 1, tzinfo=UTC)
        # the last hours of the window before `year`: 2199 is the last year admitted
        last = circle(30.0, 34.0, start=datetime(year - 1, 12, 31, 20, tzinfo=UTC), hours=3.9)
        r = post(blue, "/notices", last)
        if year == 2200:
            assert r.status_code == 201, r.text
            (c,) = r.json()["conflicts"]
            assert c["severity"] == "critical" and c["b_kind"] == "asset"
        else:
            assert r.status_code == 422, r.text
            assert "outside the accepted times" in r.json()["detail"]
    for start in ("2200-06-01T00:00:00Z", "2250-06-01T00:00:00Z"):
        late = circle(30.0, 34.0)
        late["properties"].update(start=start, end=start.replace("T00", "T02"))
        r = post(blue, "/notices", late)
        assert r.status_code == 422 and r.json()["detail"].startswith("properties.start: ")


def test_the_candidate_budget_at_and_over(tmp_path: Path) -> None:
    store = open_store(tmp_path / "budget.db")
    try:
        services = build_services(store, make_agreement(max_candidates=3), Clock())
        for k in range(3):
            services.notices.submit("red", circle(30.0 + k * 0.01, 34.0))
        big = circle(30.0, 34.0, radius_m=50_000, upper_ft=40_000)
        assert len(services.notices.submit("blue", big).conflicts) == 3  # at the budget
        # above red's notices (no candidate of theirs), under blue's: one candidate
        services.notices.submit("green", circle(30.03, 34.0, lower_ft=30_000, upper_ft=39_000))
        before = len(list(store.ledger_entries(1, 10_000)))
        with pytest.raises(RuleViolation) as info:
            services.notices.submit("blue", big)
        assert info.value.field == "geometry"
        assert "meet 4 stored notices and assets" in info.value.detail
        assert "at most 3 per request (rules.max_candidates)" in info.value.detail
        assert len(list(store.ledger_entries(1, 10_000))) == before
    finally:
        store.close()
