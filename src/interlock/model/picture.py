"""The live track picture: the latest state of every moving object, merged from its reports.

Pure and in memory: no I/O and no clock; every call that depends on time takes `now`.
Feeds produce `TrackReport`s (often partial: SBS sends position in one message and speed in
another; AIS sends names in separate static messages); `Picture.apply(report, party, now)`
merges each into the track of its identity (`track_id`) *as reported by that party* (the
feed's poster), and refuses bad input with a `Skip` carrying a stable reason, never
building a phantom track.

Provenance. The parties do not trust each other, so the picture keeps one track per
(identity, reporting party), as a multi-sensor tracker keeps one track per sensor before
fusing: a party's reports only ever update, reorder or refuse against its own track of an
identity, so no party can freeze, roll back or move another's. The *fused* view that
`get`, `tracks`, `to_geojson` and `arrays` give is one track per identity: the source
track with the freshest position (ties: the first party by name), with `sources` naming
every party whose track of it is fresh (all positioned ones when none is).

Refusals:

- a report `implausible()` rejects: its own reason ("impossible_position", ...);
- "future_time": dated more than `future_skew` (`track.FUTURE_SKEW`) past `now`, the
  server's clock (a future-dated fix would stay "fresh" and newest for ever);
- "duplicate": the same report again (receivers and relays repeat messages);
- "out_of_order": older than the track's last position, or older than a field it carries
  (a late report must not roll the picture back);
- "impossible_jump": a position farther from the last one (geodesic, WGS84) than the
  domain's MAX_SPEED_KT allows in the time between, with a small slack for GPS noise and
  whole-second timestamps. If two rejected positions in a row agree with each other, the
  *anchor* was the bad fix and the track re-anchors on the newer one (as the Mode S
  decoder resets its CPR state), so one bad first fix cannot freeze a track forever;
- "domain_mismatch": a report for a known identity in the other domain (whoever
  reported it first: feeds fix the domain by the kind of identity, so this only catches
  an identity reused across kinds).

Reports for an identity that has no position yet (an AIS name, an SBS velocity) are held
in an unlisted record and merged when the first position arrives: only positioned tracks
are ever listed, returned by `get`, exported or drawn; `expire` drops unpositioned records
too, so names of objects never seen moving do not accumulate.

Each field keeps the time it was last reported, so detection can tell a fresh position
carried with an old velocity (`velocity_age_s`); `arrays` only exports a velocity that is
at most `velocity_max_age` older than its position.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

import numpy as np

from ..geo.frame import geodesic_distance_m
from ..geo.units import KT_IN_MPS
from . import track as _track
from .timeutil import iso
from .track import FUTURE_SKEW, MAX_SPEED_KT, Skip, TrackReport, implausible

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

# Stale: no position for this long. Air: ADS-B positions come at 2 Hz, SBS about 1 s, so a
# minute of silence means the aircraft left coverage. Sea: AIS class A reports every 2-10 s
# under way but every 3 min at anchor (ITU-R M.1371-5 table 1), class B every 30 s-3 min.
STALE_AFTER = {"air": timedelta(seconds=60), "sea": timedelta(minutes=10)}
# A velocity older than this relative to its position is not extrapolated: an aircraft in a
# standard-rate turn (3 deg/s) changes course 30 deg in 10 s; ships turn far slower.
VELOCITY_MAX_AGE = {"air": timedelta(seconds=10), "sea": timedelta(minutes=3)}
# Past positions kept per track, for replay (bounded: long-running feeds). Measured: about
# 6 KiB per track at 32 fixes (60 MB for 10 k tracks); pass a smaller `history` for 100 k.
HISTORY = 32
RECENT = 4  # last reports kept per track to recognise duplicates (repeats arrive close)
# Jump slack: GPS/ADS-B position noise (NACp 8 is < 93 m) and whole-second timestamps.
NOISE_M = 100.0
TIME_SLACK_S = 1.0
# Bounds of the WGS84 geodesic against the central angle on the unit sphere (same
# geodetic lat/lon): a path's length on the ellipsoid is between the least radius of
# curvature (meridional, at the equator: a(1-e^2)) and the greatest (at the poles: a^2/b)
# times its length on the unit sphere, so the geodesic is too. Rounded outwards.
M_EQUATOR_M = 6_335_439.0
N_POLE_M = 6_399_594.0
# A bound that leaves a verdict this close to the limit (relative, plus metres for the
# rounding of the haversine) asks pyproj instead.
BOUND_REL, BOUND_ABS_M = 1e-6, 1.0

Key = tuple[Any, ...]  # what makes two reports of one track equal (see `apply`)


class LatestFix(Protocol):
    """A party's track of an identity as its newest accepted position left it, read-only
    (`Picture.latest`: the live merge state itself, not a copy: read it at once)."""

    @property
    def track_id(self) -> str: ...
    @property
    def party(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def position_ts(self) -> float: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def alt_ft(self) -> float | None: ...
    @property
    def speed_kt(self) -> float | None: ...
    @property
    def course_deg(self) -> float | None: ...
    @property
    def name(self) -> str | None: ...


class Fix(NamedTuple):
    """One past position of a track (history, for replay)."""

    time: datetime
    lon: float
    lat: float
    alt_ft: float | None
    speed_kt: float | None
    course_deg: float | None


class Update(NamedTuple):
    """What a report did: "new" (first position: the track is now listed), "moved" (a new
    position), "updated" (other fields only), "pending" (identity not positioned yet)."""

    track_id: str
    kind: str


_new_update = tuple.__new__  # Update's own __new__ is a Python function (see apply)


@dataclass(frozen=True, slots=True)
class TrackState:
    """A positioned track's latest state; `times` holds each field's own report time."""

    track_id: str
    domain: str
    source: str  # the feed of the latest position
    owner: str | None  # the party whose own force this is (None: observed)
    time: datetime  # of the position
    lon: float
    lat: float
    alt_ft: float | None
    speed_kt: float | None
    course_deg: float | None
    vertical_rate_fpm: float | None
    name: str | None
    stale: bool
    times: dict[str, datetime]  # "position", "alt_ft", "speed_kt", ... -> report time
    party: str = ""  # the party whose report this state is ("": unnamed, a local picture)
    sources: tuple[str, ...] = ()  # parties reporting the identity (fused view)

    @property
    def velocity_age_s(self) -> float | None:
        """How much older the velocity (speed and course) is than the position; negative
        when a velocity-only report (SBS MSG 4, Mode S TC 19) came after the position."""
        ts = [self.times.get("speed_kt"), self.times.get("course_deg")]
        if ts[0] is None or ts[1] is None:
            return None
        return (self.time - min(ts[0], ts[1])).total_seconds()


@dataclass(frozen=True, slots=True)
class TrackArrays:
    """Column arrays of fresh tracks with position and velocity, for vectorised detection.

    Unknown values are NaN (alt_ft for ships, a missing or old vertical rate)."""

    track_id: np.ndarray  # object (str): cheaper to build than a fixed-width str array
    owner: np.ndarray  # object: party or None
    lon: np.ndarray
    lat: np.ndarray
    alt_ft: np.ndarray
    speed_kt: np.ndarray
    course_deg: np.ndarray
    vertical_rate_fpm: np.ndarray
    time: np.ndarray  # epoch seconds of the position
    sources: np.ndarray  # object: tuple of the parties whose fresh reports the track rests on

    def __len__(self) -> int:
        return len(self.track_id)


@dataclass(slots=True)
class _Track:
    """Mutable merge state of one identity (positioned or not); each field with its time."""

    track_id: str
    domain: str
    source: str
    history: deque[tuple[Any, ...]]  # Fix fields as plain tuples (cheaper to build)
    party: str = ""  # the party whose reports these are
    owner: str | None = None
    lon: float | None = None
    lat: float | None = None
    position_time: datetime | None = None
    position_ts: float = math.nan  # the same, epoch seconds (for the numpy export)
    alt_ft: float | None = None
    alt_time: datetime | None = None
    speed_kt: float | None = None
    speed_time: datetime | None = None
    course_deg: float | None = None
    course_time: datetime | None = None
    vertical_rate_fpm: float | None = None
    vertical_rate_time: datetime | None = None
    name: str | None = None
    name_time: datetime | None = None
    last_time: datetime | None = None  # newest report merged, any kind (for expire)
    # keys (see `Picture.apply`) of the last reports merged or refused as jumps, to spot repeats
    recent: deque[Key] = field(default_factory=lambda: deque(maxlen=RECENT))
    rejected: TrackReport | None = None  # the last position refused as a jump

    def times(self) -> dict[str, datetime]:
        pairs = [
            ("position", self.position_time),
            ("alt_ft", self.alt_time),
            ("speed_kt", self.speed_time),
            ("course_deg", self.course_time),
            ("vertical_rate_fpm", self.vertical_rate_time),
            ("name", self.name_time),
        ]
        return {k: v for k, v in pairs if v is not None}


def in_box(lon: float, lat: float, bbox: Box) -> bool:
    """Whether a point is in a box; min_lon > max_lon means it crosses the antimeridian."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if not min_lat <= lat <= max_lat:
        return False
    if min_lon <= max_lon:
        return min_lon <= lon <= max_lon
    return lon >= min_lon or lon <= max_lon


