"""The agreement's `[advice]`: how far advice may change a notice, and to what step.

Advice (``detect.advice``) proposes, for a notice in conflict, the smallest change of its
time, level or place that clears it of every other party's notice, asset and hot hazard.
These bound the search and set the step each change is given in. Defaults and why:

- ``max_time_shift_h`` 72: a delay or advance of at most 72 h, the joint air tasking
  cycle (US JP 3-30, Joint Air Operations, III-5: the ATO cycle is 72 h from guidance to
  execution); a move further is a new plan.
- ``max_offset_nm`` 50: an area moved at most 50 NM, about the radius of a terminal
  control area (ICAO Doc 9426 Part II, 3.2): further, it is another area, not this one moved.
- ``bearings`` 72: the offset is searched every 5 degrees, as a planner reads a compass
  rose to the nearest 5.
- ``time_step_s`` 1: notice times are given to the second (ISO 8601 as filed).
- ``level_step_ft`` 100: a flight level is 100 ft (ICAO Annex 2, Appendix 3 tables of
  cruising levels are in steps of 100 ft); an FL band moves by whole flight levels.
- ``depth_step_m`` 1: sea bands are filed in whole metres of depth.
- ``offset_step_nm`` 0.1: distances are shown to 0.1 NM (``model.wording.nm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..geo.units import M_PER_FT, M_PER_NM
from .rule_tables import numbers_table


@dataclass(frozen=True, slots=True)
class AdviceRules:
    max_time_shift_h: float = 72.0
    max_offset_nm: float = 50.0
    bearings: int = 72
    time_step_s: float = 1.0
    level_step_ft: float = 100.0
    depth_step_m: float = 1.0
    offset_step_nm: float = 0.1

    @property
    def max_time_shift(self) -> timedelta:
        return timedelta(hours=self.max_time_shift_h)

    @property
    def max_offset_m(self) -> float:
        return self.max_offset_nm * M_PER_NM

    @property
    def offset_step_m(self) -> float:
        return self.offset_step_nm * M_PER_NM

    @property
    def level_step_m(self) -> float:
        return self.level_step_ft * M_PER_FT

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _BOUNDS}


_BOUNDS: dict[str, tuple[float, float]] = {
    "max_time_shift_h": (0.0, 24.0 * 400),  # the planning horizon's default, 400 days
    "max_offset_nm": (0.0, 1000.0),
    "bearings": (4, 360),
    "time_step_s": (1.0, 3600.0),
    "level_step_ft": (10.0, 10_000.0),
    "depth_step_m": (0.1, 1000.0),
    "offset_step_nm": (0.01, 10.0),
}


def advice_rules(data: dict[str, Any]) -> AdviceRules:
    """Validate the `[advice]` table (absent: the defaults above)."""
    return AdviceRules(**numbers_table(data, "advice", _BOUNDS, AdviceRules(), ("bearings",)))
