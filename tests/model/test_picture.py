"""The track picture: merge rules, staleness, bad input as skips, exports."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.geo.frame import geodesic_distance_m
from interlock.geo.units import KT_IN_MPS
from interlock.model.picture import NOISE_M, TIME_SLACK_S, Picture, TrackState, Update
from interlock.model.track import MAX_SPEED_KT, Skip, TrackReport, implausible

T0 = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def air(s: float, **kw: object) -> TrackReport:
    return TrackReport("sbs", kw.pop("track_id", "icao:4ca1fa"), "air", at(s), **kw)  # type: ignore[arg-type]


def sea(s: float, **kw: object) -> TrackReport:
    return TrackReport("ais", kw.pop("track_id", "mmsi:211331640"), "sea", at(s), **kw)  # type: ignore[arg-type]


def kinds(p: Picture, reports: list[TrackReport]) -> list[str]:
    out = []
    for r in reports:
        u = p.apply(r)
        out.append(u.kind if isinstance(u, Update) else u.reason)
    return out


def only(p: Picture, now: datetime, **kw: object) -> TrackState:
    (s,) = p.tracks(now, **kw)  # type: ignore[arg-type]
    return s


def test_sbs_partials_merge_into_one_track() -> None:
    p = Picture()
    assert kinds(
        p,
        [
            air(0, name="RYR12A"),  # MSG 1: callsign
            air(1, speed_kt=450.0, course_deg=90.0, vertical_rate_fpm=-500.0),  # MSG 4
            air(2, lon=25.0, lat=60.0, alt_ft=35_000.0),  # MSG 3
            air(3, lon=25.01, lat=60.0, alt_ft=34_975.0),
        ],
    ) == ["pending", "pending", "new", "moved"]
    s = only(p, at(3))
    assert (s.name, s.alt_ft, s.speed_kt, s.course_deg) == ("RYR12A", 34_975.0, 450.0, 90.0)
    assert s.vertical_rate_fpm == -500.0 and s.source == "sbs" and s.owner is None
    assert s.times["position"] == at(3) and s.times["speed_kt"] == at(1)
    assert s.velocity_age_s == 2.0
    assert p.apply(air(4, speed_kt=460.0, course_deg=91.0)) == Update("icao:4ca1fa", "updated")
    s = only(p, at(4))
    assert (s.lon, s.speed_kt, s.time) == (25.01, 460.0, at(3))  # velocity alone: no move


def test_ais_static_name_pending_then_attached_to_first_position() -> None:
    p = Picture()
    assert p.apply(sea(0, name="EVER GIVEN")) == Update("mmsi:211331640", "pending")
    assert p.tracks(at(0)) == [] and p.get("mmsi:211331640") is None and len(p) == 0
    assert p.to_geojson(at(0))["features"] == []
    assert p.apply(sea(5, lon=32.5, lat=30.0, speed_kt=12.0, course_deg=180.0)).kind == "new"
    s = p.get("mmsi:211331640")
    assert s is not None and s.name == "EVER GIVEN" and s.alt_ft is None


def test_owner_and_source_kept() -> None:
    p = Picture()
    p.apply(TrackReport("json", "blue:raven-1", "air", at(0), lon=1.0, lat=2.0, owner="blue"))
    p.apply(TrackReport("json", "blue:raven-1", "air", at(1), lon=1.001, lat=2.0))
    s = only(p, at(1))
    assert s.owner == "blue" and s.source == "json"


def test_staleness_per_domain() -> None:
    p = Picture()
    p.apply(air(0, lon=25.0, lat=60.0))
    p.apply(sea(0, lon=25.0, lat=59.0))
    assert [s.stale for s in p.tracks(at(60), include_stale=True)] == [False, False]
    assert [s.track_id for s in p.tracks(at(61))] == ["mmsi:211331640"]
    ship = p.get("mmsi:211331640", at(601))
    assert ship is not None and ship.stale and p.get("mmsi:211331640").stale is False  # type: ignore[union-attr]
    stale = {s.track_id: s.stale for s in p.tracks(at(601), include_stale=True)}
    assert stale == {"icao:4ca1fa": True, "mmsi:211331640": True}
    q = Picture(stale_after={"air": timedelta(seconds=5)})
    q.apply(air(0, lon=25.0, lat=60.0))
    assert q.tracks(at(6)) == [] and q.stale_after["sea"] == timedelta(minutes=10)


def test_out_of_order_and_duplicate_are_skipped() -> None:
    p = Picture()
    first = sea(10, lon=25.0, lat=60.0, speed_kt=10.0, course_deg=0.0)
    assert kinds(
        p,
        [
            first,
            first,  # relayed twice
            sea(5, lon=25.0, lat=59.999),  # older than the last position
            sea(9, name="LATE"),  # older than the position too
            sea(20, speed_kt=11.0, course_deg=1.0),
            sea(15, lon=25.0, lat=60.001),  # newer than the position: fine (fields merge)
            sea(15, speed_kt=9.0),  # older than the speed it carries
        ],
    ) == ["new", "duplicate", "out_of_order", "out_of_order", "updated", "moved", "out_of_order"]
    s = only(p, at(20))
    assert (s.lat, s.speed_kt, s.name, s.velocity_age_s) == (60.001, 11.0, None, -5.0)


def test_implausible_reports_are_skipped_without_a_track() -> None:
    p = Picture()
    bad = [
        sea(0, lon=200.0, lat=0.0),
        sea(0, lon=1.0, lat=2.0, speed_kt=150.0),
        air(0, lon=math.nan, lat=1.0),
        TrackReport("sbs", "icao:1", "air", datetime(2026, 12, 1), lon=1.0, lat=1.0),
    ]
    reasons = [r.reason for r in map(p.apply, bad) if isinstance(r, Skip)]
    assert reasons == ["impossible_position", "impossible_speed", "not_finite", "naive_time"]
    assert p.tracks(at(0), include_stale=True) == [] and p.expire(at(10**6), timedelta(0)) == []


def test_impossible_jump_refused_and_fast_aircraft_accepted() -> None:
    p = Picture()
    p.apply(air(0, lon=25.0, lat=60.0))
    # 950 kn for 10 s is about 4.9 km: a fast jet, accepted
    d_deg = 950 * KT_IN_MPS * 10 / 111_400
    assert p.apply(air(10, lon=25.0, lat=60.0 + d_deg)).kind == "moved"  # type: ignore[union-attr]
    # 100 km in 10 s: a bad frame
    jump = p.apply(air(20, lon=25.0, lat=61.0))
    assert isinstance(jump, Skip) and jump.reason == "impossible_jump"
    assert only(p, at(20)).lat == 60.0 + d_deg
    # same time, a few metres apart (two receivers, GPS noise): accepted
    assert p.apply(air(10, lon=25.0002, lat=60.0 + d_deg)).kind == "moved"  # type: ignore[union-attr]
    # ship at 30 kn is fine, 30 kn over the sea limit is not
    q = Picture()
    q.apply(sea(0, lon=0.0, lat=0.0))
    assert q.apply(sea(60, lon=0.0, lat=30 * KT_IN_MPS * 60 / 110_574)).kind == "moved"  # type: ignore[union-attr]
    assert q.apply(sea(120, lon=0.0, lat=0.1)).reason == "impossible_jump"  # type: ignore[union-attr]


def test_jump_limit_is_geodesic_across_the_antimeridian() -> None:
    p = Picture()
    p.apply(sea(0, lon=179.999, lat=0.0))
    # 0.002 deg of longitude across the seam (~223 m) in 60 s: about 7 kn, not 360 deg
    assert p.apply(sea(60, lon=-179.999, lat=0.0)).kind == "moved"  # type: ignore[union-attr]
    assert p.apply(sea(120, lon=179.999, lat=0.0)).kind == "moved"  # type: ignore[union-attr]


def test_two_agreeing_refused_fixes_reanchor_a_bad_first_fix() -> None:
    p = Picture()
    p.apply(air(0, lon=10.0, lat=10.0))  # a bad first fix
    assert p.apply(air(1, lon=25.0, lat=60.0)).reason == "impossible_jump"  # type: ignore[union-attr]
    assert p.apply(air(1, lon=25.0, lat=60.0)).reason == "duplicate"  # type: ignore[union-attr]
    assert p.apply(air(2, lon=25.001, lat=60.0)).kind == "moved"  # type: ignore[union-attr]
    assert (only(p, at(2)).lon, len(p.history("icao:4ca1fa"))) == (25.001, 1)
    # a lone bad frame between good ones does not
    assert p.apply(air(3, lon=10.0, lat=10.0)).reason == "impossible_jump"  # type: ignore[union-attr]
    assert p.apply(air(4, lon=25.002, lat=60.0)).kind == "moved"  # type: ignore[union-attr]
    assert p.apply(air(5, lon=10.0, lat=10.0)).reason == "impossible_jump"  # type: ignore[union-attr]


def test_domain_mismatch_is_skipped() -> None:
    p = Picture()
    p.apply(air(0, lon=1.0, lat=1.0, track_id="x:1"))
    assert p.apply(sea(1, lon=1.0, lat=1.0, track_id="x:1")).reason == "domain_mismatch"  # type: ignore[union-attr]


def test_bbox_plain_and_across_the_antimeridian() -> None:
    p = Picture()
    for i, lon in enumerate([179.5, -179.5, 0.0, 170.0]):
        p.apply(sea(0, lon=lon, lat=0.0, track_id=f"mmsi:{i}"))
    ids = lambda box: [s.track_id for s in p.tracks(at(0), bbox=box)]  # noqa: E731
    assert ids((179.0, -1.0, -179.0, 1.0)) == ["mmsi:0", "mmsi:1"]
    assert ids((-1.0, -1.0, 1.0, 1.0)) == ["mmsi:2"]
    assert ids((160.0, -1.0, 180.0, 1.0)) == ["mmsi:0", "mmsi:3"]
    assert ids((160.0, 1.0, 180.0, 2.0)) == []


def test_history_is_bounded_and_in_order() -> None:
    p = Picture(history=3)
    for i in range(5):
        p.apply(sea(i * 10, lon=25.0, lat=60.0 + i * 1e-4, speed_kt=5.0, course_deg=0.0))
    h = p.history("mmsi:211331640")
    assert [f.time for f in h] == [at(20), at(30), at(40)] and h[-1].speed_kt == 5.0
    assert p.history("nobody") == []
    assert Picture(history=0).history("x") == []


def test_expire_drops_long_dead_tracks_and_pending_names() -> None:
    p = Picture()
    p.apply(air(0, lon=1.0, lat=1.0))
    p.apply(sea(0, name="NEVER MOVES"))
    p.apply(sea(100, lon=2.0, lat=2.0, track_id="mmsi:2"))
    assert p.expire(at(200), timedelta(seconds=150)) == ["icao:4ca1fa", "mmsi:211331640"]
    assert [s.track_id for s in p.tracks(at(100))] == ["mmsi:2"]
    # a dropped identity starts afresh: its old position cannot make the new one a jump
    assert p.apply(air(300, lon=100.0, lat=-40.0)).kind == "new"  # type: ignore[union-attr]


def test_geojson_shape() -> None:
    p = Picture()
    p.apply(air(0, lon=25.0, lat=60.0, alt_ft=30_000.0, speed_kt=400.0, course_deg=45.0))
    p.apply(air(0, name="FIN7", track_id="icao:7"))
    p.apply(air(1, lon=24.0, lat=60.0, track_id="icao:7"))
    fc = p.to_geojson(at(61))
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    f = fc["features"][0]
    assert f["type"] == "Feature" and f["geometry"] == {
        "type": "Point",
        "coordinates": [25.0, 60.0],
    }
    assert f["properties"] == {
        "track_id": "icao:4ca1fa",
        "domain": "air",
        "name": None,
        "owner": None,
        "source": "sbs",
        "sources": [],  # reported by no named party (a local picture)
        "position_from": None,
        "alt_ft": 30_000.0,
        "speed_kt": 400.0,
        "course_deg": 45.0,
        "vertical_rate_fpm": None,
        "stale": True,
        "time": "2026-12-01T10:00:00Z",
    }
    assert fc["features"][1]["properties"]["name"] == "FIN7"
    assert fc["features"][1]["properties"]["stale"] is False
    assert p.to_geojson(at(61), include_stale=False)["features"][0]["id"] == "icao:7"


def test_arrays_only_fresh_positioned_tracks_with_recent_velocity() -> None:
    p = Picture()
    p.apply(air(0, speed_kt=300.0, course_deg=90.0, vertical_rate_fpm=1000.0, track_id="a:ok"))
    p.apply(air(5, lon=1.0, lat=2.0, alt_ft=9000.0, track_id="a:ok", owner="blue"))
    p.apply(air(0, speed_kt=300.0, course_deg=90.0, track_id="a:oldvel"))
    p.apply(air(30, lon=3.0, lat=4.0, track_id="a:oldvel"))  # velocity 30 s older
    p.apply(air(30, lon=5.0, lat=6.0, track_id="a:novel"))
    p.apply(air(-100, lon=7.0, lat=8.0, speed_kt=1.0, course_deg=0.0, track_id="a:stale"))
    p.apply(air(0, speed_kt=300.0, course_deg=90.0, track_id="a:nopos"))
    p.apply(sea(0, lon=9.0, lat=10.0, speed_kt=12.0, course_deg=270.0))
    a = p.arrays(at(30), "air")
    assert len(a) == 1 and list(a.track_id) == ["a:ok"] and list(a.owner) == ["blue"]
    assert (a.lon[0], a.lat[0], a.alt_ft[0], a.speed_kt[0], a.course_deg[0]) == (
        1.0,
        2.0,
        9000.0,
        300.0,
        90.0,
    )
    assert a.vertical_rate_fpm[0] == 1000.0 and a.time[0] == at(5).timestamp()
    s = p.arrays(at(30), "sea")
    assert list(s.track_id) == ["mmsi:211331640"] and list(s.owner) == [None]
    assert np.isnan(s.alt_ft).all() and np.isnan(s.vertical_rate_fpm).all()
    assert s.speed_kt.dtype == float and len(p.arrays(at(10**5), "sea")) == 0


# --- arbitrary input never breaks the picture -----------------------------------------

_WILD = st.one_of(
    st.floats(-200, 200),
    st.sampled_from([math.nan, math.inf, 179.9999, -179.9999, 90.0, -90.0]),
)


def _weighted(common: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly `common`, sometimes `rare`: bad input is tried without drowning the merges."""
    return st.integers(0, 9).flatmap(lambda i: rare if i == 0 else common)


