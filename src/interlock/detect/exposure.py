"""Exposure: another party's aircraft inside a hot hazard's envelope (issue 15, items 3-4).

Strategic (a declared volume): another party's air volume that horizontally meets a hot
envelope (geodesic distance 0, ``geo.distance.separation``), whose band meets the hazard's
band (touching counts) and whose window overlaps the hot window (half-open windows: one
ending as the other starts does not). Reported with the window of exposure, the volume's
point deepest in the envelope (``hazards.deepest_point``), the time an aircraft there needs
to leave at the agreement's ``default_exit_speed_kt``, and the warning that requires
(that time + ``ack_margin``). Severity is always critical (``model.severity``
``EXPOSURE_SEVERITY``: an aircraft inside a live weapon's reach).

Tactical (live tracks, one tick): an aircraft (domain air, altitude within the hazard's
band, edges included, or unknown) owned by a party other than the kinetic party, at its last
reported position inside (depth >= 0) an envelope hot now. Observed tracks (no owner) have
no party to tell and are left out unless ``observed=True``. Fast path: a lon/lat strip
index of the tracks (``pointgrid``) queried with the envelopes' conservative boxes, a
spherical screen for site hazards and the exact geodesic for what passes it, once per
(hazard, track) however many kinetic notices make the hazard hot; the reference takes the
exact depth of every track in every entry's envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..geo.distance import far_apart, separation
from ..geo.earth import MEAN_RADIUS_M, WGS84
from ..model.agreement import MINIMUM_TOLERANCE_M
from ..model.conflict import Ref
from ..model.hazard_rules import HazardRules
from ..model.limits import EARLIEST, LATEST
from ..model.severity import EXPOSURE_SEVERITY
from .hazards import Hazard, HotHazard, area_depth_m, deepest_point, time_to_exit_s
from .hazards import inside as inside_area
from .keepclear import NEVER, Obstacle, ObstacleKind
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


def hot_obstacle(hot: HotHazard) -> Obstacle:
    """`_exposure`'s rule as an `Obstacle` for another party's air notice: exposed while
    its window overlaps the hot window (half-open: strict both ways), its band meets the
    hazard's (touching counts) and its area meets the envelope (distance 0)."""
    return Obstacle(
        ref=hot.notice,
        party=hot.party,
        kind=ObstacleKind.HOT_HAZARD,
        area=hot.hazard.envelope,
        near_m=NEVER,
        touch_m=0.0,
        band=hot.hazard.draft.band,
        v_near_m=NEVER,
        v_touch_m=0.0,
        t_lo=hot.start,
        t_hi=hot.end,
        hazard_id=hot.hazard.id,
    )


def kinetic_obstacle(
    hazard: Hazard, exposed: Volume, kinetic_party: str, rules: HazardRules
) -> Obstacle | None:
    """What a kinetic notice of `kinetic_party` must keep clear of so as not to expose
    `exposed` in `hazard` (None: it never can, wherever and whenever the kinetic notice
    is). The hazard is hot when the kinetic area comes within ``reach_km`` of its envelope
    (``detect.hazards._hot``: at reach, to the 1 mm tolerance, is hot), whatever the
    kinetic band, over [start, end + reaction_tail) cut to the hazard's validity; the
    exposure needs that to overlap the exposed window (``_exposure``)."""
    if exposed.domain != "air" or exposed.party == kinetic_party:
        return None
    d = hazard.draft
    if exposed.band.gap_m(d.band) > 0.0 or far_apart(exposed.area, hazard.envelope, _TOUCH_M):
        return None
    if separation(exposed.area, hazard.envelope).distance_m > 0.0:
        return None
    t_lo = max(exposed.start, d.valid_from or EARLIEST)
    t_hi = min(exposed.end, d.valid_to or LATEST)
    if not t_lo < t_hi:
        return None
    return Obstacle(
        ref=exposed.ref,
        party=exposed.party,
        kind=ObstacleKind.EXPOSED,
        area=hazard.envelope,
        near_m=NEVER,
        touch_m=rules.reach_km * 1000.0 + MINIMUM_TOLERANCE_M,
        band=None,
        v_near_m=NEVER,
        v_touch_m=NEVER,
        t_lo=t_lo,
        t_hi=t_hi,
        tail=rules.reaction_tail,
        hazard_id=hazard.id,
    )


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
    first: np.ndarray  # (len,) the first entry of the same hazard (same geometry and band)

    def __len__(self) -> int:
        return len(self.hot)

    def party_codes(self, owners: tuple[str, ...]) -> np.ndarray:
        """Each entry's kinetic party as a code into ``owners`` (-2: no track of it)."""
        code = {o: k for k, o in enumerate(owners)}
        return np.array([code.get(h.party, -2) for h in self.hot], dtype=np.int64)


