"""Area shapes of notices and assets, as GeoJSON in and out.

Every shape is a *core* geometry widened by a radius: a polygon (radius 0), a circle
(a point + radius), a corridor (a polyline + half-width) or an orbit/racetrack (two points
+ radius). That one form makes distances exact and cheap: the distance between two widened
shapes is the distance between their cores less both radii (true in any geodesic space).

Edges are WGS84 geodesics (the "great circles" of aeronautical airspace definitions), not
straight lines in lon/lat; so a polygon may cross the antimeridian with no special form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import InvalidInput, PayloadTooLarge, RuleViolation
from ..validate import number
from .boxes import grow_range
from .frame import WGS84, LocalFrame, centre_of, wrap_lon
from .limits import (
    BOX_PIECE_M,
    DEFAULT_SHAPE_LIMITS,
    ShapeLimits,
    boundary_pieces,
    path_overlap,
    thousands,
)

SHAPES = ("polygon", "circle", "corridor", "orbit")
MAX_EXTENT_M = 2_500_000.0  # beyond this a local frame distorts: no notice is that large
MAX_EDGE_M = 50_000.0  # longer edges are densified so straight frame edges follow the geodesic

Coords = tuple[tuple[float, float], ...]


def _position(value: Any, field: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise InvalidInput("a position is [lon, lat] (optionally [lon, lat, alt])", field=field)
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
        raise InvalidInput("lon and lat must be numbers", field=field)
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("lon and lat must be finite", field=field)
    if not -180.0 <= lon <= 180.0:
        raise InvalidInput(f"longitude {lon} outside [-180, 180]", field=field)
    if not -90.0 <= lat <= 90.0:
        raise InvalidInput(f"latitude {lat} outside [-90, 90]", field=field)
    return lon, lat


def _positions(value: Any, field: str, minimum: int) -> Coords:
    if not isinstance(value, list | tuple):
        raise InvalidInput("expected an array of positions", field=field)
    pts = tuple(_position(v, f"{field}[{i}]") for i, v in enumerate(value))
    if len(pts) < minimum:
        raise InvalidInput(f"needs at least {minimum} positions", field=field)
    return pts


def _count(coords: Any, shape: str, limits: ShapeLimits) -> None:
    """Rings and positions as sent, counted before any is parsed (PayloadTooLarge)."""
    if not isinstance(coords, list):
        return  # the parsers name what is wrong with it
    rings = coords if shape == "polygon" else [coords]
    if len(rings) > limits.max_rings:
        raise PayloadTooLarge(
            f"{len(rings):,} rings; the agreement allows {limits.max_rings:,} (rules.max_rings)",
            field="geometry.coordinates",
        )
    total = sum(len(r) for r in rings if isinstance(r, list))
    if total > limits.max_positions:
        raise PayloadTooLarge(
            f"{total:,} positions in all; the agreement allows {limits.max_positions:,} "
            "(rules.max_positions)",
            field="geometry.coordinates",
        )


def _positive_length(props: dict[str, Any], key: str) -> float:
    """A radius or half-width in metres."""
    return number(props, key, hi=MAX_EXTENT_M, positive=True)


def densify(coords: Coords, max_piece_m: float = MAX_EDGE_M) -> np.ndarray:
    """Insert points along each edge's WGS84 geodesic so no piece is longer than max_piece_m."""
    arr = np.asarray(coords, dtype=float)
    if len(arr) < 2:
        return arr
    _, _, lengths = WGS84.inv(arr[:-1, 0], arr[:-1, 1], arr[1:, 0], arr[1:, 1])
    counts = np.maximum(1, np.ceil(np.asarray(lengths) / max_piece_m).astype(int))
    if int(counts.max()) == 1:
        return arr
    out: list[np.ndarray] = []
    for i, n in enumerate(counts):
        out.append(arr[i : i + 1])
        if n > 1:  # n equal pieces; the vertices themselves stay exact
            (lon1, lat1), (lon2, lat2) = arr[i], arr[i + 1]
            out.append(np.asarray(WGS84.npts(lon1, lat1, lon2, lat2, int(n) - 1)).reshape(-1, 2))
    out.append(arr[-1:])
    return np.vstack(out)


