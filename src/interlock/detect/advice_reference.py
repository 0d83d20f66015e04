"""The brute-force twin of ``advice.advise``: each kind's grid walked out from no change.

The core searches with ``keepclear.Obstacle`` (each rule split into time, vertical and
horizontal tests, and intervals jumped over); this twin knows nothing of obstacles. It
builds each candidate notice with the core's own builders (``advice.moved_band``,
``advice_place.offset_area``: how a candidate is made is not the search) and judges it only
with the detectors a filed notice meets: ``strategic.check_pair`` against every other
notice and asset, ``hazards.hot_hazards`` + ``exposure.strategic_exposures`` both ways (the
candidate in an envelope other parties' kinetic notices make hot; a kinetic candidate making
hot an envelope another party's air notice is in). It then steps through every grid point in
turn: delay and advance in ``time_step`` (a test may pass a coarser one), level in whole
steps, an offset along each bearing in ``offset_step_nm``, narrowing likewise; the first
clear point of each is its answer. Slow by design; tests only (``tests/detect/test_advice*``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from ..model.advice_rules import AdviceRules
from ..model.agreement import Rules
from ..model.conflict import Conflict
from ..model.hazard_rules import HazardRules
from ..model.notice import NoticeDraft
from .advice import KINDS, AdviceKind, Subject, moved_band
from .advice_place import offset_area
from .exposure import Exposure, strategic_exposures
from .hazards import ActivityNotice, Hazard, HotHazard, hot_hazards
from .strategic import Volume, check_pair, notice_volume


@dataclass(frozen=True)
class Scene:
    """Everything else on file: notices (with their activity), assets, hazards, rules."""

    notices: tuple[ActivityNotice, ...]
    assets: tuple[Volume, ...]
    hazards: tuple[Hazard, ...]
    rules: Rules
    hazard_rules: HazardRules


class Judge:
    """Whether a candidate version of the subject, filed, would meet anything."""

    def __init__(self, subject: Subject, scene: Scene) -> None:
        self.subject = subject
        self.scene = scene
        hr = scene.hazard_rules
        others = [n for n in scene.notices if n.volume.ref != subject.ref]
        self.volumes = [n.volume for n in others] + list(scene.assets)
        self.hot: list[HotHazard] = hot_hazards(scene.hazards, others, hr)
        self.exposable = [n.volume for n in others if n.volume.domain == "air"]

    def findings(self, draft: NoticeDraft) -> list[Conflict | Exposure]:
        """Every conflict and exposure the candidate would have."""
        s, scene = self.subject, self.scene
        hr = scene.hazard_rules
        vol = notice_volume(draft, s.ref, s.party)
        out: list[Conflict | Exposure] = [
            c for v in self.volumes if (c := check_pair(vol, v, scene.rules)) is not None
        ]
        out += strategic_exposures(self.hot, [vol], hr)
        if hr.is_kinetic(draft.activity):
            made_hot = hot_hazards(scene.hazards, [ActivityNotice(vol, draft.activity)], hr)
            out += strategic_exposures(made_hot, self.exposable, hr)
        return out

    def clear(self, draft: NoticeDraft) -> bool:
        return not self.findings(draft)


@dataclass(frozen=True)
class GridPoint:
    """The first clear point of one kind's grid: `steps` steps from no change."""

    kind: AdviceKind
    steps: int
    draft: NoticeDraft
    bearing_deg: float | None = None


@dataclass(frozen=True)
class ReferenceAdvice:
    clear_now: bool  # the subject meets nothing: no advice
    first: dict[AdviceKind, GridPoint | None] = field(default_factory=dict)  # None: none clears
    offsets: dict[float, GridPoint | None] = field(default_factory=dict)  # per bearing


def _time(
    judge: Judge, subject: Subject, rules: AdviceRules, step_s: float, sign: int
) -> GridPoint | None:
    d = subject.draft
    kind = AdviceKind.DELAY if sign > 0 else AdviceKind.ADVANCE
    most = math.floor(rules.max_time_shift.total_seconds() / step_s + 1e-9)
    for k in range(1, most + 1):
        shift = timedelta(seconds=sign * k * step_s)
        cand = replace(d, start=d.start + shift, end=d.end + shift)
        if sign > 0 and cand.end > subject.latest_end:
            return None  # the planning horizon
        if sign < 0 and cand.start < subject.earliest_start:
            return None  # the lead-time rule
        if cand.start < subject.earliest_start:
            continue  # a late notice delayed: not yet out of the lead time
        if judge.clear(cand):
            return GridPoint(kind, k, cand)
    return None


def _level(judge: Judge, subject: Subject, rules: AdviceRules, sign: int) -> GridPoint | None:
    kind = AdviceKind.LEVEL_UP if sign > 0 else AdviceKind.LEVEL_DOWN
    k = 1
    while (cand := moved_band(subject.draft, sign * k, rules)) is not None:
        if judge.clear(cand):
            return GridPoint(kind, k, cand)
        k += 1
    return None


def _offset(judge: Judge, subject: Subject, rules: AdviceRules, bearing: float) -> GridPoint | None:
    d = subject.draft
    step = rules.offset_step_m
    for k in range(1, math.floor(rules.max_offset_m / step + 1e-9) + 1):
        cand = replace(d, area=offset_area(d.area, bearing, k * step))
        if judge.clear(cand):
            return GridPoint(AdviceKind.OFFSET, k, cand, bearing)
    return None


def _narrow(judge: Judge, subject: Subject, rules: AdviceRules) -> GridPoint | None:
    d = subject.draft
    if d.area.shape == "polygon":
        return None
    k = 1
    while (radius := d.area.radius_m - k * rules.offset_step_m) > 0:
        cand = replace(d, area=replace(d.area, radius_m=radius))
        if judge.clear(cand):
            return GridPoint(AdviceKind.NARROW, k, cand)
        k += 1
    return None


def advise_reference(
    subject: Subject,
    scene: Scene,
    rules: AdviceRules,
    kinds: Sequence[AdviceKind] = KINDS,
    time_step_s: float | None = None,
) -> ReferenceAdvice:
    """The first clear grid point of each of `kinds` (shrink has no grid: not searched)."""
    judge = Judge(subject, scene)
    if judge.clear(subject.draft):
        return ReferenceAdvice(True)
    step_s = time_step_s or rules.time_step_s
    first: dict[AdviceKind, GridPoint | None] = {}
    offsets: dict[float, GridPoint | None] = {}
    for kind in kinds:
        if kind is AdviceKind.DELAY:
            first[kind] = _time(judge, subject, rules, step_s, 1)
        elif kind is AdviceKind.ADVANCE:
            first[kind] = _time(judge, subject, rules, step_s, -1)
        elif kind is AdviceKind.LEVEL_UP:
            first[kind] = _level(judge, subject, rules, 1)
        elif kind is AdviceKind.LEVEL_DOWN:
            first[kind] = _level(judge, subject, rules, -1)
        elif kind is AdviceKind.OFFSET:
            for i in range(rules.bearings):
                bearing = i * (360.0 / rules.bearings)  # as the core spells it
                offsets[bearing] = _offset(judge, subject, rules, bearing)
            found = [p for p in offsets.values() if p is not None]
            first[kind] = min(found, key=lambda p: (p.steps, p.bearing_deg)) if found else None
        elif kind is AdviceKind.NARROW:
            first[kind] = _narrow(judge, subject, rules)
    return ReferenceAdvice(False, first, offsets)
