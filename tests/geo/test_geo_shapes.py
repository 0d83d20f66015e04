"""Area shapes: parsing GeoJSON, round trips, bad input, sizes and outlines."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from geodesic_truth import GEOD
from hypothesis import given, settings
from random_areas import Spec, area_specs

from interlock.errors import InterlockError, InvalidInput, PayloadTooLarge
from interlock.geo.shapes import MAX_EXTENT_M, Area

SQUARE = [[10.0, 50.0], [10.5, 50.0], [10.5, 50.3], [10.0, 50.3], [10.0, 50.0]]


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def line(*pts: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in pts]}


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def invalid(geometry: Any, props: dict[str, Any] | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        Area.from_geojson(geometry, props)
    return info.value


# ---- parsing each shape ------------------------------------------------------------------
def test_polygon_parses_with_its_ring_and_no_radius() -> None:
    area = Area.from_geojson(polygon(SQUARE))
    assert area.shape == "polygon"
    assert area.radius_m == 0.0
    assert area.core == tuple(tuple(p) for p in SQUARE)
    assert area.holes == ()


def test_polygon_with_a_hole_keeps_the_hole() -> None:
    hole = [[10.2, 50.1], [10.3, 50.1], [10.3, 50.2], [10.2, 50.2], [10.2, 50.1]]
    area = Area.from_geojson(polygon(SQUARE, hole))
    assert area.holes == (tuple(tuple(p) for p in hole),)
    solid = Area.from_geojson(polygon(SQUARE))
    # The hole is ~7.1 km x 11.1 km: the area shrinks by about that much.
    assert 70e6 < solid.area_m2() - area.area_m2() < 85e6


def test_circle_is_a_point_with_radius() -> None:
    area = Area.from_geojson(point(2.35, 48.85), {"radius_m": 9260})
    assert (area.shape, area.core, area.radius_m) == ("circle", ((2.35, 48.85),), 9260.0)


def test_corridor_is_a_line_with_half_width() -> None:
    area = Area.from_geojson(line((0, 0), (1, 0), (1, 1)), {"half_width_m": 5000})
    assert area.shape == "corridor"
    assert area.core == ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0))
    assert area.radius_m == 5000.0


def test_orbit_is_a_two_point_line_with_shape_and_radius() -> None:
    area = Area.from_geojson(line((5, 45), (5.5, 45)), {"shape": "orbit", "radius_m": 8000})
    assert (area.shape, area.radius_m) == ("orbit", 8000.0)
    assert len(area.core) == 2


def test_positions_may_carry_an_altitude() -> None:
    area = Area.from_geojson(
        line((5, 45, 1000), (5.5, 45, 2000)), {"shape": "orbit", "radius_m": 8000}
    )
    assert area.core == ((5.0, 45.0), (5.5, 45.0))


def test_integer_coordinates_are_numbers() -> None:
    area = Area.from_geojson(point(3, 4), {"radius_m": 100})
    assert area.core == ((3.0, 4.0),)


def test_explicit_polygon_and_circle_shapes_are_accepted() -> None:
    assert Area.from_geojson(polygon(SQUARE), {"shape": "polygon"}).shape == "polygon"
    assert Area.from_geojson(point(1, 1), {"shape": "circle", "radius_m": 5}).shape == "circle"


# ---- GeoJSON round trip ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("geometry", "props"),
    [
        (polygon(SQUARE), {}),
        (
            polygon(
                [[179.5, -16.0], [-179.5, -16.0], [-179.5, -17.0], [179.5, -17.0], [179.5, -16.0]]
            ),
            {},
        ),
        (point(-179.99, 71.5), {"radius_m": 20_000.5}),
        (line((170.0, 80.0), (-170.0, 80.0), (-150.0, 82.0)), {"half_width_m": 4000}),
        (line((0.0, 89.5), (180.0, 89.5)), {"shape": "orbit", "radius_m": 15000}),
    ],
)
def test_geojson_round_trip_is_exact(geometry: dict[str, Any], props: dict[str, Any]) -> None:
    area = Area.from_geojson(geometry, props)
    text = json.dumps(
        {"geometry": area.to_geojson_geometry(), "props": area.dimension_properties()}
    )
    again = json.loads(text)
    back = Area.from_geojson(again["geometry"], again["props"])
    assert back == area
    assert back.to_geojson_geometry() == area.to_geojson_geometry()
    assert back.dimension_properties() == area.dimension_properties()


@settings(max_examples=150, deadline=None)
@given(spec=area_specs())
def test_geojson_round_trip_of_random_areas(spec: Spec) -> None:
    area = Area.from_geojson(*spec)
    back = Area.from_geojson(area.to_geojson_geometry(), area.dimension_properties())
    assert back == area
    stored = Area.from_stored(area.to_geojson_geometry(), area.dimension_properties())
    assert stored == area
    assert back.dimension_properties()["shape"] == area.shape


def test_dimension_properties_name_the_width_by_shape() -> None:
    assert Area.from_geojson(polygon(SQUARE)).dimension_properties() == {"shape": "polygon"}
    assert Area.from_geojson(point(0, 0), {"radius_m": 3}).dimension_properties() == {
        "shape": "circle",
        "radius_m": 3.0,
    }
    corridor = Area.from_geojson(line((0, 0), (0, 1)), {"half_width_m": 7})
    assert corridor.dimension_properties() == {"shape": "corridor", "half_width_m": 7.0}


# ---- bad input: each names its field --------------------------------------------------------
def test_bow_tie_polygon_is_refused() -> None:
    # Lobes of unequal size: a self-intersection (a symmetric bow-tie has zero signed area
    # and is refused as empty, also naming the coordinates).
    bow_tie = [[0.0, 0.0], [2.0, 1.0], [2.0, 0.0], [0.0, 1.5], [0.0, 0.0]]
    err = invalid(polygon(bow_tie))
    assert err.field == "geometry.coordinates"
    assert "not valid" in err.detail
    assert "Self-intersection" in err.detail
    symmetric = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    assert invalid(polygon(symmetric)).field == "geometry.coordinates"


def test_bow_tie_across_the_antimeridian_is_refused() -> None:
    bow_tie = [[179.0, 0.0], [-179.0, 1.0], [-179.0, 0.0], [179.0, 1.5], [179.0, 0.0]]
    assert invalid(polygon(bow_tie)).field == "geometry.coordinates"


def test_zero_area_polygon_is_refused() -> None:
    flat = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 0.0]]
    err = invalid(polygon(flat))
    assert err.field == "geometry.coordinates"
    assert "zero area" in err.detail or "not valid" in err.detail


def test_polygon_of_one_repeated_point_is_refused() -> None:
    err = invalid(polygon([[1.0, 1.0]] * 4))
    assert err.field == "geometry.coordinates"


def test_empty_polygon_is_refused() -> None:
    assert invalid(polygon()).field == "geometry.coordinates"
    assert invalid({"type": "Polygon", "coordinates": [[]]}).field == "geometry.coordinates[0]"


def test_unclosed_ring_is_refused() -> None:
    err = invalid(polygon([*SQUARE[:-1], [10.0, 50.1]]))
    assert err.field == "geometry.coordinates[0]"
    assert "closed" in err.detail


def test_unclosed_hole_is_refused_naming_the_hole() -> None:
    hole = [[10.2, 50.1], [10.3, 50.1], [10.3, 50.2], [10.2, 50.2]]
    assert invalid(polygon(SQUARE, hole)).field == "geometry.coordinates[1]"


def test_ring_with_too_few_positions_is_refused() -> None:
    err = invalid(polygon([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]))
    assert err.field == "geometry.coordinates[0]"


@pytest.mark.parametrize(
    ("lon", "lat", "word"),
    [
        (180.000001, 0.0, "longitude"),
        (-181.0, 0.0, "longitude"),
        (0.0, 90.5, "latitude"),
        (0.0, -91.0, "latitude"),
    ],
)
def test_coordinates_out_of_range_are_refused(lon: float, lat: float, word: str) -> None:
    err = invalid(point(lon, lat), {"radius_m": 10})
    assert err.field == "geometry.coordinates"
    assert word in err.detail


def test_out_of_range_vertex_is_named_by_index() -> None:
    ring = [[0.0, 0.0], [1.0, 0.0], [1.0, 95.0], [0.0, 0.0]]
    assert invalid(polygon(ring)).field == "geometry.coordinates[0][2]"
    err = invalid(line((0, 0), (200, 0)), {"half_width_m": 10})
    assert err.field == "geometry.coordinates[1]"


def test_extreme_but_legal_coordinates_are_accepted() -> None:
    for lon, lat in [(180.0, 0.0), (-180.0, 0.0), (0.0, 90.0), (0.0, -90.0)]:
        assert Area.from_geojson(point(lon, lat), {"radius_m": 10}).core == ((lon, lat),)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_coordinates_from_json_are_refused(token: str) -> None:
    # Python's json module accepts these tokens and produces float('nan') / float('inf').
    geometry = json.loads(f'{{"type": "Point", "coordinates": [{token}, 10.0]}}')
    assert not math.isfinite(geometry["coordinates"][0])
    err = invalid(geometry, {"radius_m": 10})
    assert err.field == "geometry.coordinates"
    assert "finite" in err.detail
    ring = json.loads(
        f'{{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, {token}], [0, 0]]]}}'
    )
    assert invalid(ring).field == "geometry.coordinates[0][2]"


@pytest.mark.parametrize("coords", [[True, 10.0], [10.0, False], [True, True]])
def test_booleans_are_not_coordinates(coords: list[Any]) -> None:
    err = invalid({"type": "Point", "coordinates": coords}, {"radius_m": 10})
    assert err.field == "geometry.coordinates"
    assert "number" in err.detail


@pytest.mark.parametrize("coords", [[None, 1.0], [[1.0], 2.0], [{}, 0.0]])
def test_non_numbers_are_not_coordinates(coords: list[Any]) -> None:
    assert invalid({"type": "Point", "coordinates": coords}, {"radius_m": 1}).field == (
        "geometry.coordinates"
    )


@pytest.mark.parametrize("coords", [[1.0], [1.0, 2.0, 3.0, 4.0], "1,2", 5])
def test_position_must_have_two_or_three_numbers(coords: Any) -> None:
    err = invalid({"type": "Point", "coordinates": coords}, {"radius_m": 10})
    assert err.field == "geometry.coordinates"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("radius_m", None),
        ("radius_m", 0),
        ("radius_m", -5.0),
        ("radius_m", float("nan")),
        ("radius_m", float("inf")),
        ("radius_m", True),
        ("radius_m", "500"),
        ("radius_m", MAX_EXTENT_M + 1),
    ],
)
def test_circle_radius_must_be_a_positive_finite_bounded_number(key: str, value: Any) -> None:
    props = {} if value is None else {key: value}
    assert invalid(point(0, 0), props).field == f"properties.{key}"


def test_corridor_needs_its_half_width_and_two_distinct_positions() -> None:
    assert invalid(line((0, 0), (1, 0)), {}).field == "properties.half_width_m"
    assert invalid(line((0, 0), (1, 0)), {"radius_m": 5}).field == "properties.half_width_m"
    assert invalid(line((0, 0)), {"half_width_m": 5}).field == "geometry.coordinates"
    same = invalid(line((3, 3), (3, 3)), {"half_width_m": 5})
    assert same.field == "geometry.coordinates"
    assert "coincide" in same.detail


def test_orbit_needs_exactly_two_points_and_a_radius() -> None:
    three = line((0, 0), (1, 0), (2, 0))
    assert invalid(three, {"shape": "orbit", "radius_m": 5}).field == "geometry.coordinates"
    assert invalid(line((0, 0), (1, 0)), {"shape": "orbit"}).field == "properties.radius_m"


def test_unknown_shape_is_refused_naming_the_shape() -> None:
    err = invalid(polygon(SQUARE), {"shape": "hexagon"})
    assert err.field == "properties.shape"
    assert "hexagon" in err.detail


@pytest.mark.parametrize("gtype", ["MultiPolygon", "GeometryCollection", "Feature", None])
def test_unsupported_geometry_type_is_refused(gtype: Any) -> None:
    err = invalid({"type": gtype, "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
    assert err.field == "geometry.type"


@pytest.mark.parametrize(
    ("geometry", "shape"),
    [
        (point(0, 0), "corridor"),
        (polygon(SQUARE), "circle"),
        (point(0, 0), "orbit"),
        (line((0, 0), (1, 1)), "polygon"),
    ],
)
def test_shape_must_match_geometry_type(geometry: dict[str, Any], shape: str) -> None:
    err = invalid(geometry, {"shape": shape, "radius_m": 5, "half_width_m": 5})
    assert err.field == "geometry.type"


@pytest.mark.parametrize("geometry", [None, [], "POINT(0 0)", {"type": "Point"}])
def test_geometry_must_be_an_object_with_coordinates(geometry: Any) -> None:
    assert invalid(geometry, {"radius_m": 5}).field in ("geometry", "geometry.coordinates")


def test_too_many_positions_are_refused() -> None:
    path = [(i * 1e-4, 0.0) for i in range(5_001)]  # one over geo.limits' default
    with pytest.raises(PayloadTooLarge) as info:
        Area.from_geojson(line(*path), {"half_width_m": 5})
    assert info.value.field == "geometry.coordinates"
    assert "5,001 positions in all; the agreement allows 5,000" in info.value.detail


def test_area_larger_than_the_local_frame_allows_is_refused() -> None:
    # A 3,000 km corridor: its ends lie 1,500 km from the centre, plus a 1,100 km half-width.
    err = invalid(line((0.0, 0.0), (27.0, 0.0)), {"half_width_m": 1_100_000})
    assert err.field == "geometry.coordinates"
    assert "extends" in err.detail
    # ...while the same line with a narrow corridor is fine.
    Area.from_geojson(line((0.0, 0.0), (27.0, 0.0)), {"half_width_m": 1_000})


def test_invalid_input_is_an_interlock_error_with_code() -> None:
    err = invalid(point(0, 0), {})
    assert isinstance(err, InterlockError)
    assert err.code == "invalid_input"
    assert str(err).startswith("properties.radius_m: ")


# ---- long edges: densified vertices keep a ring closed ------------------------------------
def test_polygon_with_long_first_edge_near_a_pole_is_valid() -> None:
    # Edges longer than MAX_EDGE_M are densified. The first densified point must be the
    # first vertex exactly, or the ring opens by round-off and reads as self-intersecting.
    triangle = [
        [-73.49771266150003, 83.59522531235021],
        [-73.71938939775353, 82.90413087243404],
        [-80.96398667808081, 83.29865211361496],
        [-73.49771266150003, 83.59522531235021],
    ]
    area = Area.from_geojson(polygon(triangle))
    assert area.area_m2() > 1e9


@settings(max_examples=200, deadline=None)
@given(spec=area_specs())
def test_random_star_polygons_and_lines_are_accepted(spec: Spec) -> None:
    # Every generated area is a proper shape (star polygons are simple by construction).
    area = Area.from_geojson(*spec)
    assert area.area_m2() > 0


# ---- sizes against an independent geodesic area --------------------------------------------
# The frame is a sphere of radius sqrt(M N): widths across the meridian are up to 0.34 %
# narrow at the equator (M < sqrt(M N)), hence 0.4 % on widened areas.
@pytest.mark.parametrize(
    ("lon", "lat"), [(10.0, 45.0), (180.0, -30.0), (-100.0, 75.0), (0.0, 89.99)]
)
def test_circle_area_matches_geodesic_circle(lon: float, lat: float) -> None:
    radius = 40_000.0
    area = Area.from_geojson(point(lon, lat), {"radius_m": radius})
    az = np.linspace(0.0, 360.0, 720, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(720, lon), np.full(720, lat), az, np.full(720, radius))
    truth, _ = GEOD.polygon_area_perimeter(lons, lats)
    assert area.area_m2() == pytest.approx(abs(truth), rel=4e-3)


@pytest.mark.parametrize(
    "ring",
    [
        SQUARE,
        [[179.5, -16.0], [-179.5, -16.0], [-179.5, -17.0], [179.5, -17.0], [179.5, -16.0]],
        [[-20.0, 78.0], [-10.0, 78.0], [-10.0, 80.0], [-20.0, 80.0], [-20.0, 78.0]],
        [[0.0, 89.0], [90.0, 89.0], [180.0, 89.0], [-90.0, 89.0], [0.0, 89.0]],
    ],
)
def test_polygon_area_matches_geodesic_polygon(ring: list[list[float]]) -> None:
    area = Area.from_geojson(polygon(ring))
    lons, lats = np.array(ring).T
    truth, _ = GEOD.polygon_area_perimeter(lons, lats)
    assert area.area_m2() == pytest.approx(abs(truth), rel=2e-3)


def test_corridor_area_is_length_times_width_plus_round_ends() -> None:
    half = 5_000.0
    area = Area.from_geojson(line((20.0, 10.0), (21.0, 10.0)), {"half_width_m": half})
    _, _, length = GEOD.inv(20.0, 10.0, 21.0, 10.0)
    expected = length * 2 * half + math.pi * half**2
    assert area.area_m2() == pytest.approx(expected, rel=4e-3)


# ---- outlines for maps --------------------------------------------------------------------
def test_outline_across_antimeridian_is_continuous() -> None:
    area = Area.from_geojson(point(179.95, -17.0), {"radius_m": 30_000})
    outline = area.outline_lonlat()
    min_lon, _, max_lon, max_lat = outline.bounds
    assert max_lon - min_lon < 1.0  # not wrapped round the world
    assert min_lon < 180.0 < max_lon  # spans lon > 180 rather than jumping to -180
    assert outline.is_valid
    _, lat, _ = GEOD.fwd(179.95, -17.0, 0.0, 30_000.0)
    assert max_lat == pytest.approx(float(lat), abs=1e-3)


def test_centre_of_polygon_ignores_the_closing_vertex() -> None:
    # The closing vertex repeats the first: counted twice it would pull the centre west.
    area = Area.from_geojson(polygon(SQUARE))
    lon, lat = area.centre()
    assert lon == pytest.approx(10.25, abs=1e-3)
    assert lat == pytest.approx(50.15, abs=1e-2)