def _reachable(
    lon: float,
    lat: float,
    at: datetime,
    b: TrackReport,
    domain: str,
    dt_s: float | None = None,
) -> bool:
    """Whether b's position can follow (lon, lat) at time `at` at the domain's top speed
    (geodesic on WGS84, plus slack for noise and whole-second timestamps).

    The geodesic is bounded from the haversine angle first (`M_EQUATOR_M`, `N_POLE_M`);
    only when the limit falls between the bounds is it computed (pyproj), so the verdict
    is the exact one at a fraction of the cost. `dt_s`, the time between as a difference
    of epoch seconds (off by microseconds at most), lets the common case skip the
    datetime arithmetic: it only ever accepts with a metre to spare."""
    assert b.lon is not None and b.lat is not None
    speed = MAX_SPEED_KT[domain] * KT_IN_MPS
    # Cheapest first: the angle is at most the path along the parallel of `lat`, then the
    # meridian (|dlon| cos lat + |dlat|), which settles nearly every plausible move.
    dlon = abs(b.lon - lon)
    if dlon > 180.0:
        dlon = 360.0 - dlon
    path = math.radians(dlon * math.cos(math.radians(lat)) + abs(b.lat - lat))
    bound = N_POLE_M * path * (1 + BOUND_REL) + BOUND_ABS_M
    if dt_s is not None and bound <= speed * (abs(dt_s) + TIME_SLACK_S) + NOISE_M - 1.0:
        return True
    dt = abs((b.time - at).total_seconds())
    limit = speed * (dt + TIME_SLACK_S) + NOISE_M
    if bound <= limit:
        return True
    phi1, phi2 = math.radians(lat), math.radians(b.lat)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b.lon - lon) / 2) ** 2
    )
    angle = 2 * math.asin(math.sqrt(min(1.0, h)))
    if N_POLE_M * angle * (1 + BOUND_REL) + BOUND_ABS_M <= limit:
        return True
    if M_EQUATOR_M * angle * (1 - BOUND_REL) - BOUND_ABS_M > limit:
        return False
    return geodesic_distance_m(lon, lat, b.lon, b.lat) <= limit


