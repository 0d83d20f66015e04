"""Conflicts and rule violations: what detection reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from .timeutil import iso

SEVERITIES = ("minor", "major", "critical")


@dataclass(frozen=True, slots=True)
class Ref:
    """A versioned reference to a notice or an asset."""

    kind: str  # "notice" | "asset"
    id: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class Conflict:
    """Loss of agreed separation between two declared volumes (strategic)."""

    a: Ref
    b: Ref
    a_party: str
    b_party: str
    window_start: datetime  # overlap of the two windows, or the gap between them
    window_end: datetime
    time_gap_s: float  # 0 when the windows overlap; else how far apart (< the buffer)
    horizontal_distance_m: float
    horizontal_minimum_m: float
    vertical_gap_m: float  # 0 when the bands overlap
    vertical_minimum_m: float
    worst_lon: float
    worst_lat: float
    severity: str

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(sorted({self.a_party, self.b_party}))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["window_start"] = iso(self.window_start)
        d["window_end"] = iso(self.window_end)
        return d


VIOLATION_KINDS = ("late_notice", "insufficient_warning")


@dataclass(frozen=True, slots=True)
class Violation:
    """A breach of an agreement rule: a notice filed later than the lead time
    (``late_notice``), or a kinetic notice filed with less warning than an aircraft it
    exposes needs to leave the hot envelope (``insufficient_warning``: then ``hazard``,
    ``exposed`` and ``exposed_party`` say which)."""

    kind: str  # one of VIOLATION_KINDS
    notice: Ref
    party: str
    detail: str
    lead_time_s: float
    required_s: float
    hazard: str | None = None
    exposed: Ref | None = None
    exposed_party: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.kind == "late_notice":  # the record late notices always had
            for key in ("hazard", "exposed", "exposed_party"):
                d.pop(key)
        else:
            d["lead_time_min"] = round(self.lead_time_s / 60.0, 2)
            d["required_min"] = round(self.required_s / 60.0, 2)
        return d
