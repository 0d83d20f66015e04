"""The cheaper checks of the ingest path give the verdicts the plain ones gave.

- `TrackReport.__init__` (set through the slots' descriptors) builds what the dataclass
  __init__ built, with the same signature, and the report stays frozen;
- `implausible`'s one-chain fast answer equals the ordered checks for any report;
- the picture trusts only the very report `implausible` last passed;
- the jump check's bounds (path, haversine) never disagree with the WGS84 geodesic;
- the duplicate check (a key tuple) agrees with `TrackReport.__eq__`.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from interlock.geo.frame import geodesic_distance_m
from interlock.geo.units import KT_IN_MPS
from interlock.model import track
from interlock.model.picture import NOISE_M, TIME_SLACK_S, Picture, _reachable
from interlock.model.track import MAX_SPEED_KT, Skip, TrackReport, checked, implausible

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FIELDS = [f.name for f in dataclasses.fields(TrackReport)]


@dataclasses.dataclass(frozen=True, slots=True)
class Plain:
    """TrackReport's fields with the dataclass-generated __init__ (the reference)."""

    source: str
    track_id: str
    domain: str
    time: datetime
    lon: float | None = None
    lat: float | None = None
    alt_ft: float | None = None
    speed_kt: float | None = None
    course_deg: float | None = None
    vertical_rate_fpm: float | None = None
    name: str | None = None
    owner: str | None = None


def test_report_init_has_the_dataclass_signature() -> None:
    mine, plain = inspect.signature(TrackReport), inspect.signature(Plain)
    assert [(p.name, p.default, p.kind) for p in mine.parameters.values()] == [
        (p.name, p.default, p.kind) for p in plain.parameters.values()
    ]
    assert [f.name for f in dataclasses.fields(Plain)] == FIELDS


values = st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-500, 500))


@given(
    st.sampled_from(["ais", "sbs"]),
    st.sampled_from(["air", "sea", "land"]),
    st.lists(values, min_size=6, max_size=6),
    st.one_of(st.none(), st.text(max_size=3)),
    st.booleans(),
)
def test_report_init_builds_what_the_dataclass_built(
    source: str, domain: str, nums: list[float | None], name: str | None, kw: bool
) -> None:
    args = [source, "x:1", domain, T0, *nums, name, None]
    if kw:
        r, p = TrackReport(**dict(zip(FIELDS, args, strict=True))), Plain(*args)
    else:
        r, p = TrackReport(*args), Plain(*args)
    assert [getattr(r, f) for f in FIELDS] == [getattr(p, f) for f in FIELDS] or any(
        isinstance(v, float) and math.isnan(v) for v in nums
    )
    assert repr(r).removeprefix("TrackReport") == repr(p).removeprefix("Plain")
    assert dataclasses.replace(r, name="n").name == "n"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.lon = 1.0  # type: ignore[misc]


def test_report_init_defaults_and_errors_match() -> None:
    assert TrackReport("ais", "x", "sea", T0) == TrackReport("ais", "x", "sea", T0, None)
    with pytest.raises(TypeError):
        TrackReport("ais", "x", "sea")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        TrackReport("ais", "x", "sea", T0, nope=1)  # type: ignore[call-arg]


special = st.sampled_from(
    [None, math.nan, math.inf, -math.inf, 0, -0.0, 90.0, -90.0, 180.0, -180.0, 360.0, 1e9]
)
number = st.one_of(special, st.floats(-400, 400), st.floats(-3000, 70000))


@settings(max_examples=3000)
@given(
    st.sampled_from(["air", "sea", "land"]),
    st.sampled_from([T0, T0.replace(tzinfo=None), T0.astimezone(timezone(timedelta(hours=3)))]),
    st.lists(number, min_size=6, max_size=6),
)
def test_implausible_fast_answer_is_the_ordered_checks_answer(
    domain: str, at: datetime, nums: list[float | None]
) -> None:
    r = TrackReport("sbs", "icao:1", domain, at, *nums)
    assert implausible(r) == track._implausible(r)


def test_picture_trusts_only_the_report_implausible_last_passed() -> None:
    good = TrackReport("ais", "mmsi:1", "sea", T0, lon=1.0, lat=2.0)
    bad = TrackReport("json", "mmsi:2", "sea", T0, lon=500.0, lat=2.0)
    assert implausible(good) is None and checked(good)
    assert implausible(bad) == "impossible_position" and checked(good) and not checked(bad)
    same = TrackReport("ais", "mmsi:1", "sea", T0, lon=1.0, lat=2.0)
    assert same == good and not checked(same)  # equal is not enough: the same object
    p = Picture()
    assert p.apply(bad) == Skip("impossible_position", "mmsi:2")  # still checked
    assert p.apply(good).kind == "new"  # type: ignore[union-attr]
    # a report posted from outside, right after a decoder passed another, is checked
    implausible(TrackReport("ais", "mmsi:3", "sea", T0, lon=1.0, lat=2.0))
    assert p.apply(TrackReport("json", "mmsi:4", "sea", T0, lon=1.0, lat=95.0)) == Skip(
        "impossible_position", "mmsi:4"
    )


