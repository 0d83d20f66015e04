"""The Earth's figure: every ellipsoid and radius constant interlock uses, with its source.

One home, so the local frames, tactical kinematics and the spectrum arena cannot drift
apart. Exact geodesic distances use ``pyproj.Geod`` on the same WGS84 ellipsoid.
"""

from __future__ import annotations

import math

from pyproj import Geod

# WGS84 (NIMA TR8350.2, table 3.1): semi-major axis and flattening, by definition.
WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)  # first eccentricity squared, 6.69437999014e-3
WGS84 = Geod(a=WGS84_A_M, f=WGS84_F)

# IUGG mean Earth radius R1 = (2a + b) / 3 (Moritz, Geodetic Reference System 1980):
# great-circle distances and bearings on the sphere (spectrum path geometry).
MEAN_RADIUS_M = 6_371_008.8

# ITU-R P.452-17 §4.3 / P.526-15 §3: the Earth radius the propagation formulas are
# stated with (the effective radius is k times it).
ITU_R_EARTH_RADIUS_M = 6_371_000.0


def radii_of_curvature(lat_deg: float) -> tuple[float, float]:
    """Meridional (M) and prime-vertical (N) radii of curvature of WGS84 at a latitude."""
    s2 = math.sin(math.radians(lat_deg)) ** 2
    w = 1.0 - WGS84_E2 * s2
    return WGS84_A_M * (1.0 - WGS84_E2) / w**1.5, WGS84_A_M / math.sqrt(w)
