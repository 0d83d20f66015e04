"""Exposure: another party's aircraft inside a hot hazard's envelope (issue 15, items 3-4).

Strategic (a declared volume): another party's air volume that horizontally meets a hot
envelope (geodesic distance 0, ``geo.distance.separation``), whose band meets the hazard's
band (touching counts) and whose window overlaps the hot window (half-open windows: one
ending as the other starts does not). Reported with the window of exposure, the volume's
point deepest in the envelope (``hazards.deepest_point``), the time an aircraft there needs
to leave at the agreement's ``default_exit_speed_kt``, and the warning that requires
(that time + ``ack_margin``). Severity is always critical (issue 15: an aircraft inside a
live weapon's reach): ``model.severity.EXPOSURE_SEVERITY``.

Tactical (live tracks, one tick): an aircraft (domain air, altitude within the hazard's
band, edges included, or unknown) owned by a party other than the kinetic party, at its last
reported position inside (depth >= 0) an envelope hot now. Observed tracks (no owner) have
no party to tell and are left out unless ``observed=True``. Fast path: a lon/lat strip
index of the tracks (``pointgrid``) queried with the envelopes' conservative boxes, a
spherical screen for site hazards and the exact geodesic for what passes it; the reference
takes the exact depth of every track in every envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..geo.distance import far_apart, separation
from ..geo.earth import MEAN_RADIUS_M, WGS84
from ..model.conflict import Ref
from ..model.hazard_rules import HazardRules
from ..model.severity import EXPOSURE_SEVERITY
from .hazards import HotHazard, area_depth_m, deepest_point, time_to_exit_s
from .hazards import inside as inside_area
from .pointgrid import PointIndex
from .strategic import Volume
from .tactical import AIR, TrackStates

# The spherical screen (central angle x mean radius) over-states a WGS84 geodesic by at
# most ~0.6 % at any latitude (the normal-section radii span a(1-e^2)..a/sqrt(1-e^2)); a
# pair is sent to the exact geodesic when the screen is within SCREEN_SLACK of the radius
# (tests/detect/test_hazards_geometry.py checks the bound on random pairs to 2,500 km).
SCREEN_SLACK = 0.01


@dataclass(frozen=True)
class Exposure:
    """Another party's declared air volume inside a hot envelope."""

    hazard_id: str
    exposed: Ref
    exposed_party: str
    kinetic: Ref  # the notice that makes the hazard hot
    kinetic_party: str
    window_start: datetime
    window_end: datetime
    worst_lon: float  # the volume's point deepest in the envelope
    worst_lat: float
    depth_m: float  # how far that point is from the envelope's edge
    time_to_exit_s: float  # at default_exit_speed_kt along the shortest way out
    required_warning_s: float  # time_to_exit_s + ack_margin
    severity: str = EXPOSURE_SEVERITY


def _exposure(hot: HotHazard, v: Volume, rules: HazardRules, prefilter: bool) -> Exposure | None:
    if v.domain != "air" or v.party == hot.party:
        return None
    start, end = max(v.start, hot.start), min(v.end, hot.end)
    if not start < end:
        return None
    if v.band.gap_m(hot.hazard.draft.band) > 0.0:
        return None
    env = hot.hazard.envelope
    if prefilter and far_apart(v.area, env, _TOUCH_M):
        return None
    if separation(v.area, env).distance_m > 0.0:
        return None
    deep = deepest_point(v.area, hot.hazard)
    tte = float(time_to_exit_s(deep.depth_m, rules.default_exit_speed_kt))
    return Exposure(
        hazard_id=hot.hazard.id,
        exposed=v.ref,
        exposed_party=v.party,
        kinetic=hot.notice,
        kinetic_party=hot.party,
        window_start=start,
        window_end=end,
        worst_lon=deep.lon,
        worst_lat=deep.lat,
        depth_m=deep.depth_m,
        time_to_exit_s=tte,
        required_warning_s=tte + rules.ack_margin.total_seconds(),
    )


_TOUCH_M = 1e-3  # far_apart(limit) is ">= limit": 1 mm keeps touching pairs for the exact test


