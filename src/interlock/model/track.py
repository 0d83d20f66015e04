"""Track reports: one moving object's reported state, whatever feed it came from.

Every feed parser (AIS NMEA, ADS-B BaseStation/SBS, raw Mode S, a party's JSON) turns its
input into `TrackReport`s and `Skip`s; the track picture and tactical detection only ever
see these. A report that cannot be right (a position off the globe, a speed no ship or
aircraft reaches) is a Skip with a reason, never a phantom track.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .limits import MAX_ALT_FT, MIN_ALT_FT

DOMAINS = ("air", "sea")
# Plausibility limits (reports beyond them are skipped, not clamped). Sea: the fastest
# craft AIS reports (102.2 kn is AIS's own "102.2 or more" code, ITU-R M.1371-5 table 45).
# Air: 1,000 kn ground speed covers every ADS-B-equipped aircraft; altitudes as any
# band may declare (model.limits).
MAX_SPEED_KT = {"sea": 102.2, "air": 1000.0}
# A report dated more than this after the server's clock is refused ("future_time"): it
# would otherwise stay the newest, never-stale fix of its track. Receivers stamp SBS and
# tag-block times from NTP- or GNSS-disciplined clocks (milliseconds apart), and the
# one-second SBS resolution and a batch's time in transit fit well inside 5 s. This
# project's choice, not from a standard.
FUTURE_SKEW = timedelta(seconds=5)


@dataclass(frozen=True, slots=True, init=False)
class TrackReport:
    """One report of one object. Units are in the names; None where the feed says nothing.

    Frozen: the picture may trust a report `implausible` has passed (see `checked`)."""

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

    def __init__(
        self,
        source: str,
        track_id: str,
        domain: str,
        time: datetime,
        lon: float | None = None,
        lat: float | None = None,
        alt_ft: float | None = None,
        speed_kt: float | None = None,
        course_deg: float | None = None,
        vertical_rate_fpm: float | None = None,
        name: str | None = None,
        owner: str | None = None,
    ) -> None:
        # The dataclass __init__ of a frozen class sets each field through
        # object.__setattr__; the slots' own descriptors do the same at half the cost,
        # and feeds build ~100 k reports a second.
        _set_source(self, source)
        _set_track_id(self, track_id)
        _set_domain(self, domain)
        _set_time(self, time)
        _set_lon(self, lon)
        _set_lat(self, lat)
        _set_alt_ft(self, alt_ft)
        _set_speed_kt(self, speed_kt)
        _set_course_deg(self, course_deg)
        _set_vertical_rate_fpm(self, vertical_rate_fpm)
        _set_name(self, name)
        _set_owner(self, owner)

    @property
    def has_position(self) -> bool:
        return self.lon is not None and self.lat is not None


def _slot_setter(name: str) -> Callable[[TrackReport, Any], None]:
    """The `__set__` of the slot descriptor of the field `name` (see `TrackReport.__init__`)."""
    setter: Callable[[TrackReport, Any], None] = TrackReport.__dict__[name].__set__
    return setter


_set_source = _slot_setter("source")
_set_track_id = _slot_setter("track_id")
_set_domain = _slot_setter("domain")
_set_time = _slot_setter("time")
_set_lon = _slot_setter("lon")
_set_lat = _slot_setter("lat")
_set_alt_ft = _slot_setter("alt_ft")
_set_speed_kt = _slot_setter("speed_kt")
_set_course_deg = _slot_setter("course_deg")
_set_vertical_rate_fpm = _slot_setter("vertical_rate_fpm")
_set_name = _slot_setter("name")
_set_owner = _slot_setter("owner")


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


_passed: TrackReport | None = None  # the last report `implausible` found plausible


def implausible(r: TrackReport) -> str | None:
    """Why a report cannot be right (None if it can): the checks every feed shares.

    The common case, a plausible report, is answered by one chain of range tests (NaN and
    infinities fail them too); anything else goes through the checks in their order, so
    the reason is always the first that applies."""
    global _passed
    lon, lat, domain = r.lon, r.lat, r.domain
    if (
        (domain == "sea" or domain == "air")
        and r.time.tzinfo is not None
        and (
            (lon is None and lat is None)
            or (lon is not None and lat is not None and -180 <= lon <= 180 and -90 <= lat <= 90)
        )
        and (r.speed_kt is None or 0 <= r.speed_kt <= MAX_SPEED_KT[domain])
        and (r.course_deg is None or 0 <= r.course_deg < 360)
        and (r.alt_ft is None or MIN_ALT_FT <= r.alt_ft <= MAX_ALT_FT)
        and (r.vertical_rate_fpm is None or -math.inf < r.vertical_rate_fpm < math.inf)
    ):
        _passed = r
        return None
    why = _implausible(r)
    if why is None:
        _passed = r
    return why


def checked(r: TrackReport) -> bool:
    """Whether `r` is the very report `implausible` last passed (it cannot have changed:
    reports are frozen). Decoders check each report before they emit it, and the service
    applies it next; the picture then need not check it again. Any other report, e.g.
    one posted from outside, is not `checked` and is tested."""
    return r is _passed


def _implausible(r: TrackReport) -> str | None:
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
