"""The live track picture: the latest state of every moving object, merged from its reports.

Pure and in memory: no I/O and no clock; every call that depends on time takes `now`.
Feeds produce `TrackReport`s (often partial: SBS sends position in one message and speed in
another; AIS sends names in separate static messages); `Picture.apply` merges each into the
track of its identity (`track_id`), one track per identity, and refuses bad input with a
`Skip` carrying a stable reason, never building a phantom track:

- a report `implausible()` rejects: its own reason ("impossible_position", ...);
- "duplicate": the same report again (receivers and relays repeat messages);
- "out_of_order": older than the track's last position, or older than a field it carries
  (a late report must not roll the picture back);
- "impossible_jump": a position farther from the last one (geodesic, WGS84) than the
  domain's MAX_SPEED_KT allows in the time between, with a small slack for GPS noise and
  whole-second timestamps. If two rejected positions in a row agree with each other, the
  *anchor* was the bad fix and the track re-anchors on the newer one (as the Mode S
  decoder resets its CPR state), so one bad first fix cannot freeze a track forever;
- "domain_mismatch": a report for a known identity in the other domain.

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
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from ..geo.frame import geodesic_distance_m
from ..geo.units import KT_IN_MPS
from .timeutil import iso, to_ts
from .track import MAX_SPEED_KT, Skip, TrackReport, implausible

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

# Stale: no position for this long. Air: ADS-B positions come at 2 Hz, SBS about 1 s, so a
# minute of silence means the aircraft left coverage. Sea: AIS class A reports every 2-10 s
# under way but every 3 min at anchor (ITU-R M.1371-5 table 1), class B every 30 s-3 min.
STALE_AFTER = {"air": timedelta(seconds=60), "sea": timedelta(minutes=10)}
# A velocity older than this relative to its position is not extrapolated: an aircraft in a
# standard-rate turn (3 deg/s) changes course 30 deg in 10 s; ships turn far slower.
VELOCITY_MAX_AGE = {"air": timedelta(seconds=10), "sea": timedelta(minutes=3)}
HISTORY = 32  # past positions kept per track, for replay (bounded: long-running feeds)
RECENT = 8  # last reports kept per track to recognise duplicates
# Jump slack: GPS/ADS-B position noise (NACp 8 is < 93 m) and whole-second timestamps.
NOISE_M = 100.0
TIME_SLACK_S = 1.0
FIELDS = ("alt_ft", "speed_kt", "course_deg", "vertical_rate_fpm", "name")


@dataclass(frozen=True, slots=True)
class Fix:
    """One past position of a track (history, for replay)."""

    time: datetime
    lon: float
    lat: float
    alt_ft: float | None
    speed_kt: float | None
    course_deg: float | None


@dataclass(frozen=True, slots=True)
class Update:
    """What a report did: "new" (first position: the track is now listed), "moved" (a new
    position), "updated" (other fields only), "pending" (identity not positioned yet)."""

    track_id: str
    kind: str


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

    @property
    def velocity_age_s(self) -> float | None:
        """How much older the velocity (speed and course) is than the position."""
        ts = [self.times.get("speed_kt"), self.times.get("course_deg")]
        if ts[0] is None or ts[1] is None:
            return None
        return (self.time - min(ts[0], ts[1])).total_seconds()


@dataclass(frozen=True, slots=True)
class TrackArrays:
    """Column arrays of fresh tracks with position and velocity, for vectorised detection.

    Unknown values are NaN (alt_ft for ships, a missing or old vertical rate)."""

    track_id: np.ndarray  # str
    owner: np.ndarray  # object: party or None
    lon: np.ndarray
    lat: np.ndarray
    alt_ft: np.ndarray
    speed_kt: np.ndarray
    course_deg: np.ndarray
    vertical_rate_fpm: np.ndarray
    time: np.ndarray  # epoch seconds of the position

    def __len__(self) -> int:
        return len(self.track_id)


@dataclass(slots=True)
class _Track:
    """Mutable merge state of one identity (positioned or not)."""

    track_id: str
    domain: str
    source: str
    owner: str | None = None
    lon: float | None = None
    lat: float | None = None
    values: dict[str, Any] = field(default_factory=dict)
    times: dict[str, datetime] = field(default_factory=dict)
    last_time: datetime | None = None  # newest report merged, any kind (for expire)
    history: deque[Fix] = field(default_factory=deque)
    recent: deque[TrackReport] = field(default_factory=lambda: deque(maxlen=RECENT))
    rejected: TrackReport | None = None  # the last position refused as a jump


def in_box(lon: float, lat: float, bbox: Box) -> bool:
    """Whether a point is in a box; min_lon > max_lon means it crosses the antimeridian."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if not min_lat <= lat <= max_lat:
        return False
    if min_lon <= max_lon:
        return min_lon <= lon <= max_lon
    return lon >= min_lon or lon <= max_lon