GEOD = Geod(ellps="WGS84")


@st.composite
def jumps(draw: st.DrawFn) -> tuple[float, float, TrackReport, str, float]:
    """A fix and a report that jumps near the domain's limit (or anywhere)."""
    domain = draw(st.sampled_from(["air", "sea"]))
    lon = draw(st.floats(-180, 180))
    lat = draw(st.one_of(st.floats(-90, 90), st.sampled_from([-90.0, 90.0, 89.9999, 0.0])))
    at = T0 + timedelta(seconds=draw(st.one_of(st.floats(0, 30), st.floats(0, 86_400))))
    dt = (at - T0).total_seconds()  # as the picture sees it (whole microseconds)
    limit = MAX_SPEED_KT[domain] * KT_IN_MPS * (dt + TIME_SLACK_S) + NOISE_M
    how = draw(st.integers(0, 2))
    if how == 2:  # anywhere on the globe
        lon2, lat2 = draw(st.floats(-180, 180)), draw(st.floats(-90, 90))
    else:  # within a metre or a hair of the limit, either side
        rel = draw(st.one_of(st.floats(-1e-3, 1e-3), st.floats(-1e-9, 1e-9)))
        az = draw(st.floats(-180, 180))
        lon2, lat2, _ = GEOD.fwd(lon, lat, az, limit * (1 + rel))
        lat2 = max(-90.0, min(90.0, lat2))
    b = TrackReport("sbs", "icao:1", domain, at, lon=lon2, lat=lat2)
    return lon, lat, b, domain, limit


@settings(max_examples=3000, deadline=None)
@given(jumps())
def test_jump_check_bounds_give_the_geodesic_verdict(
    case: tuple[float, float, TrackReport, str, float],
) -> None:
    lon, lat, b, domain, limit = case
    assert b.lon is not None and b.lat is not None
    exact = geodesic_distance_m(lon, lat, b.lon, b.lat) <= limit
    assert _reachable(lon, lat, T0, b, domain) == exact
    # with the time between as apply passes it (epoch seconds), as exact
    assert _reachable(lon, lat, T0, b, domain, b.time.timestamp() - T0.timestamp()) == exact


@pytest.mark.parametrize(
    ("lon", "lat", "lon2", "lat2"),
    [(179.999, 0.0, -179.999, 0.0), (0.0, 90.0, 180.0, 89.999), (10.0, -89.99, -170.0, -89.99)],
)
def test_jump_check_across_the_antimeridian_and_poles(
    lon: float, lat: float, lon2: float, lat2: float
) -> None:
    for dt in (0.0, 1.0, 3.0, 10.0, 60.0):
        b = TrackReport("ais", "mmsi:1", "sea", T0 + timedelta(seconds=dt), lon=lon2, lat=lat2)
        limit = MAX_SPEED_KT["sea"] * KT_IN_MPS * (dt + TIME_SLACK_S) + NOISE_M
        exact = geodesic_distance_m(lon, lat, lon2, lat2) <= limit
        assert _reachable(lon, lat, T0, b, "sea") == exact
        assert _reachable(lon, lat, T0, b, "sea", dt) == exact


small = st.sampled_from([None, 1.0, 2.0])


@given(
    st.tuples(small, small, st.sampled_from([None, "A"]), st.sampled_from([None, "blue"])),
    st.tuples(small, small, st.sampled_from([None, "A"]), st.sampled_from([None, "blue"])),
    st.sampled_from(["ais", "json"]),
    st.booleans(),
)
def test_duplicate_is_dataclass_equality(
    a: tuple[float | None, float | None, str | None, str | None],
    b: tuple[float | None, float | None, str | None, str | None],
    source: str,
    later: bool,
) -> None:
    first = TrackReport("ais", "mmsi:1", "sea", T0, 5.0, 6.0, None, a[0], a[1], None, a[2], a[3])
    at = T0 + timedelta(seconds=1) if later else T0
    second = TrackReport(source, "mmsi:1", "sea", at, 5.0, 6.0, None, b[0], b[1], None, b[2], b[3])
    p = Picture()
    assert not isinstance(p.apply(first), Skip)
    got = p.apply(second)
    assert (got == Skip("duplicate", "mmsi:1")) == (first == second)
