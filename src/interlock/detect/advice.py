"""Advice that clears: the smallest change of a notice that removes all its conflicts.

For a notice (the *subject*) and everything it must keep clear of (``keepclear.Obstacle``:
other parties' notices and assets, hazards other parties make hot, and, for a kinetic
notice, other parties' notices in hazards it would make hot), each piece of advice is a
candidate notice that meets none of them:

- **time**: the smallest delay and the smallest advance of the whole window, duration
  kept, in whole ``time_step_s``, the new start no sooner than the lead-time rule allows
  and the end within the planning horizon (``advise_time``);
- **level**: the nearest band of the same thickness up and down, in ``level_step_ft``
  (flight levels) or ``depth_step_m``, within the domain's limits (``advise_level``);
- **place**: the smallest offset of the whole area, searched over ``bearings`` in
  ``offset_step_nm``; for circles, corridors and orbits the smallest narrowing; and the
  largest clear part of the area (``advice_place``).

Each dimension's search holds the other two fixed, so it needs only the obstacles the
subject meets in them: time searches among those met vertically and horizontally, level
among those met in time and horizontally, place among those met in time and vertically.
Every candidate is checked with the exact tests before it is offered (``keepclear``).
Minimal means: the step before it (one step less change) still meets an obstacle, and so
does every smaller change (the 1-D searches walk the forbidden intervals in order).

Pure: obstacles in, frozen advice out. ``advice_reference`` is the brute-force twin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from ..model.advice_rules import AdviceRules
from ..model.conflict import Ref
from ..model.limits import MAX_ALT_FT, MAX_DEPTH_M, MIN_ALT_FT
from ..model.notice import NoticeDraft, band_of
from .keepclear import Obstacle, still_met


class AdviceKind(StrEnum):
    DELAY = "delay"
    ADVANCE = "advance"
    LEVEL_UP = "level_up"
    LEVEL_DOWN = "level_down"
    OFFSET = "offset"
    NARROW = "narrow"
    SHRINK = "shrink"


KINDS = tuple(AdviceKind)
TIME_AND_LEVEL = (AdviceKind.DELAY, AdviceKind.ADVANCE, AdviceKind.LEVEL_UP, AdviceKind.LEVEL_DOWN)


@dataclass(frozen=True)
class Subject:
    """The notice advised on, and the bounds any new version of it must keep."""

    draft: NoticeDraft
    ref: Ref
    party: str
    earliest_start: datetime  # now + the agreement's lead time
    latest_end: datetime  # now + the planning horizon

    def late(self, candidate: NoticeDraft) -> bool:
        """Filed now, whether the candidate would be a late notice (a shrink never is)."""
        return candidate.start < self.earliest_start and not self.draft.contains(candidate)


@dataclass(frozen=True)
class Advice:
    """One candidate notice that clears every obstacle, and what it changes."""

    kind: AdviceKind
    draft: NoticeDraft
    change: dict[str, Any]
    late: bool = False  # filed now it would be a late notice (agreement "notice lead time")


@dataclass(frozen=True)
class Unavailable:
    """A kind of advice that nothing within the agreement's limits gives, and why."""

    kind: AdviceKind
    why: str
    about: Obstacle | None = None  # the one that stops it, where one does (named by the shell)


@dataclass(frozen=True)
class AdviceSet:
    """Every piece of advice for one subject, in KINDS order, and what it meets now."""

    met: tuple[Obstacle, ...]
    advice: tuple[Advice, ...] = ()
    unavailable: tuple[Unavailable, ...] = field(default_factory=tuple)


# ---- the 1-D search -----------------------------------------------------------------------


def first_allowed(
    forbidden: Sequence[tuple[float, float, bool]], lo: float, hi: float
) -> int | None:
    """The smallest whole k with lo <= k <= hi inside none of the intervals (lo, hi,
    closed): open ones exclude their ends, closed ones include them. None: none is."""
    k = math.ceil(lo - 1e-9)
    if not forbidden:
        return k if k <= hi else None
    arr = np.asarray(forbidden, dtype=float)
    a, b, closed = arr[:, 0], arr[:, 1], arr[:, 2].astype(bool)
    while k <= hi:
        inside = np.where(closed, (a <= k) & (k <= b), (a < k) & (k < b))
        if not inside.any():
            return k
        ends = b[inside]
        past = np.where(closed[inside], np.floor(ends) + 1, np.ceil(ends))
        k = max(k + 1, int(past.max()))
    return None


def _mirror(forbidden: Sequence[tuple[float, float, bool]]) -> list[tuple[float, float, bool]]:
    return [(-b, -a, c) for a, b, c in forbidden]