def _reachable(a: TrackReport | Fix, b: TrackReport, domain: str) -> bool:
    """Whether b's position can follow a's at the domain's top speed (geodesic, + slack)."""
    assert a.lon is not None and a.lat is not None and b.lon is not None and b.lat is not None
    dt = abs((b.time - a.time).total_seconds())
    limit = MAX_SPEED_KT[domain] * KT_IN_MPS * (dt + TIME_SLACK_S) + NOISE_M
    return geodesic_distance_m(a.lon, a.lat, b.lon, b.lat) <= limit


class Picture:
    """The latest state per identity, its bounded history, and staleness per domain."""

    def __init__(
        self,
        stale_after: dict[str, timedelta] | None = None,
        history: int = HISTORY,
        velocity_max_age: dict[str, timedelta] | None = None,
    ) -> None:
        self.stale_after = {**STALE_AFTER, **(stale_after or {})}
        self.velocity_max_age = {**VELOCITY_MAX_AGE, **(velocity_max_age or {})}
        self.history_len = history
        self._tracks: dict[str, _Track] = {}

    def __len__(self) -> int:
        """Positioned tracks (stale included)."""
        return sum(1 for t in self._tracks.values() if t.lon is not None)

    # --- merging -----------------------------------------------------------------------

    def apply(self, r: TrackReport) -> Update | Skip:
        """Merge one report into its identity's track, or say why it was refused."""
        why = implausible(r)
        if why:
            return Skip(why, r.track_id)
        t = self._tracks.get(r.track_id)
        if t is None:
            t = _Track(r.track_id, r.domain, r.source)
            t.history = deque(maxlen=self.history_len)
            self._tracks[r.track_id] = t  # only kept once the report is merged below
            created = True
        else:
            created = False
            if r.domain != t.domain:
                return Skip("domain_mismatch", r.track_id, f"track is {t.domain}")
            if r in t.recent:
                return Skip("duplicate", r.track_id)
            if self._out_of_order(t, r):
                return Skip("out_of_order", r.track_id)
            if r.has_position and t.lon is not None and not self._accept_position(t, r):
                return Skip("impossible_jump", r.track_id)
        first_fix = r.has_position and t.lon is None
        self._merge(t, r)
        if created and not r.has_position:
            return Update(r.track_id, "pending")
        if first_fix:
            return Update(r.track_id, "new")
        if r.has_position:
            return Update(r.track_id, "moved")
        return Update(r.track_id, "updated" if t.lon is not None else "pending")

    def _out_of_order(self, t: _Track, r: TrackReport) -> bool:
        pos_time = t.times.get("position")
        if pos_time is not None and r.time < pos_time:
            return True
        for name in FIELDS:
            if getattr(r, name) is not None and name in t.times and r.time < t.times[name]:
                return True
        return False

    def _accept_position(self, t: _Track, r: TrackReport) -> bool:
        """The jump check against the last fix; two agreeing refusals in a row re-anchor."""
        assert t.lon is not None and t.lat is not None
        anchor = Fix(t.times["position"], t.lon, t.lat, None, None, None)
        if _reachable(anchor, r, t.domain):
            t.rejected = None
            return True
        prev, t.rejected = t.rejected, r
        t.recent.append(r)  # a repeat of this refused report is then a "duplicate"
        if prev is not None and prev.time < r.time and _reachable(prev, r, t.domain):
            t.rejected = None
            t.history.clear()  # the old fixes led to a bad anchor: not worth replaying
            return True
        return False

    def _merge(self, t: _Track, r: TrackReport) -> None:
        if r.has_position:
            t.lon, t.lat = r.lon, r.lat
            t.times["position"] = r.time
            t.source = r.source
        for name in FIELDS:
            value = getattr(r, name)
            if value is not None:
                t.values[name] = value
                t.times[name] = r.time
        if r.owner is not None:
            t.owner = r.owner
        if t.last_time is None or r.time > t.last_time:
            t.last_time = r.time
        t.recent.append(r)
        if r.has_position and self.history_len > 0:
            v = t.values
            assert r.lon is not None and r.lat is not None
            t.history.append(
                Fix(r.time, r.lon, r.lat, v.get("alt_ft"), v.get("speed_kt"), v.get("course_deg"))
            )

    # --- reading -----------------------------------------------------------------------

    def _state(self, t: _Track, now: datetime) -> TrackState:
        assert t.lon is not None and t.lat is not None
        at = t.times["position"]
        v = t.values
        return TrackState(
            track_id=t.track_id,
            domain=t.domain,
            source=t.source,
            owner=t.owner,
            time=at,
            lon=t.lon,
            lat=t.lat,
            alt_ft=v.get("alt_ft"),
            speed_kt=v.get("speed_kt"),
            course_deg=v.get("course_deg"),
            vertical_rate_fpm=v.get("vertical_rate_fpm"),
            name=v.get("name"),
            stale=now - at > self.stale_after[t.domain],
            times=dict(t.times),
        )

    def get(self, track_id: str, now: datetime | None = None) -> TrackState | None:
        """A positioned track's state (None if unknown or not positioned yet).

        Without `now`, staleness is judged at the track's own position time (never stale)."""
        t = self._tracks.get(track_id)
        if t is None or t.lon is None:
            return None
        return self._state(t, now or t.times["position"])

    def tracks(
        self, now: datetime, bbox: Box | None = None, include_stale: bool = False
    ) -> list[TrackState]:
        """Positioned tracks, by track id; bbox may cross the antimeridian."""
        out = []
        for tid in sorted(self._tracks):
            t = self._tracks[tid]
            if t.lon is None or t.lat is None:
                continue
            if bbox is not None and not in_box(t.lon, t.lat, bbox):
                continue
            s = self._state(t, now)
            if include_stale or not s.stale:
                out.append(s)
        return out

    def history(self, track_id: str) -> list[Fix]:
        """Past positions of a track, oldest first (at most `history` of them)."""
        t = self._tracks.get(track_id)
        return list(t.history) if t is not None and t.lon is not None else []

    def expire(self, now: datetime, drop_after: timedelta) -> list[str]:
        """Forget identities with no report for drop_after (memory bound); their ids."""
        gone = [
            tid
            for tid, t in self._tracks.items()
            if t.last_time is not None and now - t.last_time > drop_after
        ]
        for tid in gone:
            del self._tracks[tid]
        return sorted(gone)

    def to_geojson(
        self, now: datetime, bbox: Box | None = None, include_stale: bool = True
    ) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of Points, stale tracks flagged (a map greys them)."""
        features = []
        for s in self.tracks(now, bbox, include_stale):
            features.append(
                {
                    "type": "Feature",
                    "id": s.track_id,
                    "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                    "properties": {
                        "track_id": s.track_id,
                        "domain": s.domain,
                        "name": s.name,
                        "owner": s.owner,
                        "source": s.source,
                        "alt_ft": s.alt_ft,
                        "speed_kt": s.speed_kt,
                        "course_deg": s.course_deg,
                        "vertical_rate_fpm": s.vertical_rate_fpm,
                        "stale": s.stale,
                        "time": iso(s.time),
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def arrays(self, now: datetime, domain: str) -> TrackArrays:
        """Fresh tracks of one domain with position and a usable velocity, as columns."""
        max_age = self.velocity_max_age[domain].total_seconds()
        rows: list[TrackState] = []
        for s in self.tracks(now):
            if s.domain != domain or s.speed_kt is None or s.course_deg is None:
                continue
            age = s.velocity_age_s
            if age is None or age > max_age:
                continue
            rows.append(s)

        def col(values: list[float | None]) -> np.ndarray:
            return np.array([math.nan if x is None else x for x in values], dtype=float)

        def vrate(s: TrackState) -> float | None:
            at = s.times.get("vertical_rate_fpm")
            fresh = at is not None and (s.time - at).total_seconds() <= max_age
            return s.vertical_rate_fpm if fresh else None

        return TrackArrays(
            track_id=np.array([s.track_id for s in rows], dtype=str),
            owner=np.array([s.owner for s in rows], dtype=object),
            lon=col([s.lon for s in rows]),
            lat=col([s.lat for s in rows]),
            alt_ft=col([s.alt_ft if domain == "air" else None for s in rows]),
            speed_kt=col([s.speed_kt for s in rows]),
            course_deg=col([s.course_deg for s in rows]),
            vertical_rate_fpm=col([vrate(s) for s in rows]),
            time=col([to_ts(s.time) for s in rows]),
        )
