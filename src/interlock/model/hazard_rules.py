"""The agreement's hazard clauses (`[hazards]`): third-party fire, warning, conformance.

The 2018 lesson (see scenarios/latakia-2018/README.md): one party's strike made a third
party's air defence fire, and the other party's slow aircraft nearby was hit. These rules
say when a reported third-party weapon engagement zone (a *hazard*) is *hot*, how much
warning an exposed aircraft needs, and when a party's aircraft is off its notice.

Defaults (this project's choices unless a source is named):
- ``kinetic``: the activities that make hazards hot: strike, live fire, missile test.
- ``reach_km`` 50: a kinetic notice makes hot every hazard whose envelope comes within
  this distance of its area (air defence engages attackers on their way in and out, not
  only over the target; 50 km is about the reach of a stand-off munition's release).
- ``reaction_tail_min`` 30: a hazard stays hot this long after the kinetic window ends
  (in 2018 the fire lasted over half an hour after the strike began).
- ``default_exit_speed_kt`` 250: the speed at which an aircraft declared only by its
  notice is assumed to leave a hot envelope (ICAO Annex 11 App. 4: 250 kt IAS below
  FL100, a conservative ground speed for a slow aircraft).
- ``ack_margin_min`` 5: time for a warning to be acknowledged, relayed and acted upon,
  added to the time an exposed aircraft needs to leave.
- ``conformance_grace_s`` 30: a party's own aircraft outside all its active notices for
  longer than this is nonconforming (ASTM F3548-21 §4.5 conformance monitoring uses the
  same idea; the duration is this project's).
- ``masking_nm`` 10, ``masking_deg`` 5: a kinetic party's aircraft within this distance
  of another party's aircraft and within this angle of the same bearing from a hot
  hazard's site may be confused with it by the third party's radar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..errors import InvalidInput

# The documented vocabulary of a notice's optional `activity` property.
ACTIVITIES = (
    "strike",
    "live_fire",
    "missile_test",
    "reconnaissance",
    "patrol",
    "transit",
    "training",
    "air_refuelling",
    "airlift",
    "exercise",
    "survey",
    "search_and_rescue",
)
KINETIC_DEFAULT = ("strike", "live_fire", "missile_test")


@dataclass(frozen=True, slots=True)
class HazardRules:
    kinetic: tuple[str, ...] = KINETIC_DEFAULT
    reach_km: float = 50.0
    reaction_tail: timedelta = timedelta(minutes=30)
    default_exit_speed_kt: float = 250.0
    ack_margin: timedelta = timedelta(minutes=5)
    conformance_grace_s: float = 30.0
    masking_nm: float = 10.0
    masking_deg: float = 5.0

    def is_kinetic(self, activity: str | None) -> bool:
        return activity is not None and activity in self.kinetic

    def to_dict(self) -> dict[str, Any]:
        return {
            "kinetic": list(self.kinetic),
            "reach_km": self.reach_km,
            "reaction_tail_min": self.reaction_tail.total_seconds() / 60,
            "default_exit_speed_kt": self.default_exit_speed_kt,
            "ack_margin_min": self.ack_margin.total_seconds() / 60,
            "conformance_grace_s": self.conformance_grace_s,
            "masking_nm": self.masking_nm,
            "masking_deg": self.masking_deg,
        }


def _number(table: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a finite number", field=f"hazards.{key}")
    if not lo <= value <= hi:
        raise InvalidInput(f"must be from {lo:g} to {hi:g}", field=f"hazards.{key}")
    return float(value)


def hazard_rules(data: dict[str, Any]) -> HazardRules:
    """Validate the `[hazards]` table (absent: the defaults above)."""
    table = data.get("hazards", {})
    if not isinstance(table, dict):
        raise InvalidInput("must be a table", field="hazards")
    known = {*HazardRules.__slots__, "reaction_tail_min", "ack_margin_min"} - {
        "reaction_tail",
        "ack_margin",
    }
    unknown = set(table) - known
    if unknown:
        raise InvalidInput(f"unknown key {sorted(unknown)[0]!r}", field="hazards")
    d = HazardRules()
    kinetic = table.get("kinetic", list(d.kinetic))
    if not isinstance(kinetic, list) or any(k not in ACTIVITIES for k in kinetic):
        raise InvalidInput(
            f"must list activities among {', '.join(ACTIVITIES)}", field="hazards.kinetic"
        )
    return HazardRules(
        kinetic=tuple(kinetic),
        reach_km=_number(table, "reach_km", d.reach_km, 0.0, 1000.0),
        reaction_tail=timedelta(minutes=_number(table, "reaction_tail_min", 30.0, 0.0, 24 * 60.0)),
        default_exit_speed_kt=_number(
            table, "default_exit_speed_kt", d.default_exit_speed_kt, 1.0, 2000.0
        ),
        ack_margin=timedelta(minutes=_number(table, "ack_margin_min", 5.0, 0.0, 24 * 60.0)),
        conformance_grace_s=_number(
            table, "conformance_grace_s", d.conformance_grace_s, 0.0, 3600.0
        ),
        masking_nm=_number(table, "masking_nm", d.masking_nm, 0.0, 500.0),
        masking_deg=_number(table, "masking_deg", d.masking_deg, 0.0, 180.0),
    )
