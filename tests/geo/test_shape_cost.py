"""What one shape may cost (geo.limits): each limit just under, at and just over, and
random shapes up to the limits either refused with a 4xx error or bounded in their work.

The work is counted, not timed: the 2 km pieces densification makes (checked against
densify() itself, an independent count) and a corridor's overlap score.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.errors import InterlockError, PayloadTooLarge, RuleViolation
from interlock.geo.limits import BOX_PIECE_M, ShapeLimits, boundary_pieces, path_overlap
from interlock.geo.shapes import Area, densify


def line(coords: list[list[float]], half_width_m: float = 1000.0) -> tuple[Any, Any]:
    return {"type": "LineString", "coordinates": coords}, {"half_width_m": half_width_m}


def square(lon: float, lat: float, side: float) -> list[list[float]]:
    return [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]


def zigzag(n: int, seed: int = 1) -> list[list[float]]:
    """The probe's kind of corridor: back and forth across 0.5 deg, crossing itself."""
    rnd = random.Random(seed)
    return [[round(30 + (i % 2) * 0.5, 6), round(34 + rnd.random() * 0.5, 6)] for i in range(n)]


def lawnmower(legs: int, spacing_m: float, leg_m: float = 50_000.0) -> list[list[float]]:
    """A search pattern: parallel legs spacing_m apart (near the equator, 1 deg ~ 111 km)."""
    out = []
    for k in range(legs):
        y = k * spacing_m / 110_574.0
        x0, x1 = (0.0, leg_m / 111_320.0) if k % 2 == 0 else (leg_m / 111_320.0, 0.0)
        out += [[x0, y], [x1, y]]
    return out


# ---- positions and rings: counted before parsing -----------------------------------------
def test_positions_in_all_rings_at_and_over_the_limit() -> None:
    limits = ShapeLimits(max_positions=10)
    outer, hole = square(10.0, 50.0, 1.0), square(10.4, 50.4, 0.1)
    Area.from_geojson({"type": "Polygon", "coordinates": [outer, hole]}, None, limits)  # 10
    with pytest.raises(PayloadTooLarge) as info:
        Area.from_geojson(
            {"type": "Polygon", "coordinates": [outer, [*hole[:-1], hole[0], hole[0]]]},
            None,
            limits,
        )
    assert info.value.http_status == 413
    assert str(info.value) == (
        "geometry.coordinates: 11 positions in all; the agreement allows 10 (rules.max_positions)"
    )


def test_positions_are_counted_before_they_are_parsed() -> None:
    # 6,000 garbage positions: refused for their number, not for the first bad one.
    with pytest.raises(PayloadTooLarge, match="6,000 positions in all"):
        Area.from_geojson({"type": "LineString", "coordinates": ["x"] * 6000}, {"half_width_m": 5})


def test_rings_at_and_over_the_limit() -> None:
    limits = ShapeLimits(max_rings=2)
    outer = square(10.0, 50.0, 1.0)
    holes = [square(10.1, 50.1, 0.1), square(10.5, 50.5, 0.1)]
    Area.from_geojson({"type": "Polygon", "coordinates": [outer, holes[0]]}, None, limits)
    with pytest.raises(PayloadTooLarge, match=r"3 rings; the agreement allows 2 \(rules.max_rings"):
        Area.from_geojson({"type": "Polygon", "coordinates": [outer, *holes]}, None, limits)


# ---- the 2 km pieces densification would make --------------------------------------------
@pytest.mark.parametrize(
    "coords",
    [
        [[0.0, 0.0], [0.9, 0.0]],  # 100.2 km along the equator
        [[179.5, 60.0], [-179.0, 61.0], [-179.0, 62.5]],  # across the antimeridian
        square(10.0, 50.0, 1.0),
    ],
)
def test_boundary_pieces_count_what_densify_makes(coords: list[list[float]]) -> None:
    arr = np.asarray(coords, dtype=float)
    assert boundary_pieces(arr) == len(densify(tuple(map(tuple, coords)), BOX_PIECE_M)) - 1


def test_boundary_pieces_just_under_at_and_over_the_limit() -> None:
    coords = [[0.0, 0.0], [0.9, 0.0]]  # 100,187 m: 51 pieces of 2 km
    assert boundary_pieces(np.asarray(coords)) == 51
    Area.from_geojson(*line(coords), ShapeLimits(max_boundary_pieces=52))
    Area.from_geojson(*line(coords), ShapeLimits(max_boundary_pieces=51))
    with pytest.raises(RuleViolation) as info:
        Area.from_geojson(*line(coords), ShapeLimits(max_boundary_pieces=50))
    assert str(info.value) == (
        "geometry.coordinates: the boundary is 51 pieces of 2 km; the agreement allows 50 "
        "(rules.max_boundary_pieces)"
    )