def strategic_exposures(
    hot: Sequence[HotHazard], volumes: Sequence[Volume], rules: HazardRules
) -> list[Exposure]:
    """Every (hot hazard, declared volume) exposure, by hazard, volume, kinetic notice."""
    out = [e for h in hot for v in volumes if (e := _exposure(h, v, rules, True)) is not None]
    return sorted(out, key=_key)


def strategic_exposures_reference(
    hot: Sequence[HotHazard], volumes: Sequence[Volume], rules: HazardRules
) -> list[Exposure]:
    """The same, every pair through the exact distance with no prefilter."""
    out = [e for h in hot for v in volumes if (e := _exposure(h, v, rules, False)) is not None]
    return sorted(out, key=_key)


def _key(e: Exposure) -> tuple[str, str, int, str, int]:
    return (e.hazard_id, e.exposed.id, e.exposed.version, e.kinetic.id, e.kinetic.version)


# --- tactical: live tracks, one tick -------------------------------------------------------


@dataclass(frozen=True)
class HotSet:
    """Hot hazards prepared for ticks (built when the hot list changes, not every tick)."""

    hot: tuple[HotHazard, ...]
    start: np.ndarray  # epoch seconds
    end: np.ndarray
    circle: np.ndarray  # bool: a site hazard (circle envelope)
    site_lon: np.ndarray  # the site (area hazards: the area's centre)
    site_lat: np.ndarray
    radius_m: np.ndarray  # the envelope's radius (circles: the whole envelope)
    alt_lo_ft: np.ndarray
    alt_hi_ft: np.ndarray
    boxes: np.ndarray  # (B, 4) the envelopes' lon/lat boxes
    box_owner: np.ndarray  # (B,) index into ``hot``

    def __len__(self) -> int:
        return len(self.hot)

    def party_codes(self, owners: tuple[str, ...]) -> np.ndarray:
        """Each entry's kinetic party as a code into ``owners`` (-2: no track of it)."""
        code = {o: k for k, o in enumerate(owners)}
        return np.array([code.get(h.party, -2) for h in self.hot], dtype=np.int64)


def prepare(hot: Sequence[HotHazard]) -> HotSet:
    boxes: list[tuple[float, float, float, float]] = []
    owner: list[int] = []
    for k, h in enumerate(hot):
        bs = h.hazard.envelope.base_boxes
        boxes.extend(bs)
        owner.extend([k] * len(bs))

    def arr(values: list[float]) -> np.ndarray:
        return np.array(values, dtype=float)

    sites = [h.hazard.site_point for h in hot]
    return HotSet(
        hot=tuple(hot),
        start=arr([h.start.timestamp() for h in hot]),
        end=arr([h.end.timestamp() for h in hot]),
        circle=np.array([h.hazard.draft.site.shape == "circle" for h in hot], dtype=bool),
        site_lon=arr([s[0] for s in sites]),
        site_lat=arr([s[1] for s in sites]),
        radius_m=arr([h.hazard.envelope.radius_m for h in hot]),
        alt_lo_ft=arr([h.hazard.draft.alt_min_ft for h in hot]),
        alt_hi_ft=arr([h.hazard.draft.alt_max_ft for h in hot]),
        boxes=np.array(boxes, dtype=float).reshape(-1, 4),
        box_owner=np.array(owner, dtype=np.int64),
    )


@dataclass(frozen=True)
class TrackExposures:
    """Exposure alert inputs: track ``track[k]`` inside hot entry ``hot[k]`` now."""

    track: np.ndarray  # index into the TrackStates
    hot: np.ndarray  # index into HotSet.hot (its hazard and kinetic notice)
    depth_m: np.ndarray
    time_to_exit_s: np.ndarray  # at the track's ground speed (inf: not moving)
    required_warning_s: np.ndarray

    def __len__(self) -> int:
        return int(self.track.size)

    def pairs(self) -> set[tuple[int, int]]:
        return set(zip(self.track.tolist(), self.hot.tolist(), strict=True))


