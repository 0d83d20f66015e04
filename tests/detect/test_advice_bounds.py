"""Time and level advice at their bounds: the lead-time rule, the planning horizon,
``max_time_shift_h``, the domain's level limits (FL 0, MAX_ALT_FT, MIN_ALT_FT, depth 0,
MAX_DEPTH_M), and walls where nothing clears (Unavailable, with a reason). Each bound is
tried where the needed change is exactly at it and one second / one step past it; every
answer is held to the detectors (``advice_checks``) and the grid twin.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from advice_checks import check_advice
from advice_scenes import (
    NOW,
    RULES,
    SMALL,
    T0,
    Setup,
    circle_spec,
    depth,
    draft,
    fl,
    ft,
    other,
    random_setup,
    setup,
    subject_of,
)

from interlock.detect.advice import AdviceKind, AdviceSet, advise
from interlock.detect.advice_reference import advise_reference
from interlock.model.advice_rules import AdviceRules

HERE = circle_spec(35.0, 34.0, 5_000.0)
BUFFER = RULES.time_buffer
RULES_1S = AdviceRules(max_offset_nm=5.0, bearings=8)  # time and level need no wide place
TIME = (AdviceKind.DELAY, AdviceKind.ADVANCE)
LEVEL = (AdviceKind.LEVEL_UP, AdviceKind.LEVEL_DOWN)


def by_kind(result: AdviceSet) -> tuple[dict, dict]:
    return {a.kind: a for a in result.advice}, {u.kind: u for u in result.unavailable}


def run(
    s: Setup, rules: AdviceRules = RULES_1S, kinds: tuple[AdviceKind, ...] = TIME + LEVEL
) -> tuple[dict, dict]:
    result = advise(s.subject, s.obstacles, rules, kinds)
    check_advice(s, result, rules)
    return by_kind(result)


def level_setup(band: dict, others: list[dict]) -> Setup:
    subj = subject_of(draft(HERE, band))
    return setup(subj, [other(f"o{k}", draft(HERE, b)) for k, b in enumerate(others)])


def ref_level(s: Setup, kind: AdviceKind) -> int | None:
    point = advise_reference(s.subject, s.scene, RULES_1S, (kind,)).first[kind]
    return None if point is None else point.steps


# ---- level --------------------------------------------------------------------------------


def test_a_wall_of_notices_at_every_level_leaves_no_level() -> None:
    wall = [fl(0, 600), fl(600, 1300), fl(1300, 2000)]
    s = level_setup(fl(100, 150), wall)
    advice, none = run(s)
    assert set(LEVEL) <= set(none) and not set(LEVEL) & set(advice)
    assert all("within the domain's limits" in none[k].why for k in LEVEL)
    assert ref_level(s, AdviceKind.LEVEL_UP) is None
    assert ref_level(s, AdviceKind.LEVEL_DOWN) is None


@pytest.mark.parametrize(
    ("subject", "others", "kind", "shift"),
    [
        # down to FL 0 exactly, exactly the vertical minimum below FL 60
        (fl(20, 70), [fl(60, 200)], AdviceKind.LEVEL_DOWN, -2000.0),
        (fl(20, 70), [fl(59, 200)], AdviceKind.LEVEL_DOWN, None),  # FL -1: below FL 0
        # up to MAX_ALT_FT (FL 2000) exactly
        (fl(1900, 1960), [fl(1800, 1930)], AdviceKind.LEVEL_UP, 4000.0),
        (fl(1900, 1960), [fl(1800, 1931)], AdviceKind.LEVEL_UP, None),
        # feet: MIN_ALT_FT is the floor
        (ft(-2000, 3000), [ft(0, 10_000)], AdviceKind.LEVEL_DOWN, None),
        (ft(-2000, 3000), [ft(0, 10_000)], AdviceKind.LEVEL_UP, 13_000.0),
        (ft(-1000, 3000), [ft(3000, 10_000)], AdviceKind.LEVEL_DOWN, -1000.0),  # to -2,000 ft
        (ft(-1000, 3000), [ft(2900, 10_000)], AdviceKind.LEVEL_DOWN, None),
    ],
)
def test_air_level_limits(
    subject: dict, others: list, kind: AdviceKind, shift: float | None
) -> None:
    s = level_setup(subject, others)
    advice, none = run(s)
    steps = ref_level(s, kind)
    if shift is None:
        assert kind in none and "within the domain's limits" in none[kind].why
        assert steps is None
    else:
        assert advice[kind].change == {"shift_ft": shift}
        assert steps == abs(shift) / 100


@pytest.mark.parametrize(
    ("subject", "others", "kind", "shift"),
    [
        # the surface is the top: no band shallower than depth 0
        (depth(0, 50), [depth(0, 100)], AdviceKind.LEVEL_UP, None),
        # overlap meets at sea, touching does not (the sea's vertical minimum is 0)
        (depth(0, 50), [depth(0, 100)], AdviceKind.LEVEL_DOWN, -100.0),
        (depth(10_800, 10_950), [depth(0, 10_850)], AdviceKind.LEVEL_DOWN, -50.0),  # to 11,000
        (depth(10_800, 10_960), [depth(0, 10_850)], AdviceKind.LEVEL_DOWN, None),
        (depth(40, 60), [depth(20, 100)], AdviceKind.LEVEL_UP, 40.0),  # up to the surface
        (depth(40, 60), [depth(19, 100)], AdviceKind.LEVEL_UP, None),
    ],
)
def test_sea_level_limits(
    subject: dict, others: list, kind: AdviceKind, shift: float | None
) -> None:
    s = level_setup(subject, others)
    advice, none = run(s)
    steps = ref_level(s, kind)
    if shift is None:
        assert kind in none
        assert steps is None
    else:
        assert advice[kind].change == {"shift_m": shift}
        assert steps == abs(shift)


# ---- time ---------------------------------------------------------------------------------


def time_setup(others: list[tuple[datetime, datetime]], now: datetime = NOW) -> Setup:
    subj = subject_of(draft(HERE, fl(100, 150), T0, 120.0), now=now)
    notices = [
        other(f"o{k}", draft(HERE, fl(100, 150), a, (b - a).total_seconds() / 60))
        for k, (a, b) in enumerate(others)
    ]
    return setup(subj, notices)


def ref_time(
    s: Setup, kind: AdviceKind, rules: AdviceRules = RULES_1S, step: float = 60.0
) -> float | None:
    point = advise_reference(s.subject, s.scene, rules, (kind,), time_step_s=step).first[kind]
    return None if point is None else point.steps * step


def test_a_delay_creates_no_new_conflict() -> None:
    """The nearest delay clear of the first notice runs into a second: it goes past both."""
    s = time_setup(
        [
            (T0 - timedelta(hours=1), T0 + timedelta(hours=1)),
            (T0 + timedelta(hours=3), T0 + timedelta(hours=6)),
        ]
    )
    advice, _ = run(s, kinds=TIME)
    assert advice[AdviceKind.DELAY].change == {"delay_s": 6 * 3600 + BUFFER.total_seconds()}
    assert ref_time(s, AdviceKind.DELAY) == 6 * 3600 + BUFFER.total_seconds()


@pytest.mark.parametrize(("extra_s", "ok"), [(0, True), (1, False)])
def test_the_lead_time_rule_bounds_the_advance(extra_s: int, ok: bool) -> None:
    """20 min of room before the lead time: an advance of exactly 20 min is given (the new
    start exactly at now + lead time), one second more is not."""
    need = timedelta(minutes=20, seconds=extra_s)
    now = T0 - RULES.min_lead_time - timedelta(minutes=20)
    s = time_setup([(T0 + timedelta(hours=2) + BUFFER - need, T0 + timedelta(hours=30))], now)
    advice, none = run(s, kinds=TIME)
    if ok:
        assert advice[AdviceKind.ADVANCE].change == {"advance_s": 1200.0}
        assert advice[AdviceKind.ADVANCE].draft.start == s.subject.earliest_start
        assert ref_time(s, AdviceKind.ADVANCE) == 1200.0
    else:
        assert AdviceKind.ADVANCE in none and "lead-time" in none[AdviceKind.ADVANCE].why
        assert ref_time(s, AdviceKind.ADVANCE) is None


def test_a_late_notice_is_delayed_past_the_lead_time() -> None:
    """Filed 30 min before its start (lead time 1 h): a 5 min delay would clear the
    conflict but leave it late; the delay given is 30 min, to now + lead time exactly, and
    no advance is possible."""
    now = T0 - timedelta(minutes=30)
    s = time_setup([(T0 - timedelta(hours=3), T0 - BUFFER + timedelta(minutes=5))], now)
    advice, none = run(s, kinds=TIME)
    delay = advice[AdviceKind.DELAY]
    assert delay.change == {"delay_s": 1800.0} and not delay.late
    assert delay.draft.start == s.subject.earliest_start
    assert "lead-time" in none[AdviceKind.ADVANCE].why
    assert ref_time(s, AdviceKind.DELAY) == 1800.0
    assert ref_time(s, AdviceKind.ADVANCE) is None


@pytest.mark.parametrize(("extra_s", "ok"), [(0, True), (1, False)])
def test_the_planning_horizon_bounds_the_delay(extra_s: int, ok: bool) -> None:
    """The horizon ends 1 h after the notice does: a 1 h delay is given, 1 h 1 s is not."""
    now = T0 + timedelta(hours=3) - RULES.planning_horizon
    need = timedelta(hours=1, seconds=extra_s)
    s = time_setup([(T0 - timedelta(hours=5), T0 + need - BUFFER)], now)
    advice, none = run(s, kinds=TIME)
    if ok:
        assert advice[AdviceKind.DELAY].change == {"delay_s": 3600.0}
        assert advice[AdviceKind.DELAY].draft.end == s.subject.latest_end
        assert ref_time(s, AdviceKind.DELAY) == 3600.0
    else:
        assert "planning horizon" in none[AdviceKind.DELAY].why
        assert ref_time(s, AdviceKind.DELAY) is None


@pytest.mark.parametrize(("extra_s", "ok"), [(0, True), (1, False)])
def test_max_time_shift_bounds_delay_and_advance(extra_s: int, ok: bool) -> None:
    rules = replace(RULES_1S, max_time_shift_h=2.0)
    need = timedelta(hours=2, seconds=extra_s)
    # a notice ending `need` - buffer after the subject starts and starting `need` - buffer
    # before it ends: the delay and the advance both need exactly `need`
    s = time_setup([(T0 + timedelta(hours=2) + BUFFER - need, T0 + need - BUFFER)])
    advice, none = run(s, rules, TIME)
    for kind, key in ((AdviceKind.DELAY, "delay_s"), (AdviceKind.ADVANCE, "advance_s")):
        if ok:
            assert advice[kind].change == {key: 7200.0}
            assert ref_time(s, kind, rules) == 7200.0
        else:
            assert "[advice]" in none[kind].why and "2.0 h" in none[kind].why
            assert ref_time(s, kind, rules) is None


def test_the_coarse_time_grid_and_the_fine_one() -> None:
    """At a 10 min step the core and the twin agree exactly; at 1 s the core lands within
    the coarse step before it."""
    s = time_setup(
        [(T0 - timedelta(minutes=77, seconds=13), T0 + timedelta(minutes=41, seconds=7))]
    )
    fine, _ = run(s, kinds=TIME)
    coarse, _ = run(s, replace(RULES_1S, time_step_s=600.0), TIME)
    for kind, key in ((AdviceKind.DELAY, "delay_s"), (AdviceKind.ADVANCE, "advance_s")):
        ref = ref_time(s, kind, step=600.0)
        assert coarse[kind].change[key] == ref
        assert ref - 600.0 < fine[kind].change[key] <= ref
    assert fine[AdviceKind.DELAY].change == {"delay_s": 41 * 60 + 7 + BUFFER.total_seconds()}


@pytest.mark.parametrize("seed", range(300, 312))
def test_the_grid_twin_times_late_and_nearly_late_notices(seed: int) -> None:
    """Random scenes filed 20 min to 3 h 20 min before the start (lead time 1 h), off the
    minute: at a 60 s step the core's delay and advance are the twin's, or both have none."""
    base = random_setup(seed, 3, "mid", seed % 5 == 0, seed % 3, seed % 2, spread_m=25_000.0)
    d = base.subject.draft
    now = d.start - timedelta(minutes=(20, 61, 90, 200)[seed % 4], seconds=-(seed * 7 % 60))
    s = setup(subject_of(d, now=now), base.scene.notices, base.scene.assets, base.scene.hazards)
    rules = replace(SMALL, time_step_s=60.0)
    advice, _ = run(s, rules, TIME)
    ref = advise_reference(s.subject, s.scene, rules, TIME, time_step_s=60.0)
    if ref.clear_now:  # the seeded neighbour can miss the subject: then no advice at all
        assert advice == {}
        return
    for kind, key in ((AdviceKind.DELAY, "delay_s"), (AdviceKind.ADVANCE, "advance_s")):
        point = ref.first[kind]
        if point is None:
            assert kind not in advice
        else:
            assert advice[kind].change == {key: point.steps * 60.0}