@dataclass(frozen=True)
class Area:
    """A horizontal area: a core geometry (lon/lat) widened by radius_m."""

    shape: str
    core: Coords  # polygon: exterior ring (closed); circle: one point; corridor: path; orbit: 2
    radius_m: float = 0.0
    holes: tuple[Coords, ...] = ()

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_geojson(
        cls,
        geometry: Any,
        props: dict[str, Any] | None = None,
        limits: ShapeLimits = DEFAULT_SHAPE_LIMITS,
    ) -> Area:
        """Build from a GeoJSON geometry plus the shape's dimensions in properties.

        What the shape may cost (geo.limits) is checked before the work it bounds: counts
        before parsing, boundary length before densifying, a corridor's self-overlap
        before anything buffers it."""
        props = props or {}
        if not isinstance(geometry, dict):
            raise InvalidInput("a GeoJSON geometry object is required", field="geometry")
        gtype = geometry.get("type")
        coords = geometry.get("coordinates")
        if coords is None:
            raise InvalidInput("missing coordinates", field="geometry.coordinates")
        shape = props.get("shape")
        if shape is None:
            shape = {"Polygon": "polygon", "Point": "circle", "LineString": "corridor"}.get(
                str(gtype)
            )
        if shape not in SHAPES:
            raise InvalidInput(
                f"unsupported shape {shape!r} for geometry type {gtype!r}; use Polygon, "
                "Point + radius_m (circle), LineString + half_width_m (corridor), or a "
                "two-point LineString + shape 'orbit' + radius_m",
                field="properties.shape" if props.get("shape") else "geometry.type",
            )
        expected = {"polygon": "Polygon", "circle": "Point", "corridor": "LineString"}
        expected["orbit"] = "LineString"
        if gtype != expected[shape]:
            raise InvalidInput(f"shape {shape} needs a {expected[shape]}", field="geometry.type")
        _count(coords, shape, limits)
        if shape == "polygon":
            if not isinstance(coords, list) or not coords:
                raise InvalidInput(
                    "a Polygon needs at least one ring", field="geometry.coordinates"
                )
            rings = [_positions(r, f"geometry.coordinates[{i}]", 4) for i, r in enumerate(coords)]
            for i, ring in enumerate(rings):
                if ring[0] != ring[-1]:
                    raise InvalidInput(
                        "ring is not closed (first and last positions differ)",
                        field=f"geometry.coordinates[{i}]",
                    )
            area = cls("polygon", rings[0], 0.0, tuple(rings[1:]))
        elif shape == "circle":
            area = cls(
                "circle",
                (_position(coords, "geometry.coordinates"),),
                _positive_length(props, "radius_m"),
            )
        elif shape == "corridor":
            path = _positions(coords, "geometry.coordinates", 2)
            area = cls("corridor", path, _positive_length(props, "half_width_m"))
        else:
            pts = _positions(coords, "geometry.coordinates", 2)
            if len(pts) != 2:
                raise InvalidInput("an orbit is exactly two points", field="geometry.coordinates")
            area = cls("orbit", pts, _positive_length(props, "radius_m"))
        area.check_cost(limits)
        area.validate()
        if area.shape == "corridor":
            area.check_path(limits)
        return area

    def check_cost(self, limits: ShapeLimits) -> None:
        """The 2 km boundary pieces densification would make, counted without making them."""
        if self.shape == "circle":
            return
        pieces = sum(boundary_pieces(np.asarray(r, dtype=float)) for r in (self.core, *self.holes))
        if pieces > limits.max_boundary_pieces:
            raise RuleViolation(
                f"the boundary is {pieces:,} pieces of {BOX_PIECE_M / 1000:g} km; the agreement "
                f"allows {limits.max_boundary_pieces:,} (rules.max_boundary_pieces)",
                field="geometry.coordinates",
            )

    def check_path(self, limits: ShapeLimits) -> None:
        """A corridor's path neither crosses itself nor folds back over itself (see
        geo.limits.ShapeLimits.max_path_overlap): what would make buffering it quadratic."""
        core = self.own_core
        assert isinstance(core, LineString)
        xy = np.asarray(core.coords)
        overlap = path_overlap(xy, self.radius_m, limits.max_boundary_pieces)
        if overlap > limits.max_path_overlap:
            raise RuleViolation(
                f"the corridor folds back over itself (overlap {thousands(overlap)}); the "
                f"agreement allows {thousands(limits.max_path_overlap)} (rules.max_path_overlap)",
                field="geometry.coordinates",
            )
        if not core.is_simple:
            raise RuleViolation(
                "a corridor's path must not cross itself (file a racetrack as an orbit, or "
                "split the path into notices)",
                field="geometry.coordinates",
            )

    @classmethod
    def from_stored(cls, geometry: dict[str, Any], props: dict[str, Any]) -> Area:
        """Rebuild an area this system validated and stored (no re-validation)."""
        shape = props["shape"]
        coords = geometry["coordinates"]
        if shape == "polygon":
            rings = [tuple((p[0], p[1]) for p in r) for r in coords]
            return cls("polygon", rings[0], 0.0, tuple(rings[1:]))
        if shape == "circle":
            return cls("circle", ((coords[0], coords[1]),), props["radius_m"])
        width = props["half_width_m" if shape == "corridor" else "radius_m"]
        return cls(shape, tuple((p[0], p[1]) for p in coords), width)

    def validate(self) -> None:
        """Check the shape is a proper, bounded area in a local metric frame."""
        if self.shape == "circle":
            return  # a point and a positive radius: checked when parsed
        core = self.own_core
        ring = core.exterior.coords if isinstance(core, Polygon) else core.coords
        x, y = np.asarray(ring).T
        if float(np.max(np.hypot(x, y))) + self.radius_m > MAX_EXTENT_M:
            raise InvalidInput(
                f"area extends more than {MAX_EXTENT_M / 1000:.0f} km from its centre",
                field="geometry.coordinates",
            )
        if self.shape == "polygon":
            if not core.is_valid:
                reason = shapely.is_valid_reason(core)
                raise InvalidInput(f"polygon is not valid ({reason})", field="geometry.coordinates")
            if core.area <= 1.0:
                raise InvalidInput("polygon is empty (zero area)", field="geometry.coordinates")
        elif self.shape in ("corridor", "orbit") and core.length <= 0.0:
            raise InvalidInput("positions must not all coincide", field="geometry.coordinates")

    # ---- views ------------------------------------------------------------------------
    def centre(self) -> tuple[float, float]:
        return self._centre

    @cached_property
    def _centre(self) -> tuple[float, float]:
        arr = np.array(self.core[:-1] if self.shape == "polygon" else self.core)
        return centre_of(arr[:, 0], arr[:, 1])

    @cached_property
    def _dense(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Core and holes with long edges densified (computed once per area)."""
        return densify(self.core), tuple(densify(h) for h in self.holes)

    def own_frame(self) -> LocalFrame:
        return LocalFrame(*self.centre())

    @cached_property
    def reach_m(self) -> float:
        """A radius about the centre that holds the whole area (for cheap far-apart tests).

        The farthest densified core vertex plus the widening: on a sphere no point of a
        geodesic piece lies farther from the centre than the farther of its ends (while
        both are within a quarter circumference, which MAX_EXTENT_M ensures); 0.1 % + 100 m
        covers the ellipsoid's geodesics departing from great circles, and round-off.
        """
        lon0, lat0 = self.centre()
        pts = self._dense[0]
        _, _, d = WGS84.inv(np.full(len(pts), lon0), np.full(len(pts), lat0), pts[:, 0], pts[:, 1])
        return float(np.max(d)) * 1.001 + 100.0 + self.radius_m

    @cached_property
    def own_core(self) -> BaseGeometry:
        """The core in its own frame, computed once (validation and size limits use it)."""
        return self.core_in(self.own_frame())

    def core_in(self, frame: LocalFrame) -> BaseGeometry:
        """The core geometry in a frame's metres (edges densified along geodesics)."""
        if self.shape == "circle":
            cx, cy = frame.forward(self.core[0][0], self.core[0][1])
            return Point(float(cx), float(cy))
        pts, dense_holes = self._dense
        x, y = frame.forward(pts[:, 0], pts[:, 1])
        if self.shape == "polygon":
            holes = []
            for hp in dense_holes:
                hx, hy = frame.forward(hp[:, 0], hp[:, 1])
                holes.append(np.column_stack([hx, hy]))
            return Polygon(np.column_stack([x, y]), holes)
        return LineString(np.column_stack([x, y]))

    def shape_in(self, frame: LocalFrame, quad_segs: int = 16) -> BaseGeometry:
        """The widened area itself in a frame's metres (polygon approximation)."""
        core = self.core_in(frame)
        return core if self.radius_m == 0 else core.buffer(self.radius_m, quad_segs=quad_segs)

    def area_m2(self) -> float:
        """Area in the own frame (for the agreement's size limit, not for separation)."""
        if self.shape == "circle":
            return math.pi * self.radius_m**2  # the frame disc; the true cap is smaller by r²/12R²
        core = self.own_core
        return float((core if self.radius_m == 0 else core.buffer(self.radius_m, 16)).area)

    def to_geojson_geometry(self) -> dict[str, Any]:
        if self.shape == "polygon":
            rings = [self.core, *self.holes]
            return {"type": "Polygon", "coordinates": [[list(p) for p in r] for r in rings]}
        if self.shape == "circle":
            return {"type": "Point", "coordinates": list(self.core[0])}
        return {"type": "LineString", "coordinates": [list(p) for p in self.core]}

    def dimension_properties(self) -> dict[str, Any]:
        """The properties that, with the geometry, define this shape."""
        if self.shape == "polygon":
            return {"shape": "polygon"}
        key = "half_width_m" if self.shape == "corridor" else "radius_m"
        return {"shape": self.shape, key: self.radius_m}

    def outline_lonlat(self, quad_segs: int = 16) -> Polygon:
        """The widened area as a lon/lat polygon (for maps; may span lon > 180)."""
        frame = self.own_frame()
        poly = self.shape_in(frame, quad_segs)
        assert isinstance(poly, Polygon)  # a polygon core or a buffer: one polygon
        x, y = np.asarray(poly.exterior.coords).T
        lon, lat = frame.inverse(x, y)
        lon = frame.lon0 + wrap_lon(np.asarray(lon) - frame.lon0)
        return Polygon(np.column_stack([lon, lat]))

    @cached_property
    def base_boxes(self) -> list[tuple[float, float, float, float]]:
        """boxes() with no margin, computed once: grow it with geo.boxes.grow_boxes."""
        return self.boxes(0.0)

    def boxes(self, margin_m: float = 0.0) -> list[tuple[float, float, float, float]]:
        """Lon/lat boxes (min_lon, min_lat, max_lon, max_lat) covering the area + margin.

        Analytic and conservative, so index look-ups can miss nothing: the core's boundary
        is cut into geodesic pieces of at most BOX_PIECE_M, so every boundary point lies
        within BOX_PIECE_M / 2 of a vertex; the vertices' lat/lon range (continuous in
        longitude) is then grown by radius + margin + that slack with the ellipsoidal
        bounds of geo.boxes.grow_range. A polygon round a pole takes every longitude up
        to the pole. Split in two at the antimeridian.
        """
        pts = densify(self.core, BOX_PIECE_M)
        lon, lat = pts[:, 0], pts[:, 1]
        rel = np.concatenate([[0.0], np.cumsum(wrap_lon(np.diff(lon)))])
        grow = self.radius_m + margin_m + (BOX_PIECE_M / 2 if len(pts) > 1 else 0.0)
        min_lat, max_lat = float(lat.min()), float(lat.max())
        if self.shape == "polygon" and abs(rel[-1]) > 180.0:  # the ring winds round a pole
            if float(np.mean(lat)) > 0:
                return grow_range(-180.0, min_lat, 180.0, 90.0, grow)
            return grow_range(-180.0, -90.0, 180.0, max_lat, grow)
        lo, hi = float(lon[0] + rel.min()), float(lon[0] + rel.max())
        return grow_range(lo, min_lat, hi, max_lat, grow)
