"""Track reports: one moving object's reported state, whatever feed it came from.

Every feed parser (AIS NMEA, ADS-B BaseStation/SBS, raw Mode S, a party's JSON) turns its
input into `TrackReport`s and `Skip`s; the track picture and tactical detection only ever
see these. A report that cannot be right (a position off the globe, a speed no ship or
aircraft reaches) is a Skip with a reason, never a phantom track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

DOMAINS = ("air", "sea")
# Plausibility limits (reports beyond them are skipped, not clamped). Sea: the fastest
# craft AIS reports (102.2 kn is AIS's own "102.2 or more" code, ITU-R M.1371-5 table 45).
# Air: 1,000 kn ground speed and 60,000 ft cover every ADS-B-equipped aircraft.
MAX_SPEED_KT = {"sea": 102.2, "air": 1000.0}
MAX_ALT_FT = 60_000.0
MIN_ALT_FT = -2_000.0  # below sea level airfields and baro error


@dataclass(frozen=True, slots=True)
class TrackReport:
    """One report of one object. Units are in the names; None where the feed says nothing."""

    source: str  # "ais" | "sbs" | "modes" | "json"
    track_id: str  # one identity per object: "mmsi:211331640", "icao:4ca1fa", "blue:raven-1"
    domain: str  # "air" | "sea"
    time: datetime  # UTC, timezone-aware
    lon: float | None = None
    lat: float | None = None
    alt_ft: float | None = None
    speed_kt: float | None = None  # over ground
    course_deg: float | None = None  # over ground, true, [0, 360)
    vertical_rate_fpm: float | None = None
    name: str | None = None  # callsign or ship name, from static or identity messages
    owner: str | None = None  # the party whose own force this is (None: observed)

    @property
    def has_position(self) -> bool:
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True, slots=True)
class Skip:
    """An input that produced no report, and why (counted, never fatal)."""

    reason: str  # a short stable key: "bad_checksum", "truncated", "impossible_position", ...
    where: str = ""  # line number, frame index, ...
    detail: str = ""


@dataclass
class FeedStats:
    """What a feed produced: reports, and skips counted by reason."""

    reports: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, s: Skip) -> None:
        self.skipped[s.reason] = self.skipped.get(s.reason, 0) + 1


def implausible(r: TrackReport) -> str | None:
    """Why a report cannot be right (None if it can): the checks every feed shares."""
    if r.domain not in DOMAINS:
        return "unknown_domain"
    if r.time.tzinfo is None:
        return "naive_time"
    for value in (r.lon, r.lat, r.alt_ft, r.speed_kt, r.course_deg, r.vertical_rate_fpm):
        if value is not None and not math.isfinite(value):
            return "not_finite"
    if (r.lon is None) != (r.lat is None):
        return "half_position"
    if (
        r.lon is not None
        and r.lat is not None
        and not (-180 <= r.lon <= 180 and -90 <= r.lat <= 90)
    ):
        return "impossible_position"
    if r.speed_kt is not None and not 0 <= r.speed_kt <= MAX_SPEED_KT[r.domain]:
        return "impossible_speed"
    if r.alt_ft is not None and not MIN_ALT_FT <= r.alt_ft <= MAX_ALT_FT:
        return "impossible_altitude"
    if r.course_deg is not None and not 0 <= r.course_deg < 360:
        return "impossible_course"
    return None
