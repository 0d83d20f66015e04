"""Masking (issue 15, item 6): a kinetic aircraft the third party's radar may confuse with
another party's exposed aircraft.

Rule (agreement ``[hazards]``: ``masking_nm``, ``masking_deg``): while a hazard is hot, an
aircraft of the kinetic party (the party whose notice makes it hot) within ``masking_nm``
(geodesic) of another party's aircraft exposed in that envelope (``exposure``: inside it,
in its band), whose bearing from the hazard's site (the initial geodesic azimuth, Karney)
is within ``masking_deg`` of the other's. Both limits are inclusive (a warning errs
towards being given; to the agreement's 1 mm tolerance). Area hazards take bearings from
the area's centre. The exposed aircraft is the one at risk, so it must be in the envelope;
the kinetic one need not be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..geo.earth import WGS84
from ..geo.units import M_PER_NM
from ..model.agreement import MINIMUM_TOLERANCE_M
from ..model.hazard_rules import HazardRules
from .exposure import HotSet, TrackExposures
from .pointgrid import PointIndex, point_boxes
from .tactical import AIR, TrackStates

# At a limit is within it: the distance to the agreement's 1 mm, the angle to 1e-9 degree
# (round-off of two azimuths; 1 mm at 60,000 km).
ANGLE_TOLERANCE_DEG = 1e-9


@dataclass(frozen=True)
class MaskingPairs:
    """Kinetic track ``kinetic[k]`` masks exposed track ``other[k]`` for hot entry ``hot[k]``."""

    kinetic: np.ndarray
    other: np.ndarray
    hot: np.ndarray
    distance_m: np.ndarray
    bearing_kinetic_deg: np.ndarray  # from the hazard's site
    bearing_other_deg: np.ndarray
    range_kinetic_m: np.ndarray
    range_other_m: np.ndarray

    def __len__(self) -> int:
        return int(self.kinetic.size)

    def triples(self) -> set[tuple[int, int, int]]:
        return set(zip(self.kinetic.tolist(), self.other.tolist(), self.hot.tolist(), strict=True))


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| for bearings in degrees, in [0, 180]."""
    return np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)


def _judge(
    states: TrackStates,
    hs: HotSet,
    rules: HazardRules,
    k: np.ndarray,
    o: np.ndarray,
    e: np.ndarray,
) -> MaskingPairs:
    """The exact tests on candidate (kinetic, other, entry) triples."""
    _, _, dist = WGS84.inv(states.lon[k], states.lat[k], states.lon[o], states.lat[o])
    dist = np.asarray(dist)
    near = dist <= rules.masking_nm * M_PER_NM + MINIMUM_TOLERANCE_M
    k, o, e, dist = k[near], o[near], e[near], dist[near]
    az_k, _, r_k = WGS84.inv(hs.site_lon[e], hs.site_lat[e], states.lon[k], states.lat[k])
    az_o, _, r_o = WGS84.inv(hs.site_lon[e], hs.site_lat[e], states.lon[o], states.lat[o])
    az_k, az_o = np.asarray(az_k) % 360.0, np.asarray(az_o) % 360.0
    same = angle_between(az_k, az_o) <= rules.masking_deg + ANGLE_TOLERANCE_DEG
    order = np.lexsort((e[same], o[same], k[same]))
    cols = (k, o, e, dist, az_k, az_o, np.asarray(r_k), np.asarray(r_o))
    return MaskingPairs(*(c[same][order] for c in cols))


def _kinetic_tracks(states: TrackStates) -> np.ndarray:
    return np.flatnonzero((states.domain == AIR) & (states.owner >= 0))


