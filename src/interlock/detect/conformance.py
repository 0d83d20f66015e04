"""Conformance (issue 15, item 5): a party's own aircraft outside everything it declared.

Rule: an aircraft track owned by a party (domain air, owner set: tracks it posts or feed
identities the agreement maps to it) is *outside* when no air notice of that party active
now (start <= now < end) holds it: horizontally inside the area (edge included, exact
depth >= 0, ``hazards.area_depth_m``) and in the band (edges included; unknown altitude
is in any band: nothing says otherwise). This returns the instantaneous outside set; how
long a track has been outside (``conformance_grace_s``, hysteresis) is the caller's state.
Each outside track comes with its party's nearest active notice (horizontal distance, then
vertical gap) and, when its party has a kinetic notice active now, that notice: kinetic
activity off its notice ("said north, struck west"). The ASTM F3548-21 §4.5 idea of
conformance monitoring, applied to declared volumes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..geo.units import M_PER_FT
from ..model.hazard_rules import HazardRules
from .exposure import SCREEN_SLACK, screen_m
from .hazards import ActivityNotice, area_depth_m
from .hazards import inside as inside_area
from .pointgrid import PointIndex
from .tactical import AIR, TrackStates


@dataclass(frozen=True)
class Outside:
    """Track ``track[k]`` is outside all its party's active notices now."""

    track: np.ndarray
    nearest: np.ndarray  # index into the notices (-1: its party has none active)
    distance_m: np.ndarray  # horizontal distance to it (inf: none)
    vertical_gap_m: np.ndarray  # from the track's altitude to its band (0: in it / unknown)
    kinetic: np.ndarray  # index of its party's active kinetic notice (-1: none)

    def __len__(self) -> int:
        return int(self.track.size)


@dataclass(frozen=True)
class _Scene:
    tracks: np.ndarray  # owned aircraft
    active: np.ndarray  # active air notices of parties with tracks
    code: np.ndarray  # each notice's party code (-2: no tracks)
    lower: np.ndarray
    upper: np.ndarray
    kinetic_of: dict[int, int]  # party code -> first active kinetic notice


def _scene(
    states: TrackStates, now: datetime, notices: Sequence[ActivityNotice], rules: HazardRules
) -> _Scene:
    codes = {o: k for k, o in enumerate(states.owners)}
    code = np.array([codes.get(n.volume.party, -2) for n in notices], dtype=np.int64)
    live = np.array(
        [n.volume.domain == "air" and n.volume.start <= now < n.volume.end for n in notices],
        dtype=bool,
    )
    active = np.flatnonzero(live & (code >= 0))
    kinetic_of: dict[int, int] = {}
    for j in active.tolist():
        if rules.is_kinetic(notices[j].activity):
            kinetic_of.setdefault(int(code[j]), j)
    return _Scene(
        tracks=np.flatnonzero((states.domain == AIR) & (states.owner >= 0)),
        active=active,
        code=code,
        lower=np.array([n.volume.band.lower_m for n in notices], dtype=float),
        upper=np.array([n.volume.band.upper_m for n in notices], dtype=float),
        kinetic_of=kinetic_of,
    )


def _vertical_gap(states: TrackStates, sc: _Scene, j: np.ndarray, i: np.ndarray) -> np.ndarray:
    z = states.alt_ft[i] * M_PER_FT
    gap = np.maximum(np.maximum(sc.lower[j] - z, z - sc.upper[j]), 0.0)
    return np.where(np.isnan(z), 0.0, gap)


def _depths(
    states: TrackStates, notices: Sequence[ActivityNotice], j: np.ndarray, i: np.ndarray
) -> np.ndarray:
    out = np.empty(j.size)
    for k in np.unique(j).tolist():
        rows = np.flatnonzero(j == k)
        tr = i[rows]
        out[rows] = area_depth_m(notices[k].volume.area, states.lon[tr], states.lat[tr])
    return out


