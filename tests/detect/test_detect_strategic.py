"""Strategic detection of single pairs: each rule at and around its boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geodesic_truth import GEOD

from interlock.detect.strategic import Volume, check_pair, detect
from interlock.geo.shapes import Area
from interlock.model.agreement import Rules, Separation
from interlock.model.conflict import Ref
from interlock.model.notice import VerticalBand

FT = 0.3048
NM = 1852.0
T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)
RA, RB = 2_000.0, 3_000.0
PLACES = [(25.0, 60.0), (179.99, -16.0), (-179.95, 72.0), (40.0, 85.0), (0.0, -89.5)]


def circle(lon: float, lat: float, r: float) -> Area:
    return Area.from_geojson({"type": "Point", "coordinates": [lon, lat]}, {"radius_m": r})


def pair_at_gap(
    gap_m: float, lon: float = 25.0, lat: float = 60.0, az: float = 70.0
) -> tuple[Area, Area]:
    """Two circles whose geodesic gap (centres' distance less radii) is gap_m."""
    lon_b, lat_b, _ = GEOD.fwd(lon, lat, az, RA + gap_m + RB)
    return circle(lon, lat, RA), circle(float(lon_b), float(lat_b), RB)


def vol(
    area: Area,
    party: str = "blue",
    *,
    domain: str = "air",
    band: tuple[float, float] = (0.0, 5000 * FT),
    start: datetime = T0,
    hours: float = 2.0,
    kind: str = "notice",
    ident: str = "x",
) -> Volume:
    return Volume(
        Ref(kind, ident),
        party,
        domain,
        area,
        VerticalBand(*band),
        start,
        start + timedelta(hours=hours),
    )


# ---- horizontal ----------------------------------------------------------------------------
@pytest.mark.parametrize(("lon", "lat"), PLACES)
def test_horizontal_minimum_boundary(lon: float, lat: float) -> None:
    rules = Rules()
    inside = pair_at_gap(5 * NM - 1.0, lon, lat)
    outside = pair_at_gap(5 * NM + 1.0, lon, lat)
    exactly = pair_at_gap(5 * NM, lon, lat)
    c = check_pair(vol(inside[0]), vol(inside[1], "red"), rules)
    assert c is not None
    assert c.horizontal_distance_m == pytest.approx(5 * NM - 1.0, abs=1e-3)
    assert c.horizontal_minimum_m == pytest.approx(5 * NM)
    assert check_pair(vol(outside[0]), vol(outside[1], "red"), rules) is None
    # Exactly at the minimum counts as kept (to unit round-off).
    assert check_pair(vol(exactly[0]), vol(exactly[1], "red"), rules) is None


def test_worst_point_is_midway_in_the_gap() -> None:
    a, b = pair_at_gap(4_000.0, 179.99, -16.0, az=90.0)
    c = check_pair(vol(a), vol(b, "red"), Rules())
    assert c is not None
    _, _, from_a = GEOD.inv(179.99, -16.0, c.worst_lon, c.worst_lat)
    assert float(from_a) == pytest.approx(RA + 2_000.0, abs=1.0)


def test_zero_horizontal_minimum_still_catches_overlap() -> None:
    rules = Rules(separation={"air": Separation(0.0, 300.0), "sea": Separation(0.0, 0.0)})
    a, b = pair_at_gap(-100.0)  # overlapping by 100 m
    assert check_pair(vol(a), vol(b, "red"), rules) is not None
    a, b = pair_at_gap(1.0)
    assert check_pair(vol(a), vol(b, "red"), rules) is None


# ---- vertical ------------------------------------------------------------------------------
def test_vertical_minimum_boundary_in_feet() -> None:
    a, b = pair_at_gap(-500.0)  # overlapping areas: only height decides
    low = (0.0, 5000 * FT)
    assert check_pair(vol(a, band=low), vol(b, "red", band=(6000 * FT, 9000 * FT)), Rules()) is None
    c = check_pair(vol(a, band=low), vol(b, "red", band=(5999 * FT, 9000 * FT)), Rules())
    assert c is not None
    assert c.vertical_gap_m == pytest.approx(999 * FT)
    assert c.vertical_minimum_m == pytest.approx(1000 * FT)


def test_flight_levels_exactly_1000_ft_apart_are_separated() -> None:
    a, b = pair_at_gap(-500.0)
    fl = 100 * FT
    assert (
        check_pair(
            vol(a, band=(50 * fl, 100 * fl)), vol(b, "red", band=(110 * fl, 150 * fl)), Rules()
        )
        is None
    )
    assert (
        check_pair(
            vol(a, band=(50 * fl, 100 * fl)), vol(b, "red", band=(109 * fl, 150 * fl)), Rules()
        )
        is not None
    )


def test_sea_depth_bands_conflict_only_when_they_overlap() -> None:
    a, b = pair_at_gap(-500.0)
    shallow = vol(a, domain="sea", band=(-100.0, 0.0))
    assert check_pair(shallow, vol(b, "red", domain="sea", band=(-200.0, -100.0)), Rules()) is None
    c = check_pair(shallow, vol(b, "red", domain="sea", band=(-200.0, -99.0)), Rules())
    assert c is not None and c.vertical_gap_m == 0.0


# ---- time ----------------------------------------------------------------------------------
def test_windows_closer_than_the_time_buffer_conflict() -> None:
    a, b = pair_at_gap(-500.0)
    first = vol(a, hours=1.0)  # 10:00-11:00
    near = vol(b, "red", start=T0 + timedelta(minutes=74))  # 14 min after
    c = check_pair(first, near, Rules())
    assert c is not None
    assert c.time_gap_s == 14 * 60
    assert (c.window_start, c.window_end) == (T0 + timedelta(hours=1), T0 + timedelta(minutes=74))
    assert c.severity == "minor"
    at_buffer = vol(b, "red", start=T0 + timedelta(minutes=75))
    assert check_pair(first, at_buffer, Rules()) is None
    assert check_pair(first, near, Rules(time_buffer=timedelta(minutes=10))) is None


def test_back_to_back_windows_without_buffer_are_separated() -> None:
    a, b = pair_at_gap(-500.0)
    rules = Rules(time_buffer=timedelta(0))
    assert (
        check_pair(vol(a, hours=1.0), vol(b, "red", start=T0 + timedelta(hours=1)), rules) is None
    )
    c = check_pair(vol(a, hours=1.0), vol(b, "red", start=T0 + timedelta(minutes=59)), rules)
    assert c is not None
    assert (c.window_start, c.window_end) == (T0 + timedelta(minutes=59), T0 + timedelta(hours=1))
    assert c.time_gap_s == 0.0


# ---- parties, domains, assets ----------------------------------------------------------------
def test_a_party_never_conflicts_with_itself() -> None:
    a, b = pair_at_gap(-1000.0)
    assert check_pair(vol(a), vol(b), Rules()) is None


def test_mixed_air_and_sea_take_the_larger_minima() -> None:
    a, b = pair_at_gap(3 * NM)
    sea_a = vol(a, domain="sea", band=(-100.0, 0.0))
    sea_b = vol(b, "red", domain="sea", band=(-100.0, 0.0))
    assert check_pair(sea_a, sea_b, Rules()) is None  # 3 NM > 2 NM at sea
    air_b = vol(b, "red", band=(0.0, 900 * FT))
    c = check_pair(sea_a, air_b, Rules())  # air minima: 5 NM and 1000 ft
    assert c is not None
    assert c.horizontal_minimum_m == pytest.approx(5 * NM)
    assert c.vertical_minimum_m == pytest.approx(1000 * FT)


def test_an_asset_takes_the_domain_of_what_it_is_checked_against() -> None:
    a, b = pair_at_gap(3 * NM)
    base = vol(a, "green", domain="air", band=(-11_000.0, 60_000.0), kind="asset")
    sea = vol(b, "red", domain="sea", band=(-50.0, 0.0))
    air = vol(b, "red", domain="air", band=(0.0, 3000.0))
    assert check_pair(base, sea, Rules()) is None  # sea minimum: 2 NM
    assert check_pair(sea, base, Rules()) is None
    assert check_pair(base, air, Rules()) is not None  # air minimum: 5 NM
    assert check_pair(air, base, Rules()) is not None


# ---- severity ------------------------------------------------------------------------------
def test_severity_grades() -> None:
    rules = Rules()
    a, b = pair_at_gap(-100.0)
    critical = check_pair(vol(a), vol(b, "red"), rules)
    assert critical is not None and critical.severity == "critical"
    assert critical.horizontal_distance_m == 0.0
    a, b = pair_at_gap(0.4 * 5 * NM)
    major = check_pair(vol(a), vol(b, "red", band=(5100 * FT, 9000 * FT)), rules)
    assert major is not None and major.severity == "major"
    a, b = pair_at_gap(0.8 * 5 * NM)
    minor = check_pair(vol(a), vol(b, "red"), rules)
    assert minor is not None and minor.severity == "minor"


# ---- detect over candidates ----------------------------------------------------------------
def test_detect_reports_each_conflicting_candidate_of_other_parties() -> None:
    new_area, far = pair_at_gap(20 * NM)
    _, near = pair_at_gap(1 * NM)
    new = vol(new_area, ident="new")
    candidates = [
        vol(near, "red", ident="c1"),
        vol(far, "red", ident="c2"),
        vol(near, "blue", ident="c3"),  # same party
        vol(near, "green", ident="c4"),
    ]
    found = detect(new, candidates, Rules())
    assert [c.b.id for c in found] == ["c1", "c4"]
    assert all(c.a.id == "new" and c.a_party == "blue" for c in found)
    assert detect(new, [], Rules()) == []