def masking(
    states: TrackStates, hs: HotSet, exposures: TrackExposures, rules: HazardRules
) -> MaskingPairs:
    """Every masking triple, from this tick's exposures (``tactical_exposures``).

    The kinetic parties' aircraft are indexed once (``pointgrid``) and queried with boxes of
    ``masking_nm`` about each exposed aircraft; each (kinetic, exposed) pair of aircraft of
    different parties gets its exact distance once, and only the pairs within the limit are
    joined with the exposed aircraft's exposures (hot entries of the kinetic one's party)
    for the bearing test.
    """
    codes = hs.party_codes(states.owners)
    cand = _kinetic_tracks(states)
    exposed = np.unique(exposures.track)
    boxes, which = point_boxes(
        states.lon[exposed], states.lat[exposed], rules.masking_nm * M_PER_NM
    )
    index = PointIndex.build(states.lon[cand], states.lat[cand], cand)
    o, k = index.query(boxes, exposed[which])
    other = states.owner[k] != states.owner[o]  # an exposure's track is never of its party
    o, k = o[other], k[other]
    lon, lat = states.lon, states.lat
    _, _, dist = WGS84.inv(lon[k], lat[k], lon[o], lat[o])
    dist = np.asarray(dist)
    near = dist <= rules.masking_nm * M_PER_NM + MINIMUM_TOLERANCE_M
    o, k, dist = o[near], k[near], dist[near]
    # join: each near pair (o, k) with the exposure rows of o (sorted by track) of k's party
    lo = np.searchsorted(exposures.track, o, "left")
    count = np.searchsorted(exposures.track, o, "right") - lo
    pair = np.repeat(np.arange(o.size), count)
    row = np.arange(pair.size) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    ok = states.owner[k[pair]] == codes[exposures.hot[row]]
    pair, row = pair[ok], row[ok]
    return _bearings(states, hs, rules, exposures, k[pair], row, dist[pair])


def _once(
    a: np.ndarray, b: np.ndarray, fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]]
) -> tuple[np.ndarray, ...]:
    """``fn`` over the distinct (a, b) pairs only, its results spread back to every row (one
    Karney call per pair: the same bits as calling it per row)."""
    if a.size == 0:
        return fn(a, b)
    key = a.astype(np.int64) * (int(b.max()) + 1) + b
    _, first, back = np.unique(key, return_index=True, return_inverse=True)
    return tuple(np.asarray(r)[back] for r in fn(a[first], b[first]))


def _bearings(
    states: TrackStates,
    hs: HotSet,
    rules: HazardRules,
    ex: TrackExposures,
    k: np.ndarray,
    row: np.ndarray,
    dist: np.ndarray,
) -> MaskingPairs:
    """``_judge``'s bearing test on (kinetic k, exposure row) within the distance, each
    geodesic computed once: the kinetic bearing per (hazard, k), the other's bearing and
    range reused from the exposure step (site hazards)."""
    lon, lat = states.lon, states.lat
    o = ex.track[row]
    e = ex.hot[row]

    def from_site(h: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
        az, _, r = WGS84.inv(hs.site_lon[h], hs.site_lat[h], lon[t], lat[t])
        return np.asarray(az), np.asarray(r)

    az_k, r_k = _once(hs.first[e], k, from_site)
    if ex.site_azimuth_deg is not None and ex.site_range_m is not None:
        az_o, r_o = ex.site_azimuth_deg[row], ex.site_range_m[row]
    else:
        az_o, r_o = np.full(row.size, np.nan), np.full(row.size, np.nan)
    miss = np.isnan(az_o)
    if miss.any():
        az_o[miss], r_o[miss] = _once(hs.first[e[miss]], o[miss], from_site)
    az_k, az_o = az_k % 360.0, az_o % 360.0
    same = angle_between(az_k, az_o) <= rules.masking_deg + ANGLE_TOLERANCE_DEG
    order = np.lexsort((e[same], o[same], k[same]))
    cols = (k, o, e, dist, az_k, az_o, r_k, r_o)
    return MaskingPairs(*(c[same][order] for c in cols))


def masking_reference(
    states: TrackStates, hs: HotSet, exposures: TrackExposures, rules: HazardRules
) -> MaskingPairs:
    """The same by brute force: every exposure against every kinetic-party aircraft."""
    codes = hs.party_codes(states.owners)
    cand = _kinetic_tracks(states)
    ks, os_, es = [], [], []
    for code in np.unique(codes[exposures.hot]).tolist():
        rows = np.flatnonzero(codes[exposures.hot] == code)
        mine = cand[states.owner[cand] == code]
        ks.append(np.tile(mine, rows.size))
        os_.append(np.repeat(exposures.track[rows], mine.size))
        es.append(np.repeat(exposures.hot[rows], mine.size))
    if not ks:
        ks = os_ = es = [np.empty(0, dtype=np.int64)]
    return _judge(states, hs, rules, np.concatenate(ks), np.concatenate(os_), np.concatenate(es))