@st.composite
def reports(draw: st.DrawFn) -> TrackReport:
    """Reports for a few identities near one spot (so they merge, move and sometimes jump),
    with partial fields and, now and then, an invalid value of any kind."""
    track_id = draw(st.sampled_from(["a", "b", "c"]))
    usual = "sea" if track_id == "c" else "air"
    domain = draw(_weighted(st.just(usual), st.sampled_from(["air", "sea", "space"])))
    if draw(st.booleans()):
        lon = draw(_weighted(st.floats(24.99, 25.01), _WILD))
        lat = draw(_weighted(st.floats(59.99, 60.01), st.one_of(st.none(), _WILD)))
    else:
        lon = lat = None

    def maybe(ok: st.SearchStrategy, bad: st.SearchStrategy) -> Any:
        return draw(st.one_of(st.none(), _weighted(ok, bad)))

    nan = st.just(math.nan)
    return TrackReport(
        source=draw(st.sampled_from(["ais", "sbs"])),
        track_id=track_id,
        domain=domain,
        time=at(draw(st.integers(0, 600))),
        lon=lon,
        lat=lat,
        alt_ft=maybe(st.floats(-2000, 60_000), st.sampled_from([math.nan, 250_000.0])),
        speed_kt=maybe(st.floats(0, 100), st.floats(-10, 1200)),
        course_deg=maybe(st.floats(0, 359.9), st.sampled_from([360.0, 400.0, math.nan])),
        vertical_rate_fpm=maybe(st.floats(-6000, 6000), nan),
        name=maybe(st.sampled_from(["A", "B"]), st.just("")),
        owner=maybe(st.sampled_from(["blue", "red"]), st.just("blue")),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(reports(), max_size=40), st.integers(0, 5), st.booleans())
