"""Hypothesis fuzzing of every GeoJSON input a party can post: notices (air, sea,
emission), protected assets with receivers, and own-force tracks. Whatever arrives, the
parsers answer with a value or InvalidInput naming a field, never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.errors import InvalidInput
from interlock.feeds.geojson import parse_own_forces
from interlock.model.asset import parse_asset
from interlock.model.notice import parse_notice
from interlock.model.track import Skip, TrackReport

NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, 2800.0, 35.0, 1.0]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=20))
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
POSITION = st.lists(NUMBERS, min_size=0, max_size=3)
GEOMETRY = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Point", "Polygon", "LineString", "MultiPoint", 7]),
            "coordinates": st.one_of(
                POSITION,
                st.lists(POSITION, max_size=5),
                st.lists(st.lists(POSITION, max_size=5), max_size=2),
                JSON,
            ),
        }
    ),
)
KEYS = [
    "domain", "start", "end", "radius_m", "half_width_m", "shape", "alt_lower_ft",
    "alt_upper_ft", "fl_lower", "fl_upper", "depth_min_m", "depth_max_m", "centre_freq_mhz",
    "bandwidth_mhz", "eirp_dbm", "antenna_height_m", "azimuth_deg", "beamwidth_deg", "kind",
    "name", "receiver", "freq_mhz", "gain_dbi", "noise_figure_db", "noise_floor_dbm",
    "criterion_db", "safety_of_life", "time", "alt_ft", "speed_kt", "course_deg", "callsign",
]  # fmt: skip
VALUES = st.one_of(
    SCALARS,
    st.sampled_from(["air", "sea", "emission", "radar", "circle", "orbit", "2026-12-01T10:00Z"]),
    st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=8),  # e.g. a receiver object
    JSON,
)
PROPERTIES = st.one_of(JSON, st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=14))
FEATURE = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"type": st.just("Feature"), "geometry": GEOMETRY, "properties": PROPERTIES},
        optional={"id": SCALARS},
    ),
)


def only_invalid_input(parse: Any, value: Any) -> None:
    try:
        parse(value)
    except InvalidInput as exc:
        assert exc.field and exc.detail  # says which field and why


@settings(max_examples=400, deadline=None)
@given(FEATURE)
def test_notice_parsing_never_fails_otherwise(feature: Any) -> None:
    only_invalid_input(parse_notice, feature)


@settings(max_examples=400, deadline=None)
@given(FEATURE)
def test_asset_parsing_never_fails_otherwise(feature: Any) -> None:
    only_invalid_input(parse_asset, feature)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries(
            {"type": st.just("FeatureCollection"), "features": st.lists(FEATURE, max_size=4)}
        ),
    )
)
def test_own_forces_give_reports_or_named_skips(doc: Any) -> None:
    try:
        out = list(parse_own_forces(doc, "blue"))
    except InvalidInput as exc:
        assert exc.field == "body"
        return
    for x in out:
        assert isinstance(x, TrackReport | Skip)
        if isinstance(x, Skip):
            assert x.reason and x.where.startswith("features[")
        else:
            assert x.owner == "blue" and x.has_position