# ---- time -----------------------------------------------------------------------------------


def _ts(t: datetime) -> float:
    return t.timestamp()


def advise_time(
    subject: Subject, obstacles: Sequence[Obstacle], rules: AdviceRules
) -> list[Advice | Unavailable]:
    """The smallest delay and the smallest advance, in whole time steps, that clear."""
    d = subject.draft
    assert d.band is not None
    met = [o for o in obstacles if o.meets_band(d.band) and o.meets_area(d.area)]
    duration = d.end - d.start
    step = rules.time_step_s
    s0 = _ts(d.start)
    # forbidden starts as offsets from the current start, in steps
    spans = []
    for o in met:
        first, last = o.forbidden_starts(duration)
        spans.append(((_ts(first) - s0) / step, (_ts(last) - s0) / step, False))
    limit = rules.max_time_shift.total_seconds() / step
    earliest = (_ts(subject.earliest_start) - s0) / step  # the lead-time rule's bound
    latest = (_ts(subject.latest_end) - _ts(d.end)) / step  # the horizon's
    out: list[Advice | Unavailable] = []
    for kind, sign in ((AdviceKind.DELAY, 1), (AdviceKind.ADVANCE, -1)):
        if sign > 0:
            lo, hi, forbidden = max(0.0, earliest), min(limit, latest), spans
        else:
            lo, hi, forbidden = 0.0, min(limit, -earliest), _mirror(spans)
        k = first_allowed(forbidden, lo, hi)
        while k is not None:  # the exact tests have the last word
            shift = timedelta(seconds=sign * k * step)
            cand = replace(d, start=d.start + shift, end=d.end + shift)
            if not still_met(met, d.area, d.band, cand.start, cand.end):
                key = "delay_s" if sign > 0 else "advance_s"
                out.append(Advice(kind, cand, {key: k * step}))
                break
            k = first_allowed(forbidden, k + 1, hi)
        if k is None:
            out.append(Unavailable(kind, _no_time(kind, hi, limit, step)))
    return out


def _no_time(kind: AdviceKind, hi: float, limit: float, step: float) -> str:
    verb = "delay" if kind is AdviceKind.DELAY else "advance"
    if hi < 0:
        return (
            f"no {verb} is possible: the new start would break the lead-time rule or the "
            "end the planning horizon"
        )
    bound = "the lead-time rule and the planning horizon" if hi < limit else "[advice]"
    return f"no {verb} of up to {_hours(min(hi, limit) * step)} clears (bounded by {bound})"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h" if seconds >= 3600 else f"{seconds / 60:,.0f} min"


# ---- level ----------------------------------------------------------------------------------


def level_step(draft: NoticeDraft, rules: AdviceRules) -> tuple[str, float, float]:
    """(the band property moved, its change per step in its own unit, metres per step up)."""
    bi = draft.band_input
    if "fl_lower" in bi:
        return "fl", rules.level_step_ft / 100.0, rules.level_step_m
    if "alt_lower_ft" in bi:
        return "ft", rules.level_step_ft, rules.level_step_m
    return "depth", rules.depth_step_m, rules.depth_step_m


def moved_band(draft: NoticeDraft, k: int, rules: AdviceRules) -> NoticeDraft | None:
    """The draft with its band k steps up (negative: down), as it would be filed; None
    outside the domain's limits (model.limits; flight levels from FL 0)."""
    unit, per, _ = level_step(draft, rules)
    bi = dict(draft.band_input)
    if unit == "fl":
        lo, hi = bi["fl_lower"] + k * per, bi["fl_upper"] + k * per
        if lo < 0 or hi > MAX_ALT_FT / 100:
            return None
        bi.update(fl_lower=lo, fl_upper=hi)
    elif unit == "ft":
        lo, hi = bi["alt_lower_ft"] + k * per, bi["alt_upper_ft"] + k * per
        if lo < MIN_ALT_FT or hi > MAX_ALT_FT:
            return None
        bi.update(alt_lower_ft=lo, alt_upper_ft=hi)
    else:  # depths: up is shallower
        top, bottom = bi["depth_min_m"] - k * per, bi["depth_max_m"] - k * per
        if top < 0 or bottom > MAX_DEPTH_M:
            return None
        bi.update(depth_min_m=top, depth_max_m=bottom)
    return replace(draft, band=band_of(draft.domain, bi), band_input=bi)


