"""Track history: which accepted positions are kept, and where a track was between them.

Pure. The live picture (`model.picture`) keeps only the latest state of each track; the
history keeps a thinned trail of every (identity, reporting party) track:

- **Thinning** (`keep`, `Thinner`, `thin_reference`): a position is kept if it is the
  track's first, or at least `interval_s` after the last kept fix of that track, or the
  course turned by at least `turn_deg` since it, or the altitude changed by at least
  `level_ft` since it. So between two kept fixes every dropped report lies within
  `interval_s` of the earlier one, turned less than `turn_deg` and climbed less than
  `level_ft` from it: the trail is the track's to within those.
- **Interpolation** (`interpolate`): between the kept fix at or before T and the next one,
  along the WGS84 geodesic (pyproj, Karney), altitude linear in time.
- **When a track is shown at T** (`shown`): its last fix at or before T is at most the
  domain's `model.picture.STALE_AFTER` old (the live picture's freshness). Two fixes
  further apart than that are not bridged: the track is shown at the earlier fix until it
  would go stale, then not at all until the later one.

The rules' values come from the agreement's `[history]` table (`history_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from ..geo.earth import WGS84
from .rule_tables import numbers_table

# ADS-B airborne positions come twice a second (RTCA DO-260B 2.2.3.3.1.1), SBS about once a
# second: one fix in 5 s keeps a tenth of them, finer than a surveillance radar's 4-12 s
# rotation (what after-action replays of ATC radar show).
INTERVAL_S = 5.0
# A standard-rate turn is 3 deg/s (ICAO Doc 8168 PANS-OPS I, 5.2.1.2): 15 deg is one
# interval of it, so a turn keeps at least one fix per interval's worth of turning.
TURN_DEG = 15.0
# ICAO Doc 4444 (PANS-ATM) 8.5.5.1: an aircraft is taken to be at its level within
# +/- 300 ft of it; a change of 300 ft is a level change worth a fix.
LEVEL_FT = 300.0
# ICAO Annex 11, 6.4: recordings of ATS surveillance data are retained for at least 30 days.
RETENTION_DAYS = 30.0
MAX_RETENTION_DAYS = 3660.0  # ten years: beyond that, archive rather than keep online


@dataclass(frozen=True, slots=True)
class HistoryRules:
    """The agreement's `[history]`: thinning thresholds and how long fixes are kept."""

    interval_s: float = INTERVAL_S
    turn_deg: float = TURN_DEG
    level_ft: float = LEVEL_FT
    retention_days: float = RETENTION_DAYS

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval_s": self.interval_s,
            "turn_deg": self.turn_deg,
            "level_ft": self.level_ft,
            "retention_days": self.retention_days,
        }


_BOUNDS = {
    "interval_s": (0.0, 3600.0),
    "turn_deg": (0.0, 180.0),
    "level_ft": (0.0, 100_000.0),
    "retention_days": (1 / 24, MAX_RETENTION_DAYS),
}


def history_rules(data: dict[str, Any]) -> HistoryRules:
    """Validate the `[history]` table (absent: the defaults above)."""
    return HistoryRules(**numbers_table(data, "history", _BOUNDS, HistoryRules()))


# ---- thinning -------------------------------------------------------------------------------


def turned(a: float, b: float) -> float:
    """The angle between two courses, degrees in [0, 180]."""
    d = abs(a - b) % 360.0
    return 360.0 - d if d > 180.0 else d


def keep(
    rules: HistoryRules,
    last: tuple[float, float | None, float | None] | None,
    ts: float,
    course: float | None,
    alt_ft: float | None,
) -> bool:
    """Whether a position at `ts` (epoch s) is kept, given the track's last kept fix
    `(ts, course, alt_ft)` (None: this is its first)."""
    if last is None:
        return True
    last_ts, last_course, last_alt = last
    return (
        ts - last_ts >= rules.interval_s
        or (
            course is not None
            and last_course is not None
            and turned(course, last_course) >= rules.turn_deg
        )
        or (
            alt_ft is not None and last_alt is not None and abs(alt_ft - last_alt) >= rules.level_ft
        )
    )


def thin_reference(
    fixes: list[tuple[Any, float, float | None, float | None]], rules: HistoryRules
) -> list[int]:
    """The slow reference: indexes of the kept fixes among `(key, ts, course, alt_ft)` in
    arrival order, each judged by `keep` against the last kept fix of its key."""
    last: dict[Any, tuple[float, float | None, float | None]] = {}
    out = []
    for i, (key, ts, course, alt) in enumerate(fixes):
        if keep(rules, last.get(key), ts, course, alt):
            last[key] = (ts, course, alt)
            out.append(i)
    return out


class Thinner:
    """The fast path of `thin_reference`, one report at a time: per key a small list
    [kept ts, kept course, kept alt, last seen ts] mutated in place (no tuple per report)."""

    __slots__ = ("_interval", "_level", "_turn", "state")

    def __init__(self, rules: HistoryRules) -> None:
        self._interval = rules.interval_s
        self._turn = rules.turn_deg
        self._level = rules.level_ft
        self.state: dict[Any, list[Any]] = {}

    def offer(self, key: Any, ts: float, course: float | None, alt: float | None) -> bool:
        """Whether the position is kept (the key's state then moves to it)."""
        st = self.state.get(key)
        if st is None:
            self.state[key] = [ts, course, alt, ts]
            return True
        st[3] = ts
        if ts - st[0] < self._interval:
            c = st[1]
            a = st[2]
            if course is None or c is None:
                turn = False
            else:
                d = abs(course - c) % 360.0
                turn = (360.0 - d if d > 180.0 else d) >= self._turn
            if not turn and (alt is None or a is None or abs(alt - a) < self._level):
                return False
        st[0] = ts
        st[1] = course
        st[2] = alt
        return True


# ---- replay -----------------------------------------------------------------------------------


def shown(fix_ts: float, at_ts: float, stale_after_s: float) -> bool:
    """Whether a track whose last fix at or before `at_ts` is at `fix_ts` is shown then."""
    return fix_ts <= at_ts and at_ts - fix_ts <= stale_after_s


def bridged(a_ts: float, b_ts: float, stale_after_s: float) -> bool:
    """Whether the gap between two consecutive fixes is interpolated across."""
    return b_ts - a_ts <= stale_after_s


def interpolate(
    lon0: np.ndarray,
    lat0: np.ndarray,
    lon1: np.ndarray,
    lat1: np.ndarray,
    f: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Points the fraction `f` (0..1) of the way along the WGS84 geodesic from each
    (lon0, lat0) to (lon1, lat1), longitudes in [-180, 180]."""
    lon0, lat0, lon1, lat1, f = (np.asarray(x, dtype=float) for x in (lon0, lat0, lon1, lat1, f))
    if lon0.size == 0:
        return lon0.copy(), lat0.copy()
    az, _, dist = WGS84.inv(lon0, lat0, lon1, lat1)
    lon, lat, _ = WGS84.fwd(lon0, lat0, az, np.asarray(dist) * f)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def linear(v0: float | None, v1: float | None, f: float) -> float | None:
    """A value (altitude) linear in time between two fixes; the earlier one's when the
    later one has none."""
    if v0 is None or v1 is None:
        return v0
    return v0 + (v1 - v0) * f
