"""Independent geodesic truth for testing the geometry core.

Nothing here imports ``interlock.geo``: areas are described by their raw GeoJSON input
(shape, coordinates, radius) and every distance is a WGS84 geodesic taken by
``pyproj.Geod`` (Karney) between points sampled along the areas' boundaries. Edges are
sampled by walking the WGS84 geodesic from each vertex (Geod.fwd), independently of the
core's densification and local frames. Overlap of the cores is decided in a gnomonic
projection (written out below), where great circles are straight lines. Geodesic and
great circle part by at most a few metres on the longest generated edges, and only a
containment that close to a boundary could be misjudged: then the boundary distance is
itself a few metres, so the answer is off by no more.

The minimum over samples is refined by a shrinking grid search around every sample pair
that could still hold the minimum, so the result is a distance actually achieved between
two points of the sets (an upper bound of the true minimum) and, in practice, within a
few centimetres of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")
SPHERE_R = 6_371_008.8  # only for the gnomonic overlap test, where scale does not matter


@dataclass(frozen=True)
class Core:
    """An area as given: shape, raw lon/lat positions and widening radius (metres)."""

    shape: str  # "polygon" | "circle" | "corridor" | "orbit"
    points: tuple[tuple[float, float], ...]  # polygon: closed exterior ring
    radius_m: float = 0.0
    holes: tuple[tuple[tuple[float, float], ...], ...] = field(default=())

    @classmethod
    def from_feature_parts(cls, geometry: dict[str, Any], props: dict[str, Any]) -> Core:
        coords = geometry["coordinates"]
        shape = (
            props.get("shape")
            or {
                "Polygon": "polygon",
                "Point": "circle",
                "LineString": "corridor",
            }[geometry["type"]]
        )
        if shape == "polygon":
            rings = [tuple((float(p[0]), float(p[1])) for p in r) for r in coords]
            return cls("polygon", rings[0], 0.0, tuple(rings[1:]))
        if shape == "circle":
            return cls("circle", ((float(coords[0]), float(coords[1])),), props["radius_m"])
        width = props["half_width_m"] if shape == "corridor" else props["radius_m"]
        return cls(shape, tuple((float(p[0]), float(p[1])) for p in coords), float(width))

    @cached_property
    def paths(self) -> tuple[GeodesicPath, ...]:
        """The boundary of the core set (for lines and points, the core itself)."""
        if self.shape == "polygon":
            return (GeodesicPath(self.points), *(GeodesicPath(h) for h in self.holes))
        return (GeodesicPath(self.points),)

    def vertices(self) -> np.ndarray:
        pts = list(self.points)
        for h in self.holes:
            pts.extend(h)
        return np.asarray(pts, dtype=float)


class GeodesicPath:
    """A polyline of WGS84 geodesic edges, parametrised by arc length."""

    def __init__(self, points: tuple[tuple[float, float], ...]) -> None:
        self.p = np.asarray(points, dtype=float)
        if len(self.p) == 1:
            self.az = np.zeros(0)
            self.cum = np.zeros(1)
        else:
            az, _, lengths = GEOD.inv(self.p[:-1, 0], self.p[:-1, 1], self.p[1:, 0], self.p[1:, 1])
            self.az = np.atleast_1d(np.asarray(az, dtype=float))
            self.cum = np.concatenate([[0.0], np.cumsum(np.atleast_1d(lengths))])

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    def at(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points at arc lengths s (clipped to the path)."""
        s = np.clip(np.asarray(s, dtype=float), 0.0, self.length)
        if len(self.p) == 1:
            return np.full(s.shape, self.p[0, 0]), np.full(s.shape, self.p[0, 1])
        k = np.clip(np.searchsorted(self.cum, s, side="right") - 1, 0, len(self.az) - 1)
        lon, lat, _ = GEOD.fwd(self.p[k, 0], self.p[k, 1], self.az[k], s - self.cum[k])
        return np.asarray(lon), np.asarray(lat)

    def samples(self, n: int) -> np.ndarray:
        """About n arc positions, evenly spread, always including every vertex."""
        if self.length == 0.0:
            return np.zeros(1)
        return np.union1d(np.linspace(0.0, self.length, max(n, 2)), self.cum)