class Picture:
    """Per (identity, party) tracks, their bounded history, staleness per domain, and the
    fused view: one track per identity."""

    def __init__(
        self,
        stale_after: dict[str, timedelta] | None = None,
        history: int = HISTORY,
        velocity_max_age: dict[str, timedelta] | None = None,
        future_skew: timedelta = FUTURE_SKEW,
    ) -> None:
        self.stale_after = {**STALE_AFTER, **(stale_after or {})}
        self.velocity_max_age = {**VELOCITY_MAX_AGE, **(velocity_max_age or {})}
        self.history_len = history
        self.future_skew = future_skew
        # identity -> reporting party -> that party's track of it
        self._tracks: dict[str, dict[str, _Track]] = {}

    def __len__(self) -> int:
        """Positioned identities (stale included)."""
        return sum(1 for ts in self._tracks.values() if any(t.lon is not None for t in ts.values()))

    # --- merging -----------------------------------------------------------------------

    def apply(self, r: TrackReport, party: str = "", now: datetime | None = None) -> Update | Skip:
        """Merge one report of `party` into that party's track of its identity, or say why
        it was refused. With `now` (the server's clock), a report dated more than
        `future_skew` after it is refused as "future_time".

        A report the feed's decoder has just found plausible (`checked`) is not tested
        again; any other is."""
        if r is not _track._passed:  # i.e. not checked(r), without the call
            why = implausible(r)
            if why:
                return Skip(why, r.track_id)
        if now is not None and r.time > now + self.future_skew:
            return Skip("future_time", r.track_id, f"more than {self.future_skew} ahead")
        sources = self._tracks.get(r.track_id)
        t = None if sources is None else sources.get(party)
        positioned = r.lon is not None
        ts = r.time.timestamp() if positioned else math.nan
        # What makes two reports of one track equal: TrackReport.__eq__ less track_id and
        # domain, which the track fixes; time first, as it differs soonest. A tuple compares
        # in C, where the dataclass __eq__ builds two tuples in Python for each of `recent`.
        key = (
            r.time,
            r.lon,
            r.lat,
            r.alt_ft,
            r.speed_kt,
            r.course_deg,
            r.vertical_rate_fpm,
            r.name,
            r.owner,
            r.source,
        )
        if t is None:
            if sources is None:
                sources = self._tracks[r.track_id] = {}
            else:
                domain = next(iter(sources.values())).domain
                if r.domain != domain:
                    return Skip("domain_mismatch", r.track_id, f"track is {domain}")
            t = _Track(r.track_id, r.domain, r.source, deque(maxlen=self.history_len), party)
            sources[party] = t
        else:
            if r.domain != t.domain:
                return Skip("domain_mismatch", r.track_id, f"track is {t.domain}")
            if key in t.recent:
                return Skip("duplicate", r.track_id)
            if _out_of_order(t, r):
                return Skip("out_of_order", r.track_id)
            if positioned and t.lon is not None and not _accept_position(t, r, key, ts):
                return Skip("impossible_jump", r.track_id)
        first_fix = positioned and t.lon is None
        self._merge(t, r, key, ts)
        # tuple.__new__ directly: Update(...) adds a Python-level __new__ per report
        if first_fix:
            return _new_update(Update, (r.track_id, "new"))
        if positioned:
            return _new_update(Update, (r.track_id, "moved"))
        kind = "updated" if t.lon is not None else "pending"
        return _new_update(Update, (r.track_id, kind))

    def _merge(self, t: _Track, r: TrackReport, key: Key, ts: float) -> None:
        """Merge r; `ts`: its time in epoch seconds (when it has a position)."""
        at = r.time
        if r.lon is not None:
            t.lon, t.lat, t.position_time, t.source = r.lon, r.lat, at, r.source
            t.position_ts = ts
        if r.alt_ft is not None:
            t.alt_ft, t.alt_time = r.alt_ft, at
        if r.speed_kt is not None:
            t.speed_kt, t.speed_time = r.speed_kt, at
        if r.course_deg is not None:
            t.course_deg, t.course_time = r.course_deg, at
        if r.vertical_rate_fpm is not None:
            t.vertical_rate_fpm, t.vertical_rate_time = r.vertical_rate_fpm, at
        if r.name is not None:
            t.name, t.name_time = r.name, at
        if r.owner is not None:
            t.owner = r.owner
        if t.last_time is None or at > t.last_time:
            t.last_time = at
        t.recent.append(key)
        if r.lon is not None and r.lat is not None and self.history_len > 0:
            t.history.append((at, r.lon, r.lat, t.alt_ft, t.speed_kt, t.course_deg))

    # --- fusing ------------------------------------------------------------------------

    def _fused(
        self, sources: dict[str, _Track], now: datetime | None
    ) -> tuple[_Track, tuple[str, ...]] | None:
        """The source track an identity's fused view shows (freshest position; ties: the
        first party by name) and the parties reporting it (fresh at `now`, or every
        positioned one when none is fresh or `now` is None). None: nothing positioned."""
        best: _Track | None = None
        best_at: datetime | None = None
        positioned: list[tuple[_Track, datetime]] = []
        for t in sources.values():
            at = t.position_time
            if at is None:
                continue
            positioned.append((t, at))
            if best is None or best_at is None or _before(best, best_at, t, at):
                best, best_at = t, at
        if best is None:
            return None
        if len(positioned) == 1:
            return best, (best.party,) if best.party else ()
        fresh = positioned
        if now is not None:
            cutoff = now - self.stale_after[best.domain]
            fresh = [(t, at) for t, at in positioned if at >= cutoff] or positioned
        return best, tuple(sorted({t.party for t, _ in fresh if t.party}))

    # --- reading -----------------------------------------------------------------------

    def _listed(
        self, now: datetime, bbox: Box | None, include_stale: bool
    ) -> list[tuple[_Track, tuple[str, ...]]]:
        """Fused positioned tracks by id, in the box, fresh unless include_stale."""
        cutoff = {d: now - a for d, a in self.stale_after.items()}
        out = []
        for tid in sorted(self._tracks):
            fused = self._fused(self._tracks[tid], now)
            if fused is None:
                continue
            t = fused[0]
            assert t.lon is not None and t.lat is not None and t.position_time is not None
            if bbox is not None and not in_box(t.lon, t.lat, bbox):
                continue
            if include_stale or t.position_time >= cutoff[t.domain]:
                out.append(fused)
        return out

    def _state(self, t: _Track, now: datetime, sources: tuple[str, ...]) -> TrackState:
        assert t.lon is not None and t.lat is not None and t.position_time is not None
        return TrackState(
            track_id=t.track_id,
            domain=t.domain,
            source=t.source,
            owner=t.owner,
            time=t.position_time,
            lon=t.lon,
            lat=t.lat,
            alt_ft=t.alt_ft,
            speed_kt=t.speed_kt,
            course_deg=t.course_deg,
            vertical_rate_fpm=t.vertical_rate_fpm,
            name=t.name,
            stale=now - t.position_time > self.stale_after[t.domain],
            times=t.times(),
            party=t.party,
            sources=sources,
        )

    def _source(self, track_id: str, party: str | None) -> tuple[_Track, tuple[str, ...]] | None:
        """`party`'s positioned track of an identity, or (None) its fused track."""
        sources = self._tracks.get(track_id)
        if sources is None:
            return None
        if party is None:
            return self._fused(sources, None)
        t = sources.get(party)
        if t is None or t.position_time is None:
            return None
        return t, (party,) if party else ()

    def get(
        self, track_id: str, now: datetime | None = None, party: str | None = None
    ) -> TrackState | None:
        """A positioned track's fused state, or `party`'s own track of it (None if unknown
        or not positioned yet).

        Without `now`, staleness is judged at the track's own position time (never stale)."""
        found = self._source(track_id, party)
        if found is None:
            return None
        t, sources = found
        assert t.position_time is not None
        if now is not None and party is None:
            fused = self._fused(self._tracks[track_id], now)
            assert fused is not None
            sources = fused[1]
        return self._state(t, now or t.position_time, sources)

    def tracks(
        self, now: datetime, bbox: Box | None = None, include_stale: bool = False
    ) -> list[TrackState]:
        """Fused positioned tracks, by track id; bbox may cross the antimeridian."""
        return [self._state(t, now, s) for t, s in self._listed(now, bbox, include_stale)]

    def latest(self, track_id: str, party: str) -> LatestFix:
        """`party`'s track of an identity as its newest accepted position left it (the
        history recorder reads it after each "new" or "moved" update: no copy is made,
        so it costs two look-ups; read it before the next report is applied)."""
        return self._tracks[track_id][party]

    def history(self, track_id: str, party: str | None = None) -> list[Fix]:
        """Past positions of the fused track's source (or of `party`'s track), oldest
        first (at most `history` of them)."""
        found = self._source(track_id, party)
        if found is None:
            return []
        return [Fix._make(f) for f in found[0].history]

    def expire(self, now: datetime, drop_after: timedelta) -> list[str]:
        """Forget each party's track of an identity silent for drop_after (memory bound),
        and identities no party reports any more; the ids of those."""
        cutoff = now - drop_after
        gone = []
        for tid, sources in list(self._tracks.items()):
            for party in [p for p, t in sources.items() if t.last_time and t.last_time < cutoff]:
                del sources[party]
            if not sources:
                del self._tracks[tid]
                gone.append(tid)
        return sorted(gone)

    def to_geojson(
        self, now: datetime, bbox: Box | None = None, include_stale: bool = True
    ) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of Points (fused), stale tracks flagged (a map greys
        them); `sources` names the parties reporting each, `position_from` the party
        whose fix is shown."""
        cutoff = {d: now - a for d, a in self.stale_after.items()}
        features = []
        for t, sources in self._listed(now, bbox, include_stale):
            assert t.position_time is not None
            features.append(
                {
                    "type": "Feature",
                    "id": t.track_id,
                    "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
                    "properties": {
                        "track_id": t.track_id,
                        "domain": t.domain,
                        "name": t.name,
                        "owner": t.owner,
                        "source": t.source,
                        "sources": list(sources),
                        "position_from": t.party or None,
                        "alt_ft": t.alt_ft,
                        "speed_kt": t.speed_kt,
                        "course_deg": t.course_deg,
                        "vertical_rate_fpm": t.vertical_rate_fpm,
                        "stale": t.position_time < cutoff[t.domain],
                        "time": iso(t.position_time),
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def arrays(self, now: datetime, domain: str) -> TrackArrays:
        """Fresh tracks of one domain with position and a usable velocity, as columns, one
        per identity (in first-seen order, not sorted: this runs every detection cycle).

        Of an identity's source tracks, the freshest usable one is exported; `sources`
        names every party whose usable track of it is fresh. A velocity (or vertical rate)
        more than `velocity_max_age` older than its position is left out (NaN for the
        vertical rate): extrapolating it would mislead."""
        max_age = self.velocity_max_age[domain]
        fresh_from = now - self.stale_after[domain]
        air = domain == "air"
        ids: list[str] = []
        owners: list[str | None] = []
        reporters: list[tuple[str, ...]] = []
        # None (never here: each value is set with its time, checked above) would read as NaN
        num: list[list[float | None]] = [[] for _ in range(7)]
        lon, lat, alt, speed, course, vrate, ts = num
        for sources in self._tracks.values():
            best: _Track | None = None
            best_at: datetime | None = None
            parties: list[str] = []
            for t in sources.values():
                at = t.position_time
                if t.domain != domain or at is None or at < fresh_from:
                    continue
                st, ct = t.speed_time, t.course_time
                oldest = at - max_age
                if st is None or ct is None or st < oldest or ct < oldest:
                    continue
                if t.party:
                    parties.append(t.party)
                if best is None or best_at is None or _before(best, best_at, t, at):
                    best, best_at = t, at
            if best is None or best_at is None:
                continue
            t = best
            oldest = best_at - max_age
            vt = t.vertical_rate_time
            ids.append(t.track_id)
            owners.append(t.owner)
            reporters.append(tuple(sorted(parties)) if len(parties) > 1 else tuple(parties))
            lon.append(t.lon)
            lat.append(t.lat)
            alt.append(t.alt_ft if air and t.alt_ft is not None else math.nan)
            speed.append(t.speed_kt)
            course.append(t.course_deg)
            fresh_vr = vt is not None and vt >= oldest and t.vertical_rate_fpm is not None
            vrate.append(t.vertical_rate_fpm if fresh_vr else math.nan)
            ts.append(t.position_ts)
        lon_a, lat_a, alt_a, speed_a, course_a, vrate_a, ts_a = (
            np.array(c, dtype=float) for c in num
        )
        sources_a = np.empty(len(reporters), dtype=object)
        for n, parties_n in enumerate(reporters):  # one by one: tuples would make a 2-D array
            sources_a[n] = parties_n
        return TrackArrays(
            track_id=np.array(ids, dtype=object),
            owner=np.array(owners, dtype=object),
            lon=lon_a,
            lat=lat_a,
            alt_ft=alt_a,
            speed_kt=speed_a,
            course_deg=course_a,
            vertical_rate_fpm=vrate_a,
            time=ts_a,
            sources=sources_a,
        )


def _before(a: _Track, a_at: datetime, b: _Track, b_at: datetime) -> bool:
    """Whether source track b's fix (at b_at) is preferred to a's: fresher, or as fresh
    and from the party first by name (so the fused view does not depend on dict order)."""
    return b_at > a_at or (b_at == a_at and b.party < a.party)


def _out_of_order(t: _Track, r: TrackReport) -> bool:
    """Older than the last position, or than the last report of a field it carries."""
    at = r.time
    return (
        (t.position_time is not None and at < t.position_time)
        or (r.alt_ft is not None and t.alt_time is not None and at < t.alt_time)
        or (r.speed_kt is not None and t.speed_time is not None and at < t.speed_time)
        or (r.course_deg is not None and t.course_time is not None and at < t.course_time)
        or (
            r.vertical_rate_fpm is not None
            and t.vertical_rate_time is not None
            and at < t.vertical_rate_time
        )
        or (r.name is not None and t.name_time is not None and at < t.name_time)
    )


def _accept_position(t: _Track, r: TrackReport, key: Key, ts: float) -> bool:
    """The jump check against the last fix; two agreeing refusals in a row re-anchor.
    `ts`: r's time in epoch seconds."""
    assert t.lon is not None and t.lat is not None and t.position_time is not None
    if _reachable(t.lon, t.lat, t.position_time, r, t.domain, ts - t.position_ts):
        t.rejected = None
        return True
    prev, t.rejected = t.rejected, r
    t.recent.append(key)  # a repeat of this refused report is then a "duplicate"
    if (
        prev is not None
        and prev.lon is not None
        and prev.lat is not None
        and prev.time < r.time
        and _reachable(prev.lon, prev.lat, prev.time, r, t.domain)
    ):
        t.rejected = None
        t.history.clear()  # the old fixes led to a bad anchor: not worth replaying
        return True
    return False


