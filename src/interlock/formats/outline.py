"""A notice's area as one polygon ring, for formats that have no circle or corridor (KML;
F3548 for corridors and orbits).

The widened shapes (circle, corridor, orbit) go out as the polygon of their buffer with
QUAD_SEGS segments a quarter circle, drawn OUTSIDE the arcs (each vertex pushed out by
1/cos(pi/4q)): the polygon contains the declared area and exceeds it by at most
r * (1/cos(pi/64) - 1), 0.12 % of the radius or half-width (12 m at 10 km). A format
read back therefore never shrinks a volume: a safety system errs wide.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..geo.shapes import Area, Coords

QUAD_SEGS = 16
OUTSIDE = 1.0 / math.cos(math.pi / (4 * QUAD_SEGS))
WIDEN_AT_MOST = OUTSIDE - 1.0  # the relative widening of r, stated for tests and docs


def rings(area: Area) -> tuple[Coords, ...]:
    """Closed lon/lat rings: a polygon's own (exterior, then holes), else the widened
    shape's outline drawn outside its arcs."""
    if area.shape == "polygon":
        return (area.core, *area.holes)
    outer = replace(area, radius_m=area.radius_m * OUTSIDE)
    ring = outer.outline_lonlat(QUAD_SEGS).exterior.coords
    # outline_lonlat may run past 180 across the antimeridian: back into [-180, 180)
    return (tuple((float((x + 180.0) % 360.0 - 180.0), float(y)) for x, y in ring),)
