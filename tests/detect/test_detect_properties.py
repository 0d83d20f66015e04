"""Properties of strategic detection: symmetric, monotonic in the minima, misses nothing."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from detect_cases import NM, Case, case_pair, case_pairs, rule_sets, rules, verdict
from geodesic_truth import area_distance
from hypothesis import given, settings
from hypothesis import strategies as st
from random_areas import REGIONS, NumpySource, area_pair

from interlock.detect.strategic import check_pair, detect
from interlock.model.agreement import Rules, Separation


@settings(max_examples=200, deadline=None)
@given(pair=case_pairs(), r=rule_sets())
def test_detection_is_symmetric(pair: tuple[Case, Case], r: Rules) -> None:
    a, b = pair[0].volume("a"), pair[1].volume("b")
    ab, ba = check_pair(a, b, r), check_pair(b, a, r)
    assert (ab is None) == (ba is None)
    if ab is None or ba is None:
        return
    assert ab.horizontal_distance_m == pytest.approx(ba.horizontal_distance_m, rel=1e-6, abs=1e-6)
    assert (ab.a, ab.b, ab.a_party, ab.b_party) == (ba.b, ba.a, ba.b_party, ba.a_party)
    assert (ab.window_start, ab.window_end, ab.time_gap_s) == (
        ba.window_start,
        ba.window_end,
        ba.time_gap_s,
    )
    assert ab.vertical_gap_m == pytest.approx(ba.vertical_gap_m, abs=1e-9)
    assert (ab.horizontal_minimum_m, ab.vertical_minimum_m) == (
        ba.horizontal_minimum_m,
        ba.vertical_minimum_m,
    )
    assert ab.severity == ba.severity


def widened(r: Rules, h_factor: float, v_extra_m: float, buffer_extra_min: int) -> Rules:
    return dataclasses.replace(
        r,
        time_buffer=r.time_buffer + timedelta(minutes=buffer_extra_min),
        separation={
            d: Separation(s.horizontal_m * h_factor, s.vertical_m + v_extra_m)
            for d, s in r.separation.items()
        },
    )


@settings(max_examples=150, deadline=None)
@given(
    pairs=st.lists(case_pairs(), min_size=1, max_size=4),
    r=rule_sets(),
    h_factor=st.floats(1.0, 3.0),
    v_extra_m=st.floats(0.0, 1000.0),
    buffer_extra_min=st.integers(0, 120),
)
def test_larger_minima_give_a_superset_of_conflicts(
    pairs: list[tuple[Case, Case]],
    r: Rules,
    h_factor: float,
    v_extra_m: float,
    buffer_extra_min: int,
) -> None:
    larger = widened(r, h_factor, v_extra_m, buffer_extra_min)
    new = pairs[0][0].volume("new")
    candidates = [b.volume(f"c{i}") for i, (_, b) in enumerate(pairs)]
    found = {c.b for c in detect(new, candidates, r)}
    found_larger = {c.b for c in detect(new, candidates, larger)}
    assert found <= found_larger
    for pair in pairs:
        a, b = pair[0].volume("a"), pair[1].volume("b")
        if check_pair(a, b, r) is not None:
            assert check_pair(a, b, larger) is not None


def test_each_minimum_alone_is_monotonic() -> None:
    # Sweep one minimum at a time over a fixed sample: conflicts only ever get added.
    src = NumpySource(np.random.default_rng(4242))
    pairs = [case_pair(src) for _ in range(60)]
    base = Rules(
        time_buffer=timedelta(0),
        separation={"air": Separation(NM, 0.0), "sea": Separation(NM, 0.0)},
    )
    sweeps = {
        "horizontal": [widened(base, f, 0.0, 0) for f in (1, 2, 5, 10, 20)],
        "vertical": [widened(base, 1.0, v, 0) for v in (0.0, 100.0, 300.0, 1000.0, 3000.0)],
        "time": [widened(base, 1.0, 0.0, m) for m in (0, 10, 60, 240, 600)],
    }
    for name, steps in sweeps.items():
        previous: set[int] = set()
        sizes = []
        for step in steps:
            now = {
                i
                for i, (a, b) in enumerate(pairs)
                if check_pair(a.volume("a"), b.volume("b"), step) is not None
            }
            assert previous <= now, name
            previous = now
            sizes.append(len(now))
        assert sizes[-1] > sizes[0], f"the {name} sweep never added a conflict"


def test_detection_misses_nothing_against_brute_force_on_1000_pairs() -> None:
    src = NumpySource(np.random.default_rng(20_261_201))
    outcomes: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    disagreements = []
    for i in range(1000):
        region = REGIONS[i % len(REGIONS)]
        regions[region] += 1
        r = rules(src)
        a, b = case_pair(src, region)
        truth = verdict(a, b, r)
        code = check_pair(a.volume("a"), b.volume("b"), r) is not None
        if truth is None:
            outcomes["too close to call"] += 1
            continue
        outcomes["conflict" if truth else "separated"] += 1
        if code != truth:
            disagreements.append((i, region, truth, code, a, b, r))
    assert not disagreements, disagreements[:3]
    # The sample is meaningful: both verdicts are common and few are within the band.
    assert outcomes["conflict"] >= 200 and outcomes["separated"] >= 200, outcomes
    assert outcomes["too close to call"] <= 10, outcomes
    assert min(regions.values()) == 250


def test_detection_right_at_the_horizontal_minimum() -> None:
    # Put the minimum 0.2-1 % either side of each pair's true gap: the verdict must follow
    # the truth, so the distance behind it must be good to better than 0.2 %.
    src = NumpySource(np.random.default_rng(99))
    t0 = datetime(2026, 12, 1, 8, tzinfo=UTC)
    checked = Counter[bool]()
    for i in range(64):
        spec_a, spec_b = area_pair(src, REGIONS[i % len(REGIONS)], 30_000.0, 60_000.0)
        a = Case(spec_a, "blue", "air", "notice", 0.0, 900.0, t0, t0 + timedelta(hours=1))
        b = Case(spec_b, "red", "air", "notice", 300.0, 600.0, t0, t0 + timedelta(hours=1))
        gap = area_distance(a.core, b.core)
        if gap < 200.0:
            continue
        u = src.uniform(0.002, 0.01) * src.choice((-1.0, 1.0))
        minimum = gap / (1.0 + u)  # u > 0: the gap exceeds the minimum, separated
        r = Rules(
            time_buffer=timedelta(0),
            separation={"air": Separation(minimum, 300.0), "sea": Separation(minimum, 0.0)},
        )
        conflict = check_pair(a.volume("a"), b.volume("b"), r) is not None
        assert conflict == (u < 0), (gap, minimum, spec_a, spec_b)
        checked[conflict] += 1
    assert checked[True] >= 15 and checked[False] >= 15, checked
