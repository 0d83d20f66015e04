"""Hot hazards and the geometry of being inside one (issue 15: the 2018 Latakia lesson).

Pure core: hazards (``model.hazard``), kinetic notices and the agreement's ``[hazards]``
clauses (``model.hazard_rules.HazardRules``) in, frozen results out; no I/O, no state.

The rule (``HazardRules``, agreement ``[hazards]``): a notice whose ``activity`` is kinetic
(``HazardRules.kinetic``) makes *hot* every hazard whose envelope its area comes within
``reach_km`` of (the geodesic distance between the two areas, ``geo.distance.separation``,
the same as strategic detection; exactly at ``reach_km`` is within reach: a hazard is a
danger, so the boundary errs towards warning). It is hot from the notice's start to its end
plus ``reaction_tail``, cut to the hazard's own validity (``valid_from``/``valid_to``).
Each (hazard, kinetic notice) pair is one ``HotHazard``: why it is hot is the notice.

Depth. How far inside an area a point is, ``area_depth_m``: positive inside (the distance
to the area's edge), negative outside (minus the distance to it), on the ellipsoid. An area
is a core widened by a radius, so the depth is the radius less the distance to the core,
plus the distance to the core's boundary when the point is inside a polygon core. That is
exact for circles (the hazard sites: radius less the geodesic from the site, Karney), for
outside points of every shape, and inside any convex core; inside a non-convex polygon
core it can only under-state the depth by the core's concavities (a later refinement).
The time to leave is the depth over the ground speed along the shortest way out
(``time_to_exit_s``); the warning required is that plus ``ack_margin``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
import shapely
from shapely import ops
from shapely.geometry import Point, Polygon

from ..geo.distance import far_apart, separation
from ..geo.frame import WGS84, LocalFrame
from ..geo.shapes import Area
from ..geo.units import KT_IN_MPS
from ..model.agreement import MINIMUM_TOLERANCE_M
from ..model.conflict import Ref
from ..model.hazard import HazardDraft
from ..model.hazard_rules import HazardRules
from .strategic import Volume

# far_apart's bound is ">= limit": asking it for reach + 2 mm drops only what is surely out
# of reach (beyond the 1 mm tolerance), so a notice at reach_km stays for the exact test.
_REACH_SLACK_M = 2e-3


@dataclass(frozen=True)
class Hazard:
    """A stored hazard: its id and its validated content."""

    id: str
    draft: HazardDraft

    @cached_property
    def envelope(self) -> Area:
        return self.draft.envelope

    @property
    def site_point(self) -> tuple[float, float]:
        """The launcher's site (an area hazard: its area's centre), where bearings start."""
        return self.draft.site.centre()


@dataclass(frozen=True)
class ActivityNotice:
    """A notice's declared volume and its ``activity`` (None: not given)."""

    volume: Volume
    activity: str | None = None


@dataclass(frozen=True)
class HotHazard:
    """A hazard made hot by one kinetic notice, over [start, end)."""

    hazard: Hazard
    notice: Ref  # the kinetic notice that makes it hot: why
    party: str  # the kinetic notice's party
    start: datetime
    end: datetime
    distance_m: float  # from the notice's area to the hazard's envelope (0: overlapping)

    def active(self, t: datetime) -> bool:
        return self.start <= t < self.end


def hot_window(
    hazard: Hazard, notice: Volume, rules: HazardRules
) -> tuple[datetime, datetime] | None:
    """[start, end + reaction_tail) cut to the hazard's validity; None when that is empty."""
    start, end = notice.start, notice.end + rules.reaction_tail
    d = hazard.draft
    if d.valid_from is not None:
        start = max(start, d.valid_from)
    if d.valid_to is not None:
        end = min(end, d.valid_to)
    return (start, end) if start < end else None


def _hot(
    hazard: Hazard, n: ActivityNotice, rules: HazardRules, prefilter: bool
) -> HotHazard | None:
    if not rules.is_kinetic(n.activity):
        return None
    window = hot_window(hazard, n.volume, rules)
    if window is None:
        return None
    reach_m = rules.reach_km * 1000.0
    if prefilter and far_apart(n.volume.area, hazard.envelope, reach_m + _REACH_SLACK_M):
        return None
    d = separation(n.volume.area, hazard.envelope).distance_m
    if d > reach_m + MINIMUM_TOLERANCE_M:  # at reach_km, to the agreement's 1 mm: hot
        return None
    return HotHazard(hazard, n.volume.ref, n.volume.party, window[0], window[1], d)


def hot_hazards(
    hazards: Sequence[Hazard], notices: Sequence[ActivityNotice], rules: HazardRules
) -> list[HotHazard]:
    """Every (hazard, kinetic notice) that makes it hot, by hazard id then start.

    A cheap exact bound (``far_apart``: centre distance less both reaches) drops the pairs
    surely out of reach before the exact distance.
    """
    kinetic = [n for n in notices if rules.is_kinetic(n.activity)]
    out = [h for hz in hazards for n in kinetic if (h := _hot(hz, n, rules, True)) is not None]
    return sorted(out, key=_hot_key)


def hot_hazards_reference(
    hazards: Sequence[Hazard], notices: Sequence[ActivityNotice], rules: HazardRules
) -> list[HotHazard]:
    """``hot_hazards`` the slow way: the exact distance of every pair, no prefilter."""
    out = [h for hz in hazards for n in notices if (h := _hot(hz, n, rules, False)) is not None]
    return sorted(out, key=_hot_key)


def _hot_key(h: HotHazard) -> tuple[str, datetime, str, int]:
    return (h.hazard.id, h.start, h.notice.id, h.notice.version)