def test_arbitrary_report_sequences_never_break_the_picture(
    rs: list[TrackReport], history: int, in_time_order: bool
) -> None:
    if in_time_order:  # fewer out_of_order skips: more merges, moves and jumps exercised
        rs = sorted(rs, key=lambda r: r.time)
    p = Picture(history=history)
    accepted: list[TrackReport] = []
    for r in rs:
        u = p.apply(r)
        assert isinstance(u, Update | Skip)
        if isinstance(u, Update):
            assert implausible(r) is None
            accepted.append(r)
    now = at(600)
    listed = p.tracks(now, include_stale=True)
    for s in listed:
        assert math.isfinite(s.lon) and math.isfinite(s.lat)
        # its position is that of a report that passed implausible()
        assert any(
            r.track_id == s.track_id and (r.lon, r.lat, r.time) == (s.lon, s.lat, s.time)
            for r in accepted
        )
        assert len(p.history(s.track_id)) <= history
    positioned = {r.track_id for r in accepted if r.has_position}
    assert {s.track_id for s in listed} == positioned
    assert len(p.to_geojson(now)["features"]) == len(listed)
    for domain in ("air", "sea"):
        assert len(p.arrays(now, domain)) <= len(listed)
    # consecutive kept fixes are physically reachable (a re-anchor clears the history)
    for s in listed:
        h = p.history(s.track_id)
        for a, b in itertools.pairwise(h):
            dt = (b.time - a.time).total_seconds() + TIME_SLACK_S
            limit = MAX_SPEED_KT[s.domain] * KT_IN_MPS * dt + NOISE_M
            assert dt > 0 and geodesic_distance_m(a.lon, a.lat, b.lon, b.lat) <= limit
    p.expire(now + timedelta(days=1), timedelta(0))
    assert p.tracks(now, include_stale=True) == []


def test_geodesic_helper_sanity() -> None:
    # the seam: two points 0.002 deg apart across 180 are ~223 m apart, not 40,000 km
    assert geodesic_distance_m(179.999, 0.0, -179.999, 0.0) < 250.0
    assert MAX_SPEED_KT["air"] > MAX_SPEED_KT["sea"]
