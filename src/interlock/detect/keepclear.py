"""What a notice must keep clear of, each rule stated as three separate tests.

A strategic conflict, an exposure to a hot hazard and the exposure a kinetic notice makes
each hold when a time test, a vertical test and a horizontal test all hold. Stated apart,
a search can move one of the notice's dimensions and keep the other two: a delay changes
only the time test, a new level only the vertical one, an offset only the horizontal one.

An `Obstacle` is one other volume's three tests against the notice being advised (the
*subject*). It is built beside the rule it restates (``detect.strategic.keep_clear_of``,
``detect.exposure.hot_obstacle`` and ``kinetic_obstacle``), and
``tests/detect/test_keepclear.py`` checks each form agrees with its detector:

- time: the subject's window [start, end] meets it when ``start < t_hi`` and
  ``end + tail > t_lo`` (both strict);
- vertical: the subject's band meets it when the gap (``VerticalBand.gap_m``, negative
  when overlapping) is ``< v_near_m`` or ``<= v_touch_m``; a band of None meets every one;
- horizontal: the areas' distance (``geo.distance.separation``) is ``< near_m`` or
  ``<= touch_m``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..geo.distance import far_apart, separation
from ..geo.shapes import Area
from ..model.conflict import Ref
from ..model.notice import VerticalBand

NEVER = -math.inf  # a bound no distance or gap comes under


class ObstacleKind(StrEnum):
    NOTICE = "notice"  # another party's notice: a strategic conflict
    ASSET = "asset"  # another party's protected asset: a strategic conflict
    HOT_HAZARD = "hot_hazard"  # a hazard another party's kinetic notice makes hot
    EXPOSED = "exposed"  # another party's notice in a hazard the subject would make hot


@dataclass(frozen=True)
class Obstacle:
    """One other volume's time, vertical and horizontal tests against the subject."""

    ref: Ref  # the other notice or asset (for a hot hazard: the kinetic notice)
    party: str
    kind: ObstacleKind
    area: Area  # the other volume's area (a hazard: its envelope)
    near_m: float
    touch_m: float
    band: VerticalBand | None  # None: met at every height
    v_near_m: float
    v_touch_m: float
    t_lo: datetime
    t_hi: datetime
    tail: timedelta = timedelta(0)
    hazard_id: str | None = None

    # ---- the three tests --------------------------------------------------------------
    def meets_time(self, start: datetime, end: datetime) -> bool:
        return start < self.t_hi and end + self.tail > self.t_lo

    def meets_band(self, band: VerticalBand) -> bool:
        if self.band is None:
            return True
        gap = band.gap_m(self.band)
        return gap < self.v_near_m or gap <= self.v_touch_m

    def near(self, distance_m: float) -> bool:
        return distance_m < self.near_m or distance_m <= self.touch_m

    @property
    def reach_m(self) -> float:
        """The largest distance the horizontal test holds at."""
        return max(self.near_m, self.touch_m, 0.0)

    def meets_area(self, area: Area) -> bool:
        """The horizontal test, exact on the ellipsoid (the detectors' own distance)."""
        if far_apart(area, self.area, self.reach_m + 2e-3):  # 2 mm: far_apart is ">="
            return False
        return self.near(separation(area, self.area).distance_m)

    def meets(self, area: Area, band: VerticalBand, start: datetime, end: datetime) -> bool:
        """All three: the subject so placed would conflict with (or be exposed by) it."""
        return self.meets_time(start, end) and self.meets_band(band) and self.meets_area(area)

    # ---- each test as the set of positions it forbids ----------------------------------
    def forbidden_starts(self, duration: timedelta) -> tuple[datetime, datetime]:
        """The open interval of subject start times that meet it in time."""
        return self.t_lo - duration - self.tail, self.t_hi

    def forbidden_lowers(self, thickness_m: float) -> list[tuple[float, float, bool]]:
        """The subject band's lower heights that meet it vertically, as (lo, hi, closed)
        intervals: gap < v_near is open, gap <= v_touch closed. Empty when it has no band
        (every height meets it: see ``band``)."""
        assert self.band is not None
        lo, hi = self.band.lower_m - thickness_m, self.band.upper_m
        out = []
        if self.v_near_m > NEVER:
            out.append((lo - self.v_near_m, hi + self.v_near_m, False))
        if self.v_touch_m > NEVER:
            out.append((lo - self.v_touch_m, hi + self.v_touch_m, True))
        return out


def still_met(
    obstacles: Sequence[Obstacle],
    area: Area,
    band: VerticalBand,
    start: datetime,
    end: datetime,
) -> list[Obstacle]:
    """The obstacles a subject so placed still meets (empty: it clears them all)."""
    return [o for o in obstacles if o.meets(area, band, start, end)]
