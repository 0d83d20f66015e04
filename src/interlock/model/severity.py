"""Severity: how bad a detected conflict is, for every arena, in one place.

Severity decides how loudly a conflict is announced (the agreement maps each severity to
a hotline priority: ``HotlineRules.system_priority``); detectors report the numbers and
call these functions, nothing else grades.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .alerts import Detection

STRATEGIC_SEVERITIES = ("minor", "major", "critical")
TACTICAL_SEVERITIES = ("warning", "critical")

# Interference over the I/N criterion: 10 dB over (ten times the tolerable interference)
# is critical, 3 dB (twice) major; below that minor. Bands chosen after the SAS practice of
# grading aggregate interference by its margin over the protection threshold (WInnForum
# WINNF-TS-0112 R2-SGN-16 uses the threshold itself; the grades are this project's).
CRITICAL_EXCESS_DB, MAJOR_EXCESS_DB = 10.0, 3.0

# A planned loss of separation is "major" inside this share of both minima.
MAJOR_SHARE = 0.5

# Hazard alerts (agreement [hazards]; issue 15's 2018 lesson). An aircraft inside a live
# weapon's envelope (exposure), or one the weapon's radar may take for a target beside it
# (masking), is in danger now: critical, whatever the numbers. An aircraft off its notice
# (nonconformance) is a warning, critical when its party has kinetic activity under way
# (strikes off their declared volume are what the other parties were not warned of).
EXPOSURE_SEVERITY = "critical"
MASKING_SEVERITY = "critical"
NONCONFORMANCE_SEVERITY = "warning"
KINETIC_NONCONFORMANCE_SEVERITY = "critical"


def strategic_severity(
    h_m: float, h_min: float, v_gap: float, v_min: float, overlap_s: float
) -> str:
    """critical: the volumes intersect in 4D; major: within half of both minima, in time;
    minor: otherwise (inside the minima, or only inside the time buffer)."""
    if h_m == 0.0 and v_gap <= 0.0 and overlap_s > 0.0:
        return "critical"
    if overlap_s > 0.0 and h_m < MAJOR_SHARE * h_min and v_gap < MAJOR_SHARE * v_min:
        return "major"
    return "minor"


def interference_severity(excess_db: float) -> str:
    """Grade of an interference conflict by its excess over the I/N criterion (dB)."""
    if excess_db >= CRITICAL_EXCESS_DB:
        return "critical"
    return "major" if excess_db >= MAJOR_EXCESS_DB else "minor"


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    """When a tactical alert is "critical" rather than "warning".

    ``fraction``: the predicted minimum is under this share of the agreed minimum (0.5:
    half the separation gone, in the spirit of grading a loss of separation by the share
    of the minimum kept, as EUROCONTROL's Risk Analysis Tool does). ``urgent_s``: time to
    CPA / entry under which there is too little time left to coordinate over the hotline
    (air 60 s, sea 5 min: this project's defaults, not from a standard).
    """

    fraction: float = 0.5
    urgent_s: tuple[tuple[str, float], ...] = (("air", 60.0), ("sea", 300.0))

    def urgent(self, domain: str) -> float:
        return dict(self.urgent_s).get(domain, 0.0)

    def of(self, d: Detection) -> str:
        if d.kind == "exposure":
            return EXPOSURE_SEVERITY
        if d.kind == "masking":
            return MASKING_SEVERITY
        if d.kind == "nonconformance":
            if d.kinetic_notice_id is not None:
                return KINETIC_NONCONFORMANCE_SEVERITY
            return NONCONFORMANCE_SEVERITY
        t = d.entry_s if d.kind == "entry" else d.tcpa_s
        if t is not None and t < self.urgent(d.domain):
            return "critical"
        if d.kind != "cpa" or d.cpa_m is None or d.h_min_m is None:
            return "warning"
        close_h = d.cpa_m < self.fraction * d.h_min_m
        close_v = (
            d.dz_cpa_ft is None or d.v_min_ft is None or d.dz_cpa_ft < self.fraction * d.v_min_ft
        )
        return "critical" if close_h and close_v else "warning"