def _result(
    states: TrackStates,
    sc: _Scene,
    outside: np.ndarray,
    j: np.ndarray,
    i: np.ndarray,
    dist: np.ndarray,
    gap: np.ndarray,
) -> Outside:
    """Outside tracks, each with the best of its candidate (notice j, track i) rows."""
    order = np.lexsort((j, gap, dist, i))
    j, i, dist, gap = j[order], i[order], dist[order], gap[order]
    first = np.ones(i.size, dtype=bool)
    first[1:] = i[1:] != i[:-1]
    best_i, best_j, best_d, best_g = i[first], j[first], dist[first], gap[first]
    nearest = np.full(outside.size, -1, dtype=np.int64)
    distance = np.full(outside.size, math.inf)
    vgap = np.zeros(outside.size)
    if best_i.size:
        pos = np.minimum(np.searchsorted(best_i, outside), best_i.size - 1)
        has = best_i[pos] == outside
        nearest[has], distance[has], vgap[has] = (
            best_j[pos][has],
            best_d[pos][has],
            best_g[pos][has],
        )
    kin = [sc.kinetic_of.get(int(states.owner[t]), -1) for t in outside.tolist()]
    return Outside(
        track=outside,
        nearest=nearest,
        distance_m=distance,
        vertical_gap_m=vgap,
        kinetic=np.array(kin, dtype=np.int64),
    )


def conformance(
    states: TrackStates, now: datetime, notices: Sequence[ActivityNotice], rules: HazardRules
) -> Outside:
    """The outside set now: the strip index, notices' boxes, exact depth of candidates.

    Nearest notices of the outside tracks: a lower bound on each distance from the screen
    (central angle x mean radius over 1 + SCREEN_SLACK, less the notice's reach about its
    centre) and an upper bound from the geodesic to the notice's first core point; only the
    notices whose lower bound is within the track's smallest upper bound are measured.
    """
    sc = _scene(states, now, notices, rules)
    index = PointIndex.build(states.lon[sc.tracks], states.lat[sc.tracks], sc.tracks)
    boxes: list[tuple[float, float, float, float]] = []
    owner: list[int] = []
    for j in sc.active.tolist():
        bs = notices[j].volume.area.base_boxes
        boxes.extend(bs)
        owner.extend([j] * len(bs))
    j, i = index.query(np.array(boxes, float).reshape(-1, 4), np.array(owner, np.int64))
    keep = states.owner[i] == sc.code[j]
    j, i = j[keep], i[keep]
    inside = inside_area(_depths(states, notices, j, i)) & (_vertical_gap(states, sc, j, i) <= 0.0)
    outside = np.setdiff1d(sc.tracks, i[inside])
    # nearest notice of each outside track, among its party's active notices
    row = np.repeat(np.arange(outside.size), sc.active.size)
    jj = np.tile(sc.active, outside.size)
    ii = outside[row]
    same = states.owner[ii] == sc.code[jj]
    row, jj, ii = row[same], jj[same], ii[same]
    centre = np.array([notices[k].volume.area.centre() for k in range(len(notices))]).reshape(-1, 2)
    first = np.array([notices[k].volume.area.core[0] for k in range(len(notices))]).reshape(-1, 2)
    reach = np.array([notices[k].volume.area.reach_m for k in sc.active.tolist()])
    reach_of = np.zeros(len(notices))
    reach_of[sc.active] = reach
    h_c = screen_m(states.lon[ii], states.lat[ii], centre[jj, 0], centre[jj, 1])
    lower = (h_c - 1.0) / (1.0 + SCREEN_SLACK) - reach_of[jj]
    h_f = screen_m(states.lon[ii], states.lat[ii], first[jj, 0], first[jj, 1])
    upper = (h_f + 1.0) / (1.0 - SCREEN_SLACK)
    best_upper = np.full(outside.size, math.inf)
    np.minimum.at(best_upper, row, upper)
    cand = lower <= best_upper[row]
    jj, ii = jj[cand], ii[cand]
    dist = np.maximum(-_depths(states, notices, jj, ii), 0.0)
    return _result(states, sc, outside, jj, ii, dist, _vertical_gap(states, sc, jj, ii))


def conformance_reference(
    states: TrackStates, now: datetime, notices: Sequence[ActivityNotice], rules: HazardRules
) -> Outside:
    """The same by brute force: every owned aircraft against every active notice of its party."""
    sc = _scene(states, now, notices, rules)
    j = np.repeat(sc.active, sc.tracks.size)
    i = np.tile(sc.tracks, sc.active.size)
    same = states.owner[i] == sc.code[j]
    j, i = j[same], i[same]
    depth = _depths(states, notices, j, i)
    gap = _vertical_gap(states, sc, j, i)
    inside = inside_area(depth) & (gap <= 0.0)
    outside = np.setdiff1d(sc.tracks, i[inside])
    out = np.isin(i, outside)
    return _result(states, sc, outside, j[out], i[out], np.maximum(-depth[out], 0.0), gap[out])
