"""Advice on place: move the area, narrow it, or keep only its clear part.

All three search among the obstacles the subject meets in time and vertically (its window
and band are kept). They work in the subject's own local frame (``geo.frame``: shapes true
to ~1e-4 over a few hundred km) and every candidate is then checked with the exact
geodesic tests (``keepclear``):

- **offset** (``advise_offset``): the area moved so its centre goes D along the ellipsoid's
  geodesic at each of ``bearings`` bearings, every vertex by the same move in the frame
  (``offset_area``: D as advised is the distance the centre moves; the frame's sphere alone
  is up to ~0.3 % out). Along each bearing D is walked out in ``offset_step_nm`` steps by
  sphere tracing: the distance between the moved area and an obstacle changes by at most
  the move, so when the area is short of an obstacle's minimum by ``s``, every move less
  than ``s`` further still meets it and is skipped. Each bearing's D is then checked
  exactly (up a step or two, down while one step less clears: the frame's round-off), in
  order of the traced D until the rest are traced ``TRACE_SLACK`` steps beyond the best;
  the smallest exact D wins, ties to the first bearing.
- **narrow** (``advise_narrow``): a circle's radius, or a corridor's or orbit's half-width,
  made smaller by whole steps: an area so narrowed keeps its core, and its distance to
  each obstacle grows by exactly what the radius loses. (Widening only brings the area
  closer to everything: it never clears, so it is never advised.)
- **shrink** (``advise_shrink``): the area less every obstacle it meets grown by its
  minimum, as a polygon; the largest piece is kept (ASTM F3548-21's "modify the
  operational intent" by area, without moving it), if at least an offset step square: a
  sliver below the advice's resolution is no advice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import InterlockError
from ..geo.distance import far_apart, separation
from ..geo.earth import WGS84
from ..geo.frame import LocalFrame, TrueScaleFrame, wrap_lon
from ..geo.shapes import Area, Coords
from ..geo.units import M_PER_NM
from ..model.advice_rules import AdviceRules
from .advice import Advice, AdviceKind, Subject, Unavailable
from .keepclear import Obstacle, still_met

DECIMALS = 7  # positions to 1e-7 degree, about 1 cm: finer than any minimum's tolerance
QUAD_SEGS = 16  # the circle arcs of grown obstacles: 64 sides a circle
# How many steps the frame's trace of a bearing may be off its exact answer either way
# (its round-off, walked out by ``_exact_offset``): a bearing traced one step short of
# another may still come out a step nearer, so bearings are tried until they are traced
# this much further than the best exact answer.
TRACE_SLACK = 2
MARGIN_M = (2.0, 20.0, 200.0)  # the shrink's extra growth, tried in turn (frame round-off)


def _relevant(subject: Subject, obstacles: Sequence[Obstacle]) -> list[Obstacle]:
    d = subject.draft
    assert d.band is not None
    return [o for o in obstacles if o.meets_time(d.start, d.end) and o.meets_band(d.band)]


def _rounded(lon: np.ndarray, lat: np.ndarray) -> Coords:
    return tuple(
        (round(float(x), DECIMALS), round(float(y), DECIMALS))
        for x, y in zip(wrap_lon(lon), lat, strict=True)
    )


def _ring(frame: LocalFrame, xy: np.ndarray) -> Coords:
    lon, lat = frame.inverse(xy[:, 0], xy[:, 1])
    ring = _rounded(np.asarray(lon), np.asarray(lat))
    return (*ring[:-1], ring[0])  # closed exactly, whatever the rounding


def translated(area: Area, frame: LocalFrame, dx: float, dy: float) -> Area:
    """The area moved by (dx, dy) metres in `frame`: each vertex moved, edges geodesic."""

    def move(coords: Coords, closed: bool) -> Coords:
        arr = np.asarray(coords, dtype=float)
        x, y = frame.forward(arr[:, 0], arr[:, 1])
        lon, lat = frame.inverse(np.asarray(x) + dx, np.asarray(y) + dy)
        out = _rounded(np.asarray(lon), np.asarray(lat))
        return (*out[:-1], out[0]) if closed else out

    closed = area.shape == "polygon"
    return Area(
        area.shape,
        move(area.core, closed),
        area.radius_m,
        tuple(move(h, True) for h in area.holes),
    )


# ---- offset -----------------------------------------------------------------------------------


def advise_offset(
    subject: Subject, obstacles: Sequence[Obstacle], rules: AdviceRules
) -> Advice | Unavailable:
    """The smallest offset (bearing, distance) of the whole area that clears."""
    d = subject.draft
    area = d.area
    # 1e-9: 50 NM / 0.1 NM is 499.99999999999994 in floating point, not 500
    step, most = rules.offset_step_m, math.floor(rules.max_offset_m / rules.offset_step_m + 1e-9)
    rel = [
        o
        for o in _relevant(subject, obstacles)
        if not far_apart(area, o.area, rules.max_offset_m + o.reach_m + 1.0)
    ]
    frame = area.own_frame()
    bearings = np.arange(rules.bearings) * (360.0 / rules.bearings)
    ks = _trace(area, frame, rel, _directions(frame, bearings, max(most, 1) * step), step, most)
    order = sorted((int(k), float(b)) for k, b in zip(ks, bearings, strict=True) if k >= 0)
    best: tuple[int, float, Area] | None = None
    for k, bearing in order:
        if best is not None and k > best[0] + TRACE_SLACK:
            break  # no bearing traced further out can come out nearer
        found = _exact_offset(subject, rel, bearing, k, step, most)
        if found is not None and (best is None or (found[0], bearing) < best[:2]):
            best = (found[0], bearing, found[1])
    if best is not None:
        k, bearing, moved = best
        cand = replace(d, area=moved)
        change = {"bearing_deg": bearing, "distance_nm": round(k * step / M_PER_NM, 6)}
        return Advice(AdviceKind.OFFSET, cand, change, subject.late(cand))
    return Unavailable(
        AdviceKind.OFFSET,
        f"no offset of up to {rules.max_offset_nm:g} NM on any of {rules.bearings} bearings clears",
    )


def offset_area(area: Area, bearing: float, dist_m: float) -> Area:
    """The area moved so its centre goes `dist_m` along the geodesic at `bearing` (true
    on the ellipsoid: the frame's sphere alone would be up to ~0.3 % out, a step in 30 NM),
    every vertex by the same move in the area's own frame."""
    frame = area.own_frame()
    lon, lat, _ = WGS84.fwd(frame.lon0, frame.lat0, bearing, dist_m)
    dx, dy = frame.forward(float(lon), float(lat))
    return translated(area, frame, float(dx), float(dy))


def _directions(frame: LocalFrame, bearings: np.ndarray, far_m: float) -> np.ndarray:
    """(n, 2): each bearing's move in the frame per metre along the ellipsoid's geodesic
    (taken over `far_m`; its change along the way is second order)."""
    n = len(bearings)
    lon, lat, _ = WGS84.fwd(
        np.full(n, frame.lon0), np.full(n, frame.lat0), bearings, np.full(n, far_m)
    )
    x, y = frame.forward(np.asarray(lon), np.asarray(lat))
    return np.column_stack([x, y]) / far_m


def _exact_offset(
    subject: Subject,
    rel: Sequence[Obstacle],
    bearing: float,
    k: int,
    step: float,
    most: int,
) -> tuple[int, Area] | None:
    """The frame's step k checked exactly: up a step or two if it still meets something,
    then down while one step less clears too."""
    d = subject.draft
    band = d.band
    assert band is not None

    def clear(k: int) -> Area | None:
        moved = offset_area(d.area, bearing, k * step)
        return None if still_met(rel, moved, band, d.start, d.end) else moved

    for up in range(3):
        if k + up > most:
            return None
        moved = clear(k + up)
        if moved is not None:
            k += up
            while k > 0 and (sooner := clear(k - 1)) is not None:
                k, moved = k - 1, sooner
            return k, moved
    return None


def _shifted(geom: BaseGeometry, dx: float, dy: float) -> BaseGeometry:
    offset = np.array([dx, dy])
    return shapely.transform(geom, lambda xy: xy + offset)


def _trace(
    area: Area,
    frame: LocalFrame,
    rel: Sequence[Obstacle],
    units: np.ndarray,
    step: float,
    most: int,
) -> np.ndarray:
    """Per bearing (`units`: its frame move per metre, ``_directions``), the first step (of
    `step` metres, at most `most`) at which the moved area meets no obstacle in the frame;
    -1 where none does."""
    n = len(units)
    ks = np.zeros(n, dtype=np.int64)
    found = np.full(n, -1, dtype=np.int64)
    if not rel:
        return ks
    core = area.core_in(frame)
    cores = np.array([o.area.core_in(frame) for o in rel], dtype=object)
    radii = np.array([o.area.radius_m for o in rel]) + area.radius_m
    near = np.array([o.near_m for o in rel])
    touch = np.array([o.touch_m for o in rel])
    reach = np.array([o.reach_m for o in rel]) + radii
    tree = shapely.STRtree(cores)
    ux, uy = units[:, 0], units[:, 1]
    per_step = step * np.hypot(ux, uy)  # frame metres a step moves
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.nonzero(active)[0]
        moved = np.array(
            [_shifted(core, ks[i] * step * ux[i], ks[i] * step * uy[i]) for i in idx],
            dtype=object,
        )
        gi, oi = tree.query(moved, predicate="dwithin", distance=float(reach.max()) + 1.0)
        dist = np.maximum(shapely.distance(moved[gi], cores[oi]) - radii[oi], 0.0)
        meets = (dist < near[oi]) | (dist <= touch[oi])
        short = np.maximum(near[oi] - dist, touch[oi] - dist)
        jump = np.zeros(len(idx))
        np.maximum.at(jump, gi[meets], short[meets])
        blocked = np.zeros(len(idx), dtype=bool)
        blocked[gi[meets]] = True
        done = idx[~blocked]
        found[done] = ks[done]
        active[done] = False
        nxt = idx[blocked]
        ks[nxt] += np.maximum(1, np.ceil(jump[blocked] / per_step[nxt] - 1e-9).astype(np.int64))
        over = nxt[ks[nxt] > most]
        active[over] = False
    return found


# ---- narrow -----------------------------------------------------------------------------------


def advise_narrow(
    subject: Subject, obstacles: Sequence[Obstacle], rules: AdviceRules
) -> Advice | Unavailable:
    """The smallest narrowing, in whole offset steps, of a circle's radius or a
    corridor's or orbit's half-width that clears."""
    d = subject.draft
    area = d.area
    if area.shape == "polygon":
        return Unavailable(AdviceKind.NARROW, "a polygon has no width to narrow: see shrink")
    rel = _relevant(subject, obstacles)
    met = [o for o in rel if o.meets_area(area)]
    core = Area(area.shape, area.core, 0.0, area.holes)
    step = rules.offset_step_m
    widest = math.inf  # the largest radius clear of every obstacle met
    for o in met:
        gap = separation(core, o.area).distance_m  # the core's distance: radius 0
        if gap <= o.reach_m:  # only a line of no width would keep the minimum
            line = "centre" if area.shape == "circle" else "centre line"
            why = f"the {area.shape}'s {line} itself is too close: no narrowing clears"
            return Unavailable(AdviceKind.NARROW, why, o)
        widest = min(widest, gap - o.reach_m)
    k = max(1, math.ceil((area.radius_m - widest) / step - 1e-9))
    while area.radius_m - k * step > 0:
        cand = replace(d, area=replace(area, radius_m=area.radius_m - k * step))
        assert cand.band is not None
        if not still_met(rel, cand.area, cand.band, d.start, d.end):
            while k > 1:
                sooner = replace(d, area=replace(area, radius_m=area.radius_m - (k - 1) * step))
                assert sooner.band is not None
                if still_met(rel, sooner.area, sooner.band, d.start, d.end):
                    break
                k, cand = k - 1, sooner
            width = "radius" if area.shape != "corridor" else "half-width"
            change = {
                "width": width,
                "from_m": area.radius_m,
                "to_m": cand.area.radius_m,
                "narrowed_nm": round(k * step / M_PER_NM, 6),
            }
            return Advice(AdviceKind.NARROW, cand, change, subject.late(cand))
        k += 1
    return Unavailable(
        AdviceKind.NARROW, f"only a {area.shape} of no width would clear: no narrowing does"
    )


# ---- shrink -----------------------------------------------------------------------------------


def advise_shrink(
    subject: Subject, obstacles: Sequence[Obstacle], rules: AdviceRules
) -> Advice | Unavailable:
    """The largest part of the area clear of every obstacle it meets, as a polygon."""
    d = subject.draft
    assert d.band is not None
    rel = _relevant(subject, obstacles)
    met = [o for o in rel if o.meets_area(d.area)]
    frame = d.area.own_frame()
    true = TrueScaleFrame(frame.lon0, frame.lat0)  # the same centre, lengths true
    whole = affinity.scale(d.area.shape_in(frame, QUAD_SEGS), true.sx, true.sy, origin=(0, 0))
    # a part smaller than a step square is below the advice's resolution (a sliver)
    smallest = rules.offset_step_m**2
    for margin in MARGIN_M:
        piece = _largest_piece(whole, met, true, margin, smallest)
        if piece is None:
            break
        area = _as_area(piece, true)
        if area is None:
            continue
        cand = replace(d, area=area)
        if not still_met(rel, area, d.band, d.start, d.end):
            kept = float(piece.area / whole.area)
            change = {"kept_fraction": round(kept, 6), "area_km2": round(piece.area / 1e6, 3)}
            return Advice(AdviceKind.SHRINK, cand, change, subject.late(cand))
    return Unavailable(
        AdviceKind.SHRINK,
        f"no part of the area is clear of the other volumes (none of at least "
        f"{rules.offset_step_nm:g} NM square)",
    )


def _grown(o: Obstacle, true: TrueScaleFrame, margin: float) -> BaseGeometry:
    """The obstacle's area grown by its minimum (+ margin) in true lengths (in the
    subject's own frame, a sphere's, the growth came out 0.34 % short north and south at
    the equator: 300 m at 50 NM), outside the true curve: the polygon's chords lie at
    least the radius from the core (radius / cos(half a side))."""
    r = o.area.radius_m + o.reach_m + margin
    r /= math.cos(math.pi / (4 * QUAD_SEGS))
    return o.area.core_in(true).buffer(r, quad_segs=QUAD_SEGS)


def _largest_piece(
    whole: BaseGeometry,
    met: Sequence[Obstacle],
    true: TrueScaleFrame,
    margin: float,
    smallest: float,
) -> Polygon | None:
    if not met:
        return None
    cut = shapely.union_all([_grown(o, true, margin) for o in met])
    rest = whole.buffer(-margin).difference(cut)
    pieces = list(rest.geoms) if isinstance(rest, MultiPolygon) else [rest]
    pieces = [p for p in pieces if isinstance(p, Polygon) and p.area >= smallest]
    if not pieces:
        return None
    simple = max(pieces, key=lambda p: p.area).simplify(margin / 2)
    return simple if isinstance(simple, Polygon) else None


def _as_area(piece: BaseGeometry, frame: LocalFrame) -> Area | None:
    """A frame polygon as a notice's polygon area (None: it does not make a valid one)."""
    if piece.is_empty or not isinstance(piece, Polygon):
        return None
    shell = _ring(frame, np.asarray(piece.exterior.coords))
    holes = tuple(_ring(frame, np.asarray(h.coords)) for h in piece.interiors)
    area = Area("polygon", shell, 0.0, holes)
    try:
        area.validate()
    except InterlockError:  # not a valid notice polygon: the next margin is tried
        return None
    return area