# ---- a corridor folding back over itself -------------------------------------------------
def test_overlap_of_ordinary_corridors_is_low() -> None:
    straight = np.array([[0.0, 0.0], [500_000.0, 0.0]])
    assert 2.0 <= path_overlap(straight, 5556.0, 20_000) <= 4.0
    route = np.array([[i * 40_000.0, (i % 3) * 10_000.0] for i in range(50)])
    assert path_overlap(route, 5556.0, 20_000) <= 4.0


def test_a_search_pattern_is_accepted_and_a_zigzag_refused() -> None:
    # Legs one corridor-width apart (2 x 1 km): covers the area with no gap.
    Area.from_geojson(*line(lawnmower(20, 2000.0)))
    # Legs 55 m apart under a 1 km half-width: each place covered ~36 times.
    with pytest.raises(RuleViolation) as info:
        Area.from_geojson(*line(lawnmower(20, 55.0)))
    assert info.value.field == "geometry.coordinates"
    assert "folds back over itself" in info.value.detail
    assert "the agreement allows 12 (rules.max_path_overlap)" in info.value.detail


def test_overlap_at_the_limit_is_accepted() -> None:
    coords = lawnmower(20, 2000.0)
    area = Area.from_geojson(*line(coords))
    score = path_overlap(np.asarray(area.own_core.coords), 1000.0, 20_000)
    Area.from_geojson(*line(coords), ShapeLimits(max_path_overlap=score))
    with pytest.raises(RuleViolation, match="max_path_overlap"):
        Area.from_geojson(*line(coords), ShapeLimits(max_path_overlap=score * 0.999))


def test_a_corridor_crossing_itself_is_refused() -> None:
    figure = [[30.0, 34.0], [30.5, 34.5], [30.5, 34.0], [30.0, 34.5]]  # crosses once
    with pytest.raises(RuleViolation, match="must not cross itself"):
        Area.from_geojson(*line(figure))


@pytest.mark.parametrize("n", [300, 1000])
def test_the_probes_zigzag_is_refused_before_any_buffering(n: int) -> None:
    # 300 vertices fold back (overlap ~100); 1,000 are also 26,000 pieces of 2 km long.
    with pytest.raises(RuleViolation, match=r"the agreement allows .* \(rules\.max_"):
        Area.from_geojson(*line(zigzag(n)))


def test_the_scenario_and_an_fir_sized_polygon_are_admitted() -> None:
    # A 4,999-vertex ring (a coastline-following FIR boundary), 600 km across.
    t = np.linspace(0, 2 * np.pi, 4999)[:-1]
    r = 2.7 + 0.05 * np.sin(40 * t)
    ring = np.c_[25 + r * np.cos(t), 35 + r * np.sin(t) * 0.8].tolist()
    area = Area.from_geojson({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    assert len(area.core) == 4999


# ---- random shapes up to the limits ------------------------------------------------------
LIMITS = ShapeLimits(max_positions=200, max_rings=4, max_boundary_pieces=3000)
positions = st.lists(
    st.tuples(st.floats(29.0, 31.0), st.floats(33.0, 35.0)).map(lambda p: [p[0], p[1]]),
    min_size=2,
    max_size=260,
)


@settings(max_examples=60, deadline=None)
@given(positions, st.floats(10.0, 50_000.0), st.sampled_from(["corridor", "polygon"]))
def test_random_shapes_are_refused_with_a_4xx_or_bounded_in_work(
    coords: list[list[float]], width: float, shape: str
) -> None:
    if shape == "polygon":
        geometry = {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}
        props: dict[str, Any] = {}
    else:
        geometry, props = line(coords, width)
    try:
        area = Area.from_geojson(geometry, props, LIMITS)
    except InterlockError as exc:
        assert 400 <= exc.http_status < 500
        assert exc.field is not None and exc.field.startswith("geometry")
        return
    # Accepted: every cost the limits bound is within them.
    assert len(area.core) + sum(len(h) for h in area.holes) <= LIMITS.max_positions
    assert len(densify(area.core, BOX_PIECE_M)) - 1 <= LIMITS.max_boundary_pieces
    if shape == "corridor":
        xy = np.asarray(area.own_core.coords)
        assert path_overlap(xy, width, LIMITS.max_boundary_pieces) <= LIMITS.max_path_overlap
        assert area.own_core.is_simple
        assert area.area_m2() > 0  # and buffering it is the bounded work the limits allow