def _eligible(
    states: TrackStates, t: float, hs: HotSet, observed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Tracks that may be exposed (aircraft, owned unless ``observed``) and active entries."""
    tracks = (states.domain == AIR) & ((states.owner >= 0) | observed)
    active = (hs.start <= t) & (t < hs.end)
    return np.flatnonzero(tracks), np.flatnonzero(active)


def _keep(
    states: TrackStates, hs: HotSet, codes: np.ndarray, e: np.ndarray, i: np.ndarray
) -> np.ndarray:
    """Pairs (entry, track) of another party than the kinetic one, in the band or unknown."""
    alt = states.alt_ft[i]
    in_band = np.isnan(alt) | ((alt >= hs.alt_lo_ft[e]) & (alt <= hs.alt_hi_ft[e]))
    return in_band & (states.owner[i] != codes[e])


def _finish(
    states: TrackStates, rules: HazardRules, e: np.ndarray, i: np.ndarray, depth: np.ndarray
) -> TrackExposures:
    inside = inside_area(depth)
    e, i, depth = e[inside], i[inside], depth[inside]
    order = np.lexsort((e, i))
    e, i, depth = e[order], i[order], depth[order]
    tte = time_to_exit_s(depth, states.speed_kt[i])
    return TrackExposures(i, e, depth, tte, tte + rules.ack_margin.total_seconds())


def _exact_depth(hs: HotSet, states: TrackStates, e: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Exact depth of track i in entry e's envelope (circles: one vectorised Geod call)."""
    depth = np.empty(e.size)
    circ = hs.circle[e]
    if circ.any():
        ec, ic = e[circ], i[circ]
        _, _, d = WGS84.inv(hs.site_lon[ec], hs.site_lat[ec], states.lon[ic], states.lat[ic])
        depth[circ] = hs.radius_m[ec] - np.asarray(d)
    for k in np.unique(e[~circ]).tolist():
        rows = np.flatnonzero(e == k)
        env = hs.hot[k].hazard.envelope
        depth[rows] = area_depth_m(env, states.lon[i[rows]], states.lat[i[rows]])
    return depth


def screen_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Central angle (geodetic latitudes) times the mean Earth radius: the cheap screen."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    s_dlat = np.sin(0.5 * (p2 - p1))
    s_dlon = np.sin(0.5 * np.radians(lon2 - lon1))
    a = s_dlat * s_dlat + np.cos(p1) * np.cos(p2) * s_dlon * s_dlon
    return 2.0 * MEAN_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def tactical_exposures(
    states: TrackStates, now: datetime, hs: HotSet, rules: HazardRules, observed: bool = False
) -> TrackExposures:
    """Every (track, hot entry) exposure now, through the strip index and the screen."""
    tracks, active = _eligible(states, now.timestamp(), hs, observed)
    codes = hs.party_codes(states.owners)
    index = PointIndex.build(states.lon[tracks], states.lat[tracks], tracks)
    on = np.isin(hs.box_owner, active)
    e, i = index.query(hs.boxes[on], hs.box_owner[on])
    ok = _keep(states, hs, codes, e, i)
    e, i = e[ok], i[ok]
    circ = hs.circle[e]
    h = screen_m(hs.site_lon[e], hs.site_lat[e], states.lon[i], states.lat[i])
    near = ~circ | (h <= hs.radius_m[e] * (1.0 + SCREEN_SLACK) + 1.0)
    e, i = e[near], i[near]
    return _finish(states, rules, e, i, _exact_depth(hs, states, e, i))


def tactical_exposures_reference(
    states: TrackStates, now: datetime, hs: HotSet, rules: HazardRules, observed: bool = False
) -> TrackExposures:
    """The same by brute force: every eligible track in every active envelope, exactly."""
    tracks, active = _eligible(states, now.timestamp(), hs, observed)
    codes = hs.party_codes(states.owners)
    es, is_, ds = [], [], []
    step = max(1, 2_000_000 // max(tracks.size, 1))  # entries per chunk: bounded memory
    for s in range(0, active.size, step):
        chunk = active[s : s + step]
        e = np.repeat(chunk, tracks.size)
        i = np.tile(tracks, chunk.size)
        ok = _keep(states, hs, codes, e, i)
        e, i = e[ok], i[ok]
        d = _exact_depth(hs, states, e, i)
        inside = inside_area(d)
        es.append(e[inside])
        is_.append(i[inside])
        ds.append(d[inside])
    if not es:
        es, is_, ds = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0)]
    return _finish(states, rules, np.concatenate(es), np.concatenate(is_), np.concatenate(ds))
