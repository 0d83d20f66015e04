"""Lon/lat boxes for the spatial index, and growing them by a distance.

Growing a box by a margin analytically costs microseconds, where re-buffering the area
costs a fraction of a millisecond; the bound is conservative on the WGS84 ellipsoid:
- latitude: the meridian radius of curvature M is at least a(1 - e^2), so a move of d
  metres changes latitude by at most d / (a(1 - e^2)) radians;
- longitude: the parallel radius N cos(phi) is at least a cos(phi) (N >= a), so along any
  path that stays equatorward of phi_max, longitude changes by at most
  d / (a cos(phi_max)) radians.
Near a pole (POLE_CAP_DEG) a grown box simply takes every longitude.
"""

from __future__ import annotations

import math

from ..errors import InvalidInput
from .earth import WGS84_A_M, WGS84_E2

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
POLE_CAP_DEG = 89.0
_SAFETY = 1.000001  # covers float round-off in the bounds themselves


def split_at_antimeridian(lo: float, min_lat: float, hi: float, max_lat: float) -> list[Box]:
    """Boxes in [-180, 180] for a continuous longitude range lo..hi (lo <= hi)."""
    if hi - lo >= 360.0:
        return [(-180.0, min_lat, 180.0, max_lat)]
    if lo < -180.0:
        return [(lo + 360.0, min_lat, 180.0, max_lat), (-180.0, min_lat, hi, max_lat)]
    if hi > 180.0:
        return [(lo, min_lat, 180.0, max_lat), (-180.0, min_lat, hi - 360.0, max_lat)]
    return [(lo, min_lat, hi, max_lat)]


def grow_range(lo: float, min_lat: float, hi: float, max_lat: float, margin_m: float) -> list[Box]:
    """Boxes holding every point within margin_m of the continuous range lo..hi."""
    d_lat = math.degrees(margin_m / (WGS84_A_M * (1.0 - WGS84_E2))) * _SAFETY
    lo_lat, hi_lat = max(min_lat - d_lat, -90.0), min(max_lat + d_lat, 90.0)
    extreme = max(abs(lo_lat), abs(hi_lat))
    if extreme >= POLE_CAP_DEG:
        return [(-180.0, lo_lat, 180.0, hi_lat)]
    d_lon = math.degrees(margin_m / (WGS84_A_M * math.cos(math.radians(extreme)))) * _SAFETY
    return split_at_antimeridian(lo - d_lon, lo_lat, hi + d_lon, hi_lat)


def grow_boxes(boxes: list[Box], margin_m: float) -> list[Box]:
    """Boxes that hold every point within margin_m of any point of the given boxes."""
    if margin_m <= 0.0:
        return list(boxes)
    if len(boxes) == 2:  # a pair split at the antimeridian: grow it as one range
        (a0, a1, a2, a3), (b0, b1, b2, b3) = sorted(boxes, key=lambda b: -b[0])
        if a2 >= 180.0 and b0 <= -180.0 and (a1, a3) == (b1, b3):
            return grow_range(a0, a1, b2 + 360.0, a3, margin_m)
    out: list[Box] = []
    for min_lon, min_lat, max_lon, max_lat in boxes:
        out.extend(grow_range(min_lon, min_lat, max_lon, max_lat, margin_m))
    return out


def parse_bbox(text: str | None) -> Box | None:
    """A `bbox` query (min_lon,min_lat,max_lon,max_lat; min_lon > max_lon crosses the
    antimeridian), InvalidInput naming `bbox` when it is not one; None for none."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(v == v and abs(v) != float("inf") for v in values):
        raise InvalidInput("bbox is min_lon,min_lat,max_lon,max_lat (4 numbers)", field="bbox")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise InvalidInput("bbox longitudes must lie in [-180, 180]", field="bbox")
    if not (-90 <= min_lat <= max_lat <= 90):
        raise InvalidInput("bbox latitudes must lie in [-90, 90], min <= max", field="bbox")
    return min_lon, min_lat, max_lon, max_lat  # min_lon > max_lon: crosses the antimeridian
