"""Local metric frames, centres and exact geodesic helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from geodesic_truth import GEOD
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.geo.frame import (
    LocalFrame,
    centre_of,
    geodesic_distance_m,
    local_radius_m,
    wrap_lon,
)

lons = st.floats(-180.0, 180.0)
lats = st.floats(-90.0, 90.0)


def test_local_radius_is_semi_minor_axis_at_equator_and_a2_over_b_at_poles() -> None:
    # sqrt(M N): at the equator M = a(1-e^2) = b^2/a and N = a, so sqrt(M N) = b;
    # at a pole M = N = a^2/b.
    assert local_radius_m(0.0) == pytest.approx(GEOD.b, abs=1e-3)
    assert local_radius_m(90.0) == pytest.approx(GEOD.a**2 / GEOD.b, abs=1e-3)
    assert local_radius_m(-90.0) == pytest.approx(GEOD.a**2 / GEOD.b, abs=1e-3)
    assert local_radius_m(0.0) < local_radius_m(45.0) < local_radius_m(90.0)


def test_geodesic_distance_is_exact() -> None:
    # One degree of latitude at the equator is 110,574.4 m on WGS84; 1 arc-minute of
    # latitude at 45 deg is about one nautical mile (1,852 m).
    assert geodesic_distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(110_574.4, abs=0.1)
    assert geodesic_distance_m(7.0, 44.9916667, 7.0, 45.0083333) == pytest.approx(1852.0, rel=2e-3)
    assert geodesic_distance_m(179.5, 0.0, -179.5, 0.0) == pytest.approx(111_319.5, abs=0.1)


@pytest.mark.parametrize(
    ("lon", "expected"),
    [
        (0.0, 0.0),
        (180.0, -180.0),
        (-180.0, -180.0),
        (190.0, -170.0),
        (-190.0, 170.0),
        (540.0, -180.0),
        (359.5, -0.5),
    ],
)
def test_wrap_lon(lon: float, expected: float) -> None:
    assert float(wrap_lon(lon)) == pytest.approx(expected)


def test_wrap_lon_is_vectorised() -> None:
    out = wrap_lon(np.array([181.0, -181.0, 10.0]))
    assert np.allclose(out, [-179.0, 179.0, 10.0])


def test_centre_across_antimeridian_is_on_it_not_at_greenwich() -> None:
    lon, lat = centre_of(np.array([179.0, -179.0]), np.array([10.0, 10.0]))
    assert abs(abs(lon) - 180.0) < 1e-9
    assert lat == pytest.approx(10.0, abs=0.01)


def test_centre_of_points_round_a_pole_is_the_pole() -> None:
    _, lat = centre_of(np.array([0.0, 90.0, 180.0, -90.0]), np.array([80.0, 80.0, 80.0, 80.0]))
    assert lat == 90.0
    _, lat_s = centre_of(np.array([0.0, 120.0, -120.0]), np.array([-85.0, -85.0, -85.0]))
    assert lat_s == pytest.approx(-90.0, abs=1e-9)


def test_frame_axes_point_east_and_north() -> None:
    frame = LocalFrame(20.0, 60.0)
    x0, y0 = frame.forward(np.array(20.0), np.array(60.0))
    assert abs(float(x0)) < 1e-6 and abs(float(y0)) < 1e-6
    xn, yn = frame.forward(np.array(20.0), np.array(60.1))
    assert abs(float(xn)) < 1e-6 and float(yn) > 0
    xe, ye = frame.forward(np.array(20.1), np.array(60.0))
    assert float(xe) > 0 and abs(float(ye)) < float(xe) / 100


def test_frame_at_antimeridian_has_no_seam() -> None:
    frame = LocalFrame(180.0, -16.0)
    xw, _ = frame.forward(np.array(179.9), np.array(-16.0))
    xe, _ = frame.forward(np.array(-179.9), np.array(-16.0))
    assert float(xw) < 0 < float(xe)
    assert float(xe - xw) == pytest.approx(
        geodesic_distance_m(179.9, -16.0, -179.9, -16.0), rel=4e-3
    )


@settings(max_examples=300, deadline=None)
@given(
    lon0=lons,
    lat0=lats,
    az=st.floats(0.0, 360.0),
    dist=st.floats(0.0, 2_500_000.0),
)
def test_frame_round_trip_and_true_distance_from_centre(
    lon0: float, lat0: float, az: float, dist: float
) -> None:
    lon, lat, _ = GEOD.fwd(lon0, lat0, az, dist)
    frame = LocalFrame(lon0, lat0)
    x, y = frame.forward(np.array(lon), np.array(lat))
    back_lon, back_lat = frame.inverse(x, y)
    _, _, err = GEOD.inv(float(lon), float(lat), float(back_lon), float(back_lat))
    assert err < 1e-3  # round trip to a millimetre
    # Distances from the centre are true on the osculating sphere: within the sphere's
    # departure from the ellipsoid (at most ~0.5 % over 2,500 km).
    assert math.hypot(float(x), float(y)) == pytest.approx(dist, rel=5e-3, abs=1e-3)


def test_frame_inverse_wraps_longitude() -> None:
    frame = LocalFrame(179.9, 0.0)
    lon, _ = frame.inverse(np.array(50_000.0), np.array(0.0))
    assert -180.0 <= float(lon) < 180.0
    assert float(lon) == pytest.approx(-179.65, abs=0.01)
