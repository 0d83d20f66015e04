"""Horizontal separation between two areas, exact on the ellipsoid.

Method: find the nearest points of the two cores in a local frame centred between them
(a ``TrueScaleFrame``: lengths near its centre true on the ellipsoid in every direction;
re-centred once on those points when they lie far from the first centre), then measure
the geodesic between them with Karney's algorithm and subtract both radii. The distance
function is flat at its minimum, so a small frame error in *where* the nearest points are
changes the reported distance only to second order (except along an arc the other area
is nearly equidistant from, where the frame's own anisotropy would choose: hence a frame
true to first order in every direction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely import ops

from .frame import WGS84, LocalFrame, TrueScaleFrame, centre_of
from .shapes import Area

RECENTRE_M = 200_000.0  # nearest points farther than this from the centre: re-centre once


@dataclass(frozen=True, slots=True)
class Separation:
    distance_m: float  # 0 when the areas touch or overlap
    worst_lon: float  # where the two areas come closest (or overlap)
    worst_lat: float


def _nearest(a: Area, b: Area, frame: LocalFrame) -> tuple[float, np.ndarray, np.ndarray, bool]:
    ga, gb = a.core_in(frame), b.core_in(frame)
    pa, pb = ops.nearest_points(ga, gb)
    touching = ga.intersects(gb)
    if touching:
        inter = ga.intersection(gb)
        if not inter.is_empty:
            p = inter.representative_point()
            pa = pb = p
    return float(pa.distance(pb)), np.array(pa.coords[0]), np.array(pb.coords[0]), touching


def far_apart(a: Area, b: Area, limit_m: float) -> bool:
    """True when the areas are certainly at least limit_m apart (a cheap exact bound).

    Each area lies within its reach of its centre, so by the triangle inequality their
    distance is at least centre distance - both reaches.
    """
    (lon_a, lat_a), (lon_b, lat_b) = a.centre(), b.centre()
    d = float(WGS84.inv(lon_a, lat_a, lon_b, lat_b)[2])
    return d - a.reach_m - b.reach_m >= limit_m


def separation(a: Area, b: Area) -> Separation:
    """Minimum geodesic distance between two areas and the point where it is worst."""
    if a.shape == "circle" and b.shape == "circle":
        return _circles(a, b)
    ca, cb = a.centre(), b.centre()
    frame = TrueScaleFrame(*centre_of(np.array([ca[0], cb[0]]), np.array([ca[1], cb[1]])))
    _, pa, pb, touching = _nearest(a, b, frame)
    mid = (pa + pb) / 2.0
    if not touching and float(np.hypot(*mid)) > RECENTRE_M:
        lon, lat = frame.inverse(mid[0], mid[1])
        frame = TrueScaleFrame(float(lon), float(lat))
        _, pa, pb, touching = _nearest(a, b, frame)
    (lon_a, lon_b), (lat_a, lat_b) = frame.inverse(
        np.array([pa[0], pb[0]]), np.array([pa[1], pb[1]])
    )
    if touching:
        return Separation(0.0, float(lon_a), float(lat_a))
    az, _, core_d = WGS84.inv(lon_a, lat_a, lon_b, lat_b)
    gap = core_d - a.radius_m - b.radius_m
    # The worst point: the middle of the gap (or of the overlap) along the geodesic.
    lon, lat, _ = WGS84.fwd(lon_a, lat_a, az, a.radius_m + gap / 2.0)
    return Separation(max(0.0, float(gap)), float(lon), float(lat))


def _circles(a: Area, b: Area) -> Separation:
    """Two discs: exact on the ellipsoid with no frame (centre distance less both radii)."""
    (lon_a, lat_a), (lon_b, lat_b) = a.core[0], b.core[0]
    az, _, d = WGS84.inv(lon_a, lat_a, lon_b, lat_b)
    if d == 0.0:
        return Separation(0.0, float(lon_a), float(lat_a))
    gap = d - a.radius_m - b.radius_m
    lon, lat, _ = WGS84.fwd(lon_a, lat_a, az, a.radius_m + gap / 2.0)
    return Separation(max(0.0, float(gap)), float(lon), float(lat))
