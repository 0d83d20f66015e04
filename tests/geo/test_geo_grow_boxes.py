"""geo.boxes.grow_boxes: growing index boxes by a distance must never lose a point."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from interlock.geo.boxes import grow_boxes, split_at_antimeridian

GEOD = Geod(ellps="WGS84")


def inside(
    lon: np.ndarray, lat: np.ndarray, boxes: list[tuple[float, float, float, float]]
) -> np.ndarray:
    ok = np.zeros(lon.shape, dtype=bool)
    for b in boxes:
        ok |= (lon >= b[0]) & (lon <= b[2]) & (lat >= b[1]) & (lat <= b[3])
    return ok


@settings(max_examples=300, deadline=None)
@given(
    lon=st.floats(-180, 180),
    lat=st.floats(-88.5, 88.5),
    width=st.floats(0.0, 3.0),
    height=st.floats(0.0, 1.0),
    margin=st.floats(1.0, 200_000.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_point_within_the_margin_stays_inside(
    lon: float, lat: float, width: float, height: float, margin: float, seed: int
) -> None:
    min_lat, max_lat = lat, min(lat + height, 89.0)
    boxes = split_at_antimeridian(lon, min_lat, lon + width, max_lat)
    rng = np.random.default_rng(seed)
    n = 400
    # Start points on the box edges and corners (the worst places), then move up to margin.
    u = np.where(rng.random(n) < 0.5, rng.integers(0, 2, n).astype(float), rng.random(n))
    start_lon = lon + width * u
    start_lon = (start_lon + 180.0) % 360.0 - 180.0
    start_lat = np.where(rng.random(n) < 0.5, min_lat, max_lat)
    az = rng.uniform(-180, 180, n)
    dist = margin * np.sqrt(rng.random(n))
    dist[:50] = margin  # the full distance, along every kind of azimuth
    end_lon, end_lat, _ = GEOD.fwd(start_lon, start_lat, az, dist)
    grown = grow_boxes(boxes, margin)
    ok = inside(np.asarray(end_lon), np.asarray(end_lat), grown)
    assert ok.all(), (boxes, grown, end_lon[~ok][:3], end_lat[~ok][:3])


def test_a_split_pair_grows_as_one_range() -> None:
    pair = split_at_antimeridian(179.0, 10.0, 181.0, 11.0)
    assert len(pair) == 2
    grown = grow_boxes(pair, 10_000.0)
    assert len(grown) == 2
    east = max(grown, key=lambda b: b[0])
    west = min(grown, key=lambda b: b[0])
    assert east[2] == 180.0 and east[0] < 179.0
    assert west[0] == -180.0 and west[2] > -179.0


def test_near_a_pole_every_longitude() -> None:
    (box,) = grow_boxes([(10.0, 88.0, 11.0, 88.5)], 100_000.0)
    assert (box[0], box[2]) == (-180.0, 180.0)
    assert box[1] < 88.0 and box[3] > 89.3


def test_zero_margin_changes_nothing() -> None:
    boxes = [(1.0, 2.0, 3.0, 4.0)]
    assert grow_boxes(boxes, 0.0) == boxes