def _pairwise(
    a: GeodesicPath, sa: np.ndarray, b: GeodesicPath, sb: np.ndarray
) -> np.ndarray:  # shape (len(sa), len(sb))
    lon_a, lat_a = a.at(sa)
    lon_b, lat_b = b.at(sb)
    la, lb = np.meshgrid(np.arange(len(sa)), np.arange(len(sb)), indexing="ij")
    _, _, d = GEOD.inv(lon_a[la].ravel(), lat_a[la].ravel(), lon_b[lb].ravel(), lat_b[lb].ravel())
    return np.asarray(d).reshape(la.shape)


@dataclass(frozen=True)
class Bounds:
    """The minimum geodesic distance between two path sets lies in [lower, upper]."""

    lower: float
    upper: float


def _coarse(a: GeodesicPath, b: GeodesicPath, n: int) -> tuple[np.ndarray, ...]:
    sa, sb = a.samples(n), b.samples(n)
    d = _pairwise(a, sa, b, sb)
    # Every point of a path lies within half the largest sample gap of a sample, along the
    # path; geodesic distance is 1-Lipschitz, so min over samples - slack <= true minimum.
    gap_a = float(np.max(np.diff(sa))) / 2 if len(sa) > 1 else 0.0
    gap_b = float(np.max(np.diff(sb))) / 2 if len(sb) > 1 else 0.0
    return sa, sb, d, np.array([gap_a, gap_b])


def path_bounds(a: GeodesicPath, b: GeodesicPath, n: int = 160) -> Bounds:
    """Rigorous bounds from one dense sampling (cheap; used to skip refinement)."""
    _, _, d, gaps = _coarse(a, b, n)
    upper = float(d.min())
    return Bounds(max(0.0, upper - float(gaps.sum())), upper)


def path_distance(a: GeodesicPath, b: GeodesicPath, n: int = 160, keep: int = 48) -> float:
    """Minimum geodesic distance between two paths: dense sampling, then local refinement.

    Every sample pair whose distance is within the sampling slack of the best is a
    candidate (the `keep` closest of them are refined): a 9x9 grid of arc positions around
    the pair, re-centred on its best point and shrunk, down to millimetres.
    """
    sa, sb, d, gaps = _coarse(a, b, n)
    best = float(d.min())
    i, j = np.nonzero(d <= best + float(gaps.sum()))
    order = np.argsort(d[i, j])[:keep]
    ca, cb = sa[i[order]], sb[j[order]]
    wa, wb = max(gaps[0], 1e-3) * 2, max(gaps[1], 1e-3) * 2
    grid = np.linspace(-1.0, 1.0, 9)
    for _ in range(40):
        shape = (len(ca), len(grid), len(grid))
        pa = np.clip(
            np.broadcast_to(ca[:, None, None] + wa * grid[None, :, None], shape), 0, a.length
        )
        pb = np.clip(
            np.broadcast_to(cb[:, None, None] + wb * grid[None, None, :], shape), 0, b.length
        )
        lon_a, lat_a = a.at(pa.ravel())
        lon_b, lat_b = b.at(pb.ravel())
        dd = np.asarray(GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2]).reshape(len(ca), -1)
        k = np.argmin(dd, axis=1)
        rows = np.arange(len(ca))
        ca, cb = pa.reshape(len(ca), -1)[rows, k], pb.reshape(len(cb), -1)[rows, k]
        best = min(best, float(dd.min()))
        wa, wb = wa * 0.35, wb * 0.35
        if wa < 1e-4 and wb < 1e-4:
            break
    return best


