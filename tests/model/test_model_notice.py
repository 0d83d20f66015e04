"""Notices: parsing, bad input naming its field, limits, containment, round trips."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.errors import InvalidInput, RuleViolation
from interlock.geo.shapes import Area
from interlock.model.agreement import Rules
from interlock.model.notice import (
    MAX_TEXT,
    NoticeDraft,
    VerticalBand,
    check_limits,
    parse_notice,
)

NoticeFactory = Callable[..., dict[str, Any]]  # the make_notice fixture (conftest.py)
FT = 0.3048
T10 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def invalid(feature: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_notice(feature)
    return info.value


# ---- valid notices -------------------------------------------------------------------------
def test_air_notice_in_feet(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice(alt_lower_ft=500, alt_upper_ft=12_000))
    assert draft.domain == "air"
    assert draft.band == VerticalBand(500 * FT, 12_000 * FT)
    assert draft.band_input == {"alt_lower_ft": 500.0, "alt_upper_ft": 12_000.0}
    assert draft.start == T10 and draft.end == T10 + timedelta(hours=2)
    assert draft.area.shape == "circle" and draft.area.radius_m == 10_000.0
    assert draft.emission is None


def test_air_notice_in_flight_levels(make_notice: NoticeFactory) -> None:
    draft = parse_notice(
        make_notice(alt_lower_ft=None, alt_upper_ft=None, fl_lower=100, fl_upper=245)
    )
    assert draft.band is not None
    assert draft.band.lower_m == pytest.approx(10_000 * FT)
    assert draft.band.upper_m == pytest.approx(24_500 * FT)
    assert draft.band_input == {"fl_lower": 100.0, "fl_upper": 245.0}


def test_air_band_may_start_below_sea_level(make_notice: NoticeFactory) -> None:
    # Dead Sea airfields sit ~1,200 ft below sea level.
    draft = parse_notice(make_notice(alt_lower_ft=-1400, alt_upper_ft=0))
    assert draft.band == VerticalBand(-1400 * FT, 0.0)


def test_sea_notice_depths_become_negative_heights(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice("sea", depth_min_m=50, depth_max_m=300))
    assert draft.band == VerticalBand(-300.0, -50.0)
    assert draft.band_input == {"depth_min_m": 50.0, "depth_max_m": 300.0}


def test_emission_notice_has_no_band(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice("emission"))
    assert draft.band is None and draft.band_input == {}
    assert draft.emission is not None
    assert draft.emission.centre_freq_mhz == 2800.0
    assert draft.emission.eirp_dbm == 90.0


def test_times_with_offsets_are_stored_in_utc(make_notice: NoticeFactory) -> None:
    draft = parse_notice(
        make_notice(start="2026-12-01T12:00:00+02:00", end="2026-12-01T07:00:00-05:00")
    )
    assert draft.start == T10
    assert draft.end == T10 + timedelta(hours=2)
    assert draft.start.tzinfo == UTC


def test_optional_text_fields_are_kept(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice(callsign="VIPER 1", purpose="exercise", remarks=None))
    assert dict(draft.details) == {"callsign": "VIPER 1", "purpose": "exercise"}
    assert draft.properties()["callsign"] == "VIPER 1"


def test_unknown_properties_are_ignored(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice(colour="red"))
    assert "colour" not in draft.properties()


# ---- round trip through the stored Feature -------------------------------------------------
@pytest.mark.parametrize("domain", ["air", "sea", "emission"])
def test_feature_round_trip(make_notice: NoticeFactory, domain: str) -> None:
    draft = parse_notice(make_notice(domain, callsign="X1"))
    feature = json.loads(json.dumps(draft.to_feature()))
    assert parse_notice(feature) == draft
    props = feature["properties"]
    assert props["start"] == "2026-12-01T10:00:00Z"
    if draft.band is not None:
        assert props["lower_m"] == draft.band.lower_m and props["upper_m"] == draft.band.upper_m


def test_feature_round_trip_keeps_flight_levels(make_notice: NoticeFactory) -> None:
    draft = parse_notice(
        make_notice(alt_lower_ft=None, alt_upper_ft=None, fl_lower=50, fl_upper=90)
    )
    props = draft.to_feature()["properties"]
    assert props["fl_lower"] == 50.0 and "alt_lower_ft" not in props
    assert parse_notice(draft.to_feature()) == draft


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lower=st.floats(-1500, 150_000),
    thickness=st.floats(1.0, 50_000),
    hours=st.floats(0.01, 100),
    lon=st.floats(-180, 180),
    lat=st.floats(-90, 90),
)
def test_random_air_notice_round_trips(
    make_notice: NoticeFactory, lower: float, thickness: float, hours: float, lon: float, lat: float
) -> None:
    upper = min(lower + thickness, 200_000.0)
    end = T10 + timedelta(hours=hours)
    draft = parse_notice(
        make_notice(
            geometry={"type": "Point", "coordinates": [lon, lat]},
            alt_lower_ft=lower,
            alt_upper_ft=upper,
            end=end.isoformat(),
        )
    )
    assert draft.band is not None
    assert draft.band.lower_m < draft.band.upper_m
    assert parse_notice(json.loads(json.dumps(draft.to_feature()))) == draft


# ---- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("feature", "field"),
    [
        (None, "type"),
        ([], "type"),
        ({"type": "FeatureCollection", "features": []}, "type"),
        ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}, "properties"),
        ({"type": "Feature", "geometry": None, "properties": []}, "properties"),
    ],
)
def test_not_a_feature(feature: Any, field: str) -> None:
    assert invalid(feature).field == field


@pytest.mark.parametrize("domain", [None, "space", "AIR", "", 1])
def test_unknown_domain_is_refused(make_notice: NoticeFactory, domain: Any) -> None:
    feature = make_notice()
    if domain is None:
        del feature["properties"]["domain"]
    else:
        feature["properties"]["domain"] = domain
    err = invalid(feature)
    assert err.field == "properties.domain"


def test_geometry_errors_name_the_geometry(make_notice: NoticeFactory) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 1], [2, 0], [0, 1.5], [0, 0]]]}
    assert invalid(make_notice(geometry=bow_tie)).field == "geometry.coordinates"
    nan = json.loads('{"type": "Point", "coordinates": [NaN, 1]}')
    assert invalid(make_notice(geometry=nan)).field == "geometry.coordinates"
    assert invalid(make_notice(radius_m=None)).field == "properties.radius_m"


def test_missing_geometry_is_refused(make_notice: NoticeFactory) -> None:
    feature = make_notice()
    feature["geometry"] = None
    assert invalid(feature).field == "geometry"


@pytest.mark.parametrize("key", ["start", "end"])
def test_naive_times_are_refused(make_notice: NoticeFactory, key: str) -> None:
    err = invalid(make_notice(**{key: "2026-12-01T11:00:00"}))
    assert err.field == f"properties.{key}"
    assert "naive" in err.detail


@pytest.mark.parametrize("key", ["start", "end"])
def test_missing_or_bad_times_are_refused(make_notice: NoticeFactory, key: str) -> None:
    assert invalid(make_notice(**{key: None})).field == f"properties.{key}"
    assert invalid(make_notice(**{key: 1_764_583_200})).field == f"properties.{key}"
    assert invalid(make_notice(**{key: "noon"})).field == f"properties.{key}"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-12-01T12:00:00Z", "2026-12-01T10:00:00Z"),
        ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z"),
        ("2026-12-01T10:00:00Z", "2026-12-01T11:00:00+02:00"),  # 09:00Z: before the start
    ],
)
def test_end_must_be_after_start(make_notice: NoticeFactory, start: str, end: str) -> None:
    err = invalid(make_notice(start=start, end=end))
    assert err.field == "properties.end"


@pytest.mark.parametrize(("lower", "upper"), [(10_000, 10_000), (12_000, 10_000)])
def test_altitude_lower_must_be_below_upper(
    make_notice: NoticeFactory, lower: float, upper: float
) -> None:
    err = invalid(make_notice(alt_lower_ft=lower, alt_upper_ft=upper))
    assert err.field == "properties.alt_lower_ft"


@pytest.mark.parametrize(("lower", "upper"), [(100, 100), (300, 200)])
def test_flight_level_lower_must_be_below_upper(
    make_notice: NoticeFactory, lower: float, upper: float
) -> None:
    err = invalid(make_notice(alt_lower_ft=None, alt_upper_ft=None, fl_lower=lower, fl_upper=upper))
    assert err.field == "properties.fl_lower"


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"alt_lower_ft": None}, "properties.alt_lower_ft"),
        ({"alt_upper_ft": None}, "properties.alt_upper_ft"),
        ({"alt_lower_ft": "0"}, "properties.alt_lower_ft"),
        ({"alt_lower_ft": True}, "properties.alt_lower_ft"),
        ({"alt_upper_ft": float("inf")}, "properties.alt_upper_ft"),
        ({"alt_upper_ft": float("nan")}, "properties.alt_upper_ft"),
        ({"alt_lower_ft": -2001}, "properties.alt_lower_ft"),  # model.limits.MIN_ALT_FT - 1
        ({"alt_upper_ft": 200_001}, "properties.alt_upper_ft"),
        ({"alt_lower_ft": None, "alt_upper_ft": None, "fl_lower": 100}, "properties.fl_upper"),
        ({"alt_lower_ft": None, "alt_upper_ft": None, "fl_upper": 100}, "properties.fl_lower"),
        ({"fl_lower": -10, "fl_upper": 100}, "properties.fl_lower"),
        ({"fl_lower": 10, "fl_upper": 2001}, "properties.fl_upper"),
    ],
)
def test_bad_air_band_values(make_notice: NoticeFactory, props: dict[str, Any], field: str) -> None:
    assert invalid(make_notice(**props)).field == field


@pytest.mark.parametrize(("top", "bottom"), [(300, 50), (100, 100)])
def test_depth_band_must_not_be_inverted(
    make_notice: NoticeFactory, top: float, bottom: float
) -> None:
    err = invalid(make_notice("sea", depth_min_m=top, depth_max_m=bottom))
    assert err.field == "properties.depth_min_m"


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"depth_min_m": -5}, "properties.depth_min_m"),
        ({"depth_max_m": 11_001}, "properties.depth_max_m"),
        ({"depth_max_m": None}, "properties.depth_max_m"),
        ({"depth_min_m": False}, "properties.depth_min_m"),
    ],
)
def test_bad_depths(make_notice: NoticeFactory, props: dict[str, Any], field: str) -> None:
    assert invalid(make_notice("sea", **props)).field == field


def test_nan_from_json_in_properties_is_refused(make_notice: NoticeFactory) -> None:
    feature = make_notice()
    text = json.dumps(feature).replace('"alt_upper_ft": 10000', '"alt_upper_ft": NaN')
    parsed = json.loads(text)
    assert math.isnan(parsed["properties"]["alt_upper_ft"])
    err = invalid(parsed)
    assert err.field == "properties.alt_upper_ft"
    assert "finite" in err.detail


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"centre_freq_mhz": None}, "properties.centre_freq_mhz"),
        ({"centre_freq_mhz": 0}, "properties.centre_freq_mhz"),
        ({"bandwidth_mhz": 0}, "properties.bandwidth_mhz"),
        ({"eirp_dbm": 500}, "properties.eirp_dbm"),
        ({"antenna_height_m": "high"}, "properties.antenna_height_m"),
        # the bounds: 3 kHz - 300 GHz, bandwidth > 0, EIRP <= 120 dBm, no NaN
        ({"centre_freq_mhz": 0.002}, "properties.centre_freq_mhz"),
        ({"centre_freq_mhz": 300_001}, "properties.centre_freq_mhz"),
        ({"bandwidth_mhz": -1}, "properties.bandwidth_mhz"),
        ({"bandwidth_mhz": 6000}, "properties.bandwidth_mhz"),  # band below 0 Hz
        ({"eirp_dbm": 120.5}, "properties.eirp_dbm"),
        ({"eirp_dbm": float("nan")}, "properties.eirp_dbm"),
        ({"antenna_height_m": -5}, "properties.antenna_height_m"),
        ({"azimuth_deg": 90}, "properties.beamwidth_deg"),
        ({"azimuth_deg": 90, "beamwidth_deg": 0}, "properties.beamwidth_deg"),
        ({"azimuth_deg": -1, "beamwidth_deg": 3}, "properties.azimuth_deg"),
    ],
)
def test_bad_emission_values(make_notice: NoticeFactory, props: dict[str, Any], field: str) -> None:
    assert invalid(make_notice("emission", **props)).field == field


def test_bad_text_fields(make_notice: NoticeFactory) -> None:
    assert invalid(make_notice(callsign=42)).field == "properties.callsign"
    assert invalid(make_notice(remarks="x" * (MAX_TEXT + 1))).field == "properties.remarks"
    assert parse_notice(make_notice(remarks="x" * MAX_TEXT)).details == (
        ("remarks", "x" * MAX_TEXT),
    )


# ---- agreement limits ----------------------------------------------------------------------
def test_duration_over_the_limit_is_a_rule_violation(make_notice: NoticeFactory) -> None:
    rules = Rules(max_duration=timedelta(hours=2))
    check_limits(parse_notice(make_notice()), rules)  # exactly 2 h: allowed
    longer = parse_notice(make_notice(end="2026-12-01T12:00:01Z"))
    with pytest.raises(RuleViolation) as info:
        check_limits(longer, rules)
    assert info.value.field == "properties.end"
    assert info.value.code == "rule_violation"
    assert not isinstance(info.value, InvalidInput)


def test_area_over_the_limit_is_a_rule_violation(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice(radius_m=10_000))  # pi * 10^2 = 314.16 km2
    check_limits(draft, Rules(max_area_km2=math.pi * 100 * 1.01))
    with pytest.raises(RuleViolation) as info:
        check_limits(draft, Rules(max_area_km2=math.pi * 100 * 0.99))
    assert info.value.field == "geometry"
    assert "km2" in info.value.detail


def test_default_limits_allow_a_week_and_250000_km2(make_notice: NoticeFactory) -> None:
    week = parse_notice(make_notice(end="2026-12-08T10:00:00Z", radius_m=280_000))  # 246,000 km2
    check_limits(week, Rules())
    with pytest.raises(RuleViolation):
        check_limits(parse_notice(make_notice(radius_m=285_000)), Rules())  # 255,000 km2


def test_limits_apply_to_polygons_across_the_antimeridian(make_notice: NoticeFactory) -> None:
    # 1 x 1 deg at the equator across 180: about 12,300 km2.
    ring = [[179.5, 0.5], [-179.5, 0.5], [-179.5, -0.5], [179.5, -0.5], [179.5, 0.5]]
    draft = parse_notice(make_notice(geometry={"type": "Polygon", "coordinates": [ring]}))
    check_limits(draft, Rules(max_area_km2=12_500))
    with pytest.raises(RuleViolation):
        check_limits(draft, Rules(max_area_km2=12_000))


# ---- containment (amendments that only shrink) ---------------------------------------------
def draft_of(
    area: Area,
    band: tuple[float, float] | None = (0.0, 3000.0),
    start: datetime = T10,
    hours: float = 2.0,
    domain: str = "air",
) -> NoticeDraft:
    vb = VerticalBand(*band) if band is not None else None
    return NoticeDraft(domain, area, vb, {}, start, start + timedelta(hours=hours))


def circle(lon: float, lat: float, r: float) -> Area:
    return Area.from_geojson({"type": "Point", "coordinates": [lon, lat]}, {"radius_m": r})


def test_a_notice_contains_itself_and_smaller_ones() -> None:
    big = draft_of(circle(25.0, 60.0, 10_000))
    assert big.contains(big)
    assert big.contains(draft_of(circle(25.01, 60.01, 5_000)))
    assert big.contains(draft_of(circle(25.0, 60.0, 10_000), band=(500.0, 2500.0)))
    assert big.contains(
        draft_of(circle(25.0, 60.0, 10_000), start=T10 + timedelta(hours=1), hours=1)
    )


def test_a_notice_does_not_contain_a_larger_one_in_any_dimension() -> None:
    big = draft_of(circle(25.0, 60.0, 10_000))
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_100)))  # wider
    assert not big.contains(draft_of(circle(25.2, 60.0, 5_000)))  # moved out
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_000), band=(-10.0, 3000.0)))
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_000), band=(0.0, 3000.5)))
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_000), start=T10 - timedelta(seconds=1)))
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_000), hours=2.01))
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_000), domain="sea"))
    assert not big.contains(draft_of(circle(25.0, 60.0, 10_000), band=None, domain="air"))


def test_containment_across_the_antimeridian_and_near_a_pole() -> None:
    assert draft_of(circle(179.95, 0.0, 30_000)).contains(draft_of(circle(-179.95, 0.0, 5_000)))
    assert not draft_of(circle(179.95, 0.0, 30_000)).contains(draft_of(circle(-179.7, 0.0, 5_000)))
    cap = draft_of(circle(0.0, 90.0, 100_000))
    assert cap.contains(draft_of(circle(120.0, 89.5, 20_000)))
    assert not cap.contains(draft_of(circle(120.0, 89.2, 20_000)))


def test_polygon_contains_a_corridor_inside_it() -> None:
    square = Area.from_geojson(
        {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [11, 51], [10, 51], [10, 50]]]}
    )
    inner = Area.from_geojson(
        {"type": "LineString", "coordinates": [[10.2, 50.5], [10.8, 50.5]]}, {"half_width_m": 2_000}
    )
    outer = Area.from_geojson(
        {"type": "LineString", "coordinates": [[10.2, 50.5], [11.2, 50.5]]}, {"half_width_m": 2_000}
    )
    assert draft_of(square).contains(draft_of(inner))
    assert not draft_of(square).contains(draft_of(outer))
    assert not draft_of(inner).contains(draft_of(square))


def test_emissions_compare_without_bands() -> None:
    a = draft_of(circle(0.0, 0.0, 5_000), band=None, domain="emission")
    assert a.contains(draft_of(circle(0.0, 0.0, 4_000), band=None, domain="emission"))
    assert not a.contains(draft_of(circle(0.0, 0.0, 4_000), domain="emission"))


def test_vertical_gap() -> None:
    low, high = VerticalBand(0.0, 300.0), VerticalBand(600.0, 900.0)
    assert low.gap_m(high) == 300.0 == high.gap_m(low)
    assert VerticalBand(0.0, 500.0).gap_m(VerticalBand(400.0, 900.0)) == -100.0
    assert VerticalBand(0.0, 300.0).gap_m(VerticalBand(300.0, 900.0)) == 0.0
    nested = VerticalBand(0.0, 900.0).gap_m(VerticalBand(100.0, 200.0))
    assert nested < 0 and nested == VerticalBand(100.0, 200.0).gap_m(VerticalBand(0.0, 900.0))


def test_a_directional_emission_round_trips(make_notice: NoticeFactory) -> None:
    draft = parse_notice(make_notice("emission", azimuth_deg=360, beamwidth_deg=2.5))
    assert draft.emission is not None
    assert (draft.emission.azimuth_deg, draft.emission.beamwidth_deg) == (0.0, 2.5)
    again = parse_notice(draft.to_feature())
    assert again.emission == draft.emission
    omni = parse_notice(make_notice("emission"))
    assert omni.emission is not None and omni.emission.azimuth_deg is None
    assert "azimuth_deg" not in omni.to_feature()["properties"]