def _level_bounds(draft: NoticeDraft, rules: AdviceRules) -> tuple[int, int]:
    """The most steps down and up the domain's limits allow."""
    unit, per, _ = level_step(draft, rules)
    bi = draft.band_input
    if unit == "fl":
        down, up = bi["fl_lower"], MAX_ALT_FT / 100 - bi["fl_upper"]
    elif unit == "ft":
        down, up = bi["alt_lower_ft"] - MIN_ALT_FT, MAX_ALT_FT - bi["alt_upper_ft"]
    else:
        down, up = MAX_DEPTH_M - bi["depth_max_m"], bi["depth_min_m"]
    return math.floor(down / per + 1e-9), math.floor(up / per + 1e-9)


def advise_level(
    subject: Subject, obstacles: Sequence[Obstacle], rules: AdviceRules
) -> list[Advice | Unavailable]:
    """The nearest band of the same thickness up and down, in whole steps, that clears."""
    d = subject.draft
    assert d.band is not None
    met = [o for o in obstacles if o.meets_time(d.start, d.end) and o.meets_area(d.area)]
    everywhere = [o for o in met if o.band is None]
    if everywhere:
        why = "a kinetic notice makes a hazard hot at every height: no level clears"
        about = everywhere[0]
        return [
            Unavailable(AdviceKind.LEVEL_UP, why, about),
            Unavailable(AdviceKind.LEVEL_DOWN, why, about),
        ]
    _, _, per_m = level_step(d, rules)
    thickness = d.band.upper_m - d.band.lower_m
    l0 = d.band.lower_m
    spans = [
        ((a - l0) / per_m, (b - l0) / per_m, closed)
        for o in met
        for a, b, closed in o.forbidden_lowers(thickness)
    ]
    down, up = _level_bounds(d, rules)
    out: list[Advice | Unavailable] = []
    for kind, sign, bound, forbidden in (
        (AdviceKind.LEVEL_UP, 1, up, spans),
        (AdviceKind.LEVEL_DOWN, -1, down, _mirror(spans)),
    ):

        def clear(k: int, sign: int = sign) -> NoticeDraft | None:
            cand = moved_band(d, sign * k, rules)
            if cand is None or cand.band is None:
                return None
            return None if still_met(met, d.area, cand.band, d.start, d.end) else cand

        k = first_allowed(forbidden, 0, bound)
        while k is not None:
            cand = clear(k)
            if cand is not None:
                # the exact tests have the last word: at an inclusive bound round-off
                # can clear one step sooner than the intervals say
                while k > 0 and (sooner := clear(k - 1)) is not None:
                    k, cand = k - 1, sooner
                change = _level_change(d, sign * k, rules)
                out.append(Advice(kind, cand, change, subject.late(cand)))
                break
            k = first_allowed(forbidden, k + 1, bound)
        else:
            where = "above" if sign > 0 else "below"
            out.append(
                Unavailable(
                    kind, f"no band of the same thickness {where} clears within the domain's limits"
                )
            )
    return out


def _level_change(d: NoticeDraft, k: int, rules: AdviceRules) -> dict[str, Any]:
    unit, per, _ = level_step(d, rules)
    if unit == "depth":
        return {"shift_m": k * per}
    return {"shift_ft": k * rules.level_step_ft}


# ---- all of it --------------------------------------------------------------------------------


def advise(
    subject: Subject,
    obstacles: Sequence[Obstacle],
    rules: AdviceRules,
    kinds: Sequence[AdviceKind] = KINDS,
) -> AdviceSet:
    """Every piece of advice of `kinds` for the subject (none when it meets nothing)."""
    from .advice_place import advise_narrow, advise_offset, advise_shrink

    d = subject.draft
    assert d.band is not None, "emissions have their own advice (spectrum.advice)"
    met = tuple(still_met(obstacles, d.area, d.band, d.start, d.end))
    if not met:
        return AdviceSet(met)
    found: list[Advice | Unavailable] = []
    if AdviceKind.DELAY in kinds or AdviceKind.ADVANCE in kinds:
        found += advise_time(subject, obstacles, rules)
    if AdviceKind.LEVEL_UP in kinds or AdviceKind.LEVEL_DOWN in kinds:
        found += advise_level(subject, obstacles, rules)
    if AdviceKind.OFFSET in kinds:
        found.append(advise_offset(subject, obstacles, rules))
    if AdviceKind.NARROW in kinds:
        found.append(advise_narrow(subject, obstacles, rules))
    if AdviceKind.SHRINK in kinds:
        found.append(advise_shrink(subject, obstacles, rules))
    wanted = [f for f in found if f.kind in kinds]
    order = {k: i for i, k in enumerate(KINDS)}
    wanted.sort(key=lambda f: order[f.kind])
    return AdviceSet(
        met,
        tuple(f for f in wanted if isinstance(f, Advice)),
        tuple(f for f in wanted if isinstance(f, Unavailable)),
    )
