"""Exactly at a minimum is separated, everywhere: strategic and tactical, horizontal and
vertical, air and sea, whatever unit the band or altitude was given in.

The rule is "closer than the minimum" (ICAO Doc 4444 §5.4.1). Before the rule had one home,
two aircraft level at adjacent flight levels (exactly 1,000 ft apart) were flagged or
cleared depending on how ft -> m rounded (35,000 ft and 36,000 ft are 304.7999999999993 m
apart in floating point). Each test tries just inside, at, and just outside a minimum; the
independent reference is the rule itself evaluated in the unit it is stated in.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from interlock.detect.strategic import Volume, check_pair
from interlock.detect.tactical import AIR, SEA, TrackStates, project, scan, scan_bruteforce
from interlock.geo.shapes import Area
from interlock.geo.units import M_PER_FT, M_PER_NM
from interlock.model.agreement import (
    MINIMUM_TOLERANCE_M,
    TACTICAL_AIR,
    TACTICAL_SEA,
    Rules,
    infringes,
)
from interlock.model.conflict import Ref
from interlock.model.notice import parse_notice

GEOD = Geod(ellps="WGS84")
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_infringes_is_strict_with_a_documented_tolerance() -> None:
    m = 1000 * M_PER_FT
    assert not infringes(36_000 * M_PER_FT - 35_000 * M_PER_FT, m)  # 304.7999999999993
    assert not infringes(m, m) and not infringes(m + 1e-9, m)
    assert infringes(m - 2 * MINIMUM_TOLERANCE_M, m)
    assert infringes(999 * M_PER_FT, m)


# ---- strategic: notices filed in feet and flight levels ---------------------------------


def air_volume(party: str, band: dict[str, float], lon: float = 35.0) -> Volume:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, 34.0]},
        "properties": {
            "domain": "air",
            "radius_m": 5000.0,
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=2)).isoformat(),
            **band,
        },
    }
    draft = parse_notice(feature)
    assert draft.band is not None
    return Volume(
        Ref("notice", party), party, "air", draft.area, draft.band, draft.start, draft.end
    )


def band(lower_ft: float, upper_ft: float, as_fl: bool) -> dict[str, float]:
    if as_fl:
        return {"fl_lower": lower_ft / 100, "fl_upper": upper_ft / 100}
    return {"alt_lower_ft": lower_ft, "alt_upper_ft": upper_ft}


@settings(max_examples=300, deadline=None)
@given(
    fl=st.integers(min_value=1, max_value=590),
    thick=st.integers(min_value=1, max_value=50),
    fl_a=st.booleans(),
    fl_b=st.booleans(),
)
def test_adjacent_levels_exactly_1000_ft_apart_are_separated(
    fl: int, thick: int, fl_a: bool, fl_b: bool
) -> None:
    """Band A tops out at FL n, band B starts at FL n+10, in ft or FL either side."""
    top = fl * 100.0
    lower_a = max(0.0, top - thick * 100.0)
    a = air_volume("blue", band(lower_a, top, fl_a))
    rules = Rules()
    at = air_volume("red", band(top + 1000, top + 2000, fl_b))
    assert check_pair(a, at, rules) is None
    assert check_pair(at, a, rules) is None  # symmetric
    inside = air_volume("red", band(top + 999, top + 2000, False))
    c = check_pair(a, inside, rules)
    assert c is not None and c.vertical_gap_m == (top + 999) * M_PER_FT - top * M_PER_FT


def test_sea_bands_that_touch_are_separated_and_overlapping_ones_are_not() -> None:
    rules = Rules()
    area = Area.from_geojson({"type": "Point", "coordinates": [35.0, 34.0]}, {"radius_m": 3000})
    from interlock.model.notice import VerticalBand

    def sea(party: str, lo: float, hi: float) -> Volume:
        return Volume(
            Ref("notice", party),
            party,
            "sea",
            area,
            VerticalBand(lo, hi),
            T0,
            T0 + timedelta(hours=1),
        )

    assert check_pair(sea("blue", -50.0, 0.0), sea("red", -100.0, -50.0), rules) is None
    assert check_pair(sea("blue", -50.0, 0.0), sea("red", -100.0, -49.9), rules) is not None


def corridor_pair_at(gap_m: float) -> tuple[Volume, Volume]:
    """Two north-south corridors along meridians whose facing edges are `gap_m` apart
    at the equator (a meridian is a geodesic; the gap is measured by Geod.inv)."""

    def corridor(party: str, lon: float) -> Volume:
        area = Area.from_geojson(
            {"type": "LineString", "coordinates": [[lon, -0.05], [lon, 0.05]]},
            {"half_width_m": 1000.0},
        )
        from interlock.model.notice import VerticalBand

        return Volume(
            Ref("notice", party),
            party,
            "air",
            area,
            VerticalBand(0.0, 3000.0),
            T0,
            T0 + timedelta(hours=1),
        )

    # centre lines 2 km + gap apart along the equator (exact geodesic on the ellipsoid)
    lon_b, _, _ = GEOD.fwd(10.0, 0.0, 90.0, 2000.0 + gap_m)
    return corridor("blue", 10.0), corridor("red", lon_b)


def test_horizontal_minimum_just_inside_and_just_outside() -> None:
    rules = Rules()
    h = 5 * M_PER_NM
    inside = check_pair(*corridor_pair_at(h - 0.5), rules)
    assert inside is not None and abs(inside.horizontal_distance_m - (h - 0.5)) < 0.05
    assert check_pair(*corridor_pair_at(h + 0.5), rules) is None


# ---- tactical: live tracks ---------------------------------------------------------------


def level_pair(
    alt_a: float, alt_b: float, lat: float = 46.5, gap_m: float = 0.0, kt: float = 450.0
) -> TrackStates:
    """Two aircraft of different parties at one place flying north, or hovering `gap_m`
    apart east-west (not moving: parallel tracks on meridians converge)."""
    lon_b, lat_b, _ = GEOD.fwd(8.0, lat, 90.0, gap_m) if gap_m else (8.0, lat, 0.0)
    return TrackStates(
        ids=np.array(["a", "b"], dtype=object),
        lon=np.array([8.0, lon_b]),
        lat=np.array([lat, lat_b]),
        alt_ft=np.array([alt_a, alt_b]),
        speed_kt=np.array([kt, kt]),
        course_deg=np.array([0.0, 0.0]),
        vrate_fpm=np.zeros(2),
        time=np.zeros(2),
        domain=np.array([AIR, AIR], np.int8),
        owner=np.array([0, 1], np.int32),
        owners=("blue", "red"),
    )


def conflicts(states: TrackStates) -> int:
    k = project(states, 0.0)
    found = scan(k, TACTICAL_AIR, TACTICAL_SEA)
    assert len(found) == len(scan_bruteforce(k, TACTICAL_AIR, TACTICAL_SEA))
    return len(found)


@settings(max_examples=200, deadline=None)
@given(fl=st.integers(min_value=10, max_value=590), lat=st.floats(-80.0, 80.0))
def test_aircraft_level_at_adjacent_flight_levels_are_separated(fl: int, lat: float) -> None:
    alt = fl * 100.0
    assert conflicts(level_pair(alt, alt + 1000.0, lat)) == 0
    assert conflicts(level_pair(alt + 1000.0, alt, lat)) == 0
    assert conflicts(level_pair(alt, alt + 999.0, lat)) == 1


def test_every_pair_of_adjacent_flight_levels_of_the_swiss_snapshots_kind() -> None:
    """The case found on real traffic: FL300-FL410 level pairs one above the other."""
    for fl in range(300, 410, 10):
        assert conflicts(level_pair(fl * 100.0, fl * 100.0 + 1000.0)) == 0


def test_tactical_horizontal_minimum_just_inside_and_outside() -> None:
    h = 5 * M_PER_NM
    assert conflicts(level_pair(20_000.0, 20_000.0, gap_m=h - 1.0, kt=0.0)) == 1
    assert conflicts(level_pair(20_000.0, 20_000.0, gap_m=h + 1.0, kt=0.0)) == 0


def test_sea_cpa_minimum_just_inside_and_outside() -> None:
    h = 2 * M_PER_NM

    def ships(gap_m: float) -> TrackStates:
        lon_b, lat_b, _ = GEOD.fwd(30.0, 34.0, 90.0, gap_m)
        return TrackStates(
            ids=np.array(["s1", "s2"], dtype=object),
            lon=np.array([30.0, lon_b]),
            lat=np.array([34.0, lat_b]),
            alt_ft=np.full(2, math.nan),
            speed_kt=np.zeros(2),  # moored: the gap stays what it is
            course_deg=np.zeros(2),
            vrate_fpm=np.zeros(2),
            time=np.zeros(2),
            domain=np.array([SEA, SEA], np.int8),
            owner=np.array([0, 1], np.int32),
            owners=("blue", "red"),
        )

    assert conflicts(ships(h - 1.0)) == 1
    assert conflicts(ships(h + 1.0)) == 0
