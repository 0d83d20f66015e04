"""What every piece of advice must be, checked with the detectors (``advice_reference.Judge``):

- it clears: filed, the candidate has no conflict and no exposure (so it creates none);
- it changes only what it says, by what its ``change`` says;
- it is minimal: one grid step less change, and 1 % less change (on the grid: to the
  second, 100 ft / 1 FL / 1 m, 0.1 NM), still meets something; for an offset along the same
  bearing. Below the lead-time rule's bound a delay is not tried (it would be late).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
import shapely
from advice_scenes import Setup
from pyproj import Geod

from interlock.detect.advice import Advice, AdviceKind, AdviceSet, moved_band
from interlock.detect.advice_place import offset_area
from interlock.detect.advice_reference import Judge
from interlock.detect.exposure import Exposure
from interlock.detect.hazards import area_depth_m
from interlock.detect.keepclear import Obstacle, ObstacleKind
from interlock.model.advice_rules import AdviceRules
from interlock.model.conflict import Conflict
from interlock.model.notice import NoticeDraft

GEOD = Geod(ellps="WGS84")


def less(k: int) -> set[int]:
    """The grid points of one step less and of 1 % less change (at least one step less)."""
    return {k - 1, min(k - 1, math.floor(0.99 * k))} - {-1}


def shifted(d: NoticeDraft, seconds: float) -> NoticeDraft:
    dt = timedelta(seconds=seconds)
    return replace(d, start=d.start + dt, end=d.end + dt)


def offset(d: NoticeDraft, bearing: float, dist_m: float) -> NoticeDraft:
    return replace(d, area=offset_area(d.area, bearing, dist_m))


def narrowed(d: NoticeDraft, by_m: float) -> NoticeDraft:
    return replace(d, area=replace(d.area, radius_m=d.area.radius_m - by_m))


def met_agrees(s: Setup, result: AdviceSet) -> None:
    """What the core says the subject meets is what the detectors find."""
    findings = s.judge.findings(s.subject.draft)
    conflicts = {f.b for f in findings if isinstance(f, Conflict)}
    hot = {f.kinetic for f in findings if isinstance(f, Exposure) and f.exposed == s.subject.ref}
    exposed = {
        f.exposed for f in findings if isinstance(f, Exposure) and f.kinetic == s.subject.ref
    }

    def refs(*kinds: ObstacleKind) -> set:
        return {o.ref for o in result.met if o.kind in kinds}

    assert refs(ObstacleKind.NOTICE, ObstacleKind.ASSET) == conflicts
    assert refs(ObstacleKind.HOT_HAZARD) == hot
    assert refs(ObstacleKind.EXPOSED) == exposed


def check_advice(s: Setup, result: AdviceSet, rules: AdviceRules) -> None:
    """Every piece clears, says what it changes, and is minimal."""
    judge = s.judge
    met_agrees(s, result)
    for a in result.advice:
        assert judge.findings(a.draft) == [], (a.kind, a.change)
        CHECKS[a.kind](s, judge, a, rules)


def _same_but(a: NoticeDraft, b: NoticeDraft, *fields: str) -> None:
    for name in ("domain", "area", "band", "band_input", "start", "end", "activity"):
        if name not in fields:
            assert getattr(a, name) == getattr(b, name), name


def _time(s: Setup, judge: Judge, a: Advice, rules: AdviceRules) -> None:
    d = s.subject.draft
    sign = 1 if a.kind is AdviceKind.DELAY else -1
    secs = a.change["delay_s" if sign > 0 else "advance_s"]
    _same_but(d, a.draft, "start", "end")
    assert a.draft.start - d.start == timedelta(seconds=sign * secs)
    assert a.draft.end - a.draft.start == d.end - d.start
    assert a.draft.start >= s.subject.earliest_start and a.draft.end <= s.subject.latest_end
    assert secs <= rules.max_time_shift.total_seconds()
    k = round(secs / rules.time_step_s)
    for j in less(k):
        cand = shifted(d, sign * j * rules.time_step_s)
        if cand.start >= s.subject.earliest_start:
            assert not judge.clear(cand), (a.kind, j)


def _level(s: Setup, judge: Judge, a: Advice, rules: AdviceRules) -> None:
    d = s.subject.draft
    assert d.band is not None and a.draft.band is not None
    _same_but(d, a.draft, "band", "band_input")
    if "shift_m" in a.change:
        k = round(a.change["shift_m"] / rules.depth_step_m)
        assert a.draft.band.lower_m - d.band.lower_m == pytest.approx(a.change["shift_m"], abs=1e-6)
    else:
        k = round(a.change["shift_ft"] / rules.level_step_ft)
        moved_m = a.draft.band.lower_m - d.band.lower_m
        assert moved_m == pytest.approx(a.change["shift_ft"] * 0.3048, abs=1e-6)
    assert (k > 0) == (a.kind is AdviceKind.LEVEL_UP)
    assert a.draft == moved_band(d, k, rules)
    assert math.isclose(
        a.draft.band.upper_m - a.draft.band.lower_m, d.band.upper_m - d.band.lower_m, abs_tol=1e-6
    )
    sign = 1 if k > 0 else -1
    steps = sorted(less(abs(k)))
    if abs(k) <= 60:
        steps = list(range(abs(k)))  # every smaller level
    for j in steps:
        if j:
            cand = moved_band(d, sign * j, rules)
            assert cand is not None and not judge.clear(cand), (a.kind, j)


def _offset(s: Setup, judge: Judge, a: Advice, rules: AdviceRules) -> None:
    d = s.subject.draft
    _same_but(d, a.draft, "area")
    bearing, nm = a.change["bearing_deg"], a.change["distance_nm"]
    k = round(nm / rules.offset_step_nm)
    assert math.isclose(k * rules.offset_step_nm, nm, abs_tol=1e-6)
    assert nm <= rules.max_offset_nm + 1e-9
    assert a.draft == offset(d, bearing, k * rules.offset_step_m)
    # the centre moves the advised distance along the advised bearing (pyproj, 1 m)
    (lon0, lat0), (lon1, lat1) = d.area.centre(), a.draft.area.centre()
    az, _, dist = GEOD.inv(lon0, lat0, lon1, lat1)
    assert math.isclose(dist, k * rules.offset_step_m, abs_tol=1.0), (dist, nm)
    if abs(lat0) < 89.0:
        assert abs((az - bearing + 180.0) % 360.0 - 180.0) < 0.01, (az, bearing)
    for j in less(k):
        assert not judge.clear(offset(d, bearing, j * rules.offset_step_m)), (bearing, j)


def _narrow(s: Setup, judge: Judge, a: Advice, rules: AdviceRules) -> None:
    d = s.subject.draft
    _same_but(d, a.draft, "area")
    assert a.change["from_m"] == d.area.radius_m and a.change["to_m"] == a.draft.area.radius_m
    assert a.draft.area.core == d.area.core and a.draft.area.shape == d.area.shape
    k = round(a.change["narrowed_nm"] / rules.offset_step_nm)
    assert math.isclose(d.area.radius_m - a.draft.area.radius_m, k * rules.offset_step_m)
    for j in less(k):
        assert not judge.clear(narrowed(d, j * rules.offset_step_m)), j


def _shrink(s: Setup, judge: Judge, a: Advice, rules: AdviceRules) -> None:
    d = s.subject.draft
    _same_but(d, a.draft, "area")
    assert a.draft.area.shape == "polygon"
    assert d.contains(a.draft)
    assert not a.late  # a part of a filed notice is never late
    assert 0.0 < a.change["kept_fraction"] < 1.0
    # the largest clear piece is at most all that is clear (by exact distances)
    assert d.band is not None
    met = tuple(o for o in s.obstacles if o.meets(d.area, d.band, d.start, d.end))
    assert a.change["kept_fraction"] <= sampled_clear_fraction(d, met, 80) + 0.02


CHECKS = {
    AdviceKind.DELAY: _time,
    AdviceKind.ADVANCE: _time,
    AdviceKind.LEVEL_UP: _level,
    AdviceKind.LEVEL_DOWN: _level,
    AdviceKind.OFFSET: _offset,
    AdviceKind.NARROW: _narrow,
    AdviceKind.SHRINK: _shrink,
}


# ---- shrink: the kept fraction by sampling -------------------------------------------------


def sampled_clear_fraction(d: NoticeDraft, met: tuple[Obstacle, ...], n: int = 150) -> float:
    """Points on an n x n grid over the area (its own frame: azimuthal equidistant, area
    true to ~1e-5 over tens of km), those inside it kept; the share at or beyond the
    minimum from every obstacle met, by the exact distance to each (``area_depth_m``:
    the geodesic to the nearest point, exact outside every shape)."""
    frame = d.area.own_frame()
    shape = d.area.shape_in(frame, 64)
    x0, y0, x1, y1 = shape.bounds
    gx, gy = np.meshgrid(
        x0 + (np.arange(n) + 0.5) * (x1 - x0) / n, y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    )
    x, y = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(shape, x, y)
    lon, lat = frame.inverse(x[inside], y[inside])
    clear = np.ones(int(inside.sum()), dtype=bool)
    for o in met:
        dist = -area_depth_m(o.area, np.asarray(lon), np.asarray(lat))
        clear &= ~((dist < o.near_m) | (dist <= o.touch_m))
    return float(clear.mean())