def prepare(hot: Sequence[HotHazard]) -> HotSet:
    boxes: list[tuple[float, float, float, float]] = []
    owner: list[int] = []
    first_of: dict[str, int] = {}
    first: list[int] = []
    for k, h in enumerate(hot):
        f = first_of.setdefault(h.hazard.id, k)
        first.append(f)
        if f != k:  # the hazard's boxes are already in, under its first entry
            continue
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
        first=np.array(first, dtype=np.int64),
    )


@dataclass(frozen=True)
class TrackExposures:
    """Exposure alert inputs: track ``track[k]`` inside hot entry ``hot[k]`` now."""

    track: np.ndarray  # index into the TrackStates
    hot: np.ndarray  # index into HotSet.hot (its hazard and kinetic notice)
    depth_m: np.ndarray
    time_to_exit_s: np.ndarray  # at the track's ground speed (inf: not moving)
    required_warning_s: np.ndarray
    # The geodesic from the hazard's site to the track when the fast path computed it (site
    # hazards; NaN otherwise): masking reuses it rather than repeat the same Karney call.
    site_azimuth_deg: np.ndarray | None = field(default=None, repr=False, compare=False)
    site_range_m: np.ndarray | None = field(default=None, repr=False, compare=False)

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
    states: TrackStates,
    rules: HazardRules,
    e: np.ndarray,
    i: np.ndarray,
    depth: np.ndarray,
    az: np.ndarray | None = None,
    rng: np.ndarray | None = None,
) -> TrackExposures:
    inside = inside_area(depth)
    key = i[inside].astype(np.int64) * (int(e.max(initial=0)) + 1) + e[inside]
    order = np.flatnonzero(inside)[np.argsort(key)]  # by track, then entry (keys distinct)
    e, i, depth = e[order], i[order], depth[order]
    tte = time_to_exit_s(depth, states.speed_kt[i])
    extra = (az[order], rng[order]) if az is not None and rng is not None else (None, None)
    return TrackExposures(i, e, depth, tte, tte + rules.ack_margin.total_seconds(), *extra)


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


def _site_geodesics(
    hs: HotSet, states: TrackStates, e: np.ndarray, i: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_exact_depth`` (the same calls, so the same bits) keeping the site hazards' azimuth
    and range (NaN for area hazards) for masking."""
    depth = np.empty(e.size)
    az = np.full(e.size, np.nan)
    rng = np.full(e.size, np.nan)
    circ = hs.circle[e]
    if circ.any():
        ec, ic = e[circ], i[circ]
        a, _, d = WGS84.inv(hs.site_lon[ec], hs.site_lat[ec], states.lon[ic], states.lat[ic])
        d = np.asarray(d)
        depth[circ], az[circ], rng[circ] = hs.radius_m[ec] - d, np.asarray(a), d
    if not circ.all():
        depth[~circ] = _exact_depth(hs, states, e[~circ], i[~circ])
    return depth, az, rng


def _expand(
    hs: HotSet, active: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each (hazard's first entry) row of ``h`` repeated for the hazard's active entries:
    (row of h, entry)."""
    act = active[np.argsort(hs.first[active], kind="stable")]
    firsts = hs.first[act]
    lo = np.searchsorted(firsts, h, "left")
    count = np.searchsorted(firsts, h, "right") - lo
    row = np.repeat(np.arange(h.size), count)
    pos = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    return row, act[pos]


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
    """Every (track, hot entry) exposure now, through the strip index and the screen.

    The geometry is a hazard's, not an entry's: the index, the screen and the exact depth
    run once per (hazard, track) (under the hazard's first entry, ``HotSet.first``), then
    each pair is repeated for the hazard's active entries of another party than the track's.
    """
    tracks, active = _eligible(states, now.timestamp(), hs, observed)
    codes = hs.party_codes(states.owners)
    index = PointIndex.build(states.lon[tracks], states.lat[tracks], tracks)
    on = np.isin(hs.box_owner, hs.first[active])
    h, i = index.query(hs.boxes[on], hs.box_owner[on])
    alt = states.alt_ft[i]
    ok = np.isnan(alt) | ((alt >= hs.alt_lo_ft[h]) & (alt <= hs.alt_hi_ft[h]))
    h, i = h[ok], i[ok]
    circ = hs.circle[h]
    d = screen_m(hs.site_lon[h], hs.site_lat[h], states.lon[i], states.lat[i])
    near = ~circ | (d <= hs.radius_m[h] * (1.0 + SCREEN_SLACK) + 1.0)
    h, i = h[near], i[near]
    row, e = _expand(hs, active, h)
    mine = states.owner[i[row]] != codes[e]
    row, e = row[mine], e[mine]
    new = np.ones(row.size, dtype=bool)  # row is sorted: its distinct values start runs
    new[1:] = row[1:] != row[:-1]
    used = row[new]  # (hazard, track) pairs some entry needs
    depth, az, rng = _site_geodesics(hs, states, h[used], i[used])
    at = np.cumsum(new) - 1
    return _finish(states, rules, e, i[row], depth[at], az[at], rng[at])


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