class Gnomonic:
    """A gnomonic projection of the sphere (great circles are straight lines).

    Written out here (numpy) rather than taken from pyproj, to be quick and plainly
    independent; centred on the mean of some points' unit vectors.
    """

    def __init__(self, lons: np.ndarray, lats: np.ndarray) -> None:
        lam, phi = np.radians(lons), np.radians(lats)
        v = np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]).mean(
            axis=1
        )
        self.lam0 = math.atan2(v[1], v[0])
        self.phi0 = math.atan2(v[2], math.hypot(v[0], v[1]))

    def xy(self, pts: Any) -> np.ndarray:
        arr = np.radians(np.asarray(pts, dtype=float))
        lam, phi = arr[:, 0] - self.lam0, arr[:, 1]
        s0, c0 = math.sin(self.phi0), math.cos(self.phi0)
        cos_c = s0 * np.sin(phi) + c0 * np.cos(phi) * np.cos(lam)
        assert np.all(cos_c > 0.1), "points too far from the projection centre"
        x = np.cos(phi) * np.sin(lam) / cos_c
        y = (c0 * np.sin(phi) - s0 * np.cos(phi) * np.cos(lam)) / cos_c
        return np.column_stack([x, y]) * SPHERE_R

    def core(self, c: Core) -> BaseGeometry:
        if c.shape == "polygon":
            return Polygon(self.xy(c.points), [self.xy(h) for h in c.holes])
        if c.shape == "circle":
            return Point(self.xy(c.points)[0])
        return LineString(self.xy(c.points))


def cores_intersect(a: Core, b: Core) -> bool:
    pts = np.vstack([a.vertices(), b.vertices()])
    g = Gnomonic(pts[:, 0], pts[:, 1])
    return bool(shapely.intersects(g.core(a), g.core(b)))


def core_distance(a: Core, b: Core) -> float:
    """Minimum geodesic distance between the two cores (0 when they meet)."""
    if cores_intersect(a, b):
        return 0.0
    return min(path_distance(pa, pb) for pa in a.paths for pb in b.paths)


def area_distance(a: Core, b: Core) -> float:
    """Distance between the widened areas: core distance less both radii, floored at 0."""
    return max(0.0, core_distance(a, b) - a.radius_m - b.radius_m)


def area_bounds(a: Core, b: Core, n: int = 96) -> Bounds:
    """Cheap rigorous bounds on the widened areas' distance (no refinement)."""
    if cores_intersect(a, b):
        return Bounds(0.0, 0.0)
    lower, upper = math.inf, math.inf
    for pa in a.paths:
        for pb in b.paths:
            bd = path_bounds(pa, pb, n)
            lower, upper = min(lower, bd.lower), min(upper, bd.upper)
    r = a.radius_m + b.radius_m
    return Bounds(max(0.0, lower - r), max(0.0, upper - r))


def outline_points(c: Core, margin_m: float = 0.0, n: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Points on the outline of the core widened by radius + margin (Geod.fwd).

    For a point core: a geodesic circle. For lines and polygon rings: from dense samples
    of the core, every azimuth at the widening distance (points of the widened set's
    boundary region; all of them belong to the widened set's closure). With no widening,
    the boundary samples themselves.
    """
    width = c.radius_m + margin_m
    lons, lats = [], []
    for path in c.paths:
        s = path.samples(n)
        lon, lat = path.at(s)
        lons.append(lon)
        lats.append(lat)
    lon = np.concatenate(lons)
    lat = np.concatenate(lats)
    if width <= 0.0:
        return lon, lat
    az = np.linspace(0.0, 360.0, 72, endpoint=False)
    lon2, lat2, _ = GEOD.fwd(
        np.repeat(lon, len(az)),
        np.repeat(lat, len(az)),
        np.tile(az, len(lon)),
        np.full(len(lon) * len(az), width),
    )
    return np.asarray(lon2), np.asarray(lat2)


def distance_below(a: Core, b: Core, threshold_m: float, band_m: float) -> bool | None:
    """Is the widened areas' distance below threshold_m? None when within band_m of it.

    Cheap rigorous bounds first (coarse, then finer sampling); the refined minimum only
    when they straddle the band.
    """
    if cores_intersect(a, b):
        return True if threshold_m - band_m > 0.0 else None
    for n in (32, 128):
        lower, upper = math.inf, math.inf
        for pa in a.paths:
            for pb in b.paths:
                bd = path_bounds(pa, pb, n)
                lower, upper = min(lower, bd.lower), min(upper, bd.upper)
        r = a.radius_m + b.radius_m
        if upper - r < threshold_m - band_m:
            return True
        if lower - r >= threshold_m + band_m:
            return False
    d = area_distance(a, b)
    if d < threshold_m - band_m:
        return True
    if d >= threshold_m + band_m:
        return False
    return None