# ---- the picture's state as plain data (a shared picture's handover: service.picture_share) --
_STATE_TIMES = (
    "position_time",
    "alt_time",
    "speed_time",
    "course_time",
    "vertical_rate_time",
    "name_time",
    "last_time",
)
_STATE_VALUES = (
    "track_id",
    "domain",
    "source",
    "party",
    "owner",
    "lon",
    "lat",
    "alt_ft",
    "speed_kt",
    "course_deg",
    "vertical_rate_fpm",
    "name",
)


def picture_state(picture: Picture) -> list[list[Any]]:
    """Every party's track of every identity, each field with its time (epoch seconds), as
    JSON-ready rows; the kept history and the repeat keys are left out (bounded, and the
    next reports rebuild them)."""
    return [
        [getattr(t, f) for f in _STATE_VALUES]
        + [None if (v := getattr(t, f)) is None else v.timestamp() for f in _STATE_TIMES]
        for sources in picture._tracks.values()
        for t in sources.values()
    ]


def restore_picture(picture: Picture, rows: list[list[Any]]) -> None:
    """Replace `picture`'s tracks by `picture_state`'s rows (each positioned one with its
    position as the first fix of its history)."""
    times: dict[float, datetime] = {}  # most fields of a report share its time: one each

    def when(ts: float | None) -> datetime | None:
        if ts is None:
            return None
        t = times.get(ts)
        if t is None:
            t = times[ts] = datetime.fromtimestamp(ts, UTC)
        return t

    tracks: dict[str, dict[str, _Track]] = {}
    keep = picture.history_len
    for row in rows:
        tid, dom, src, party, owner, lon, lat, alt, spd, crs, vr, name = row[:12]
        pt, at, st, ct, vt, nt, lt = row[12:]
        pos = when(pt)
        history: deque[tuple[Any, ...]] = deque(maxlen=keep)
        if pos is not None and keep > 0:
            history.append((pos, lon, lat, alt, spd, crs))
        tracks.setdefault(tid, {})[party] = _Track(
            tid, dom, src, history, party, owner, lon, lat, pos,
            math.nan if pt is None else pt, alt, when(at), spd, when(st), crs, when(ct),
            vr, when(vt), name, when(nt), when(lt),
        )  # fmt: skip
    picture._tracks = tracks