# --- depth: how far inside an area --------------------------------------------------------


def area_depth_m(area: Area, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Signed horizontal depth of points in an area (metres): > 0 inside, < 0 outside.

    Circles: radius less the geodesic from the centre (exact). Other shapes: the nearest
    point of the core's boundary found in the area's own frame, its distance then taken on
    the ellipsoid (the distance is flat at its minimum, so a frame error in *where* the
    nearest point is changes it only to second order, as in ``geo.distance``).
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    if lon.size == 0:
        return np.empty(0)
    if area.shape == "circle":
        c_lon, c_lat = area.core[0]
        _, _, d = WGS84.inv(np.full(lon.size, c_lon), np.full(lon.size, c_lat), lon, lat)
        return area.radius_m - np.asarray(d)
    frame = area.own_frame()
    core = area.own_core
    x, y = frame.forward(lon, lat)
    target = core.boundary if isinstance(core, Polygon) else core
    ends = shapely.get_coordinates(shapely.shortest_line(shapely.points(x, y), target))
    n_lon, n_lat = frame.inverse(ends[1::2, 0], ends[1::2, 1])
    _, _, d = WGS84.inv(lon, lat, n_lon, n_lat)
    d = np.asarray(d)
    if isinstance(core, Polygon):
        inside = shapely.contains_xy(core, x, y)
        d = np.where(inside, -d, d)
    return area.radius_m - d


def inside(depth_m: np.ndarray) -> np.ndarray:
    """Inside an area: depth >= 0, the edge itself included to the agreement's 1 mm
    (``MINIMUM_TOLERANCE_M``), so round-off at the edge cannot flip the answer."""
    return np.asarray(depth_m) >= -MINIMUM_TOLERANCE_M


def point_depth_m(area: Area, lon: float, lat: float) -> float:
    return float(area_depth_m(area, np.array([lon]), np.array([lat]))[0])


def time_to_exit_s(depth_m: np.ndarray | float, speed_kt: np.ndarray | float) -> np.ndarray:
    """Seconds to leave along the shortest way out: depth over ground speed (0 kt: never)."""
    depth = np.maximum(np.asarray(depth_m, float), 0.0)
    v = np.asarray(speed_kt, float) * KT_IN_MPS
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            v > 0.0, depth / np.where(v > 0.0, v, 1.0), np.where(depth > 0, math.inf, 0.0)
        )


@dataclass(frozen=True, slots=True)
class Deepest:
    """The point of a volume deepest inside an envelope, and how deep (metres)."""

    depth_m: float
    lon: float
    lat: float


def deepest_point(volume: Area, hazard: Hazard) -> Deepest:
    """The point of ``volume`` farthest inside the hazard's envelope from its edge.

    Site hazards (a circle envelope): the point of the volume nearest the site, at depth
    envelope radius - its geodesic distance from the site (the site itself when the volume
    covers it). Area hazards: the volume's point nearest the area (depth = range - the
    distance); when the volume reaches into the area, the point of the overlap deepest in
    the area (range + that depth, found by bisection on inward buffers in the area's frame).
    """
    site = hazard.draft.site
    env_r = hazard.envelope.radius_m
    if site.shape == "circle":
        s_lon, s_lat = site.core[0]
        frame = LocalFrame(s_lon, s_lat)
        vcore = volume.core_in(frame)
        origin = Point(0.0, 0.0)
        if isinstance(vcore, Polygon) and vcore.covers(origin):
            return Deepest(env_r, s_lon, s_lat)
        c = ops.nearest_points(vcore, origin)[0]
        c_lon, c_lat = frame.inverse(c.x, c.y)
        az, _, dc = WGS84.inv(s_lon, s_lat, float(c_lon), float(c_lat))
        d = float(dc) - volume.radius_m
        if d <= 0.0:
            return Deepest(env_r, s_lon, s_lat)
        lon, lat, _ = WGS84.fwd(s_lon, s_lat, az, d)
        return Deepest(env_r - d, float(lon), float(lat))
    sep = separation(volume, site)
    if sep.distance_m > 0.0:
        frame = LocalFrame(*site.centre())
        pv, ps = ops.nearest_points(volume.core_in(frame), site.core_in(frame))
        (v_lon, s_lon), (v_lat, s_lat) = frame.inverse(
            np.array([pv.x, ps.x]), np.array([pv.y, ps.y])
        )
        az, _, dc = WGS84.inv(float(v_lon), float(v_lat), float(s_lon), float(s_lat))
        d = float(dc) - volume.radius_m - site.radius_m
        lon, lat, _ = WGS84.fwd(float(v_lon), float(v_lat), az, volume.radius_m)
        return Deepest(env_r - max(d, 0.0), float(lon), float(lat))
    frame = site.own_frame()
    core = site.own_core
    assert isinstance(core, Polygon)  # a hazard's site is a Point or a Polygon
    shape = volume.shape_in(frame, 64)
    best = core.intersection(shape)
    if best.is_empty:  # touching only
        return Deepest(env_r, sep.worst_lon, sep.worst_lat)
    lo, hi = 0.0, float(shapely.maximum_inscribed_circle(core, 1.0).length) + 1.0
    while hi - lo > 1.0:  # to a metre
        mid = 0.5 * (lo + hi)
        inner = core.buffer(-mid, quad_segs=16).intersection(shape)
        if inner.is_empty:
            hi = mid
        else:
            lo, best = mid, inner
    p = best.representative_point()
    lon, lat = frame.inverse(p.x, p.y)
    return Deepest(env_r + lo, float(lon), float(lat))
