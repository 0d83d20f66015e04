"""Strategic detection: declared 4D volumes that come closer than the agreed minima.

Two volumes of different parties conflict when all three hold:
- time: their windows overlap or lie closer than the agreement's time buffer;
- vertical: their bands come closer than the vertical minimum (overlap counts);
- horizontal: their areas come closer than the horizontal minimum.
Separation is kept if either the horizontal or the vertical minimum is kept (ICAO Doc 4444
5.4: vertical or horizontal separation), hence the conjunction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..errors import RuleViolation
from ..geo.distance import far_apart, separation
from ..geo.shapes import Area
from ..model.agreement import MINIMUM_TOLERANCE_M, Rules, infringes
from ..model.conflict import Conflict, Ref
from ..model.notice import NoticeDraft, VerticalBand
from ..model.severity import strategic_severity
from .keepclear import NEVER, Obstacle, ObstacleKind


@dataclass(frozen=True)
class Volume:
    """What detection needs of a notice or an asset."""

    ref: Ref
    party: str
    domain: str  # "air" | "sea"; assets take the domain of whatever is checked against them
    area: Area
    band: VerticalBand
    start: datetime
    end: datetime


def notice_volume(draft: NoticeDraft, ref: Ref, party: str) -> Volume:
    """The volume a validated air or sea notice declares."""
    assert draft.band is not None, "emissions are not volumes"
    return Volume(ref, party, draft.domain, draft.area, draft.band, draft.start, draft.end)


def check_pair(a: Volume, b: Volume, rules: Rules) -> Conflict | None:
    """The conflict between two volumes, or None when separation is kept."""
    if a.party == b.party:
        return None
    buffer_s = rules.time_buffer.total_seconds()
    overlap_start, overlap_end = max(a.start, b.start), min(a.end, b.end)
    overlap_s = (overlap_end - overlap_start).total_seconds()
    if overlap_s <= -buffer_s:
        return None
    dom_a = b.domain if a.ref.kind == "asset" else a.domain
    dom_b = a.domain if b.ref.kind == "asset" else b.domain
    minima = rules.minima(dom_a, dom_b)
    v_gap = a.band.gap_m(b.band)
    if not infringes(v_gap, minima.vertical_m):
        return None
    if far_apart(a.area, b.area, minima.horizontal_m):
        return None
    sep = separation(a.area, b.area)
    if sep.distance_m > 0.0 and not infringes(sep.distance_m, minima.horizontal_m):
        return None  # kept; areas that touch or overlap (distance 0) always conflict
    window = (overlap_start, overlap_end) if overlap_s >= 0 else (overlap_end, overlap_start)
    return Conflict(
        a=a.ref,
        b=b.ref,
        a_party=a.party,
        b_party=b.party,
        window_start=window[0],
        window_end=window[1],
        time_gap_s=max(0.0, -overlap_s),
        horizontal_distance_m=sep.distance_m,
        horizontal_minimum_m=minima.horizontal_m,
        vertical_gap_m=max(0.0, v_gap),
        vertical_minimum_m=minima.vertical_m,
        worst_lon=sep.worst_lon,
        worst_lat=sep.worst_lat,
        severity=strategic_severity(
            sep.distance_m, minima.horizontal_m, v_gap, minima.vertical_m, overlap_s
        ),
    )


def keep_clear_of(subject_domain: str, other: Volume, rules: Rules) -> Obstacle:
    """`check_pair`'s rule as an `Obstacle`: what a notice of `subject_domain` (another
    party's) must keep clear of to have no conflict with `other`. The same minima (an
    asset takes the subject's domain), the same tolerance at them, and distance 0 always
    conflicting."""
    domain = subject_domain if other.ref.kind == "asset" else other.domain
    minima = rules.minima(subject_domain, domain)
    buffer = rules.time_buffer
    return Obstacle(
        ref=other.ref,
        party=other.party,
        kind=ObstacleKind.ASSET if other.ref.kind == "asset" else ObstacleKind.NOTICE,
        area=other.area,
        near_m=minima.horizontal_m - MINIMUM_TOLERANCE_M,
        touch_m=0.0,
        band=other.band,
        v_near_m=minima.vertical_m - MINIMUM_TOLERANCE_M,
        v_touch_m=NEVER,
        t_lo=other.start - buffer,
        t_hi=other.end + buffer,
    )


def within_budget(candidates: int, rules: Rules) -> None:
    """The per-request compute budget: refuse, before any exact check, a notice or asset
    whose area and window meet more stored items than the agreement's max_candidates."""
    if candidates > rules.max_candidates:
        raise RuleViolation(
            f"the area and window meet {candidates:,} stored notices and assets; the "
            f"agreement checks at most {rules.max_candidates:,} per request "
            "(rules.max_candidates): split it into smaller notices",
            field="geometry",
        )


def detect(new: Volume, candidates: Iterable[Volume], rules: Rules) -> list[Conflict]:
    """Every conflict between a new volume and candidate volumes (other parties' only)."""
    out = []
    for other in candidates:
        conflict = check_pair(new, other, rules)
        if conflict is not None:
            out.append(conflict)
    return out
