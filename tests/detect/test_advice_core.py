"""Advice on seeded random scenes, held to the detectors and to the brute-force grid.

Scenes of 2-50 other notices (air and sea, all four shapes, anywhere: mid latitudes, the
antimeridian, above 70 degrees), some assets, some hazards made hot by kinetic notices,
sometimes a kinetic subject. Every piece of advice clears and is minimal
(``advice_checks``); on small scenes the grid twin (``detect.advice_reference``: the
detectors only) finds the same first clear point of each kind.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest
from advice_checks import check_advice
from advice_scenes import SMALL, random_setup

from interlock.detect.advice import AdviceKind, advise
from interlock.detect.advice_reference import advise_reference
from interlock.model.advice_rules import AdviceRules

# (seed, notices, region, kinetic subject, hazards, assets)
SCENES = [
    (1, 2, "mid", False, 0, 0),
    (2, 5, "mid", False, 0, 1),
    (3, 12, "antimeridian", False, 0, 1),
    (4, 30, "mid", False, 2, 2),
    (5, 50, "mid", False, 0, 0),
    (6, 8, "polar", False, 1, 0),
    (7, 6, "mid", True, 2, 0),
    (8, 15, "mid", True, 3, 1),
    (9, 20, "antimeridian", False, 2, 0),
    (10, 40, "polar", False, 0, 2),
    (11, 10, "pole", False, 1, 1),
    (12, 25, "pole", True, 2, 0),
    (13, 3, "antimeridian", True, 3, 0),
    (14, 45, "mid", False, 3, 2),
    (15, 18, "polar", False, 0, 0),
    (16, 35, "antimeridian", False, 1, 1),
]


@pytest.mark.parametrize(("seed", "n", "region", "kinetic", "hazards", "assets"), SCENES)
def test_every_piece_of_advice_clears_and_is_minimal(
    seed: int, n: int, region: str, kinetic: bool, hazards: int, assets: int
) -> None:
    s = random_setup(seed, n, region, kinetic, hazards, assets, spread_m=40_000.0)
    rules = AdviceRules()
    result = advise(s.subject, s.obstacles, rules)
    assert result.met, "the scene is drawn so the subject meets something"
    check_advice(s, result, rules)
    kinds = {a.kind for a in result.advice} | {u.kind for u in result.unavailable}
    assert kinds == set(AdviceKind), "each kind is either advised or said unavailable"
    for u in result.unavailable:
        assert u.why
    if kinetic and any(o.band is None for o in result.met):
        assert {AdviceKind.LEVEL_UP, AdviceKind.LEVEL_DOWN} <= {u.kind for u in result.unavailable}


def test_a_subject_that_meets_nothing_gets_no_advice() -> None:
    s = random_setup(3, 4, spread_m=40_000.0)
    far = replace(
        s.subject,
        draft=replace(s.subject.draft, start=s.subject.draft.start.replace(year=2031)),
    )
    result = advise(far, s.obstacles, AdviceRules())
    assert result.met == () and result.advice == () and result.unavailable == ()
    assert advise_reference(far, s.scene, SMALL, time_step_s=60).clear_now


SMALL_SCENES = [
    (21, 2, "mid", False, 0, 0),
    (22, 4, "mid", False, 0, 1),
    (23, 3, "antimeridian", False, 1, 0),
    (24, 5, "polar", False, 0, 0),
    (25, 3, "mid", True, 2, 0),
    (26, 6, "mid", False, 2, 1),
    (27, 4, "pole", False, 1, 0),
    (28, 5, "antimeridian", False, 2, 1),
    (29, 2, "polar", False, 0, 1),
    (30, 6, "mid", False, 0, 0),
    # two bearings traced at 12 steps: the first came out exactly at 13, the second at 12
    # (the core took the first bearing it could clear, not the nearest)
    (448, 3, "mid", False, 2, 1),
]
_SECOND = timedelta(seconds=1)
COARSE_S = 600.0  # the reference's time step: the core is run at it too, and at 1 s


@pytest.mark.parametrize(("seed", "n", "region", "kinetic", "hazards", "assets"), SMALL_SCENES)
def test_the_grid_twin_finds_the_same_advice(
    seed: int, n: int, region: str, kinetic: bool, hazards: int, assets: int
) -> None:
    s = random_setup(seed, n, region, kinetic, hazards, assets, spread_m=25_000.0)
    ref = advise_reference(s.subject, s.scene, SMALL, time_step_s=COARSE_S)
    assert not ref.clear_now
    fine = {a.kind: a for a in advise(s.subject, s.obstacles, SMALL).advice}
    coarse_rules = replace(SMALL, time_step_s=COARSE_S)
    coarse = {a.kind: a for a in advise(s.subject, s.obstacles, coarse_rules).advice}
    judge = s.judge
    for kind, key in ((AdviceKind.DELAY, "delay_s"), (AdviceKind.ADVANCE, "advance_s")):
        point = ref.first[kind]
        if point is None:
            assert kind not in coarse
            continue
        assert coarse[kind].change[key] == point.steps * COARSE_S, kind
        assert coarse[kind].draft == point.draft
        # at 1 s: no later than the coarse grid, and the coarse point after it is the
        # reference's when that one clears
        secs = fine[kind].change[key]
        assert secs <= point.steps * COARSE_S
        after = math.ceil(secs / COARSE_S)
        sign = 1 if kind is AdviceKind.DELAY else -1
        d = s.subject.draft
        moved = replace(
            d,
            start=d.start + sign * after * COARSE_S * _SECOND,
            end=d.end + sign * after * COARSE_S * _SECOND,
        )
        if judge.clear(moved):
            assert point.steps == after
    core = {a.kind: a for a in advise(s.subject, s.obstacles, SMALL).advice}
    for kind in (AdviceKind.LEVEL_UP, AdviceKind.LEVEL_DOWN, AdviceKind.NARROW):
        point = ref.first[kind]
        if point is None:
            assert kind not in core, kind
        else:
            assert core[kind].draft == point.draft, kind
    # offset: the same smallest distance over the same bearings, on a bearing that has it
    point = ref.first[AdviceKind.OFFSET]
    if point is None:
        assert AdviceKind.OFFSET not in core
    else:
        got = core[AdviceKind.OFFSET].change
        assert round(got["distance_nm"] / SMALL.offset_step_nm) == point.steps
        at = ref.offsets[got["bearing_deg"]]
        assert at is not None and at.steps == point.steps


def test_no_sliver_is_offered_as_a_shrink() -> None:
    """A scene whose clear part was a 1.3 m2 triangle of a 602 km2 notice (offered as
    'kept 0.0'): a part smaller than an offset step square is no advice."""
    s = random_setup(461, 19, "antimeridian", False, 1, 1, spread_m=27_323.2)
    result = advise(s.subject, s.obstacles, AdviceRules())
    check_advice(s, result, AdviceRules())
    (none,) = [u for u in result.unavailable if u.kind is AdviceKind.SHRINK]
    assert "none of at least 0.1 NM square" in none.why
